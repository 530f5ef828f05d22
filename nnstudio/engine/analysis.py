"""Small NumPy computations behind the live plots (no Qt here, so they are testable alone).

Each function answers one question a picture asks: what the activation bars show, how
confident a classifier is over a 2-D grid, how each hidden unit adds up to a fitted curve,
how the weights of a layer look as images, and whether gradients vanish or explode.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from .activations import ACTIVATIONS

BAR_RANGE = (-10.0, 10.0)


# --------------------------------------------------------------------------- activation bars
def activation_bars(names: Sequence[str], count: int, seed: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Uniform random inputs in [-10, 10] and the same inputs through each named activation.

    Returns ``(inputs, {name: outputs})``; softmax is applied across the whole vector.
    """
    if count < 1:
        raise ValueError(f"count must be at least 1, got {count}")
    rng = np.random.default_rng(seed)
    x = rng.uniform(*BAR_RANGE, size=count)
    out = {}
    for name in names:
        act = ACTIVATIONS[name]
        out[name] = np.asarray(act.forward(x[None, :])[0], dtype=np.float64)
    return x, out


# --------------------------------------------------------------------------- classification
def confusion_matrix(labels: np.ndarray, predicted: np.ndarray, n_classes: int) -> np.ndarray:
    """Counts: row = true class, column = predicted class."""
    labels = np.asarray(labels, dtype=np.int64)
    predicted = np.asarray(predicted, dtype=np.int64)
    if labels.shape != predicted.shape:
        raise ValueError(f"{labels.shape[0]} labels but {predicted.shape[0]} predictions")
    m = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(m, (labels, predicted), 1)
    return m


def gallery_order(labels: np.ndarray, probabilities: np.ndarray) -> np.ndarray:
    """Sample indices with the misclassified first (most confidently wrong first), then the
    correct ones (least confident first)."""
    pred = probabilities.argmax(axis=1)
    conf = probabilities.max(axis=1)
    wrong = pred != labels
    # wrong: sort by -confidence; right: by confidence; wrong before right
    key = np.where(wrong, -conf, 1.0 + conf)
    return np.argsort(key, kind="stable")


# --------------------------------------------------------------------------- 2-D and 1-D data
def grid_2d(points: np.ndarray, n: int = 100, margin: float = 0.1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A regular n×n grid covering the points with a margin: (xs, ys, grid points (n*n, 2)),
    row-major with y varying along rows (grid[i*n + j] = (xs[j], ys[i]))."""
    pts = np.asarray(points, dtype=np.float64)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    lo, hi = lo - margin * span, hi + margin * span
    xs = np.linspace(lo[0], hi[0], n)
    ys = np.linspace(lo[1], hi[1], n)
    gx, gy = np.meshgrid(xs, ys)
    return xs, ys, np.column_stack([gx.ravel(), gy.ravel()])


def unit_contributions(hidden: np.ndarray, w_out: np.ndarray) -> np.ndarray:
    """Each last-hidden unit's weighted share of a single output: hidden[:, j] * W[j, 0].

    Their sum plus the output bias is the network's (identity) output.
    """
    hidden = np.asarray(hidden, dtype=np.float64).reshape(len(hidden), -1)
    w = np.asarray(w_out, dtype=np.float64)
    if w.ndim != 2 or w.shape[0] != hidden.shape[1]:
        raise ValueError(f"hidden has {hidden.shape[1]} units but the output weights have shape {w.shape}")
    return hidden * w[:, 0]


# --------------------------------------------------------------------------- weights as images
def guess_image_shape(input_shape: Sequence[int]) -> tuple[int, int] | None:
    """The (height, width) of image inputs: a (C, H, W) input, or a flat square vector of at
    least 7×7 values (MNIST's 784, digits' 64); None for other inputs."""
    shape = tuple(int(s) for s in input_shape)
    if len(shape) == 3:
        return shape[1], shape[2]
    if len(shape) == 1 and shape[0] >= 49:
        side = math.isqrt(shape[0])
        if side * side == shape[0]:
            return side, side
    return None


def weight_tiles(W: np.ndarray, image_shape: tuple[int, int] | None) -> np.ndarray:
    """The weights of a layer as a stack of 2-D tiles.

    dense W (n_in, n_out) with n_in = H*W: one H×W tile per unit (W[:, j] reshaped);
    conv W (filters, channels, kh, kw): one kh×kw tile per filter and channel, filter-major.
    """
    W = np.asarray(W)
    if W.ndim == 4:
        return W.reshape(-1, W.shape[2], W.shape[3])
    if W.ndim == 2 and image_shape is not None and W.shape[0] == image_shape[0] * image_shape[1]:
        return W.T.reshape(W.shape[1], image_shape[0], image_shape[1])
    raise ValueError(f"weights of shape {W.shape} cannot be shown as tiles of {image_shape}")


def mosaic(tiles: np.ndarray, columns: int | None = None, gap: int = 1) -> tuple[np.ndarray, int]:
    """Tiles laid out in a grid separated by ``gap`` NaN pixels; returns (image, columns).

    Tile k sits at row k // columns, column k % columns.
    """
    n, h, w = tiles.shape
    if columns is None:
        columns = max(1, math.ceil(math.sqrt(n * h / max(w, 1))))
    rows = math.ceil(n / columns)
    img = np.full((rows * (h + gap) - gap, columns * (w + gap) - gap), np.nan, dtype=np.float64)
    for k in range(n):
        r, c = divmod(k, columns)
        img[r * (h + gap):r * (h + gap) + h, c * (w + gap):c * (w + gap) + w] = tiles[k]
    return img, columns


def symmetric_limit(values: np.ndarray) -> float:
    """max |value| (ignoring NaN), never 0: the colour scale runs over [-limit, limit]."""
    v = np.asarray(values, dtype=np.float64)
    finite = v[np.isfinite(v)]
    m = float(np.abs(finite).max()) if finite.size else 0.0
    return m if m > 0 else 1.0


# --------------------------------------------------------------------------- gradients
@dataclass(frozen=True)
class GradientVerdict:
    """kind: "ok", "vanishing", "exploding", "zero" or "none" (nothing to judge)."""
    kind: str
    ratio: float = float("nan")       # first layer's norm / last layer's norm
    largest: float = float("nan")


VANISHING_RATIO = 1e-2    # two orders of magnitude smaller at the input than at the output
EXPLODING_NORM = 1e3
EXPLODING_RATIO = 1e2
ZERO_NORM = 1e-10


def gradient_verdict(norms: Sequence[float]) -> GradientVerdict:
    """Judge per-layer gradient norms given from the input side to the output side."""
    v = [float(x) for x in norms]
    if not v:
        return GradientVerdict("none")
    largest = max(v)
    if not all(math.isfinite(x) for x in v) or largest > EXPLODING_NORM:
        return GradientVerdict("exploding", float("nan"), largest)
    if largest < ZERO_NORM:
        return GradientVerdict("zero", float("nan"), largest)
    if len(v) < 2:
        return GradientVerdict("ok", 1.0, largest)
    ratio = v[0] / v[-1] if v[-1] > 0 else float("inf")
    if ratio < VANISHING_RATIO:
        return GradientVerdict("vanishing", ratio, largest)
    if ratio > EXPLODING_RATIO:
        return GradientVerdict("exploding", ratio, largest)
    return GradientVerdict("ok", ratio, largest)


def layer_weight_norms(grad_norms: Mapping[str, float], layer_names: Sequence[str]) -> list[float]:
    """‖∂L/∂W‖ of each named layer (its "W" parameter), in the given order."""
    return [float(grad_norms.get(f"{n}.W", float("nan"))) for n in layer_names]


# --------------------------------------------------------------------------- histograms
def activation_histogram(values: np.ndarray, bins: int = 30,
                         value_range: tuple[float, float] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(bin edges, fraction of values per bin) of all finite values; fractions sum to 1."""
    v = np.asarray(values, dtype=np.float64).ravel()
    v = v[np.isfinite(v)]
    if value_range is None:
        lo, hi = (float(v.min()), float(v.max())) if v.size else (0.0, 1.0)
        if hi <= lo:
            lo, hi = lo - 0.5, hi + 0.5
        value_range = (lo, hi)
    counts, edges = np.histogram(v, bins=bins, range=value_range)
    total = counts.sum()
    return edges, counts / total if total else counts.astype(np.float64)
