"""Small widgets and helpers whose output a learner reads word by word."""

from __future__ import annotations

from dataclasses import dataclass

from bptutor.engine.course.exercise import draw
from bptutor.engine.course.loader import load_course
from bptutor.tui.screens.help import KEYS, help_text
from bptutor.tui.screens.lesson import LessonScreen
from bptutor.tui.widgets.exercise_panel import answer_placeholder, prompt_with_shape
from bptutor.tui.widgets.lesson_header import fit_header
from bptutor.tui.widgets.verdict_view import render_verdict
from rich.text import Text


@dataclass
class Verdict:
    status: str
    message: str = ""
    mistake: str | None = None
    read_as: str | None = None
    wrong_entries: tuple[tuple[int, ...], ...] = ()

    @property
    def correct(self) -> bool:
        return self.status == "correct"


def test_verdicts_carry_meaning_without_colour() -> None:
    assert str(render_verdict(Verdict("correct"))).startswith("✓ Right.")
    wrong = str(render_verdict(Verdict("incorrect", "Check the sign.", mistake="sign")))
    assert wrong == "✗ Not quite. Check the sign."  # no internal mistake id shown
    invalid = str(render_verdict(Verdict("invalid", "unexpected ')' at column 3")))
    assert invalid.startswith("? Could not read that") and "not counted" in invalid


def test_solution_nudge_after_a_few_attempts() -> None:
    assert "ctrl+r" not in str(render_verdict(Verdict("incorrect", "No."), attempts=2))
    assert "ctrl+r" in str(render_verdict(Verdict("incorrect", "No."), attempts=3))


def test_placeholders_show_the_expected_shape() -> None:
    @dataclass
    class Inst:
        kind: str
        expected_shape: tuple[int, ...] | None = None
        variables: tuple[str, ...] = ()

        def check(self, answer: str) -> Verdict:
            return Verdict("incorrect")

    assert answer_placeholder(Inst("matrix", (2, 3))).startswith("2×3")
    assert answer_placeholder(Inst("matrix", (2, 3))).count(";") == 1
    assert "[v1, v2, v3]" in answer_placeholder(Inst("vector", (3,)))
    assert "x, y" in answer_placeholder(Inst("derivative", None, ("x", "y")))
    # the example uses the exercise's own variables, never a name it does not declare
    one = answer_placeholder(Inst("derivative", None, ("x",)))
    assert "e.g." in one and "y" not in one
    assert "exp(b)" in answer_placeholder(Inst("expression", None, ("a", "b")))


def test_prompt_names_the_shape_before_the_equals_sign() -> None:
    @dataclass
    class Inst:
        expected_shape: tuple[int, ...] | None

    assert prompt_with_shape("J =", Inst((2, 3))) == "J (2×3) ="
    assert prompt_with_shape("∇f(p₀) =", Inst((3,))) == "∇f(p₀) (3 entries) ="
    assert prompt_with_shape("E =", Inst(None)) == "E ="


def test_header_keeps_the_status_when_the_title_is_long() -> None:
    left = Text("Derivatives of one variable · step 5/9: The definition, with a finite h")
    fitted = fit_header(left, Text("  ✓ solved  (solution shown)"), 78)
    assert fitted.cell_len <= 78
    assert str(fitted).endswith("✓ solved  (solution shown)") and "…" in str(fitted)
    short = fit_header(Text("Lesson · step 1/3"), Text("  1 try"), 78)
    assert str(short) == "Lesson · step 1/3  1 try"


def test_help_lists_every_lesson_key_binding() -> None:
    """The help must not drift from the bindings the lesson screen really has."""
    text = str(help_text())
    described = {k for k, _ in KEYS}
    for binding in LessonScreen.BINDINGS:
        key = binding.key  # type: ignore[union-attr]
        if binding.show:  # type: ignore[union-attr]
            short = {"escape": "Esc", "f1": "F1"}.get(key, key)
            assert short in text or any(short in d for d in described), key


def test_help_lists_every_training_key() -> None:
    """Every key of the training view, as printed on the keyboard ("?", "esc", "+"): none of
    Textual's word names for them (question_mark, escape, ...) reaches the learner."""
    from bptutor.tui.screens.training import TrainingScreen
    from bptutor.tui.widgets.key_labels import key_label

    text = str(help_text()).split("Training view", 1)[1].split("Answer syntax", 1)[0]
    for binding in TrainingScreen.BINDINGS:
        key = binding.key  # type: ignore[union-attr]
        if key.startswith("ctrl+"):  # app-wide keys (quit) are in the Keys section
            continue
        label = key_label(binding)  # type: ignore[arg-type]
        assert label in text, f"training key {key!r} missing from the help"
    # and as printed on the keyboard, independently of key_label: a row starts with each
    rows = {line.split("  ")[1].strip() for line in text.splitlines() if line.startswith("  ")}
    assert {"space", "esc", "?", "+ / =", "-"} <= rows, rows
    words = ("question_mark", "equals_sign", "escape", "plus", "minus")
    leaked = [word for word in words if word in text]
    assert not leaked, f"the help names keys by Textual's words: {leaked}"


def test_no_placeholder_gives_the_answer_away() -> None:
    """Lesson 02's ∂/∂y of x·e^y once showed "e.g. x*exp(y)": the example is never accepted."""
    course = load_course()
    for lesson in course.lessons:
        for step in lesson.exercises:
            for seed in (0, 1, 1234):
                drawn = draw(lesson, step, seed)
                if drawn.kind not in ("derivative", "expression", "value"):
                    continue
                placeholder = answer_placeholder(drawn)
                if "e.g. " in placeholder:
                    example = placeholder.split("e.g. ", 1)[1]
                    assert not drawn.check(example).correct, (lesson.id, step.id, placeholder)
