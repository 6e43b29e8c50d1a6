"""Startup of `bptutor` vs a bare Textual app, side by side in one run.

Both run in a real pseudo-terminal at 80x24. We time from just before the process is spawned to
the moment its first frame containing a marker word (a footer key) has been written: that is the
first interactive frame. Peak memory is the child's ru_maxrss from os.wait4. Several repeats,
alternating the two, medians reported.

    python bench/startup.py [--repeats N]

Targets: the usable course map (its lessons listed) within 1.2x of the bare app's first frame
(issue 10), peak memory < 80 MiB, and no heavy module (plotext, torch, sympy) imported before
the training view opens (issue 5).
"""

from __future__ import annotations

import argparse
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from _pty import drain, quit_and_reap, spawn, terminal_env

BARE_APP = textwrap.dedent(
    """
    from textual.app import App
    from textual.binding import Binding
    from textual.widgets import Footer, Input, Markdown

    class Bare(App):
        BINDINGS = [Binding("ctrl+q", "quit", "Quit", priority=True)]

        def compose(self):
            yield Markdown("# Partial derivatives\\n\\nSome *prose* with maths: ∂g/∂y = x·e^y.")
            yield Input(placeholder="answer")
            yield Footer()

    Bare().run()
    """
)

HEAVY_CHECK = textwrap.dedent(
    """
    import sys
    from bptutor.tui.launch import main
    import bptutor.tui.app, bptutor.tui.screens.course_map, bptutor.tui.screens.lesson
    from bptutor.engine.course.loader import load_course
    load_course(None)
    heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('plotext', 'torch', 'sympy'))
    print(','.join(heavy))
    """
)


def run_once(
    argv: list[str], markers: tuple[bytes, ...], env: dict[str, str]
) -> tuple[list[float], float]:
    """Seconds until each marker has appeared on screen, and the peak RSS in MiB."""
    start = time.perf_counter()
    proc, master = spawn(argv, env)
    seen = b""
    elapsed = [float("nan")] * len(markers)
    deadline = start + 30
    while time.perf_counter() < deadline:
        ready, _, _ = select.select([master], [], [], 0.05)
        if not ready:
            continue
        chunk = drain(master)
        if not chunk and proc.poll() is not None:
            break
        seen += chunk
        now = time.perf_counter() - start
        for i, marker in enumerate(markers):
            if elapsed[i] != elapsed[i] and marker in seen:  # still NaN: first sight
                elapsed[i] = now
        if all(t == t for t in elapsed):
            break
    usage = quit_and_reap(proc, master)
    return elapsed, usage.ru_maxrss / 1024  # Linux reports KiB


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="runs of each app (default 7)")
    opts = parser.parse_args()

    bptutor = shutil.which("bptutor")
    if bptutor is None:
        print("bptutor is not installed (pip install -e .)", file=sys.stderr)
        return 1
    work = Path(tempfile.mkdtemp(prefix="bptutor-bench-"))
    bare_py = work / "bare.py"
    bare_py.write_text(BARE_APP)
    data = work / "data"
    # a learner who has seen the welcome once: the first frame is the course map
    from bptutor.engine.course.progress import ProgressStore

    ProgressStore(data).mark_welcomed()
    env = terminal_env()

    bare_argv = [sys.executable, str(bare_py)]
    tutor_argv = [bptutor, "--data-dir", str(data)]
    # bptutor: the footer is the first interactive frame; "not started" once the map lists the
    # lessons (from the course's outline; the full course loads in a worker after that frame)
    tutor_markers = (b"Continue", b"not started")
    for argv, markers in ((bare_argv, (b"Quit",)), (tutor_argv, tutor_markers)):
        run_once(argv, markers, env)  # warm the OS caches once, not measured
    bare_t: list[float] = []
    bare_rss: list[float] = []
    frame_t: list[float] = []
    filled_t: list[float] = []
    tutor_rss: list[float] = []
    for _ in range(opts.repeats):
        (t,), rss = run_once(bare_argv, (b"Quit",), env)
        bare_t.append(t)
        bare_rss.append(rss)
        (t_frame, t_filled), rss = run_once(tutor_argv, tutor_markers, env)
        frame_t.append(t_frame)
        filled_t.append(t_filled)
        tutor_rss.append(rss)

    heavy = subprocess.run(
        [sys.executable, "-c", HEAVY_CHECK], capture_output=True, text=True, check=True
    ).stdout.strip()

    def ms(values: list[float]) -> str:
        return f"{statistics.median(values) * 1000:6.0f} ms (min {min(values) * 1000:4.0f})"

    print(f"80x24 pseudo-terminal, {opts.repeats} alternating runs each, medians")
    print(f"  bare Textual app  first frame      {ms(bare_t)}  peak {max(bare_rss):5.1f} MiB")
    print(f"  bptutor           first frame      {ms(frame_t)}  peak {max(tutor_rss):5.1f} MiB")
    print(f"  bptutor           lessons listed   {ms(filled_t)}")
    ratio = statistics.median(frame_t) / statistics.median(bare_t)
    print(f"first frame, bptutor / bare: {ratio:.2f}x")
    ratio = statistics.median(filled_t) / statistics.median(bare_t)
    print(f"usable map (lessons listed), bptutor / bare first frame: {ratio:.2f}x (target <= 1.2x)")
    print(f"bptutor peak RSS: {max(tutor_rss):.1f} MiB (target < 80 MiB)")
    print(f"heavy modules at startup: {heavy or 'none'} (plotext, torch, sympy must be absent)")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
