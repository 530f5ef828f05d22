"""The update rules on the book's surface f(x, y) = x²/20 + y² (CURRICULUM §6).

Its valley is twenty times shallower along x than along y, so plain gradient descent zig-zags
across it while momentum, AdaGrad and Adam find their way along it. The same optimizers that
train the networks move the point (they update any named arrays), so the paths are theirs.
"""

from __future__ import annotations

import numpy as np

from .optimizers import RULES, make_optimizer
from .spec import OptimizerSpec

START = (-7.0, 2.0)
STEPS = 30
#: the book's rates for its figure, and rates of the same spirit for the two it leaves out
BOOK_RATES = {"sgd": 0.95, "momentum": 0.1, "nesterov": 0.1, "adagrad": 1.5, "rmsprop": 0.1, "adam": 0.3}
FORMULA = "f(x, y) = x²/20 + y²"


def surface(x, y):
    """f(x, y) = x²/20 + y² (arrays or numbers)."""
    return np.asarray(x) ** 2 / 20.0 + np.asarray(y) ** 2


def surface_gradient(p: np.ndarray) -> np.ndarray:
    """∇f = (x/10, 2y) at the point p = (x, y)."""
    return np.array([p[0] / 10.0, 2.0 * p[1]])


def level_ellipse(level: float, points: int = 181) -> tuple[np.ndarray, np.ndarray]:
    """The contour f = level: the ellipse with half-axes √(20·level) along x and √level along y."""
    t = np.linspace(0.0, 2.0 * np.pi, points)
    return np.sqrt(20.0 * level) * np.cos(t), np.sqrt(level) * np.sin(t)


#: a path is cut where it leaves |x|, |y| ≤ this: it has diverged (a rate too large)
ESCAPE = 1e6


def optimizer_path(name: str, lr: float, steps: int = STEPS, start: tuple[float, float] = START) -> np.ndarray:
    """The points (steps + 1 rows of x, y) the rule ``name`` visits from ``start`` (float64);
    fewer when it diverges: the path ends at its first point beyond ESCAPE."""
    if name not in RULES:
        raise ValueError(f"unknown update rule {name!r}; allowed: {', '.join(RULES)}")
    if steps < 0:
        raise ValueError(f"steps must be 0 or more, got {steps}")
    opt = make_optimizer(OptimizerSpec(name=name, lr=lr))
    p = np.array(start, dtype=np.float64)
    path = [p.copy()]
    for _ in range(steps):
        opt.step({"p": p}, {"p": surface_gradient(p)})
        path.append(p.copy())
        if not np.all(np.abs(p) <= ESCAPE):        # (NaN included)
            break
    return np.array(path)


__all__ = ["BOOK_RATES", "ESCAPE", "FORMULA", "START", "STEPS", "level_ellipse", "optimizer_path", "surface",
           "surface_gradient"]
