"""Small widgets and helpers whose output a learner reads word by word."""

from __future__ import annotations

from dataclasses import dataclass

from bptutor.tui.screens.help import KEYS, help_text
from bptutor.tui.screens.lesson import LessonScreen, answer_placeholder
from bptutor.tui.widgets.verdict_view import describe_entries, render_verdict


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
    assert wrong.startswith("✗ Not quite. Check the sign.") and "Mistake: sign" in wrong
    invalid = str(render_verdict(Verdict("invalid", "unexpected ')' at column 3")))
    assert invalid.startswith("? Could not read that") and "not counted" in invalid


def test_wrong_entries_are_listed_one_based() -> None:
    text = str(render_verdict(Verdict("incorrect", "Off.", wrong_entries=((0, 1), (1, 0)))))
    assert "(row, col): (1, 2), (2, 1)" in text
    assert describe_entries(((2,),)) == "entry 3"
    many = tuple((i, 0) for i in range(11))
    assert describe_entries(many).endswith("and 3 more")


def test_solution_nudge_after_a_few_attempts() -> None:
    assert "ctrl+r" not in str(render_verdict(Verdict("incorrect", "No."), attempts=2))
    assert "ctrl+r" in str(render_verdict(Verdict("incorrect", "No."), attempts=3))


def test_placeholders_show_the_expected_shape() -> None:
    @dataclass
    class Inst:
        kind: str
        expected_shape: tuple[int, ...] | None = None
        variables: tuple[str, ...] = ()

    assert answer_placeholder(Inst("matrix", (2, 3))).startswith("2×3")
    assert answer_placeholder(Inst("matrix", (2, 3))).count(";") == 1
    assert "[v1, v2, v3]" in answer_placeholder(Inst("vector", (3,)))
    assert "x, y" in answer_placeholder(Inst("derivative", None, ("x", "y")))


def test_help_lists_every_lesson_key_binding() -> None:
    """The help must not drift from the bindings the lesson screen really has."""
    text = str(help_text())
    described = {k for k, _ in KEYS}
    for binding in LessonScreen.BINDINGS:
        key = binding.key  # type: ignore[union-attr]
        if binding.show:  # type: ignore[union-attr]
            short = {"escape": "Esc", "f1": "F1"}.get(key, key)
            assert short in text or any(short in d for d in described), key
