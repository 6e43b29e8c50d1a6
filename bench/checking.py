"""Latency of the answer checkers over a corpus of ordinary and hostile inputs.

Run: python bench/checking.py   (targets: median < 2 ms, worst < 50 ms per checker)
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np
from bptutor.engine.answers.grading import check_array, check_expression, check_number, preview
from bptutor.engine.answers.parser import parse

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "engine" / "answers"))
from hostile_answers import HOSTILE  # the corpus the tests check too

ORDINARY = [
    "x*e^y",
    "x e^y",
    "e^y x",
    "2x+3y",
    "3x − 5",
    "x·e^y",
    "x×exp(y)",
    "x^2",
    "x**2",
    "x²",
    "1/(1+e^-x)",
    "σ(x)(1−σ(x))",
    "sigma(y)",
    "log(x) + sqrt(y) + tanh(x)",
    "(x+y)(x-y)",
    "0.25",
    "-1/4",
    "2.5e-1",
    "[0.5, -0.25]",
    "[0.5 -0.25]",
    "[1, 2; 3, 4]",
    "[[1,2],[3,4]]",
    "[1 2; 3 4]",
]
EXPECTED = parse("x*exp(y)", ["x", "y"])  # the engine's tree, parsed once as the course does
CHECKERS = {
    "check_expression": lambda a: check_expression(a, EXPECTED, ["x", "y"]),
    "check_number": lambda a: check_number(a, 0.25),
    "check_array": lambda a: check_array(a, np.array([[1.0, 2.0], [3.0, 4.0]])),
    "preview": lambda a: preview(a, "expression", ["x", "y"]),
}


def main() -> int:
    corpus = ORDINARY + HOSTILE
    for fn in CHECKERS.values():  # warm up imports and caches
        fn("x")
    ok = True
    print(f"corpus: {len(ORDINARY)} ordinary + {len(HOSTILE)} hostile inputs, 5 rounds")
    print(f"{'checker':18} {'median ms':>10} {'worst ms':>10}  worst input")
    for name, fn in CHECKERS.items():
        times: list[tuple[float, str]] = []
        for _ in range(5):
            for a in corpus:
                t0 = time.perf_counter()
                fn(a)
                times.append((time.perf_counter() - t0, a))
        med = statistics.median(t for t, _ in times) * 1e3
        worst, worst_a = max(times)
        worst *= 1e3
        print(f"{name:18} {med:10.3f} {worst:10.3f}  {worst_a[:30]!r}")
        ok = ok and med < 2 and worst < 50
    heavy = [m for m in ("sympy", "torch", "textual") if m in sys.modules]
    print("heavy modules imported:", ", ".join(heavy) or "none (sympy, torch, textual absent)")
    print("targets met" if ok and not heavy else "TARGETS MISSED")
    return 0 if ok and not heavy else 1


if __name__ == "__main__":
    raise SystemExit(main())
