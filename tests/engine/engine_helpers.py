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
