"""The layer kernels; :func:`build_layers` turns layer specs into layer objects."""

from __future__ import annotations

import numpy as np

from ..spec import BatchNormSpec, Conv2dSpec, DenseSpec, DropoutSpec, FlattenSpec, NetworkSpec, PoolSpec
from .base import ActivatedLayer, Layer
from .conv import Conv2d
from .dense import Dense
from .norm import BatchNorm
from .pool import Pool
from .shape import Dropout, Flatten


def build_layers(spec: NetworkSpec, init_rng: np.random.Generator, noise_rng: np.random.Generator,
                 dtype) -> list[Layer]:
    """Layers named per kind from 1 ("dense_1", "conv2d_1", "dense_2", ...)."""
    counts: dict[str, int] = {}
    layers: list[Layer] = []
    in_shape = spec.input_shape
    for i, (ls, out_shape) in enumerate(zip(spec.layers, spec.shapes())):
        kind = ls.to_dict()["type"]
        counts[kind] = counts.get(kind, 0) + 1
        name = f"{kind}_{counts[kind]}"
        if isinstance(ls, DenseSpec):
            layer: Layer = Dense(ls, i, name, in_shape, init_rng, dtype)
        elif isinstance(ls, Conv2dSpec):
            layer = Conv2d(ls, i, name, in_shape, init_rng, dtype)
        elif isinstance(ls, PoolSpec):
            layer = Pool(ls, i, name)
        elif isinstance(ls, BatchNormSpec):
            layer = BatchNorm(ls, i, name, in_shape, dtype)
        elif isinstance(ls, DropoutSpec):
            layer = Dropout(ls, i, name, noise_rng)
        elif isinstance(ls, FlattenSpec):
            layer = Flatten(ls, i, name)
        else:  # pragma: no cover - specs are validated
            raise TypeError(ls)
        layers.append(layer)
        in_shape = out_shape
    return layers


__all__ = ["ActivatedLayer", "BatchNorm", "Conv2d", "Dense", "Dropout", "Flatten", "Layer", "Pool", "build_layers"]
