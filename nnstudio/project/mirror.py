"""A private copy of a session's network for pictures that need inference.

The training thread owns the session's network; a view that wants predictions (softmax
bars, decision boundary, confusion matrix) builds a mirror from the project — same spec,
dtype and seed, so it starts with the very same initial weights — and loads the weight
copies that snapshots carry.

    mirror = NetworkMirror(project)
    mirror.load(snap.weights)          # read-only copies from the trainer
    probs = mirror.predict(x_test[:100])
    hidden = mirror.layer_outputs(x)   # {layer index: output} for histograms / unit plots
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from nnstudio.engine.network import Network

from .model import Project


class NetworkMirror:
    def __init__(self, project: Project) -> None:
        t = project.training
        self.project = project
        self.network = Network(project.network, dtype=t.dtype, seed=t.seed)
        self.iteration = 0
        self.missing_buffers = False

    def load(self, weights: Mapping[str, np.ndarray], iteration: int = 0) -> None:
        """Copy in every parameter (and buffer) found in ``weights``; others are kept.

        Snapshots carry the full state dict (parameters and batch norm's running
        statistics); given parameters only, the statistics stay at their initial values and
        ``missing_buffers`` says so (predictions of a batch-norm network are then approximate)."""
        missing = False
        for layer in self.network.layers:
            for store in (layer.params, layer.buffers):
                for k in store:
                    v = weights.get(f"{layer.name}.{k}")
                    if v is not None and np.shape(v) == store[k].shape:
                        store[k] = np.array(v, dtype=self.network.dtype)
                    elif store is layer.buffers:
                        missing = True
        self.iteration = iteration
        self.missing_buffers = missing

    def parameters(self) -> dict[str, np.ndarray]:
        return self.network.parameters()

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self.network.predict(np.asarray(x))

    def layer_outputs(self, x: np.ndarray, *, batch_statistics: bool = False) -> dict[int, np.ndarray]:
        """Each layer's output for x, keyed by layer index: inference mode, or with batch norm
        on x's own statistics (``batch_statistics``, see Network.forward)."""
        self.network.forward(np.asarray(x), batch_statistics=batch_statistics)
        return {l.index: l.out for l in self.network.layers if l.out is not None}
