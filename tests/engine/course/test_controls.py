"""Control characters in a lesson never reach the terminal: shown as ^[, flagged by the check."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path
from typing import Any

from bptutor.engine.course.controls import CONTROL, caret, strip_controls
from bptutor.engine.course.exercise import draw
from bptutor.engine.course.lint import lint_course, rendered_texts
from bptutor.engine.course.loader import load_course
from bptutor.tui.lessons_cli import main as lessons_main

# TOML escapes: ESC ] 0 ; … BEL sets the window title, ESC [ 2 J clears the screen, U+009B is
# the one-character CSI, U+009D the one-character OSC
HOSTILE = r"""
id = "hostile"
title = "Title \u001b]0;pwned\u0007"
summary = "Summary \u001b[2J"

[[steps]]
id = "s1"
title = "Step \u009b2J"
text = "Text\twith a tab\nand a line \u001b[31mred\u001b[0m"
hints = ["Hint \u009d0;x\u0007"]
explanation = "Because \r overwritten"

[steps.exercise]
kind = "choice"
prompt = "Pick \u001b[1A"
options = ["yes \u0000", "no"]
correct = "a"
feedback = ["good \u007f", "bad"]
shuffle = false
"""


def strings_of(value: Any) -> list[str]:
    """Every string inside a dataclass tree (a lesson, a drawn step)."""
    if isinstance(value, str):
        return [value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [s for f in dataclasses.fields(value) for s in strings_of(getattr(value, f.name))]
    if isinstance(value, tuple | list):
        return [s for v in value for s in strings_of(v)]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in strings_of(k) + strings_of(v)]
    return []


def test_caret_notation() -> None:
    assert caret("a\x1b]0;x\x07b") == "a^[]0;x^Gb"
    assert caret("\x9b2J \x9d \x7f \x00 \r") == "^[[2J ^[] ^? ^@ ^M"
    assert caret("tab\tand\nnewline stay, ∂ŷ too") == "tab\tand\nnewline stay, ∂ŷ too"
    assert strip_controls("1\x9b31m + \x1b[2J2\t3") == "131m + [2J2 3"


def test_every_text_of_a_lesson_is_shown_with_carets(tmp_path: Path, write_course) -> None:
    course = load_course(write_course(tmp_path, {"hostile": HOSTILE}))
    assert course.errors == ()
    lesson = course.lessons[0]
    assert lesson.title == "Title ^[]0;pwned^G"
    assert lesson.summary == "Summary ^[[2J"
    step = lesson.steps[0]
    assert step.title == "Step ^[[2J"
    assert step.text == "Text\twith a tab\nand a line ^[[31mred^[[0m"
    assert step.hints == ("Hint ^[]0;x^G",)
    assert step.explanation == "Because ^M overwritten"
    assert step.exercise.prompt == "Pick ^[[1A"
    assert step.exercise.options == ("yes ^@", "no")
    assert step.exercise.feedback == ("good ^?", "bad")
    for text in strings_of(lesson) + strings_of(draw(lesson, step, 7)):
        assert not CONTROL.search(text), repr(text)


def test_lessons_check_flags_control_characters_with_file_step_and_key(
    tmp_path: Path, write_course
) -> None:
    folder = write_course(tmp_path, {"hostile": HOSTILE})
    course = load_course(folder)
    label = f"{tmp_path.name}/hostile.toml"
    expected = {
        f"{label}: title has control characters (^G, ^[)",
        f"{label}: summary has control characters (^[)",
        f'{label}: step "s1": title has control characters (^[[)',
        f'{label}: step "s1": text has control characters (^[)',
        f'{label}: step "s1": hints[1] has control characters (^G, ^[])',
        f'{label}: step "s1": explanation has control characters (^M)',
        f'{label}: step "s1": exercise.prompt has control characters (^[)',
        f'{label}: step "s1": exercise.options[1] has control characters (^@)',
        f'{label}: step "s1": exercise.feedback[1] has control characters (^?)',
    }
    found = {w.split(";")[0] for w in course.warnings}
    assert found == expected
    report = lint_course(course, seeds=2)
    assert {p.split(";")[0] for p in report.problems} >= expected
    out = io.StringIO()
    assert lessons_main(folder, seeds=2, out=out) == 1
    printed = out.getvalue()
    assert f'{label}: step "s1": exercise.prompt has control characters' in printed
    assert not CONTROL.search(printed.replace("\n", ""))
    # what the learner reads was already made harmless
    inst = draw(course.lessons[0], course.lessons[0].steps[0], 0)
    assert not any(CONTROL.search(t) for t in rendered_texts(inst).values() if t)


def test_control_characters_in_the_index_and_in_error_messages(tmp_path: Path) -> None:
    (tmp_path / "index.toml").write_text(
        'format_version = 1\ntitle = "T\\u001b]2;x\\u0007"\nlessons = ["a\\u001bb"]\n'
    )
    course = load_course(tmp_path)
    assert course.title == "T^[]2;x^G"
    index = f"{tmp_path.name}/index.toml"
    assert [w.split(" has ")[0] for w in course.warnings] == [
        f"{index}: lessons[1]",
        f"{index}: title",
    ]
    assert course.errors == (f"{tmp_path.name}/a^[b.toml: file not found",)
    for text in course.errors + course.warnings:
        assert not CONTROL.search(text)


def test_a_clean_lesson_has_no_warnings() -> None:
    assert load_course(None).warnings == ()
