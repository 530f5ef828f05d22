"""Small NumPy computations behind the live plots (no Qt here, so they are testable alone).

Each function answers one question a picture asks: what the activation bars show, how
confident a classifier is over a 2-D grid, how each hidden unit adds up to a fitted curve,
how the weights of a layer look as images, and whether gradients vanish or explode.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from .activations import ACTIVATIONS

BAR_RANGE = (-10.0, 10.0)


# --------------------------------------------------------------------------- activation bars
def activation_bars(names: Sequence[str], count: int, seed: int, *,
                    derivative: bool = False) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Uniform random inputs in [-10, 10] and the same inputs through each named activation.

    Returns ``(inputs, {name: outputs})``; softmax is applied across the whole vector. With
    ``derivative`` the outputs are each function's slope f′(u) at the inputs instead, as its
    backward pass multiplies δ by it (its backward rule given ∂E/∂z = 1); for softmax, whose
    derivative is a Jacobian, its diagonal ∂zᵢ/∂uᵢ = zᵢ(1 − zᵢ).
    """
    if count < 1:
        raise ValueError(f"count must be at least 1, got {count}")
    rng = np.random.default_rng(seed)
    x = rng.uniform(*BAR_RANGE, size=count)
    out = {}
    for name in names:
        act = ACTIVATIONS[name]
        u = x[None, :]
        z = act.forward(u)
        if derivative:
            z = z * (1 - z) if name == "softmax" else act.backward(u, z, np.ones_like(u))
        out[name] = np.asarray(z[0], dtype=np.float64)
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
    """What the gradient view says about the network, and the numbers it says it with.

    kind: "ok", "vanishing", "exploding", "saturated", "tiny", "zero" or "none" (nothing to
    judge). ratio = the first layer's norm / the last layer's; largest = the largest norm;
    layer / share = the most saturated sigmoid or tanh layer and its saturated share (0…1),
    when that share reaches the saturation limit and the verdict is not "ok" (else "" and NaN).
    """
    kind: str
    ratio: float = float("nan")
    largest: float = float("nan")
    layer: str = ""
    share: float = float("nan")


# Measured on MNIST ([0, 1] pixels, batch 100, SGD lr 0.01 unless noted, seeds 0 and 1, 500
# iterations; "ratio" = first layer's ‖∂L/∂W‖ / last layer's, each a geometric mean over the
# last RECENT updates, lowest…highest over the run; hidden layers × units → softmax 10):
#   sigmoid 5×100, std 1 ............ ratio 0.21…0.92, 50–69 % of each layer saturated
#   sigmoid 5×100, std 1, Xavier out  ratio 0.080…0.14, 50–67 % saturated (the 0.086)
#   tanh    5×100, std 1 ............ ratio 38…54, 83–87 % saturated
#   sigmoid 5×100, std 0.01 ......... ratio 2.7e-8…4.3e-8 (×0.025 per layer)
#   sigmoid 5×100, Xavier ........... ratio 0.0014…0.0027 (×0.24 per layer: σ' ≤ 1/4); at lr 0.1
#                                     the loss is still 2.28 after 800 updates
#   sigmoid 4×100, Xavier ........... ratio 0.0064…0.011
#   ReLU    5×100, He ............... ratio 1.3…3.3;  Xavier 1.3…4.0;  tanh Xavier 1.8…3.3
#   ReLU    5×100, std 0.01 ......... every norm ≈ 2e-6 (largest ≤ 2e-4 at lr 0.1; loss stays 2.30)
#   784-50-10 ReLU He, SGD 0.1 ...... ratio 1.2…3.2;  sigmoid Xavier 0.66…1.2
#   shipped examples, 1500 updates .. mnist_mlp 1.3…3.2, iris 0.33…1.3, spiral 0.15…0.83,
#     (their own settings)            function_square 0.22…1.6, simple_convnet 0.096…0.45
#                                     (single updates: 0.059…0.86)
# Healthy sigmoid/tanh layers have at most 3 % of their outputs saturated early in training,
# and healthy networks' largest norm stays above 0.1.
# Settled networks (VerdictWatch, a share measured every 10 updates, batch 10 unless noted):
#   XOR 2-8(sigmoid, Xavier)-2, SGD 1.0 .. loss 0.042 (ln 2 at the start); the most saturated
#     layer's share, one batch: 0.19…0.36 (sd 0.042, ±0.04 from one measurement to the
#     next); mean of 5: 0.23…0.34 (sd 0.022). Verdict kind changes in 2000 updates: 55 with one
#     share against 0.25; 1 with the mean of 5 and leaving below 0.15 (ok → saturated, and
#     saturated for good); 0 with the loss rule too (the loss fell to 0.03 of its start)
#   circle 2-10-10(tanh)-2, SGD 0.5 ... one batch 0.16…0.34, mean of 5 0.23…0.30; 77 → 1 → 0
#   MNIST 4×100 sigmoid Xavier, Adam 0.001, batch 128 (10,000 digits, 600 updates): one batch
#     0.23…0.32, mean of 5 0.25…0.30; loss 0.12 of ln 10; 8 → 2 → 1 (vanishing → ok)
#   moons 2-16-16(ReLU, He)-2, Adam 0.01: the largest norm falls to ≈ 1e-3 as the loss reaches
#     1e-4 (tiny vs ok: 77 → 3 with leaving tiny above 2e-3 → 0 with the loss rule)
#   the loss rule: the mean data loss of the last RECENT updates against that of the first
#     RECENT (or ln n classes under cross-entropy, if lower): converged 0.002…0.12 (above),
#     learning ReLU He 5×100 0.19 and 784-50-10 0.13 at 300 updates; not learning: sigmoid
#     std 1 0.91 (400 updates), tanh std 1 3.9, sigmoid std 0.01 / Xavier and ReLU std 0.01 1.0
# With weight decay λ the verdict reads the data loss's own gradient (Snapshot.data_grad_norms):
# λ = 0.1 adds λW, which made the std-0.01 sigmoid's ratio 0.5…0.65 (healthy); without it 7.5e-9.
RECENT = 20               # updates averaged before judging (single updates are noisy: ×10 swings)
VANISHING_RATIO = 1 / 20  # first layer's gradients 20× smaller than the last's
EXPLODING_RATIO = 1e2
EXPLODING_NORM = 1e3
TINY_NORM = 1e-3          # no layer's gradient above this: the weights barely move …
TINY_LEAVE = 2e-3         # … and a "tiny" verdict holds until one rises above this
ZERO_NORM = 1e-10
SATURATED_SHARE = 0.25    # a quarter of a layer's outputs pressed against its bounds …
SATURATED_LEAVE = 0.15    # … and a "saturated" verdict holds until the share falls below this
SATURATION_MARGIN = 0.02  # within this share of the output range from a bound counts as saturated
SHARE_MEASUREMENTS = 5    # saturated shares averaged (each is one batch's: ±0.05 between batches)
LEARNED_LOSS = 0.5        # the loss has fallen below this share of where it started …
LEARNED_LEAVE = 0.7       # … (and stays below this): the network learns, small or saturated as it is
BOUNDED = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0)}


def saturated_share(activation: str, values: np.ndarray) -> float | None:
    """The share of a sigmoid or tanh layer's finite outputs within SATURATION_MARGIN of its
    bounds, where the function is flat and passes almost no gradient back; None for other
    activations or no values."""
    if activation not in BOUNDED:
        return None
    v = np.asarray(values, dtype=np.float64).ravel()
    v = v[np.isfinite(v)]
    if not v.size:
        return None
    lo, hi = BOUNDED[activation]
    margin = SATURATION_MARGIN * (hi - lo)
    return float(np.mean((v <= lo + margin) | (v >= hi - margin)))


def typical_norms(rows: Sequence[Sequence[float]]) -> list[float]:
    """Each layer's geometric mean over recent updates (rows of per-layer norms, oldest
    first): a single update's norms swing by ×10. A layer with a NaN or infinite value in
    any row gets that value; exact zeros count as ZERO_NORM² (they stay far below any limit)."""
    if not len(rows):
        return []
    a = np.asarray(rows, dtype=np.float64)
    if a.ndim != 2:
        raise ValueError(f"rows of per-layer norms expected, got shape {a.shape}")
    out = []
    for col in a.T:
        bad = col[~np.isfinite(col)]
        out.append(float(bad[0]) if bad.size else float(np.exp(np.mean(np.log(np.maximum(col, ZERO_NORM ** 2))))))
    return out


def gradient_verdict(norms: Sequence[float], saturation: Mapping[str, float] | None = None, *,
                     previous: str = "", learned: bool = False) -> GradientVerdict:
    """Judge per-layer gradient norms given from the input side to the output side (best
    the typical_norms of the last RECENT updates), with the saturated share of each sigmoid
    or tanh hidden layer's outputs when known (saturated_share, best averaged: VerdictWatch).

    In this order: a NaN/∞ or a norm above EXPLODING_NORM is "exploding"; all below
    ZERO_NORM "zero"; the first layer's norm below VANISHING_RATIO × the last's "vanishing",
    above EXPLODING_RATIO × "exploding"; a hidden layer with SATURATED_SHARE or more of its
    outputs at the bounds "saturated" (the book's std-1 sigmoid: its gradient ratio alone
    looks harmless, 0.08…0.9); all below TINY_NORM "tiny" (weights too small for the signal
    to pass, e.g. ReLU with std 0.01); else "ok".
    ``previous`` is the verdict before: "saturated" holds until the share falls below
    SATURATED_LEAVE, "tiny" until a norm rises above TINY_LEAVE (so a share or norm that
    hovers at a limit does not switch the verdict at every measurement). ``learned``: the
    loss has fallen well below where it started, so saturated units or tiny gradients are
    not a problem (a converged network has both) and the verdict is "ok".
    From "vanishing" on, layer/share name the most saturated layer whenever it reaches the
    saturation limit, so a vanishing or exploding verdict can name saturation as a cause too.
    The thresholds sit between the measurements above."""
    v = [float(x) for x in norms]
    if not v:
        return GradientVerdict("none")
    largest = max(v) if all(math.isfinite(x) for x in v) else float("nan")
    if not math.isfinite(largest) or largest > EXPLODING_NORM:
        return GradientVerdict("exploding", float("nan"), largest)
    if largest < ZERO_NORM:
        return GradientVerdict("zero", float("nan"), largest)
    ratio = (v[0] / v[-1] if v[-1] > 0 else float("inf")) if len(v) > 1 else 1.0
    layer, share = max((saturation or {}).items(), key=lambda item: item[1], default=("", float("nan")))
    saturated = share >= (SATURATED_LEAVE if previous == "saturated" else SATURATED_SHARE)
    tiny = largest < (TINY_LEAVE if previous == "tiny" else TINY_NORM)
    if ratio < VANISHING_RATIO:
        kind = "vanishing"
    elif ratio > EXPLODING_RATIO:
        kind = "exploding"
    elif learned:
        kind, saturated = "ok", False
    elif saturated:
        kind = "saturated"
    elif tiny:
        kind = "tiny"
    else:
        kind = "ok"
    if not saturated:
        layer, share = "", float("nan")
    return GradientVerdict(kind, ratio, largest, layer, share)


class VerdictWatch:
    """The gradient verdict over a run: what the gradient view says, fed as training goes.

    Keeps the per-layer norms of the last RECENT updates, the last SHARE_MEASUREMENTS
    saturated shares of each layer (averaged: one batch's share moves by ±0.05), the data
    loss at the start and lately, and the verdict before (for the limits' hysteresis, see
    gradient_verdict). ``chance_loss``: the loss of a guess (ln n for n classes under
    cross-entropy), so a network that starts from learned weights counts as learned too."""

    def __init__(self, chance_loss: float | None = None) -> None:
        self.chance_loss = chance_loss
        self.recent: deque[list[float]] = deque(maxlen=RECENT)
        self.shares: dict[str, deque[float]] = {}
        self.first_losses: list[float] = []
        self.losses: deque[float] = deque(maxlen=RECENT)
        self.learned = False
        self.last = GradientVerdict("none")

    def add_update(self, norms: Sequence[float], loss: float = float("nan")) -> None:
        """One update's per-layer ‖∂L/∂W‖ (input side first) and its data loss."""
        self.recent.append([float(x) for x in norms])
        loss = float(loss)
        if math.isfinite(loss):
            if len(self.first_losses) < RECENT:
                self.first_losses.append(loss)
            self.losses.append(loss)

    def add_saturation(self, shares: Mapping[str, float | None]) -> None:
        """One measurement of the saturated share of each bounded layer (None: not measured)."""
        for name, share in shares.items():
            if share is not None:
                self.shares.setdefault(name, deque(maxlen=SHARE_MEASUREMENTS)).append(float(share))

    def saturation(self) -> dict[str, float]:
        """Each measured layer's average saturated share."""
        return {name: float(np.mean(s)) for name, s in self.shares.items() if s}

    def _update_learned(self) -> bool:
        if len(self.first_losses) < RECENT or not self.losses:
            return self.learned
        start = float(np.mean(self.first_losses))
        if self.chance_loss is not None:
            start = min(start, self.chance_loss)
        now = float(np.mean(self.losses))
        self.learned = now <= (LEARNED_LEAVE if self.learned else LEARNED_LOSS) * start
        return self.learned

    def verdict(self) -> GradientVerdict:
        """The verdict now (and remembered as the one before the next)."""
        self.last = gradient_verdict(typical_norms(self.recent), self.saturation(),
                                     previous=self.last.kind, learned=self._update_learned())
        return self.last


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
