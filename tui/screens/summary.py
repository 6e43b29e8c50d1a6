"""The map's `s`: the summary a learner can keep or show (the same text as `bptutor progress
--summary`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from bptutor.tui.progress_cli import learner_name, summary_text
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

if TYPE_CHECKING:
    from bptutor.tui.app import BptutorApp


class SummaryScreen(ModalScreen[None]):
    """Per lesson: solved, first-try rate, hints, solutions shown, review state, time spent."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,s", "close", "Close", id="summary.close"),
    ]

    def compose(self) -> ComposeResult:
        tutor: BptutorApp = self.app  # type: ignore[assignment]
        store = tutor.store
        text = summary_text(
            store.summarize_course(tutor.course.lessons),
            learner=learner_name(),
            seed=tutor.seed,
            review_on=tutor.review_on,
            paused=tutor.store.review_paused,
            width=min(96, self.app.size.width) - 4,  # the box's border and padding
        )
        body = Text("Your progress\n", style="bold underline") + Text(text)
        body.append("\nbptutor progress --summary prints this in the shell.", style="dim")
        with VerticalScroll(id="summary-body"):
            yield Static(body, id="summary-text")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#summary-body").focus()

    def action_close(self) -> None:
        self.dismiss()
