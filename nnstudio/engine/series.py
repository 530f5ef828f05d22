"""A bounded history of (x, y) points for live curves that may run for millions of steps.

    s = BoundedSeries(capacity=2000)
    for i, loss in enumerate(losses):
        s.append(i, loss)
    x, y = s.arrays()          # at most `capacity` points, evenly thinned out

When the buffer fills up, every second stored point is dropped and from then on only every
``stride``-th appended point is kept (the stride doubles each time), so the memory stays
bounded while the whole run remains visible at an even resolution. The most recent point is
always available as ``last`` even when it was not kept.
"""

from __future__ import annotations

import numpy as np


class BoundedSeries:
    def __init__(self, capacity: int = 2000) -> None:
        if capacity < 4:
            raise ValueError(f"capacity must be at least 4, got {capacity}")
        self.capacity = int(capacity)
        self._x = np.empty(self.capacity, dtype=np.float64)
        self._y = np.empty(self.capacity, dtype=np.float64)
        self._n = 0
        self.stride = 1
        self._seen = 0          # points appended in total
        self.last: tuple[float, float] | None = None

    def __len__(self) -> int:
        return self._n

    @property
    def appended(self) -> int:
        """How many points were appended in total (kept or not)."""
        return self._seen

    def append(self, x: float, y: float) -> None:
        self.last = (float(x), float(y))
        keep = self._seen % self.stride == 0
        self._seen += 1
        if not keep:
            return
        if self._n == self.capacity:
            half = self._n // 2
            self._x[:half] = self._x[0:self._n:2][:half]
            self._y[:half] = self._y[0:self._n:2][:half]
            self._n = half
            self.stride *= 2
            # the point that triggered the thinning is kept only if it is on the new grid
            if (self._seen - 1) % self.stride:
                return
        self._x[self._n] = x
        self._y[self._n] = y
        self._n += 1

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """Copies of the stored points, oldest first."""
        return self._x[:self._n].copy(), self._y[:self._n].copy()

    def clear(self) -> None:
        self._n = 0
        self.stride = 1
        self._seen = 0
        self.last = None


class Ema:
    """Exponential moving average with bias correction (the start is not pulled to 0).

    ``weight`` is the share of the previous average kept at each step (0 = no smoothing).
    """

    def __init__(self, weight: float = 0.9) -> None:
        if not 0.0 <= weight < 1.0:
            raise ValueError(f"smoothing weight must be in [0, 1), got {weight}")
        self.weight = float(weight)
        self._avg = 0.0
        self._count = 0

    def update(self, value: float) -> float:
        if not np.isfinite(value):
            return value
        self._count += 1
        self._avg = self.weight * self._avg + (1.0 - self.weight) * value
        return self._avg / (1.0 - self.weight ** self._count)

    def reset(self) -> None:
        self._avg = 0.0
        self._count = 0


def ema(values, weight: float = 0.9) -> np.ndarray:
    """The bias-corrected exponential moving average of a whole sequence."""
    e = Ema(weight)
    return np.array([e.update(float(v)) for v in values], dtype=np.float64)
