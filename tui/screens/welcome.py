"""First launch only: how to move around, in a few lines."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

WELCOME = """\
Welcome to bptutor! You compute backpropagation by hand, step by step,
and hear at once whether you are right, and why not.

  ↑ ↓  Enter        choose a lesson and open it
  c                 continue where you left off
  Enter             check an answer (the line below shows how it is read)
  ctrl+t  ctrl+r    a hint, the solution
  Esc               back to the map
  F1  ?             help: all keys and the answer syntax
  ctrl+q            quit (progress is saved after every answer)
"""


class WelcomeScreen(ModalScreen[None]):
    """Shown until dismissed once; the progress store remembers that."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter,escape,space", "start", "Start", id="welcome.start"),
        Binding("q", "app.quit", "Quit", id="welcome.quit"),
    ]

    def __init__(self, data_dir: Path | None = None) -> None:
        super().__init__()
        self.data_dir = data_dir

    def compose(self) -> ComposeResult:
        with Vertical(id="welcome-box"):
            yield Static(Text(WELCOME), id="welcome-text")
            where = f"Progress is kept in {self.data_dir}." if self.data_dir else ""
            yield Static(Text(where, style="dim"), id="welcome-where")
            yield Static(Text("Press Enter to start.", style="bold"), id="welcome-start")

    def action_start(self) -> None:
        self.app.store.mark_welcomed()  # type: ignore[attr-defined]
        self.app.show_store_notices()  # type: ignore[attr-defined]
        self.dismiss()
