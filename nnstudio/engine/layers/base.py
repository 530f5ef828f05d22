"""What every layer has: a qualified name, parameters with gradients, forward and backward."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..activations import Activation, get as get_activation
from ..products import Factors, small_kernels
from ..recording import Phase


# From about this many rows a product with ones beats NumPy's column sums (float32, measured:
# 1000×100 4 µs vs 20 µs, 100×256 1.8 µs vs 3.3 µs; at 10 rows or fewer sum is as fast or faster).
ONES_SUM_MIN_ROWS = 16


def column_sums(m: np.ndarray) -> np.ndarray:
    """Σ over the rows of a 2-D array (a bias gradient): for tall matrices as a product with a
    vector of ones, which BLAS runs several times faster than ``m.sum(axis=0)``."""
    if len(m) < ONES_SUM_MIN_ROWS:
        return np.add.reduce(m, axis=0)
    return np.ones(len(m), dtype=m.dtype) @ m


def l2_norm(a: np.ndarray) -> float:
    """‖a‖ over all entries: one BLAS dot product, no temporary array."""
    return math.sqrt(np.vdot(a, a))


# float32 Gram matrices keep about 1e-7 of Σ|aᵢ·aⱼ|·|bᵢ·bⱼ|: where ‖aᵀb‖² is less than this share
# of that sum, the samples' gradients pull against each other and the sum cancels, and the Grams
# are taken again in float64 (MNIST, 784-256-128-10 at batch 10, 3000 steps: 0.02–0.5 % of them)
CANCELLING = 0.25


def product_norm(a: np.ndarray, b: np.ndarray) -> float:
    """‖aᵀ·b‖ over all entries without forming the product (a: N×m, b: N×n, N small).

    One row each: the outer product's norm is ‖a‖·‖b‖, in float64. More rows:
    ‖aᵀb‖² = Σᵢⱼ (aᵢ·aⱼ)(bᵢ·bⱼ), two N×N Gram matrices (measured float32, 784×256, batch 10:
    multiplying out and taking the norm 64 µs, this 9–16 µs), their products summed in float64.
    The Grams are taken in the factors' own precision (float32 instead of float64: 784×256 at
    batch 10, 15 → 10 µs; a 784-256-128-10 step 6 % faster, measured) while the sum does not
    cancel (CANCELLING), else in float64: within 1e-6 of the exact norm either way (measured on
    MNIST training: at most 3e-7; the norm of the product multiplied out in float32 5e-9 to 7e-8
    from it). Where the samples' gradients cancel almost exactly, the float64 sum keeps only its
    absolute accuracy (≈ 1e-16 of the terms) and may come out just below zero, which counts as
    zero."""
    if len(a) == 1:
        a = a.astype(np.float64)
        b = b.astype(np.float64)
        return math.sqrt(np.vdot(a, a) * np.vdot(b, b))
    ga, gb = _gram(a), _gram(b)
    if ga.dtype != np.float64 or gb.dtype != np.float64:
        ga, gb = ga.astype(np.float64), gb.astype(np.float64)
        total = float(np.vdot(ga, gb))
        if total >= CANCELLING * float(np.vdot(np.abs(ga), np.abs(gb))):
            return math.sqrt(total)
        ga, gb = _gram(a.astype(np.float64)), _gram(b.astype(np.float64))
    return math.sqrt(max(float(np.vdot(ga, gb)), 0.0))


def _gram(a: np.ndarray) -> np.ndarray:
    """a·aᵀ. NumPy hands ``a @ a.T`` to BLAS's syrk; with OpenBLAS's AVX-512 kernels a general
    product with a copy of a runs on their small-matrix kernels instead, for a few long rows
    twice as fast (float64, 10×784: syrk 6.4 µs, this 3.7 µs); with the AVX2 kernels syrk is
    the faster (7.1 against 9.5 µs)."""
    if small_kernels():
        return a @ a.copy().T
    return a @ a.T


class Layer:
    """A layer of the network.

    ``params`` and ``grads`` map short names ("W", "b", "gamma") to arrays; the network
    qualifies them as ``"{layer.name}.{short}"``. ``buffers`` holds state that is saved
    with the weights but not trained (batch norm's running statistics).
    Kernels never write into the arrays they are given.

    ``products`` holds gradients left unmultiplied: when the network's backward is asked to
    (``defer_products``), a dense layer keeps ∂E/∂W = xᵀ·δ as its factors (products.Factors:
    x, δ and the rows they fill) instead of the matrix, and the trainer's SGD applies
    W ← W − η·xᵀδ as one BLAS call. A name is in ``grads`` or in ``products``, never both;
    ``Network.gradients()`` multiplies products out.
    """

    kind = "layer"
    has_pre = False          # whether the layer has a pre-activation output u
    weight_names: tuple[str, ...] = ()   # parameters that weight decay applies to

    def __init__(self, spec: Any, index: int, name: str) -> None:
        self.spec = spec
        self.index = index
        self.name = name
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.buffers: dict[str, np.ndarray] = {}
        self.products: dict[str, Factors] = {}
        self.defer_products = False     # set by Network.backward for this pass
        self.need_dx = True      # the first layer may skip computing ∂E/∂x
        self.data_input = False  # the first layer: its input is the data itself
        self.out: np.ndarray | None = None   # last forward output (after activation)

    def forward(self, x: np.ndarray, train: bool, rec=None) -> np.ndarray:
        raise NotImplementedError

    def backward(self, dout: np.ndarray, rec=None) -> np.ndarray | None:
        raise NotImplementedError

    def gradient_norm(self, k: str) -> float:
        """‖∂E/∂k‖ over all entries of the last backward pass's gradient (the trainer's
        grad_norms): one BLAS dot product, no temporary array."""
        if k in self.products:
            p = self.products[k]
            return product_norm(p.a, p.b)
        return l2_norm(self.grads[k])

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"


class ActivatedLayer(Layer):
    """A layer computing a pre-activation u and then z = f(u) (dense, conv2d, batchnorm)."""

    has_pre = True

    def __init__(self, spec: Any, index: int, name: str) -> None:
        super().__init__(spec, index, name)
        self.act: Activation = get_activation(spec.activation)
        self.pre: np.ndarray | None = None

    def forward(self, x: np.ndarray, train: bool, rec=None) -> np.ndarray:
        u = self.forward_pre(x, train, rec)
        return self.activate(u, rec)

    def activate(self, u: np.ndarray, rec=None) -> np.ndarray:
        z = self.act.forward(u)
        self.pre, self.out = u, z
        if rec is not None and self.act.name != "identity":
            rec(Phase.FORWARD, self, self.act.name, self.act.formula, self.act.code, u=u, z=z)
        return z

    def backward(self, dout: np.ndarray, rec=None) -> np.ndarray | None:
        if self.act.name == "identity":
            du = dout
        else:
            du = self.act.backward(self.pre, self.out, dout)
            if rec is not None:
                rec(Phase.BACKWARD, self, f"{self.act.name}_backward", self.act.backward_formula,
                    self.act.backward_code, u=self.pre, z=self.out, dz=dout, du=du)
        return self.backward_pre(du, rec)

    def forward_pre(self, x: np.ndarray, train: bool, rec=None) -> np.ndarray:
        raise NotImplementedError

    def backward_pre(self, du: np.ndarray, rec=None) -> np.ndarray | None:
        raise NotImplementedError
