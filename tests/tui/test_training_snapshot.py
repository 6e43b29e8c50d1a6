"""SVG snapshot of the training view after ten single steps (deterministic: no run, no rate).

Regenerate after a deliberate change with
`pytest tests/tui/test_training_snapshot.py --snapshot-update` and look at the SVG first.
"""

from __future__ import annotations

from typing import Any

from bptutor.engine.nn.training import TrainConfig
from bptutor.tui.screens.training import TrainingScreen
from textual.app import App


class Host(App[None]):
    ENABLE_COMMAND_PALETTE = False

    def on_mount(self) -> None:
        self.push_screen(
            TrainingScreen(
                TrainConfig(dataset="xor", hidden=3, activation="tanh", learning_rate=0.5, seed=0)
            )
        )


def test_training_view_after_ten_steps(snap_compare: Any) -> None:
    assert snap_compare(Host(), terminal_size=(80, 24), press=["s"] * 10)
