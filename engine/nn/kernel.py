"""The hot loop's forward and backward pass, over buffers made once for a batch size.

``training.train`` (and ``supplied.train_with_gradients``, for the loss alone) call a ``Kernel``
once per epoch or mini-batch. Nothing in here allocates per call: every intermediate lives in a
buffer made in ``__init__``, every numpy call writes ``out=``, and the gradient lands in a flat
buffer laid out like the network's parameters, so the caller updates every weight with one
subtraction. The same maths as ``Network.backward``, which the tests compare it with.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from bptutor.engine.nn.network import Network

__all__ = ["Kernel"]


class Kernel:
    """Buffers for one batch size, and the forward + backward pass over them.

    ``run(c)`` leaves c·∂(L·E)/∂θ in ``grad`` (c = learning_rate / batch), returns the raw loss
    (``loss_scale``·raw is E for this batch) and leaves in ``sq`` (one list, rewritten by every
    call) the squared gradient norm ‖∂E/∂θ‖² (``grad``·``grad`` over lr²): one entry, or with
    ``per_layer`` one entry per layer (a dot product per layer instead of one in all: a few
    percent of a small network's epoch, hence optional). ``loss_only()`` returns the raw loss.

    Hidden layers hold one row per example, (L, m). With cross-entropy the output layer is kept
    transposed, (k, L): softmax's max and sum over each example's k outputs are then reductions
    across k contiguous rows, several times faster in numpy than k-long row reductions. Sums
    over the examples (bias gradients, softmax's denominators) are products with a ones vector.
    """

    def __init__(
        self,
        net: Network,
        X: np.ndarray,
        Y: np.ndarray,
        grad: np.ndarray,
        lr: float,
        per_layer: bool = False,
    ) -> None:
        L = X.shape[0]
        sizes, D = net.sizes, net.n_layers
        act, out = net.hidden_activation, net.output_activation_fn
        self._out_fn = out
        self.loss = net.loss_fn.name
        self.transposed = self.loss == "cross_entropy"
        self.X = X
        self.Y = np.ascontiguousarray(Y.T) if self.transposed else Y  # in the output's layout
        # per layer: pre-activation Z, value A (Z itself for identity), f'(z) F, error δ
        shapes = [(L, m) for m in sizes[1:]]
        if self.transposed:
            shapes[-1] = (sizes[-1], L)
        self.Z = [np.empty(s) for s in shapes]
        fns = [act] * (D - 1) + [out]
        self.A = [
            z if fn.is_identity else np.empty_like(z) for z, fn in zip(self.Z, fns, strict=True)
        ]
        self.F = [np.empty_like(z) for z in self.Z]
        self.Dl = [np.empty_like(z) for z in self.Z]
        self.ones = np.ones(L)
        self.loss_scale = {"mse": 0.5 / L, "cross_entropy": -1.0 / L}.get(self.loss, 1.0 / L)
        self.sq = [0.0] * (D if per_layer else 1)
        output = self._output = self._build_output(net)
        fwd = self._forward_layers(net)
        dot, add = np.dot, np.add

        def forward() -> None:
            """Z and A of every layer, for the examples in the buffers."""
            for left, right, Z, b, A, f_into in fwd:
                dot(left, right, Z)
                if b is not None:
                    add(Z, b, Z)
                if f_into is not None:
                    f_into(Z, A)

        def loss_only() -> float:
            forward()
            return output(False)

        self.loss_only: Callable[[], float] = loss_only
        self.run: Callable[[float], float] = self._build(
            net, grad, fwd, forward, 1.0 / (lr * lr), per_layer
        )

    def gather(self, X: np.ndarray, Y: np.ndarray, idx: np.ndarray) -> None:
        """Load the examples ``idx`` of X and Y (Y in this kernel's layout) into the buffers."""
        # mode="clip": with the default "raise", take(out=...) buffers (allocates) every call
        np.take(X, idx, axis=0, out=self.X, mode="clip")
        np.take(Y, idx, axis=1 if self.transposed else 0, out=self.Y, mode="clip")

    def _forward_layers(self, net: Network) -> tuple[tuple[Any, ...], ...]:
        """Per layer: (left, right, Z, b or None, A, f_into or None) for Z = left·right + b,
        A = f(Z): left·right = a_in·Wᵀ, or W·a_inᵀ for a transposed output layer."""
        act, out = net.hidden_activation, net.output_activation_fn
        D = net.n_layers
        biases = net.biases
        layers = []
        prev = self.X
        for i, W in enumerate(net.weights):
            last = i == D - 1
            fn = act if not last else out
            f_into = None if fn.is_identity else fn.f_into
            b = None if biases is None else biases[i]
            if last and self.transposed:
                f_into = None  # the output step computes softmax with its log-sum-exp
                bb = None if b is None else b[:, None]
                layers.append((W, prev.T, self.Z[i], bb, self.A[i], f_into))
            else:
                layers.append((prev, W.T, self.Z[i], b, self.A[i], f_into))
            prev = self.A[i]
        return tuple(layers)

    def _build_output(self, net: Network) -> Callable[[bool], float]:
        """output(delta): the raw loss; with delta=True also leaves δ_out (unscaled) in Dl[-1]."""
        Y, Zo, Yh, Fo, Do = self.Y, self.Z[-1], self.A[-1], self.F[-1], self.Dl[-1]
        subtract, multiply = np.subtract, np.multiply
        e, y_flat, zo_flat, fo_flat = Do.reshape(-1), Y.reshape(-1), Zo.reshape(-1), Fo.reshape(-1)
        if self.loss == "mse":
            out = net.output_activation_fn
            dg_into = None if out.is_identity else out.df_into

            def mse(delta: bool) -> float:
                subtract(Yh, Y, Do)
                sse = float(e.dot(e))
                if delta and dg_into is not None:
                    dg_into(Zo, Yh, Fo)
                    multiply(Do, Fo, Do)
                return sse

            return mse
        if self.loss == "cross_entropy":  # Zo, Yh, Y are (k, L): one column per example
            L = Zo.shape[1]
            mx, s, ones_k = np.empty(L), np.empty(L), np.ones(Zo.shape[0])
            max_reduce, dot, exp, log, add, divide = (
                np.maximum.reduce,
                np.dot,
                np.exp,
                np.log,
                np.add,
                np.divide,
            )

            def cross_entropy(delta: bool) -> float:
                # log softmax(z) = z − (max + log Σ e^(z − max)), into Fo; softmax into Yh
                max_reduce(Zo, axis=0, out=mx)
                subtract(Zo, mx, Yh)
                exp(Yh, Yh)
                dot(ones_k, Yh, s)
                divide(Yh, s, Yh)
                log(s, s)
                add(s, mx, s)
                subtract(Zo, s, Fo)
                raw = float(y_flat.dot(fo_flat))  # Σ y·log softmax(z) = −L·E
                if delta:
                    subtract(Yh, Y, Do)
                return raw

            return cross_entropy
        absolute, negative, exp, log1p, maximum, add = (
            np.abs,
            np.negative,
            np.exp,
            np.log1p,
            np.maximum,
            np.add,
        )

        def binary_cross_entropy(delta: bool) -> float:
            # Σ softplus(z) − y·z, softplus(z) = max(z, 0) + log1p(e^(−|z|)), into Fo
            absolute(Zo, Fo)
            negative(Fo, Fo)
            exp(Fo, Fo)
            log1p(Fo, Fo)
            maximum(Zo, 0.0, out=Do)
            add(Fo, Do, Fo)
            raw = float(fo_flat.sum()) - float(y_flat.dot(zo_flat))
            if delta:  # ŷ = σ(z_out) is already in Yh (the forward pass)
                subtract(Yh, Y, Do)
            return raw

        return binary_cross_entropy

    def _build(
        self,
        net: Network,
        grad: np.ndarray,
        fwd: tuple[tuple[Any, ...], ...],
        forward: Callable[[], None],
        inv_lr2: float,
        per_layer: bool,
    ) -> Callable[[float], float]:
        act = net.hidden_activation
        df_into = None if act.is_identity else act.df_into
        D = net.n_layers
        views = net._layer_views(grad)
        slices = net.layer_slices
        ones = self.ones
        # top-down: G ← δᵀ·a_in, gb ← Σ δ (over the examples), δ_below ← (δ·W) ∘ f'(z_below)
        back = []
        for i in range(D - 1, -1, -1):
            G, gb = views[i]
            a_in = self.X if i == 0 else self.A[i - 1]
            Dl = self.Dl[i]
            if i == D - 1 and self.transposed:  # Dl is δᵀ (k, L)
                DT, D_rows, bias_sum = Dl, Dl.T, (Dl, ones)
            else:
                DT, D_rows, bias_sum = Dl.T, Dl, (ones, Dl)
            below = None
            if i > 0:
                j = i - 1
                below = (net.weights[i], self.Dl[j], self.Z[j], self.A[j], self.F[j])
            g = grad[slices[i]] if per_layer else None
            sums = None if gb is None else (*bias_sum, gb)
            back.append((i, DT, D_rows, a_in, G, sums, below, g))
        back_t = tuple(back)
        Do, sq, output = self.Dl[-1], self.sq, self._output
        whole = None if per_layer else grad
        dot, multiply = np.dot, np.multiply
        if D == 2:
            return self._build_one_hidden(fwd, back_t, df_into, inv_lr2, grad)

        def run(c: float) -> float:
            forward()
            raw = output(True)
            multiply(Do, c, Do)
            for i, DT, D_rows, a_in, G, sums, below, g in back_t:
                dot(DT, a_in, G)
                if sums is not None:
                    dot(*sums)
                if below is not None:
                    W, Db, Zb, Ab, Fb = below
                    dot(D_rows, W, Db)
                    if df_into is not None:
                        df_into(Zb, Ab, Fb)
                        multiply(Db, Fb, Db)
                if g is not None:
                    sq[i] = g.dot(g) * inv_lr2
            if whole is not None:
                sq[0] = whole.dot(whole) * inv_lr2
            return raw

        return run

    def _build_one_hidden(
        self,
        fwd: tuple[tuple[Any, ...], ...],
        back: tuple[tuple[Any, ...], ...],
        df_into: Callable[[np.ndarray, np.ndarray, np.ndarray], None] | None,
        inv_lr2: float,
        grad: np.ndarray,
    ) -> Callable[[float], float]:
        """``run`` for the notes' network (one hidden layer), written out without the loops over
        layers: the same calls as the general loop, ~5% less Python per epoch at small sizes
        (measured at 2-8-1, L = 200), which is what keeps the notes' sizes as fast as before."""
        (l1, r1, Z1, b1, A1, f1), (l2, r2, Z2, b2, A2, f2) = fwd
        (_, DT2, D2, a2, G2, sums2, below, g2), (_, DT1, _, a1, G1, sums1, _, g1) = back
        W2, D1, Zh, Ah, Fh = below
        Do, sq, output = self.Dl[-1], self.sq, self._output
        dot, add, subtract, multiply = np.dot, np.add, np.subtract, np.multiply
        per_layer = g1 is not None
        # squared error inline (the notes' loss): a call less per epoch
        mse = self.loss == "mse"
        Y, Yh, Fo, e = self.Y, self.A[-1], self.F[-1], Do.reshape(-1)
        out_fn = self._out_fn
        dg_into = None if out_fn.is_identity else out_fn.df_into

        def run(c: float) -> float:
            dot(l1, r1, Z1)
            if b1 is not None:
                add(Z1, b1, Z1)
            if f1 is not None:
                f1(Z1, A1)
            dot(l2, r2, Z2)
            if b2 is not None:
                add(Z2, b2, Z2)
            if f2 is not None:
                f2(Z2, A2)
            if mse:
                subtract(Yh, Y, Do)
                raw = float(e.dot(e))
                if dg_into is not None:
                    dg_into(Z2, Yh, Fo)
                    multiply(Do, Fo, Do)
            else:
                raw = output(True)
            multiply(Do, c, Do)
            dot(DT2, a2, G2)
            if sums2 is not None:
                dot(*sums2)
            dot(D2, W2, D1)
            if df_into is not None:
                df_into(Zh, Ah, Fh)
                multiply(D1, Fh, D1)
            dot(DT1, a1, G1)
            if sums1 is not None:
                dot(*sums1)
            if per_layer:
                sq[0] = g1.dot(g1) * inv_lr2
                sq[1] = g2.dot(g2) * inv_lr2
            else:
                sq[0] = grad.dot(grad) * inv_lr2
            return raw

        return run
