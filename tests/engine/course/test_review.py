"""The review queue's Leitner boxes, with an injected clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bptutor.engine.course.review import (
    ReviewState,
    after_review,
    enters_review,
    first_box,
)

NOW = datetime(2026, 12, 3, 23, 30, tzinfo=UTC)  # late in the day


def test_what_enters_the_queue() -> None:
    assert enters_review(wrong_before_solved=True, hints_used=0, revealed=False)
    assert enters_review(wrong_before_solved=False, hints_used=2, revealed=False)
    assert enters_review(wrong_before_solved=False, hints_used=0, revealed=True)
    assert not enters_review(wrong_before_solved=False, hints_used=0, revealed=False)


def test_due_tomorrow_not_today_however_late_it_is() -> None:
    state = first_box(NOW)
    assert state == ReviewState(0, date(2026, 12, 4))
    assert not state.is_due(NOW)
    assert state.is_due(NOW + timedelta(minutes=31))  # past midnight: tomorrow has come


def test_clean_reviews_climb_the_boxes_then_leave() -> None:
    state = first_box(NOW)
    day = NOW + timedelta(days=1)
    state = after_review(state, clean=True, now=day)
    assert state == ReviewState(1, (day + timedelta(days=3)).date())
    day += timedelta(days=3)
    state = after_review(state, clean=True, now=day)
    assert state == ReviewState(2, (day + timedelta(days=7)).date())
    assert after_review(state, clean=True, now=day + timedelta(days=7)) is None


def test_a_miss_goes_back_to_the_first_box() -> None:
    state = ReviewState(2, date(2026, 12, 10))
    later = datetime(2026, 12, 10, 9, 0, tzinfo=UTC)
    assert after_review(state, clean=False, now=later) == ReviewState(0, date(2026, 12, 11))


def test_stored_states_round_trip_and_garbage_is_ignored() -> None:
    state = ReviewState(1, date(2026, 12, 7))
    assert ReviewState.from_dict(state.to_dict()) == state
    for bad in (None, [], {"box": "1", "due": "2026-12-07"}, {"box": 1, "due": "soon"}, {}):
        assert ReviewState.from_dict(bad) is None
    assert ReviewState.from_dict({"box": 99, "due": "2026-12-07"}).box == 2
