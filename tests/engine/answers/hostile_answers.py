"""Answers typed to break grading: each must come back as a verdict, quickly. One corpus for
the tests (test_grading: never an exception, under 0.5 s on a loaded machine) and for
bench/checking.py (the latency targets: median < 2 ms, worst < 50 ms per checker)."""

from __future__ import annotations

HOSTILE = [
    "9^9^9^9",
    "(" * 10000 + "x" + ")" * 10000,
    "x" * 100_000,
    "(" * 55 + "x" + ")" * 55,
    "-" * 1900 + "x",
    "+".join(["x"] * 999),
    "*".join(["exp(x)"] * 280),
    "x\x00y",
    "😀" * 500,
    "__import__('os').system('echo pwned')",
    "exp(exp(exp(exp(exp(x)))))",
    "[" * 1000,
    "[" + ", ".join(["1e308"] * 300) + "]",
    "x^x^x^x^x^x^x^x^x^x",
    "xy" * 900,
]
