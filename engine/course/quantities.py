"""The registry of engine computations a lesson file may name.

A lesson never states an expected number: it names a computation here (`partial(h, 'y', [x0,
y0])`, `grad_W1(net, X, y)`) and the engine computes it from the learner's parameters. Each
quantity is a small documented function registered with `@quantity`; derivative-like ones also
carry a `numeric` twin (finite differences) that `bptutor lessons check` compares them with.

To add one, append a function at the END of this module (see lessons/README.md).
`describe_all()` lists them.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from bptutor.engine.answers.parser import canonical_name
from bptutor.engine.course.model import MAX_ENTRIES
from bptutor.engine.nn.activations import get_activation
from bptutor.engine.nn.gradcheck import numerical_gradients
from bptutor.engine.nn.network import Network

__all__ = [
    "QUANTITIES",
    "Function",
    "Quantity",
    "Value",
    "as_array",
    "as_point",
    "quantity",
]

Value = Any  # a float, an ndarray, a Function, a str or a Network


@dataclass(frozen=True)
class Function:
    """An expression parameter: one (or several, for a vector function) Expr of `variables`."""

    exprs: tuple[Any, ...]
    variables: tuple[str, ...]
    vector: bool = False

    @property
    def expr(self) -> Any:
        if self.vector:
            raise ValueError("this is a vector function; pick one component")
        return self.exprs[0]

    def to_plain(self) -> str:
        return ", ".join(e.to_plain() for e in self.exprs)

    def to_unicode(self) -> str:
        text = ", ".join(e.to_unicode() for e in self.exprs)
        return f"({text})" if self.vector else text

    def env(self, point: np.ndarray) -> dict[str, Any]:
        return {v: float(point[i]) for i, v in enumerate(self.variables)}


@dataclass(frozen=True)
class Quantity:
    name: str
    doc: str
    func: Callable[..., Any]
    numeric: Callable[..., Any] | None = None

    @property
    def signature(self) -> str:
        params = []
        for p in inspect.signature(self.func).parameters.values():
            if p.default is inspect.Parameter.empty:
                params.append(p.name)
            elif p.kind is inspect.Parameter.VAR_POSITIONAL:
                params.append(f"*{p.name}")
            else:
                params.append(f"{p.name}={p.default!r}")
        return f"{self.name}({', '.join(params)})"


QUANTITIES: dict[str, Quantity] = {}


def quantity(
    name: str, doc: str, *, numeric: Callable[..., Any] | None = None
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register `func` under `name`; `numeric` computes the same by finite differences."""

    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        if name in QUANTITIES:
            raise ValueError(f"quantity {name!r} is registered twice")
        QUANTITIES[name] = Quantity(name, doc, func, numeric)
        return func

    return register


# --- argument helpers ---------------------------------------------------------------------------


def as_array(value: Value, what: str = "argument") -> np.ndarray:
    """A float array, or a ValueError naming the argument."""
    if isinstance(value, bool | str | Function) or value is None:
        raise ValueError(f"{what} must be a number or an array, got {_describe(value)}")
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a number or an array, got {_describe(value)}") from None
    return arr


def as_scalar(value: Value, what: str = "argument") -> float:
    arr = as_array(value, what)
    if arr.size != 1:
        raise ValueError(f"{what} must be a single number, got shape {arr.shape}")
    return float(arr.reshape(()))


def as_function(value: Value, what: str = "f") -> Function:
    if not isinstance(value, Function):
        raise ValueError(f"{what} must be an expression parameter, got {_describe(value)}")
    return value


def as_point(f: Function, point: Value) -> np.ndarray:
    """The point as a flat vector with one coordinate per variable of f."""
    p = as_array(point, "point").reshape(-1)
    if p.size != len(f.variables):
        names = ", ".join(f.variables)
        raise ValueError(f"the point has {p.size} coordinates but the function has ({names})")
    return p


def _index(i: Value, n: int, what: str) -> int:
    k = as_scalar(i, what)
    if k != int(k) or not 1 <= k <= n:
        raise ValueError(f"{what} must be a whole number from 1 to {n} (indices are 1-based)")
    return int(k) - 1


def _describe(value: Value) -> str:
    if isinstance(value, Function):
        return "an expression"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    return type(value).__name__


def _eval(expr: Any, f: Function, p: np.ndarray) -> float:
    value = float(np.asarray(expr.evaluate(f.env(p)), dtype=float))
    if not np.isfinite(value):
        raise ValueError(f"{expr.to_unicode()} is not defined at {tuple(p.tolist())}")
    return value


def _var(f: Function, wrt: Value) -> str:
    if isinstance(wrt, str) and canonical_name(wrt) in f.variables:
        return canonical_name(wrt)  # 'ŷ' names the variable y_hat
    names = ", ".join(repr(v) for v in f.variables)
    raise ValueError(f"the variable must be one of {names} (quoted), got {_describe(wrt)}")


_H = 1e-5


def _central(f: Function, expr: Any, p: np.ndarray, i: int) -> float:
    h = _H * max(1.0, abs(p[i]))
    up, down = p.copy(), p.copy()
    up[i] += h
    down[i] -= h
    return (_eval(expr, f, up) - _eval(expr, f, down)) / (2 * h)


# --- calculus -----------------------------------------------------------------------------------


@quantity("evaluate", "evaluate(f, point): the value of the expression f at the point.")
def _evaluate(f: Value, point: Value) -> float:
    fn = as_function(f)
    return _eval(fn.expr, fn, as_point(fn, point))


def _numeric_partial(f: Value, wrt: Value, point: Value) -> float:
    fn = as_function(f)
    return _central(fn, fn.expr, as_point(fn, point), fn.variables.index(_var(fn, wrt)))


@quantity(
    "partial",
    "partial(f, 'y', point): ∂f/∂y at the point, from the symbolic derivative.",
    numeric=_numeric_partial,
)
def _partial(f: Value, wrt: Value, point: Value) -> float:
    fn = as_function(f)
    return _eval(fn.expr.diff(_var(fn, wrt)), fn, as_point(fn, point))


quantity("numeric_partial", "numeric_partial(f, 'y', point): ∂f/∂y by central differences.")(
    _numeric_partial
)


def _one_var(f: Value) -> Function:
    fn = as_function(f)
    if len(fn.variables) != 1:
        raise ValueError(f"f must have one variable, it has {len(fn.variables)}")
    return fn


def _numeric_derivative(f: Value, x0: Value) -> float:
    fn = _one_var(f)
    return _central(fn, fn.expr, as_point(fn, x0), 0)


@quantity(
    "derivative",
    "derivative(f, x0): f′(x0) for an expression of one variable.",
    numeric=_numeric_derivative,
)
def _derivative(f: Value, x0: Value) -> float:
    fn = _one_var(f)
    return _eval(fn.expr.diff(fn.variables[0]), fn, as_point(fn, x0))


def _numeric_gradient(f: Value, point: Value) -> np.ndarray:
    fn = as_function(f)
    p = as_point(fn, point)
    return np.array([_central(fn, fn.expr, p, i) for i in range(p.size)])


@quantity(
    "gradient",
    "gradient(f, point): ∇f at the point, one entry per variable in order.",
    numeric=_numeric_gradient,
)
def _gradient(f: Value, point: Value) -> np.ndarray:
    fn = as_function(f)
    p = as_point(fn, point)
    return np.array([_eval(fn.expr.diff(v), fn, p) for v in fn.variables])


def _numeric_jacobian(F: Value, point: Value) -> np.ndarray:
    fn = as_function(F, "F")
    p = as_point(fn, point)
    return np.array([[_central(fn, e, p, j) for j in range(p.size)] for e in fn.exprs])


@quantity(
    "jacobian",
    "jacobian(F, point): J[i, j] = ∂F_i/∂v_j (rows: components of F, columns: variables).",
    numeric=_numeric_jacobian,
)
def _jacobian(F: Value, point: Value) -> np.ndarray:
    fn = as_function(F, "F")
    p = as_point(fn, point)
    return np.array([[_eval(e.diff(v), fn, p) for v in fn.variables] for e in fn.exprs])


@quantity("linear_approx", "linear_approx(f, p0, p): f(p0) + ∇f(p0)ᵀ·(p − p0).")
def _linear_approx(f: Value, p0: Value, p: Value) -> float:
    fn = as_function(f)
    a, b = as_point(fn, p0), as_point(fn, p)
    return _eval(fn.expr, fn, a) + float(_gradient(fn, a) @ (b - a))


# --- arrays and arithmetic ----------------------------------------------------------------------


def _num(value: np.ndarray) -> Value:
    return float(value) if value.ndim == 0 else value


@quantity("add", "add(a, b): a + b (numpy broadcasting).")
def _add(a: Value, b: Value) -> Value:
    return _num(as_array(a, "a") + as_array(b, "b"))


@quantity("sub", "sub(a, b): a − b.")
def _sub(a: Value, b: Value) -> Value:
    return _num(as_array(a, "a") - as_array(b, "b"))


@quantity("mul", "mul(a, b): elementwise product a ∘ b.")
def _mul(a: Value, b: Value) -> Value:
    return _num(as_array(a, "a") * as_array(b, "b"))


@quantity("div", "div(a, b): elementwise a / b.")
def _div(a: Value, b: Value) -> Value:
    bb = as_array(b, "b")
    if np.any(bb == 0):
        raise ValueError("division by zero")
    return _num(as_array(a, "a") / bb)


@quantity("neg", "neg(a): −a (the sign slip).")
def _neg(a: Value) -> Value:
    return _num(-as_array(a, "a"))


@quantity("scale", "scale(a, c): c·a.")
def _scale(a: Value, c: Value) -> Value:
    return _num(as_scalar(c, "c") * as_array(a, "a"))


@quantity("matmul", "matmul(A, B): the matrix product A·B (vectors act as rows or columns).")
def _matmul(A: Value, B: Value) -> Value:
    a, b = as_array(A, "A"), as_array(B, "B")
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError("matmul needs arrays; use scale for a number times an array")
    if a.shape[-1] != b.shape[0]:
        raise ValueError(f"shapes {a.shape} and {b.shape} do not fit together")
    return _num(a @ b)


@quantity("dot", "dot(u, v): Σ u_i v_i.")
def _dot(u: Value, v: Value) -> float:
    a, b = as_array(u, "u").reshape(-1), as_array(v, "v").reshape(-1)
    if a.size != b.size:
        raise ValueError(f"u has {a.size} entries and v has {b.size}")
    return float(a @ b)


@quantity("outer", "outer(u, v): the matrix u·vᵀ.")
def _outer(u: Value, v: Value) -> np.ndarray:
    return np.outer(as_array(u, "u").reshape(-1), as_array(v, "v").reshape(-1))


@quantity("transpose", "transpose(A): Aᵀ (a vector becomes a 1-row matrix's transpose: a column).")
def _transpose(A: Value) -> np.ndarray:
    a = as_array(A, "A")
    if a.ndim == 1:
        return a.reshape(-1, 1)
    if a.ndim != 2:
        raise ValueError(f"A must be a matrix, got shape {a.shape}")
    return a.T.copy()


@quantity("flatten", "flatten(A): the entries of A as a vector, row by row.")
def _flatten(A: Value) -> np.ndarray:
    return as_array(A, "A").reshape(-1).copy()


def _matrix(A: Value) -> np.ndarray:
    a = as_array(A, "A")
    if a.ndim != 2:
        raise ValueError(f"A must be a matrix, got shape {a.shape}")
    return a


@quantity("row", "row(A, i): row i of A as a vector (1-based).")
def _row(A: Value, i: Value) -> np.ndarray:
    a = _matrix(A)
    return a[_index(i, a.shape[0], "i")].copy()


@quantity("col", "col(A, j): column j of A as a vector (1-based).")
def _col(A: Value, j: Value) -> np.ndarray:
    a = _matrix(A)
    return a[:, _index(j, a.shape[1], "j")].copy()


@quantity("entry", "entry(A, i, j) or entry(v, i): one entry, 1-based like the maths.")
def _entry(A: Value, *index: Value) -> float:
    a = as_array(A, "A")
    if len(index) != a.ndim:
        raise ValueError(f"A has {a.ndim} dimension(s) (shape {a.shape}), give {a.ndim} index(es)")
    pairs = enumerate(zip(index, a.shape, strict=True))
    idx = tuple(_index(i, n, f"index {k + 1}") for k, (i, n) in pairs)
    return float(a[idx])


@quantity("vector", "vector(a, b, ...): the vector with these entries.")
def _vector(*items: Value) -> np.ndarray:
    return np.array([as_scalar(x, "entry") for x in items])


@quantity("sum", "sum(a): the sum of all entries.")
def _sum(a: Value) -> float:
    return float(np.sum(as_array(a, "a")))


@quantity("norm", "norm(v): the Euclidean length √(Σ v_i²).")
def _norm(v: Value) -> float:
    return float(np.linalg.norm(as_array(v, "v").reshape(-1)))


# --- the notes' network -------------------------------------------------------------------------


def _net(net: Value) -> Network:
    if not isinstance(net, Network):
        raise ValueError(f"net must be a network(W1, W2, ...), got {_describe(net)}")
    return net


def _batch(x: Value) -> tuple[np.ndarray, bool]:
    X = as_array(x, "X")
    if X.ndim == 1:
        return X.reshape(1, -1), True
    if X.ndim != 2:
        raise ValueError(f"X must be one example (n,) or a batch (L, n), got shape {X.shape}")
    return X, False


def _targets(y: Value, L: int) -> np.ndarray:
    t = as_array(y, "y").reshape(-1)
    if t.size != L:
        raise ValueError(f"y has {t.size} targets for {L} example(s)")
    return t


def _per_example(arr: np.ndarray, single: bool) -> Value:
    out = arr[0] if single else arr
    if out.ndim >= 1 and out.shape[-1] == 1:  # one output unit: drop the k axis
        out = out[..., 0]
    return _num(np.asarray(out, dtype=float).copy())


@quantity(
    "network",
    "network(W1, W2, 'sigmoid'): the notes' network without biases (W1 m×n, W2 1×m).",
)
def _network(W1: Value, W2: Value, activation: Value = "sigmoid") -> Any:
    w2 = as_array(W2, "W2")
    if w2.ndim == 1:
        w2 = w2.reshape(1, -1)
    if not isinstance(activation, str):
        raise ValueError("the activation must be a quoted name such as 'sigmoid'")
    return Network.from_weights(as_array(W1, "W1"), w2, activation=activation)


@quantity("forward_z", "forward_z(net, x): z = W1·x, (m,) for one example, (L, m) for a batch.")
def _forward_z(net: Value, x: Value) -> Value:
    n = _net(net)
    X, single = _batch(x)
    return _num(np.asarray(n.forward(X).z[0] if single else n.forward(X).z, dtype=float))


@quantity("forward_a", "forward_a(net, x): a = f(z), the hidden activations.")
def _forward_a(net: Value, x: Value) -> Value:
    n = _net(net)
    X, single = _batch(x)
    out = n.forward(X).a
    return _num(np.asarray(out[0] if single else out, dtype=float))


@quantity("fprime", "fprime(net, x): f′(z), the activation's slope at each hidden unit.")
def _fprime(net: Value, x: Value) -> Value:
    n = _net(net)
    X, single = _batch(x)
    out = n.forward(X).fprime
    return _num(np.asarray(out[0] if single else out, dtype=float))


@quantity("y_hat", "y_hat(net, x): ŷ = W2·a, a number for one example, (L,) for a batch.")
def _y_hat(net: Value, x: Value) -> Value:
    n = _net(net)
    X, single = _batch(x)
    return _per_example(np.asarray(n.forward(X).y_hat, dtype=float), single)


@quantity("cost", "cost(net, X, y): E = 1/(2L) Σ_l (y − ŷ)², eq. (15).")
def _cost(net: Value, X: Value, y: Value) -> float:
    n = _net(net)
    XX, _ = _batch(X)
    return float(n.cost(XX, _targets(y, XX.shape[0])))


def _numgrads(net: Value, X: Value, y: Value) -> Any:
    n = _net(net)
    XX, _ = _batch(X)
    return numerical_gradients(n.copy(), XX, _targets(y, XX.shape[0]))


def _numgrad_W1(net: Value, X: Value, y: Value) -> np.ndarray:
    return np.asarray(_numgrads(net, X, y).W1, dtype=float)


def _numgrad_W2(net: Value, X: Value, y: Value) -> np.ndarray:
    return np.asarray(_numgrads(net, X, y).W2, dtype=float)


def _grads(net: Value, X: Value, y: Value) -> Any:
    n = _net(net)
    XX, _ = _batch(X)
    return n.gradients(XX, _targets(y, XX.shape[0]))


@quantity(
    "grad_W1",
    "grad_W1(net, X, y): the true ∂E/∂W1, an m×n matrix.",
    numeric=_numgrad_W1,
)
def _grad_W1(net: Value, X: Value, y: Value) -> np.ndarray:
    return np.asarray(_grads(net, X, y).W1, dtype=float)


@quantity(
    "grad_W2",
    "grad_W2(net, X, y): the true ∂E/∂W2, a 1×m matrix (the notes' (20) is its negative).",
    numeric=_numgrad_W2,
)
def _grad_W2(net: Value, X: Value, y: Value) -> np.ndarray:
    return np.asarray(_grads(net, X, y).W2, dtype=float)


quantity("numgrad_W1", "numgrad_W1(net, X, y): ∂E/∂W1 by central differences.")(_numgrad_W1)
quantity("numgrad_W2", "numgrad_W2(net, X, y): ∂E/∂W2 by central differences.")(_numgrad_W2)


@quantity("delta_out", "delta_out(net, X, y): the output error ŷ − y, per example.")
def _delta_out(net: Value, X: Value, y: Value) -> Value:
    n = _net(net)
    XX, single = _batch(X)
    return _per_example(np.asarray(n.backward(XX, _targets(y, XX.shape[0])).delta_out), single)


@quantity(
    "delta_hidden",
    "delta_hidden(net, X, y): the hidden error (W2ᵀ ∘ f′(z))·(ŷ − y), per example.",
)
def _delta_hidden(net: Value, X: Value, y: Value) -> Value:
    n = _net(net)
    XX, single = _batch(X)
    out = np.asarray(n.backward(XX, _targets(y, XX.shape[0])).delta_hidden, dtype=float)
    return _num(out[0] if single else out)


@quantity("gd_step_W1", "gd_step_W1(net, X, y, lr): W1 − lr·∂E/∂W1 after one step.")
def _gd_step_W1(net: Value, X: Value, y: Value, lr: Value) -> np.ndarray:
    return np.asarray(_net(net).W1, dtype=float) - as_scalar(lr, "lr") * _grad_W1(net, X, y)


@quantity("gd_step_W2", "gd_step_W2(net, X, y, lr): W2 − lr·∂E/∂W2 after one step.")
def _gd_step_W2(net: Value, X: Value, y: Value, lr: Value) -> np.ndarray:
    return np.asarray(_net(net).W2, dtype=float) - as_scalar(lr, "lr") * _grad_W2(net, X, y)


def _act(name: Value) -> Any:
    if not isinstance(name, str):
        raise ValueError("the activation must be a quoted name such as 'sigmoid'")
    return get_activation(name)


@quantity("activation", "activation('sigmoid', z): f(z), elementwise.")
def _activation(name: Value, z: Value) -> Value:
    return _num(np.asarray(_act(name).f(as_array(z, "z")), dtype=float))


@quantity("activation_prime", "activation_prime('sigmoid', z): f′(z), elementwise.")
def _activation_prime(name: Value, z: Value) -> Value:
    return _num(np.asarray(_act(name).df(as_array(z, "z")), dtype=float))


def describe_all() -> str:
    """The registry as text, one line per quantity (for authors and error messages)."""
    lines = []
    for q in QUANTITIES.values():
        mark = "  [checked against finite differences]" if q.numeric else ""
        lines.append(f"{q.doc}{mark}")
    return "\n".join(lines)


# --- quantities added by course authors go below this line --------------------------------------


# (C1: lessons 04-07) Kronecker deltas and small helpers for drawing non-symmetric matrices.


def _whole(value: Value, what: str) -> int:
    k = as_scalar(value, what)
    if k != int(k):
        raise ValueError(f"{what} must be a whole number, got {k}")
    return int(k)


@quantity("kronecker", "kronecker(k, j): the Kronecker delta δ_kj, 1 when k = j and 0 otherwise.")
def _kronecker(k: Value, j: Value) -> float:
    return 1.0 if _whole(k, "k") == _whole(j, "j") else 0.0


@quantity("identity", "identity(n): the n×n identity matrix, whose entries are δ_kj.")
def _identity(n: Value) -> np.ndarray:
    size = _whole(n, "n")
    if size < 1:
        raise ValueError(f"n must be at least 1, got {size}")
    if size * size > MAX_ENTRIES:  # refused before numpy allocates n² numbers
        raise ValueError(
            f"n = {size} is too large: an n×n matrix may have at most {MAX_ENTRIES} entries"
        )
    return np.eye(size)


@quantity(
    "with_entry",
    "with_entry(A, i, j, v): a copy of A with entry (i, j) set to v (1-based), e.g. to make "
    "sure a drawn matrix is not symmetric.",
)
def _with_entry(A: Value, i: Value, j: Value, v: Value) -> np.ndarray:
    a = _matrix(A).copy()
    a[_index(i, a.shape[0], "i"), _index(j, a.shape[1], "j")] = as_scalar(v, "v")
    return a


@quantity("mod", "mod(a, n): the remainder of a divided by n (0 ≤ result < n for n > 0).")
def _mod(a: Value, n: Value) -> Value:
    nn = as_array(n, "n")
    if np.any(nn == 0):
        raise ValueError("n must not be 0")
    return _num(np.mod(as_array(a, "a"), nn))


# (C2: lessons 08-12) Finite differences with a stated h, relative error, nudging one weight.


@quantity("abs", "abs(a): |a|, elementwise.")
def _abs(a: Value) -> Value:
    return _num(np.abs(as_array(a, "a")))


def _step(h: Value) -> float:
    hh = as_scalar(h, "h")
    if not hh > 0:
        raise ValueError(f"h must be a positive step size, got {hh}")
    return hh


@quantity(
    "central_diff",
    "central_diff(f, x0, h): (f(x0 + h) − f(x0 − h)) / (2h) for f of one variable, with the "
    "learner's own h (so a by-hand estimate matches).",
)
def _central_diff(f: Value, x0: Value, h: Value) -> float:
    fn = _one_var(f)
    x, hh = as_scalar(x0, "x0"), _step(h)
    return (_eval(fn.expr, fn, np.array([x + hh])) - _eval(fn.expr, fn, np.array([x - hh]))) / (
        2 * hh
    )


@quantity("forward_diff", "forward_diff(f, x0, h): the one-sided (f(x0 + h) − f(x0)) / h.")
def _forward_diff(f: Value, x0: Value, h: Value) -> float:
    fn = _one_var(f)
    x, hh = as_scalar(x0, "x0"), _step(h)
    return (_eval(fn.expr, fn, np.array([x + hh])) - _eval(fn.expr, fn, np.array([x]))) / hh


@quantity(
    "relative_error",
    "relative_error(a, b): |a − b| / (|a| + |b|), the largest over entries (0 when both are 0).",
)
def _relative_error(a: Value, b: Value) -> float:
    x, z = as_array(a, "a"), as_array(b, "b")
    if x.shape != z.shape:
        raise ValueError(f"a and b must have the same shape, got {x.shape} and {z.shape}")
    if x.size == 0:
        return 0.0
    denom = np.abs(x) + np.abs(z)
    ratio = np.divide(np.abs(x - z), denom, out=np.zeros_like(denom), where=denom > 0)
    return float(np.max(ratio))


@quantity(
    "perturb",
    "perturb(A, i, j, h): a copy of the matrix A with h added to entry (i, j), 1-based (for "
    "finite differences on one weight).",
)
def _perturb(A: Value, i: Value, j: Value, h: Value) -> np.ndarray:
    a = _matrix(A).copy()
    a[_index(i, a.shape[0], "i"), _index(j, a.shape[1], "j")] += as_scalar(h, "h")
    return a


# (lesson text pass) Picking an entry by size, e.g. the weight whose finite-difference estimate
# is furthest from the true derivative, so that the estimate can never pass for it.


@quantity(
    "argmax",
    "argmax(a): where a's largest entry is, 1-based: a number for a vector, a vector (i, j) for "
    "a matrix (the first such entry, row by row, on a tie).",
)
def _argmax(a: Value) -> Value:
    arr = as_array(a, "a")
    if arr.ndim not in (1, 2) or arr.size == 0:
        raise ValueError(f"a must be a vector or a matrix, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError("a must have finite entries")
    flat = int(np.argmax(arr))  # numpy: the first maximum in row-major order
    if arr.ndim == 1:
        return float(flat + 1)
    i, j = np.unravel_index(flat, arr.shape)
    return np.array([i + 1, j + 1], dtype=float)
