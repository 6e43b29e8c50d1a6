"""What the training view shows of a network at one moment, computed off the UI thread.

Plain numpy (the training worker calls these while the UI draws): the diagram's values, the
data view's grid and each layer's gradient norm. A failure gives None / nothing to show,
never an exception that would stop training.
"""

from __future__ import annotations

import numpy as np
from bptutor.engine.nn.network import Network
from bptutor.tui.widgets.fit_plot import DataViewValues, data_view_values
from bptutor.tui.widgets.layer_diagram import LayerValues
from bptutor.tui.widgets.network_diagram import DiagramValues, diagram_values

__all__ = ["Snapshot", "Views", "layer_norms", "snapshots", "views"]

Snapshot = tuple[DiagramValues | LayerValues | None, DataViewValues | None]
"""What the diagram and the data view show of a network."""

Views = tuple[DiagramValues | LayerValues | None, DataViewValues | None, tuple[float, ...]]
"""All the view shows of a network: a Snapshot and each layer's gradient norm (the bars)."""


def layer_norms(net: Network, X: np.ndarray, y: np.ndarray) -> tuple[float, ...]:
    """Each layer's gradient norm on the whole set at these weights (the gradient bars, running
    or paused)."""
    try:
        with np.errstate(all="ignore"):
            return net.gradients(X, y).layer_norms()
    except Exception:  # a broken network shows no bars rather than stopping the view
        return ()


def snapshots(
    net: Network, X: np.ndarray, y: np.ndarray, example: int, grid_shape: tuple[int, int]
) -> Snapshot:
    """Diagram and data-view values (plain numpy: the worker calls it too)."""
    try:
        diagram = diagram_values(net, X, y, example)
    except Exception:  # a broken snapshot must not stop training
        diagram = None
    try:
        data = data_view_values(net, X, y, grid_shape)
    except Exception:
        data = None
    return diagram, data


def views(
    net: Network, X: np.ndarray, y: np.ndarray, example: int, grid_shape: tuple[int, int]
) -> Views:
    """snapshots() and layer_norms() at once: what the view shows of ``net`` (the worker takes
    it at each post, the screen when paused)."""
    diagram, data = snapshots(net, X, y, example, grid_shape)
    return diagram, data, layer_norms(net, X, y)
