"""The fully connected layer: u = x·W + b (row-vector convention, the batch as rows)."""

from __future__ import annotations

import math

import numpy as np

from ..initializers import initial_bias, initial_weights
from ..products import Factors, live_columns, matmul, matmul_transposed
from ..recording import Phase
from ..spec import DenseSpec
from .base import ActivatedLayer, column_sums, product_norm


class Dense(ActivatedLayer):
    kind = "dense"
    weight_names = ("W",)

    def __init__(self, spec: DenseSpec, index: int, name: str, in_shape: tuple[int, ...],
                 rng: np.random.Generator, dtype) -> None:
        super().__init__(spec, index, name)
        n_in = math.prod(in_shape)
        self.params["W"] = initial_weights(spec.init, (n_in, spec.units), n_in, rng, dtype,
                                           std=spec.std, scale=spec.scale)
        if spec.bias:
            self.params["b"] = initial_bias(spec.init, spec.units, rng, dtype, scale=spec.scale)
        self.x: np.ndarray | None = None
        self.x_shape: tuple[int, ...] = ()
        # as the network's first layer (data_input) the batch's zero edge columns are left out
        # of the products (see products.live_columns): the live ones of the last forward pass,
        # and x's live columns as one row-major block (BLAS reads a block cut out of a wider
        # matrix more slowly: ∂E/∂W at batch 1000, 784×256, 2.4 ms against 1.9 ms)
        self.x_rows: slice | None = None
        self.x_live: np.ndarray | None = None
        self._outer: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None   # (x, δ, xᵀδ) of a batch of one

    def forward_pre(self, x: np.ndarray, train: bool, rec=None) -> np.ndarray:
        self.x_shape = x.shape
        if x.ndim > 2:
            x = x.reshape(x.shape[0], math.prod(x.shape[1:]))
        self.x = x
        W = self.params["W"]
        b = self.params.get("b")
        rows = self.x_rows = live_columns(x, W.shape[1]) if self.data_input and rec is None else None
        self.x_live = x if rows is None else np.ascontiguousarray(x[:, rows])
        # x @ W, in blocks where BLAS runs them faster, without the zero edge columns (products.py)
        u = matmul(x, W) if rows is None else matmul(self.x_live, W[rows])
        if b is not None:
            u += b          # in place: no second array of the batch's size
        if rec is not None:
            if b is None:
                rec(Phase.FORWARD, self, "affine", "u = x·W", "u = x @ W", x=x, W=W, u=u)
            else:
                rec(Phase.FORWARD, self, "affine", "u = x·W + b", "u = x @ W + b", x=x, W=W, b=b, u=u)
        return u

    def backward_pre(self, du: np.ndarray, rec=None) -> np.ndarray | None:
        W = self.params["W"]
        self.grads.clear()       # refilled W, b: the order of parameters(), whatever the last pass was
        rows = self.x_rows if rec is None else None
        x = self.x if rows is None else self.x_live
        if self.defer_products and rec is None and W.size >= self.FACTORED_NORM_MIN:
            # ∂E/∂W = xᵀ·δ stays as its factors; the optimizer applies it (see Layer.products).
            # Small matrices are multiplied out: there the Gram norms would cost more than the
            # matrix (100×10 at batch 10: 4.5 µs against 1.6 µs, measured)
            self.products["W"] = Factors(x, du, rows)
            self._outer = None
        else:
            self.products.clear()
            dW = self.grads["W"] = Factors(x, du, rows).multiplied(W.shape)
            self._outer = (x, du, dW) if len(du) == 1 else None
        if "b" in self.params:
            self.grads["b"] = column_sums(du)
        dx = None
        if self.need_dx or rec is not None:
            dx = matmul_transposed(du, W).reshape(self.x_shape)
        if rec is not None:
            tensors = dict(x=self.x, W=W, du=du, dW=self.grads["W"], dx=dx)
            formula = "∂E/∂W = xᵀ·δ,  ∂E/∂x = δ·Wᵀ"
            code = "dW = x.T @ du\ndx = du @ W.T"
            if "b" in self.params:
                tensors["db"] = self.grads["b"]
                formula = "∂E/∂W = xᵀ·δ,  ∂E/∂b = Σₙ δₙ,  ∂E/∂x = δ·Wᵀ"
                code = "dW = x.T @ du\ndb = du.sum(axis=0)\ndx = du @ W.T"
            rec(Phase.BACKWARD, self, "affine_backward", formula, code, **tensors)
        return dx

    # A weight matrix at least this large (entries) takes its gradient norm from the factors,
    # and is the one a deferring backward leaves as factors.
    FACTORED_NORM_MIN = 4096

    def gradient_norm(self, k: str) -> float:
        """For a batch of one, ∂E/∂W = xᵀδ is an outer product and ‖xᵀδ‖ = ‖x‖·‖δ‖: two short
        vectors instead of a pass over the whole matrix (784×256, float32: 2 µs instead of
        11 µs, measured). Only while grads["W"] is still that product (weight decay or L1
        replace it by a new array) and the matrix is large enough for it to pay."""
        outer = self._outer
        if k == "W" and outer is not None and outer[2] is self.grads["W"] \
                and outer[2].size >= self.FACTORED_NORM_MIN:
            return product_norm(outer[0], outer[1])
        return super().gradient_norm(k)
