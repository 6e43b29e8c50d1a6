"""The built-in course's train steps do what their prose promises: the loss never rises over
the configured epochs, and it ends far below where it started. So does the default run of
`bptutor train` and the playground (TrainConfig())."""

from __future__ import annotations

import numpy as np
import pytest
from bptutor.engine.course.exercise import draw
from bptutor.engine.course.loader import load_course
from bptutor.engine.nn.session import data_arrays, train_with
from bptutor.engine.nn.training import TrainConfig

# Train steps whose prose promises a plateau instead of a low end (lesson 22 shows the vanishing
# gradient); test_lessons_beyond_c.py checks the plateau.
PLATEAUS = {("vanishing", "train")}

# Train steps on a hard data set, by how far below its start the loss must end: the spiral's
# three arms need far more epochs than a lesson's run for a near-perfect fit (lesson 20);
# test_lessons_beyond_b.py checks the accuracy the run reaches.
ENDS_BELOW = {("softmax-ce", "train"): 0.05}

TRAIN_STEPS = [
    (lesson, step)
    for lesson in load_course().lessons
    for step in lesson.steps
    if step.exercise is not None and step.exercise.kind == "train"
]


def losses_of(config) -> np.ndarray:
    """The run the training view shows for this config (its session's data and train call)."""
    _, X, y = data_arrays(config)
    net = config.make_network(X.shape[1], y.shape[1])
    return np.array([s.loss for s in train_with(config, net, X, y)])


def test_the_course_has_a_train_step() -> None:
    assert TRAIN_STEPS


@pytest.mark.parametrize(("lesson", "step"), TRAIN_STEPS, ids=lambda x: getattr(x, "id", ""))
def test_train_step_loss_never_rises_and_ends_low(lesson, step) -> None:
    config = draw(lesson, step, 0).train_config
    losses = losses_of(config)
    assert len(losses) == config.epochs and np.all(np.isfinite(losses))
    ratios = losses[1:] / losses[:-1]
    worst = int(np.argmax(ratios))
    assert ratios[worst] <= 1.0, (
        f"the loss rises from {losses[worst]:.3g} (epoch {worst + 1}) "
        f"to {losses[worst + 1]:.3g} (epoch {worst + 2})"
    )
    if (lesson.id, step.id) in PLATEAUS:
        return
    # lesson 13 trains the notes' network, without biases: it cannot fit XOR exactly (its prose
    # says "it gets close"), so its run ends lower by a smaller factor
    notes_net = 0.05 if step.exercise.gradients is not None else 1e-4
    factor = ENDS_BELOW.get((lesson.id, step.id), notes_net)
    assert losses[-1] < factor * losses[0], f"ends at {losses[-1]:.3g} from {losses[0]:.3g}"


def test_xor_step_falls_fast_then_plateaus_then_plunges() -> None:
    """Lesson 12's prose: "a quick fall, a slow stretch, then a plunge towards 0"."""
    lesson = load_course().lesson("training")
    step = lesson.step("train-xor")
    config = draw(lesson, step, 0).train_config
    assert config.dataset == "xor"
    losses = losses_of(config)
    start = losses[0]
    quick = losses[9]  # after 10 epochs
    stretch_end = losses[39]  # 30 more epochs
    assert quick < 0.7 * start  # the quick fall
    assert stretch_end > 0.85 * quick  # the slow stretch: under 15 % in 30 epochs
    assert losses[-1] < 1e-6 * stretch_end  # the plunge


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_the_default_run_falls_without_a_visible_bump(seed: int) -> None:
    """`bptutor train` with no options is a learner's first look: the loss must only fall."""
    losses = losses_of(TrainConfig(seed=seed))
    rise = np.max(losses - np.minimum.accumulate(losses))
    assert rise < 1e-3 * losses[0]
    assert losses[-1] < 1e-6


def test_a_train_step_may_ask_for_a_deeper_network_and_another_loss(tmp_path, write_course):
    lesson = """
id = "deep"
title = "Deep"
summary = "A deeper run."

[[steps]]
id = "run"
title = "Run"
text = "Watch it."
hints = ["Press space."]
explanation = "It learned."

[steps.exercise]
kind = "train"
dataset = "spiral"
hidden = [8, 8]
loss = "cross_entropy"
activation = "relu"
"""
    course = load_course(write_course(tmp_path, {"deep": lesson}))
    assert course.errors == ()
    config = draw(course.lessons[0], course.lessons[0].steps[0], 0).train_config
    assert config.hidden == (8, 8) and config.loss == "cross_entropy"
    assert config.output_activation == "softmax"
