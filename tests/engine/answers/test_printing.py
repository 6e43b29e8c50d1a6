"""Printing: parentheses come from the binding-power table, so what is printed reads back as
the same tree (plain ASCII exactly, Unicode too for whole numbers); superscripts and the forms a
person writes (2x, σ(z), √x)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from bptutor.engine.answers.expr import (
    BINDING_POWER,
    CONSTANTS,
    BinOp,
    Call,
    Const,
    Expr,
    Neg,
    Num,
    Var,
)
from bptutor.engine.answers.parser import parse, parse_array
from hypothesis import given, settings
from hypothesis import strategies as st


def test_printing(xyz):
    e = parse("x e^y", ["x", "y"])
    assert e.to_unicode() == "x·eʸ"
    assert parse("x*exp(y)", ["x", "y"]).to_unicode() == "x·exp(y)"
    assert parse("x^2 + sigma(z)", xyz).to_unicode() == "x² + σ(z)"
    assert parse("x*exp(y)", ["x", "y"]).to_plain() == "x*exp(y)"


@pytest.mark.parametrize(
    ("tree", "plain", "shown"),
    [
        (BinOp("*", BinOp("+", Var("a"), Var("b")), Var("c")), "(a + b)*c", "(a + b)·c"),
        (BinOp("-", Var("a"), BinOp("+", Var("b"), Var("c"))), "a - (b + c)", "a − (b + c)"),
        (BinOp("-", BinOp("-", Var("a"), Var("b")), Var("c")), "a - b - c", "a − b − c"),
        (BinOp("/", Var("a"), BinOp("*", Var("b"), Var("c"))), "a/(b*c)", "a/(b·c)"),
        (BinOp("^", BinOp("^", Var("a"), Var("b")), Var("c")), "(a^b)^c", "(aᵇ)ᶜ"),
        (BinOp("^", Var("a"), BinOp("^", Var("b"), Var("c"))), "a^b^c", "a^(bᶜ)"),
        (BinOp("^", Neg(Var("x")), Num(2)), "(-x)^2", "(−x)²"),
        (Neg(BinOp("^", Var("x"), Num(2))), "-x^2", "−x²"),
        (BinOp("*", Neg(Var("x")), Var("y")), "-x*y", "−x·y"),
        (Neg(BinOp("*", Var("x"), Var("y"))), "-(x*y)", "−(x·y)"),
        # for the eye only (the parser would not need them): -(-x), x^(-y), x*(-y)
        (BinOp("*", Var("x"), Neg(Var("y"))), "x*(-y)", "x·(−y)"),
        (Neg(Neg(Var("x"))), "-(-x)", "−(−x)"),
        (Neg(Num(-2.0)), "-(-2)", "−(−2)"),
        (BinOp("^", Var("x"), Neg(Var("y"))), "x^(-y)", "x⁻ʸ"),
        (BinOp("^", Const("e"), BinOp("*", Num(2), Var("y"))), "e^(2*y)", "e^(2y)"),
        (BinOp("*", Num(2), Call("exp", Var("y"))), "2*exp(y)", "2exp(y)"),
        (Call("sqrt", Var("x")), "sqrt(x)", "√x"),
        (Call("sqrt", BinOp("+", Var("x"), Num(1))), "sqrt(x + 1)", "√(x + 1)"),
        # absolute values print as bars; a coefficient before bars keeps its dot (2|x| inside
        # bars would close them)
        (Call("abs", BinOp("-", Var("x"), Var("y"))), "abs(x - y)", "|x − y|"),
        (BinOp("*", Num(2), Call("abs", Var("x"))), "2*abs(x)", "2·|x|"),
        (
            Call("abs", BinOp("*", Num(2), Call("abs", Var("x")))),
            "abs(2*abs(x))",
            "|2·|x||",
        ),
        (Call("abs", BinOp("-", Call("abs", Var("x")), Num(1))), "abs(abs(x) - 1)", "||x| − 1|"),
        (BinOp("^", Call("abs", Var("x")), Num(2)), "abs(x)^2", "|x|²"),
        (Call("arctan", Var("x")), "arctan(x)", "arctan(x)"),
        # one style for signed numbers (issue 10): a signed operand on the right is enclosed,
        # a negative number times a number too, a coefficient sits before a name
        (BinOp("*", Num(1), Neg(Num(3))), "1*(-3)", "1·(−3)"),
        (BinOp("*", Neg(Num(2)), Num(2)), "(-2)*2", "(−2)·2"),
        (BinOp("+", Var("a"), Neg(Num(2))), "a + (-2)", "a + (−2)"),
        (BinOp("-", Var("a"), Neg(Var("b"))), "a - (-b)", "a − (−b)"),
        (BinOp("/", Var("a"), Neg(Num(2))), "a/(-2)", "a/(−2)"),
        (BinOp("*", Neg(Num(3)), Var("y")), "-3*y", "−3y"),
        (BinOp("*", Num(3), Var("y")), "3*y", "3y"),
        (BinOp("*", Neg(Num(2)), BinOp("^", Var("x"), Num(2))), "-2*x^2", "−2·x²"),
    ],
)
def test_parentheses_where_the_table_needs_them(tree, plain, shown):
    assert tree.to_plain() == plain
    assert tree.to_unicode() == shown
    if not (isinstance(tree, Neg) and isinstance(tree.arg, Num)):  # "-2" reads as Neg(2)
        assert parse(plain) == tree
        assert parse(shown) == tree


# --- round trips --------------------------------------------------------------------------------

_leaf = st.one_of(
    st.sampled_from(["x", "y", "z", "e", "pi"]),
    st.floats(0, 9, allow_nan=False).map(lambda v: str(round(v, 3))),
)


def _combine(children):
    bin_ = st.tuples(children, st.sampled_from(["+", "-", "*", "/", "^"]), children).map(
        lambda t: f"({t[0]}){t[1]}({t[2]})" if t[1] == "^" else f"{t[0]} {t[1]} {t[2]}"
    )
    fn = st.tuples(
        st.sampled_from(["exp", "log", "sqrt", "tanh", "sin", "cos", "sigma", "abs", "sech"]),
        children,
    ).map(lambda t: f"{t[0]}({t[1]})")
    bars = children.map(lambda c: f"|{c}|")
    neg = children.map(lambda c: f"-({c})")
    return st.one_of(bin_, fn, neg, bars)


texts = st.recursive(_leaf, _combine, max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(text=texts)
def test_print_parse_round_trips(text, xyz, point):
    e = parse(text, xyz)
    assert parse(e.to_plain(), xyz) == e
    # the Unicode form reads back to the same values
    u = parse(e.to_unicode(), xyz)
    a, b = e.evaluate(point), u.evaluate(point)
    if np.isfinite(a):
        assert b == pytest.approx(a, rel=1e-9)


def _trees(numbers: st.SearchStrategy[float]) -> st.SearchStrategy[Expr]:
    """Trees built directly, not through the parser: every shape the table must print."""
    leaf = st.one_of(
        st.sampled_from([Var("x"), Var("y"), Var("n"), *(Const(c) for c in CONSTANTS)]),
        numbers.map(Num),
    )

    def combine(children: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
        return st.one_of(
            st.builds(BinOp, st.sampled_from(list(BINDING_POWER)), children, children),
            st.builds(Neg, children),
            st.builds(
                Call,
                st.sampled_from(["exp", "log", "sqrt", "sigma", "relu", "abs", "cosh", "arctan"]),
                children,
            ),
        )

    return st.recursive(leaf, combine, max_leaves=14)


@settings(max_examples=500, deadline=None)
@given(_trees(st.floats(0, 1e6, allow_nan=False)))
def test_any_tree_prints_as_plain_text_that_reads_back_as_itself(tree):
    assert parse(tree.to_plain()) == tree


@settings(max_examples=500, deadline=None)
@given(_trees(st.integers(0, 20).map(float)))
def test_unicode_reads_back_as_the_same_tree(tree):
    # whole numbers: Unicode shows 6 significant digits, so only they are exact
    assert parse(tree.to_unicode()) == tree


# --- superscripts -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "variables", "plain", "shown"),
    [
        ("eʸ", ["x", "y"], "e^y", "eʸ"),
        ("x·eʸ", ["x", "y"], "x*e^y", "x·eʸ"),
        ("e⁻ᶻ", ["z"], "e^(-z)", "e⁻ᶻ"),
        ("e⁻ᶻ+1", ["z"], "e^(-z) + 1", "e⁻ᶻ + 1"),
        ("xⁿ⁻¹", ["x", "n"], "x^(n - 1)", "xⁿ⁻¹"),
        ("x⁽ⁿ⁻¹⁾", ["x", "n"], "x^(n - 1)", "xⁿ⁻¹"),
        ("n xⁿ⁻¹", ["x", "n"], "n*x^(n - 1)", "n·xⁿ⁻¹"),
        ("2ˣ", ["x"], "2^x", "2ˣ"),
        ("x²y", ["x", "y"], "x^2*y", "x²·y"),
        ("x⁻¹", ["x"], "x^(-1)", "x⁻¹"),
        ("eˣ⁺ʸ", ["x", "y"], "e^(x + y)", "eˣ⁺ʸ"),
        ("e^(-z)", ["z"], "e^(-z)", "e⁻ᶻ"),
        ("e^(2y)", ["y"], "e^(2*y)", "e^(2y)"),
        ("e^pi", ["x"], "e^pi", "e^π"),
    ],
)
def test_superscript_exponents_read_as_powers(text, variables, plain, shown):
    e = parse(text, variables)
    assert e.to_plain() == plain
    assert e.to_unicode() == shown
    assert parse(shown, variables) == e  # what the app shows can be typed back


def test_array_printing():
    a = parse_array("[1 2; 3 -4]")
    assert a.to_plain() == "[1, 2; 3, -4]"
    assert a.to_unicode() == "[1, 2; 3, −4]"
    assert parse_array(a.to_plain()) == a
    v = parse_array("(x, 2x)", ["x"])
    assert v.to_unicode() == "[x, 2x]"
    assert parse_array(v.to_unicode(), ["x"]) == v


# --- one style, whatever the signs (issue 10) ---------------------------------------------------

_AWKWARD_SIGN = re.compile(r"[·/^+−]\s*−|[*/^+-]\s*-")


@settings(max_examples=500, deadline=None)
@given(_trees(st.integers(0, 20).map(float) | st.integers(-20, -1).map(float)))
def test_no_operator_is_followed_by_a_bare_sign(tree):
    """Never "1·−3", "+ −2", "− −x": a signed operand after an operator is in parentheses."""
    for text in (tree.to_unicode(), tree.to_plain()):
        assert not _AWKWARD_SIGN.search(text), text
    # the same value (a negative Num reads back as a sign before a number: another tree)
    env = {"x": 0.7, "y": -0.4, "n": 1.3}
    for text in (tree.to_unicode(), tree.to_plain()):
        a, b = tree.evaluate(env), parse(text).evaluate(env)
        assert (np.isnan(a) and np.isnan(b)) or b == pytest.approx(a, rel=1e-9), text


def test_numbers_print_as_typed():
    e = parse("(6.649514 - 6.633138)/0.02")
    assert e.to_unicode() == "(6.649514 − 6.633138)/0.02"
    assert parse("0.250 + .5").to_unicode() == "0.250 + .5"
    assert parse("2.5e-1 + 3E2").to_unicode() == "2.5·10⁻¹ + 3·10²"
    # numbers the engine computes have no typed form: 6 significant digits
    assert Num(6.649514123).to_unicode() == "6.64951"
    assert parse("6.649514") == Num(6.649514)  # the typed text is not part of equality


def test_products_of_signed_numbers_in_one_style():
    assert parse("2*1 + 1*-3 + -2*2").to_unicode() == "2·1 + 1·(−3) + (−2)·2"
    assert parse("-3y1 - 2y2", ["y1", "y2"]).to_unicode() == "−3y1 − 2y2"
    assert parse("-4*y1 + 4*y2", ["y1", "y2"]).to_unicode() == "−4y1 + 4y2"


def test_a_chosen_grouping_is_shown_in_parentheses():
    e = parse("x/2*x")
    assert e.to_unicode() == "x/2·x"
    assert e.to_unicode([parse("x/2")]) == "(x/2)·x"
    assert parse("e^2*x").to_unicode([parse("e^2")]) == "e²·x"  # raised: already one group
    assert parse("e^2.5*x").to_unicode([parse("e^2.5")]) == "(e^2.5)·x"
    assert parse("2*x^2.5*y").to_unicode([parse("x^2.5")]) == "2·(x^2.5)·y"
    shown = parse("x/2*x + 1").to_unicode([parse("x/2")])
    assert parse(shown) == parse("x/2*x + 1")  # what the preview shows reads back the same
