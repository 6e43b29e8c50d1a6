"""The README tells the truth: its answer-syntax table is read as it says, its images exist."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from bptutor.engine.answers.grading import check_array, check_expression, check_number
from bptutor.tui.screens.help import KEYS

README = Path(__file__).resolve().parents[1] / "README.md"
TEXT = README.read_text(encoding="utf-8")


def table_rows(heading: str) -> list[list[str]]:
    """The body rows of the first Markdown table after `heading`, as lists of cells."""
    section = TEXT.split(heading, 1)[1]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    body: list[list[str]] = []
    for line in rows[2:]:
        # a cell may hold an escaped pipe (`\|x\|`), as GitHub's tables need it
        cells = re.split(r"(?<!\\)\|", line.strip().strip("|"))
        body.append([cell.strip().replace("\\|", "|") for cell in cells])
        if not section.split(line, 1)[1].lstrip(" ").startswith("\n|"):
            break
    return body


def forms(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


SYNTAX = table_rows("### Answer syntax")
# rows whose forms are all the same answer (not the list of functions, not multiple choice)
SAME = [r for r in SYNTAX if "usual functions" not in r[1] and not r[1].startswith("an option")]


def test_the_syntax_table_is_there() -> None:
    assert len(SYNTAX) >= 8
    assert all(forms(row[0]) for row in SYNTAX)


@pytest.mark.parametrize("row", SAME, ids=lambda row: row[1][:30])
def test_every_form_in_a_row_means_the_same(row: list[str]) -> None:
    """All forms on one row are accepted against the first one (same value, same shape)."""
    first, *others = forms(row[0])
    if first.startswith("["):
        values = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", first)]
        expected = np.array(values)
        if ";" in first:
            expected = expected.reshape(2, -1)
        for form in [first, *others]:
            verdict = check_array(form, expected=expected)
            assert verdict.correct, (form, verdict.message)
    elif re.fullmatch(r"[-+\d./e]+", first):  # numbers
        expected = float(first)
        for form in [first, *others]:
            verdict = check_number(form, expected=expected)
            assert verdict.correct, (form, verdict.message)
    else:
        names = sorted(set(re.findall(r"\b[xyz]\b", " ".join(forms(row[0])))))
        for form in others:
            verdict = check_expression(form, expected=first, variables=names)
            assert verdict.correct, (form, verdict.message)


def test_functions_row_names_only_readable_functions() -> None:
    row = next(r for r in SYNTAX if "usual functions" in r[1])
    for form in forms(row[0]):
        call = form if "(" in form else f"{form}(x)" if form != "pi" else form
        verdict = check_expression(call, expected=call, variables=["x", "z"])
        assert verdict.status == "correct", (call, verdict.message)


def test_every_help_key_is_in_the_readme_keys_table() -> None:
    keys_table = " ".join(" ".join(row) for row in table_rows("### Keys"))
    for left, right in KEYS:
        if not right:  # a sub-heading
            continue
        for key in re.split(r"\s{2,}", left):
            for part in key.split():
                if part in ("…",):
                    continue
                assert part.rstrip(",") in keys_table, f"help key {part!r} missing from README"


@pytest.mark.parametrize("image", re.findall(r"\]\((docs/[^)]+\.(?:svg|png))\)", TEXT))
def test_readme_images_exist(image: str) -> None:
    path = README.parent / image
    assert path.is_file(), f"{image} is linked from the README but missing"
    if image.endswith(".png"):
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    else:
        assert "<svg" in path.read_text(encoding="utf-8")[:2000]
