"""Fixtures for the TUI tests (helpers live in tui_helpers.py)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A fresh progress directory: no test ever touches the real per-user one."""
    return tmp_path / "data"


@pytest.fixture(autouse=True)
def _no_user_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BPTUTOR_DATA_DIR", str(tmp_path / "env-data"))
