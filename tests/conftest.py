"""Fixtures for every test folder: the learners' backprop.py files code exercises are graded on."""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

BACKPROP = Path(__file__).resolve().parent / "data" / "backprop"


@functools.cache
def backprop_samples() -> dict[str, str]:
    """File name -> text: right.py, and each learner's file variants.toml derives from it."""
    base = (BACKPROP / "right.py").read_text("utf-8")
    head, body = base.split("# expect: correct -\n", 1)
    variants = tomllib.loads((BACKPROP / "variants.toml").read_text("utf-8"))
    out = {"right.py": base}
    for name, variant in variants.items():
        text = body
        for old, new in variant["replace"]:
            assert text.count(old) == 1, f"variants.toml [{name}]: {old!r} is not in right.py once"
            text = text.replace(old, new)
        doc = head.split(":", 1)[0] + f': {variant["doc"]}"""\n\n'
        out[f"{name}.py"] = f"{doc}# expect: {variant['expect']}\n{text}"
    return out


@pytest.fixture(scope="session")
def samples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding every learner's file of backprop_samples()."""
    folder = tmp_path_factory.mktemp("backprop")
    for name, text in backprop_samples().items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def expected_verdict(sample_name: str) -> tuple[str, str | None]:
    """(status, mistake name or None) the file `sample_name` gets: its "# expect:" line."""
    text = backprop_samples()[sample_name]
    line = next(x for x in text.splitlines() if x.startswith("# expect: "))
    status, _, mistake = line.removeprefix("# expect: ").partition(" ")
    return status, None if mistake == "-" else mistake


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test taking `sample_name` runs once per learner's file."""
    if "sample_name" in metafunc.fixturenames:
        names = sorted(backprop_samples())
        metafunc.parametrize("sample_name", names, ids=[n.removesuffix(".py") for n in names])


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
