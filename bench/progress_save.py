"""How long recording an answer holds the caller (the UI thread): synchronous saves against
background saves (the app's mode: a journal line on disk, the file written by a thread).

For each record size, in one run and interleaved (so both modes see the same machine load):
a store on a throwaway data dir, `record_attempt` called --answers times, each call timed on
the calling thread (what the learner waits for between Enter and the verdict). Sizes:

- fresh: a learner's first answers (the record holds a few steps);
- full: every step of a 213-step course with the most attempts a step keeps (5 first + 50
  last, progress_format.trim) and 60-character answers: the largest record a learner can
  reach (about 1.9 MB on disk).

    python bench/progress_save.py [--answers 40] [--rounds 3]

Target (issue 15): saves never block the UI; a full record's answer costs the UI thread no
more than a fresh one's.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bptutor.engine.course.progress import ProgressStore
from bptutor.engine.course.progress_format import KEEP_FIRST, KEEP_LAST

STEPS = 213


def fill(store: ProgressStore) -> None:
    """The largest record a learner can reach (written once, synchronously)."""
    answer = "W2ᵀ∘(1−tanh(z)²)·xᵀ " * 3
    for step in range(STEPS):
        rec = store._record(f"lesson{step // 10}", f"step{step}", create=True)
        assert rec is not None
        rec["attempts"] = [
            {"answer": answer, "status": "incorrect", "mistake": "m", "time": f"t{n}", "variant": 0}
            for n in range(KEEP_FIRST + KEEP_LAST)
        ]
        rec["seen"] = True
    store.save()


def timed_answers(data_dir: Path, *, background: bool, full: bool, answers: int) -> list[float]:
    store = ProgressStore(data_dir)
    if full:
        fill(store)
    if background:
        assert store.start_background_saves(), "background saves are not possible here"
    times = []
    for n in range(answers):
        start = time.perf_counter()
        store.record_attempt("lesson0", "step0", f"answer {n}", "incorrect")
        times.append(time.perf_counter() - start)
        time.sleep(0.05)  # a learner does not answer faster than this
    store.close()
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    results: dict[tuple[str, str], list[float]] = {}
    for _ in range(args.rounds):
        for size in ("fresh", "full"):
            for mode in ("synchronous", "background"):
                with tempfile.TemporaryDirectory() as tmp:
                    results.setdefault((size, mode), []).extend(
                        timed_answers(
                            Path(tmp),
                            background=mode == "background",
                            full=size == "full",
                            answers=args.answers,
                        )
                    )
    print(f"record_attempt on the calling thread, {args.rounds} x {args.answers} answers")
    print(f"{'record':<8}{'mode':<13}{'median':>10}{'p90':>10}{'worst':>10}")
    for (size, mode), times in results.items():
        ms = sorted(t * 1000 for t in times)
        p90 = ms[int(0.9 * (len(ms) - 1))]
        print(f"{size:<8}{mode:<13}{statistics.median(ms):>8.2f}ms{p90:>8.2f}ms{ms[-1]:>8.2f}ms")
    for size in ("fresh", "full"):
        sync = statistics.median(results[(size, "synchronous")])
        back = statistics.median(results[(size, "background")])
        print(f"{size}: synchronous / background median = {sync / back:.0f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
