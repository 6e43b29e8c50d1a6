"""The training view's lines of text: the configuration, the status and the divergence advice.

Plain functions of a ``TrainingSession`` (no widget), so the texts are unit-tested on their own
and the screen stays a thin layer that draws them. Each line is short enough for 60 columns in
the common cases; the screen lets a longer one wrap rather than cut it.
"""

from __future__ import annotations

import numpy as np
from bptutor.engine.nn.session import Phase, TrainingSession, ladder_presses

__all__ = [
    "NOT_FINITE",
    "advice_text",
    "config_text",
    "format_count",
    "format_loss",
    "format_lr",
    "network_note",
    "status_text",
]

NOT_FINITE = "The weights are no longer finite numbers: press r to draw new ones."


def format_count(n: float) -> str:
    return f"{n:,.0f}"


def format_loss(loss: float | None) -> str:
    if loss is None:
        return "–"
    if not np.isfinite(loss):
        return "NaN" if np.isnan(loss) else "inf"
    return f"{loss:.4g}"


def format_lr(lr: float) -> str:
    return f"{lr:g}"


def config_text(session: TrainingSession) -> str:
    """The view's top line: data set, shape, activation (and output, loss), rate, batch, seed."""
    cfg, net = session.config, session.net
    shape = "-".join(str(s) for s in net.sizes)
    act = cfg.activation
    if net.output != "identity":
        act = f"{act}→{net.output}"
    loss = "" if net.loss == "mse" else f" · {net.loss.replace('_', '-')}"
    batch = "full batch" if cfg.batch_size is None else f"mini-batch {cfg.batch_size}"
    origin = " · playground" if session.playground else ""
    return (
        f"{cfg.dataset} · {shape} {act}{loss} · lr {format_lr(cfg.learning_rate)}"
        f" · {batch} · seed {cfg.seed}{origin}"
    )


def status_text(
    session: TrainingSession,
    epoch: int,
    loss: float | None,
    epochs_per_second: float,
    note: str = "",
) -> str:
    """The status line: the epoch and loss on screen, what the run does, and ``note`` (e.g. that
    a change started a new network)."""
    phase = session.phase
    if phase is Phase.RUNNING:
        rate = f"{format_count(epochs_per_second)}/s"
        state = f"running {rate}" + (" (paced)" if session.paced else "")
    elif phase is Phase.DIVERGED and session.divergence is not None:
        state = f"diverged: {session.divergence.reason}"
    else:
        state = {Phase.FINISHED: "finished", Phase.IDLE: "paused"}.get(phase, phase.value)
    text = f"epoch {epoch:,}/{session.target_epochs:,} · loss {format_loss(loss)} · {state}"
    return f"{text} · {note}" if note else text


def network_note(session: TrainingSession, change: str) -> str:
    """The status line's note after a change that made a new network, saying what is new:
    ``change`` is "hidden" (units), "depth", "activation" or "dataset"."""
    config = session.config
    sizes = config.hidden_sizes
    layers = f"{len(sizes)} hidden layer{'s' if len(sizes) > 1 else ''}"
    what = {
        "hidden": f"{','.join(map(str, sizes))} hidden units",
        "depth": layers,
        "activation": config.activation,
        "dataset": config.dataset,
    }[change]
    return f"new network: {what}"


def _from(epoch: int) -> str:
    return f"epoch {epoch:,}" if epoch else "the initial weights"


def advice_text(session: TrainingSession) -> str | None:
    """After a divergence, one sentence: the presses to a rate that trains from the safe weights
    (the probe's answer), or that it looks for one; None otherwise."""
    divergence = session.divergence
    if session.phase is not Phase.DIVERGED or divergence is None:
        return None
    if session.probing:
        return "It diverged; looking for a smaller learning rate that trains…"
    back = _from(session.safe.epoch)
    rate = session.suggested_rate
    if rate is None:
        return (
            f"It diverged, and no smaller learning rate trains from {back}: press r to start "
            "again, or a for another activation."
        )
    presses = ladder_presses(session.config.learning_rate, rate)
    if presses == 0:
        return f"Press space to go on from {back} (before it diverged) at lr {format_lr(rate)}."
    how = "once" if abs(presses) == 1 else f"{abs(presses)} times"
    key = "+" if presses > 0 else "-"
    return (
        f"Press {key} {how} for lr {format_lr(rate)}, then space to go on from {back} "
        "(before it diverged)."
    )
