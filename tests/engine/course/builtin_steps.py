"""Helpers for tests on the built-in course's steps: draw one for a seed, type an answer."""

from __future__ import annotations

from functools import cache

import numpy as np
from bptutor.engine.course.exercise import DrawnStep, draw
from bptutor.engine.course.loader import load_course
from bptutor.engine.course.model import Course


@cache
def builtin_course() -> Course:
    """Loaded once per test session (it is immutable); it must load without errors."""
    course = load_course()
    assert course.errors == ()
    return course


def drawn(lesson_id: str, step_id: str, seed: int) -> DrawnStep:
    """The built-in step as the learner with this seed sees it."""
    lesson = builtin_course().lesson(lesson_id)
    assert lesson is not None, lesson_id
    step = lesson.step(step_id)
    assert step is not None, step_id
    return draw(lesson, step, seed)


def typed(value) -> str:
    """A number, vector or matrix as a learner would type it (at full precision)."""
    a = np.asarray(value, dtype=float)
    if a.ndim == 0:
        return repr(float(a))
    if a.ndim == 1:
        return "[" + ", ".join(repr(float(v)) for v in a) + "]"
    return "[" + ", ".join(typed(row) for row in a) + "]"
