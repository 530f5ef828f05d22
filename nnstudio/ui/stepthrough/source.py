"""A float64 copy of the traced network at its weights before the step.

The gradient check and the collapse panel both work on this copy, never on the session's
network (the training thread owns that one). Dropout masks of the traced step are put into
the copy so that it computes exactly the function the step differentiated.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np

from nnstudio.engine.layers import Dropout
from nnstudio.engine.network import Network
from nnstudio.engine.recording import Phase
from nnstudio.engine.spec import NetworkSpec
from nnstudio.engine.trace import Trace


@dataclass(frozen=True)
class StepSource:
    spec: NetworkSpec
    state: Mapping[str, np.ndarray]        # qualified name → float64 copy (params before the step, buffers)
    masks: Mapping[int, np.ndarray]        # dropout layer index → the traced mask
    x: np.ndarray
    t: np.ndarray
    weight_decay: float = 0.0
    l1: float = 0.0

    @classmethod
    def from_trace(cls, trace: Trace, network: Network) -> "StepSource":
        """Call in the GUI thread while the worker is parked (reads ``network``'s buffers)."""
        state = {k: np.array(v, dtype=np.float64) for k, v in network.state_dict().items()}
        for layer, before in zip(network.layers, trace.params_before):
            for k, v in before.items():
                state[f"{layer.name}.{k}"] = np.array(v, dtype=np.float64)
        masks = {e.layer: np.array(e.tensors["mask"], dtype=np.float64) for e in trace.events
                 if e.phase == Phase.FORWARD and e.op == "dropout"}
        return cls(network.spec, state, masks, np.array(trace.input, dtype=np.float64), np.array(trace.target),
                   network.weight_decay, network.l1)

    def network(self) -> Network:
        net = Network(self.spec, dtype="float64", weight_decay=self.weight_decay, l1=self.l1)
        net.load_state_dict(self.state)
        for layer in net.layers:
            if isinstance(layer, Dropout) and layer.index in self.masks:
                layer.mask = self.masks[layer.index].copy()
                layer.freeze_mask = True
        return net

    def parameter_shapes(self) -> dict[str, tuple[int, ...]]:
        net = Network(self.spec, dtype="float64")
        return {k: v.shape for k, v in net.parameters().items()}
