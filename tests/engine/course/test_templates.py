"""How numbers and expressions read in lesson text: tidied expressions, signed terms, negative
numbers in parentheses, and declared variables such as ŷ mapped to the parser's names."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from bptutor.engine.answers.expr import tidy
from bptutor.engine.answers.grading import check_expression
from bptutor.engine.answers.parser import parse
from bptutor.engine.course.lint import awkward_spots
from bptutor.engine.course.loader import load_lesson
from bptutor.engine.course.model import ExerciseError
from bptutor.engine.course.quantities import Function
from bptutor.engine.course.templates import interpolate, show_expression
from lesson_files import lesson_text


@pytest.mark.parametrize(
    "text", ["(2)*x^3 + (-1)*x", "(-22) + (35)*(x - (-2))", "(-2)*x^2*y - (-3)*y", "x*(-2)"]
)
def test_tidied_expressions_have_no_awkward_spots(text: str) -> None:
    """Lesson text shows expressions tidied (answers.expr.tidy, tested there): lessons check's
    awkward-spot rule finds nothing in them. Untidied they read as typed, each signed operand
    in parentheses ("x·(−2)", "x − (−2)": the printer's one style since issue 10), which tidy
    turns into what a person writes."""
    expr = parse(text)
    tidied = tidy(expr)
    assert tidied.to_unicode() != expr.to_unicode()
    assert "(−" in expr.to_unicode() and "(−" not in tidied.to_unicode()
    assert awkward_spots(tidied.to_unicode()) == []
    assert awkward_spots(tidied.to_plain()) == []
    # the same function, by the grader's own standard
    assert check_expression(tidied.to_plain(), expr, sorted(expr.free_variables())).correct


def _env(**values: object) -> dict[str, object]:
    return dict(values)


def test_signed_term_and_parenthesised_negative() -> None:
    env = _env(b=-1.0, c=3.0, x0=-2.0, x1=2.0, u=-0.25)
    assert interpolate("3·x² {b:+}", env, "text") == "3·x² − 1"
    assert interpolate("3·x² {c:+}", env, "text") == "3·x² + 3"
    assert interpolate("{u:+.2f}", env, "text") == "− 0.25"
    assert interpolate("2·{x0:()}·{x1:()}", env, "text") == "2·(−2)·2"
    assert interpolate("{c} − {u:()}", env, "text") == "3 − (−0.25)"


def test_exponent_spec_raises_whole_numbers() -> None:
    env = _env(n=3, one=1, m=-2, h=2.5)
    assert interpolate("x{n:^}·eˣ", env, "text") == "x³·eˣ"
    assert interpolate("2·x{one:^}", env, "text") == "2·x"
    assert interpolate("x{m:^}", env, "text") == "x⁻²"
    assert interpolate("x{h:^}", env, "text") == "x^(2.5)"
    with pytest.raises(ExerciseError, match="not a single number"):
        interpolate("x{v:^}", _env(v=np.array([1.0, 2.0])), "text")


def test_expression_parameters_show_tidied_with_the_same_specs() -> None:
    f = Function((parse("(-1)*y^3"),), ("y",))
    g = Function((parse("(1)*x^2"),), ("x",))
    env = _env(f=f, g=g)
    assert interpolate("p = x·y {f:+}", env, "text") == "p = x·y − y³"
    assert interpolate("{f:()}·x and {g:()}·y", env, "text") == "(−y³)·x and x²·y"
    assert show_expression(g) == "x²"
    vec = Function((parse("(1)*a + (-1)*b"), parse("(0)*a + b")), ("a", "b"), vector=True)
    assert show_expression(vec) == "(a − b, b)"


def test_a_format_spec_needs_a_number() -> None:
    W = np.eye(2)
    with pytest.raises(ExerciseError, match="not a single number"):
        interpolate("{W:+}", _env(W=W), "text")
    assert interpolate("{W[1,2]:()}", _env(W=W), "text") == "0"


HAT_LESSON = lesson_text("hat")


def test_declared_y_hat_is_the_parsers_y_hat(tmp_path: Path) -> None:
    from bptutor.engine.course.exercise import draw

    path = tmp_path / "hat.toml"
    path.write_text(HAT_LESSON, encoding="utf-8")
    lesson = load_lesson(path)
    inst = draw(lesson, lesson.step("d"), 0)
    assert inst.text == "E = (y − ŷ)²/2"
    assert inst.expected.evaluate({"y": 1.0, "y_hat": 3.0}) == pytest.approx(2.0)
    assert inst.check("ŷ - y").correct
    assert inst.check("y_hat - y").correct
    assert inst.check("y - ŷ").mistake == "sign"
    value = draw(lesson, lesson.step("v"), 0)
    assert value.expected == pytest.approx(0.5 - value.params["y0"])
