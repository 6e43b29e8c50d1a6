"""Parser, printer and symbolic derivative of learner expressions."""

from __future__ import annotations

import math

import numpy as np
import pytest
from bptutor.engine.answers.expr import ParseError, parse, parse_array
from hypothesis import given, settings
from hypothesis import strategies as st

V = ["x", "y", "z"]
PT = {"x": 0.7, "y": -0.4, "z": 1.3}


@pytest.mark.parametrize(
    ("text", "reference"),
    [
        ("x*e^y", lambda x, y, z: x * math.exp(y)),
        ("x e^y", lambda x, y, z: x * math.exp(y)),
        ("e^y x", lambda x, y, z: x * math.exp(y)),
        ("2x+3y", lambda x, y, z: 2 * x + 3 * y),
        ("3x − 5", lambda x, y, z: 3 * x - 5),
        ("x·e^y", lambda x, y, z: x * math.exp(y)),
        ("x×exp(y)", lambda x, y, z: x * math.exp(y)),
        ("x^2", lambda x, y, z: x**2),
        ("x**2", lambda x, y, z: x**2),
        ("x²", lambda x, y, z: x**2),
        ("x⁻¹", lambda x, y, z: 1 / x),
        ("1/(1+e^-z)", lambda x, y, z: 1 / (1 + math.exp(-z))),
        ("σ(z)(1−σ(z))", lambda x, y, z: math.exp(-z) / (1 + math.exp(-z)) ** 2),
        ("sigma(z)", lambda x, y, z: 1 / (1 + math.exp(-z))),
        ("log(z) + ln(z)", lambda x, y, z: 2 * math.log(z)),
        ("sqrt(z) + √z", lambda x, y, z: 2 * math.sqrt(z)),
        ("tanh(x) sin(y) cos(z)", lambda x, y, z: math.tanh(x) * math.sin(y) * math.cos(z)),
        ("pi + π + e", lambda x, y, z: 2 * math.pi + math.e),
        ("2(x+y)", lambda x, y, z: 2 * (x + y)),
        ("(x+y)(x-y)", lambda x, y, z: (x + y) * (x - y)),
        ("-x^2", lambda x, y, z: -(x**2)),
        ("e^-z+1", lambda x, y, z: math.exp(-z) + 1),
        ("xy", lambda x, y, z: x * y),
        ("ey", lambda x, y, z: math.e * y),
        ("2x y", lambda x, y, z: 2 * x * y),
        ("1/2x", lambda x, y, z: x / 2),
        ("2^-1", lambda x, y, z: 0.5),
        ("x^2y", lambda x, y, z: x**2 * y),
        (".25 + 2.5e-1", lambda x, y, z: 0.5),
    ],
)
def test_forms_evaluate_as_a_person_means_them(text, reference):
    e = parse(text, V)
    assert float(e.evaluate(PT)) == pytest.approx(reference(**PT), rel=1e-12)


def test_subscripted_and_multi_letter_names():
    vs = ["a_1", "W2_1", "y_hat", "x0"]
    e = parse("a_1 W2_1 + ŷ - x0", vs)
    assert e.free_variables() == frozenset(vs)
    env = {"a_1": 2.0, "W2_1": 3.0, "y_hat": 0.5, "x0": 1.0}
    assert float(e.evaluate(env)) == pytest.approx(5.5)
    # a declared multi-letter name wins over a split into declared letters
    assert parse("ab", ["a", "b", "ab"]).free_variables() == frozenset({"ab"})
    assert parse("ab", ["a", "b"]).free_variables() == frozenset({"a", "b"})


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        ("x +* y", "unexpected “*” after “+”", 4),
        ("q + x", "“q” is not known here", 1),
        ("x + ", "ends after “+”", None),
        ("(x + y", "never closed", None),
        ("x + y)", "“)” without a matching “(”", 6),
        ("exp x", "parentheses", 1),
        ("x\x00", "NUL", 2),
    ],
)
def test_errors_point_at_the_place(text, message, column):
    with pytest.raises(ParseError) as info:
        parse(text, ["x", "y"])
    assert message in info.value.message
    assert info.value.column == column


def test_unknown_name_lists_the_allowed_ones():
    with pytest.raises(ParseError) as info:
        parse("w", ["x", "y"])
    assert "x, y" in info.value.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[0.5, -0.25]", [0.5, -0.25]),
        ("[0.5 -0.25]", [0.5, -0.25]),
        ("[0.5 - 0.25]", [0.25]),
        ("[1, 2; 3, 4]", [[1, 2], [3, 4]]),
        ("[[1,2],[3,4]]", [[1, 2], [3, 4]]),
        ("[1 2; 3 4]", [[1, 2], [3, 4]]),
        ("[1; 2]", [[1], [2]]),
        ("[e, 2pi, -1/4]", [math.e, 2 * math.pi, -0.25]),
        ("[(1 -2) 3]", [-1, 3]),
    ],
)
def test_arrays(text, expected):
    got = parse_array(text).evaluate()
    np.testing.assert_allclose(got, np.array(expected, dtype=float))


def test_ragged_rows_are_refused():
    with pytest.raises(ParseError, match="different lengths"):
        parse_array("[1, 2; 3]")


def test_evaluate_is_vectorised():
    e = parse("x e^y", ["x", "y"])
    xs = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(e.evaluate({"x": xs, "y": 0.0}), xs)


def test_printing():
    e = parse("x e^y", ["x", "y"])
    assert e.to_unicode() == "x·eʸ"
    assert parse("x*exp(y)", ["x", "y"]).to_unicode() == "x·exp(y)"
    assert parse("x^2 + sigma(z)", V).to_unicode() == "x² + σ(z)"
    assert parse("x*exp(y)", ["x", "y"]).to_plain() == "x*exp(y)"


def test_derivative_simplifies():
    assert parse("x*exp(y)", ["x", "y"]).diff("x").to_plain() == "exp(y)"
    assert parse("3*x + 2", ["x"]).diff("x").to_plain() == "3"
    assert parse("x^2", ["x"]).diff("x").to_plain() == "2*x"


# --- properties ---------------------------------------------------------------------------------

_leaf = st.one_of(
    st.sampled_from(["x", "y", "z", "e", "pi"]),
    st.floats(0, 9, allow_nan=False).map(lambda v: str(round(v, 3))),
)


def _combine(children):
    bin_ = st.tuples(children, st.sampled_from(["+", "-", "*", "/", "^"]), children).map(
        lambda t: f"({t[0]}){t[1]}({t[2]})" if t[1] == "^" else f"{t[0]} {t[1]} {t[2]}"
    )
    fn = st.tuples(
        st.sampled_from(["exp", "log", "sqrt", "tanh", "sin", "cos", "sigma"]), children
    ).map(lambda t: f"{t[0]}({t[1]})")
    neg = children.map(lambda c: f"-({c})")
    return st.one_of(bin_, fn, neg)


exprs = st.recursive(_leaf, _combine, max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(exprs)
def test_print_parse_round_trips(text):
    e = parse(text, V)
    assert parse(e.to_plain(), V) == e
    # the Unicode form reads back to the same values
    u = parse(e.to_unicode(), V)
    a, b = e.evaluate(PT), u.evaluate(PT)
    if np.isfinite(a):
        assert b == pytest.approx(a, rel=1e-9)


_smooth_leaf = st.one_of(st.sampled_from(["x", "y"]), st.integers(1, 5).map(str))


def _smooth(children):
    return st.one_of(
        st.tuples(children, st.sampled_from(["+", "-", "*"]), children).map(
            lambda t: f"({t[0]}) {t[1]} ({t[2]})"
        ),
        st.tuples(st.sampled_from(["exp", "tanh", "sin", "cos", "sigma"]), children).map(
            lambda t: f"{t[0]}(({t[1]})/4)"
        ),
        st.tuples(children, st.integers(2, 3)).map(lambda t: f"({t[0]})^{t[1]}"),
        children.map(lambda c: f"({c})/(2 + ({c})^2)"),
    )


@settings(max_examples=200, deadline=None)
@given(
    st.recursive(_smooth_leaf, _smooth, max_leaves=8), st.floats(-1.5, 1.5), st.floats(-1.5, 1.5)
)
def test_derivative_agrees_with_central_difference(text, x, y):
    e = parse(text, ["x", "y"])
    d = e.diff("x")
    h = 1e-5
    up = float(e.evaluate({"x": x + h, "y": y}))
    down = float(e.evaluate({"x": x - h, "y": y}))
    exact = float(d.evaluate({"x": x, "y": y}))
    if not all(np.isfinite([up, down, exact])) or abs(exact) > 1e6:
        return
    assert exact == pytest.approx((up - down) / (2 * h), rel=1e-4, abs=1e-5)


SUPER_LETTERS = "ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻ"


@pytest.mark.parametrize(
    ("text", "variables", "plain", "shown"),
    [
        ("eʸ", ["x", "y"], "e^y", "eʸ"),
        ("x·eʸ", ["x", "y"], "x*e^y", "x·eʸ"),
        ("e⁻ᶻ", ["z"], "e^(-z)", "e⁻ᶻ"),
        ("e⁻ᶻ+1", ["z"], "e^(-z) + 1", "e⁻ᶻ + 1"),
        ("xⁿ⁻¹", ["x", "n"], "x^(n - 1)", "xⁿ⁻¹"),
        ("x⁽ⁿ⁻¹⁾", ["x", "n"], "x^(n - 1)", "xⁿ⁻¹"),
        ("n xⁿ⁻¹", ["x", "n"], "n*x^(n - 1)", "n·xⁿ⁻¹"),
        ("2ˣ", ["x"], "2^x", "2ˣ"),
        ("x²y", ["x", "y"], "x^2*y", "x²·y"),
        ("x⁻¹", ["x"], "x^(-1)", "x⁻¹"),
        ("eˣ⁺ʸ", ["x", "y"], "e^(x + y)", "eˣ⁺ʸ"),
        ("e^(-z)", ["z"], "e^(-z)", "e⁻ᶻ"),
        ("e^(2y)", ["y"], "e^(2*y)", "e^(2y)"),
        ("e^pi", ["x"], "e^pi", "e^π"),
    ],
)
def test_superscript_exponents_read_as_powers(text, variables, plain, shown):
    e = parse(text, variables)
    assert e.to_plain() == plain
    assert e.to_unicode() == shown
    assert parse(shown, variables) == e  # what the app shows can be typed back


@pytest.mark.parametrize("letter", list(SUPER_LETTERS))
def test_every_superscript_letter_is_an_exponent(letter):
    import unicodedata

    name = unicodedata.normalize("NFKC", letter)
    e = parse("2" + letter, [name])
    assert e == parse(f"2^{name}", [name])
    assert float(e.evaluate({name: 3.0})) == 8.0
    assert e.to_unicode() == "2" + letter


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        ("x⁻", "superscript ends after “⁻”", 2),
        ("eʸ", "“y” is not known here", 2),  # y is not declared: the column points at ʸ
    ],
)
def test_superscript_errors(text, message, column):
    with pytest.raises(ParseError) as info:
        parse(text, ["x"])
    assert message in info.value.message
    assert info.value.column == column


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("(6, 6, -8)", [6, 6, -8]),
        ("(6, 6, −8)", [6, 6, -8]),
        ("((1, 2), (3, 4))", [[1, 2], [3, 4]]),
        ("[(1, 2), (3, 4)]", [[1, 2], [3, 4]]),
        ("(1, 2; 3, 4)", [[1, 2], [3, 4]]),
        ("((1 + 2)*3, 4)", [9, 4]),
    ],
)
def test_parenthesised_lists_are_vectors(text, expected):
    got = parse_array(text).evaluate()
    np.testing.assert_allclose(got, np.array(expected, dtype=float))


@pytest.mark.parametrize("text", ["(6, 6, -8)", "6, 6", "(x, y)", "exp(1, 2)"])
def test_a_list_where_one_expression_is_expected(text):
    with pytest.raises(ParseError) as info:
        parse(text, ["x", "y"])
    assert info.value.message == "a single expression is expected here, not a list"


@pytest.mark.parametrize(
    "text", ["x +* y", "x + ", "x + y)", "(x, y", "[1, 2] 3", "(2)3", "1..2", "x ^ ^ y", ", x"]
)
def test_tokens_in_messages_are_quoted(text):
    with pytest.raises(ParseError) as info:
        parse(text, ["x", "y"])
    msg = info.value.message
    # every token the message names is in “quotes”: never "unexpected ,," or "after +"
    for word in ("unexpected ", "after ", "before "):
        if word in msg:
            rest = msg.split(word, 1)[1]
            assert rest.startswith(("“", "number “")), msg


def test_a_number_divided_out_of_a_product_is_folded():
    # the ½ of the cost cancels the 2 of the power rule, as on paper
    assert parse("(y - p)^2/2").diff("p").to_plain() == "-(y - p)"
    d = parse("(y - u*s)^2/2").diff("u")
    assert "2" not in d.to_plain()
    env = {"y": 1.3, "u": 0.7, "s": -0.4}
    assert d.evaluate(env) == pytest.approx(-(1.3 - 0.7 * -0.4) * -0.4)
    assert parse("6*x/4").diff("x").to_plain() == "1.5"
