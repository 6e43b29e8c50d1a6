"""The child side of running a learner's code, and the wire format both sides speak.

Learner code never runs in the tutor's process (design.md). The parent (`coderun.py`) starts
this file as a script with the project's interpreter, ``python -P -B code_child.py LIMITS``;
it imports numpy, applies the resource limits, says it is ready, and then answers requests on
a private pipe until told to stop: ``load`` a learner's file once, ``call`` one of its
functions on any number of argument sets, ``gradcheck`` a scalar function by central
differences; ``bind`` arguments that stay the same over many calls (training's X and y), so
that they cross the pipe once. A warm child answers thousands of calls per second, which
training with the learner's own gradients needs.

It imports nothing of bptutor (it starts fast, and nothing of the tutor is in reach of the
learner's code); the parent imports the codec below from here, so both sides share one.

The wire: each message is ``<III`` (three lengths), a JSON list describing the arrays
(``[dtype, shape, offset, nbytes]``), the message as JSON with ``{"__array__": i}`` where array
i goes, and the arrays' raw bytes. Only the dtypes in DTYPES travel, so the parent rebuilds
what the child sends with `np.frombuffer` (never pickle, never eval).
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import io
import json
import math
import os
import signal
import struct
import sys
import traceback
import types
from typing import Any, BinaryIO

import numpy as np

# None where the platform has no `resource` (Windows): the parent's time limit still holds
resource: Any = (
    importlib.import_module("resource") if importlib.util.find_spec("resource") else None
)

FRAME = struct.Struct("<III")  # lengths: array descriptions, message, array bytes
DTYPES = {"<f8": np.float64, "<i8": np.int64, "|b1": np.bool_}
MAX_MESSAGE = 256 * 2**20  # no message (either way) is bigger than this
MAX_FILE = 2**20  # a learner's file larger than 1 MiB is refused before compiling
MAX_ENTRIES = 2**22  # a returned array with more entries is refused (not numbers to compare)
CAPTURE_CHARS = 20_000  # what is kept of the learner's stdout / stderr per request
MODULE_NAME = "learner"


class WireError(ValueError):
    """A message that does not follow the wire format (the other side is gone or broken)."""


# --- the codec ----------------------------------------------------------------------------------


def encode(message: Any) -> bytes:
    """One message as bytes: JSON-able values, with numpy arrays (and numpy scalars) inside."""
    arrays: list[np.ndarray] = []

    def default(value: Any) -> Any:  # json calls this for what it cannot write itself
        if isinstance(value, np.ndarray):
            arrays.append(value)
            return {"__array__": len(arrays) - 1}
        if isinstance(value, np.generic):
            return value.item()
        raise WireError(f"cannot send a {type(value).__name__}")

    head = json.dumps(message, default=default, allow_nan=True).encode("utf-8")
    metas, chunks, offset = [], [], 0
    for arr in arrays:
        if arr.dtype.kind == "f":
            arr = arr.astype("<f8", copy=False)
        elif arr.dtype.kind in "iu":
            arr = arr.astype("<i8", copy=False)
        if arr.dtype.str not in DTYPES:
            raise WireError(f"cannot send an array of dtype {arr.dtype}")
        data = arr.tobytes()  # C order, whatever the array's layout
        metas.append([arr.dtype.str, list(arr.shape), offset, len(data)])
        chunks.append(data)
        offset += len(data)
    meta = json.dumps(metas).encode("utf-8")
    return FRAME.pack(len(meta), len(head), offset) + meta + head + b"".join(chunks)


def decode(meta: bytes, head: bytes, body: bytes | bytearray) -> Any:
    """The message back; arrays are rebuilt from raw bytes of allowed dtypes (writable views
    of a private copy of the body).

    Everything is checked (dtype, shape, bounds), so a broken or hostile sender can only
    cause a WireError, never code to run."""
    body = bytearray(body)
    try:
        metas = json.loads(meta.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise WireError(f"unreadable message header ({exc})") from None
    if not isinstance(metas, list):
        raise WireError("unreadable message header (arrays)")
    arrays = []
    for item in metas:
        if not (isinstance(item, list) and len(item) == 4):
            raise WireError("bad array description")
        dtype, shape, offset, nbytes = item
        if dtype not in DTYPES or not isinstance(shape, list):
            raise WireError(f"an array of dtype {dtype!r} is not accepted")
        if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape):
            raise WireError("bad array shape")
        if not all(isinstance(n, int) and not isinstance(n, bool) for n in (offset, nbytes)):
            raise WireError("bad array bounds")
        count = math.prod(shape)
        if count * DTYPES[dtype]().itemsize != nbytes or offset < 0 or offset + nbytes > len(body):
            raise WireError("array bounds do not fit the message")
        arr = np.frombuffer(body, dtype=DTYPES[dtype], count=count, offset=offset)
        arrays.append(arr.reshape(shape))

    def hook(table: dict[str, Any]) -> Any:
        if len(table) == 1 and "__array__" in table:
            index = table["__array__"]
            if not isinstance(index, int) or not 0 <= index < len(arrays):
                raise WireError("an array reference out of range")
            return arrays[index]
        return table

    try:
        return json.loads(head.decode("utf-8"), object_hook=hook)
    except (UnicodeDecodeError, ValueError) as exc:
        if isinstance(exc, WireError):
            raise
        raise WireError(f"unreadable message ({exc})") from None


def read_exactly(stream: BinaryIO, n: int) -> bytes | None:
    """n bytes from a blocking stream; None at end of file."""
    parts = []
    while n:
        chunk = stream.read(n)
        if not chunk:
            return None
        parts.append(chunk)
        n -= len(chunk)
    return b"".join(parts)


def read_message(stream: BinaryIO) -> Any:
    """The next message from a blocking stream; None at end of file."""
    frame = read_exactly(stream, FRAME.size)
    if frame is None:
        return None
    meta_len, head_len, body_len = FRAME.unpack(frame)
    if meta_len + head_len + body_len > MAX_MESSAGE:
        raise WireError("message too large")
    rest = read_exactly(stream, meta_len + head_len + body_len)
    if rest is None:
        return None
    return decode(
        rest[:meta_len], rest[meta_len : meta_len + head_len], rest[meta_len + head_len :]
    )


# --- the child ----------------------------------------------------------------------------------


class Capture(io.TextIOBase):
    """The learner's print()s: the first CAPTURE_CHARS characters are kept, the rest counted."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.kept = 0
        self.total = 0
        self.lines = 0

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        self.total += len(text)
        self.lines += text.count("\n")
        room = CAPTURE_CHARS - self.kept
        if room > 0:
            piece = text[:room]
            self.parts.append(piece)
            self.kept += len(piece)
        return len(text)

    def take(self) -> dict[str, Any]:
        """What was written since the last take: the kept text and how much there was."""
        out = {"text": "".join(self.parts), "chars": self.total, "lines": self.lines}
        self.parts, self.kept, self.total, self.lines = [], 0, 0, 0
        return out


def apply_limits(limits: dict[str, Any]) -> None:
    """Memory, CPU time, file size and core dumps, where the platform has them."""
    if resource is None:
        return

    def cap(kind: int, soft: int, hard: int | None = None) -> None:
        with contextlib.suppress(ValueError, OSError):
            _, old_hard = resource.getrlimit(kind)
            hard = soft if hard is None else hard
            if old_hard != resource.RLIM_INFINITY:
                soft, hard = min(soft, old_hard), min(hard, old_hard)
            resource.setrlimit(kind, (soft, hard))

    cap(resource.RLIMIT_CORE, 0)
    cpu = limits.get("cpu_seconds")
    if cpu:
        cap(resource.RLIMIT_CPU, math.ceil(cpu), math.ceil(cpu) + 2)
    memory = limits.get("memory_mb")
    if memory and hasattr(resource, "RLIMIT_AS"):
        # on top of what the interpreter and numpy already map: the learner gets `memory`
        cap(resource.RLIMIT_AS, _mapped_bytes() + int(memory) * 2**20)
    files = limits.get("file_mb")
    if files and hasattr(resource, "RLIMIT_FSIZE"):
        with contextlib.suppress(AttributeError, ValueError):
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write fails instead of killing
        cap(resource.RLIMIT_FSIZE, int(files) * 2**20)


def _mapped_bytes() -> int:
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


class Child:
    """The request loop: one learner module, many calls."""

    def __init__(self, proto_in: BinaryIO, proto_out: int) -> None:
        self.proto_in = proto_in
        self.proto_out = proto_out
        self.module: types.ModuleType | None = None
        self.bound: list[Any] = []
        self.path = ""
        self.stdout = Capture()
        self.stderr = Capture()

    def send(self, message: Any) -> None:
        data = memoryview(encode(message))
        while data:
            n = os.write(self.proto_out, data)
            data = data[n:]

    def serve(self) -> None:
        self.send({"ready": True, "pid": os.getpid()})
        while True:
            request = read_message(self.proto_in)
            if request is None or request.get("op") == "exit":
                return
            op = request.get("op")
            handler = getattr(self, f"op_{op}", None)
            try:
                reply = handler(request) if handler else {"error": _plain("protocol", op)}
            except BaseException as exc:
                if isinstance(exc, KeyboardInterrupt):
                    raise
                reply = {"error": self.failure(exc)}
            for name, capture in (("stdout", self.stdout), ("stderr", self.stderr)):
                if capture.total:  # most replies of a warm child print nothing: send nothing
                    reply[name] = capture.take()
            try:
                self.send(reply)
            except WireError as exc:  # e.g. a value numpy cannot send: say so, stay alive
                self.send({"error": _plain("protocol", str(exc))})

    # ------------------------------------------------------------------------- requests
    def op_load(self, request: dict[str, Any]) -> dict[str, Any]:
        path = str(request["path"])
        self.path = path
        try:
            with open(path, "rb") as fh:
                source = fh.read(MAX_FILE + 1)
        except OSError as exc:
            return {"error": _plain("file", f"{path} cannot be read ({exc.strerror or exc})")}
        if len(source) > MAX_FILE:
            return {"error": _plain("file", f"{path} is larger than {MAX_FILE // 1024} KiB")}
        folder = os.path.dirname(path)
        with contextlib.suppress(OSError):
            os.chdir(folder)  # a learner who opens a file of their own finds it beside theirs
        try:
            code = compile(source, path, "exec", dont_inherit=True)
        except (SyntaxError, ValueError) as exc:  # ValueError: NUL bytes in the source
            return {"error": self.syntax_failure(exc)}
        module = types.ModuleType(MODULE_NAME)
        module.__file__ = path
        sys.modules[MODULE_NAME] = module  # dataclasses and the like look themselves up here
        try:
            exec(code, module.__dict__)
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt):
                raise
            return {"error": self.failure(exc, at_import=True)}
        self.module = module
        functions = sorted(
            name
            for name, value in vars(module).items()
            if callable(value) and not name.startswith("_")
        )
        return {"ok": True, "functions": functions}

    def _function(self, name: str) -> Any:
        fn = getattr(self.module, name, None) if self.module is not None else None
        if not callable(fn):
            return None
        return fn

    def op_bind(self, request: dict[str, Any]) -> dict[str, Any]:
        """Keep arguments that stay the same over many calls (training's X and y), so they
        cross the pipe once: a call with "bound" gets fresh copies of them after its own."""
        self.bound = list(request["args"])
        return {"ok": True}

    def op_call(self, request: dict[str, Any]) -> dict[str, Any]:
        """Call `function` on each argument set (with the bound arguments after them when
        the request says "bound"); stop at the first that raises."""
        fn = self._function(request["function"])
        if fn is None:
            return {"error": _plain("missing", request["function"])}
        outputs = int(request.get("outputs", 1))
        bound = self.bound if request.get("bound") else []
        results = []
        for args in request["cases"]:
            try:
                # copies: learner code that writes into X must not change the next call's X
                extra = [b.copy() if isinstance(b, np.ndarray) else b for b in bound]
                value = fn(*args, *extra)
            except BaseException as exc:
                if isinstance(exc, KeyboardInterrupt):
                    raise
                results.append({"error": self.failure(exc)})
                break
            results.append(returned(value, outputs))
        return {"ok": True, "results": results}

    def op_gradcheck(self, request: dict[str, Any]) -> dict[str, Any]:
        """∂f/∂args[i] by central differences for each i in `wrt`, f a scalar function."""
        fn = self._function(request["function"])
        if fn is None:
            return {"error": _plain("missing", request["function"])}
        args = list(request["args"])
        h = float(request.get("h", 1e-5))
        grads = []
        for index in request["wrt"]:
            base = np.array(args[index], dtype=float)
            grad = np.zeros_like(base)
            for j in range(base.size):
                step = h * max(1.0, abs(float(base.reshape(-1)[j])))
                values = []
                for sign in (1.0, -1.0):
                    point = base.copy()
                    point.reshape(-1)[j] += sign * step
                    call = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
                    call[index] = point
                    try:
                        out = fn(*call)
                    except BaseException as exc:
                        if isinstance(exc, KeyboardInterrupt):
                            raise
                        return {"error": self.failure(exc)}
                    got = returned(out, 1)
                    if "values" not in got or got["values"][0].size != 1:
                        what = got.get("bad") or f"shape {got['values'][0].shape}"
                        return {"error": _plain("return", f"not a single number ({what})")}
                    values.append(float(got["values"][0].reshape(-1)[0]))
                grad.reshape(-1)[j] = (values[0] - values[1]) / (2 * step)
            grads.append(grad)
        return {"ok": True, "grads": grads}

    # ------------------------------------------------------------------------- failures
    def syntax_failure(self, exc: BaseException) -> dict[str, Any]:
        """The line, a caret under the place, and Python's message."""
        text = "".join(traceback.format_exception_only(type(exc), exc))
        line = getattr(exc, "lineno", None)
        return {"kind": "syntax", "text": text.rstrip("\n"), "line": line}

    def failure(self, exc: BaseException, *, at_import: bool = False) -> dict[str, Any]:
        """A traceback trimmed to the learner's file, then the exception itself."""
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == self.path]
        lines = []
        if frames:
            lines.append("Traceback (most recent call last; your file only):")
            lines.extend(s.rstrip("\n") for s in traceback.format_list(frames))
        lines.extend(s.rstrip("\n") for s in traceback.format_exception_only(type(exc), exc))
        kind = "exit" if isinstance(exc, SystemExit) else "exception"
        return {
            "kind": kind,
            "text": "\n".join(lines),
            "line": frames[-1].lineno if frames else None,
            "name": type(exc).__name__,
            "at_import": at_import,
        }


def _plain(kind: str, text: Any) -> dict[str, Any]:
    return {"kind": kind, "text": str(text), "line": None}


def _describe(value: Any) -> str:
    """What a value is, for a message: "None", "a tuple of 3", "an array of shape (3,)"."""
    if value is None:
        return "None"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    if isinstance(value, tuple | list):
        return f"a {type(value).__name__} of {len(value)}"
    name = type(value).__name__
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


def _array(value: Any) -> np.ndarray | str:
    """Numbers as a float64 array, or what the value is instead (for the message)."""
    if value is None or isinstance(value, str | bytes | dict):
        return _describe(value)
    try:
        arr = np.asarray(value)
    except Exception:
        return _describe(value)
    if arr.dtype.kind == "c":
        return "complex numbers"
    if arr.dtype.kind not in "biuf":
        return _describe(value)
    if arr.size > MAX_ENTRIES:
        return f"an array of {arr.size} entries"
    return arr.astype(np.float64)


def returned(value: Any, outputs: int) -> dict[str, Any]:
    """A function's return value as `outputs` arrays, or {"bad": what it was instead}."""
    if outputs == 1:
        items = [value]
    elif not isinstance(value, tuple | list) or len(value) != outputs:
        return {"bad": _describe(value)}
    else:
        items = list(value)
    arrays = []
    for k, item in enumerate(items):
        arr = _array(item)
        if isinstance(arr, str):
            return {"bad": arr, "item": k}
        arrays.append(arr)
    return {"values": arrays}


def main() -> None:
    try:
        _main()
    except BaseException:  # a fault of this script (or a broken pipe): say it on the real stderr
        os.write(2, traceback.format_exc().encode("utf-8", "replace"))
        raise SystemExit(3) from None


def _main() -> None:
    limits = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    # the protocol gets private copies of stdin/stdout; the learner's code sees /dev/null there
    # (input() ends at once) and a capture for print()
    proto_in = os.fdopen(os.dup(0), "rb")  # buffered: a request is one read, not three
    proto_out = os.dup(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    sys.stdin = open(os.devnull, encoding="utf-8")  # noqa: SIM115 - lives as long as the child
    child = Child(proto_in, proto_out)
    sys.stdout = child.stdout
    sys.stderr = child.stderr  # warnings and the learner's own tracebacks
    apply_limits(limits)
    child.serve()


if __name__ == "__main__":
    main()
