"""Epochs per second of the engine's `train` loop against hand-written loops, side by side.

Six cases, each trained by every contender from the same weights on the same data, full batch,
plain gradient descent (lr 0.01, no biases), recording the loss of every epoch:

- n,m,L           the notes' network: n inputs, one tanh hidden layer of m, one linear output,
                  squared error, L examples: 3,2,4  2,8,200  10,64,1000  784,128,1000
- n-m1-..-k:L:ce  relu hidden layers (CS231n's spiral net, the classic MNIST MLP; add :tanh for
                  tanh), softmax output, cross-entropy against class indices:
                  2-8-8-3:300:ce (two hidden layers, spiral-sized) and 784-128-64-10:1000:ce

Contenders:

- engine       `bptutor.engine.nn.training.train` (also computes the gradient norm and checks for
               divergence every epoch, and builds an Epoch record)
- numpy loop   the minimal loop one writes by hand: fresh temporaries, the loss every epoch
               (`0.5 * np.mean(err**2)`; softmax with the max shift, `-np.mean(np.log(p[rows, y]))`)
- numpy bare   the same loop without recording the loss (a lower bound on per-epoch overhead)
- torch f32/64 PyTorch CPU with autograd (when torch is importable; it is not a dependency)
- engine@old   with --old DIR: the engine of an older checkout (DIR/.venv runs DIR/bench/train.py),
               for the notes' network sizes: "no slower than before" measured in the same rounds

Every measurement runs in a fresh process (so torch's and OpenBLAS's spinning worker threads
never compete with the next contender), after a short warm-up; the contenders alternate within
each round (order rotated). We report median epochs/s and, for each ratio, the median over
rounds of the ratio measured within a round (steadier on a shared machine). Before timing, the
engine, the numpy loop and torch float64 are checked to give the same losses and weights.

    python bench/train.py [--repeats 7] [--seconds 0.3] [--threads 1] [--sizes 3,2,4 ...]
                          [--old /tmp/nn-old] [--only engine,engine@old]

Targets (issues 2, 11): engine >= 0.9x the numpy loop in every case, >= 4x PyTorch in the three
small ones (3,2,4  2,8,200  2-8-8-3:300:ce), >= 1.0x PyTorch float64 in the three large ones.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from bptutor.engine.nn.network import Network
from bptutor.engine.nn.training import train

torch = None  # imported only by the torch workers (optional: only to compare against)
HAVE_TORCH = importlib.util.find_spec("torch") is not None


def _import_torch() -> None:
    global torch
    import torch as _torch

    torch = _torch


THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
# "n,m,L": the notes' network (one tanh hidden layer, one linear output, squared error);
# "n-m1-...-k:L:ce[:act]": hidden layers (relu unless act says tanh), softmax output,
# cross-entropy against class indices (CS231n's spiral net and the classic MNIST MLP use relu).
SIZES = [
    "3,2,4",
    "2,8,200",
    "10,64,1000",
    "784,128,1000",
    "2-8-8-3:300:ce",
    "784-128-64-10:1000:ce",
]
SMALL = {"3,2,4", "2,8,200", "2-8-8-3:300:ce", "2-8-8-3:300:ce:tanh"}  # >= 4x PyTorch there
LR = 0.01


@dataclass(frozen=True)
class Case:
    widths: tuple[int, ...]  # (n, m1, ..., k)
    L: int
    loss: str  # "mse" or "cross_entropy"
    activation: str  # the hidden layers'

    @classmethod
    def parse(cls, text: str) -> Case:
        if ":" not in text:
            n, m, L = (int(v) for v in text.split(","))
            return cls((n, m, 1), L, "mse", "tanh")
        widths, L, loss, *act = text.split(":")
        if loss != "ce" or act not in ([], ["relu"], ["tanh"]):
            raise ValueError(f"{text!r}: expected n-m1-...-k:L:ce, :ce:relu or :ce:tanh")
        widths_t = tuple(int(v) for v in widths.split("-"))
        return cls(widths_t, int(L), "cross_entropy", act[0] if act else "relu")


@dataclass(frozen=True)
class Problem:
    X: np.ndarray
    y: np.ndarray  # (L, 1) targets, or (L,) class indices
    Ws: list[np.ndarray]  # initial weights, one per layer
    loss: str
    activation: str


def make_problem(case: Case, seed: int = 0) -> Problem:
    rng = np.random.default_rng(seed)
    n, k = case.widths[0], case.widths[-1]
    X = rng.standard_normal((case.L, n))
    if case.loss == "mse":
        y = np.tanh(X[:, :1]) + 0.1 * rng.standard_normal((case.L, 1))
    else:
        y = rng.integers(0, k, size=case.L)  # class indices
    net = Network.create(
        n,
        n_outputs=k,
        hidden=case.widths[1:-1],
        activation=case.activation,
        loss=case.loss,
        seed=seed,
    )
    return Problem(X, y, [W.copy() for W in net.weights], case.loss, case.activation)


# -- contenders: each runs `epochs` epochs and returns (losses, final weights) -------------------


def run_engine(p: Problem, epochs: int):
    net = Network.from_layers(p.Ws, activation=p.activation, loss=p.loss)
    losses = [epoch.loss for epoch in train(net, p.X, p.y, learning_rate=LR, epochs=epochs)]
    return losses, list(net.weights)


def _numpy_deep(p: Problem, epochs: int, record: bool):
    """Hand-written softmax + cross-entropy network: forward, loss, backward, update."""
    X, y = p.X, p.y
    Ws = [W.copy() for W in p.Ws]
    L, D = X.shape[0], len(Ws)
    rows = np.arange(L)
    relu = p.activation == "relu"
    losses = []
    for _ in range(epochs):
        acts = [X]
        for W in Ws[:-1]:
            z = acts[-1] @ W.T
            acts.append(np.maximum(z, 0) if relu else np.tanh(z))
        z = acts[-1] @ Ws[-1].T
        if record:
            z = z - z.max(axis=1, keepdims=True)
        d = np.exp(z)  # bare: no max shift (fine for these small weights), no loss
        d /= d.sum(axis=1, keepdims=True)
        if record:
            losses.append(-np.mean(np.log(d[rows, y])))
        d[rows, y] -= 1.0
        grads = [None] * D
        for i in range(D - 1, -1, -1):
            grads[i] = d.T @ acts[i] / L
            if i:
                d = d @ Ws[i]
                d *= (acts[i] > 0) if relu else (1 - acts[i] ** 2)
        for W, g in zip(Ws, grads, strict=True):
            W -= LR * g
    return (losses if record else None), Ws


def run_numpy(p: Problem, epochs: int):
    if p.loss == "mse":
        return _numpy_notes(p.X, p.y, *p.Ws, epochs)
    return _numpy_deep(p, epochs, record=True)


def _numpy_notes(X, y, W1, W2, epochs):
    """The loop one writes for the notes' network (unchanged since issue 2)."""
    W1, W2 = W1.copy(), W2.copy()
    L = X.shape[0]
    losses = []
    for _ in range(epochs):
        z = X @ W1.T
        a = np.tanh(z)
        y_hat = a @ W2.T
        err = y_hat - y
        losses.append(0.5 * np.mean(err**2))
        gW2 = err.T @ a / L
        d_hidden = (err @ W2) * (1 - a**2)
        gW1 = d_hidden.T @ X / L
        W1 -= LR * gW1
        W2 -= LR * gW2
    return losses, [W1, W2]


def run_numpy_bare(p: Problem, epochs: int):
    if p.loss != "mse":
        return _numpy_deep(p, epochs, record=False)
    X, y = p.X, p.y
    W1, W2 = (W.copy() for W in p.Ws)
    L = X.shape[0]
    for _ in range(epochs):
        a = np.tanh(X @ W1.T)
        err = a @ W2.T - y
        gW2 = err.T @ a / L
        gW1 = ((err @ W2) * (1 - a**2)).T @ X / L
        W1 -= LR * gW1
        W2 -= LR * gW2
    return None, [W1, W2]


def torch_runner(dtype_name: str) -> Callable:
    def run_torch(p: Problem, epochs: int):
        _import_torch()
        dtype = getattr(torch, dtype_name)
        Xt = torch.tensor(p.X, dtype=dtype)
        ce = p.loss == "cross_entropy"
        yt = torch.tensor(p.y, dtype=torch.long if ce else dtype)
        ws = [torch.tensor(W, dtype=dtype, requires_grad=True) for W in p.Ws]
        f = torch.relu if p.activation == "relu" else torch.tanh
        cross_entropy = torch.nn.functional.cross_entropy
        losses = []
        for _ in range(epochs):
            h = Xt
            for w in ws[:-1]:
                h = f(h @ w.T)
            out = h @ ws[-1].T
            loss = cross_entropy(out, yt) if ce else 0.5 * torch.mean((out - yt) ** 2)
            loss.backward()
            losses.append(loss.item())
            with torch.no_grad():
                for w in ws:
                    w -= LR * w.grad
                    w.grad.zero_()
        return losses, [w.detach().numpy() for w in ws]

    return run_torch


def contenders() -> dict[str, Callable]:
    out = {"engine": run_engine, "numpy loop": run_numpy, "numpy bare": run_numpy_bare}
    if HAVE_TORCH:
        out["torch f32"] = torch_runner("float32")
        out["torch f64"] = torch_runner("float64")
    return out


def check_same_maths(case: Case) -> None:
    p = make_problem(case)
    le, ew = run_engine(p, 25)
    ln, nw = run_numpy(p, 25)
    np.testing.assert_allclose(le, ln, rtol=1e-10)
    for e, n in zip(ew, nw, strict=True):
        np.testing.assert_allclose(e, n, rtol=1e-9, atol=1e-12)
    _, bw = run_numpy_bare(p, 25)
    np.testing.assert_allclose(bw[0], nw[0], rtol=1e-9, atol=1e-12)
    if HAVE_TORCH:
        lt, tw = torch_runner("float64")(p, 25)
        np.testing.assert_allclose(lt, ln, rtol=1e-9)
        np.testing.assert_allclose(tw[0], nw[0], rtol=1e-8, atol=1e-12)


def worker(name: str, case: Case, seconds: float, epochs: int) -> tuple[int, float]:
    """(epochs, epochs per second) of one contender, in this fresh process.

    With epochs == 0 it first calibrates a run of about ``seconds``.
    """
    p = make_problem(case)
    run = contenders()[name]
    run(p, 3)  # warm up (imports, first-call costs) for every contender alike
    if epochs <= 0:
        epochs = 4
        while True:
            t = time.perf_counter()
            run(p, epochs)
            dt = time.perf_counter() - t
            if dt > seconds / 4 or epochs >= 4_000_000:
                break
            epochs *= 4
        epochs = max(3, int(epochs * seconds / dt))
    t = time.perf_counter()
    run(p, epochs)
    return epochs, epochs / (time.perf_counter() - t)


def bench_size(
    spec: str,
    repeats: int,
    seconds: float,
    threads: int,
    old: Path | None,
    only: list[str] | None = None,
):
    """Per contender: median rate, and median over rounds of engine rate / its rate.

    Each measurement runs in a fresh process; within a round every contender runs once, in an
    order rotated from round to round. On a shared machine the load changes from second to
    second, so the ratio measured within a round is steadier than a ratio of medians. With
    ``old`` (a checkout of an older commit with its own .venv), "engine@old" is that tree's
    engine run by that tree's own bench worker (notes' network sizes only).
    """
    names = list(contenders())
    if old is not None and ":" not in spec:
        names.append("engine@old")
    if only:
        names = [n for n in names if n in only]
    epochs = dict.fromkeys(names, 0)
    rates: dict[str, list[float]] = {name: [] for name in names}
    env = dict(os.environ)
    if threads > 0:  # BLAS and torch thread pools, read when the worker starts
        for var in THREAD_VARS:
            env[var] = str(threads)
    for r in range(repeats):
        order = names[r % len(names) :] + names[: r % len(names)]
        for name in order:
            if name == "engine@old":
                assert old is not None
                cmd = [str(old / ".venv/bin/python"), str(old / "bench/train.py")]
                cmd += ["--worker", "engine", "--sizes", spec]
            else:
                cmd = [sys.executable, __file__, "--worker", name, "--sizes", spec]
            cmd += ["--seconds", str(seconds), "--epochs", str(epochs[name])]
            out = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env)
            e, rate = out.stdout.split()
            epochs[name] = int(e)  # calibrated once, then every round runs the same epochs
            rates[name].append(float(rate))
    median = {name: statistics.median(v) for name, v in rates.items()}
    ratio = {
        name: statistics.median(e / o for e, o in zip(rates["engine"], v, strict=True))
        for name, v in rates.items()
    }
    return median, ratio


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--seconds", type=float, default=0.3, help="length of one timed run")
    parser.add_argument(
        "--sizes",
        nargs="*",
        help="cases: n,m,L (the notes' network) or n-m1-...-k:L:ce[:tanh] (default: six)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="BLAS/torch threads for every contender (default 1; 0 = the libraries' defaults)",
    )
    parser.add_argument(
        "--old",
        type=Path,
        help="a checkout of an older commit with its own .venv: adds its engine (engine@old)",
    )
    parser.add_argument(
        "--only",
        help="comma-separated contenders to time (engine is always one), e.g. engine,engine@old",
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--epochs", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    specs = args.sizes or SIZES
    only = None if not args.only else ["engine", *args.only.split(",")]
    if args.worker:
        print(*worker(args.worker, Case.parse(specs[0]), args.seconds, args.epochs))
        return 0

    blas = os.environ.get("OPENBLAS_CORETYPE", "(not set)")
    threads = f"{args.threads} thread(s) each" if args.threads > 0 else "library default threads"
    tv = ""
    if HAVE_TORCH:
        tv = (
            ", torch "
            + subprocess.run(
                [sys.executable, "-c", "import torch; print(torch.__version__)"],
                capture_output=True,
                text=True,
            ).stdout.strip()
        )
    print(f"python {platform.python_version()}, numpy {np.__version__}{tv}")
    print(f"{os.cpu_count()} CPUs, OPENBLAS_CORETYPE={blas}, {threads}")
    print(
        f"lr {LR}, full batch, no biases; n,m,L: tanh hidden layer, linear output + squared "
        f"error; ...:ce: relu (or :tanh) hidden layers, softmax + cross-entropy. "
        f"{args.repeats} rounds of ~{args.seconds:g} s runs, each in a fresh process"
    )
    if args.old is not None:
        print(f"engine@old: {args.old} ({_git_head(args.old)})")
    for spec in specs:
        check_same_maths(Case.parse(spec))
    print("engine, numpy loop (and torch f64) agree on losses and weights after 25 epochs\n")

    cols = list(contenders()) + (["engine@old"] if args.old is not None else [])
    if only:
        cols = [c for c in cols if c in only]
    others = [c for c in cols if c != "engine"]
    print("median epochs/s; then engine ÷ other, median of the per-round ratios")
    header = f"{'case':>26} " + " ".join(f"{c:>10}" for c in cols) + " |"
    header += "".join(f" {'÷' + c:>12}" for c in others)
    print(header)
    print("-" * len(header))
    verdicts = []
    for spec in specs:
        rate, ratio = bench_size(spec, args.repeats, args.seconds, args.threads, args.old, only)
        row = f"{spec:>26} " + " ".join(
            f"{rate[c]:>10,.0f}" if c in rate else f"{'–':>10}" for c in cols
        )
        row += " |" + "".join(
            f" {ratio[c]:>11.2f}x" if c in ratio else f" {'–':>12}" for c in others
        )
        print(row, flush=True)
        verdicts.append(_targets(spec, ratio))
    print()
    print("\n".join(verdicts))
    return 0


def _targets(spec: str, ratio: dict[str, float]) -> str:
    """One line: which of the issue's targets this case meets."""
    checks = [("numpy loop", 0.9)]
    if spec in SMALL:
        checks += [("torch f32", 4.0), ("torch f64", 4.0)]
    else:
        checks += [("torch f64", 1.0)]
    parts = []
    for name, target in checks:
        if name in ratio:
            ok = "ok" if ratio[name] >= target else "MISSED"
            parts.append(f"÷{name} {ratio[name]:.2f}x >= {target:g}x {ok}")
    if "engine@old" in ratio:
        parts.append(f"÷engine@old {ratio['engine@old']:.2f}x")
    return f"{spec:>26}: " + "; ".join(parts)


def _git_head(tree: Path) -> str:
    out = subprocess.run(
        ["git", "-C", str(tree), "log", "-1", "--format=%h"], capture_output=True, text=True
    )
    return out.stdout.strip() or "?"


if __name__ == "__main__":
    sys.exit(main())
