"""The parser: text learners type to a tree, by the binding-power table; names, arrays,
superscripts, errors that point at the place, and the bounds on hostile input."""

from __future__ import annotations

import math
import unicodedata

import numpy as np
import pytest
from bptutor.engine.answers.expr import BINDING_POWER, SIGN, BinOp, Neg, Var
from bptutor.engine.answers.parser import (
    MAX_DEPTH,
    MAX_LENGTH,
    MAX_TOKENS,
    MAX_TREE_DEPTH,
    Ambiguity,
    ParseError,
    canonical_name,
    parse,
    parse_array,
    tokenize,
)


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
def test_forms_evaluate_as_a_person_means_them(text, reference, xyz, point):
    e = parse(text, xyz)
    assert float(e.evaluate(point)) == pytest.approx(reference(**point), rel=1e-12)


# --- the binding-power table decides every grouping ---------------------------------------------

OPS = list(BINDING_POWER)


@pytest.mark.parametrize("op1", OPS)
@pytest.mark.parametrize("op2", OPS)
def test_two_operators_group_as_the_table_says(op1, op2):
    a, b, c = Var("a"), Var("b"), Var("c")
    left_first = BINDING_POWER[op1][1] > BINDING_POWER[op2][0]
    expected = BinOp(op2, BinOp(op1, a, b), c) if left_first else BinOp(op1, a, BinOp(op2, b, c))
    assert parse(f"a {op1} b {op2} c") == expected
    # the same rows read juxtaposition: "a b" is a*b
    if op2 == "*":
        assert parse(f"a {op1} b c") == expected


@pytest.mark.parametrize("op", OPS)
def test_a_sign_binds_as_the_table_says(op):
    x, y = Var("x"), Var("y")
    sign_first = BINDING_POWER[op][0] < SIGN
    expected = BinOp(op, Neg(x), y) if sign_first else Neg(BinOp(op, x, y))
    assert parse(f"-x {op} y") == expected
    # as an operand on the right a sign always reads: x*-y, x^-y, x - -y
    right = parse(f"x {op} -y")
    assert right == BinOp(op, x, Neg(y))


def test_the_table_says_what_the_readme_says():
    assert parse("-x^2") == Neg(parse("x^2"))  # unary minus below ^
    assert parse("1/2x") == parse("(1/2)*x")  # implicit multiplication binds like *
    assert parse("e^-z+1") == parse("e^(-z) + 1")
    assert parse("a^b^c") == parse("a^(b^c)")
    assert parse("a - b - c") == parse("(a - b) - c")
    assert parse("a/b/c") == parse("(a/b)/c")


# --- names --------------------------------------------------------------------------------------


def test_subscripted_and_multi_letter_names():
    vs = ["a_1", "W2_1", "y_hat", "x0"]
    e = parse("a_1 W2_1 + ŷ - x0", vs)
    assert e.free_variables() == frozenset(vs)
    env = {"a_1": 2.0, "W2_1": 3.0, "y_hat": 0.5, "x0": 1.0}
    assert float(e.evaluate(env)) == pytest.approx(5.5)
    # a declared multi-letter name wins over a split into declared letters
    assert parse("ab", ["a", "b", "ab"]).free_variables() == frozenset({"ab"})
    assert parse("ab", ["a", "b"]).free_variables() == frozenset({"a", "b"})


def test_canonical_names():
    assert canonical_name("ŷ") == "y_hat"
    assert canonical_name("x") == "x"
    assert parse("ŷ", ["ŷ"]) == Var("y_hat") == parse("y_hat", ["ŷ"])


# --- errors -------------------------------------------------------------------------------------


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
        ("(2)3", "unexpected number “3”", 4),
        (".²", "“.” cannot be used here", 1),  # "²".isdigit() is true: once an AssertionError
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


# --- bounds -------------------------------------------------------------------------------------


def test_length_bound():
    parse("x" + " " * (MAX_LENGTH - 1), ["x"])
    with pytest.raises(ParseError, match=f"too long \\({MAX_LENGTH + 1} characters"):
        parse("x" + " " * MAX_LENGTH, ["x"])


def test_token_bound():
    assert len(tokenize("+" * MAX_TOKENS)) == MAX_TOKENS + 1  # and the end
    with pytest.raises(ParseError, match="too long"):
        tokenize("+" * (MAX_TOKENS + 1))
    # a superscript makes 4 tokens of one character (x² is x ^ ( 2 )): still bounded
    with pytest.raises(ParseError, match="too long"):
        tokenize("x²" * 300)


@pytest.mark.parametrize(("open_", "close"), [("(", ")"), ("-", ""), ("x^", ""), ("√", "")])
def test_nesting_bound(open_, close):
    parse(open_ * MAX_DEPTH + "x" + close * MAX_DEPTH, ["x"])
    with pytest.raises(ParseError, match=f"too deeply nested \\(at most {MAX_DEPTH} levels\\)"):
        parse(open_ * (MAX_DEPTH + 1) + "x" + close * (MAX_DEPTH + 1), ["x"])


def test_tree_depth_bound():
    assert parse("+".join(["x"] * MAX_TREE_DEPTH), ["x"]).depth == MAX_TREE_DEPTH
    with pytest.raises(ParseError, match="too long or too deeply nested"):
        parse("+".join(["x"] * (MAX_TREE_DEPTH + 1)), ["x"])


def test_everything_but_text_is_a_parse_error():
    for bad in (None, 3, b"x", ["x"]):
        with pytest.raises(ParseError, match="must be text"):
            parse(bad)  # type: ignore[arg-type]
    with pytest.raises(ParseError, match="empty"):
        parse("   ")


# --- arrays -------------------------------------------------------------------------------------


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


def test_array_shapes():
    assert parse_array("[1, 2, 3]").shape == (3,)
    assert parse_array("[1, 2, 3]").flat
    assert parse_array("[[1, 2, 3]]").shape == (1, 3)
    assert parse_array("[1; 2]").shape == (2, 1)


def test_ragged_rows_are_refused():
    with pytest.raises(ParseError, match="different lengths"):
        parse_array("[1, 2; 3]")


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


# --- superscripts -------------------------------------------------------------------------------

SUPER_LETTERS = "ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻ"


@pytest.mark.parametrize("letter", list(SUPER_LETTERS))
def test_every_superscript_letter_is_an_exponent(letter):
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


# --- absolute values, more functions, subscripted names (issue 10) -----------------------------


@pytest.mark.parametrize(
    ("text", "same_as"),
    [
        ("|x - y|", "abs(x - y)"),
        ("∣x - y∣", "abs(x - y)"),
        ("||x| - 1|", "abs(abs(x) - 1)"),
        ("|x - |y||", "abs(x - abs(y))"),
        ("2|x|", "2*abs(x)"),
        ("|x||y|", "abs(x)*abs(y)"),
        ("|x|·|y|", "abs(x)*abs(y)"),
        ("|x|^2", "abs(x)^2"),
        ("|x|²", "abs(x)^2"),
        ("-|x|", "-abs(x)"),
        ("(|x| + 1)|y|", "(abs(x) + 1)*abs(y)"),
        ("|(x - |y|)|", "abs(x - abs(y))"),
        ("atan(x) + arctan(y)", "arctan(x) + arctan(y)"),
        ("cosh(x) sinh(y) sech(z)", "cosh(x)*sinh(y)*sech(z)"),
    ],
)
def test_absolute_values_and_more_functions(text, same_as, xyz):
    assert parse(text, xyz) == parse(same_as, xyz)


def test_absolute_value_values(xyz):
    e = parse("|x - y|", xyz)
    assert float(e.evaluate({"x": 0.5, "y": 2.0})) == 1.5
    assert float(e.evaluate({"x": 2.0, "y": 0.5})) == 1.5
    assert parse("atan(x)", xyz) == parse("arctan(x)", xyz)  # one function, one name in the tree


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        ("|x - y", "the “|” at column 1 is never closed", None),
        ("x|", "the “|” at column 2 is never closed", None),
        ("|x| + |", "the “|” at column 7 is never closed", None),
        ("|)", "unexpected “)” after “|”", 2),
    ],
)
def test_bar_errors_point_at_the_place(text, message, column):
    with pytest.raises(ParseError) as info:
        parse(text, ["x", "y"])
    assert info.value.message == message
    assert info.value.column == column


def test_a_function_name_in_a_message_is_quoted_as_typed():
    """Not "Sin needs ..." once the grader capitalises the sentence."""
    with pytest.raises(ParseError) as info:
        parse("sin x", ["x"])
    assert info.value.message.startswith("“sin” needs its argument in parentheses")


@pytest.mark.parametrize(
    ("text", "variables", "name"),
    [
        ("y₁", ["y1", "y2"], "y1"),
        ("y_1", ["y1", "y2"], "y1"),
        ("y1", ["y1", "y2"], "y1"),
        ("y₂", ["y1", "y2"], "y2"),
        ("W1₂₃", ["W1_23", "W2_1"], "W1_23"),
        ("W1_23", ["W1_23", "W2_1"], "W1_23"),
        ("W2₁", ["W1_23", "W2_1"], "W2_1"),
        ("a1", ["a_1"], "a_1"),
        ("a₁", ["a_1"], "a_1"),
    ],
)
def test_a_declared_name_is_read_in_its_subscripted_spellings(text, variables, name):
    assert parse(text, variables) == Var(name)


def test_subscripts_in_products_and_without_declared_names():
    assert parse("y₁y₂ + 2y₁", ["y1", "y2"]) == parse("y1*y2 + 2*y1", ["y1", "y2"])
    assert parse("y₁ - y_2") == parse("y1 - y_2")  # any name: subscripts are plain digits
    # a subscript is part of a name, never a number of its own: x₁ is not x·1
    with pytest.raises(ParseError) as info:
        parse("x₁", ["x"])
    assert info.value.message.startswith("“x₁” is not known here")
    assert parse("x2", ["x"]) == parse("x*2", ["x"])  # digits typed on the line still split
    # two declared names spelled alike: each is read only as written
    assert parse("a_1 + a1", ["a_1", "a1"]) == BinOp("+", Var("a_1"), Var("a1"))


# --- ambiguous juxtaposition (issue 10) ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "variables", "grouped", "read", "other"),
    [
        ("x/2x", ["x"], "x/2", "(x/2)*x", "x/(2*x)"),
        ("1/2x", ["x"], "1/2", "(1/2)*x", "1/(2*x)"),
        ("e^2x", ["x"], "e^2", "e^2*x", "e^(2*x)"),
        ("x/2xy", ["x", "y"], "x/2", "(x/2)*x*y", "x/(2*x*y)"),
        ("x/2 (x)", ["x"], "x/2", "(x/2)*x", "x/(2*x)"),
        ("1 + x/2x", ["x"], "x/2", "(x/2)*x", "x/(2*x)"),
        ("2x^2y", ["x", "y"], "x^2", "2*x^2*y", "2*x^(2*y)"),
        ("e^-z x", ["x", "z"], "e^-z", "e^(-z)*x", "e^(-z*x)"),
        ("1/2pi", [], "1/2", "(1/2)*pi", "1/(2*pi)"),
    ],
)
def test_juxtaposition_after_a_bare_divisor_or_exponent_is_noted(
    text, variables, grouped, read, other
):
    notes: list[Ambiguity] = []
    e = parse(text, variables, notes=notes)
    assert e == parse(text, variables)  # noting changes nothing in the reading
    assert len(notes) == 1
    (note,) = notes
    assert note.grouped == parse(grouped, variables)
    assert note.read == parse(read, variables)
    assert note.other == parse(other, variables)


@pytest.mark.parametrize(
    "text",
    ["x/(2x)", "(x/2)x", "x/(2)x", "x²y", "e^(2)x", "x/2*x", "x/2 + x", "(2x^2)y", "x y/2", "2x"],
)
def test_unambiguous_input_is_not_noted(text):
    notes: list[Ambiguity] = []
    parse(text, ["x", "y"], notes=notes)
    assert notes == []


def test_two_ambiguities_are_noted_in_order():
    notes: list[Ambiguity] = []
    parse("x/2x + 1/2y", ["x", "y"], notes=notes)
    assert [n.other for n in notes] == [parse("x/(2x)", ["x"]), parse("1/(2y)", ["y"])]
    notes = []
    parse_array("[1/2x, e^2x]", ["x"], notes=notes)
    assert [n.grouped for n in notes] == [parse("1/2"), parse("e^2")]
