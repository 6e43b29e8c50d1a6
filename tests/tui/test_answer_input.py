"""The answer box takes a fast burst of keys in the order they come (tmux, a macro, a quick
typist on a slow server): editing keys are not overtaken by the characters after them."""

from __future__ import annotations

import pytest
from bptutor.tui.widgets.answer_input import AnswerInput
from bptutor.tui.widgets.choice_list import ChoiceList
from textual import events
from textual.app import App, ComposeResult
from textual.widgets import OptionList
from tui_helpers import wait_for


class Box(App[None]):
    def compose(self) -> ComposeResult:
        yield AnswerInput(id="answer")


def keys(text: str) -> list[tuple[str, str | None]]:
    """Space-separated key names; a single character stands for itself."""
    return [(k, k) if len(k) == 1 else (k, None) for k in text.split()]


@pytest.mark.parametrize(
    ("start", "burst", "expected"),
    [
        ("", "a b c backspace d left left X", "aXbd"),
        ("hello", "ctrl+u x y", "xy"),
        ("2x", "home - end + 1", "-2x+1"),
        ("x*e^y", "ctrl+w 2", "x*e^2"),
    ],
)
async def test_a_burst_of_keys_is_taken_in_order(start: str, burst: str, expected: str) -> None:
    app = Box()
    async with app.run_test() as pilot:
        box = app.query_one(AnswerInput)
        box.focus()
        box.value = start
        box.cursor_position = len(start)
        await pilot.pause()
        for key, character in keys(burst):  # posted at once, as a terminal delivers a burst
            app.post_message(events.Key(key, character))
        await wait_for(pilot, lambda: box.value == expected, seconds=10)  # the queue drained
        assert box.value == expected


class Options(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.chosen: list[int] = []

    def compose(self) -> ComposeResult:
        yield ChoiceList(id="choices")

    def on_mount(self) -> None:
        self.query_one(ChoiceList).set_choices(("one", "two", "three"))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.chosen.append(event.option_index)


@pytest.mark.parametrize(
    ("burst", "chosen"), [("enter c", [0]), ("down enter a", [1]), ("c up enter", [1])]
)
async def test_the_options_take_a_burst_in_order_too(burst: str, chosen: list[int]) -> None:
    app = Options()
    async with app.run_test() as pilot:
        options = app.query_one(ChoiceList)
        options.focus()
        await pilot.pause()
        for key, character in keys(burst):
            app.post_message(events.Key(key, character))
        await wait_for(pilot, lambda: app.chosen, seconds=10)  # the queue drained
        await pilot.pause()
        assert app.chosen == chosen
