"""Max and average pooling, each channel on its own, through im2col windows."""

from __future__ import annotations

import numpy as np

from ..im2col import col2im, im2col
from ..recording import Phase
from ..spec import PoolSpec
from .base import Layer


class Pool(Layer):
    def __init__(self, spec: PoolSpec, index: int, name: str) -> None:
        super().__init__(spec, index, name)
        self.kind = spec.kind
        self.x_shape: tuple[int, ...] = ()
        self.arg: np.ndarray | None = None

    def forward(self, x: np.ndarray, train: bool, rec=None) -> np.ndarray:
        s = self.spec
        n, c, h, w = x.shape
        k, st = s.size, s.step
        oh, ow = (h - k) // st + 1, (w - k) // st + 1
        self.x_shape = x.shape
        col = im2col(x.reshape(n * c, 1, h, w), k, k, st)       # (N·C·OH·OW, k·k)
        if s.mode == "max":
            self.arg = col.argmax(axis=1)
            flat = col[np.arange(col.shape[0]), self.arg]
            formula, code = "z = max over each k×k window", "z = col.max(axis=1)"
        else:
            flat = col.mean(axis=1)
            formula, code = "z = mean over each k×k window", "z = col.mean(axis=1)"
        z = flat.reshape(n, c, oh, ow)
        self.out = z
        if rec is not None:
            rec(Phase.FORWARD, self, s.kind, formula, code, x=x, col=col, z=z)
        return z

    def backward(self, dout: np.ndarray, rec=None) -> np.ndarray:
        s = self.spec
        n, c, h, w = self.x_shape
        k = s.size
        d = dout.reshape(-1)
        dcol = np.zeros((d.shape[0], k * k), dtype=dout.dtype)
        if s.mode == "max":
            dcol[np.arange(d.shape[0]), self.arg] = d
            formula = "∂E/∂x = ∂E/∂z at each window's maximum, 0 elsewhere"
            code = "dcol[rows, argmax] = dz.ravel(); dx = col2im(dcol, ...)"
        else:
            dcol += (d / (k * k))[:, None]
            formula = "∂E/∂x = ∂E/∂z / k² spread over each window"
            code = "dcol[:] = dz.ravel()[:, None] / k**2; dx = col2im(dcol, ...)"
        dx = col2im(dcol, (n * c, 1, h, w), k, k, s.step).reshape(self.x_shape)
        if rec is not None:
            rec(Phase.BACKWARD, self, f"{s.kind}_backward", formula, code, dz=dout, dx=dx)
        return dx
