"""Convolution through im2col: every receptive field is a row, the filters are columns."""

from __future__ import annotations

import numpy as np

from ..im2col import col2im, im2col, tiles
from ..initializers import initial_bias, initial_weights
from ..recording import Phase
from ..spec import Conv2dSpec
from .base import ActivatedLayer, column_sums


class _ImageOrder:
    """A Conv2d attribute (pre, out) that is put in image order from forward_tiles' u when first
    read; setting it drops that u."""

    def __set_name__(self, owner, name: str) -> None:
        self.field = "_" + name

    def __get__(self, layer, owner=None):
        if layer is None:
            return self
        if layer._tiled is not None:
            layer._untile()
        return getattr(layer, self.field)

    def __set__(self, layer, value: np.ndarray | None) -> None:
        setattr(layer, self.field, value)
        layer._tiled = None


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
        self.ones = False     # whether col ends in im2col's column of ones (an unrecorded pass)
        # forward_tiles' u (shaped by x_shape, out_hw and block), until pre or out is asked for
        self._tiled: np.ndarray | None = None

    # After forward_tiles, u is held in tile order; pre (in image order) and out = f(pre) are
    # made from it when something first asks for them (a snapshot of the activations, a view)
    pre = _ImageOrder()
    out = _ImageOrder()

    def _untile(self) -> None:
        n, (oh, ow), k, f = self.x_shape[0], self.out_hw, self.block, self.spec.filters
        u = np.empty((n, oh, ow, f), self._tiled.dtype)
        tiles(u, k)[...] = self._tiled.reshape(k, k, n, oh // k, ow // k, f)
        self._tiled = None
        self._pre = u.transpose(0, 3, 1, 2)
        self._out = self.act.forward(self._pre)

    def _product(self, x: np.ndarray, block: int, ones: bool) -> np.ndarray:
        """col·W_colᵀ + b, (N·OH·OW, F): a row per window (in im2col's order for ``block``), a
        column per filter. ``ones``: im2col's column of ones takes the bias into the product."""
        s = self.spec
        W, b = self.params["W"], self.params["b"]
        n, _, h, w = x.shape
        oh = (h + 2 * s.pad - s.kernel) // s.stride + 1
        ow = (w + 2 * s.pad - s.kernel) // s.stride + 1
        self.x_shape, self.out_hw, self.block = x.shape, (oh, ow), block
        self._tiled = self._pre = self._out = None     # the last pass's outputs are gone
        col = im2col(x, s.kernel, s.kernel, s.stride, s.pad, block, ones)
        self.col, self.ones = col, ones
        if ones:
            # one more column in the product instead of a pass over u for the bias (SimpleConvNet,
            # batch 100: 57 600×26 by 26×30 takes as long as without that column, measured)
            Wb = np.empty((col.shape[1], s.filters), dtype=W.dtype)
            Wb[:-1] = W.reshape(s.filters, -1).T
            Wb[-1] = b
            return col @ Wb
        u = col @ W.reshape(s.filters, -1).T
        # + b in place, a run of rows at a time: the rows of an image are one contiguous run of
        # OH·OW·F values, and the bias repeated OH·OW times lines up with it. NumPy's loop then
        # runs over 17 280 entries per call instead of F = 30 (measured, batch 100: 423 µs →
        # 134 µs; the same sums as u += b)
        u_img = u.reshape(n, oh * ow * s.filters)      # (n spelled out: it may be 0)
        u_img += np.tile(b, oh * ow)
        return u

    def forward_pre(self, x: np.ndarray, train: bool, rec=None) -> np.ndarray:
        s = self.spec
        W, b = self.params["W"], self.params["b"]
        u_mat = self._product(x, 1, ones=rec is None)
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
        u = self._product(x, k, ones=True)
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
        col = self.col[:, :-1] if self.ones else self.col
        # ∂E/∂W = δ_colᵀ·col taken as (colᵀ·δ_col)ᵀ: im2col's matrix is the transposed view of
        # a row-major C·kh·kw × N·OH·OW array, which BLAS reads fastest as it lies (SimpleConvNet,
        # batch 100, 30×57 600 by 57 600×25: 2.0–2.2 ms → 1.8 ms, measured). With the column of
        # ones the same product gives ∂E/∂b = 1ᵀ·δ_col as its last row, in the time of ∂E/∂W
        # alone (a sum of its own took 0.6 ms in the step, measured). A recorded pass takes them
        # as its code lines show, to the last bit.
        if self.ones and rec is None:
            both = self.col.T @ du_mat
            dW, db = both[:-1].T, both[-1].copy()
        else:
            dW = du_mat.T @ col if rec is not None else (col.T @ du_mat).T
            db = column_sums(du_mat)
        self.grads["W"] = dW.reshape(W.shape)
        self.grads["b"] = db
        dx = None
        if self.need_dx or rec is not None:
            dcol = du_mat @ W.reshape(s.filters, -1)
            dx = col2im(dcol, self.x_shape, s.kernel, s.kernel, s.stride, s.pad, self.block)
            if rec is not None:
                rec(Phase.BACKWARD, self, "conv_backward",
                    "∂E/∂W = δ_colᵀ·col,  ∂E/∂b = Σ δ,  ∂E/∂col = δ_col·W_col",
                    "dW = (du_mat.T @ col).reshape(W.shape)\ndb = du_mat.sum(axis=0)\ndcol = du_mat @ W.reshape(F, -1)",
                    du=du, col=col, dW=self.grads["W"], db=self.grads["b"], dcol=dcol)
                rec(Phase.BACKWARD, self, "col2im", "∂E/∂x = col2im(∂E/∂col)  (overlapping windows add up)",
                    f"dx = col2im(dcol, x.shape, {s.kernel}, {s.kernel}, stride={s.stride}, pad={s.pad})",
                    dcol=dcol, dx=dx)
        return dx
