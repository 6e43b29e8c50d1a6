"""The lesson files tests load, kept as data in tests/data/lessons/ (importable from every test
folder: tests/ is on the path through its conftest.py)."""

from __future__ import annotations

from pathlib import Path

LESSONS = Path(__file__).resolve().parent / "data" / "lessons"


def lesson_text(name: str) -> str:
    """The text of tests/data/lessons/<name>.toml."""
    return (LESSONS / f"{name}.toml").read_text(encoding="utf-8")
