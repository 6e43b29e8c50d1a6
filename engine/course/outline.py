"""A course's files and table of contents: where the course is, reading its files safely
(only regular files, size and nesting bounded, control characters shown as ^X), which lesson
files its index lists, and (for the map's first frame) each lesson's id, title, summary and
steps.

Only TOML, no numpy: the app lists the lessons before the full course (loader.py, which
parses computations and expressions) has loaded in the background.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tomllib
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

from bptutor.engine.course.controls import CONTROL, caret
from bptutor.engine.course.model import (
    FORMAT_VERSION,
    FORMAT_VERSIONS,
    MAX_FILE_BYTES,
    MAX_NESTING,
    Course,
    CoursePart,
    ExerciseSpec,
    Lesson,
    LessonError,
    Step,
    excerpt,
)
from bptutor.engine.course.safefile import NotRegular, TooLarge, read_regular
from platformdirs import user_cache_dir

__all__ = [
    "ENV_CACHE_DIR",
    "CourseIndex",
    "builtin_course_dir",
    "label",
    "outline_cache_dir",
    "parse_toml",
    "read_index",
    "read_outline",
    "read_text",
    "show_controls",
]


def builtin_course_dir() -> Path:
    """The folder of the built-in course (shipped as package data of bptutor.lessons)."""
    return Path(str(files("bptutor.lessons")))


def label(path: Path) -> str:
    """How messages name a file: its folder and name (lessons/02_partials.toml)."""
    return f"{path.parent.name}/{path.name}" if path.parent.name else path.name


# --- reading a course file safely -----------------------------------------------------------


def read_text(path: Path, label: str) -> str:
    """A course file's text: only a regular file, at most MAX_FILE_BYTES of it (safefile)."""
    limit = f"a course file may have at most {MAX_FILE_BYTES // 2**20} MiB"
    try:
        raw, _info = read_regular(path, MAX_FILE_BYTES)
    except FileNotFoundError:
        raise LessonError(f"{label}: file not found") from None
    except NotRegular as exc:
        raise LessonError(f"{label}: is not a regular file ({exc.kind})") from None
    except TooLarge as exc:
        raise LessonError(f"{label}: is too large ({exc.size:,} bytes; {limit})") from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the name
        reason = getattr(exc, "strerror", None) or exc
        raise LessonError(f"{label}: cannot read the file ({reason})") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise LessonError(f"{label}: not UTF-8 text") from None


def parse_toml(text: str, label: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LessonError(f"{label}: invalid TOML: {exc}") from None
    except RecursionError:
        raise LessonError(
            f"{label}: {_deep_spot(text)}is nested too deeply to be read "
            f"(at most {MAX_NESTING} levels of lists and tables)"
        ) from None


_KEY_BEFORE_EQUALS = re.compile(r"([^=\n]{1,100}?)\s*=")


def _deep_spot(text: str) -> str:
    """'key "k" at line n: ' for the first value nested deeper than MAX_NESTING, else ''.

    A rough scan (strings and comments skipped, brackets counted), run only after tomllib gave
    up, so that the message names the key.
    """
    depth, key, key_line, line, i, n = 0, "", 0, 1, 0, len(text)
    line_start = True
    while i < n:
        c = text[i]
        if c == "\n":
            line, line_start, i = line + 1, True, i + 1
            continue
        if c in " \t\r":
            i += 1
            continue
        if line_start and depth == 0 and c not in "[#":
            m = _KEY_BEFORE_EQUALS.match(text, i)
            if m:
                key, key_line = m.group(1).strip(), line
        line_start = False
        if c == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        for quote in ('"""', "'''"):
            if text.startswith(quote, i):
                end = text.find(quote, i + 3)
                end = n if end < 0 else end + 3
                line += text.count("\n", i, end)
                i = end
                break
        else:
            if c in "\"'":
                j = i + 1
                while j < n and text[j] != c and text[j] != "\n":
                    j += 2 if c == '"' and text[j] == "\\" else 1
                i = j + 1
                continue
            if c in "[{":
                depth += 1
                if depth > MAX_NESTING and key:
                    return f'key "{caret(excerpt(key, 40))}" at line {key_line} '
            elif c in "]}":
                depth = max(0, depth - 1)
            i += 1
    return ""


def show_controls(data: Any, label: str, top: Any) -> list[str]:
    """Show every control character in every string (and key) of the parsed file as ^X, in
    place; one warning per string that had any, naming the file, the step and the key."""
    warnings: list[str] = []
    todo: list[tuple[Any, tuple[str | int, ...]]] = [(data, ())]
    while todo:
        node, path = todo.pop()
        items = list(node.items()) if isinstance(node, dict) else list(enumerate(node))
        for key, value in items:
            where = (*path, key)
            if isinstance(key, str) and CONTROL.search(key):
                del node[key]
                key = caret(key)
                node[key] = value
                where = (*path, key)
                warnings.append(_control_warning(label, top, where, "its name"))
            if isinstance(value, str):
                if CONTROL.search(value):
                    node[key] = caret(value)
                    warnings.append(_control_warning(label, top, where, value))
            elif isinstance(value, dict | list):
                todo.append((value, where))
    return sorted(warnings)


def _control_warning(label: str, top: Any, path: tuple[str | int, ...], value: str) -> str:
    found = sorted({caret(c) for c in CONTROL.findall(value)}) if value != "its name" else []
    what = f" ({', '.join(found[:4])}{', …' if len(found) > 4 else ''})" if found else ""
    where = label
    if len(path) >= 2 and path[0] == "steps" and isinstance(path[1], int):
        steps = top.get("steps") if isinstance(top, dict) else None
        step = steps[path[1]] if isinstance(steps, list) else None
        step_id = step.get("id") if isinstance(step, dict) else None
        name = f'"{step_id}"' if isinstance(step_id, str) else f"steps[{path[1] + 1}]"
        where, path = f"{label}: step {name}", path[2:]
    key = ""
    for part in path:
        key += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if key else part)
    subject = f"{key}'s name" if value == "its name" else key
    return (
        f"{where}: {subject} has control characters{what}; they are shown as ^X "
        "(write the text without them)"
    )


# --- the index and the outline ----------------------------------------------------------------


@dataclass(frozen=True)
class CourseIndex:
    """What index.toml says: the course's title, its lesson files in order and its parts."""

    folder: Path
    title: str = ""
    files: tuple[Path, ...] = ()
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()  # control characters shown as ^X
    version: int = FORMAT_VERSION  # the lesson format its files are written in
    parts: tuple[CoursePart, ...] = ()


def read_index(path: Path | str | None = None) -> CourseIndex:
    """Read a course folder's index.toml (None: the built-in course). Never raises: problems
    are in `errors`, and an unusable index gives no files."""
    folder = builtin_course_dir() if path is None else Path(path)
    if not folder.is_dir():
        return CourseIndex(folder, errors=(f"{folder} is not a directory.",))
    index_path = folder / "index.toml"
    where = label(index_path)
    try:
        data = parse_toml(read_text(index_path, where), where)
    except LessonError as exc:
        message = str(exc)
        if message.endswith("file not found"):
            message += " (a course needs an index.toml)"
        return CourseIndex(folder, errors=(message,))
    warnings = tuple(show_controls(data, where, data))
    unknown = [key for key in data if key not in ("format_version", "title", "lessons", "parts")]
    if unknown:
        return CourseIndex(
            folder,
            errors=(
                f'{where}: unknown key "{unknown[0]}" (expected one of: format_version, title, '
                "lessons, parts)",
            ),
        )
    version = data.get("format_version")
    if version not in FORMAT_VERSIONS or isinstance(version, bool):
        known = " or ".join(str(v) for v in FORMAT_VERSIONS)
        return CourseIndex(
            folder, errors=(f"{where}: format_version must be {known}, got {version!r}",)
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
        if name.startswith(".") or any(c in name for c in "/\\") or not name.strip():
            errors.append(
                f'{where}: lessons entry "{excerpt(name)}" is not allowed: an entry is a file '
                "name in the course folder (no path separator, not starting with a dot)"
            )
        elif folder / file_name in found:
            errors.append(f'{where}: lessons lists "{name}" twice')
        else:
            found.append(folder / file_name)
    parts: tuple[CoursePart, ...] = ()
    try:
        parts = _read_parts(data.get("parts", []), folder, found, where)
    except ValueError as exc:  # the lessons still load, without headings on the map
        errors.append(str(exc))
    return CourseIndex(folder, title, tuple(found), tuple(errors), warnings, version, parts)


def _read_parts(raw: Any, folder: Path, files: list[Path], where: str) -> tuple[CoursePart, ...]:
    """index.toml's optional `parts`: a heading before a run of lessons, each part running
    from its `first` lesson to the next part's. Lessons before the first part have none."""
    example = '[{ title = "Beyond the notes", first = "14_activations" }]'
    if not isinstance(raw, list) or not all(isinstance(p, dict) for p in raw):
        raise ValueError(f"{where}: parts must be a list of tables like {example}")
    starts: list[int] = []
    titles: list[str] = []
    for i, part in enumerate(raw, 1):
        key = f"{where}: parts[{i}]"
        unknown = [k for k in part if k not in ("title", "first")]
        if unknown:
            raise ValueError(f'{key}: unknown key "{unknown[0]}" (expected title, first)')
        title, first = part.get("title"), part.get("first")
        if not isinstance(title, str) or not title.strip():
            raise ValueError(f"{key}.title must be a non-empty string (the map's heading)")
        if not isinstance(first, str):
            raise ValueError(f"{key}.first must be a string: the file name of its first lesson")
        path = folder / (first if first.endswith(".toml") else f"{first}.toml")
        if path not in files:
            raise ValueError(f'{key}.first "{excerpt(first)}" is not one of the lessons')
        start = files.index(path)
        if starts and start <= starts[-1]:
            raise ValueError(f'{key}.first "{excerpt(first)}" must come after the part before')
        starts.append(start)
        titles.append(title.strip())
    bounds = [*starts, len(files)]  # part i runs from bounds[i] up to the next part's first
    return tuple(
        CoursePart(title, tuple(files[bounds[i] : bounds[i + 1]])) for i, title in enumerate(titles)
    )


def read_outline(path: Path | str | None = None) -> Course:
    """The lessons as the map lists them: ids, titles, summaries, and each step's id, title and
    exercise kind (no parameters, nothing computed). Never raises; whatever cannot be read is
    left out (the full load reports it)."""
    index = read_index(path)
    stamp = _stamp(index)
    cached = _cached_outline(index, stamp)
    if cached is not None:
        return Course(index.title, cached, (), index.folder, parts=index.parts)
    lessons: list[Lesson] = []
    for lesson_file in index.files:
        try:
            data = parse_toml(read_text(lesson_file, label(lesson_file)), label(lesson_file))
            show_controls(data, label(lesson_file), data)
            lesson = _outline_lesson(data, lesson_file)
        except (LessonError, TypeError, ValueError):
            continue
        if lesson is not None and all(other.id != lesson.id for other in lessons):
            lessons.append(lesson)
    _store_outline(index, stamp, lessons)
    return Course(index.title, tuple(lessons), (), index.folder, parts=index.parts)


# --- the outline cache ---------------------------------------------------------------------
# Parsing 23 lesson files with tomllib takes ~0.2 s, most of bptutor's time to a usable map.
# The outline (titles, summaries, step ids and kinds) is kept per user, keyed by every file's
# path, size and modification time, so it is parsed again only after a lesson file changes.

OUTLINE_CACHE_VERSION = 1
ENV_CACHE_DIR = "BPTUTOR_CACHE_DIR"
"""Overrides where the outline cache lives (default: the per-user cache directory)."""


def outline_cache_dir() -> Path:
    env = os.environ.get(ENV_CACHE_DIR)
    return Path(env).expanduser() if env else Path(user_cache_dir("bptutor", appauthor=False))


def _stamp(index: CourseIndex) -> list[list[Any]] | None:
    stamp: list[list[Any]] = []
    for file in (index.folder / "index.toml", *index.files):
        try:
            info = os.stat(file)
        except OSError:
            return None
        stamp.append([str(file), info.st_mtime_ns, info.st_size])
    return stamp


def _cache_file(index: CourseIndex) -> Path:
    key = hashlib.sha256(str(index.folder.resolve()).encode("utf-8", "replace")).hexdigest()
    return outline_cache_dir() / f"outline-{key[:20]}.json"


def _cached_outline(index: CourseIndex, stamp: list[list[Any]] | None) -> tuple[Lesson, ...] | None:
    """The lessons as cached for exactly these files; None if anything differs or is odd."""
    if stamp is None or index.errors:
        return None
    try:
        doc = json.loads(read_regular(_cache_file(index), 4 << 20)[0].decode("utf-8"))
        if doc.get("version") != OUTLINE_CACHE_VERSION or doc.get("stamp") != stamp:
            return None
        return tuple(
            Lesson(
                item["id"],
                item["title"],
                item["summary"],
                tuple(
                    Step(sid, stitle, "", exercise=ExerciseSpec(kind) if kind else None)
                    for sid, stitle, kind in item["steps"]
                ),
                source=Path(item["source"]),
            )
            for item in doc["lessons"]
        )
    except Exception:  # a damaged or foreign cache is only a slower start
        return None


def _store_outline(
    index: CourseIndex, stamp: list[list[Any]] | None, lessons: list[Lesson]
) -> None:
    if stamp is None or index.errors:
        return
    doc = {
        "version": OUTLINE_CACHE_VERSION,
        "stamp": stamp,
        "lessons": [
            {
                "id": lesson.id,
                "title": lesson.title,
                "summary": lesson.summary,
                "source": str(lesson.source),
                "steps": [
                    [step.id, step.title, step.exercise.kind if step.exercise else None]
                    for step in lesson.steps
                ],
            }
            for lesson in lessons
        ],
    }
    target = _cache_file(index)
    with contextlib.suppress(OSError):  # no cache (read-only home, full disk): parse each time
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, target)


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
