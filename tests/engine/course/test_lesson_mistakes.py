"""Built-in lessons: the obvious wrong answer next to the right one is never accepted, and the
learner is told kindly what it is (QA pass, seed 11)."""

from __future__ import annotations

from bptutor.engine.course import quantities
from bptutor.engine.course.exercise import draw
from bptutor.engine.course.loader import load_course
from bptutor.engine.course.templates import plain_number

SEEDS = range(60)


def _instances(lesson_id: str, step_id: str):
    lesson = load_course().lesson(lesson_id)
    step = lesson.step(step_id)
    for seed in SEEDS:
        yield seed, draw(lesson, step, seed)


def test_the_exact_derivative_is_not_the_central_difference() -> None:
    for seed, inst in _instances("gradient-check", "central"):
        v = inst.check(plain_number(float(inst.params["exact"])))
        assert not v.correct and v.mistake == "exact value", (seed, v)
        assert "central-difference estimate" in v.message
        assert inst.check(inst.solution).correct
        assert inst.check(plain_number(float(inst.params["fd"]))).correct


def test_the_exact_value_is_not_the_tangent_plane_estimate() -> None:
    evaluate = quantities.QUANTITIES["evaluate"].func
    for seed, inst in _instances("partials", "plane-value"):
        p = inst.params
        exact = float(evaluate(p["g"], [p["x1"], p["dy"]]))
        v = inst.check(plain_number(exact))
        assert not v.correct and v.mistake == "exact value", (seed, v)
        assert "tangent plane" in v.message
        assert inst.check(inst.solution).correct


def test_the_swapped_index_in_a_hidden_weight_is_named() -> None:
    """∂E/∂W1ⱼᵢ for ∂E/∂W1ᵢⱼ: an off-diagonal entry always, never mistaken for a sign slip."""
    grad_w1 = quantities.QUANTITIES["grad_W1"].func
    for seed, inst in _instances("grad-w1", "entry-one"):
        p = inst.params
        i, j = int(p["i"]), int(p["j"])
        assert i != j
        swapped = float(grad_w1(p["net"], p["x1"], p["y1"])[j - 1, i - 1])
        v = inst.check(plain_number(swapped))
        assert not v.correct and v.mistake == "swapped index", (seed, v)
        assert f"entry ({j},{i})" in v.message
        assert inst.check(plain_number(-float(inst.expected))).mistake == "sign", seed


def test_vectors_read_by_index_have_distinct_entries() -> None:
    """A wrong index must give a wrong number: entries of different sizes, none zero."""
    import numpy as np

    for step_id, name, size in [("collapse-vector", "c", 4), ("dz-dw", "x", 3)]:
        for seed, inst in _instances("kronecker", step_id):
            v = np.asarray(inst.params[name], dtype=float)
            assert v.shape == (size,) and np.all(v != 0), (step_id, seed, v)
            assert len(set(np.abs(v).tolist())) == size, (step_id, seed, v)
            assert np.all(v == np.round(v)), (step_id, seed, v)
