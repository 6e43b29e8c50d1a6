"""App-wide messages (dataclasses, past tense): what happened, for whoever listens.

Tests watch them with ``run_test(message_hook=...)``; screens use them to stay in sync without
reaching into each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.message import Message


@dataclass
class AnswerChecked(Message):
    """A learner's answer was graded (or found unreadable, then ``counted`` is False)."""

    lesson_id: str
    step_id: str
    answer: str
    verdict: Any
    counted: bool


@dataclass
class StepOpened(Message):
    """The lesson screen now shows this step."""

    lesson_id: str
    step_id: str
    index: int


@dataclass
class ProgressChanged(Message):
    """Something was stored for this lesson: the course map refreshes its row."""

    lesson_id: str


@dataclass
class CourseLoaded(Message):
    """The course finished loading (in a worker, after the first frame)."""

    course: Any
