"""A code exercise and grading its runs: the cases one learner's code must pass (drawn by
`code_exercise.draw_code`), and what the child process's outputs say about the code.

`CodeExercise.check(path)` runs the learner's file in a child process (`coderun`) and grades
it: per case, right, or which declared mistake the outputs match, or what is off (shape, NaN,
sign, a transpose, a factor, which entries); where the step names the learner's own scalar
function (`gradcheck`), a finite-difference check of the learner's gradient against it. The
result is the same `Verdict` every kind returns: "invalid" when the code cannot run (syntax
error, exception, time-out), "incorrect" when it runs and is wrong, "correct" when every case
matches.

Grading (`grade`) is pure: `lessons check` feeds it the engine's own mistakes without running
anything.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from bptutor.engine.answers.grading import Verdict
from bptutor.engine.course.coderun import (
    CallResult,
    CodeProcess,
    Failure,
    Limits,
    Printed,
    Reply,
)
from bptutor.engine.course.model import GradCheckSpec

CODE_RTOL = 1e-6  # code computes in float64: only the order of the sums may differ
CODE_ATOL = 1e-9
FD_RTOL = 1e-4  # central differences with h = 1e-5: ~1e-10 off, plus rounding
FD_ATOL = 1e-6
MAX_LISTED = 4  # entries named in a message


def make_verdict(status: str, message: str = "", **fields: Any) -> Verdict:
    """A Verdict by keyword. (`correct` is a field today and derived from status in the
    answers room's cleanup; this one place passes it only while it is a field.)"""
    if "correct" in _VERDICT_FIELDS:
        fields["correct"] = status == "correct"
    return Verdict(status=status, message=message, **fields)  # type: ignore[call-arg]


_VERDICT_FIELDS = {f.name for f in dataclasses.fields(Verdict)}


@dataclass(frozen=True)
class CaseMistake:
    """A declared mistake, computed for one case: the values of the outputs it changes."""

    name: str
    message: str
    values: tuple[tuple[int, np.ndarray], ...]  # (output index, value)


@dataclass(frozen=True)
class CodeCase:
    """One call of the learner's function: its arguments and the engine's outputs."""

    number: int  # 1-based, as messages say it
    args: tuple[Any, ...]
    expected: tuple[np.ndarray, ...]
    mistakes: tuple[CaseMistake, ...] = ()

    def label(self, names: Sequence[str]) -> str:
        """The arguments' shapes: "W1 3×2, W2 1×3, X 1×2, y 1" (a number shows its value)."""
        parts = []
        for name, value in zip(names, self.args, strict=True):
            arr = np.asarray(value)
            if arr.ndim == 0:
                parts.append(f"{name} = {float(arr):g}")
            else:
                parts.append(f"{name} {'×'.join(str(n) for n in arr.shape)}")
        return ", ".join(parts)


@dataclass(frozen=True)
class Run:
    """What running the learner's file gave, before grading."""

    load: Failure | None = None  # the file could not be imported
    failure: Failure | None = None  # the calls as a whole failed (time-out, no such function)
    results: tuple[CallResult, ...] = ()  # one per case, up to the first that raised
    grads: tuple[Reply | None, ...] = ()  # per case: the gradcheck reply (None: not run)
    stdout: Printed = field(default_factory=Printed)
    stderr: Printed = field(default_factory=Printed)


@dataclass(frozen=True)
class CodeExercise:
    """One learner's code exercise: what to call, the cases, and how to grade them."""

    file: str
    function: str
    args: tuple[str, ...]
    outputs: tuple[str, ...]
    cases: tuple[CodeCase, ...]
    gradcheck: GradCheckSpec | None = None
    rtol: float = CODE_RTOL
    atol: float = CODE_ATOL
    limits: Limits = field(default_factory=Limits)
    reference: Path | None = None

    @property
    def signature(self) -> str:
        return f"{self.function}({', '.join(self.args)})"

    # ------------------------------------------------------------------------- running
    def check(self, path: Path | str, *, process: CodeProcess | None = None) -> Verdict:
        """Run the file at `path` and grade it (blocks for at most the time limit per
        request; run it off the UI thread). `process`: a started child to use (it is closed
        afterwards either way)."""
        return self.grade(self.run(path, process=process))

    def run(self, path: Path | str, *, process: CodeProcess | None = None) -> Run:
        """Import the file in a fresh child, call the function on every case, and run the
        gradient check; the child is closed afterwards."""
        path = Path(path)
        if not path.is_file():
            if process is not None:
                process.close()
            return Run(load=Failure("file", f"There is no file {path}."))
        child = process if process is not None else CodeProcess(self.limits)
        try:
            loaded = child.load(path)
            if not loaded.ok:
                return Run(load=loaded.failure, stdout=loaded.stdout, stderr=loaded.stderr)
            run = self.run_loaded(child)
            return dataclasses.replace(
                run,
                stdout=_joined(loaded.stdout, run.stdout),
                stderr=_joined(loaded.stderr, run.stderr),
            )
        finally:
            child.close()

    def run_loaded(self, child: CodeProcess) -> Run:
        """Call the function on every case in a child that has imported the file already
        (`lessons check` keeps one child per step for all its seeds)."""
        reply = child.call(
            self.function, [list(c.args) for c in self.cases], outputs=len(self.outputs)
        )
        if not reply.ok:
            return Run(failure=reply.failure, stdout=reply.stdout, stderr=reply.stderr)
        stdout, stderr = reply.stdout, reply.stderr
        grads: list[Reply | None] = [None] * len(reply.results)
        gc = self.gradcheck
        focus = self._focus(reply.results)
        if gc is not None and focus is not None:
            # one finite-difference check, on the case the verdict will talk about
            wrt = [self.args.index(arg) for _, arg in gc.wrt]
            g = child.gradcheck(gc.function, list(self.cases[focus].args), wrt)
            stdout, stderr = _joined(stdout, g.stdout), _joined(stderr, g.stderr)
            grads[focus] = g
        return Run(results=reply.results, grads=tuple(grads), stdout=stdout, stderr=stderr)

    def _focus(self, results: Sequence[CallResult]) -> int | None:
        """The case a verdict explains: the first that is off, else the first (None when a
        case raised or returned no numbers: the verdict is about that, not about gradients)."""
        for i, (case, result) in enumerate(zip(self.cases, results, strict=False)):
            if result.values is None:
                return None
            got = [
                g.reshape(()) if e.ndim == 0 and g.size == 1 else g
                for g, e in zip(result.values, case.expected, strict=False)
            ]
            if len(got) != len(case.expected) or not all(
                self._same(g, e) for g, e in zip(got, case.expected, strict=True)
            ):
                return i
        return 0 if len(results) == len(self.cases) else None

    # ------------------------------------------------------------------------- grading
    def grade(self, run: Run) -> Verdict:
        """The verdict for a run (pure: no process involved)."""
        if run.load is not None:
            return self._cannot_run(run.load, run)
        if run.failure is not None:
            return self._cannot_run(run.failure, run)
        outcomes: list[_Outcome] = []
        for case, result in zip(self.cases, run.results, strict=False):
            if result.failure is not None:
                return self._cannot_run(result.failure, run, case)
            outcomes.append(self._case(case, result))
        if len(outcomes) < len(self.cases):  # cannot happen without a failure: be safe
            return make_verdict(
                "invalid", "Your code stopped before every case had run." + _printed(run)
            )
        fd = _gradcheck_note(self, outcomes, run)
        wrong = [o for o in outcomes if not o.ok]
        if not wrong:
            message = f"All {len(outcomes)} cases match the engine."
            if fd:
                message += " " + fd
            if run.stdout.chars:
                lines = max(run.stdout.lines, 1)
                message += (
                    f" (Your code printed {lines:,} line{'s' if lines != 1 else ''}: take the "
                    "print()s out before you train with it, they slow it down.)"
                )
            return make_verdict("correct", message)
        first = wrong[0]
        lines = []
        right = len(outcomes) - len(wrong)
        if right:
            lines.append(f"{right} of {len(outcomes)} cases right.")
        lines.append(f"Case {first.case.number} ({first.case.label(self.args)}): {first.message}")
        alike = [o for o in wrong[1:] if o.mistake is not None and o.mistake == first.mistake]
        others = [o for o in wrong[1:] if o not in alike]
        if alike:
            numbers = _numbers([o.case.number for o in alike])
            lines.append(f"{numbers}: the same.")
        if others:
            o = others[0]
            lines.append(f"Case {o.case.number} ({o.case.label(self.args)}): {o.message}")
            if len(others) > 1:
                rest = [x.case.number for x in others[1:]]
                lines.append(f"{_numbers(rest)} {'is' if len(rest) == 1 else 'are'} off too.")
        if fd:
            lines.append(fd)
        message = "\n".join(lines) + _printed(run)
        return make_verdict(
            "incorrect", message, mistake=first.mistake, wrong_entries=first.wrong_entries
        )

    def _cannot_run(self, failure: Failure, run: Run, case: CodeCase | None = None) -> Verdict:
        kind = failure.kind
        if kind == "syntax":
            where = f" (line {failure.line})" if failure.line else ""
            head, name = f"Your file has a syntax error{where}:", "syntax-error"
        elif kind == "missing":
            head = f"Your file has no function {self.signature}: keep the name the starter gave it."
            name = "missing-function"
            return make_verdict("invalid", head + _printed(run), mistake=name)
        elif kind == "exit":
            where = f" on case {case.number}" if case is not None else ""
            head, name = (
                f"Your code called exit(){where}: bptutor needs {self.function} to return.",
                "exit",
            )
        elif kind == "exception":
            if failure.at_import:
                head = "Your file raised an exception while it was being imported:"
            elif case is not None:
                head = (
                    f"{self.function} raised an exception on case {case.number} of "
                    f"{len(self.cases)} ({case.label(self.args)}):"
                )
            else:
                head = f"{self.function} raised an exception:"
            name = "exception"
        elif kind == "timeout":
            return make_verdict("invalid", failure.text + _printed(run), mistake="timeout")
        elif kind == "file":
            return make_verdict("invalid", failure.text, mistake="file")
        else:  # crash, protocol
            return make_verdict("invalid", failure.text + _printed(run), mistake=kind)
        text = failure.text
        last = text.strip().splitlines()[-1] if text.strip() else ""
        if "MemoryError" in last and self.limits.memory_mb:
            text += f"\n(Your code may use about {self.limits.memory_mb} MiB of memory.)"
        return make_verdict("invalid", f"{head}\n{text}" + _printed(run), mistake=name)

    def _case(self, case: CodeCase, result: CallResult) -> _Outcome:
        """One case: right, a declared mistake, or what is off in which output."""
        if result.values is None:
            return _Outcome(case, False, _capital(self._bad_return(result)), "return")
        got = list(result.values)
        for k, exp in enumerate(case.expected):  # a number may come back as a 1-entry array
            if exp.ndim == 0 and got[k].size == 1:
                got[k] = got[k].reshape(())
        right = [self._same(g, e) for g, e in zip(got, case.expected, strict=True)]
        if all(right):
            return _Outcome(case, True)
        for m in case.mistakes:
            if all(self._same(got[k], value) for k, value in m.values) and not all(
                right[k] for k, _ in m.values
            ):
                rest = [
                    self._describe(k, got[k], case)
                    for k in range(len(got))
                    if not right[k] and k not in {j for j, _ in m.values}
                ]
                message = " ".join([m.message, *[_capital(r[0]) for r in rest]])
                k = next(k for k, _ in m.values if not right[k])
                wrong = self._wrong(got[k], case, k)
                return _Outcome(case, False, message, m.name, wrong, declared=True)
        described = [self._describe(k, got[k], case) for k in range(len(got)) if not right[k]]
        message = " ".join(_capital(d[0]) for d in described)
        k = next(k for k in range(len(got)) if not right[k])
        return _Outcome(case, False, message, described[0][1], self._wrong(got[k], case, k))

    def _same(self, got: np.ndarray, expected: np.ndarray) -> bool:
        """Same shape, every entry within tolerance (NaN and inf never are: no errstate needed,
        since `expected` is always finite). Hot in `lessons check`: no numpy wrappers."""
        if got.shape != expected.shape:
            return False
        return bool((abs(got - expected) <= self.atol + self.rtol * abs(expected)).all())

    def _wrong(self, got: np.ndarray, case: CodeCase, k: int) -> tuple[tuple[int, ...], ...]:
        exp = case.expected[k]
        if got.shape != exp.shape:
            return ()
        bad = ~(_close(got, exp, self.rtol, self.atol) & np.isfinite(got))
        return tuple(tuple(int(i) for i in t) for t in np.argwhere(bad))

    def _bad_return(self, result: CallResult) -> str:
        n = len(self.outputs)
        names = ", ".join(self.outputs)
        if result.bad_item is not None:
            what = self.outputs[result.bad_item]
            return f"your {what} is {result.bad}, not numbers."
        if result.bad == "None":
            want = f"return {names}" if n > 1 else "return ..."
            return f"{self.function} returned None: did you forget `{want}`?"
        return f"{self.function} must return {n} values ({names}); it returned {result.bad}."

    def _describe(self, k: int, got: np.ndarray, case: CodeCase) -> tuple[str, str | None]:
        """What is off in output k: (a sentence, a mistake name or None)."""
        name = self.outputs[k]
        exp = case.expected[k]
        rtol, atol = self.rtol, self.atol
        if got.shape != exp.shape:
            said = f"{_shape(got.shape)} where it should be {_shape(exp.shape)}"
            like = next(
                (
                    a
                    for a, v in zip(self.args, case.args, strict=True)
                    if np.asarray(v).shape == exp.shape and np.asarray(v).ndim > 0
                ),
                None,
            )
            if like is not None:
                said += f", the shape of {like}"
            flipped = exp.ndim == 2 and got.shape == exp.shape[::-1]
            if flipped and _all_close(got.T, exp, rtol, atol):
                return (
                    f"your {name} is the transpose of the right one: its shape is {said}.",
                    "transposed",
                )
            if got.size == exp.size and _all_close(got.reshape(exp.shape), exp, rtol, atol):
                return (
                    f"your {name} has the right numbers in the wrong shape: {said}.",
                    "shape",
                )
            return f"your {name} has shape {said}.", "shape"
        finite = np.isfinite(got)
        if not np.all(finite):
            idx = [tuple(int(i) for i in t) for t in np.argwhere(~finite)]
            kinds = sorted({"NaN" if np.isnan(got[i]) else "inf" for i in idx})
            return (
                f"your {name} has {' and '.join(kinds)} at {_entries(name, idx)} "
                "(an overflow, or 0/0?).",
                "not-finite",
            )
        if np.any(np.abs(exp) > atol):
            if _all_close(got, -exp, rtol, atol):
                return f"your {name} has the wrong sign: it is −1 times the right one.", "sign"
            if (
                exp.ndim == 2
                and exp.shape[0] == exp.shape[1]
                and _all_close(got, exp.T, rtol, atol)
            ):
                return (
                    f"your {name} is the transpose of the right one: check which index is the row.",
                    "transposed",
                )
            factor = _factor(got, exp)
            if factor is not None:
                return (
                    f"your {name} is {factor:.4g} times the right one: a constant factor is off.",
                    "factor",
                )
        bad = [tuple(int(i) for i in t) for t in np.argwhere(~_close(got, exp, rtol, atol))]
        first = bad[0]
        shown = f"{name}[{', '.join(map(str, first))}]" if first else name
        values = f"{shown} is {_num(got[first])}, the engine has {_num(exp[first])}"
        if exp.ndim == 0:
            return f"your {name} is {_num(got)}; the engine has {_num(exp)}.", None
        if len(bad) == 1:
            return f"your {shown} is {_num(got[first])}; the engine has {_num(exp[first])}.", None
        if len(bad) == exp.size:
            return f"every entry of your {name} is off ({values}).", None
        return f"your {name} is off at {_entries(name, bad)} ({values}).", None

    # --------------------------------------------------------------------- gradcheck


@dataclass(frozen=True)
class _Outcome:
    case: CodeCase
    ok: bool
    message: str = ""
    mistake: str | None = None
    wrong_entries: tuple[tuple[int, ...], ...] = ()
    declared: bool = False  # the mistake is one the exercise declares


def _gradcheck_note(ex: CodeExercise, outcomes: list[_Outcome], run: Run) -> str:
    """What finite differences of the learner's own scalar function say (or ""): the note
    `CodeExercise.grade` adds where the step has a `gradcheck`."""
    gc = ex.gradcheck
    if gc is None or not run.grads:
        return ""
    wrong = [o for o in outcomes if not o.ok]
    focus = wrong[0] if wrong else outcomes[0]
    i = focus.case.number - 1
    reply = run.grads[i] if i < len(run.grads) else None
    result = run.results[i] if i < len(run.results) else None
    if reply is None or result is None or result.values is None:
        return ""
    fn = gc.function
    if not reply.ok:
        failure = reply.failure
        if failure is None or failure.kind == "missing":
            return ""
        first = failure.text.strip().splitlines()[-1] if failure.text.strip() else failure.kind
        return f"(Your {fn} could not be used to check {ex.function}: {first})"
    if all(not np.any(g) for g in reply.grads):
        if focus.ok:
            return ""
        return (
            f"(Your {fn} gives the same value whatever the weights, so it cannot check "
            f"{ex.function} yet; once it is written, it will.)"
        )
    worst: tuple[float, str, str, float, float] | None = None
    compared = 0
    for (output, arg), numeric in zip(gc.wrt, reply.grads, strict=True):
        k = ex.outputs.index(output)
        got = result.values[k]
        if got.shape != numeric.shape or not np.all(np.isfinite(got)):
            continue
        compared += 1
        scale = np.maximum(np.abs(got), np.abs(numeric))
        gap = np.abs(got - numeric) - (FD_ATOL + FD_RTOL * scale)
        if not gap.size:
            continue
        j = np.unravel_index(int(np.argmax(gap)), gap.shape)
        if gap[j] > 0 and (worst is None or gap[j] > worst[0]):
            at = ", ".join(str(int(x)) for x in j)
            worst = (
                float(gap[j]),
                f"{arg}[{at}]",
                f"{output}[{at}]",
                float(got[j]),
                float(numeric[j]),
            )
    if worst is None:
        if focus.ok or compared < len(gc.wrt):
            return ""
        checked = _and([o for o, _ in gc.wrt])
        return (
            f"Your {checked} {'agrees' if len(gc.wrt) == 1 else 'agree'} with finite "
            f"differences of your own {fn}: your {ex.function} and your {fn} compute the "
            f"same function, but not the engine's. Check {fn} first."
        )
    if not focus.ok and focus.declared:
        return ""  # the declared mistake already says what is wrong, and more precisely
    _, at_arg, at_out, value, numeric_value = worst
    said = (
        f"finite differences of your {fn} give {_num(numeric_value)} at {at_arg}, your "
        f"{at_out} is {_num(value)}"
    )
    if focus.ok:
        return f"(But your {fn} does not agree with it: {said}. Check {fn}.)"
    return f"Your {ex.function} does not match your {fn} at {at_arg}: {said}."


# --- small helpers ------------------------------------------------------------------------------


def _close(a: np.ndarray, b: np.ndarray, rtol: float, atol: float) -> np.ndarray:
    with np.errstate(all="ignore"):
        return np.abs(a - b) <= atol + rtol * np.abs(b)


def _all_close(a: np.ndarray, b: np.ndarray, rtol: float, atol: float) -> bool:
    return a.shape == b.shape and bool(np.all(_close(a, b, rtol, atol)))


def _factor(got: np.ndarray, exp: np.ndarray) -> float | None:
    """c when got = c·exp for one constant c ≠ 1 (over at least two nonzero entries)."""
    mask = np.abs(exp) > 1e-9
    if np.count_nonzero(mask) < 2 and exp.size > 1:
        return None
    with np.errstate(all="ignore"):
        ratio = got[mask] / exp[mask]
    if ratio.size == 0 or not np.all(np.isfinite(ratio)):
        return None
    c = float(np.median(ratio))
    if c == 0 or abs(c - 1) < 1e-6 or not np.all(np.abs(ratio - c) <= 1e-6 * abs(c)):
        return None
    return c


def _shape(shape: tuple[int, ...]) -> str:
    return "()" if not shape else f"({', '.join(map(str, shape))}{',' if len(shape) == 1 else ''})"


def _num(value: Any) -> str:
    return f"{float(np.asarray(value).reshape(-1)[0] if np.ndim(value) else value):.6g}".replace(
        "-", "−"
    )


def _entries(name: str, idx: Sequence[tuple[int, ...]]) -> str:
    """name[0, 1], name[2, 0] and 3 more (0-based, as the learner indexes in Python)."""
    shown = [f"{name}[{', '.join(map(str, t))}]" if t else name for t in idx[:MAX_LISTED]]
    if len(idx) > MAX_LISTED:
        return ", ".join(shown) + f" and {len(idx) - MAX_LISTED} more"
    if len(shown) == 1:
        return shown[0]
    return ", ".join(shown[:-1]) + " and " + shown[-1]


def _capital(text: str) -> str:
    """A sentence's first word capitalised, unless it is code (a function's name)."""
    if text.split(" ", 1)[0] in ("your", "every"):
        return text[:1].upper() + text[1:]
    return text


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _numbers(numbers: list[int]) -> str:
    if len(numbers) == 1:
        return f"Case {numbers[0]}"
    return "Cases " + ", ".join(map(str, numbers[:-1])) + f" and {numbers[-1]}"


def _joined(a: Printed, b: Printed) -> Printed:
    if not b.chars:
        return a
    if not a.chars:
        return b
    return Printed(a.text + b.text, a.chars + b.chars, a.lines + b.lines)


def _printed(run: Run) -> str:
    out = ""
    shown = run.stdout.shown()
    if shown:
        out += "\nYour code printed:\n" + shown
    err = run.stderr.shown()
    if err:
        out += "\nIt also wrote (warnings, errors):\n" + err
    return out
