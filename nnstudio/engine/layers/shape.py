"""Layers that only move values around: dropout and flatten."""

from __future__ import annotations

import math

import numpy as np

from ..recording import Phase
from ..spec import DropoutSpec
from .base import Layer


class Dropout(Layer):
    """Dropout: during training each unit is kept with probability 1 − p. Inverted dropout
    (``scale_at`` "training", the default) scales the kept ones by 1/(1 − p), so inference is
    the identity; the book's (``scale_at`` "inference") keeps them as they are and scales
    every output by 1 − p at inference."""

    kind = "dropout"

    def __init__(self, spec: DropoutSpec, index: int, name: str, rng: np.random.Generator) -> None:
        super().__init__(spec, index, name)
        self.rng = rng
        self.inverted = spec.scale_at == "training"
        self.mask: np.ndarray | None = None   # kept (÷(1 − p) when inverted), or 0
        self.freeze_mask = False              # reuse the last mask (gradient checks)
        self.train_pass = False               # whether the last forward applied the mask

    def forward(self, x: np.ndarray, train: bool, rec=None) -> np.ndarray:
        self.train_pass = train
        r = self.spec.ratio
        if not train:
            self.out = x if self.inverted else x * x.dtype.type(1 - r)
            return self.out
        if not (self.freeze_mask and self.mask is not None and self.mask.shape == x.shape):
            keep = self.rng.random(x.shape, dtype=x.dtype) >= r
            self.mask = keep.astype(x.dtype) / x.dtype.type(1 - r) if self.inverted else keep.astype(x.dtype)
        z = x * self.mask
        self.out = z
        if rec is not None:
            if self.inverted:
                rec(Phase.FORWARD, self, "dropout", f"z = x ⊙ m / (1 − p),  m ~ Bernoulli(1 − p),  p = {r:g}",
                    "mask = (rng.random(x.shape) >= p) / (1 - p)\nz = x * mask", x=x, mask=self.mask, z=z)
            else:
                rec(Phase.FORWARD, self, "dropout",
                    f"z = x ⊙ m,  m ~ Bernoulli(1 − p),  p = {r:g}  (inference: z = x·(1 − p))",
                    "mask = rng.random(x.shape) >= p\nz = x * mask", x=x, mask=self.mask, z=z)
        return z

    def backward(self, dout: np.ndarray, rec=None) -> np.ndarray:
        if not self.train_pass or self.mask is None or self.mask.shape != dout.shape:
            # inference forward: the identity, or the book's scaling by 1 − p
            return dout if self.inverted else dout * dout.dtype.type(1 - self.spec.ratio)
        dx = dout * self.mask
        if rec is not None:
            formula = "∂E/∂x = ∂E/∂z ⊙ m / (1 − p)" if self.inverted else "∂E/∂x = ∂E/∂z ⊙ m"
            rec(Phase.BACKWARD, self, "dropout_backward", formula, "dx = dz * mask", dz=dout, mask=self.mask, dx=dx)
        return dx


class Flatten(Layer):
    kind = "flatten"

    def forward(self, x: np.ndarray, train: bool, rec=None) -> np.ndarray:
        self.x_shape = x.shape
        z = x.reshape(x.shape[0], math.prod(x.shape[1:]))   # explicit: the batch may be empty
        self.out = z
        if rec is not None:
            rec(Phase.FORWARD, self, "flatten", "z = x reshaped to (N, C·H·W)", "z = x.reshape(N, -1)", x=x, z=z)
        return z

    def backward(self, dout: np.ndarray, rec=None) -> np.ndarray:
        dx = dout.reshape(self.x_shape)
        if rec is not None:
            rec(Phase.BACKWARD, self, "flatten_backward", "∂E/∂x = ∂E/∂z reshaped to x's shape",
                "dx = dz.reshape(x.shape)", dz=dout, dx=dx)
        return dx
