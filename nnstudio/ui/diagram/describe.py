"""What the diagram shows about each layer: output shape, parameter count, engine name.

Plain Python over the document's layer dicts. Shapes come from the engine's own shape
inference (``NetworkSpec.shapes``) run on as long a prefix of the layers as it accepts,
so a diagram with a bad layer still shows the shapes before it.
"""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any, Mapping, Sequence

from nnstudio.engine.errors import SpecError
from nnstudio.engine.spec import NetworkSpec, layer_from_dict

#: largest layer drawn neuron by neuron (with every connection)
MAX_NEURONS = 16


def output_shapes(input_shape: Sequence[int], layers: Sequence[Mapping[str, Any]]) -> list[tuple | None]:
    """Per-layer output shape, None from the first layer the engine rejects on."""
    shapes: list[tuple | None] = []
    specs = []
    try:
        for i, data in enumerate(layers):
            specs.append(layer_from_dict(data, f"network.layers[{i}]"))
            probe = SimpleNamespace(input_shape=tuple(input_shape), layers=tuple(specs))
            shapes.append(tuple(NetworkSpec.shapes(probe)[-1]))  # type: ignore[arg-type]
    except (SpecError, TypeError, ValueError):
        pass
    return shapes + [None] * (len(layers) - len(shapes))


def parameter_count(data: Mapping[str, Any], in_shape: tuple | None) -> int | None:
    if in_shape is None:
        return None
    kind = data.get("type")
    try:
        if kind == "dense":
            units = int(data["units"])
            return math.prod(in_shape) * units + (units if data.get("bias", True) else 0)
        if kind == "conv2d":
            filters, k = int(data["filters"]), int(data["kernel"])
            return filters * in_shape[0] * k * k + filters
        if kind == "batchnorm":
            return 2 * (in_shape[0] if len(in_shape) == 3 else math.prod(in_shape))
    except (KeyError, TypeError, ValueError, IndexError):
        return None
    return 0


def total_parameter_count(input_shape: Sequence[int], layers: Sequence[Mapping[str, Any]]) -> int | None:
    """All the network's trainable parameter entries; None where a layer is not valid yet."""
    total, prev = 0, tuple(input_shape)
    for data, shape in zip(layers, output_shapes(input_shape, layers)):
        count = parameter_count(data, prev)
        if count is None or shape is None:
            return None
        total, prev = total + count, shape
    return total


def engine_names(layers: Sequence[Mapping[str, Any]]) -> list[str]:
    """The engine's layer names ("dense_1", "dropout_1", "dense_2", ...) in order."""
    counts: dict[str, int] = {}
    names = []
    for data in layers:
        kind = str(data.get("type"))
        counts[kind] = counts.get(kind, 0) + 1
        names.append(f"{kind}_{counts[kind]}")
    return names


def drawn_as_neurons(shape: tuple | None) -> bool:
    return shape is not None and len(shape) == 1 and 1 <= shape[0] <= MAX_NEURONS
