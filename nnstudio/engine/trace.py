"""One training step recorded as data: every operation of the forward pass, the loss, the
backward pass and the update, with its formula, its NumPy line and read-only copies of the
arrays it read and wrote. The step is real: the network's weights are updated, so training
continues from where the trace ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np

from .gradcheck import numerical_backward
from .network import Network
from .optimizers import Optimizer
from .recording import Phase, Recorder, TraceEvent, frozen_copy


@dataclass(frozen=True)
class Trace:
    events: tuple[TraceEvent, ...]
    input: np.ndarray
    target: np.ndarray
    loss: float
    # per layer index: parameters before and after the step, gradients, outputs
    params_before: tuple[dict[str, np.ndarray], ...]
    params_after: tuple[dict[str, np.ndarray], ...]
    grads: tuple[dict[str, np.ndarray], ...]
    outputs: tuple[np.ndarray, ...]
    pre: tuple[np.ndarray | None, ...]
    dx: tuple[np.ndarray | None, ...]
    layer_names: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.events)

    def __iter__(self) -> Iterator[TraceEvent]:
        return iter(self.events)

    def phase_start(self, phase: Phase) -> int:
        """Index of the first event of a phase (for 'jump to phase')."""
        for i, e in enumerate(self.events):
            if e.phase == phase:
                return i
        raise KeyError(phase)

    def arrays(self) -> dict[str, np.ndarray]:
        """The trace .npz of DESIGN.md: input, target, loss and per-layer keys."""
        out: dict[str, np.ndarray] = {"input": self.input, "target": self.target,
                                      "loss": np.array(self.loss)}
        for i in range(len(self.layer_names)):
            for k, v in self.params_before[i].items():
                out[f"param/{i}/{k}"] = v
            for k, v in self.grads[i].items():
                out[f"grad/{i}/{k}"] = v
            for k, v in self.params_after[i].items():
                out[f"updated/{i}/{k}"] = v
            out[f"forward/{i}/out"] = self.outputs[i]
            if self.pre[i] is not None:
                out[f"forward/{i}/pre"] = self.pre[i]
            if self.dx[i] is not None:
                out[f"backward/{i}/dx"] = self.dx[i]
        out["layer_names"] = np.array(self.layer_names)
        return out


def record_step(network: Network, optimizer: Optimizer, x: np.ndarray, t: np.ndarray, *,
                numerical: bool = False, interrupted: Callable[[], bool] | None = None) -> Trace:
    """Run one recorded training step (forward, loss, backward, update) on (x, t). With
    ``numerical`` the backward pass is the central differences of every parameter (one
    operation per parameter, no ∂E/∂x passed down), asking ``interrupted()`` between entries:
    True raises Interrupted with the step undone (weights, batch norm's statistics and the
    dropout generators as they were)."""
    rec = Recorder()
    before = tuple({k: frozen_copy(v) for k, v in l.params.items()} for l in network.layers)
    x = np.asarray(x, dtype=network.dtype)
    start = network.random_state() if numerical else None
    loss = network.loss(x, t, train=True, rec=rec)
    if numerical:
        numerical_backward(network, x, t, interrupted=interrupted, rec=rec, undo=start)
    else:
        network.backward(rec=rec)
    grads = tuple({k: frozen_copy(v) for k, v in l.grads.items()} for l in network.layers)
    owners = {f"{l.name}.{k}": l for l in network.layers for k in l.params}
    optimizer.step(network.parameters(), network.gradients(), rec=rec, layers=owners)
    after = tuple({k: frozen_copy(v) for k, v in l.params.items()} for l in network.layers)
    outputs = tuple(frozen_copy(l.out) for l in network.layers)
    pre = tuple(frozen_copy(l.pre) if getattr(l, "pre", None) is not None else None for l in network.layers)
    # ∂E/∂x per layer, read back from the recorded backward events (last one per layer wins:
    # an activated layer reports its activation backward first, then the affine/conv part)
    dx: list[np.ndarray | None] = [None] * len(network.layers)
    for e in rec.events:
        if e.phase == Phase.BACKWARD and e.layer is not None and "dx" in e.tensors:
            dx[e.layer] = e.tensors["dx"]
    return Trace(tuple(rec.events), frozen_copy(x), frozen_copy(t), float(loss), before, after, grads,
                 outputs, pre, tuple(dx), tuple(l.name for l in network.layers))


def save_trace(trace: Trace, path) -> None:
    """Write the trace .npz atomically (no pickle: plain arrays only)."""
    from .io import atomic_savez
    atomic_savez(path, trace.arrays())
