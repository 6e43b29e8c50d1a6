"""The loss of a training run, kept for drawing in bounded memory: every epoch while the run
is short, buckets of consecutive epochs (each with its lowest and highest loss, so spikes
survive) once it is long, plus the last epochs exactly and the best loss. numpy only."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np

__all__ = ["LossCurve", "LossHistory"]


@dataclass(frozen=True)
class LossCurve:
    """A snapshot of a ``LossHistory`` for drawing: the run's ``n`` epochs in buckets of
    ``step`` consecutive epochs (the last bucket may hold fewer), each with its lowest and
    highest loss (NaN where a bucket held no finite loss). With ``step == 1`` every epoch is
    there exactly. Copies: safe to hand to another thread."""

    n: int
    step: int
    lo: np.ndarray
    hi: np.ndarray
    last: float | None = None  # the loss of epoch n

    def __len__(self) -> int:
        return self.n

    @property
    def epochs(self) -> np.ndarray:
        """The middle epoch (1-based) of each bucket."""
        starts = np.arange(len(self.lo)) * self.step + 1
        ends = np.minimum(starts + self.step - 1, self.n)
        return (starts + ends) / 2

    def exact(self) -> np.ndarray:
        """The loss of every epoch; ValueError once the history had to merge epochs."""
        if self.step != 1:
            raise ValueError(f"this curve keeps buckets of {self.step} epochs, not every epoch")
        return self.lo

    @classmethod
    def of(cls, losses: np.ndarray) -> LossCurve:
        """Every epoch of ``losses`` (step 1)."""
        values = np.array(losses, dtype=float)
        return cls(len(values), 1, values, values, float(values[-1]) if len(values) else None)


class LossHistory:
    """The loss per epoch of a run of any length, in bounded memory.

    While a run is short every epoch is kept. Once ``capacity`` buckets are full, neighbours
    are merged in pairs (each bucket then holds twice as many epochs) keeping each bucket's
    lowest and highest loss, so a spike or an oscillation is never smoothed away and the curve
    still covers the whole run: memory stays flat over millions of epochs. The last ``TAIL``
    losses are kept exactly as well (``value_at``: what the safe weights ask about), and the
    lowest finite loss ever seen (``best``). The worker appends; the UI draws a ``curve()``
    snapshot taken under the session's lock.
    """

    TAIL = 1024

    def __init__(self, capacity: int = 4096) -> None:
        self.capacity = max(16, capacity + capacity % 2)
        self._lo = np.empty(self.capacity)  # the closed buckets
        self._hi = np.empty(self.capacity)
        self._closed = 0
        self._step = 1  # epochs per bucket
        self._n = 0  # epochs in the run
        # the open bucket, in Python floats: an append is a few comparisons (it runs per epoch)
        self._cur_lo = self._cur_hi = math.nan
        self._left = 0  # epochs still to come into the open bucket
        self._tail: deque[float] = deque(maxlen=self.TAIL)
        self.best = math.inf
        """The lowest finite loss of the run."""

    def __len__(self) -> int:
        return self._n

    @property
    def step(self) -> int:
        return self._step

    def append(self, value: float) -> None:
        self._tail.append(value)
        if value < self.best:  # False for NaN; losses are >= 0, never -inf
            self.best = value
        if self._left:  # like fmin / fmax: a NaN loss does not hide the bucket's finite ones
            lo, hi = self._cur_lo, self._cur_hi
            if value < lo or lo != lo:
                self._cur_lo = value
            if value > hi or hi != hi:
                self._cur_hi = value
            self._left -= 1
        else:
            self._open(value)
        self._n += 1

    def _open(self, value: float) -> None:
        """Close the open bucket (merging pairs when all are full) and open one at ``value``."""
        if self._n:
            self._lo[self._closed] = self._cur_lo
            self._hi[self._closed] = self._cur_hi
            self._closed += 1
            if self._closed == self.capacity:  # pairs become one: half the buckets, twice as long
                half = self.capacity // 2
                np.fmin(self._lo[0::2], self._lo[1::2], out=self._lo[:half])
                np.fmax(self._hi[0::2], self._hi[1::2], out=self._hi[:half])
                self._closed = half
                self._step *= 2
        self._cur_lo = self._cur_hi = value
        self._left = self._step - 1

    def last(self) -> float | None:
        return self._tail[-1] if self._n else None

    def value_at(self, index: int) -> float | None:
        """The loss of epoch ``index + 1`` (0-based, like a list), if still kept exactly."""
        back = self._n - index
        if 0 < back <= len(self._tail):
            return self._tail[-back]
        return None

    def curve(self) -> LossCurve:
        """A copy of the buckets so far, for drawing."""
        k = self._closed
        if not self._n:
            return LossCurve(0, self._step, np.empty(0), np.empty(0))
        lo = np.append(self._lo[:k], self._cur_lo)
        hi = np.append(self._hi[:k], self._cur_hi)
        return LossCurve(self._n, self._step, lo, hi, self.last())

    def cut(self, n: int) -> LossHistory:
        """A new history holding the first ``n`` epochs of this one: exactly, where they are
        still in the tail; otherwise their buckets (a bucket cut in two keeps its extremes)."""
        n = max(0, min(n, self._n))
        exact_from = self._n - len(self._tail)
        if self._step > 1 and n > exact_from:  # the buckets before the tail, then the tail
            out = self.cut(exact_from)
            for i in range(exact_from, n):
                out.append(self._tail[i - exact_from])
            return out
        out = LossHistory(self.capacity)
        if not n:
            return out
        curve = self.curve()
        step = out._step = curve.step
        last = (n - 1) // step  # the bucket epoch n falls in: the open one
        out._lo[:last], out._hi[:last] = curve.lo[:last], curve.hi[:last]
        out._closed, out._n = last, n
        out._cur_lo, out._cur_hi = float(curve.lo[last]), float(curve.hi[last])
        out._left = (last + 1) * step - n
        if step == 1:
            out._tail.extend(curve.lo[max(0, n - self.TAIL) : n].tolist())
        else:  # only the bucket's low is known for epoch n
            out._tail.append(float(curve.lo[last]))
        finite = curve.lo[: last + 1][np.isfinite(curve.lo[: last + 1])]
        out.best = float(finite.min()) if finite.size else math.inf
        return out

    @classmethod
    def from_values(cls, values: np.ndarray, capacity: int = 4096) -> LossHistory:
        """A new history of these losses (one per epoch)."""
        history = cls(capacity)
        for value in np.asarray(values, dtype=float):
            history.append(float(value))
        return history
