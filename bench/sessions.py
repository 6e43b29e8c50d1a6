"""A class on one server: N learners' bptutor sessions at once, each in its own 80x24 pty.

Every learner is a real `bptutor` process with its own throwaway data dir (welcome already
seen, the same --seed so every session draws the same numbers). All N are started at once;
each then works like a person, with a think time of 0.3-1.5 s between actions: waits for the
course map, opens the first lesson, moves to its first typed exercise, types a wrong answer
and Enter, then the right one and Enter, and idles on the lesson screen (the answer box
focused, as a learner who stopped to think leaves it). Times come from the terminal output:

- first frame: spawn to the course map's footer (the first interactive frame); map full: to
  the lessons listed (the course loads after the first frame);
- verdict: Enter written to the pty until "✗ Not quite." / "✓ Right." arrives, while the
  other sessions are starting, moving and answering (two per session);
- idle CPU: utime+stime from /proc/PID/stat over --idle seconds once every session idles;
- memory, at the end of the idle window: VmRSS (steady), VmHWM (peak), and Pss from
  smaps_rollup (RSS with shared pages divided among the processes sharing them: what one more
  session really costs).

Then one more learner arrives while the N idle (a latecomer) and does the same; their first
frame and verdicts say what joining a busy server is like.

    python bench/sessions.py [--sizes 1 10 25 50] [--idle 10] [--json FILE]

Targets (issue 14), on a 2-CPU / 24 GiB machine: 50 concurrent learners with first frame
<= 2 s and verdict <= 200 ms median, idle CPU <= 1 % per session, <= 80 MiB each.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _pty import drain, quit_and_reap, spawn, terminal_env, visible_text

SEED = 1234
TICKS = os.sysconf("SC_CLK_TCK")
PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024


@dataclass(frozen=True)
class Action:
    """Write `keys` (after a think time if `think`), then wait until `marker` is on screen.

    `metric` names the time to keep: from the write, or from the spawn when `since_spawn`."""

    keys: bytes
    marker: str
    metric: str | None = None
    think: bool = False
    since_spawn: bool = False


def learner_script() -> list[Action]:
    """The actions of one learner, for the built-in course and SEED (answers from the engine)."""
    from bptutor.engine.course.exercise import draw
    from bptutor.engine.course.loader import load_course

    course = load_course(None)
    lesson, step = next(
        (lesson, step)
        for lesson in course.lessons
        for step in lesson.steps
        if step.exercise is not None
        and draw(lesson, step, SEED).kind in ("derivative", "expression", "value")
    )
    inst = draw(lesson, step, SEED)
    wrong = next(
        a
        for a in (f"-({inst.solution})", f"2*({inst.solution})", f"({inst.solution})+1")
        if inst.check(a).status == "incorrect"
    )
    lesson_index = course.lessons.index(lesson)
    step_index = lesson.steps.index(step)
    total = len(lesson.steps)
    script = [
        Action(b"", "Continue", "first frame", since_spawn=True),
        Action(b"", "not started", "map full", since_spawn=True),
    ]
    for _ in range(lesson_index):  # one key at a time: Enter must not overtake the arrows
        script.append(Action(b"\x1b[B", "steps ·", think=True))
    script.append(Action(b"\r", f"step 1/{total}", think=True))
    for i in range(step_index):
        script.append(Action(b"\x0e", f"step {i + 2}/{total}", think=True))  # ctrl+n
    script += [
        Action(wrong.encode(), "read as:", think=True),
        Action(b"\r", "✗ Not quite.", "verdict", think=True),
        Action(b"\x15", "e.g.", think=True),  # ctrl+u empties the box: its placeholder is back
        Action(str(inst.solution).encode(), "read as:", think=True),
        Action(b"\r", "✓ Right.", "verdict", think=True),
    ]
    return script


@dataclass
class Session:
    """One learner: a bptutor in a pty walking through the script."""

    argv: list[str]
    script: list[Action]
    rng: random.Random
    start_at: float = 0.0  # perf_counter time at which the learner starts bptutor
    proc: subprocess.Popen[bytes] | None = None
    master: int = -1
    spawned: float = 0.0
    position: int = 0
    due: float | None = None  # when to write the current action's keys; None: written
    written: float = 0.0
    seen: bytes = b""
    times: dict[str, list[float]] = field(default_factory=dict)
    failure: str | None = None

    def start(self, env: dict[str, str]) -> None:
        self.spawned = time.perf_counter()
        self.proc, self.master = spawn(self.argv, env)
        self.written = self.spawned
        self.due = None  # the first actions write nothing

    @property
    def started(self) -> bool:
        return self.proc is not None

    @property
    def done(self) -> bool:
        return self.position >= len(self.script) or self.failure is not None

    def tick(self, now: float) -> None:
        """Write the current action's keys once its think time is over."""
        if self.done or self.due is None or now < self.due:
            return
        action = self.script[self.position]
        os.write(self.master, action.keys)
        self.written = time.perf_counter()
        self.seen = b""
        self.due = None

    def output(self, chunk: bytes, now: float) -> None:
        self.seen += chunk
        # several markers may arrive in one chunk (first frame and map full)
        while not self.done and self.due is None:
            action = self.script[self.position]
            if action.marker not in visible_text(self.seen):
                return
            if action.metric:
                start = self.spawned if action.since_spawn else self.written
                self.times.setdefault(action.metric, []).append(now - start)
            self.position += 1
            if not self.done:
                nxt = self.script[self.position]
                self.due = now + (self.rng.uniform(0.3, 1.5) if nxt.think else 0.0)
                if not nxt.keys:
                    self.due = None  # nothing to write: keep reading for its marker
                else:
                    self.seen = b""

    def cpu_ticks(self) -> int:
        assert self.proc is not None
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)

    def memory_mib(self) -> dict[str, float]:
        assert self.proc is not None
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        values = dict(line.split(":", 1) for line in status.splitlines())
        values = {key: value.split()[0] for key, value in values.items() if value.split()}
        rollup = Path(f"/proc/{self.proc.pid}/smaps_rollup").read_text()
        pss = next(line.split()[1] for line in rollup.splitlines() if line.startswith("Pss:"))
        return {
            "rss": int(values["VmRSS"]) / 1024,
            "peak": int(values["VmHWM"]) / 1024,
            "pss": int(pss) / 1024,
        }


def pump(
    sessions: list[Session],
    until: float,
    finish: list[Session] | None = None,
    env: dict[str, str] | None = None,
) -> None:
    """Start sessions when their time comes, read every pty and run the scripts until `until`,
    or until the sessions in `finish` are done. Every pty is read all along: an unread one
    would stall its app."""
    while True:
        now = time.perf_counter()
        if now >= until or (finish and all(s.done for s in finish)):
            return
        for session in sessions:
            if not session.started and now >= session.start_at:
                assert env is not None
                session.start(env)
        by_fd = {s.master: s for s in sessions if s.started and s.failure is None}
        dues = [s.due for s in sessions if not s.done and s.due is not None]
        dues += [s.start_at for s in sessions if not s.started]
        wait = min([until - now, 0.05, *(max(0.0, d - now) for d in dues)])
        ready, _, _ = select.select(list(by_fd), [], [], wait)
        now = time.perf_counter()
        for fd in ready:
            session = by_fd[fd]
            chunk = drain(fd)
            if chunk:
                session.output(chunk, now)
            elif session.proc is not None and session.proc.poll() is not None:
                session.failure = f"exited with {session.proc.returncode}"
        for session in sessions:
            if session.started:
                session.tick(time.perf_counter())


def new_session(bptutor: str, work: Path, index: int, script: list[Action]) -> Session:
    from bptutor.engine.course.progress import ProgressStore

    data = work / f"learner-{index:03d}"
    ProgressStore(data).mark_welcomed()
    argv = [bptutor, "--data-dir", str(data), "--seed", str(SEED)]
    return Session(argv, script, random.Random(index))


def run(n: int, idle: float, ramp: float, bptutor: str, script: list[Action]) -> dict[str, Any]:
    """N learners starting within `ramp` seconds (0: all at once), then idle, then one more."""
    env = terminal_env()
    work = Path(tempfile.mkdtemp(prefix="bptutor-sessions-"))
    sessions = [new_session(bptutor, work, i, script) for i in range(n)]
    ours_before = resource.getrusage(resource.RUSAGE_SELF)
    began = time.perf_counter()
    for i, session in enumerate(sessions):
        session.start_at = began + ramp * i / n
    late: Session | None = None
    try:
        pump(sessions, began + ramp + 60 + 2 * n, finish=sessions, env=env)
        active = time.perf_counter() - began
        pump(sessions, time.perf_counter() + 3)  # settle
        alive = [s for s in sessions if s.failure is None and s.done]
        before = {id(s): s.cpu_ticks() for s in alive}
        to_idle = [ticks / TICKS for ticks in before.values()]  # start, map, answers
        t0 = time.perf_counter()
        pump(sessions, t0 + idle)
        elapsed = time.perf_counter() - t0
        idle_cpu = [(s.cpu_ticks() - before[id(s)]) / TICKS / elapsed * 100 for s in alive]
        memory = [s.memory_mib() for s in alive]
        with open("/proc/meminfo") as f:
            meminfo = {line.split(":")[0]: int(line.split()[1]) for line in f}
        late = new_session(bptutor, work, n, script)
        late.start(env)
        pump([*sessions, late], time.perf_counter() + 60, finish=[late])
        loadavg = os.getloadavg()[0]
    finally:
        for s in [*sessions, *([late] if late is not None else [])]:
            if s.proc is not None:
                quit_and_reap(s.proc, s.master)
        shutil.rmtree(work, ignore_errors=True)
    ours_after = resource.getrusage(resource.RUSAGE_SELF)
    harness = (
        ours_after.ru_utime + ours_after.ru_stime - ours_before.ru_utime - ours_before.ru_stime
    )

    def pooled(name: str, group: list[Session]) -> list[float]:
        return [t for s in group for t in s.times.get(name, [])]

    return {
        "n": n,
        "completed": sum(1 for s in sessions if s.done and s.failure is None),
        "failures": [
            s.failure or f"stuck at action {s.position}"
            for s in sessions
            if not (s.done and s.failure is None)
        ],
        "first_frame": pooled("first frame", sessions),
        "map_full": pooled("map full", sessions),
        "verdict": pooled("verdict", sessions),
        "idle_cpu_pct": idle_cpu,
        "idle_seconds": elapsed,
        "cpu_to_idle_s": to_idle,
        "ramp_seconds": ramp,
        "rss": [m["rss"] for m in memory],
        "peak": [m["peak"] for m in memory],
        "pss": [m["pss"] for m in memory],
        "mem_available_mib": meminfo["MemAvailable"] / 1024,
        "late_first_frame": pooled("first frame", [late]),
        "late_verdict": pooled("verdict", [late]),
        "active_seconds": active,
        "harness_cpu_seconds": harness,
        "loadavg_1min": loadavg,
    }


def med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def worst(values: list[float]) -> float:
    return max(values) if values else float("nan")


def report(results: list[dict[str, Any]]) -> str:
    ms = 1000
    lines = [
        "|   N | first frame med / worst | map full med / worst | verdict med / worst | "
        "idle CPU med / max | RSS steady med / max | RSS peak max | PSS med | "
        "CPU to idle med | latecomer: first frame, verdicts |",
        "|---:|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['n']:>3} "
            f"| {med(r['first_frame']) * ms:,.0f} / {worst(r['first_frame']) * ms:,.0f} ms "
            f"| {med(r['map_full']) * ms:,.0f} / {worst(r['map_full']) * ms:,.0f} ms "
            f"| {med(r['verdict']) * ms:,.0f} / {worst(r['verdict']) * ms:,.0f} ms "
            f"| {med(r['idle_cpu_pct']):.2f} / {worst(r['idle_cpu_pct']):.2f} % "
            f"| {med(r['rss']):.1f} / {worst(r['rss']):.1f} MiB "
            f"| {worst(r['peak']):.1f} MiB "
            f"| {med(r['pss']):.1f} MiB "
            f"| {med(r['cpu_to_idle_s']):.2f} s "
            f"| {med(r['late_first_frame']) * ms:,.0f} ms, "
            + ", ".join(f"{v * ms:,.0f}" for v in r["late_verdict"])
            + " ms |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 10, 25, 50], metavar="N")
    parser.add_argument("--idle", type=float, default=10.0, metavar="S", help="idle window (s)")
    parser.add_argument(
        "--ramp",
        type=float,
        default=0.0,
        metavar="S",
        help="start the N learners evenly over S seconds (default 0: all at once)",
    )
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the raw numbers")
    opts = parser.parse_args()

    bptutor = shutil.which("bptutor")
    if bptutor is None:
        print("bptutor is not installed (pip install -e .)", file=sys.stderr)
        return 1
    script = learner_script()
    print(
        f"{os.cpu_count()} CPUs, {os.sysconf('SC_PHYS_PAGES') * PAGE_KIB / 2**20:.1f} GiB, "
        f"load average {os.getloadavg()[0]:.2f} before; {len(script)} actions per learner, "
        f"idle window {opts.idle:.0f} s, "
        + (f"starts spread over {opts.ramp:.0f} s" if opts.ramp else "all started at once"),
        flush=True,
    )
    results = []
    for n in opts.sizes:
        result = run(n, opts.idle, opts.ramp, bptutor, script)
        results.append(result)
        print(
            f"N={n}: {result['completed']}/{n} completed in {result['active_seconds']:.1f} s, "
            f"harness CPU {result['harness_cpu_seconds']:.1f} s, load average "
            f"{result['loadavg_1min']:.2f}, MemAvailable {result['mem_available_mib']:,.0f} MiB"
            + (f", failures: {result['failures']}" if result["failures"] else ""),
            flush=True,
        )
    print()
    print(report(results))
    if opts.json:
        opts.json.write_text(json.dumps(results, indent=1))
    return 0 if all(r["completed"] == r["n"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
