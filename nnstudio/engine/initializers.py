"""Weight initializers, all drawn from a seeded NumPy Generator.

fan_in is the number of inputs of one unit: n_in for a dense layer, channels·kh·kw for a
convolution filter.
"""

from __future__ import annotations

import math

import numpy as np

FORMULAS = {
    "uniform": "W ~ U(−s, s)",
    "normal": "W ~ N(0, σ²)",
    "xavier": "W ~ N(0, 1/n_in)",
    "he": "W ~ N(0, 2/n_in)",
}


def std_for(init: str, fan_in: int, std: float = 0.01) -> float:
    """The standard deviation of a normal initializer (xavier 1/√n, he √(2/n), normal σ)."""
    if init == "xavier":
        return math.sqrt(1.0 / fan_in)
    if init == "he":
        return math.sqrt(2.0 / fan_in)
    return std


def initial_weights(init: str, shape: tuple[int, ...], fan_in: int, rng: np.random.Generator,
                    dtype, *, std: float = 0.01, scale: float = 0.5) -> np.ndarray:
    if init == "uniform":
        w = rng.uniform(-scale, scale, size=shape)
    else:
        w = rng.standard_normal(size=shape) * std_for(init, fan_in, std)
    return w.astype(dtype)


def initial_bias(init: str, n: int, rng: np.random.Generator, dtype, *, scale: float = 0.5) -> np.ndarray:
    """Zero biases (the book), except uniform init, which draws them from U(−s, s) too."""
    if init == "uniform":
        return rng.uniform(-scale, scale, size=n).astype(dtype)
    return np.zeros(n, dtype=dtype)
