"""Epochs per second of the engine's `train` loop against hand-written loops, side by side.

For each size (n inputs, m hidden, L examples) every contender trains the same network (tanh
hidden layer, one linear output, no biases: the notes' network) from the same weights on the
same data, full batch, plain gradient descent, recording the loss of every epoch:

- engine       `bptutor.engine.nn.training.train` (also computes the gradient norm and checks for
               divergence every epoch, and builds a Step record)
- numpy loop   the minimal loop one writes by hand: fresh temporaries, `0.5 * np.mean(err**2)`
- numpy bare   the same loop without recording the loss (a lower bound on per-epoch overhead)
- torch f32/64 PyTorch CPU with autograd (when torch is importable; it is not a dependency)

Every measurement runs in a fresh process (so torch's and OpenBLAS's spinning worker threads
never compete with the next contender), after a short warm-up; the contenders alternate within
each round (order rotated). We report median epochs/s and, for each ratio, the median over
rounds of the ratio measured within a round (steadier on a shared machine). Before timing, the
engine, the numpy loop and torch float64 are checked to give the same losses and weights.

    python bench/train.py [--repeats 7] [--seconds 0.3] [--threads 1] [--sizes 3,2,4 ...]

Targets (issue 2): engine >= 0.9x the numpy loop at every size, >= 4x PyTorch at the two small
sizes, >= 1.0x PyTorch float64 at the two large ones.
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
SIZES = [(3, 2, 4), (2, 8, 200), (10, 64, 1000), (784, 128, 1000)]
LR = 0.01


def make_problem(n: int, m: int, L: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((L, n))
    y = np.tanh(X[:, :1]) + 0.1 * rng.standard_normal((L, 1))
    net = Network.create(n, m, 1, activation="tanh", seed=seed)
    return X, y, net.W1.copy(), net.W2.copy()


# -- contenders: each runs `epochs` epochs and returns the list of losses ------------------------


def run_engine(X, y, W1, W2, epochs):
    net = Network.from_weights(W1, W2, activation="tanh")
    losses = [step.loss for step in train(net, X, y, learning_rate=LR, epochs=epochs)]
    return losses, net.W1, net.W2


def run_numpy(X, y, W1, W2, epochs):
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
    return losses, W1, W2


def run_numpy_bare(X, y, W1, W2, epochs):
    W1, W2 = W1.copy(), W2.copy()
    L = X.shape[0]
    for _ in range(epochs):
        a = np.tanh(X @ W1.T)
        err = a @ W2.T - y
        gW2 = err.T @ a / L
        gW1 = ((err @ W2) * (1 - a**2)).T @ X / L
        W1 -= LR * gW1
        W2 -= LR * gW2
    return None, W1, W2


def torch_runner(dtype_name: str) -> Callable:
    def run_torch(X, y, W1, W2, epochs):
        _import_torch()
        dtype = getattr(torch, dtype_name)
        Xt = torch.tensor(X, dtype=dtype)
        yt = torch.tensor(y, dtype=dtype)
        w1 = torch.tensor(W1, dtype=dtype, requires_grad=True)
        w2 = torch.tensor(W2, dtype=dtype, requires_grad=True)
        losses = []
        for _ in range(epochs):
            y_hat = torch.tanh(Xt @ w1.T) @ w2.T
            loss = 0.5 * torch.mean((y_hat - yt) ** 2)
            loss.backward()
            losses.append(loss.item())
            with torch.no_grad():
                w1 -= LR * w1.grad
                w2 -= LR * w2.grad
                w1.grad.zero_()
                w2.grad.zero_()
        return losses, w1.detach().numpy(), w2.detach().numpy()

    return run_torch


def contenders() -> dict[str, Callable]:
    out = {"engine": run_engine, "numpy loop": run_numpy, "numpy bare": run_numpy_bare}
    if HAVE_TORCH:
        out["torch f32"] = torch_runner("float32")
        out["torch f64"] = torch_runner("float64")
    return out


def check_same_maths(n: int, m: int, L: int) -> None:
    X, y, W1, W2 = make_problem(n, m, L)
    le, e1, e2 = run_engine(X, y, W1, W2, 25)
    ln, n1, n2 = run_numpy(X, y, W1, W2, 25)
    np.testing.assert_allclose(le, ln, rtol=1e-10)
    np.testing.assert_allclose(e1, n1, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(e2, n2, rtol=1e-9, atol=1e-12)
    if HAVE_TORCH:
        lt, t1, _ = torch_runner("float64")(X, y, W1, W2, 25)
        np.testing.assert_allclose(lt, ln, rtol=1e-9)
        np.testing.assert_allclose(t1, n1, rtol=1e-8, atol=1e-12)


def worker(name: str, n: int, m: int, L: int, seconds: float, epochs: int) -> tuple[int, float]:
    """(epochs, epochs per second) of one contender, in this fresh process.

    With epochs == 0 it first calibrates a run of about ``seconds``.
    """
    X, y, W1, W2 = make_problem(n, m, L)
    run = contenders()[name]
    run(X, y, W1, W2, 3)  # warm up (imports, first-call costs) for every contender alike
    if epochs <= 0:
        epochs = 4
        while True:
            t = time.perf_counter()
            run(X, y, W1, W2, epochs)
            dt = time.perf_counter() - t
            if dt > seconds / 4 or epochs >= 4_000_000:
                break
            epochs *= 4
        epochs = max(3, int(epochs * seconds / dt))
    t = time.perf_counter()
    run(X, y, W1, W2, epochs)
    return epochs, epochs / (time.perf_counter() - t)


def bench_size(n, m, L, repeats: int, seconds: float, threads: int):
    """Per contender: median rate, and median over rounds of engine rate / its rate.

    Each measurement runs in a fresh process; within a round every contender runs once, in an
    order rotated from round to round. On a shared machine the load changes from second to
    second, so the ratio measured within a round is steadier than a ratio of medians.
    """
    names = list(contenders())
    epochs = dict.fromkeys(names, 0)
    rates: dict[str, list[float]] = {name: [] for name in names}
    env = dict(os.environ)
    if threads > 0:  # BLAS and torch thread pools, read when the worker starts
        for var in THREAD_VARS:
            env[var] = str(threads)
    for r in range(repeats):
        order = names[r % len(names) :] + names[: r % len(names)]
        for name in order:
            cmd = [sys.executable, __file__, "--worker", name, "--sizes", f"{n},{m},{L}"]
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
    parser.add_argument("--sizes", nargs="*", help="n,m,L triples (default: the issue's four)")
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="BLAS/torch threads for every contender (default 1; 0 = the libraries' defaults)",
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--epochs", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sizes = [tuple(int(v) for v in s.split(",")) for s in args.sizes] if args.sizes else SIZES
    if args.worker:
        print(*worker(args.worker, *sizes[0], args.seconds, args.epochs))
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
        f"tanh hidden, linear output, no biases, lr {LR}, full batch; {args.repeats} rounds of "
        f"~{args.seconds:g} s runs, each in a fresh process"
    )
    for n, m, L in sizes:
        check_same_maths(n, m, L)
    print("engine, numpy loop (and torch f64) agree on losses and weights after 25 epochs\n")

    cols = list(contenders())
    others = [c for c in cols if c != "engine"]
    print("median epochs/s; then engine ÷ other, median of the per-round ratios")
    header = f"{'n,m,L':>14} " + " ".join(f"{c:>10}" for c in cols) + " |"
    header += "".join(f" {'÷' + c:>12}" for c in others)
    print(header)
    print("-" * len(header))
    for n, m, L in sizes:
        rate, ratio = bench_size(n, m, L, args.repeats, args.seconds, args.threads)
        row = f"{f'{n},{m},{L}':>14} " + " ".join(f"{rate[c]:>10,.0f}" for c in cols) + " |"
        row += "".join(f" {ratio[c]:>11.2f}x" for c in others)
        print(row, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
