"""Max and average pooling, each channel on its own.

A k×k window with step s at output position (r, c) covers x[..., r·s + i, c·s + j] for
i, j < k. Element (i, j) of *every* window at once is the strided view
``x[:, :, i::s, j::s]`` (cut to OH×OW), so pooling is k·k whole-array operations over those
views, in whatever memory layout the input has (a convolution's output is channel-last in
memory, where these views are fast). A recorded step also shows the windows as im2col's
matrix ``col``, one window per row; ``z = col.max(axis=1)`` gives the same values.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ..activations import Activation
from ..im2col import im2col
from ..recording import Phase
from ..spec import PoolSpec
from .base import Layer


def window_elements(x: np.ndarray, k: int, step: int, oh: int, ow: int) -> list[np.ndarray]:
    """k·k views of shape (N, C, OH, OW): element (i, j) of every window, i·k + j in order
    (the column order of im2col)."""
    return [x[:, :, i:i + step * (oh - 1) + 1:step, j:j + step * (ow - 1) + 1:step]
            for i in range(k) for j in range(k)]


def _same_layout(a: np.ndarray, like: np.ndarray) -> np.ndarray:
    """``a`` laid out in memory like ``like`` (same shape), so elementwise work runs contiguous."""
    out = np.empty_like(like)
    out[...] = a
    return out


def running_max(elements: Iterable[np.ndarray], count: int) -> tuple[np.ndarray, np.ndarray]:
    """The elementwise maximum of ``count`` equally shaped arrays, and which of them (0, 1, …)
    held it: a later array takes over only where it is strictly greater, so ties go to the
    first, as argmax does (np.maximum passes NaN on)."""
    it = iter(elements)
    z = np.array(next(it), order="K")
    # the index's type: windows over 16×16 need uint16
    arg = np.zeros_like(z, dtype=np.min_scalar_type(count - 1))
    for p, e in enumerate(it, 1):
        # 1 where element p is greater, then p there; p exceeds every earlier index, so
        # "arg = p where it won" is a maximum too
        won = (e > z).view(np.uint8).astype(arg.dtype, copy=False)
        won *= p
        np.maximum(arg, won, out=arg)
        np.maximum(z, e, out=z)
    return z, arg


class Pool(Layer):
    def __init__(self, spec: PoolSpec, index: int, name: str) -> None:
        super().__init__(spec, index, name)
        self.kind = spec.kind
        self.x: np.ndarray | None = None
        self.x_shape: tuple[int, ...] = ()
        self.arg: np.ndarray | None = None    # max pooling: which window element i·k + j won
        # after forward_tiles: the convolution's activation, and the maxima before it
        self.tiled_act: Activation | None = None
        self.pre_max: np.ndarray | None = None

    def forward(self, x: np.ndarray, train: bool, rec=None) -> np.ndarray:
        s = self.spec
        n, c, h, w = x.shape
        k, st = s.size, s.step
        oh, ow = (h - k) // st + 1, (w - k) // st + 1
        self.x, self.x_shape, self.pre_max, self.tiled_act = x, x.shape, None, None
        elems = window_elements(x, k, st, oh, ow)
        if s.mode == "max":
            # element p of every window copied once into the running maximum's layout, so that
            # the comparison and the maximum run over contiguous memory instead of reading the
            # strided view twice (SimpleConvNet at batch 100: the forward pass ~15 % faster,
            # measured)
            z, self.arg = running_max((np.array(e, order="K") for e in elems), k * k)
            formula, code = "z = max over each k×k window", "z = col.max(axis=1)"
        else:
            z = np.array(elems[0], order="K")
            for e in elems[1:]:
                z += e
            z /= k * k
            formula, code = "z = mean over each k×k window", "z = col.mean(axis=1)"
        self.out = z
        if rec is not None:
            col = im2col(x.reshape(n * c, 1, h, w), k, k, st)       # (N·C·OH·OW, k·k)
            rec(Phase.FORWARD, self, s.kind, formula, code, x=x, col=col, z=z)
        return z

    def backward(self, dout: np.ndarray, rec=None, *, relu_before: bool = False) -> np.ndarray:
        """∂E/∂x. ``relu_before`` (max pooling only): x is a ReLU's output z = max(u, 0), and
        ∂E/∂u is wanted. A window's maximum is above 0 exactly where its winning input's u is,
        so ReLU's derivative is applied here on the pooled values, and every other entry gets 0
        as it would anyway: the same numbers as ReLU's own backward pass over the (k² times
        larger) input (SimpleConvNet at batch 100: 0.67 ms for the input against 0.2 ms more
        here, measured). Not with NaN in a window (the maximum is NaN while the winner stays
        an earlier element); training stops at a NaN loss before any backward pass."""
        s = self.spec
        if relu_before and s.mode != "max":
            raise ValueError("relu_before needs max pooling")
        k, st = s.size, s.step
        oh, ow = dout.shape[2], dout.shape[3]
        dz = _same_layout(dout, self.out)
        overlapping = st < k          # then windows share inputs and their parts add up, as in col2im
        h, w = self.x_shape[2:]
        # windows that tile the input exactly write every entry of dx: no zeros needed first
        # (SimpleConvNet at batch 100: 116 µs of 943 µs, measured)
        tiled = st == k and h == oh * k and w == ow * k
        dx = np.empty_like(self.x) if tiled else np.zeros_like(self.x)
        views = window_elements(dx, k, st, oh, ow)
        if s.mode == "max":
            positive = self.out > 0 if relu_before else None
            # only the element that was the window's maximum receives ∂E/∂z
            for p, view in enumerate(views):
                won = self.arg == p
                if positive is not None:
                    won &= positive
                if overlapping:
                    view += dz * won
                else:
                    np.multiply(dz, won, out=view)      # written straight into dx
            formula = "∂E/∂x = ∂E/∂z at each window's maximum, 0 elsewhere"
            code = "dcol[rows, argmax] = dz.ravel(); dx = col2im(dcol, ...)"
        else:
            share = dz / (k * k)
            for view in views:
                if overlapping:
                    view += share
                else:
                    view[...] = share
            formula = "∂E/∂x = ∂E/∂z / k² spread over each window"
            code = "dcol[:] = dz.ravel()[:, None] / k**2; dx = col2im(dcol, ...)"
        if rec is not None:
            rec(Phase.BACKWARD, self, f"{s.kind}_backward", formula, code, dz=dout, dx=dx)
        return dx

    def forward_tiles(self, u: np.ndarray, act: Activation, shape: tuple[int, int, int, int]) -> np.ndarray:
        """Max pooling over the k×k tiles of a convolution's pre-activations u, given in tile
        order (Conv2d.forward_tiles: (k², M, F), M = N·OH·OW of the result), and then the
        convolution's activation f on the maxima. For f = ReLU that is the z pooling f(u) gives:
        ReLU keeps its inputs' order, and the ties it makes (at 0) leave a maximum of 0, through
        which no gradient passes. The k² runs of u are compared whole, where the layers one by
        one compare strided views of f(u) in image order; f runs on k² times fewer entries.
        ``shape``: the result's (N, F, OH, OW). Not recorded (a recorded pass takes forward)."""
        k = self.spec.size
        n, f, oh, ow = shape
        m, arg = running_max(u, k * k)
        self.x, self.x_shape, self.tiled_act = None, (n, f, oh * k, ow * k), act
        # viewed as (N, F, OH, OW) like the convolution's output: filters innermost in memory
        self.pre_max = m.reshape(n, oh, ow, f).transpose(0, 3, 1, 2)
        self.arg = arg.reshape(n, oh, ow, f).transpose(0, 3, 1, 2)
        self.out = act.forward(self.pre_max)
        return self.out

    def backward_tiles(self, dout: np.ndarray) -> np.ndarray:
        """∂E/∂u after forward_tiles, in its tile order (k², M, F): the activation's derivative
        taken on the maxima, then all of it to each tile's winning element."""
        k2 = self.spec.size ** 2
        d = self.tiled_act.backward(self.pre_max, self.out, _same_layout(dout, self.out))
        rows = d.transpose(0, 2, 3, 1)              # (N, OH, OW, F): contiguous in memory
        arg = self.arg.transpose(0, 2, 3, 1)
        du = np.empty((k2,) + rows.shape, dtype=d.dtype)
        for p in range(k2):
            np.multiply(rows, arg == p, out=du[p])
        return du.reshape(k2, -1, rows.shape[-1])
