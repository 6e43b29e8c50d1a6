"""The learner's progress: one JSON file in the per-user data directory.

Why it looks like this:
- keyed by lesson id and step id (never by position), so reordering or editing a course never
  loses history; ids the course no longer has are kept in the file but ignored;
- rewritten whole and atomically (temp file in the same directory, fsync, ``os.replace``) after
  every submitted answer, so killing the tutor loses nothing already answered;
- mode 0600 in a 0700 directory, because a class server has many users;
- never crashes the app: a corrupted file is moved aside (``progress.json.corrupt-<time>``), an
  unwritable directory turns saving off, and both leave a sentence in :attr:`notices` for the UI.

Textual-free, like all of the engine: ``bptutor progress`` and tests use it directly.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bptutor.engine.course.model import Lesson, Step
from platformdirs import user_data_dir

FORMAT_VERSION = 1
FILE_NAME = "progress.json"
ENV_DATA_DIR = "BPTUTOR_DATA_DIR"
"""Environment variable that overrides the data directory (tests, teachers' scripts)."""

STATE_NOT_STARTED = "not started"
STATE_IN_PROGRESS = "in progress"
STATE_DONE = "done"


def default_data_dir() -> Path:
    """Where progress lives: $BPTUTOR_DATA_DIR, else platformdirs (respects XDG_DATA_HOME)."""
    env = os.environ.get(ENV_DATA_DIR)
    if env:
        return Path(env).expanduser()
    return Path(user_data_dir("bptutor", appauthor=False))


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class StepProgress:
    """What the learner has done on one step (a read-only view of the stored record)."""

    attempts: int = 0
    hints_used: int = 0
    solved: bool = False
    revealed: bool = False
    seen: bool = False
    last_answer: str = ""


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


class ProgressStore:
    """Load, query and save the learner's progress; see the module docstring for the rules."""

    def __init__(self, data_dir: Path | None = None) -> None:
        self.data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
        self.path = self.data_dir / FILE_NAME
        self.notices: list[str] = []
        """Sentences for the learner (file moved aside, saving off); the UI shows them."""
        self.writable = True
        self._data: dict[str, Any] = self._load()
        if not isinstance(self._data.get("seed"), int) or isinstance(self._data["seed"], bool):
            self._data["seed"] = secrets.randbelow(2**31)
            self.save()

    # ----------------------------------------------------------------- loading and saving
    def _fresh(self) -> dict[str, Any]:
        return {"version": FORMAT_VERSION, "lessons": {}}

    def _load(self) -> dict[str, Any]:
        try:
            raw = self.path.read_text(encoding="utf-8")
        except (FileNotFoundError, NotADirectoryError):
            return self._fresh()  # saving will say why the directory is unusable
        except (OSError, UnicodeDecodeError) as exc:
            if isinstance(exc, UnicodeDecodeError):
                return self._move_aside("it is not text")
            self.writable = False
            self.notices.append(
                f"Could not read your progress file {self.path} ({exc.strerror or exc}). "
                "You can keep learning, but progress will not be saved this session."
            )
            return self._fresh()
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            return self._move_aside(f"it is not valid JSON: {exc.msg}, line {exc.lineno}")
        if not isinstance(data, dict) or not isinstance(data.get("lessons", {}), dict):
            return self._move_aside("it does not have the expected layout")
        version = data.get("version")
        if not isinstance(version, int) or isinstance(version, bool):
            return self._move_aside("it has no format version")
        if version > FORMAT_VERSION:
            self.writable = False
            self.notices.append(
                f"Your progress file {self.path} was written by a newer bptutor (format "
                f"{version}); it is left untouched and this session's progress is not saved."
            )
        data.setdefault("lessons", {})
        return data

    def _move_aside(self, why: str) -> dict[str, Any]:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        target = self.path.with_name(f"{FILE_NAME}.corrupt-{stamp}")
        n = 1
        while target.exists():
            n += 1
            target = self.path.with_name(f"{FILE_NAME}.corrupt-{stamp}-{n}")
        try:
            os.replace(self.path, target)
        except OSError as exc:
            self.writable = False
            self.notices.append(
                f"Your progress file {self.path} is damaged ({why}) and could not be moved "
                f"aside ({exc.strerror or exc}); progress will not be saved this session."
            )
        else:
            self.notices.append(
                f"Your progress file was damaged ({why}). It was moved to {target.name} "
                "and you start with a fresh record."
            )
        return self._fresh()

    def _ensure_dir(self) -> None:
        if self.data_dir.is_dir():
            return
        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(self.data_dir, 0o700)  # mkdir's mode is filtered by the umask

    def save(self) -> bool:
        """Write the whole file atomically; False (and a notice, once) when it cannot."""
        if not self.writable:
            return False
        tmp_name: str | None = None
        try:
            self._ensure_dir()
            fd, tmp_name = tempfile.mkstemp(prefix=".progress-", suffix=".tmp", dir=self.data_dir)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                os.fchmod(fh.fileno(), 0o600)
                json.dump(self._data, fh, indent=1, ensure_ascii=False, sort_keys=True)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp_name, self.path)
            tmp_name = None
            self._fsync_dir()
            return True
        except OSError as exc:
            self.writable = False
            self.notices.append(
                f"Progress cannot be saved: {self.data_dir} is not writable "
                f"({exc.strerror or exc}). You can keep learning, but this session's answers "
                "will not be remembered. Use --data-dir DIR to choose another place."
            )
            return False
        finally:
            if tmp_name is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp_name)

    def _fsync_dir(self) -> None:
        """Make the rename durable too (best effort: not every platform can open a dir)."""
        try:
            dir_fd = os.open(self.data_dir, os.O_RDONLY)
        except OSError:
            return
        try:
            os.fsync(dir_fd)
        except OSError:
            pass
        finally:
            os.close(dir_fd)

    def reset(self) -> None:
        """Forget everything (the caller asks the learner first). A new seed is drawn."""
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        self._data = self._fresh()
        self._data["seed"] = secrets.randbelow(2**31)

    # ------------------------------------------------------------------ small properties
    @property
    def seed(self) -> int:
        """The learner's own seed for randomised exercises (created once, then kept)."""
        return int(self._data["seed"])

    @property
    def welcomed(self) -> bool:
        return bool(self._data.get("welcomed", False))

    def mark_welcomed(self) -> None:
        if not self.welcomed:
            self._data["welcomed"] = True
            self.save()

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
        lessons = self._data.setdefault("lessons", {})
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
        hints = rec.get("hints_used", 0)
        last = attempts[-1].get("answer", "") if attempts else ""
        return StepProgress(
            attempts=len(attempts),
            hints_used=hints if isinstance(hints, int) and hints >= 0 else 0,
            solved=rec.get("solved") is True,
            revealed=rec.get("revealed") is True,
            seen=rec.get("seen") is True,
            last_answer=last if isinstance(last, str) else "",
        )

    def record_attempt(
        self,
        lesson_id: str,
        step_id: str,
        answer: str,
        status: str,
        mistake: str | None = None,
    ) -> bool:
        """Store one graded answer (and `solved` when it is correct); saves. False: not saved."""
        rec = self._record(lesson_id, step_id, create=True)
        assert rec is not None
        attempts = rec.get("attempts")
        if not isinstance(attempts, list):
            attempts = rec["attempts"] = []
        attempts.append({"answer": answer, "status": status, "mistake": mistake, "time": _now()})
        rec["seen"] = True
        if status == "correct":
            rec["solved"] = True
        self._set_last(lesson_id, step_id)
        return self.save()

    def record_hint(self, lesson_id: str, step_id: str) -> int:
        """Count one more hint shown; returns how many the learner has now seen."""
        rec = self._record(lesson_id, step_id, create=True)
        assert rec is not None
        used = self.step(lesson_id, step_id).hints_used + 1
        rec["hints_used"] = used
        self.save()
        return used

    def record_reveal(self, lesson_id: str, step_id: str) -> None:
        rec = self._record(lesson_id, step_id, create=True)
        assert rec is not None
        rec["revealed"] = True
        self.save()

    def mark_solved(self, lesson_id: str, step_id: str) -> None:
        """For steps without an answer to check (a `train` step counts once it was opened)."""
        rec = self._record(lesson_id, step_id, create=True)
        assert rec is not None
        rec["seen"] = True
        rec["solved"] = True
        self.save()

    def mark_seen(self, lesson_id: str, step_id: str) -> None:
        """The learner opened this step: remember it as seen and as the place to continue."""
        rec = self._record(lesson_id, step_id, create=True)
        assert rec is not None
        changed = rec.get("seen") is not True or self.last_position != (lesson_id, step_id)
        rec["seen"] = True
        self._set_last(lesson_id, step_id)
        if changed:
            self.save()

    def _set_last(self, lesson_id: str, step_id: str) -> None:
        self._data["last"] = {"lesson": lesson_id, "step": step_id}

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
        )

    def summarize_course(self, lessons: Iterable[Lesson]) -> list[LessonSummary]:
        return [self.summarize(lesson) for lesson in lessons]
