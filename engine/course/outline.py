"""A course's table of contents, read fast: where the course is, which lesson files its
index lists, and (for the map's first frame) each lesson's id, title, summary and steps.

Only TOML, no numpy: the app lists the lessons before the full course (loader.py, which
parses computations and expressions) has loaded in the background.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

from bptutor.engine.course.model import FORMAT_VERSION, Course, ExerciseSpec, Lesson, Step

__all__ = ["CourseIndex", "builtin_course_dir", "label", "read_index", "read_outline"]


def builtin_course_dir() -> Path:
    """The folder of the built-in course (shipped as package data of bptutor.lessons)."""
    return Path(str(files("bptutor.lessons")))


def label(path: Path) -> str:
    """How messages name a file: its folder and name (lessons/02_partials.toml)."""
    return f"{path.parent.name}/{path.name}" if path.parent.name else path.name


@dataclass(frozen=True)
class CourseIndex:
    """What index.toml says: the course's title and its lesson files in order."""

    folder: Path
    title: str = ""
    files: tuple[Path, ...] = ()
    errors: tuple[str, ...] = ()


def read_index(path: Path | str | None = None) -> CourseIndex:
    """Read a course folder's index.toml (None: the built-in course). Never raises: problems
    are in `errors`, and an unusable index gives no files."""
    folder = builtin_course_dir() if path is None else Path(path)
    if not folder.is_dir():
        return CourseIndex(folder, errors=(f"{folder} is not a directory.",))
    index_path = folder / "index.toml"
    where = label(index_path)
    try:
        data = tomllib.loads(index_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return CourseIndex(
            folder, errors=(f"{where}: file not found (a course needs an index.toml)",)
        )
    except tomllib.TOMLDecodeError as exc:
        return CourseIndex(folder, errors=(f"{where}: invalid TOML: {exc}",))
    except (OSError, UnicodeDecodeError) as exc:
        return CourseIndex(folder, errors=(f"{where}: cannot read the file ({exc})",))
    unknown = [key for key in data if key not in ("format_version", "title", "lessons")]
    if unknown:
        return CourseIndex(
            folder,
            errors=(
                f'{where}: unknown key "{unknown[0]}" (expected one of: format_version, title, '
                "lessons)",
            ),
        )
    version = data.get("format_version")
    if version != FORMAT_VERSION:
        return CourseIndex(
            folder, errors=(f"{where}: format_version must be {FORMAT_VERSION}, got {version!r}",)
        )
    title = data.get("title", "")
    if not isinstance(title, str):
        return CourseIndex(folder, errors=(f"{where}: title must be a string",))
    names = data.get("lessons")
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        return CourseIndex(
            folder, title, errors=(f"{where}: lessons must be a list of lesson file names",)
        )
    if not names:
        return CourseIndex(
            folder,
            title,
            errors=(
                f"{where}: lessons is missing or empty (expected a list of lesson file names)",
            ),
        )
    found: list[Path] = []
    errors: list[str] = []
    for name in names:
        file_name = name if name.endswith(".toml") else f"{name}.toml"
        if "/" in file_name or "\\" in file_name:
            errors.append(f'{where}: lessons entry "{name}" must be a file name in the folder')
        elif folder / file_name in found:
            errors.append(f'{where}: lessons lists "{name}" twice')
        else:
            found.append(folder / file_name)
    return CourseIndex(folder, title, tuple(found), tuple(errors))


def read_outline(path: Path | str | None = None) -> Course:
    """The lessons as the map lists them: ids, titles, summaries, and each step's id, title and
    exercise kind (no parameters, nothing computed). Never raises; whatever cannot be read is
    left out (the full load reports it)."""
    index = read_index(path)
    lessons: list[Lesson] = []
    for lesson_file in index.files:
        try:
            data = tomllib.loads(lesson_file.read_text(encoding="utf-8"))
            lesson = _outline_lesson(data, lesson_file)
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, TypeError, ValueError):
            continue
        if lesson is not None and all(other.id != lesson.id for other in lessons):
            lessons.append(lesson)
    return Course(index.title, tuple(lessons), (), index.folder)


def _outline_lesson(data: dict[str, Any], source: Path) -> Lesson | None:
    lesson_id, title, summary = data.get("id"), data.get("title"), data.get("summary")
    steps_raw = data.get("steps")
    if not all(isinstance(v, str) for v in (lesson_id, title, summary)):
        return None
    if not isinstance(steps_raw, list) or not steps_raw:
        return None
    steps = []
    for table in steps_raw:
        if not isinstance(table, dict) or not isinstance(table.get("id"), str):
            return None
        exercise = table.get("exercise")
        kind = exercise.get("kind") if isinstance(exercise, dict) else None
        steps.append(
            Step(
                table["id"],
                str(table.get("title", "")),
                "",
                exercise=ExerciseSpec(kind) if isinstance(kind, str) else None,
            )
        )
    return Lesson(lesson_id, title, summary, tuple(steps), source=source)
