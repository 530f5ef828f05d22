"""Splitting, subsampling, normalization and one-hot encoding.

All randomness comes from a ``numpy.random.Generator`` passed in, so the same seed gives the
same split. Splits of classification data are stratified: each class keeps its share of the
samples in every part (to within one sample).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnstudio.data.errors import DataError

NORMALIZATIONS = ("none", "minmax", "standardize")

# Independent random streams derived from the one user seed, so that changing one option
# (say the validation ratio) does not reshuffle another part (the test split).
STREAM_GENERATE, STREAM_TEST_SPLIT, STREAM_VAL_SPLIT, STREAM_SUBSAMPLE = range(4)


def rng_for(seed: int, stream: int) -> np.random.Generator:
    """The generator of one random stream of a data set with this seed."""
    return np.random.default_rng([int(seed), stream])


def one_hot(labels: np.ndarray, n: int, dtype=np.float32) -> np.ndarray:
    """One-hot encode integer class labels: shape (N,) -> (N, n).

    Raises DataError if a label is not an integer in 0..n-1.
    """
    labels = np.asarray(labels)
    if n < 1:
        raise DataError(f"one_hot: the number of classes must be at least 1, not {n}")
    if labels.ndim != 1:
        raise DataError(f"one_hot: labels must be one-dimensional, not shape {labels.shape}")
    if labels.size and not np.issubdtype(labels.dtype, np.integer):
        if not np.issubdtype(labels.dtype, np.floating) or np.any(labels != np.round(labels)):
            raise DataError("one_hot: labels must be integers")
    labels = labels.astype(np.int64)
    if labels.size and (labels.min() < 0 or labels.max() >= n):
        bad = labels[(labels < 0) | (labels >= n)][0]
        raise DataError(f"one_hot: label {bad} is outside 0..{n - 1}")
    out = np.zeros((labels.size, n), dtype=dtype)
    out[np.arange(labels.size), labels] = 1
    return out


def _stratified_counts(class_counts: np.ndarray, n_take: int) -> np.ndarray:
    """How many of each class to take so the total is n_take and shares are kept.

    Largest-remainder rounding; ties go to the lower class index.
    """
    total = int(class_counts.sum())
    quotas = class_counts * (n_take / total)
    counts = np.floor(quotas).astype(np.int64)
    remainder = n_take - int(counts.sum())
    if remainder > 0:
        order = np.argsort(-(quotas - counts), kind="stable")
        counts[order[:remainder]] += 1
    return counts


def round_count(n: int, ratio: float) -> int:
    """round(n * ratio) with halves rounded up (no banker's rounding)."""
    return int(np.floor(n * ratio + 0.5))


def choose(
    n: int, n_take: int, rng: np.random.Generator, labels: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Split indices 0..n-1 into (taken, rest), each in random order.

    With ``labels`` the choice is stratified by class.
    """
    if not 0 <= n_take <= n:
        raise DataError(f"cannot take {n_take} of {n} samples")
    if labels is None:
        perm = rng.permutation(n)
        return np.sort(perm[:n_take]), np.sort(perm[n_take:])
    classes, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
    take_counts = _stratified_counts(counts, n_take)
    taken, rest = [], []
    for c in range(len(classes)):
        idx = np.flatnonzero(inverse == c)
        idx = idx[rng.permutation(len(idx))]
        taken.append(idx[: take_counts[c]])
        rest.append(idx[take_counts[c]:])
    taken_idx = np.concatenate(taken) if taken else np.empty(0, np.int64)
    rest_idx = np.concatenate(rest) if rest else np.empty(0, np.int64)
    return np.sort(taken_idx), np.sort(rest_idx)


def split(
    n: int, ratio: float, rng: np.random.Generator, labels: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Indices (keep, held_out) with round(n * ratio) held out, both shuffled.

    Stratified when labels are given. The returned index arrays are in random order so
    that a set stored sorted by class is not fed sorted.
    """
    held_out, keep = choose(n, round_count(n, ratio), rng, labels)
    return rng.permutation(keep), rng.permutation(held_out)


@dataclass(frozen=True, eq=False)
class Normalizer:
    """Feature scaling fitted on a training split: ``(x - shift) / scale``.

    kind "none" leaves x unchanged; "minmax" maps each feature's training range to [0, 1];
    "standardize" gives each feature zero mean and unit variance on the training split.
    Constant features get scale 1 (so they become 0 instead of NaN).
    """

    kind: str
    shift: np.ndarray | None = None
    scale: np.ndarray | None = None

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float32)
        if self.kind == "none":
            return x
        out = (x - self.shift) / self.scale
        return out.astype(np.float32, copy=False)

    @classmethod
    def fit(cls, kind: str, x_train: np.ndarray) -> Normalizer:
        if kind not in NORMALIZATIONS:
            raise DataError(f"normalize must be one of {', '.join(NORMALIZATIONS)}, not {kind!r}")
        if kind == "none":
            return cls("none")
        if len(x_train) == 0:
            raise DataError("cannot fit a normalization on an empty training split")
        x64 = np.asarray(x_train, dtype=np.float64)
        if kind == "minmax":
            shift = x64.min(axis=0)
            scale = x64.max(axis=0) - shift
        else:
            shift = x64.mean(axis=0)
            scale = x64.std(axis=0)
        scale = np.where(scale > 0, scale, 1.0)
        shift = shift.astype(np.float32)
        scale = scale.astype(np.float32)
        shift.flags.writeable = False
        scale.flags.writeable = False
        return cls(kind, shift, scale)
