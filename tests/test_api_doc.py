"""docs/api.md tells the truth about the rooms: every public name its module tables list exists."""

from __future__ import annotations

import importlib
import importlib.util
import re
from pathlib import Path

import pytest
from bptutor.engine.course.quantities import QUANTITIES

API = (Path(__file__).resolve().parents[1] / "docs" / "api.md").read_text(encoding="utf-8")
# (heading the table follows, the package its modules are in)
TABLES = [
    ("## `bptutor.engine.answers`", "bptutor.engine.answers"),
    ("## The course room: `bptutor.engine.course`", "bptutor.engine.course"),
    ("## Code exercises: the `code` kind", "bptutor.engine.course"),
]
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def rows(heading: str) -> list[tuple[str, list[str]]]:
    """(module, the names in backticks after its first cell) of the module table after heading."""
    section = API.split(heading, 1)[1]
    out = []
    for line in section.splitlines():
        if line.startswith("## "):
            break
        cell = re.match(r"\| `([a-z_.]+)` \|(.*)", line)
        if cell:
            names = [n.lstrip("@") for n in re.findall(r"`([^`]+)`", cell.group(2))]
            out.append((cell.group(1), [n for n in names if NAME.fullmatch(n)]))
    return out


CASES = [(package, module, names) for heading, package in TABLES for module, names in rows(heading)]


def test_the_tables_are_there() -> None:
    modules = {module for _package, module, _names in CASES}
    assert {"expr", "parser", "verdict", "outline", "safefile", "graph", "review"} <= modules
    assert {"classreport", "progress_file", "progress_format", "calls", "reader"} <= modules
    assert {"quantities", "quantities.registry", "quantities.network", "code_grading"} <= modules


@pytest.mark.parametrize(("package", "module", "names"), CASES, ids=[c[1] for c in CASES])
def test_every_listed_name_exists(package: str, module: str, names: list[str]) -> None:
    """A name in a row is the module's, one of its quantities (a quantities topic), or another
    module of the room (`tree` in expr's row)."""
    mod = importlib.import_module(f"{package}.{module}")
    quantities = {n for n, q in QUANTITIES.items() if q.func.__module__ == mod.__name__}
    missing = [
        n
        for n in names
        if not hasattr(mod, n)
        and n not in quantities
        and importlib.util.find_spec(f"{package}.{n}") is None
    ]
    assert names and not missing, f"{module}: {missing}"
