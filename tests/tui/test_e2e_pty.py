"""End to end: the installed `bptutor` command in a real 80x24 terminal (tmux), keys and all."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from bptutor.engine.course.loader import load_course
from bptutor.engine.course.progress import ProgressStore
from tui_helpers import SEED, Target, first_typed_step

TMUX = shutil.which("tmux")
BPTUTOR = shutil.which("bptutor")

pytestmark = [
    pytest.mark.skipif(TMUX is None, reason="tmux is not installed: no pseudo-terminal driver"),
    pytest.mark.skipif(BPTUTOR is None, reason="the bptutor command is not installed"),
]


class Terminal:
    """One tmux server of our own (-L socket), one 80x24 pane running a shell command."""

    def __init__(self, command: str) -> None:
        self.socket = f"bptutor-e2e-{os.getpid()}-{time.monotonic_ns()}"
        self._tmux("new-session", "-d", "-x", "80", "-y", "24", "-s", "e2e", command)

    def _tmux(self, *args: str) -> str:
        out = subprocess.run(
            [str(TMUX), "-L", self.socket, *args], capture_output=True, text=True, check=True
        )
        return out.stdout

    def send(self, *keys: str, literal: bool = False) -> None:
        self._tmux("send-keys", "-t", "e2e", *(["-l"] if literal else []), *keys)

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", "e2e")

    def flag(self, name: str) -> str:
        return self._tmux("display-message", "-p", "-t", "e2e", f"#{{{name}}}").strip()

    def wait_for(self, condition: str | Callable[[str], bool], timeout: float = 15.0) -> str:
        test = condition if callable(condition) else (lambda s: condition in s)
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if test(screen):
                return screen
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {condition!r}; the screen was:\n{screen}")

    def close(self) -> None:
        subprocess.run([str(TMUX), "-L", self.socket, "kill-server"], capture_output=True)


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Callable[[str], Terminal]]:
    made: list[Terminal] = []

    def start(command: str) -> Terminal:
        made.append(Terminal(command))
        return made[-1]

    yield start
    for t in made:
        t.close()


def answer_right(term: Terminal, target: Target) -> None:
    """From the first launch (the welcome), open the target step and answer it right."""
    term.wait_for("Press Enter to start")  # first launch: the welcome
    term.send("Enter")
    term.wait_for("Continue")  # the course map's footer: the first interactive frame
    term.wait_for(target.lesson.title[:30])  # the course, loaded after that frame
    for _ in range(target.lesson_index):
        term.send("Down")
    term.send("Enter")
    term.wait_for(f"step 1/{len(target.lesson.steps)}")
    for i in range(target.step_index):
        term.send("C-n")
        term.wait_for(f"step {i + 2}/")
    term.send(str(target.inst.solution), literal=True)
    term.wait_for("read as:")
    term.send("Enter")
    term.wait_for("✓ Right.")


def test_kill_9_right_after_the_verdict_loses_nothing(
    tmp_path: Path, terminal: Callable[[str], Terminal]
) -> None:
    data = tmp_path / "data"
    target = first_typed_step(load_course(None), SEED)
    term = terminal(
        f"TERM=xterm-256color {shlex.quote(str(BPTUTOR))} --data-dir {shlex.quote(str(data))} "
        f"--seed {SEED}; echo EXITED:$?; sleep 60"
    )
    answer_right(term, target)
    wanted = [b"--data-dir", str(data).encode()]

    def command_line(entry: Path) -> list[bytes]:
        try:  # a process may end while the list is read
            return entry.read_bytes().split(b"\0")
        except OSError:
            return []

    pids = []
    for entry in Path("/proc").glob("[0-9]*/cmdline"):
        args = command_line(entry)
        if all(arg in args for arg in wanted) and any(b"bptutor" in arg for arg in args):
            pids.append(int(entry.parent.name))
    assert pids, "the bptutor process was not found"
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    term.wait_for("EXITED:137")
    store = ProgressStore(data)  # the next start
    assert store.step(target.lesson.id, target.step.id).solved


def test_bptutor_in_a_real_terminal(tmp_path: Path, terminal: Callable[[str], Terminal]) -> None:
    data = tmp_path / "data"
    target = first_typed_step(load_course(None), SEED)
    command = (
        f"TERM=xterm-256color {shlex.quote(str(BPTUTOR))} --data-dir {shlex.quote(str(data))} "
        f"--seed {SEED}; echo EXITED:$?; stty -a | tr ' ;' '\\n\\n' | grep -x -e echo -e icanon; "
        "sleep 60"
    )
    term = terminal(command)
    answer_right(term, target)
    term.send("C-q")
    after = term.wait_for("EXITED:")
    assert "EXITED:0" in after
    # the terminal is usable again: cooked mode with echo, main screen, no mouse reporting
    term.wait_for(lambda s: "icanon" in s.split("EXITED:0", 1)[1])
    tail = term.screen().split("EXITED:0", 1)[1].split()
    assert "echo" in tail and "icanon" in tail
    assert term.flag("alternate_on") == "0"
    assert term.flag("mouse_any_flag") == "0"
    assert term.flag("cursor_flag") == "1"
    saved = json.loads((data / "progress.json").read_text())
    assert saved["lessons"][target.lesson.id]["steps"][target.step.id]["solved"] is True


def test_e_hands_the_terminal_to_the_editor(
    tmp_path: Path, terminal: Callable[[str], Terminal]
) -> None:
    """On a code step, e suspends the app and runs $VISUAL in the same terminal (it reads a key
    there); what the editor saves is checked as soon as the app is back."""
    data = tmp_path / "data"
    right = Path(__file__).resolve().parents[1] / "data" / "backprop" / "right.py"
    editor = tmp_path / "editor.py"
    editor.write_text(
        "import shutil, sys\n"
        "print('EDITOR HAS THE TERMINAL', flush=True)\n"
        "input()\n"
        f"shutil.copyfile({str(right)!r}, sys.argv[1])\n",
        encoding="utf-8",
    )
    course = load_course(None)
    index = next(i for i, lesson in enumerate(course.lessons) if lesson.id == "backprop-code")
    lesson = course.lessons[index]
    step = next(i for i, s in enumerate(lesson.steps) if s.id == "backward")
    visual = f"{sys.executable} {editor}"
    command = (
        f"TERM=xterm-256color VISUAL={shlex.quote(visual)} {shlex.quote(str(BPTUTOR))} "
        f"--data-dir {shlex.quote(str(data))} --seed {SEED}; echo EXITED:$?; sleep 60"
    )
    term = terminal(command)
    term.wait_for("Press Enter to start")
    term.send("Enter")
    term.wait_for(lesson.title)
    for _ in range(index):  # the map starts on the first lesson
        term.send("Down")
    term.wait_for(lambda s: "Backprop in code ·" in s)  # the map's details line follows
    term.send("Enter")
    term.wait_for(f"step 1/{len(lesson.steps)}")
    for i in range(step):
        term.send("C-n")
        term.wait_for(f"step {i + 2}/")
    term.wait_for("Your file:")
    term.send("e")
    term.wait_for("EDITOR HAS THE TERMINAL")
    term.send("Enter")
    term.wait_for("✓ Right.", timeout=30)
    term.send("C-q")
    assert "EXITED:0" in term.wait_for("EXITED:")
