"""Small builders shared by the engine tests (specs from dicts, float64 by default)."""

from __future__ import annotations

import numpy as np

from nnstudio.engine.network import Network
from nnstudio.engine.spec import NetworkSpec


def dense(units, act="relu", **kw):
    return {"type": "dense", "units": units, "activation": act, **kw}


def conv(filters, kernel, act="relu", **kw):
    return {"type": "conv2d", "filters": filters, "kernel": kernel, "activation": act, **kw}


def make_net(layers, input_shape=(4,), loss="sse", *, dtype="float64", seed=0, **kw) -> Network:
    spec = NetworkSpec.from_dict({"input_shape": list(input_shape), "layers": layers, "loss": loss})
    return Network(spec, dtype=dtype, seed=seed, **kw)


def rng(seed=0) -> np.random.Generator:
    return np.random.default_rng(seed)


def labels(n, classes, seed=0) -> np.ndarray:
    return rng(seed).integers(0, classes, size=n)


def assert_one_rounding_apart(got: np.ndarray, want: np.ndarray, w: np.ndarray, step: np.ndarray) -> None:
    """got and want are both W − step rounded to W's dtype, computed in different orders (one BLAS
    call against multiply-then-subtract): entry by entry at most a few units of rounding of
    |W| + |step| apart, and not all equal to W (the step was taken)."""
    eps = np.finfo(w.dtype).eps
    bound = 2 * eps * (np.abs(w) + np.abs(step)).astype(np.float64)
    diff = np.abs(got.astype(np.float64) - want.astype(np.float64))
    assert (diff <= bound).all(), float((diff - bound).max())
    assert not np.array_equal(got, w)
