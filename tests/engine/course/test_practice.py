"""Practice in the progress record: variants tried and solved, the review queue with an
injected clock, the summary's numbers, and two windows merging all of it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from bptutor.engine.course.loader import load_course
from bptutor.engine.course.progress import ProgressStore
from bptutor.engine.course.review import ReviewState


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def days(self, n: float) -> None:
        self.now += timedelta(days=n)


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 12, 3, 20, 0, tzinfo=UTC))


def test_wrong_then_right_is_due_tomorrow_not_today(tmp_path: Path, clock: Clock) -> None:
    store = ProgressStore(tmp_path, clock=clock)
    store.record_attempt("l", "s", "1", "incorrect", "sign")
    store.record_attempt("l", "s", "2", "correct")
    state = store.step("l", "s").review
    assert state == ReviewState(0, clock.now.date() + timedelta(days=1))
    assert not state.is_due(clock.now)
    clock.days(1)
    assert state.is_due(clock())


def test_a_clean_first_try_does_not_enter_the_queue(tmp_path: Path, clock: Clock) -> None:
    store = ProgressStore(tmp_path, clock=clock)
    store.record_attempt("l", "s", "2", "correct")
    assert store.step("l", "s").review is None
    store.record_hint("l", "t")
    store.record_attempt("l", "t", "2", "correct")  # a hint first: it comes back
    assert store.step("l", "t").review is not None


def test_a_reveal_then_a_fresh_variant_solved(tmp_path: Path, clock: Clock) -> None:
    store = ProgressStore(tmp_path, clock=clock)
    store.record_attempt("l", "s", "1", "incorrect")
    store.record_reveal("l", "s")
    assert store.step("l", "s").review is not None  # revealed: queued at once
    assert store.next_variant("l", "s") == 1
    store.mark_variant("l", "s", 1)
    store.record_attempt("l", "s", "7", "correct", variant=1)
    p = ProgressStore(tmp_path, clock=clock).step("l", "s")
    assert p.solved and p.revealed  # solved, and the reveal stays in the record
    assert p.variants_tried == {0, 1} and p.variants_solved == {1}
    assert store.next_variant("l", "s") == 2


def test_reviews_climb_the_boxes_and_a_miss_starts_again(tmp_path: Path, clock: Clock) -> None:
    store = ProgressStore(tmp_path, clock=clock)
    store.record_attempt("l", "s", "1", "incorrect")
    store.record_attempt("l", "s", "2", "correct")
    clock.days(1)
    assert store.record_review("l", "s", clean=True).box == 1
    clock.days(3)
    assert store.record_review("l", "s", clean=False).box == 0
    for days in (1, 3, 7):
        clock.days(days)
        state = store.record_review("l", "s", clean=True)
    assert state is None and store.step("l", "s").review is None  # out of the queue
    store.record_attempt("l", "s", "9", "incorrect")  # a later slip does not requeue it
    store.record_attempt("l", "s", "2", "correct")
    assert store.step("l", "s").review is None


def test_due_reviews_follow_the_course(tmp_path: Path, clock: Clock) -> None:
    course = load_course()
    lesson = course.lesson("derivatives")
    store = ProgressStore(tmp_path, clock=clock)
    for step in lesson.exercises[:2]:
        store.record_attempt(lesson.id, step.id, "x", "incorrect")
        store.record_attempt(lesson.id, step.id, "y", "correct")
    store.record_attempt("gone-lesson", "gone-step", "x", "incorrect")  # removed from the course
    store.record_attempt("gone-lesson", "gone-step", "y", "correct")
    assert store.due_reviews(course.lessons) == []
    clock.days(1)
    due = store.due_reviews(course.lessons)
    assert [(lesson.id, step.id) for lesson, step in due] == [
        (lesson.id, s.id) for s in lesson.exercises[:2]
    ]
    summary = store.summarize(lesson)
    assert (summary.in_review, summary.due) == (2, 2)


def test_the_queue_can_be_turned_off(tmp_path: Path, clock: Clock) -> None:
    store = ProgressStore(tmp_path, clock=clock)
    store.set_review_enabled(False)
    store.record_attempt("l", "s", "1", "incorrect")
    store.record_attempt("l", "s", "2", "correct")
    assert store.step("l", "s").review is None
    assert not ProgressStore(tmp_path).review_enabled


def test_two_windows_keep_each_others_variants_and_reviews(tmp_path: Path, clock: Clock) -> None:
    one = ProgressStore(tmp_path, clock=clock)
    two = ProgressStore(tmp_path, clock=clock)
    one.mark_variant("l", "s", 1)
    two.mark_variant("l", "s", 2)
    two.record_attempt("l", "s", "x", "incorrect", variant=2)
    two.record_attempt("l", "s", "y", "correct", variant=2)
    one.record_attempt("l", "t", "z", "correct")
    both = ProgressStore(tmp_path, clock=clock)
    assert both.step("l", "s").variants_tried == {1, 2}
    assert both.step("l", "s").variants_solved == {2}
    assert both.step("l", "s").review is not None and both.step("l", "t").solved
    clock.days(1)
    one.record_review("l", "s", clean=True)  # the later state wins over two's box 0
    two.record_attempt("l", "u", "w", "correct")
    assert ProgressStore(tmp_path, clock=clock).step("l", "s").review.box == 1


def test_first_try_and_time_spent(tmp_path: Path, clock: Clock) -> None:
    course = load_course()
    lesson = course.lesson("derivatives")
    a, b = lesson.exercises[:2]
    store = ProgressStore(tmp_path, clock=clock)
    store.mark_seen(lesson.id, a.id)
    store.record_attempt(lesson.id, a.id, "ok", "correct")
    store.mark_seen(lesson.id, b.id)
    store.record_attempt(lesson.id, b.id, "no", "incorrect")
    store.record_attempt(lesson.id, b.id, "ok", "correct")
    summary = store.summarize(lesson)
    assert summary.first_try == 1 and summary.solved == 2
    assert 0 <= summary.seconds < 60  # opened and answered within this test


def test_fresh_variant_never_repeats_the_numbers_on_screen() -> None:
    """A small draw range can give a variant the learner's own numbers again: "another one"
    skips it. A step with fixed numbers gets the counter back (and says so in the app)."""
    from bptutor.engine.course.exercise import draw, fresh_variant, has_variants

    course = load_course(None)
    checked = 0
    for lesson in course.lessons:
        for step in lesson.steps:
            if step.exercise is None or step.exercise.kind in ("train", "code"):
                continue
            for seed in (1, 2, 3):
                own = draw(lesson, step, seed)
                variant = fresh_variant(lesson, step, seed, 1)
                fresh = draw(lesson, step, seed, variant=variant)
                if has_variants(lesson, step, seed):
                    assert not fresh.same_numbers(own), (lesson.id, step.id, seed)
                    after = fresh_variant(lesson, step, seed, variant + 1, unlike=variant)
                    assert not draw(lesson, step, seed, variant=after).same_numbers(fresh)
                    checked += 1
                else:
                    assert variant == 1
    assert checked > 50


def test_time_spent_leaves_breaks_out(tmp_path: Path, clock: Clock) -> None:
    """Opened at 10:00, answers at 10:02 and 10:05, a review answer the next day: 5 minutes
    (the night is a break, not time spent)."""
    import json

    from bptutor.engine.course.progress import FILE_NAME

    lesson = load_course().lesson("derivatives")
    step = lesson.exercises[0]
    store = ProgressStore(tmp_path, clock=clock)
    store.mark_seen(lesson.id, step.id)
    for answer in ("a", "b", "c"):
        store.record_attempt(lesson.id, step.id, answer, "incorrect")
    doc = json.loads((tmp_path / FILE_NAME).read_text())
    rec = doc["lessons"][lesson.id]["steps"][step.id]
    rec["seen_at"] = "2026-12-01T10:00:00.000000+00:00"
    times = ["2026-12-01T10:02:00.000000+00:00", "2026-12-01T10:05:00.000000+00:00"]
    times.append("2026-12-02T09:00:00.000000+00:00")
    for attempt, time in zip(rec["attempts"], times, strict=True):
        attempt["time"] = time
    (tmp_path / FILE_NAME).write_text(json.dumps(doc))
    assert ProgressStore(tmp_path, clock=clock).summarize(lesson).seconds == 5 * 60


def test_a_review_does_not_move_where_the_learner_continues(tmp_path: Path, clock: Clock) -> None:
    lesson = load_course().lesson("derivatives")
    first, later = lesson.exercises[0], lesson.exercises[3]
    store = ProgressStore(tmp_path, clock=clock)
    store.mark_seen(lesson.id, later.id)
    store.mark_seen(lesson.id, first.id, continue_here=False)
    store.record_attempt(lesson.id, first.id, "x", "correct", variant=2, review=True)
    assert store.last_position == (lesson.id, later.id)


def test_paused_review_queues_nothing_and_keeps_the_setting(tmp_path: Path, clock: Clock) -> None:
    store = ProgressStore(tmp_path, clock=clock)
    store.review_paused = True  # bptutor --no-review
    store.record_attempt("l", "s", "no", "incorrect")
    store.record_attempt("l", "s", "ok", "correct")
    assert store.step("l", "s").review is None
    assert store.review_enabled  # the stored setting is untouched
