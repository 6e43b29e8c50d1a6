"""The `graph` exercise kind: forward and backward from the definition (checked by hand and by
central differences), the first wrong node named with what went wrong, and the format."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from bptutor.engine.answers.parser import parse
from bptutor.engine.course.exercise import draw
from bptutor.engine.course.graph import Graph, GraphNode
from bptutor.engine.course.lint import lint_course
from bptutor.engine.course.loader import builtin_course_dir, load_course

LESSON = """
id = "g"
title = "Graphs"
summary = "A graph."

[[steps]]
id = "two"
title = "Two gates"
text = "Backprop through the graph."
hints = ["Start at f: ∂f/∂f = 1."]
explanation = "{answer}"

[steps.params]
x = { value = 2 }
y = { value = 1 }
z = { value = -3 }

[steps.exercise]
kind = "graph"
inputs = ["x", "y", "z"]
nodes = ["q = x + y", "r = q*x", "f = r*z"]
"""


def graph(*nodes: str, inputs: tuple[str, ...] = ("x", "y", "z")) -> Graph:
    built, known = [], list(inputs)
    for text in nodes:
        name, _, expr = text.partition("=")
        built.append(GraphNode(name.strip(), parse(expr, known), expr.strip()))
        known.append(name.strip())
    return Graph(inputs, tuple(built))


@pytest.fixture
def drawn(tmp_path: Path, write_course):
    course = load_course(write_course(tmp_path, {"g": LESSON}))
    assert course.errors == ()
    lesson = course.lessons[0]
    return draw(lesson, lesson.steps[0], 0)


def test_forward_and_backward_by_hand(drawn) -> None:
    # x = 2, y = 1, z = −3: q = 3, r = q·x = 6, f = r·z = −18. Backwards: ∂f/∂r = z = −3,
    # ∂f/∂q = −3·x = −6, ∂f/∂z = r = 6, ∂f/∂y = ∂f/∂q·1 = −6, and x is used twice:
    # ∂f/∂x = ∂f/∂q·1 + ∂f/∂r·q = −6 + (−3)(3) = −15
    assert drawn.graph_values == {"x": 2, "y": 1, "z": -3, "q": 3, "r": 6, "f": -18}
    assert drawn.asked == ("r", "q", "z", "y", "x")
    assert drawn.prompt == "∂f/∂(r, q, z, y, x) ="
    assert drawn.expected.tolist() == [-3, -6, 6, -6, -15]
    assert "r = q·x    = 6" in drawn.text and "x = 2    y = 1    z = −3" in drawn.text
    assert drawn.check("[-3, -6, 6, -6, -15]").correct


@pytest.mark.parametrize("seed", range(5))
def test_backward_matches_central_differences(seed: int) -> None:
    rng = np.random.default_rng(seed)
    g = graph("a = x*y + z", "b = tanh(a)", "c = sigma(b*x) - exp(z/3)", "f = c*b + y^2")
    inputs = dict(zip(("x", "y", "z"), rng.uniform(-1.5, 1.5, 3), strict=True))
    grads = g.backward(g.forward(inputs))
    for name in ("x", "y", "z"):
        h = 1e-6
        up, down = dict(inputs), dict(inputs)
        up[name] += h
        down[name] -= h
        numeric = (g.forward(up)["f"] - g.forward(down)["f"]) / (2 * h)
        assert grads[name] == pytest.approx(numeric, rel=1e-6, abs=1e-8)


@pytest.mark.parametrize(
    ("answer", "mistake", "words"),
    [
        # ∂f/∂q typed as the local gradient ∂r/∂q = x = 2, without the upstream ∂f/∂r = −3
        ("[-3, 2, 6, 2, -15]", "local-only", "local gradient ∂r/∂q alone"),
        # ∂f/∂q typed as the upstream gradient alone
        ("[-3, -3, 6, -6, -15]", "upstream-only", "upstream gradient ∂f/∂r alone"),
        # x used twice: only the path through q (−6), or only the path through r (−9)
        ("[-3, -6, 6, -6, -6]", "paths-not-added", "SUM"),
        ("[-3, -6, 6, -6, -9]", "paths-not-added", "used twice"),
        ("[3, 6, 6, 6, -15]", "sign", "∂f/∂r has the wrong sign"),
    ],
)
def test_the_first_wrong_node_is_named_with_its_slip(
    drawn, answer: str, mistake: str, words: str
) -> None:
    verdict = drawn.check(answer)
    assert verdict.status == "incorrect" and verdict.mistake == mistake, verdict
    assert words in verdict.message


def test_later_entries_that_inherit_a_slip_are_mentioned(drawn) -> None:
    verdict = drawn.check("[-3, 2, 6, 2, -4]")  # q wrong, and y, x downstream of it
    assert verdict.mistake == "local-only"
    assert "2 more entries after it are off too" in verdict.message


def test_a_wrong_number_of_entries_says_so(drawn) -> None:
    verdict = drawn.check("[-3, -6, 6]")
    assert verdict.status == "incorrect" and "a vector of 5" in verdict.message


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ('nodes = ["q x + y"]', 'must read "name = expression"'),
        ('nodes = ["x = y + z"]', '"x" is already an input or a node'),
        ('ask = ["f"]', "other than the output 'f'"),
    ],
)
def test_format_errors_name_the_key(tmp_path: Path, write_course, change: str, message: str):
    key = change.split(" =")[0]
    lines = [ln for ln in LESSON.splitlines() if not ln.startswith(f"{key} =")]
    course = load_course(write_course(tmp_path, {"g": "\n".join([*lines, change])}))
    assert len(course.errors) == 1 and f"exercise.{key}" in course.errors[0]
    assert message in course.errors[0]


def test_the_documented_example_passes_lessons_check(tmp_path: Path, write_course) -> None:
    readme = (builtin_course_dir() / "README.md").read_text(encoding="utf-8")
    section = readme.split("### `graph`", 1)[1]
    example = re.search(r"```toml\n(.*?)```", section, re.S)
    assert example, "lessons/README.md lost its graph example"
    lesson = 'id = "ex"\ntitle = "Ex"\nsummary = "The example."\n' + example.group(1)
    report = lint_course(load_course(write_course(tmp_path, {"ex": lesson})), seeds=40)
    assert report.ok, report.problems
