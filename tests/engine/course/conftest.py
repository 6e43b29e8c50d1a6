"""Shared helpers for the course room's tests, as fixtures."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest


def _write_course(folder: Path, lessons: dict[str, str]) -> Path:
    names = ", ".join(f'"{name}"' for name in lessons)
    (folder / "index.toml").write_text(
        f'format_version = 1\ntitle = "T"\nlessons = [{names}]\n', encoding="utf-8"
    )
    for name, text in lessons.items():
        (folder / f"{name}.toml").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def write_course() -> Callable[[Path, dict[str, str]], Path]:
    """`write_course(folder, {name: toml})`: an index.toml titled "T" listing the lessons in
    order, and their files; returns the folder."""
    return _write_course
