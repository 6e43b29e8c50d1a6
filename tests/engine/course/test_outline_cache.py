"""The map's outline is cached per user (parsing every lesson's TOML is most of the time to a
usable map): the cache gives the same outline, follows an edited lesson file at once, and a
damaged cache is only a slower start."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from bptutor.engine.course import outline
from bptutor.engine.course.outline import builtin_course_dir, read_outline


@pytest.fixture(autouse=True)
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(outline.ENV_CACHE_DIR, str(tmp_path / "cache"))
    return tmp_path / "cache"


def shape(course) -> list[tuple]:
    return [
        (
            lesson.id,
            lesson.title,
            lesson.summary,
            lesson.source,
            [(s.id, s.title, s.exercise.kind if s.exercise else None) for s in lesson.steps],
        )
        for lesson in course.lessons
    ]


def test_the_cached_outline_is_the_parsed_one(cache_dir: Path, monkeypatch) -> None:
    first = read_outline(None)
    assert list(cache_dir.glob("outline-*.json"))
    parsed = []
    monkeypatch.setattr(outline, "_outline_lesson", lambda *a: parsed.append(a))  # not called
    second = read_outline(None)
    assert parsed == [] and shape(second) == shape(first)
    assert second.title == first.title and len(second.lessons) >= 20


def test_an_edited_lesson_is_read_again_and_a_damaged_cache_ignored(
    tmp_path: Path, cache_dir: Path
) -> None:
    course = tmp_path / "course"
    shutil.copytree(builtin_course_dir(), course)
    before = read_outline(course)
    first = course / "01_derivatives.toml"
    text = first.read_text("utf-8")
    first.write_text(text.replace(f'title = "{before.lessons[0].title}"', 'title = "New"', 1))
    assert read_outline(course).lessons[0].title == "New"
    for cached in cache_dir.glob("outline-*.json"):
        cached.write_text("{not json", encoding="utf-8")
    assert shape(read_outline(course))[1:] == shape(before)[1:]
    assert read_outline(course).lessons[0].title == "New"
