"""The exercise under a lesson step's prose: what the learner answers with.

One panel for every kind, showing the parts the step's kind uses: the answer box with its
prompt and a live preview of how the answer is read (typed kinds), the options (choice), the
training view's button (train) or the learner's file (code, `CodeFile`). The panel fills and
previews; grading is the screen's: Enter in the box (Input.Submitted), an option chosen
(OptionList.OptionSelected), Button.Pressed and `CodeChecked` from the file bubble up to it.
"""

from __future__ import annotations

from bptutor.engine.course.exercise import ANSWER_KINDS, DrawnStep
from bptutor.engine.course.model import LETTERS
from bptutor.tui.widgets.answer_input import AnswerInput
from bptutor.tui.widgets.choice_list import ChoiceList
from bptutor.tui.widgets.code_file import CodeFile
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, OptionList, Static

__all__ = [
    "ExercisePanel",
    "answer_placeholder",
    "prompt_with_shape",
    "shape_label",
]


def answer_placeholder(inst: DrawnStep) -> str:
    """A reminder of the syntax the input expects (the help screen has the full table)."""
    kind = inst.kind
    shape = tuple(inst.expected_shape or ())
    if kind == "graph":
        return f"{len(inst.asked)} numbers, in this order: [{', '.join(inst.asked)}]"
    if kind == "vector" and len(shape) == 1:
        names = ", ".join(f"v{i + 1}" for i in range(min(shape[0], 4)))
        return f"{shape[0]} numbers: [{names}{', …' if shape[0] > 4 else ''}]"
    if kind == "matrix" and len(shape) == 2:
        rows, cols = shape
        row = ", ".join("·" for _ in range(min(cols, 4)))
        body = "; ".join(row for _ in range(min(rows, 3)))
        return f"{rows}×{cols}, row by row: [{body}]"
    if kind == "value":
        example = next((c for c in ("-0.25", "1.5", "2/3") if not inst.check(c).correct), None)
        return f"a number, e.g. {example}"
    names = tuple(inst.variables or ())
    if not names:
        return "an expression"
    a, b = names[0], names[-1]
    # syntax shown with the step's own names, in a form that is NOT the answer (the engine
    # says which): a placeholder must never give the answer away
    candidates = (
        (f"3*{a}^2 - exp({a})", f"sin({a}) + 2/{a}")
        if a == b
        else (f"3*{a}^2 - exp({b})", f"sin({a}) + {b}/2", f"{a}^2*{b}")
    )
    example = next((c for c in candidates if inst.check(c).status == "incorrect"), None)
    shown = ", ".join(names)
    return f"an expression in {shown}, e.g. {example}" if example else f"an expression in {shown}"


def shape_label(inst: DrawnStep) -> str:
    """What the answer's shape is, in words ("3 entries", "2×3")."""
    shape = tuple(inst.expected_shape or ())
    if len(shape) == 1:
        return f"{shape[0]} entries" if shape[0] != 1 else "1 entry"
    return "×".join(str(n) for n in shape)


def prompt_with_shape(prompt: str, inst: DrawnStep) -> str:
    """The prompt with the shape before its "=": "J (2×3) =", so it never reads as a value."""
    label = shape_label(inst)
    if not label:
        return prompt
    head = prompt.rstrip()
    if head.endswith("="):
        return f"{head[:-1].rstrip()} ({label}) ="
    return f"{head} ({label})"


class ExercisePanel(Vertical):
    """The answer row (#prompt, #answer), the learner's file, the preview line (#preview), the
    options (#choices) and the training button (#open-training); hidden on a step to read."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._inst: DrawnStep | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="answer-row"):
            # lesson text is plain text here: markup in a prompt shows as written
            yield Label(id="prompt", markup=False)
            answer = AnswerInput(id="answer")
            # a steady cursor: blinking redraws the box twice a second, which was 90 % of
            # an idle learner's CPU and 1.6 kB/s to each SSH client (bench/sessions.py)
            answer.cursor_blink = False
            yield answer
        yield CodeFile(id="code")
        yield Static(id="preview")
        yield ChoiceList(id="choices")
        yield Button("Open the training view (t)", id="open-training")

    @property
    def code(self) -> CodeFile:
        return self.query_one(CodeFile)

    def show(self, inst: DrawnStep | None) -> bool:
        """Show the parts `inst`'s kind uses, fresh (an empty answer, the new options) and
        focus the one that takes keys; False when none does (a step to read, or code)."""
        self._inst = inst
        kind = inst.kind if inst is not None else None
        self.display = kind is not None
        self.query_one("#answer-row").display = kind in ANSWER_KINDS
        self.query_one("#preview").display = kind in (*ANSWER_KINDS, "choice")
        choices = self.query_one("#choices", ChoiceList)
        choices.display = kind == "choice"
        button = self.query_one("#open-training", Button)
        button.display = kind == "train"
        self.code.display = kind == "code"
        if inst is not None and kind in ANSWER_KINDS:
            self.query_one("#prompt", Label).update(prompt_with_shape(str(inst.prompt), inst))
            answer = self.query_one("#answer", Input)
            answer.placeholder = answer_placeholder(inst)
            answer.value = ""
            self._preview("")
            answer.focus()
        elif inst is not None and kind == "choice":
            choices.set_choices(tuple(inst.choices))
            choices.focus()
        elif inst is not None and kind == "train":
            own = inst.gradients is not None
            button.label = "Train with your code (t)" if own else "Open the training view (t)"
            button.focus()
        else:
            return False
        return True

    @on(Input.Changed, "#answer")
    def _answer_changed(self, event: Input.Changed) -> None:
        if self._inst is not None and self._inst.kind in ANSWER_KINDS:
            self._preview(event.value)

    def _preview(self, value: str) -> None:
        preview = self.query_one("#preview", Static)
        if not value.strip():
            preview.update(Text("Enter checks the answer · F1 shows the syntax", style="dim"))
            return
        assert self._inst is not None
        read = self._inst.preview(value)
        if read.problem is not None:
            preview.update(Text("? ") + Text(read.problem))
        else:
            shown = Text("read as: ", style="dim") + Text(read.read_as or value)
            if read.warning:  # x/2x is read as (x/2)·x: say how to write the other reading
                shown += Text(f" — {read.warning}", style="bold")
            preview.update(shown)

    @on(OptionList.OptionHighlighted, "#choices")
    def _choice_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        letter = LETTERS[event.option_index]
        self.query_one("#preview", Static).update(
            Text("↑↓ or a letter chooses · ", style="dim") + Text(f"Enter confirms {letter})")
        )
