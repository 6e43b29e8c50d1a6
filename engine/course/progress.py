"""The learner's progress: what they have done on every step, kept per user.

Why it looks like this:
- keyed by lesson id and step id (never by position), so reordering or editing a course never
  loses history; ids the course no longer has are kept in the file but ignored;
- saved after every submitted answer, so the answer is on disk before its verdict shows:
  killing the tutor loses nothing already answered. By default on the calling thread (the
  CLI, tests); the app calls `start_background_saves`, after which a change is appended to
  this window's journal (one line, progress_journal) and the whole file is rewritten by a
  background thread, changes coalesced; `close` (the app's exit) waits for that save. The
  record stays small either way (attempts per step are capped: progress_format.trim);
- the file itself (atomic writes, a lock and a merge for several windows of one learner,
  damage set aside, notices when saving fails) is progress_file.ProgressFile; the record's
  format and the merge are progress_format.

Textual-free, like all of the engine: ``bptutor progress`` and tests use it directly.
"""

from __future__ import annotations

import functools
import itertools
import json
import marshal
import math
import os
import secrets
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bptutor.engine.course.model import Lesson, Step
from bptutor.engine.course.progress_file import FILE_NAME, ProgressFile, fresh_record
from bptutor.engine.course.progress_format import (
    FORMAT_VERSION,
    add_variant,
    clean_text,
    merge,
    now_text,
    sane_int,
    sane_seed,
    time_key,
    trim,
    variants_of,
)
from bptutor.engine.course.progress_journal import BackgroundSaver
from bptutor.engine.course.review import (
    Clock,
    ReviewState,
    after_review,
    enters_review,
    first_box,
    system_clock,
)
from platformdirs import user_data_dir

__all__ = [
    "ENV_DATA_DIR",
    "FILE_NAME",
    "LessonSummary",
    "ProgressStore",
    "StepProgress",
    "default_data_dir",
]

ENV_DATA_DIR = "BPTUTOR_DATA_DIR"
"""Environment variable that overrides the data directory (tests, teachers' scripts)."""

BREAK_SECONDS = 10 * 60
"""A pause longer than this between two things done on a step is a break (lunch, the next day's
review): it does not count as time spent."""

STATE_NOT_STARTED = "not started"
STATE_IN_PROGRESS = "in progress"
STATE_DONE = "done"


def default_data_dir() -> Path:
    """Where progress lives: $BPTUTOR_DATA_DIR, else platformdirs (respects XDG_DATA_HOME)."""
    env = os.environ.get(ENV_DATA_DIR)
    if env:
        return Path(env).expanduser()
    return Path(user_data_dir("bptutor", appauthor=False))


@dataclass(frozen=True)
class StepProgress:
    """What the learner has done on one step (a read-only view of the stored record)."""

    attempts: int = 0
    hints_used: int = 0
    solved: bool = False
    revealed: bool = False
    seen: bool = False
    last_answer: str = ""
    variants_tried: frozenset[int] = frozenset()
    """Variants of the step the learner has seen (0: their own numbers)."""
    variants_solved: frozenset[int] = frozenset()
    review: ReviewState | None = None
    """Where the step stands in the review queue (None: not in it)."""


@dataclass(frozen=True)
class LessonSummary:
    """One row of the course map and of ``bptutor progress``."""

    lesson_id: str
    title: str
    state: str
    solved: int
    total: int
    attempts: int
    hints_used: int
    revealed: int
    first_open_step: int
    """Index of the step a learner should land on: the first one not yet done."""
    first_try: int = 0
    """Exercises solved at the first try, with no hint and no solution shown."""
    in_review: int = 0
    """Steps in the review queue; `due` of them are due today."""
    due: int = 0
    seconds: float = 0.0
    """Time spent: per step, from its first opening through its answers, breaks (pauses over
    BREAK_SECONDS) left out; a lower bound."""


def _mutates(method: Callable[..., Any]) -> Callable[..., Any]:
    """A method that changes the record: it runs under the store's lock, so a background save
    never copies or merges the record halfway through a change."""

    @functools.wraps(method)
    def locked(self: ProgressStore, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            return method(self, *args, **kwargs)

    return locked


class ProgressStore:
    """Query and record the learner's progress; see the module docstring for the rules."""

    def __init__(self, data_dir: Path | None = None, *, clock: Clock = system_clock) -> None:
        """`clock` says what day it is for the review queue (tests pass a fixed one)."""
        self._lock = threading.RLock()  # the record, between the UI and the background save
        self._io = threading.Lock()  # the file (taken before _lock, never after)
        self._saver: BackgroundSaver | None = None
        self.clock = clock
        self.review_paused = False
        """`bptutor --no-review`: no step joins the queue this time (the setting is kept)."""
        self.data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
        self._file = ProgressFile(self.data_dir)
        self.path = self._file.path
        self._data: dict[str, Any] = self._file.load()
        seed = self._data.get("seed")
        if not sane_seed(seed):
            if "seed" in self._data:
                shown = repr(seed) if len(repr(seed)) <= 24 else repr(seed)[:21] + "…"
                self.notices.append(
                    f"Your progress file's seed ({shown}) was not a usable number; a new one "
                    "was drawn, so exercises show new numbers. Your answers are kept."
                )
            self._data["seed"] = secrets.randbelow(2**31)
            self.save()
        elif self._file.recovered:  # a killed window's journaled changes: into the file
            self.save()

    @property
    def notices(self) -> list[str]:
        """Sentences for the learner (file moved aside, saving off or on again); the UI shows
        them."""
        return self._file.notices

    @property
    def writable(self) -> bool:
        """False while saving does not work (the app keeps going; notices say why)."""
        return self._file.writable

    def save(self) -> bool:
        """Merge with the file (other windows' records) and write it; never raises. False
        (with a notice) when it could not be written; the next save tries again. With
        background saves on, asks for one and waits for it."""
        if self._saver is not None:
            self._saver.ask()
            return self._saver.wait()
        return self._save_now()

    def _save_now(self, background: bool = False) -> bool:
        with self._io:
            with self._lock:
                snapshot = self._data
                if background:  # the UI goes on changing the record meanwhile
                    snapshot = marshal.loads(marshal.dumps(snapshot))
                mark = self._file.journal.rotate()
            saved, merged = self._file.save(snapshot)
            if saved:
                self._file.journal.saved(mark)
            if merged is not snapshot:  # other windows' records came in
                with self._lock:
                    self._data = merge(merged, self._data) if background else merged
        return saved

    def _changed(self, lesson_id: str | None = None, step_id: str | None = None) -> bool:
        """The record changed (on this step, or at the top): save it. In the background: the
        change goes to this window's journal first (on disk before this returns), then a save
        is asked for. False: the change could not be put on disk (a notice will say why)."""
        if self._saver is None:
            return self.save()
        # only what changed: the step's record (and where the learner is), or the top-level
        # keys; never the whole record (a line of megabytes), never settings a step did not
        # touch (a later merge would put an older setting back over a newer one)
        if lesson_id is not None and step_id is not None:
            rec = self._record(lesson_id, step_id, create=False)
            change: dict[str, Any] = {
                "lessons": {lesson_id: {"steps": {step_id: rec}}} if rec else {}
            }
            if "last" in self._data:
                change["last"] = self._data["last"]
        else:
            change = {k: v for k, v in self._data.items() if k != "lessons"}
        change["version"] = FORMAT_VERSION
        on_disk = self._file.append(change)
        self._saver.ask()
        return on_disk

    def start_background_saves(self, on_saved: Callable[[], None] | None = None) -> bool:
        """From now on a change is journaled at once and the file rewritten in a background
        thread (several changes during one save: one more save). `on_saved` is called from
        that thread after each save (the app shows new notices). False: not possible here
        (no journal on this platform, or saving is off): saves stay synchronous."""
        if self._saver is not None:
            return True
        if not self._file.journal.usable or self._file.frozen:
            return False  # a passing failure (a busy lock at start) does not count
        self._saver = BackgroundSaver(functools.partial(self._save_now, background=True), on_saved)
        return True

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every change so far is in the file (or its save failed: see
        notices). False: `timeout` seconds went by first."""
        return True if self._saver is None else self._saver.wait(timeout)

    def close(self, timeout: float = 10.0) -> None:
        """The window ends: background saves end, the last one waited for (up to `timeout`;
        what could not be saved stays in the journal, which the next start merges in), and
        the file's descriptor is let go. Saving again later works (synchronously)."""
        saver = self._saver
        if saver is not None:
            if not saver.stop(timeout):
                return  # a save hangs (a stuck disk): its thread goes on; the journal stays
            self._saver = None
        if not self._io.acquire(timeout=timeout):
            return
        try:
            if saver is not None:
                self._file.journal.close(everything_saved=self._file.writable)
            self._file.close()
        finally:
            self._io.release()

    def reload(self) -> None:
        """Take in what other windows saved (a no-op when the file did not change). Skipped
        while a background save runs: that save merges the file in anyway."""
        if not self._io.acquire(blocking=False):
            return
        try:
            with self._lock:
                self._data = self._file.reload(self._data)
        finally:
            self._io.release()

    def reset(self) -> None:
        """Forget everything (the caller asks the learner first). A new seed is drawn.

        A window still open on the same record writes its memory back at its next save.
        """
        self.flush()
        with self._io, self._lock:
            self._file.remove()
            self._data = fresh_record()
            self._data["seed"] = secrets.randbelow(2**31)

    # ------------------------------------------------------------------ small properties
    @property
    def seed(self) -> int:
        """The learner's own seed for randomised exercises (created once, then kept)."""
        return int(self._data["seed"])

    @property
    def welcomed(self) -> bool:
        return self._data.get("welcomed") is True

    @_mutates
    def mark_welcomed(self) -> None:
        if not self.welcomed:
            self._data["welcomed"] = True
            self._changed()

    @property
    def last_position(self) -> tuple[str, str] | None:
        """(lesson id, step id) the learner last looked at, or None."""
        last = self._data.get("last")
        if isinstance(last, dict):
            lesson, step = last.get("lesson"), last.get("step")
            if isinstance(lesson, str) and isinstance(step, str):
                return lesson, step
        return None

    def as_dict(self) -> dict[str, Any]:
        """A deep copy of the stored data (for export)."""
        return json.loads(json.dumps(self._data))

    # ------------------------------------------------------------------------ step records
    def _record(self, lesson_id: str, step_id: str, create: bool) -> dict[str, Any] | None:
        lessons = self._data.get("lessons")
        if not isinstance(lessons, dict):
            if not create:
                return None
            lessons = self._data["lessons"] = {}
        lesson = lessons.get(lesson_id)
        if not isinstance(lesson, dict):
            if not create:
                return None
            lesson = lessons[lesson_id] = {}
        steps = lesson.get("steps")
        if not isinstance(steps, dict):
            if not create:
                return None
            steps = lesson["steps"] = {}
        rec = steps.get(step_id)
        if not isinstance(rec, dict):
            if not create:
                return None
            rec = steps[step_id] = {}
        return rec

    def step(self, lesson_id: str, step_id: str) -> StepProgress:
        rec = self._record(lesson_id, step_id, create=False)
        if rec is None:
            return StepProgress()
        attempts = rec.get("attempts")
        attempts = (
            [a for a in attempts if isinstance(a, dict)] if isinstance(attempts, list) else []
        )
        dropped = rec.get("attempts_dropped", 0)
        dropped = dropped if sane_int(dropped) and dropped > 0 else 0
        hints = rec.get("hints_used", 0)
        last = attempts[-1].get("answer", "") if attempts else ""
        return StepProgress(
            attempts=len(attempts) + dropped,
            hints_used=hints if sane_int(hints) and hints >= 0 else 0,
            solved=rec.get("solved") is True,
            revealed=rec.get("revealed") is True,
            seen=rec.get("seen") is True,
            last_answer=last if isinstance(last, str) else "",
            variants_tried=variants_of(rec, "tried"),
            variants_solved=variants_of(rec, "solved"),
            review=_review(rec),
        )

    # ------------------------------------------------------------------ variants and review
    def next_variant(self, lesson_id: str, step_id: str) -> int:
        """The variant "another one like this" shows next: one the learner has not seen."""
        return max(self.step(lesson_id, step_id).variants_tried | {0}) + 1

    @_mutates
    def mark_variant(self, lesson_id: str, step_id: str, variant: int) -> None:
        """The learner was shown this variant of the step."""
        rec = self._record(lesson_id, step_id, create=True)
        assert rec is not None
        if add_variant(rec, "tried", variant):
            self._changed(lesson_id, step_id)

    @property
    def review_enabled(self) -> bool:
        """The review queue is on unless the learner turned it off (`bptutor progress
        --review off`)."""
        settings = self._data.get("settings")
        return not (isinstance(settings, dict) and settings.get("review") is False)

    @_mutates
    def set_review_enabled(self, on: bool) -> bool:
        settings = self._data.get("settings")
        if not isinstance(settings, dict):
            settings = self._data["settings"] = {}
        settings["review"] = bool(on)
        return self._changed()

    def due_reviews(self, lessons: Iterable[Lesson]) -> list[tuple[Lesson, Step]]:
        """The steps whose review is due today, in course order (steps the course no longer
        has are simply not there)."""
        now = self.clock()
        return [
            (lesson, step)
            for lesson in lessons
            for step in lesson.steps
            if step.exercise is not None
            and (state := self.step(lesson.id, step.id).review) is not None
            and state.is_due(now)
        ]

    @_mutates
    def record_review(self, lesson_id: str, step_id: str, *, clean: bool) -> ReviewState | None:
        """A review of this step ended: solved cleanly (first try, no hint, no reveal) moves
        it up a box (or out of the queue after the last), anything else back to box 0."""
        rec = self._record(lesson_id, step_id, create=True)
        assert rec is not None
        state = _review(rec) or first_box(self.clock())
        after = after_review(state, clean=clean, now=self.clock())
        _set_review(rec, after)
        self._changed(lesson_id, step_id)
        return after

    def _maybe_enter_review(self, rec: dict[str, Any]) -> None:
        """A step just solved or revealed enters the queue if it was hard: a wrong answer
        before the first right one, a hint, or the solution shown."""
        if "review" in rec:
            return  # already queued (or graduated: a review decides its fate from now on)
        statuses = [a.get("status") for a in rec.get("attempts", []) if isinstance(a, dict)]
        first_right = statuses.index("correct") if "correct" in statuses else len(statuses)
        hints = rec.get("hints_used", 0)
        if enters_review(
            wrong_before_solved="incorrect" in statuses[:first_right],
            hints_used=hints if sane_int(hints) else 0,
            revealed=rec.get("revealed") is True,
        ):
            _set_review(rec, first_box(self.clock()))

    @_mutates
    def record_attempt(
        self,
        lesson_id: str,
        step_id: str,
        answer: str,
        status: str,
        mistake: str | None = None,
        *,
        variant: int = 0,
        review: bool = False,
    ) -> bool:
        """Store one graded answer on this variant of the step (and `solved` when it is
        correct); saves. A step solved after a struggle enters the review queue (unless this
        is a review: its outcome is recorded with record_review). False: not saved."""
        rec = self._record(lesson_id, step_id, create=True)
        assert rec is not None
        attempts = rec.get("attempts")
        if not isinstance(attempts, list):
            attempts = rec["attempts"] = []
        attempts.append(
            {
                "answer": clean_text(answer),
                "status": status,
                "mistake": mistake,
                "time": now_text(),
                "variant": int(variant),
            }
        )
        trim(rec)
        rec["seen"] = True
        add_variant(rec, "tried", variant)
        if status == "correct":
            rec["solved"] = True
            add_variant(rec, "solved", variant)
            if not review and self.review_enabled and not self.review_paused:
                self._maybe_enter_review(rec)
        if not review:  # a review does not move where the learner continues
            self._set_last(lesson_id, step_id)
        return self._changed(lesson_id, step_id)

    @_mutates
    def record_hint(self, lesson_id: str, step_id: str) -> int:
        """Count one more hint shown; returns how many the learner has now seen."""
        rec = self._record(lesson_id, step_id, create=True)
        assert rec is not None
        used = self.step(lesson_id, step_id).hints_used + 1
        rec["hints_used"] = used
        self._changed(lesson_id, step_id)
        return self.step(lesson_id, step_id).hints_used

    @_mutates
    def record_reveal(self, lesson_id: str, step_id: str) -> None:
        """The solution was shown (kept in the record even once a fresh variant is solved)."""
        rec = self._record(lesson_id, step_id, create=True)
        assert rec is not None
        rec["revealed"] = True
        if self.review_enabled:
            self._maybe_enter_review(rec)
        self._changed(lesson_id, step_id)

    @_mutates
    def mark_solved(self, lesson_id: str, step_id: str) -> None:
        """For steps without an answer to check (a `train` step counts once it was opened)."""
        rec = self._record(lesson_id, step_id, create=True)
        assert rec is not None
        rec["seen"] = True
        rec["solved"] = True
        self._changed(lesson_id, step_id)

    @_mutates
    def mark_seen(self, lesson_id: str, step_id: str, *, continue_here: bool = True) -> None:
        """The learner opened this step: remember it as seen and (unless a review shows it,
        `continue_here=False`) as the place to continue."""
        rec = self._record(lesson_id, step_id, create=True)
        assert rec is not None
        moved = continue_here and self.last_position != (lesson_id, step_id)
        changed = rec.get("seen") is not True or moved
        rec["seen"] = True
        rec.setdefault("seen_at", now_text())  # when it was first opened (time spent)
        if continue_here:
            self._set_last(lesson_id, step_id)
        if changed:
            self._changed(lesson_id, step_id)

    def _set_last(self, lesson_id: str, step_id: str) -> None:
        self._data["last"] = {"lesson": lesson_id, "step": step_id, "time": now_text()}

    # --------------------------------------------------------------------------- summaries
    def step_done(self, lesson_id: str, step: Step) -> bool:
        """Prose steps are done once seen; exercise (and train) steps once solved."""
        p = self.step(lesson_id, step.id)
        return p.solved if step.exercise is not None else p.seen

    def summarize(self, lesson: Lesson) -> LessonSummary:
        exercises = [s for s in lesson.steps if s.exercise is not None]
        records = [self.step(lesson.id, s.id) for s in lesson.steps]
        solved = sum(self.step(lesson.id, s.id).solved for s in exercises)
        touched = any(r.seen or r.attempts or r.solved for r in records)
        done_flags = [self.step_done(lesson.id, s) for s in lesson.steps]
        # a lesson without exercises is done once every step was read
        all_done = solved == len(exercises) if exercises else all(done_flags)
        if all_done:
            state = STATE_DONE
        elif touched:
            state = STATE_IN_PROGRESS
        else:
            state = STATE_NOT_STARTED
        first_open = next((i for i, done in enumerate(done_flags) if not done), 0)
        now = self.clock()
        reviews = [r.review for r in records if r.review is not None]
        return LessonSummary(
            lesson_id=lesson.id,
            title=lesson.title,
            state=state,
            solved=solved,
            total=len(exercises),
            attempts=sum(r.attempts for r in records),
            hints_used=sum(r.hints_used for r in records),
            revealed=sum(r.revealed for r in records),
            first_open_step=first_open,
            first_try=sum(self._first_try(lesson.id, s.id) for s in exercises),
            in_review=len(reviews),
            due=sum(r.is_due(now) for r in reviews),
            seconds=self._seconds(lesson),
        )

    def _first_try(self, lesson_id: str, step_id: str) -> bool:
        rec = self._record(lesson_id, step_id, create=False) or {}
        attempts = [a for a in rec.get("attempts", []) if isinstance(a, dict)]
        p = self.step(lesson_id, step_id)
        clean = p.hints_used == 0 and not p.revealed
        return bool(attempts) and attempts[0].get("status") == "correct" and clean

    def _seconds(self, lesson: Lesson) -> float:
        """Time spent on a lesson: what was done on its steps (openings, answers) in time
        order, pauses over BREAK_SECONDS left out, so steps open side by side count once. A
        lower bound (the time before a review's first answer is not known)."""
        events: list[float] = []
        for step in lesson.steps:
            rec = self._record(lesson.id, step.id, create=False) or {}
            attempts = [a for a in rec.get("attempts", []) if isinstance(a, dict)]
            events += [time_key(rec.get("seen_at")), *(time_key(a.get("time")) for a in attempts)]
        events = sorted(t for t in events if math.isfinite(t))
        gaps = (later - earlier for earlier, later in itertools.pairwise(events))
        return float(sum(gap for gap in gaps if gap <= BREAK_SECONDS))

    def summarize_course(self, lessons: Iterable[Lesson]) -> list[LessonSummary]:
        return [self.summarize(lesson) for lesson in lessons]


def _review(rec: dict[str, Any]) -> ReviewState | None:
    stored = rec.get("review")
    if isinstance(stored, dict) and stored.get("graduated") is True:
        return None
    return ReviewState.from_dict(stored)


def _set_review(rec: dict[str, Any], state: ReviewState | None) -> None:
    """Stamped with the time, so that of two windows' states the later wins (a merge); a step
    that leaves the queue keeps a marker rather than no key, so no window brings it back."""
    value = state.to_dict() if state is not None else {"graduated": True}
    rec["review"] = {**value, "time": now_text()}
