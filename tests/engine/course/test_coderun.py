"""The child process that runs a learner's code: results, limits, failures, the wire, cleanup."""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from bptutor.engine.course import code_child
from bptutor.engine.course.code_child import WireError, decode, encode
from bptutor.engine.course.coderun import (
    CodeProcess,
    Limits,
    Printed,
    Spare,
    close_all,
    live_processes,
)

GOOD = """
import numpy as np

def double(a):
    return 2 * a

def pair(a, b):
    return a + b, a * b

def chatty(a):
    for i in range(50_000):
        print("line", i)
    return a

def ask(a):
    return input("a number? ")
"""


def write(tmp_path: Path, text: str, name: str = "mine.py") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def _nothing_left_behind() -> None:
    yield
    assert live_processes() == [], "a test left a child process running"


def test_load_then_call_many_cases(tmp_path: Path) -> None:
    a = np.arange(6.0).reshape(2, 3)
    with CodeProcess() as child:
        loaded = child.load(write(tmp_path, GOOD))
        assert loaded.ok and {"double", "pair"} <= set(loaded.functions)
        reply = child.call("double", [[a], [3.0], [np.zeros(0)]])
        assert reply.ok
        values = [r.values for r in reply.results]
        np.testing.assert_array_equal(values[0][0], 2 * a)
        assert values[1][0].shape == () and float(values[1][0]) == 6.0
        assert values[2][0].shape == (0,)
        two = child.call("pair", [[a, a]], outputs=2).results[0].values
        np.testing.assert_array_equal(two[0], a + a)
        np.testing.assert_array_equal(two[1], a * a)


def test_arguments_are_writable_copies(tmp_path: Path) -> None:
    """In-place edits by the learner (W1 -= ...) work and never reach the caller's array."""
    text = "def bump(a):\n    a += 1\n    return a\n"
    a = np.zeros(3)
    with CodeProcess() as child:
        child.load(write(tmp_path, text))
        got = child.call("bump", [[a]]).results[0].values[0]
    np.testing.assert_array_equal(got, np.ones(3))
    np.testing.assert_array_equal(a, np.zeros(3))


def test_what_is_returned_instead_of_numbers(tmp_path: Path) -> None:
    text = (
        "def nothing(a):\n    pass\n"
        "def word(a):\n    return 'x', a\n"
        "def three(a):\n    return a, a, a\n"
        "def ragged(a):\n    return [[1, 2], [3]]\n"
    )
    with CodeProcess() as child:
        child.load(write(tmp_path, text))
        assert child.call("nothing", [[1.0]], outputs=2).results[0].bad == "None"
        word = child.call("word", [[1.0]], outputs=2).results[0]
        assert (word.bad, word.bad_item) == ("a str", 0)
        assert child.call("three", [[1.0]], outputs=2).results[0].bad == "a tuple of 3"
        assert child.call("ragged", [[1.0]]).results[0].bad == "a list of 2"


def test_print_is_captured_and_trimmed(tmp_path: Path) -> None:
    with CodeProcess() as child:
        child.load(write(tmp_path, GOOD))
        reply = child.call("chatty", [[1.0]])
    assert reply.ok and reply.stdout.lines == 50_000
    shown = reply.stdout.shown()
    assert shown.startswith("line 0\nline 1\n")
    assert len(shown.splitlines()) <= 13
    assert "50,000 lines" in shown


def test_input_does_not_hang(tmp_path: Path) -> None:
    with CodeProcess(Limits(seconds=5)) as child:
        child.load(write(tmp_path, GOOD))
        result = child.call("ask", [[1.0]]).results[0]
    assert result.failure is not None and "EOFError" in result.failure.text


def test_syntax_error_has_the_line_and_a_caret(tmp_path: Path) -> None:
    path = write(tmp_path, "import numpy as np\n\ndef f(a)\n    return a\n")
    with CodeProcess() as child:
        reply = child.load(path)
    failure = reply.failure
    assert failure is not None and failure.kind == "syntax" and failure.line == 3
    assert "def f(a)" in failure.text and "^" in failure.text
    assert "SyntaxError: expected ':'" in failure.text


def test_traceback_is_trimmed_to_the_learners_file(tmp_path: Path) -> None:
    text = (
        "import numpy as np\n\n"
        "def f(a):\n    return helper(a)\n\n"
        "def helper(a):\n    return a @ np.ones(5)\n"
    )
    path = write(tmp_path, text)
    with CodeProcess() as child:
        child.load(path)
        result = child.call("f", [[np.ones(3)]]).results[0]
    failure = result.failure
    assert failure is not None and failure.kind == "exception" and failure.line == 7
    lines = failure.text.splitlines()
    assert lines[0] == "Traceback (most recent call last; your file only):"
    assert f'File "{path}", line 4, in f' in failure.text
    assert f'File "{path}", line 7, in helper' in failure.text
    assert "code_child" not in failure.text and "numpy" not in failure.text.split("ValueError")[0]
    assert lines[-1].startswith("ValueError: matmul")


def test_an_exception_at_import(tmp_path: Path) -> None:
    with CodeProcess() as child:
        failure = child.load(write(tmp_path, "x = 1 / 0\n")).failure
    assert failure is not None and failure.kind == "exception" and failure.at_import
    assert failure.text.endswith("ZeroDivisionError: division by zero")


def test_endless_loop_is_stopped_at_the_time_limit(tmp_path: Path) -> None:
    path = write(tmp_path, "def spin(a):\n    while True:\n        pass\n")
    child = CodeProcess(Limits(seconds=1))
    child.load(path)
    start = time.monotonic()
    reply = child.call("spin", [[1.0]])
    took = time.monotonic() - start
    assert reply.failure is not None and reply.failure.kind == "timeout"
    assert "ran for more than 1 s" in reply.failure.text
    assert 1.0 <= took < 4.0
    assert not child.alive and child.closed


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS is Linux's")
def test_memory_is_limited(tmp_path: Path) -> None:
    path = write(tmp_path, "import numpy as np\ndef big(a):\n    return np.ones((30000, 30000))\n")
    with CodeProcess(Limits(memory_mb=256)) as child:
        child.load(path)
        result = child.call("big", [[1.0]]).results[0]
    assert result.failure is not None and "MemoryError" in result.failure.text


def test_exit_and_a_dead_child(tmp_path: Path) -> None:
    text = "import os, sys\ndef leave(a):\n    sys.exit(4)\ndef die(a):\n    os._exit(3)\n"
    with CodeProcess() as child:
        child.load(write(tmp_path, text))
        result = child.call("leave", [[1.0]]).results[0]
        assert result.failure is not None and result.failure.kind == "exit"
        reply = child.call("die", [[1.0]])
    assert reply.failure is not None and reply.failure.kind == "crash"
    assert "exit code 3" in reply.failure.text


def test_a_missing_function(tmp_path: Path) -> None:
    with CodeProcess() as child:
        child.load(write(tmp_path, GOOD))
        reply = child.call("backward", [[1.0]])
    assert reply.failure is not None and reply.failure.kind == "missing"


def test_gradcheck_of_a_scalar_function(tmp_path: Path) -> None:
    text = "import numpy as np\ndef f(a, b):\n    return np.sum(a ** 2) * b\n"
    a = np.array([[1.0, -2.0], [0.5, 3.0]])
    with CodeProcess() as child:
        child.load(write(tmp_path, text))
        reply = child.gradcheck("f", [a, 3.0], [0, 1])
    assert reply.ok
    np.testing.assert_allclose(reply.grads[0], 6 * a, rtol=1e-6)
    np.testing.assert_allclose(reply.grads[1], np.sum(a**2), rtol=1e-6)


def test_close_from_another_thread_ends_a_running_request(tmp_path: Path) -> None:
    child = CodeProcess(Limits(seconds=30))
    child.load(write(tmp_path, "def spin(a):\n    while True:\n        pass\n"))
    threading.Timer(0.3, child.close).start()
    start = time.monotonic()
    reply = child.call("spin", [[1.0]])
    assert reply.failure is not None and reply.failure.kind == "crash"
    assert time.monotonic() - start < 10


def test_a_child_that_starts_processes_takes_them_along(tmp_path: Path) -> None:
    """The whole process group is killed: a learner's subprocess does not outlive the check."""
    marker = tmp_path / "grandchild.pid"
    text = (
        "import subprocess, sys\n"
        "def spawn(a):\n"
        f"    p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        f"    open({str(marker)!r}, 'w').write(str(p.pid))\n"
        "    while True:\n        pass\n"
    )
    with CodeProcess(Limits(seconds=1.5)) as child:
        child.load(write(tmp_path, text))
        child.call("spawn", [[1.0]])
    pid = int(marker.read_text())
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and _running(pid):
        time.sleep(0.05)
    assert not _running(pid)


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().split(") ")[1][0] not in "ZX"
    except FileNotFoundError:
        return False
    except OSError:  # not Linux: ask the kernel
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True


def test_spare_hands_over_a_started_child_and_starts_another() -> None:
    spare = Spare()
    spare.warm()
    first = spare.take()
    assert first.wait_ready() is None and first.alive
    second = spare.take()
    assert second is not first
    first.close()
    second.close()
    spare.close()


def test_close_all_ends_every_child(tmp_path: Path) -> None:
    children = [CodeProcess() for _ in range(2)]
    assert len(live_processes()) >= 2
    close_all()
    assert all(not c.alive for c in children)


def test_the_wire_round_trips_and_refuses_what_it_should() -> None:
    message = {"a": np.arange(6.0).reshape(2, 3), "n": [1, 2.5, None, "x"], "i": np.arange(3)}
    data = encode(message)
    meta, head, _ = code_child.FRAME.unpack(data[:12])
    parts = data[12 : 12 + meta], data[12 + meta : 12 + meta + head], data[12 + meta + head :]
    back = decode(*parts)
    np.testing.assert_array_equal(back["a"], message["a"])
    assert back["n"] == [1, 2.5, None, "x"] and back["i"].dtype == np.int64
    assert back["a"].flags.writeable
    transposed = np.arange(6.0).reshape(2, 3).T  # not C-contiguous: sent in C order
    data = encode([transposed])
    meta, head, _ = code_child.FRAME.unpack(data[:12])
    back = decode(
        data[12 : 12 + meta], data[12 + meta : 12 + meta + head], data[12 + meta + head :]
    )
    np.testing.assert_array_equal(back[0], transposed)
    with pytest.raises(WireError):
        encode({"o": np.array([object()])})
    with pytest.raises(WireError):
        encode({"o": object()})
    ref = b'{"v": {"__array__": 0}}'
    with pytest.raises(WireError):  # an object array is never rebuilt
        decode(b'[["|O", [1], 0, 8]]', ref, b"\0" * 8)
    with pytest.raises(WireError):  # bounds past the body
        decode(b'[["<f8", [4], 0, 32]]', ref, b"\0" * 8)
    with pytest.raises(WireError):  # a reference to no array
        decode(b"[]", ref, b"")
    with pytest.raises(WireError):
        decode(b"[]", b"{not json", b"")


def test_printed_shows_everything_when_it_is_short() -> None:
    assert Printed("a\nb\n", 4, 2).shown() == "a\nb"
    assert Printed().shown() == ""


def test_bound_arguments_follow_each_call_as_fresh_copies(tmp_path: Path) -> None:
    source = """
def scale_and_spoil(a, X):
    out = a * X.sum()
    X[...] = 0.0   # writing into a bound argument must not reach the next call
    return out
"""
    with CodeProcess() as child:
        assert child.load(write(tmp_path, source)).ok
        assert child.bind([np.array([1.0, 2.0])]).ok
        for _ in range(3):
            reply = child.call("scale_and_spoil", [[2.0], [np.ones(2)]], bound=True)
            assert reply.ok
            got = [r.values[0] for r in reply.results]
            np.testing.assert_array_equal(got[0], 6.0)
            np.testing.assert_array_equal(got[1], [3.0, 3.0])
        unbound = child.call("scale_and_spoil", [[2.0, np.array([5.0])]])
        np.testing.assert_array_equal(unbound.results[0].values[0], 10.0)
