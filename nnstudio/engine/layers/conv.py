"""Convolution through im2col: every receptive field is a row, the filters are columns."""

from __future__ import annotations

import numpy as np

from ..im2col import col2im, im2col, tiles
from ..initializers import initial_bias, initial_weights
from ..recording import Phase
from ..spec import Conv2dSpec
from .base import ActivatedLayer, column_sums


class Conv2d(ActivatedLayer):
    kind = "conv2d"
    weight_names = ("W",)

    def __init__(self, spec: Conv2dSpec, index: int, name: str, in_shape: tuple[int, ...],
                 rng: np.random.Generator, dtype) -> None:
        super().__init__(spec, index, name)
        c = in_shape[0]
        k = spec.kernel
        fan_in = c * k * k
        self.params["W"] = initial_weights(spec.init, (spec.filters, c, k, k), fan_in, rng, dtype,
                                           std=spec.std, scale=spec.scale)
        self.params["b"] = initial_bias(spec.init, spec.filters, rng, dtype, scale=spec.scale)
        self.x_shape: tuple[int, ...] = ()
        self.col: np.ndarray | None = None
        self.out_hw = (0, 0)
        # the output's tile size in the last forward pass: 1, or k after forward_tiles
        self.block = 1
        self._tiled: np.ndarray | None = None    # forward_tiles' u until pre or out is asked for

    # After forward_tiles, u is held in tile order; pre (in image order) and out = f(pre) are
    # made from it when something first asks for them (a snapshot of the activations, a view)
    @property
    def pre(self) -> np.ndarray | None:
        if self._tiled is not None:
            self._untile()
        return self._pre

    @pre.setter
    def pre(self, u: np.ndarray | None) -> None:
        self._pre, self._tiled = u, None

    @property
    def out(self) -> np.ndarray | None:
        if self._tiled is not None:
            self._untile()
        return self._out

    @out.setter
    def out(self, z: np.ndarray | None) -> None:
        self._out, self._tiled = z, None

    def _untile(self) -> None:
        n, k, (oh, ow) = self.x_shape[0], self.block, self.out_hw
        u = np.empty((n, oh, ow, self.spec.filters), self._tiled.dtype)
        tiles(u, k)[...] = self._tiled.reshape(k, k, n, oh // k, ow // k, -1)
        self._tiled = None
        self._pre = u.transpose(0, 3, 1, 2)
        self._out = self.act.forward(self._pre)

    def _product(self, x: np.ndarray, block: int) -> np.ndarray:
        """col·W_colᵀ + b, (N·OH·OW, F): a row per window (in im2col's order for ``block``), a
        column per filter."""
        s = self.spec
        W, b = self.params["W"], self.params["b"]
        n, _, h, w = x.shape
        oh = (h + 2 * s.pad - s.kernel) // s.stride + 1
        ow = (w + 2 * s.pad - s.kernel) // s.stride + 1
        self.x_shape, self.out_hw, self.block = x.shape, (oh, ow), block
        col = im2col(x, s.kernel, s.kernel, s.stride, s.pad, block)
        self.col = col
        u = col @ W.reshape(s.filters, -1).T
        # + b in place, a run of rows at a time: the rows of an image (of one tile element of
        # an image, in tile order) are one contiguous run of OH·OW·F values (OH·OW·F/k²), and
        # the bias repeated over that many rows lines up with it. NumPy's loop then runs over
        # 17 280 entries per call instead of F = 30 (measured, batch 100: 423 µs → 134 µs; the
        # same sums as u += b)
        per_run = oh * ow // (block * block)
        # (the shape spelled out: n may be 0)
        u.reshape(n * block * block, per_run * s.filters)[...] += np.tile(b, per_run)
        return u

    def forward_pre(self, x: np.ndarray, train: bool, rec=None) -> np.ndarray:
        s = self.spec
        W, b = self.params["W"], self.params["b"]
        u_mat = self._product(x, 1)
        col, (oh, ow) = self.col, self.out_hw
        # viewed as (N, F, OH, OW); in memory the filters stay innermost, which is where the
        # pooling and activation that follow, and the backward pass, run fastest
        u = u_mat.reshape(x.shape[0], oh, ow, s.filters).transpose(0, 3, 1, 2)
        if rec is not None:
            rec(Phase.FORWARD, self, "im2col", "col = im2col(x)  (one row per window, C·kh·kw columns)",
                f"col = im2col(x, {s.kernel}, {s.kernel}, stride={s.stride}, pad={s.pad})", x=x, col=col)
            rec(Phase.FORWARD, self, "conv", "u = col·W_colᵀ + b  (reshaped to N×F×OH×OW)",
                "u = (col @ W.reshape(F, -1).T + b).reshape(N, OH, OW, F).transpose(0, 3, 1, 2)",
                col=col, W=W, b=b, u=u)
        return u

    def forward_tiles(self, x: np.ndarray, k: int) -> np.ndarray:
        """u for a k×k max pooling over the output's tiles (Pool.forward_tiles), in im2col's
        tile order: (k², N·OH/k·OW/k, F), every tile's element p = i·k + j as one run of rows
        ordered like the pooling's output. ``pre`` and ``out`` follow when asked for;
        backward_pre then takes ∂E/∂u in the same order. Not recorded."""
        u = self._product(x, k)
        self._pre = self._out = None
        self._tiled = u
        return u.reshape(k * k, -1, self.spec.filters)

    def backward_pre(self, du: np.ndarray, rec=None) -> np.ndarray | None:
        """∂E/∂u: (N, F, OH, OW), or after forward_tiles in its order."""
        s = self.spec
        W = self.params["W"]
        if self.block == 1:
            du_mat = du.transpose(0, 2, 3, 1).reshape(-1, s.filters)
        else:
            du_mat = du.reshape(-1, s.filters)
        # ∂E/∂W = δ_colᵀ·col taken as (colᵀ·δ_col)ᵀ: im2col's matrix is the transposed view of
        # a row-major C·kh·kw × N·OH·OW array, which BLAS reads fastest as it lies (SimpleConvNet,
        # batch 100, 30×57 600 by 57 600×25: 2.0–2.2 ms → 1.8 ms, measured). A recorded pass
        # takes it as its code line shows, to the last bit.
        dW = du_mat.T @ self.col if rec is not None else (self.col.T @ du_mat).T
        self.grads["W"] = dW.reshape(W.shape)
        self.grads["b"] = column_sums(du_mat)
        dx = None
        if self.need_dx or rec is not None:
            dcol = du_mat @ W.reshape(s.filters, -1)
            dx = col2im(dcol, self.x_shape, s.kernel, s.kernel, s.stride, s.pad, self.block)
            if rec is not None:
                rec(Phase.BACKWARD, self, "conv_backward",
                    "∂E/∂W = δ_colᵀ·col,  ∂E/∂b = Σ δ,  ∂E/∂col = δ_col·W_col",
                    "dW = (du_mat.T @ col).reshape(W.shape)\ndb = du_mat.sum(axis=0)\ndcol = du_mat @ W.reshape(F, -1)",
                    du=du, col=self.col, dW=self.grads["W"], db=self.grads["b"], dcol=dcol)
                rec(Phase.BACKWARD, self, "col2im", "∂E/∂x = col2im(∂E/∂col)  (overlapping windows add up)",
                    f"dx = col2im(dcol, x.shape, {s.kernel}, {s.kernel}, stride={s.stride}, pad={s.pad})",
                    dcol=dcol, dx=dx)
        return dx
