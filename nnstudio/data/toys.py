"""Generated 2-D sets for decision-boundary views, and a regression plane.

All points come from ``rng_for(seed, STREAM_GENERATE)``: the same options give the same
points. ``points`` is the total before the train/test split; classes get equal shares (the
first classes one more when it does not divide). ``noise`` is the standard deviation of
Gaussian noise added to each coordinate (for gaussians: the spread of each blob; for the
plane: noise added to the target).
"""

from __future__ import annotations

import math
from typing import Any
from collections.abc import Callable

import numpy as np

from nnstudio.data.build import split_and_assemble
from nnstudio.data.dataset import Dataset, DatasetInfo, OptionSpec
from nnstudio.data.options import SEED, VALIDATION_RATIO, make_normalize, make_test_ratio
from nnstudio.data.preprocess import STREAM_GENERATE, rng_for


def _points(default: int) -> OptionSpec:
    return OptionSpec("points", "int", default, "number of points (train + test)",
                      minimum=4, maximum=1_000_000)


def _noise(default: float, what: str = "standard deviation of the noise added to each "
           "coordinate") -> OptionSpec:
    return OptionSpec("noise", "float", default, what, minimum=0.0, maximum=10.0)


def _classes(default: int) -> OptionSpec:
    return OptionSpec("classes", "int", default, "number of classes", minimum=2, maximum=10)


def _common(points: int, noise: float) -> tuple[OptionSpec, ...]:
    return (_points(points), _noise(noise), SEED, make_test_ratio(0.25), VALIDATION_RATIO,
            make_normalize("none"))


def _shares(total: int, k: int) -> list[int]:
    return [total // k + (1 if c < total % k else 0) for c in range(k)]


def _polar(r: np.ndarray, theta: np.ndarray) -> np.ndarray:
    return np.stack([r * np.cos(theta), r * np.sin(theta)], axis=1)


def circle(rng: np.random.Generator, options: dict) -> tuple[np.ndarray, np.ndarray]:
    n_in, n_out = _shares(options["points"], 2)
    # uniform over the disc r < 0.5 and over the ring 0.7 < r < 1
    r_in = 0.5 * np.sqrt(rng.uniform(0, 1, n_in))
    r_out = np.sqrt(rng.uniform(0.49, 1.0, n_out))
    x = np.concatenate([
        _polar(r_in, rng.uniform(0, 2 * math.pi, n_in)),
        _polar(r_out, rng.uniform(0, 2 * math.pi, n_out)),
    ])
    return x, np.repeat([0, 1], [n_in, n_out])


def xor(rng: np.random.Generator, options: dict) -> tuple[np.ndarray, np.ndarray]:
    n_same, n_diff = _shares(options["points"], 2)
    # class 0: both coordinates of the same sign (XOR of the signs is 0); class 1: opposite
    def quadrant_points(n: int, same: bool) -> np.ndarray:
        mag = rng.uniform(0.05, 1.0, (n, 2))
        sx = rng.choice([-1.0, 1.0], n)
        sy = sx if same else -sx
        return mag * np.stack([sx, sy], axis=1)
    x = np.concatenate([quadrant_points(n_same, True), quadrant_points(n_diff, False)])
    return x, np.repeat([0, 1], [n_same, n_diff])


def gaussians(rng: np.random.Generator, options: dict) -> tuple[np.ndarray, np.ndarray]:
    k = options["classes"]
    parts, labels = [], []
    for c, n in enumerate(_shares(options["points"], k)):
        angle = 2 * math.pi * c / k + math.pi / 4
        centre = np.array([math.cos(angle), math.sin(angle)])
        parts.append(centre + options["noise"] * rng.standard_normal((n, 2)))
        labels.append(np.full(n, c))
    return np.concatenate(parts), np.concatenate(labels)


def spiral(rng: np.random.Generator, options: dict) -> tuple[np.ndarray, np.ndarray]:
    k = options["classes"]
    parts, labels = [], []
    for c, n in enumerate(_shares(options["points"], k)):
        t = rng.uniform(0.0, 1.0, n)
        theta = 2 * math.pi * c / k + 2.5 * math.pi * t  # one and a quarter turns
        parts.append(_polar(t, theta))
        labels.append(np.full(n, c))
    return np.concatenate(parts), np.concatenate(labels)


def moons(rng: np.random.Generator, options: dict) -> tuple[np.ndarray, np.ndarray]:
    n_upper, n_lower = _shares(options["points"], 2)
    t0 = rng.uniform(0, math.pi, n_upper)
    t1 = rng.uniform(0, math.pi, n_lower)
    upper = np.stack([np.cos(t0), np.sin(t0)], axis=1)
    lower = np.stack([1 - np.cos(t1), 0.5 - np.sin(t1)], axis=1)
    x = np.concatenate([upper, lower]) - np.array([0.5, 0.25])  # centred on the origin
    return x, np.repeat([0, 1], [n_upper, n_lower])


_GENERATORS: dict[str, Callable] = {
    "circle": circle, "xor": xor, "gaussians": gaussians, "spiral": spiral, "moons": moons,
}


def classification_toy(info: DatasetInfo, options: dict[str, Any]) -> Dataset:
    rng = rng_for(options["seed"], STREAM_GENERATE)
    x, y = _GENERATORS[info.name](rng, options)
    if info.name != "gaussians" and options["noise"] > 0:
        x = x + options["noise"] * rng.standard_normal(x.shape)
    n_classes = options.get("classes", 2)
    class_names = info.class_names if len(info.class_names) == n_classes else tuple(
        str(c) for c in range(n_classes)
    )
    return split_and_assemble(
        info, options, x.astype(np.float32), y.astype(np.int64),
        class_names=class_names, feature_names=("x1", "x2"),
    )


def plane(info: DatasetInfo, options: dict[str, Any]) -> Dataset:
    rng = rng_for(options["seed"], STREAM_GENERATE)
    w = np.array(options["weights"])
    b = options["bias"]
    x = rng.uniform(-1.0, 1.0, (options["points"], 2))
    y = x @ w + b + options["noise"] * rng.standard_normal(options["points"])

    def target(points: np.ndarray) -> np.ndarray:
        return np.asarray(points, dtype=np.float64) @ w + b

    return split_and_assemble(
        info, options, x.astype(np.float32), y.reshape(-1, 1).astype(np.float32),
        n_outputs=1, target=target, feature_names=("x1", "x2"),
    )


_CITATION = "generated by nnstudio"
_LICENSE = "generated data, no restrictions"


def _info(name: str, title: str, description: str, options: tuple[OptionSpec, ...],
          class_names: tuple[str, ...], points: int, task: str = "classification") -> DatasetInfo:
    n_test = int(math.floor(points * 0.25 + 0.5))
    return DatasetInfo(
        name=name, title=title, task=task, input_shape=(2,), class_names=class_names,
        size=(points - n_test, n_test), citation=_CITATION, license=_LICENSE,
        description=description, options=options,
        n_outputs=len(class_names) if task == "classification" else 1,
        feature_names=("x1", "x2"), source="generated",
    )


INFOS = (
    _info("circle", "Circle", "A disc of one class inside a ring of the other: not linearly "
          "separable, a hidden layer draws the round boundary.",
          _common(200, 0.05), ("inner", "outer"), 200),
    _info("xor", "XOR", "Points in the four quadrants; the class is the XOR of the signs of "
          "the coordinates. The classic problem one layer cannot solve.",
          _common(200, 0.05), ("0", "1"), 200),
    _info("gaussians", "Gaussian blobs", "Blobs of points around centres on the unit circle "
          "(two by default); noise is the spread of each blob. Linearly separable when the "
          "spread is small.",
          (_points(200), _noise(0.35, "standard deviation of each blob"), _classes(2),
           SEED, make_test_ratio(0.25), VALIDATION_RATIO, make_normalize("none")),
          ("0", "1"), 200),
    _info("spiral", "Spiral", "Interleaved spiral arms, one per class (three by default): a "
          "hard boundary that needs a few hidden units.",
          (_points(300), _noise(0.05), _classes(3), SEED, make_test_ratio(0.25),
           VALIDATION_RATIO, make_normalize("none")),
          ("0", "1", "2"), 300),
    _info("moons", "Two moons", "Two interleaving half circles.", _common(200, 0.1),
          ("upper", "lower"), 200),
    _info("plane", "Plane (regression)", "A regression target on a plane: "
          "y = w1*x1 + w2*x2 + bias plus Gaussian noise, for x uniform in [-1, 1]^2.",
          (_points(200), _noise(0.05, "standard deviation of the noise added to y"),
           OptionSpec("weights", "vector", (0.5, -1.0), "the plane's slopes [w1, w2]",
                      minimum=-100.0, maximum=100.0, length=2),
           OptionSpec("bias", "float", 0.25, "the plane's value at the origin",
                      minimum=-100.0, maximum=100.0),
           SEED, make_test_ratio(0.25), VALIDATION_RATIO, make_normalize("none")),
          (), 200, task="regression"),
)
