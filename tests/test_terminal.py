"""The installed `bptutor` with no terminal, a dumb one, a closed output, a pipe whose reader
leaves, and signals: it says what is wrong, stops, and leaves the terminal as it found it."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import shutil
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest
from bptutor.engine.course.progress import ProgressStore

BPTUTOR = shutil.which("bptutor")
pytestmark = pytest.mark.skipif(BPTUTOR is None, reason="the bptutor command is not installed")


def env(**extra: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if k not in ("TEXTUAL_DRIVER", "NO_COLOR")}
    return {**base, "TERM": "xterm-256color", **extra}


def test_without_a_terminal_on_stdin_it_says_so_and_exits(tmp_path: Path) -> None:
    out = subprocess.run(
        [str(BPTUTOR), "--data-dir", str(tmp_path)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env(),
        timeout=60,
    )
    assert out.returncode == 2
    assert "bptutor needs a terminal: standard input is not one" in out.stderr
    assert "bptutor train --plain" in out.stderr and out.stdout == ""


def test_with_standard_output_closed_it_says_so(tmp_path: Path) -> None:
    for args in (["progress"], ["train", "--plain", "--epochs", "5"]):
        out = subprocess.run(
            [str(BPTUTOR), "--data-dir", str(tmp_path), *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=env(),
            timeout=60,
            preexec_fn=lambda: os.close(1),  # as `bptutor progress >&-` starts it
        )
        assert out.returncode == 2, out.stderr
        assert out.stderr.strip() == "bptutor: standard output is closed; nothing can be shown"


def test_plain_training_stops_when_its_reader_goes_away(tmp_path: Path) -> None:
    """`bptutor train --plain --epochs 2000000 | head -1`: once head has its line and leaves,
    training stops at once and quietly (no traceback), not after the whole run."""
    proc = subprocess.Popen(
        [str(BPTUTOR), "train", "--plain", "--epochs", "2000000"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env(),
    )
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    assert first.startswith(b"Training ")
    proc.stdout.close()  # the reader leaves
    started = time.monotonic()
    proc.wait(timeout=120)
    # 2,000,000 epochs take minutes; noticing the closed pipe takes a progress tick
    assert time.monotonic() - started < 60
    assert b"Traceback" not in proc.stderr.read()


class Pty:
    """`bptutor` on a pseudo-terminal of 80x24 (its controlling terminal), read as it writes."""

    def __init__(self, argv: list[str], environ: dict[str, str]) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))

        def child() -> None:
            os.setsid()
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        self.proc = subprocess.Popen(
            argv, stdin=slave, stdout=slave, stderr=slave, env=environ, preexec_fn=child
        )
        os.close(slave)
        self.output = b""

    def read_until(self, marker: bytes, timeout: float = 60.0) -> bytes:
        deadline = time.monotonic() + timeout
        while marker not in self.output:
            assert time.monotonic() < deadline, f"no {marker!r} in {self.output[-400:]!r}"
            self.pump(0.05)
        return self.output

    def pump(self, wait: float) -> None:
        ready, _, _ = select.select([self.master], [], [], wait)
        if ready:
            try:
                self.output += os.read(self.master, 65536)
            except OSError:
                time.sleep(wait)

    def wait(self, timeout: float = 60.0) -> int:
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None:
            assert time.monotonic() < deadline, "bptutor did not exit"
            self.pump(0.05)
        self.pump(0.05)
        return self.proc.returncode

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        os.close(self.master)


@pytest.fixture
def welcomed(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    ProgressStore(data).mark_welcomed()
    return data


def test_a_dumb_terminal_is_named(welcomed: Path) -> None:
    term = Pty([str(BPTUTOR), "--data-dir", str(welcomed)], env(TERM="dumb"))
    try:
        assert term.wait() == 2
        assert b"bptutor needs a terminal: TERM is dumb" in term.output
        assert b"\x1b[?1049h" not in term.output  # no alternate screen was entered
    finally:
        term.close()


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_a_signal_restores_the_terminal(welcomed: Path, sig: int, code: int) -> None:
    term = Pty([str(BPTUTOR), "--data-dir", str(welcomed)], env())
    try:
        term.read_until(b"not started")
        term.proc.send_signal(sig)
        assert term.wait() == code
        tail = term.output[term.output.rfind(b"not started") :]
        assert b"\x1b[?1049l" in tail  # left the alternate screen
        assert b"\x1b[?25h" in tail  # the cursor is shown again
        assert b"\x1b[?1000l" in tail  # mouse tracking off
    finally:
        term.close()


def test_the_terminals_size_wins_over_columns_and_lines(welcomed: Path) -> None:
    """COLUMNS=10 LINES=5 left in the environment must not make an 80x24 terminal "too small"."""
    term = Pty([str(BPTUTOR), "--data-dir", str(welcomed)], env(COLUMNS="10", LINES="5"))
    try:
        term.read_until(b"not started")
        assert b"enlarge the window" not in term.output
    finally:
        term.proc.send_signal(signal.SIGTERM)
        term.wait()
        term.close()


def test_a_terminal_that_goes_away_ends_the_tutor(welcomed: Path) -> None:
    """The terminal closes while SIGHUP is ignored (nohup): no busy loop on a dead terminal."""
    code = (
        "import signal, sys; signal.signal(signal.SIGHUP, signal.SIG_IGN); "
        "from bptutor.tui.cli import main; sys.exit(main())"
    )
    term = Pty([sys.executable, "-c", code, "--data-dir", str(welcomed)], env())
    try:
        term.read_until(b"not started")
        os.close(term.master)  # the terminal is gone
        term.master = os.open(os.devnull, os.O_RDONLY)  # (closed again by close())
        term.proc.wait(timeout=60)
    finally:
        term.close()


def test_a_signal_ends_the_tutor_even_when_shutting_down_hangs(welcomed: Path) -> None:
    """Textual's exit can block for good on a terminal that is going away (its output thread,
    seen after tmux's kill-server): a signal still ends the process, after the grace time."""
    code = (
        "import sys, threading\n"
        "from textual.drivers.linux_driver import LinuxDriver\n"
        "LinuxDriver.close = lambda self: threading.Event().wait()  # the hang\n"
        "from bptutor.tui.cli import main\n"
        "sys.exit(main())"
    )
    term = Pty([sys.executable, "-c", code, "--data-dir", str(welcomed)], env())
    try:
        term.read_until(b"not started")
        term.proc.send_signal(signal.SIGTERM)
        assert term.proc.wait(timeout=60) == 143
    finally:
        term.close()
