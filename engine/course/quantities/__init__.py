"""The engine computations a lesson file may name, by topic.

A lesson never states an expected number: it names a computation (`partial(h, 'y', [x0,
y0])`, `grad_W1(net, X, y)`) and the engine computes it from the learner's parameters. The
registry and the argument helpers are in `registry`; each topic module registers its
quantities when imported, and importing this package imports them all. To add a quantity,
add a function with `@quantity(name, doc)` to the topic module it belongs to (or a new one,
imported below) and document it in lessons/README.md. `describe_all()` lists them.
"""

from __future__ import annotations

from bptutor.engine.course.quantities import (  # noqa: F401 - importing registers them
    arrays,
    calculus,
    deep,
    layers,
    network,
    numeric,
    outputs,
)
from bptutor.engine.course.quantities.registry import (
    QUANTITIES,
    Function,
    Quantity,
    Value,
    describe_all,
    quantity,
)

__all__ = ["QUANTITIES", "Function", "Quantity", "Value", "describe_all", "quantity"]
