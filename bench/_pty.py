"""Pseudo-terminal helpers shared by the benchmarks: spawn a program at 80x24, quit, reap it.

A benchmark that times a terminal app must give it a real terminal (Textual asks the kernel for
its size and writes escape sequences), and must keep reading what the app writes: a pty whose
buffer is full blocks the writer, which would stall the app and fake its numbers.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import re
import resource
import select
import struct
import subprocess
import termios
import time

# CSI sequences (colours, cursor moves, modes), OSC strings, charset and keypad switches
ESCAPES = re.compile(
    rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-B]|\x1b[=>78]"
)


def terminal_env() -> dict[str, str]:
    """The environment of a colour terminal of 80x24, as a learner's SSH session has."""
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "80", "LINES": "24"}
    env.pop("NO_COLOR", None)
    return env


def spawn(
    argv: list[str], env: dict[str, str], rows: int = 24, cols: int = 80
) -> tuple[subprocess.Popen[bytes], int]:
    """Start `argv` on a new pty of rows x cols in its own session; returns (process, master).

    The pty is the child's controlling terminal, as sshd makes it: when the master closes (the
    benchmark ends or dies), the child gets SIGHUP and quits. Without it, a Textual app whose
    terminal vanished was seen spinning at ~75 % CPU. The master is non-blocking; read it
    with `drain`.
    """
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    proc = subprocess.Popen(
        argv,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,  # setsid() first, then the preexec_fn
        preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0),
    )
    os.close(slave)
    os.set_blocking(master, False)
    return proc, master


def drain(master: int) -> bytes:
    """Everything the app has written so far ('' when nothing, or when it has gone)."""
    out = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except BlockingIOError:
            return out
        except OSError:  # EIO: the app has closed its side
            return out
        if not chunk:
            return out
        out += chunk


def visible_text(raw: bytes) -> str:
    """The characters of a stretch of terminal output, escape sequences removed."""
    return ESCAPES.sub(b"", raw).decode("utf-8", errors="replace")


def quit_and_reap(
    proc: subprocess.Popen[bytes], master: int, keys: bytes = b"\x11", timeout: float = 10.0
) -> resource.struct_rusage:
    """Send the quit key (ctrl+q), keep draining so the app can write its exit sequences, and
    reap it with wait4 for its resource usage (killed after `timeout`)."""
    with contextlib.suppress(OSError):  # the app may be gone already
        os.write(master, keys)
    usage = None
    end = time.perf_counter() + timeout
    while usage is None:
        pid, _, ru = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            usage = ru
            break
        if time.perf_counter() > end:
            proc.kill()
            _, _, usage = os.wait4(proc.pid, 0)
            break
        select.select([master], [], [], 0.05)
        drain(master)
    proc.returncode = 0  # reaped above; keep Popen from waiting again
    os.close(master)
    return usage
