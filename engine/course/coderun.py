"""Running a learner's code: a child process with limits, spoken to over a pipe.

`CodeProcess` is one child (`code_child.py`, run by the project's interpreter): it starts,
imports numpy and waits; `load(path)` imports the learner's file once; `call(function, cases)`
runs one of its functions on many argument sets in one round trip, and a warm child answers
thousands of single calls per second (training with the learner's own gradients uses that);
`gradcheck` estimates a gradient of one of the learner's scalar functions.

Every request has a wall-clock limit (`Limits.seconds`, default 5 s): past it the child's
process group is killed and the reply says "your code ran for more than 5 s". The child caps
its own memory, CPU time and file sizes with `resource.setrlimit` where the platform has it
(done in the child itself, not with `preexec_fn`, which is unsafe in a threaded app). What
the learner's code prints is captured and returned trimmed. Nothing the child sends is
unpickled or evaluated: replies are JSON plus raw float arrays (`code_child.decode`).

`Spare` keeps one child started ahead of time, so a check after a save does not wait for
Python and numpy to start (~0.2-0.8 s on a loaded 2-CPU machine). `close_all()` (also run at
exit) ends every child still alive: none is left behind when the app quits.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import selectors
import signal
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from bptutor.engine.course import code_child
from bptutor.engine.course.code_child import FRAME, MAX_MESSAGE, WireError, decode, encode

__all__ = [
    "CallResult",
    "CodeProcess",
    "Failure",
    "Limits",
    "Printed",
    "Reply",
    "Spare",
    "close_all",
    "live_processes",
]

CHILD_SCRIPT = Path(code_child.__file__).resolve()
STARTUP_SECONDS = 60.0  # Python + numpy on a loaded machine; not the learner's time
SHOWN_LINES = 12
SHOWN_CHARS = 1500


@dataclass(frozen=True)
class Limits:
    """What a learner's code may use. None: no limit of that kind."""

    seconds: float = 5.0
    """Wall-clock time for one request (importing the file, or one batch of calls)."""
    cpu_seconds: float | None = 60.0
    """CPU time over the child's whole life (a warm child for training needs more)."""
    memory_mb: int | None = 1024
    file_mb: int | None = 16

    def as_json(self) -> str:
        return json.dumps(
            {"cpu_seconds": self.cpu_seconds, "memory_mb": self.memory_mb, "file_mb": self.file_mb}
        )


@dataclass(frozen=True)
class Failure:
    """Why the learner's code did not give a value.

    kind: "syntax", "exception" (the traceback trimmed to the learner's file), "exit" (it
    called exit()), "timeout", "crash" (the child died: memory, CPU time, a signal), "missing"
    (no such function), "file" (the file cannot be read), "protocol" (a fault of ours)."""

    kind: str
    text: str
    line: int | None = None
    at_import: bool = False


@dataclass(frozen=True)
class Printed:
    """What the learner's code printed during one request (kept text and full size)."""

    text: str = ""
    chars: int = 0
    lines: int = 0

    def shown(self, max_lines: int = SHOWN_LINES, max_chars: int = SHOWN_CHARS) -> str:
        """The first lines, and how much was left out."""
        if not self.chars:
            return ""
        text = self.text[:max_chars]
        kept = text.splitlines()[:max_lines]
        out = "\n".join(kept)
        total_lines = max(self.lines, len(self.text.splitlines()))
        if len(kept) < total_lines or self.chars > len(out) + len(kept):
            out += f"\n… ({total_lines:,} lines, {self.chars:,} characters in all)"
        return out


@dataclass(frozen=True)
class CallResult:
    """One call: the returned arrays, or what was returned instead (`bad`), or a failure."""

    values: tuple[np.ndarray, ...] | None = None
    bad: str | None = None  # "None", "a tuple of 3", "a str", "complex numbers", ...
    bad_item: int | None = None  # which of the outputs was not numbers (0-based)
    failure: Failure | None = None


@dataclass(frozen=True)
class Reply:
    """One request's answer. `failure` set: the request as a whole failed (syntax error,
    time-out, crash...); then `results` holds what came before it (nothing, usually)."""

    failure: Failure | None = None
    results: tuple[CallResult, ...] = ()
    grads: tuple[np.ndarray, ...] = ()
    functions: tuple[str, ...] = ()
    stdout: Printed = field(default_factory=Printed)
    stderr: Printed = field(default_factory=Printed)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.failure is None


# --- the registry of live children ---------------------------------------------------------------

_LIVE: weakref.WeakSet[CodeProcess] = weakref.WeakSet()
_LIVE_LOCK = threading.Lock()


def live_processes() -> list[CodeProcess]:
    """Children started and not yet closed (tests check that none is left behind)."""
    with _LIVE_LOCK:
        return [p for p in _LIVE if not p.closed]


def close_all() -> None:
    """End every child still running (the app calls this when it quits; so does atexit)."""
    for process in live_processes():
        process.close()


atexit.register(close_all)


def child_environment() -> dict[str, str]:
    """The tutor's environment, with numpy's thread pools at one thread (a child per check
    must not fight the app for the CPUs, and it starts faster)."""
    env = dict(os.environ)
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[name] = "1"
    env["PYTHONIOENCODING"] = "utf-8"
    return env


class CodeProcess:
    """One child process for a learner's code. Thread-safe: one request at a time."""

    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()
        self._lock = threading.RLock()
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed in close()
        self._proc = subprocess.Popen(
            # -P: the script's folder stays off sys.path; -B: no __pycache__ beside the
            # learner's files. Not -I: numpy may live in the user's site-packages
            [sys.executable, "-P", "-B", str(CHILD_SCRIPT), self.limits.as_json()],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env=child_environment(),
            start_new_session=True,  # its own process group: a kill ends what it started too
            close_fds=True,
        )
        self.pid = self._proc.pid
        assert self._proc.stdout is not None
        self._fd = self._proc.stdout.fileno()
        os.set_blocking(self._fd, False)
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._fd, selectors.EVENT_READ)
        self.closed = False
        self.ready = False
        self.loaded: Path | None = None
        self._buffer = bytearray()
        with _LIVE_LOCK:
            _LIVE.add(self)

    # ---------------------------------------------------------------------------- life
    def wait_ready(self, timeout: float = STARTUP_SECONDS) -> Failure | None:
        """Block until the child has started (numpy imported); a Failure if it cannot."""
        if self.ready:
            return None
        if self.closed:
            return Failure("crash", "the process for your code was already stopped")
        message = self._receive(time.monotonic() + timeout)
        if isinstance(message, Failure):
            if message.kind == "timeout":
                self.closed = True
                self._kill()
                self._release()
                return Failure("crash", "the process for your code did not start in time")
            return message
        self.ready = True
        return None

    def close(self) -> None:
        """Kill the child (and anything it started) and reap it. Safe to call twice, and from
        another thread while a request waits: that request then returns a "crash" failure."""
        self.closed = True
        self._kill()  # without the lock: it interrupts a request in progress (EOF on the pipe)
        with self._lock:  # ...which ends, and only then are the pipes closed
            self._release()

    def _kill(self) -> None:
        proc = self._proc
        if proc.poll() is None:
            with contextlib.suppress(OSError):
                os.killpg(proc.pid, signal.SIGKILL)
            with contextlib.suppress(OSError):
                proc.kill()

    def _release(self) -> None:
        """Reap the child and close our ends (call with the lock held, after _kill)."""
        proc = self._proc
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)
        if self._selector is not None:
            self._selector.close()
            self._selector = None
        for stream in (proc.stdin, proc.stdout):
            with contextlib.suppress(OSError):
                if stream is not None:
                    stream.close()
        with contextlib.suppress(OSError):
            self._stderr.close()

    def __enter__(self) -> CodeProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:  # a forgotten child is still ended
        with contextlib.suppress(Exception):
            self.close()

    @property
    def alive(self) -> bool:
        return not self.closed and self._proc.poll() is None

    # ------------------------------------------------------------------------- requests
    def load(self, path: Path | str) -> Reply:
        """Import the learner's file (once per child: a new file needs a new child)."""
        if self.loaded is not None:
            raise RuntimeError("a CodeProcess imports one file; start another for a new one")
        reply = self.request({"op": "load", "path": str(Path(path).resolve())})
        if reply.ok:
            self.loaded = Path(path)
        return reply

    def call(
        self, function: str, cases: list[list[Any]], outputs: int = 1, *, bound: bool = False
    ) -> Reply:
        """Call `function(*args)` for each argument list; stops at the first exception. With
        `bound`, the arguments given to `bind` follow each list (fresh copies every call)."""
        message = {"op": "call", "function": function, "cases": cases, "outputs": outputs}
        if bound:
            message["bound"] = True
        return self.request(message)

    def bind(self, args: list[Any]) -> Reply:
        """Send arguments that stay the same over many calls once (`call(..., bound=True)`)."""
        return self.request({"op": "bind", "args": args})

    def gradcheck(self, function: str, args: list[Any], wrt: list[int], h: float = 1e-5) -> Reply:
        """Central differences of the scalar `function(*args)` with respect to args[i]."""
        return self.request(
            {"op": "gradcheck", "function": function, "args": args, "wrt": wrt, "h": h}
        )

    def request(self, message: dict[str, Any], seconds: float | None = None) -> Reply:
        """Send one request and wait (at most `seconds`, default Limits.seconds) for its reply."""
        with self._lock:
            start = time.monotonic()
            failure = self.wait_ready()
            if failure is not None:
                return Reply(failure=failure)
            limit = self.limits.seconds if seconds is None else seconds
            try:
                self._send(message)
            except (OSError, WireError) as exc:
                return Reply(failure=self._died(f"could not send the request ({exc})"))
            begun = time.monotonic()
            reply = self._receive(begun + limit)
            elapsed = time.monotonic() - begun
            if isinstance(reply, Failure):
                if reply.kind == "timeout":
                    self.closed = True
                    self._kill()
                    self._release()
                    reply = Failure(
                        "timeout",
                        f"Your code ran for more than {limit:g} s and was stopped "
                        "(an endless loop? a very large array?).",
                    )
                return Reply(failure=reply, seconds=time.monotonic() - start)
            return _reply(reply, elapsed)

    # ----------------------------------------------------------------------- the pipe
    def _send(self, message: dict[str, Any]) -> None:
        stdin = self._proc.stdin
        assert stdin is not None
        data = memoryview(encode(message))
        fd = stdin.fileno()
        while data:  # straight to the pipe (the child reads whole messages before answering)
            data = data[os.write(fd, data) :]

    def _receive(self, deadline: float) -> Any:
        """The next message, or a Failure (timeout, or the child is gone)."""
        try:
            frame = self._read(FRAME.size, deadline)
            meta_len, head_len, body_len = FRAME.unpack(frame)
            if meta_len + head_len + body_len > MAX_MESSAGE:
                return self._died("the reply was too large")
            rest = self._read(meta_len + head_len + body_len, deadline)
            return decode(
                rest[:meta_len], rest[meta_len : meta_len + head_len], rest[meta_len + head_len :]
            )
        except TimeoutError:
            return Failure("timeout", "")
        except EOFError:
            return self._died("")
        except WireError as exc:
            return self._died(f"its reply could not be read ({exc})")

    def _read(self, n: int, deadline: float) -> bytes:
        buffer = self._buffer
        while len(buffer) < n:
            if self._selector is None:
                raise EOFError
            # read first: a warm child has usually answered already, and select is a syscall
            try:
                chunk = os.read(self._fd, max(65536, n - len(buffer)))
            except BlockingIOError:
                chunk = None
            except OSError:
                raise EOFError from None
            if chunk == b"":
                raise EOFError
            if chunk:
                buffer += chunk
                continue
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            self._selector.select(remaining)
        out = bytes(buffer[:n])
        del buffer[:n]
        return out

    def _died(self, why: str) -> Failure:
        """The child is gone: say why (a signal, the CPU or memory limit) and clean up."""
        proc = self._proc
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=2)
        code = proc.poll()
        tail = self._stderr_tail()
        self.closed = True
        self._kill()
        self._release()
        if code is not None and code < 0:
            sig = -code
            if sig == getattr(signal, "SIGXCPU", None) or (
                sig == signal.SIGKILL and self.limits.cpu_seconds
            ):
                text = (
                    "Your code used up its CPU time "
                    f"({self.limits.cpu_seconds:g} s) and was stopped."
                    if sig != signal.SIGKILL
                    else "The process running your code was killed (out of CPU time or memory)."
                )
            else:
                name = signal.Signals(sig).name if sig in signal.valid_signals() else str(sig)
                text = f"The process running your code was ended by the signal {name}."
        elif code is not None:
            text = f"The process running your code ended with exit code {code}."
        else:
            text = "The process running your code stopped answering."
        if why:
            text += f" ({why})"
        if tail:
            text += "\n" + tail
        return Failure("crash", text)

    def _stderr_tail(self, limit: int = 2000) -> str:
        try:
            self._stderr.seek(0, os.SEEK_END)
            size = self._stderr.tell()
            self._stderr.seek(max(0, size - limit))
            return self._stderr.read().decode("utf-8", "replace").strip()
        except (OSError, ValueError):
            return ""


def _failure(data: Any) -> Failure:
    if not isinstance(data, dict):
        return Failure("protocol", "an unreadable reply")
    line = data.get("line")
    return Failure(
        str(data.get("kind", "protocol")),
        str(data.get("text", "")),
        line if isinstance(line, int) else None,
        bool(data.get("at_import", False)),
    )


def _printed(data: Any) -> Printed:
    if not isinstance(data, dict):
        return Printed()
    return Printed(str(data.get("text", "")), int(data.get("chars", 0)), int(data.get("lines", 0)))


def _arrays(values: Any) -> tuple[np.ndarray, ...]:
    if not isinstance(values, list) or not all(isinstance(v, np.ndarray) for v in values):
        raise WireError("expected a list of arrays")
    return tuple(v.astype(float, copy=False) for v in values)


def _reply(data: Any, seconds: float) -> Reply:
    """A decoded reply as a Reply (anything malformed becomes a protocol failure)."""
    if not isinstance(data, dict):
        return Reply(failure=Failure("protocol", "an unreadable reply"))
    stdout, stderr = _printed(data.get("stdout")), _printed(data.get("stderr"))
    if "error" in data:
        return Reply(failure=_failure(data["error"]), stdout=stdout, stderr=stderr, seconds=seconds)
    try:
        results = []
        for item in data.get("results", []):
            if not isinstance(item, dict):
                raise WireError("bad result")
            if "error" in item:
                results.append(CallResult(failure=_failure(item["error"])))
            elif "bad" in item:
                k = item.get("item")
                results.append(
                    CallResult(bad=str(item["bad"]), bad_item=k if isinstance(k, int) else None)
                )
            else:
                results.append(CallResult(values=_arrays(item.get("values"))))
        grads = _arrays(data["grads"]) if "grads" in data else ()
        functions = tuple(str(f) for f in data.get("functions", ()))
    except WireError as exc:
        return Reply(failure=Failure("protocol", f"an unreadable reply ({exc})"))
    return Reply(
        results=tuple(results),
        grads=grads,
        functions=functions,
        stdout=stdout,
        stderr=stderr,
        seconds=seconds,
    )


class Spare:
    """One child started ahead of time. `take()` hands it over and starts the next one."""

    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()
        self._lock = threading.Lock()
        self._next: CodeProcess | None = None
        self.closed = False

    def warm(self) -> None:
        """Start the spare now if there is none (cheap: it starts in the background)."""
        with self._lock:
            if not self.closed and (self._next is None or not self._next.alive):
                self._next = CodeProcess(self.limits)

    def take(self) -> CodeProcess:
        """A started child (the spare, or a new one if there is none); a new spare starts."""
        with self._lock:
            if self.closed:
                raise RuntimeError("this Spare was closed")
            process = self._next
            if process is None or not process.alive:
                process = CodeProcess(self.limits)
            self._next = CodeProcess(self.limits)
            return process

    def close(self) -> None:
        with self._lock:
            self.closed = True
            spare, self._next = self._next, None
        if spare is not None:
            spare.close()
