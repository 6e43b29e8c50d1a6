"""F1 / ?: the keys and the answer syntax, with examples (the README shows the same tables).

Plain two-column text rather than Markdown tables: it fits 80x24 with little scrolling.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

KEYS: tuple[tuple[str, str], ...] = (
    ("Course map", ""),
    ("↑ ↓  Enter", "choose a lesson; open it at its first unsolved step"),
    ("c", "continue where you left off"),
    ("r", "review: the steps due today, with new numbers"),
    ("s", "your summary (bptutor progress --summary)"),
    ("t", "the training view (free playground)"),
    ("Lesson", ""),
    ("Enter", "check the answer or your file (once right: next step)"),
    ("ctrl+t", "next hint"),
    ("ctrl+r", "show the solution (marked as revealed)"),
    ("ctrl+n  ctrl+p", "next / previous step"),
    ("ctrl+o", "another one like this: the step with new numbers"),
    ("ctrl+l", "during a review: the step's lesson (Esc returns)"),
    ("PgUp  PgDn", "scroll the lesson text while typing"),
    ("a  b  c …", "choose an option (multiple choice); Enter confirms"),
    ("t", "open the training view (training steps)"),
    ("e", "open your file in $VISUAL / $EDITOR (code steps)"),
    ("Esc", "back to the course map"),
    ("Anywhere", ""),
    ("F1  ?", "this help (? types into an answer box)"),
    ("ctrl+q  ctrl+c", "quit (q too, when not typing); progress is kept"),
)

SYNTAX: tuple[tuple[str, str], ...] = (
    ("2*x*y   2 x y", "products: * or a space between factors"),
    ("x^2   x**2", "powers"),
    ("exp(y)   e^y", "the exponential"),
    ("sigma(z)   σ(z)", "the logistic sigmoid"),
    ("tanh(z)  log(x)  sqrt(x)", "the usual functions"),
    ("cosh  sinh  sech  arctan", "more of them (atan for arctan)"),
    ("|x - y|   abs(x - y)", "the absolute value"),
    ("1/2x   e^2x", "(1/2)·x and e²·x: write 1/(2x), e^(2x)"),
    ("y_1   y₁", "the name y1, as the screen shows it"),
    ("-0.25   1/4   3e-2", "numbers"),
    ("[1, 2, 3]", "a vector"),
    ("[[1, 2], [3, 4]]", "a 2×2 matrix, row by row"),
    ("[1, 2; 3, 4]", "the same: ; ends a row"),
    ("b   2", "multiple choice: the letter or the number, then Enter"),
)


def _section(title: str, rows: tuple[tuple[str, str], ...], width: int) -> Text:
    text = Text()
    text.append(title + "\n", style="bold underline")
    for left, right in rows:
        if not right:  # a sub-heading
            text.append(f"{left}\n", style="italic")
            continue
        text.append(f"  {left:<{width}}", style="bold")
        text.append(f" {right}\n")
    return text


def help_text() -> Text:
    from bptutor.tui.screens.training import TRAINING_KEYS  # the view's own BINDINGS

    text = _section("Keys", KEYS, 16)
    text.append("\n")
    text.append(_section("Training view", TRAINING_KEYS, 16))
    text.append("\n")
    text.append(_section("Answer syntax", SYNTAX, 25))
    text.append(
        "\nThe line under the answer shows how your input is read before you press Enter.\n"
        "An answer that cannot be read is not counted as an attempt.\n"
    )
    return text


class HelpScreen(ModalScreen[None]):
    """Keys and syntax; scrollable so it fits 80x24."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,f1,question_mark", "close", "Close", id="help.close"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Static(help_text(), id="help-text")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#help-body").focus()

    def action_close(self) -> None:
        self.dismiss()
