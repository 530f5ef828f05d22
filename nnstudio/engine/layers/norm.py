"""Batch normalization: per feature (dense input) or per channel (conv input)."""

from __future__ import annotations

import numpy as np

from ..recording import Phase
from ..spec import BatchNormSpec
from .base import ActivatedLayer


class BatchNorm(ActivatedLayer):
    kind = "batchnorm"

    def __init__(self, spec: BatchNormSpec, index: int, name: str, in_shape: tuple[int, ...], dtype) -> None:
        super().__init__(spec, index, name)
        n = in_shape[0]
        self.params["gamma"] = np.ones(n, dtype=dtype)
        self.params["beta"] = np.zeros(n, dtype=dtype)
        self.buffers["running_mean"] = np.zeros(n, dtype=dtype)
        self.buffers["running_var"] = np.ones(n, dtype=dtype)
        # axes to average over, and the shape that broadcasts a per-feature vector
        self.axes = (0,) if len(in_shape) == 1 else (0, 2, 3)
        self.bshape = (1, n) if len(in_shape) == 1 else (1, n, 1, 1)
        self.xn: np.ndarray | None = None
        self.std: np.ndarray | None = None
        self.train_pass = False   # batch statistics (True) or running statistics (False)

    def forward_pre(self, x: np.ndarray, train: bool, rec=None) -> np.ndarray:
        s = self.spec
        gamma = self.params["gamma"].reshape(self.bshape)
        beta = self.params["beta"].reshape(self.bshape)
        if train:
            mu = x.mean(axis=self.axes)
            xc = x - mu.reshape(self.bshape)
            var = (xc * xc).mean(axis=self.axes)
            m = s.momentum
            self.buffers["running_mean"] = m * self.buffers["running_mean"] + (1 - m) * mu
            self.buffers["running_var"] = m * self.buffers["running_var"] + (1 - m) * var
            formula = "μ = mean(x), σ² = var(x) over the batch;  x̂ = (x − μ)/√(σ² + ε);  u = γ·x̂ + β"
        else:
            mu, var = self.buffers["running_mean"], self.buffers["running_var"]
            xc = x - mu.reshape(self.bshape)
            formula = "x̂ = (x − μ_running)/√(σ²_running + ε);  u = γ·x̂ + β"
        std = np.sqrt(var + s.eps).reshape(self.bshape)
        xn = xc / std
        u = gamma * xn + beta
        self.xn, self.std, self.train_pass = xn, std, train
        if rec is not None:
            rec(Phase.FORWARD, self, "batchnorm", formula,
                "mu = x.mean(axis=0); var = x.var(axis=0)\nxn = (x - mu) / np.sqrt(var + eps)\nu = gamma * xn + beta",
                x=x, mean=mu, var=var, xn=xn, gamma=self.params["gamma"], beta=self.params["beta"], u=u)
        return u

    def backward_pre(self, du: np.ndarray, rec=None) -> np.ndarray:
        gamma = self.params["gamma"].reshape(self.bshape)
        xn, std = self.xn, self.std
        m = du.size // du.shape[1]
        self.grads["beta"] = du.sum(axis=self.axes)
        self.grads["gamma"] = (du * xn).sum(axis=self.axes)
        dxn = du * gamma
        if not self.train_pass:   # running statistics are constants: x̂ is affine in x
            dx = dxn / std
        else:
            dx = (m * dxn - dxn.sum(axis=self.axes, keepdims=True)
                  - xn * (dxn * xn).sum(axis=self.axes, keepdims=True)) / (m * std)
        if rec is not None:
            rec(Phase.BACKWARD, self, "batchnorm_backward",
                "∂E/∂β = Σ δ,  ∂E/∂γ = Σ δ·x̂,  ∂E/∂x = (m·∂x̂ − Σ∂x̂ − x̂·Σ(∂x̂·x̂)) / (m·√(σ² + ε))",
                "dbeta = du.sum(axis=0); dgamma = (du * xn).sum(axis=0)\ndxn = du * gamma\n"
                "dx = (m * dxn - dxn.sum(axis=0) - xn * (dxn * xn).sum(axis=0)) / (m * std)",
                du=du, xn=xn, dgamma=self.grads["gamma"], dbeta=self.grads["beta"], dx=dx)
        return dx
