"""Grading learner answers: equivalent forms, wrong forms, mistakes, tolerances, the types at
the boundary (Verdict, Mistake, Preview), and hostile input (never an exception)."""

from __future__ import annotations

import builtins
import re
import time
import warnings

import numpy as np
import pytest
from bptutor.engine.answers.expr import Expr
from bptutor.engine.answers.grading import (
    DEFAULT_ATOL,
    DEFAULT_RTOL,
    Mistake,
    Preview,
    Verdict,
    _points,
    check_array,
    check_expression,
    check_number,
    preview,
)
from bptutor.engine.answers.parser import parse
from hostile_answers import HOSTILE as HOSTILE_ANSWERS
from hypothesis import given, settings
from hypothesis import strategies as st

XY = ["x", "y"]


@pytest.mark.parametrize(
    "answer",
    [
        "x*e^y",
        "x e^y",
        "e^y x",
        "x·e^y",
        "x×exp(y)",
        "exp(y)*x",
        "x exp(y)",
        "xe^y",
        "x*e^(y)",
        "(x)(e^y)",
        "x/e^(-y)",
        "x*exp(y)*1",
    ],
)
def test_equivalent_forms_are_accepted(answer):
    v = check_expression(answer, "x*exp(y)", XY)
    assert v.correct and v.status == "correct", (answer, v)


@pytest.mark.parametrize(
    ("answer", "expected", "variables"),
    [
        ("e^(x+y)", "exp(x)*exp(y)", XY),
        ("2x+3y", "3*y + 2*x", XY),
        ("3x − 5", "3*x - 5", ["x"]),
        ("x^2", "x*x", ["x"]),
        ("x**2", "x*x", ["x"]),
        ("x²", "x*x", ["x"]),
        ("1/(1+e^-z)", "sigma(z)", ["z"]),
        ("σ(z)(1−σ(z))", "exp(-z)/(1+exp(-z))^2", ["z"]),
        ("sigma(z)", "1/(1+exp(-z))", ["z"]),
        ("2(x+y)", "2*x + 2*y", XY),
        ("(x+y)(x-y)", "x^2 - y^2", XY),
        ("log(x^2)", "2*ln(x)", ["x"]),  # only x > 0 points count; enough remain
        ("sqrt(x)^2", "x", ["x"]),
        ("√(x) √x", "x", ["x"]),
        ("tanh(x)", "(exp(x)-exp(-x))/(exp(x)+exp(-x))", ["x"]),
        ("sin(x)^2 + cos(x)^2", "1", ["x"]),
        ("pi", "π", []),
        ("a_1 W2_1", "W2_1*a_1", ["a_1", "W2_1"]),
        ("y_hat - y", "ŷ - y", ["y_hat", "y"]),
    ],
)
def test_more_equivalent_forms(answer, expected, variables):
    assert check_expression(answer, expected, variables).correct


@pytest.mark.parametrize(
    "answer", ["x e^y + 0.001", "x e^(y+0.001)", "e^y", "x", "x e^-y", "y e^x", "x^2 e^y"]
)
def test_wrong_forms_are_rejected(answer):
    v = check_expression(answer, "x*exp(y)", XY)
    assert v.status == "incorrect" and not v.correct and v.message


def test_wrong_answer_message_gives_values():
    v = check_expression("x", "x*exp(y)", XY, point={"x": 1.0, "y": 0.0})
    # at the exercise's own point the two agree; elsewhere they do not
    assert v.status == "incorrect"
    assert "your expression gives" in v.message


def test_automatic_mistakes():
    assert check_expression("-x e^y", "x*exp(y)", XY).mistake == "sign"
    assert check_expression("2x e^y", "x*exp(y)", XY).mistake == "factor_2"
    assert check_expression("x e^y / 2", "x*exp(y)", XY).mistake == "factor_half"
    assert check_number("-0.25", 0.25).mistake == "sign"
    assert check_number("0.5", 0.25).mistake == "factor_2"


def test_declared_mistakes_win():
    m = Mistake(
        name="f_not_fprime",
        expected=parse("sigma(z)"),
        message="You used σ(z) where σ′(z) belongs.",
    )
    v = check_expression("σ(z)", "sigma(z)*(1-sigma(z))", ["z"], mistakes=[m])
    assert v.status == "incorrect" and v.mistake == "f_not_fprime" and v.message == m.message
    n = Mistake(name="one_over_L", expected=0.75, message="The 1/L factor is missing.")
    v = check_number("0.75", 0.25, mistakes=[n])
    assert v.mistake == "one_over_L"
    A = np.array([[1.0, 2.0], [3.0, 5.0]])
    t = Mistake(name="z_for_a", expected=A + 1, message="You used z where a belongs.")
    assert check_array("[2, 3; 4, 6]", A, mistakes=[t]).mistake == "z_for_a"


@pytest.mark.parametrize(
    ("answer", "ok"),
    [
        ("1/4", True),
        ("0.25", True),
        (".25", True),
        ("2.5e-1", True),
        ("-(-1/4)", True),
        ("0.250", True),
        ("0.2", False),
        ("0.26", False),
    ],
)
def test_numbers(answer, ok):
    assert check_number(answer, 0.25).correct is ok


def test_number_rounded_to_three_significant_figures_is_right():
    rng = np.random.default_rng(1)
    for v in rng.uniform(-100, 100, 300):
        assert check_number(f"{v:.3g}", v).correct, v
    assert check_number("0.33", 1 / 3).correct is False
    assert check_number("0", 1e-9).correct  # absolute tolerance near zero
    assert check_number("0.3", 1 / 3, rtol=0.2).correct  # overridable


def test_number_refuses_variables_and_arrays():
    assert check_number("x", 1.0).status == "invalid"
    assert check_number("[1, 2]", 1.0).status == "invalid"
    assert check_number("e^-1", float(np.exp(-1))).correct


def test_arrays_shape_then_entries():
    A = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert check_array("[1, 2, 3; 4, 5, 6]", A).correct
    assert check_array("[[1,2,3],[4,5,6]]", A).correct
    assert check_array("[1 2 3; 4 5 6]", A).correct
    v = check_array("[1, 2; 3, 4]", A)
    assert v.status == "incorrect" and "expected 2×3, you gave 2×2" in v.message.lower()
    v = check_array("[1, 4; 2, 5; 3, 6]", A)
    assert v.mistake == "transposed" and "3×2" in v.message
    v = check_array("[1, 9, 3; 4, 5, 0]", A)
    assert v.wrong_entries == ((0, 1), (1, 2))
    assert "(1,2)" in v.message and "(2,3)" in v.message
    S = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert check_array("[1, 3; 2, 4]", S).mistake == "transposed"


def test_vectors_accept_rows_and_columns():
    g = np.array([0.5, -0.25])
    for answer in ["[0.5, -0.25]", "[0.5 -0.25]", "[0.5; -0.25]", "[[0.5, -0.25]]", "0.5, -0.25"]:
        assert check_array(answer, g).correct, answer
    assert not check_array("[0.5 - 0.25]", g).correct


def test_ragged_and_invalid_arrays():
    v = check_array("[1, 2; 3]", np.eye(2))
    assert v.status == "invalid" and "different lengths" in v.message


def test_preview_shows_how_it_was_read():
    assert preview("2x y", "expression", XY).read_as == "2x·y"
    assert preview("e^-z+1", "expression", ["z"]).read_as == "e⁻ᶻ + 1"
    assert preview("xⁿ⁻¹", "expression", ["x", "n"]).read_as == "xⁿ⁻¹"
    assert preview("e^(2z)", "expression", ["z"]).read_as == "e^(2z)"
    assert preview("x*exp(y)", "expression", XY).read_as == "x·exp(y)"
    p = preview("x +* y", "expression", XY)
    assert p.read_as is None and p.problem is not None and "column 4" in p.problem
    assert preview("[1 2; 3 4]", "array").read_as == "[1, 2; 3, 4]"
    assert preview("1/4", "number").read_as == "1/4"


# the shared corpus, and what only grading's own edges need
HOSTILE = [*HOSTILE_ANSWERS, "😀 + x", "[1," * 600, "1e999999", "", "   "]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_inputs_are_handled_quickly(text):
    for check in (
        lambda: check_expression(text, "x*exp(y)", XY),
        lambda: check_number(text, 0.25),
        lambda: check_array(text, np.eye(2)),
    ):
        t0 = time.perf_counter()
        v = check()
        assert v.status in ("invalid", "incorrect") and v.message
        assert time.perf_counter() - t0 < 0.5  # generous; the real numbers are in bench/
    t0 = time.perf_counter()
    p = preview(text, "expression", XY)
    assert p.problem or p.read_as
    assert time.perf_counter() - t0 < 0.5


def test_canary_no_code_runs_from_an_answer(tmp_path, monkeypatch):
    canary = tmp_path / "canary"
    monkeypatch.setattr(builtins, "bptutor_canary", False, raising=False)
    answers = [
        f"open('{canary}', 'w').write('x')",
        "__import__('builtins').__setattr__('bptutor_canary', True)",
        "globals().update(x=1)",
        "exec('import os')",
        "eval('1')",
        "(lambda: 1)()",
    ]
    for a in answers:
        for v in (
            check_expression(a, "x", ["x"]),
            check_number(a, 1.0),
            check_array(a, np.ones(2)),
        ):
            assert v.status == "invalid"
        assert preview(a).problem
    assert not canary.exists()
    assert builtins.bptutor_canary is False


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=60))
def test_checkers_never_raise(text):
    for v in (
        check_expression(text, "x*exp(y)", XY),
        check_number(text, 0.25),
        check_array(text, np.eye(2)),
    ):
        assert v.status in ("correct", "incorrect", "invalid")
        assert v.correct or v.message
    for kind in ("expression", "array", "number"):
        p = preview(text, kind, XY)
        assert (p.read_as is None) != (p.problem is None)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="xy e^*/+-()[];,.0123456789σ√²−·", max_size=40))
def test_checkers_never_raise_on_near_miss_syntax(text):
    assert check_expression(text, "x*exp(y)", XY).status in ("correct", "incorrect", "invalid")
    assert check_array(text, np.eye(2)).status in ("correct", "incorrect", "invalid")


def test_variable_declared_as_y_hat_symbol():
    v = check_expression("ŷ - y", "y_hat - y", ["ŷ", "y"], point={"ŷ": 0.3, "y": 1.0})
    assert v.correct
    assert check_expression("y_hat - y", "ŷ - y", ["ŷ", "y"]).correct
    assert check_expression("y - ŷ", "ŷ - y", ["ŷ", "y"]).mistake == "sign"


VERDICT_WORDS = ("right", "correct", "not quite", "wrong", "incorrect", "yes", "no:", "no.")


@pytest.mark.parametrize(
    "verdict",
    [
        lambda: check_expression("x", "x*exp(y)", XY, point={"x": 1.0, "y": 0.0}),
        lambda: check_expression("x + 1", "x", ["x"]),
        lambda: check_expression("2", "3", []),
        lambda: check_number("0.3", 0.25),
        lambda: check_number("-0.25", 0.25),
        lambda: check_array("[1, 2, 9]", [1, 2, 3]),
        lambda: check_array("[1, 5; 9, 4]", [[1, 2], [3, 4]]),
        lambda: check_array("[1, 2]", [1, 2, 3]),
        lambda: check_expression("x +", "x", ["x"]),
    ],
)
def test_messages_are_the_substance_not_a_verdict(verdict):
    """The app says "✓ Right." / "✗ Not quite." itself: a message never starts with one."""
    v = verdict()
    assert not v.correct and v.message
    assert not v.message.lower().startswith(VERDICT_WORDS), v.message
    assert v.message[0].isupper() or not v.message[0].isalpha(), v.message


def test_wrong_values_are_stated_plainly():
    v = check_expression("x + 1", "x", ["x"], point={"x": 0.54})
    assert v.message == "At x = 0.54, your expression gives 1.54 but the answer is 0.54."
    assert check_number("0.3", 0.25).message == "0.3 is not the right value."
    assert check_array("[1, 2, 9]", [1, 2, 3]).message == "Entry 3 is off."


def test_correct_answers_need_no_message():
    for v in (check_expression("x", "x", ["x"]), check_number("1", 1), check_array("[1]", [1])):
        assert v.correct and not v.message.lower().startswith(VERDICT_WORDS)


# --- the types at the boundary ------------------------------------------------------------------


def test_a_verdict_is_built_by_keyword_and_correct_follows_status():
    with pytest.raises(TypeError):
        Verdict("correct")  # type: ignore[misc]
    assert Verdict(status="correct").correct
    assert not Verdict(status="incorrect", message="Entry 1 is off.").correct
    assert not Verdict(status="invalid", message="Type a number.").correct
    with pytest.raises(TypeError):
        Verdict(status="correct", correct=False)  # type: ignore[call-arg]


def test_a_verdict_that_is_not_correct_says_why():
    with pytest.raises(ValueError, match="says why"):
        Verdict(status="incorrect")
    with pytest.raises(ValueError, match="not one of"):
        Verdict(status="right", message="x")  # type: ignore[arg-type]


def test_a_mistake_holds_a_tree_not_text():
    m = Mistake(name="f", expected=parse("sigma(z)"), message="m")
    assert isinstance(m.expected, Expr)
    with pytest.raises(TypeError, match="parse"):
        Mistake(name="f", expected="sigma(z)", message="m")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Mistake("f", 1.0, "m")  # type: ignore[misc]


def test_a_preview_is_either_a_reading_or_a_problem():
    assert preview("2x", "expression", ["x"]) == Preview(read_as="2x")
    assert preview("", "expression", ["x"]) == Preview(problem="Type an answer.")
    assert preview("1/0", "number") == Preview(problem="1/0 is not a finite number.")
    with pytest.raises(ValueError):
        Preview()
    with pytest.raises(ValueError):
        Preview(read_as="x", problem="y")


def test_the_expected_expression_is_a_tree():
    tree = parse("x*exp(y)", XY)
    for answer in ("x e^y", "x e^-y", "2x e^y", "x +", "xe^(y"):
        assert check_expression(answer, tree, XY) == check_expression(answer, "x*exp(y)", XY)
    # a declared mistake in other variables cannot be this answer: it is skipped, not an error
    other = Mistake(name="other", expected=parse("w"), message="m")
    assert check_expression("x", "x", ["x"], mistakes=[other]).correct
    # a number mistake for an expression answer: a constant
    const = Mistake(name="const", expected=2.0, message="A constant.")
    assert check_expression("2", "x", ["x"], mistakes=[const]).mistake == "const"


# --- tolerances ---------------------------------------------------------------------------------


def test_the_default_tolerances_are_the_readme_sentence():
    """README: right when within 0.5 % relative, or 5·10⁻⁴ near 0."""
    assert (DEFAULT_RTOL, DEFAULT_ATOL) == (5e-3, 5e-4)
    assert check_number("1.0049", 1.0).correct
    assert check_number("1.0054", 1.0).correct  # within 5e-4 + 0.5 % of 1 = 0.0055
    assert not check_number("1.0056", 1.0).correct
    assert check_number("-200.9", -200.0).correct
    assert not check_number("-201.2", -200.0).correct
    assert check_number("0", 4.9e-4).correct
    assert not check_number("0", 5.1e-4).correct
    assert check_array("[0, 1]", [4e-4, 1.004]).correct
    assert check_number("0", 5.1e-4, atol=1e-3).correct  # per exercise, overridable


# --- never an exception -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "grade",
    [
        lambda: check_expression("x", "x +", ["x"]),  # an unreadable expected expression
        lambda: check_expression("x", parse("y"), ["x"]),  # expected in undeclared names
        lambda: check_expression("x", "x", None),  # type: ignore[arg-type]
        lambda: check_expression("x", "x", ["x"], point={"q": 1.0}),
        lambda: check_number("1", "one"),  # type: ignore[arg-type]
        lambda: check_number("1", 1.0, rtol="a"),  # type: ignore[arg-type]
        lambda: check_array("[1]", object()),  # type: ignore[arg-type]
        lambda: check_array("[1]", [1.0], mistakes=[None]),  # type: ignore[list-item]
        lambda: check_number(None, 1.0),  # type: ignore[arg-type]
    ],
)
def test_grading_never_raises_even_on_bad_arguments(grade):
    v = grade()
    assert v.status == "invalid" and v.message


def test_preview_never_raises():
    assert preview(None).problem  # type: ignore[arg-type]
    assert preview("x", "expression", None).problem  # type: ignore[arg-type]


# --- counts (issue 10) --------------------------------------------------------------------------


def test_a_count_is_a_whole_number_matched_exactly():
    assert check_number("60.25", 60).correct  # within the default 0.5 %: fine for a measure
    v = check_number("60.25", 60, integer=True)
    assert v.status == "incorrect" and v.mistake == "not_whole"
    assert v.message == "A count is a whole number: 60.25 is not one."
    for right in ("60", "60.0", "6e1", "54 + 6"):
        assert check_number(right, 60, integer=True).correct, right
    for wrong in ("61", "59.999", "60.001"):
        assert not check_number(wrong, 60, integer=True).correct, wrong
    assert check_number("61", 60, integer=True).message == "61 is not the right value."
    forgot = Mistake(name="forgot W2", expected=54.0, message="That counts W1 only.")
    assert check_number("54", 60, integer=True, mistakes=[forgot]).mistake == "forgot W2"
    # a declared slip that is not whole (the reciprocal of a count) is named, not "not whole"
    flipped = Mistake(name="reciprocal", expected=1 / 1024, message="That is 1 over the count.")
    v = check_number("1/1024", 1024, integer=True, mistakes=[flipped])
    assert v.mistake == "reciprocal" and v.message == "That is 1 over the count."
    assert check_number("1/1000", 1024, integer=True, mistakes=[flipped]).mistake == "not_whole"
    assert check_number("120", 60, integer=True).mistake == "factor_2"
    # a count that is not whole is a bug in the caller: an uncounted answer, not a crash
    assert check_number("60", 60.5, integer=True).status == "invalid"


# --- where a wrong expression is wrong (issue 10) -----------------------------------------------

_AT = re.compile(r"^At x = (\S+), your expression gives (\S+) but the answer is (\S+)\.$")


def _number(text: str) -> float:
    return float(text.replace("−", "-"))


def test_a_wrong_expression_is_shown_where_it_differs_most():
    answer, expected = "12x^2 - 1 + (x - 0.5414)", parse("12*x^2 - 1")
    v = check_expression(answer, expected, ["x"])
    m = _AT.match(v.message)
    assert m, v.message
    x, gives, wanted = (_number(g) for g in m.groups())
    assert m.group(2) != m.group(3)  # never "gives 2.517 but the answer is 2.517"
    # the values are those at the point as shown, so the learner can check them
    learner = parse(answer, ["x"])
    assert gives == pytest.approx(float(learner.evaluate({"x": x})), rel=1e-3)
    assert wanted == pytest.approx(float(expected.evaluate({"x": x})), rel=1e-3)
    # and it is the sample point where the two differ most
    xs = _points(["x"], None)["x"]
    gaps = np.abs(learner.evaluate({"x": xs}) - expected.evaluate({"x": xs}))
    assert abs(x - 0.5414) == pytest.approx(float(gaps.max()), rel=1e-3)


def test_values_that_differ_late_are_shown_with_the_digits_that_tell_them_apart():
    v = check_expression("x + 0.00001", "x", ["x"])
    m = _AT.match(v.message)
    assert m, v.message
    assert m.group(2) != m.group(3)
    assert _number(m.group(2)) - _number(m.group(3)) == pytest.approx(1e-5, rel=1e-3)


def test_a_constant_for_an_answer_that_varies_says_what_it_depends_on():
    v = check_expression("999999", parse("12*x^2 - 1"), ["x"])
    assert v.mistake == "constant"
    assert v.message == "Your answer is a constant, but the answer depends on x."
    v = check_expression("3", "x*y + z", ["x", "y", "z"])
    assert v.message == "Your answer is a constant, but the answer depends on x, y and z."
    assert "depends on ŷ" in check_expression("1", "ŷ - y", ["ŷ", "y"]).message
    # a variable declared but unused by the answer is not named
    assert check_expression("2", "3*x", ["x", "y"]).message.endswith("depends on x.")
    # an answer that leaves one variable out says so after the values
    v = check_expression("x", "x*exp(y)", XY)
    assert v.message.endswith("Your answer does not depend on y; the answer does.")
    # a constant answer is a plain wrong value when the answer is a constant too
    assert check_expression("2", "3 + 0*x", ["x"]).mistake != "constant"


# --- ambiguous input (issue 10) -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "read_as", "warning"),
    [
        ("x/2x", "expression", "(x/2)·x", "write x/(2x) if you meant that"),
        ("1/2x", "expression", "(1/2)·x", "write 1/(2x) if you meant that"),
        ("e^2x", "expression", "e²·x", "write e^(2x) if you meant that"),
        (
            "x/2x + 1/2x",
            "expression",
            "(x/2)·x + (1/2)·x",
            "write x/(2x) and 1/(2x) if you meant those",
        ),
        ("1/2pi", "number", "(1/2)·π", "write 1/(2π) if you meant that"),
        ("[1/2pi, 1]", "array", "[(1/2)·π, 1]", "write 1/(2π) if you meant that"),
        ("x/(2x)", "expression", "x/(2x)", None),
        ("(x/2)x", "expression", "x/2·x", None),
        ("x²y", "expression", "x²·y", None),
    ],
)
def test_the_preview_shows_the_grouping_it_chose_and_warns(text, kind, read_as, warning):
    p = preview(text, kind, ["x", "y"])
    assert p == Preview(read_as=read_as, warning=warning)


def test_a_wrong_answer_from_ambiguous_input_says_how_it_was_read():
    v = check_expression("1/2x", "1/(2*x)", ["x"])
    assert v.read_as == "(1/2)·x"
    assert v.message.endswith("Note: this was read as (1/2)·x; write 1/(2x) if you meant that.")
    assert check_expression("1/2x", "x/2", ["x"]) == Verdict(status="correct", read_as="(1/2)·x")
    assert "write 1/(2π)" in check_number("1/2pi", 1 / (2 * np.pi)).message


def test_the_preview_shows_numbers_as_typed():
    assert preview("(6.649514 - 6.633138)/0.02", "number").read_as == "(6.649514 − 6.633138)/0.02"
    assert preview("2*1 + 1*-3 + -2*2", "number").read_as == "2·1 + 1·(−3) + (−2)·2"
    assert check_number("6.649514", 1.0).message == "6.649514 is not the right value."


def test_a_preview_warns_only_about_a_reading():
    with pytest.raises(ValueError):
        Preview(problem="x", warning="y")


# --- no warning leaks, overflow is "too large" (issue 15) ---------------------------------------

HUGE = ["1e308", "-1e308", "1e308*10", "9^9^9", "1e200^2", "[1e308, -1e308, 1e308]", "1e-320"]


def test_overflow_is_a_clear_too_large_verdict():
    v = check_array("[1e308, -1e308, 1e308]", [1.0, 2.0, 3.0])
    assert v.status == "incorrect" and v.mistake == "too_large"
    assert v.message == "Entries 1, 2 and 3 are far too large."
    v = check_array("[1e308, -1e308, 1e308]", [1e308, 2.0, 3.0])
    assert v.mistake == "too_large" and v.wrong_entries == ((1,), (2,))
    v = check_number("1e308", 0.25)
    assert v.mistake == "too_large" and "far too large" in v.message
    assert check_number("-1e308", 1e308).mistake == "sign"  # huge on both sides: a sign slip


@pytest.mark.parametrize("expected", [0.25, 1e308, -1e308, 5e-324, 0.0])
def test_no_grading_path_warns(expected):
    """Under `warnings.simplefilter("error")` (python -W error) every path still grades."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for text in [*HUGE, *HOSTILE, "x", "1/0", "0/0", "log(0)", "[1, 2]", "1/2x"]:
            for v in (
                check_number(
                    text, expected, mistakes=[Mistake(name="m", expected=1e308, message="m")]
                ),
                check_number(text, expected, integer=True) if expected == 0.0 else None,
                check_array(text, [expected, 2.0, expected]),
                check_array(text, [[expected, 1e308], [-1e308, 1.0]]),
                check_expression(text, f"{expected!r}*x + 1e308*y", XY),
                check_expression(text, "exp(1000*x)", XY, point={"x": 1e308, "y": 1.0}),
            ):
                if v is not None:
                    assert "could not be" not in v.message, (text, v.message)
            for kind in ("expression", "number", "array"):
                p = preview(text, kind, XY)
                assert p.problem is None or "could not be" not in p.problem, (text, p)
