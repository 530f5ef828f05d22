"""Recording of operations as data, for the step-through view and the trace file.

Layers, losses and optimizers report each operation to a recorder:
``rec(phase, layer, op, formula, code, **tensors)``. During normal training the recorder
is ``None`` and nothing is copied; while a step is traced, a :class:`Recorder` keeps a
read-only copy of every tensor, so stepping back through the trace is navigation only.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType
from typing import Any, Mapping

import numpy as np


class Phase(str, Enum):
    FORWARD = "forward"
    LOSS = "loss"
    BACKWARD = "backward"
    UPDATE = "update"


@dataclass(frozen=True)
class TraceEvent:
    """One operation: which phase and layer, what it computes (formula and NumPy code), and
    the arrays it read and wrote, named as in the formula."""

    phase: Phase
    layer: int | None          # index in network.layers, None for the loss as a whole
    layer_name: str | None     # qualified name, e.g. "dense_1"
    op: str                    # "affine", "relu", "softmax_cross_entropy", "im2col", "update", ...
    formula: str
    code: str
    tensors: Mapping[str, np.ndarray]
    note: str = ""             # extra facts, e.g. the optimizer's state names


def frozen_copy(value: Any) -> np.ndarray:
    a = np.array(value, copy=True)
    a.flags.writeable = False
    return a


class Recorder:
    """Collects :class:`TraceEvent` objects; pass one as ``rec`` to record a step."""

    def __init__(self) -> None:
        self.events: list[TraceEvent] = []

    def __call__(self, phase: Phase, layer: Any, op: str, formula: str, code: str,
                 note: str = "", **tensors: Any) -> None:
        index = getattr(layer, "index", None)
        name = getattr(layer, "name", None)
        self.events.append(TraceEvent(phase, index, name, op, formula, code,
                                      MappingProxyType({k: frozen_copy(v) for k, v in tensors.items()}),
                                      note))
