"""The options of a multiple-choice step: arrows or a letter (or its number) choose one, Enter
confirms it. A letter alone never submits, so a slip of the finger costs no try."""

from __future__ import annotations

from bptutor.engine.course.model import LETTERS
from bptutor.tui.widgets.keys_in_order import KeysInOrder
from rich.table import Table
from rich.text import Text
from textual import events
from textual.widgets import OptionList
from textual.widgets.option_list import Option


def option_prompt(index: int, choice: str) -> Table:
    """ "a) text", a long text wrapping under itself (a hanging indent), not under the letter."""
    grid = Table.grid()
    grid.add_column(width=3, no_wrap=True)
    grid.add_column(ratio=1)
    grid.add_row(Text(f"{LETTERS[index]})", style="bold"), Text(choice))
    return grid


class ChoiceList(KeysInOrder, OptionList):
    """An OptionList whose options are labelled a), b), ...; a letter or its number highlights
    that option (Enter then selects it); keys are taken in the order they come."""

    def set_choices(self, choices: tuple[str, ...]) -> None:
        self.clear_options()
        self.add_options(
            Option(option_prompt(i, str(choice)), id=f"choice-{i}")
            for i, choice in enumerate(choices[: len(LETTERS)])
        )
        self.highlighted = 0 if choices else None

    async def _on_key(self, event: events.Key) -> None:
        char = (event.character or "").lower()
        index: int | None = None
        if len(char) == 1 and char in LETTERS[: self.option_count]:
            index = LETTERS.index(char)
        elif len(char) == 1 and char.isdigit() and 1 <= int(char) <= self.option_count:
            index = int(char) - 1  # "2" picks b), as the help and the README say
        if index is None:
            await super()._on_key(event)  # arrows, Enter...: in order (KeysInOrder)
            return
        event.stop()
        event.prevent_default()
        self.highlighted = index
