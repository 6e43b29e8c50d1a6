"""Shared fixtures for the answers room's tests."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def xyz() -> list[str]:
    """The variables most parser and printing tests allow: x, y and z."""
    return ["x", "y", "z"]


@pytest.fixture(scope="session")
def point() -> dict[str, float]:
    """Where those tests evaluate a tree: no coordinate 0 or 1, y negative."""
    return {"x": 0.7, "y": -0.4, "z": 1.3}
