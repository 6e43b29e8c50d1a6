"""The computation language lesson files use (calls, and in format 2 infix maths and
constraints), and the network quantities."""

from __future__ import annotations

import re

import numpy as np
import pytest
from bptutor.engine.course.calls import (
    CallError,
    CallNode,
    NameNode,
    evaluate_call,
    holds,
    names_used,
    parse_call,
    uses_infix,
)
from bptutor.engine.course.quantities import QUANTITIES


def run(text: str, env: dict) -> object:
    return evaluate_call(parse_call(text), env, QUANTITIES)


def test_parse_nested_call_with_list_string_and_keyword() -> None:
    node = parse_call("partial(h, 'y', [x0, -1.5], at=foo(z))")
    assert isinstance(node, CallNode) and node.name == "partial"
    assert names_used(node) == {"h", "x0", "z"}


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("3.5", "not a literal value"),
        ("'x'", "not a literal value"),
        ("[1, -2.5]", "not a literal value"),
        ("partial(x", "expected ')' at column 10"),
        ("f(x) g", "unexpected 'g'"),
        ("f(a=1, 2)", "positional argument after a keyword"),
        ("f(#)", "cannot read '#)'"),
    ],
)
def test_bad_computations_are_rejected_with_a_reason(text: str, fragment: str) -> None:
    with pytest.raises(CallError, match=None) as info:
        parse_call(text)
    assert fragment in str(info.value)


def test_a_parameter_name_alone_is_a_computation() -> None:
    assert parse_call("W1") == NameNode("W1")


def test_unknown_names_and_computations_are_named() -> None:
    with pytest.raises(CallError, match="'b', which is not a parameter"):
        run("neg(b)", {"a": 1.0})
    with pytest.raises(CallError, match="unknown computation 'frob'"):
        run("frob(a)", {"a": 1.0})
    with pytest.raises(
        CallError, match=r"entry\(\.\.\.\): index 1 must be a whole number from 1 to 2"
    ):
        run("entry(A, 3, 1)", {"A": np.eye(2)})


def test_array_quantities_use_one_based_indices() -> None:
    A = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    env = {"A": A, "v": np.array([1.0, -1.0])}
    assert run("entry(A, 1, 3)", env) == 3.0
    assert run("entry(v, 2)", env) == -1.0
    np.testing.assert_array_equal(run("row(A, 2)", env), [4.0, 5.0, 6.0])
    np.testing.assert_array_equal(run("col(A, 1)", env), [1.0, 4.0])
    np.testing.assert_array_equal(run("matmul(v, A)", env), [-3.0, -3.0, -3.0])
    np.testing.assert_array_equal(run("transpose(A)", env), A.T)


def _net_env() -> dict:
    rng = np.random.default_rng(3)
    env = {
        "W1": rng.normal(size=(3, 2)),
        "W2": rng.normal(size=(1, 3)),
        "X": rng.normal(size=(4, 2)),
        "y": rng.normal(size=4),
    }
    env["net"] = run("network(W1, W2, 'tanh')", env)
    return env


def test_network_gradients_agree_with_their_numeric_twins() -> None:
    env = _net_env()
    for name in ("grad_W1", "grad_W2"):
        q = QUANTITIES[name]
        assert q.numeric is not None
        exact = run(f"{name}(net, X, y)", env)
        numeric = q.numeric(env["net"], env["X"], env["y"])
        np.testing.assert_allclose(exact, numeric, rtol=1e-5, atol=1e-8)


def test_forward_by_hand_for_one_example() -> None:
    env = _net_env()
    x = env["X"][0]
    z = env["W1"] @ x
    y_hat = float((env["W2"] @ np.tanh(z))[0])
    np.testing.assert_allclose(run("forward_z(net, row(X, 1))", env), z)
    assert run("y_hat(net, row(X, 1))", env) == pytest.approx(y_hat)
    # the cost of eq. (15) for one example is ½(y − ŷ)²
    cost = run("cost(net, row(X, 1), entry(y, 1))", env)
    assert cost == pytest.approx(0.5 * (env["y"][0] - y_hat) ** 2)


def test_gradient_descent_step_lowers_the_cost() -> None:
    env = _net_env()
    env["W1n"] = run("gd_step_W1(net, X, y, 0.01)", env)
    env["W2n"] = run("gd_step_W2(net, X, y, 0.01)", env)
    env["net2"] = run("network(W1n, W2n, 'tanh')", env)
    assert run("cost(net2, X, y)", env) < run("cost(net, X, y)", env)


# --- format 2: infix maths and constraints --------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2*a + 1", 7.0),  # a = 3
        ("-a^2", -9.0),  # unary minus below ^, as in the answer language
        ("2^a^2", 512.0),  # ^ is right-associative
        ("(a - 1)/4", 0.5),
        ("a**2 - a", 6.0),
        ("abs(a - 5) + norm(v)", 7.0),  # v = [3, 4]
    ],
)
def test_infix_maths_with_quantities(text: str, expected: float) -> None:
    assert run(text, {"a": 3.0, "v": np.array([3.0, 4.0])}) == pytest.approx(expected)


def test_lists_of_expressions_and_rows() -> None:
    env = {"s": 2.0, "a": 0.5, "b": -1.0}
    assert run("[s*a, -s*(b + 0.1)]", env).tolist() == pytest.approx([1.0, 1.8])
    assert run("[s, a; b, s*s]", env).tolist() == [[2.0, 0.5], [-1.0, 4.0]]
    assert run("[[s, a], [b, s*s]]", env).tolist() == [[2.0, 0.5], [-1.0, 4.0]]


def test_arithmetic_is_elementwise_and_shapes_must_fit() -> None:
    env = {"A": np.array([[1.0, 2.0], [3.0, 4.0]]), "u": np.array([1.0, 2.0, 3.0])}
    assert run("A*A", env).tolist() == [[1.0, 4.0], [9.0, 16.0]]
    assert run("matmul(A, A)", env).tolist() == [[7.0, 10.0], [15.0, 22.0]]
    with pytest.raises(CallError, match="the shapes do not fit"):
        run("A + u", env)
    with pytest.raises(CallError, match="needs numbers"):
        run("'sigmoid' + A", env)


@pytest.mark.parametrize(
    ("text", "env", "result"),
    [
        ("abs(rho - 1) >= 0.03", {"rho": 1.02}, False),
        ("abs(rho - 1) >= 0.03", {"rho": 1.5}, True),
        ("z1 != z2", {"z1": np.array([1.0, 2.0]), "z2": np.array([1.0, 3.0])}, True),
        ("z1 != z2", {"z1": np.array([1.0, 2.0]), "z2": np.array([1.0, 2.0])}, False),
        ("z1 == z2", {"z1": np.array([1.0, 2.0]), "z2": np.array([1.0, 3.0])}, False),
        ("W < 1", {"W": np.array([0.5, 0.9])}, True),
    ],
)
def test_constraints(text: str, env: dict, result: bool) -> None:
    assert holds(parse_call(text, constraint=True), env, QUANTITIES) is result


@pytest.mark.parametrize(
    ("text", "constraint", "fragment"),
    [
        ("a + 1", True, "must be a comparison"),
        ("a > 1", False, "only a `require` constraint may do"),
        ("a < b < c", True, "cannot be chained"),
        ("2*3", False, "not a literal value"),
        ("(a + 1", False, "expected ')'"),
    ],
)
def test_bad_format_2_computations(text: str, constraint: bool, fragment: str) -> None:
    with pytest.raises(CallError, match=re.escape(fragment)):
        parse_call(text, constraint=constraint)


def test_format_1_computations_need_no_infix() -> None:
    assert not uses_infix(parse_call("entry(grad_W1(net, X, y), 1, -2)"))
    assert uses_infix(parse_call("-x")) and uses_infix(parse_call("sub(a, 2*b)"))
