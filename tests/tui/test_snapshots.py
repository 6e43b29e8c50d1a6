"""SVG snapshots of the key screens at 80x24 with a fixed seed (look before you accept).

Regenerate after a deliberate change with `pytest tests/tui/test_snapshots.py --snapshot-update`
and inspect the SVGs under __snapshots__/.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tui_helpers import SIZE, answer_wrong, make_app


def test_course_map(snap_compare: Any, tmp_path: Path) -> None:
    assert snap_compare(make_app(tmp_path / "data"), terminal_size=SIZE)


def test_lesson_with_a_wrong_answer(snap_compare: Any, tmp_path: Path) -> None:
    app = make_app(tmp_path / "data")

    async def run_before(pilot: Any) -> None:
        await pilot.pause()
        await answer_wrong(pilot, app)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_help_screen(snap_compare: Any, tmp_path: Path) -> None:
    assert snap_compare(make_app(tmp_path / "data"), terminal_size=SIZE, press=["f1"])
