"""The network: layers built from a :class:`NetworkSpec`, a loss, and regularization.

    net = Network(spec, dtype="float32", seed=0)
    loss = net.loss(x, t, train=True)   # forward pass and loss, kept for backward
    net.backward()                      # fills net.gradients()
    y = net.predict(x)                  # inference (dropout off, batch norm running stats)

Parameters have qualified names (``"dense_1.W"``); ``parameters()`` returns the live
arrays, which an optimizer updates in place.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterator, Mapping

import numpy as np

from . import losses
from .errors import ShapeError, SpecError
from .layers import ActivatedLayer, Dropout, Layer, build_layers
from .layers.base import l2_norm
from .recording import Phase
from .spec import NetworkSpec


def make_rngs(seed: int) -> tuple[np.random.Generator, np.random.Generator]:
    """Independent streams for initial weights and for dropout masks, both from one seed."""
    init_ss, noise_ss = np.random.SeedSequence(seed).spawn(2)
    return np.random.default_rng(init_ss), np.random.default_rng(noise_ss)


class Network:
    def __init__(self, spec: NetworkSpec, *, dtype: str = "float32", seed: int = 0,
                 weight_decay: float = 0.0, l1: float = 0.0) -> None:
        if dtype not in ("float32", "float64"):
            raise SpecError("training.dtype", "float32 or float64", dtype)
        self.spec = spec
        self.dtype = np.dtype(dtype)
        self.weight_decay = float(weight_decay)
        self.l1 = float(l1)
        init_rng, self.noise_rng = make_rngs(seed)
        self.layers: list[Layer] = build_layers(spec, init_rng, self.noise_rng, self.dtype)
        if self.layers:
            self.layers[0].need_dx = False
            self.layers[0].data_input = True
        last = self.layers[-1]
        assert isinstance(last, ActivatedLayer)
        self.output_layer: ActivatedLayer = last
        self.fused = spec.loss == "cross_entropy" and last.act.name == "softmax"
        # max pooling right after a ReLU applies ReLU's derivative itself, on the pooled values
        # (Pool.backward's relu_before); a recorded pass shows the two steps one by one
        self._relu_pooled = frozenset(
            i for i in range(1, len(self.layers))
            if self.layers[i].kind == "maxpool" and self.layers[i - 1].has_pre
            and self.layers[i - 1].act.name == "relu")
        # and where a convolution with ReLU comes before it and its windows tile the convolution's
        # output, the two run together while training (Conv2d.forward_tiles, Pool.forward_tiles):
        # {pool index: k}. Only for a convolution with no more weights per filter than filters:
        # its im2col matrix in tile order takes longer to make, and its col2im to take back, by
        # that matrix's size, while the pooling gains by the output's (measured, batch 100:
        # SimpleConvNet's 25 per filter, 30 filters, a step 13.7 → 11.2 ms; the book's deep
        # network, 144–576 per filter, 16–64 filters, 150 → 171 ms)
        self._shapes = spec.shapes()
        self._tiled_pools = {i: k for i in self._relu_pooled if (k := self._tile_size(i))}
        self._tiled_pass = False     # whether the last loss() ran them together
        self._x: np.ndarray | None = None
        self._t: np.ndarray | None = None
        self._dy: np.ndarray | None = None   # ∂E/∂(output) or, fused, ∂E/∂u of the output layer
        self.last_data_loss = float("nan")
        # ‖∂L_data/∂W‖ of the last backward pass, for the weights weight decay or L1 added to
        # (empty without them: then the gradients are the data loss's alone)
        self.data_grad_norms: dict[str, float] = {}
        # layers never change their parameter names (load_state_dict replaces arrays, not
        # names), so the qualified names are made once
        self._named: tuple[tuple[Layer, dict[str, str]], ...] = tuple(
            (l, {k: f"{l.name}.{k}" for k in l.params}) for l in self.layers if l.params)

    def _tile_size(self, i: int) -> int | None:
        """k where layer i is a k×k max pooling (k > 1) over the tiles of a convolution's output
        that runs together with it (see __init__), else None."""
        conv, pool = self.layers[i - 1], self.layers[i]
        k = pool.spec.size
        tiles = (conv.kind == "conv2d" and k > 1 and pool.spec.step == k
                 and all(d % k == 0 for d in self._shapes[i - 1][1:])
                 and conv.params["W"][0].size <= conv.spec.filters)
        return k if tiles else None

    # ------------------------------------------------------------------ parameters
    def parameters(self) -> dict[str, np.ndarray]:
        return {q: l.params[k] for l, names in self._named for k, q in names.items()}

    def gradients(self) -> dict[str, np.ndarray]:
        """∂E/∂p of the last backward pass per qualified name (products multiplied out)."""
        out = {}
        for l, names in self._named:
            for k, p in l.products.items():
                out[names[k]] = p.multiplied(l.params[k].shape)
            for k, g in l.grads.items():
                out[names[k]] = g
        return out

    def named_layers(self) -> tuple[tuple[Layer, Mapping[str, str]], ...]:
        """Each layer that has parameters, with its short → qualified parameter names, in the
        order of :meth:`parameters`. Fixed for the network's life: callers may keep it and
        read ``layer.params[k]`` / ``layer.grads[k]`` (or ``layer.products[k]`` after a deferring
        backward) for the live arrays."""
        return self._named

    def weight_names(self) -> list[str]:
        """Qualified names of the parameters that weight decay and L1 apply to (W, not b)."""
        return [f"{l.name}.{k}" for l in self.layers for k in l.weight_names]

    def buffer_state(self) -> dict[str, dict[str, np.ndarray]]:
        """Copies of the layers' buffers (batch norm's running statistics) by layer name, for
        :meth:`restore_buffers` after passes that must not move them."""
        return {l.name: {k: v.copy() for k, v in l.buffers.items()} for l in self.layers if l.buffers}

    def restore_buffers(self, state: Mapping[str, Mapping[str, np.ndarray]]) -> None:
        for l in self.layers:
            l.buffers.update(state.get(l.name, {}))

    def random_state(self) -> tuple[dict, list]:
        """What a training forward pass moves besides the layers' outputs: batch norm's running
        statistics and the dropout masks' random generators, for :meth:`restore_random_state`
        when a step is undone (so that the step done again is the same step)."""
        rngs = {id(g): g for g in (getattr(l, "rng", None) for l in self.layers) if g is not None}
        return self.buffer_state(), [(g, g.bit_generator.state) for g in rngs.values()]

    def restore_random_state(self, state: tuple[dict, list]) -> None:
        buffers, rngs = state
        self.restore_buffers(buffers)
        for g, bits in rngs:
            g.bit_generator.state = bits

    def state_dict(self) -> dict[str, np.ndarray]:
        """Copies of every parameter and buffer, keyed by qualified name (the weights .npz)."""
        out = {k: v.copy() for k, v in self.parameters().items()}
        for l in self.layers:
            for k, v in l.buffers.items():
                out[f"{l.name}.{k}"] = v.copy()
        return out

    def load_state_dict(self, state: Mapping[str, np.ndarray]) -> None:
        """Load parameters and buffers; every name must exist and every shape must match."""
        targets: dict[str, tuple[Layer, str, dict]] = {}
        for l in self.layers:
            for k in l.params:
                targets[f"{l.name}.{k}"] = (l, k, l.params)
            for k in l.buffers:
                targets[f"{l.name}.{k}"] = (l, k, l.buffers)
        missing = sorted(set(targets) - set(state))
        unknown = sorted(set(state) - set(targets))
        if missing:
            raise SpecError(missing[0], "the parameters of this network: " + ", ".join(targets),
                            reason=f"missing from the weights ({len(missing)} missing)")
        if unknown:
            raise SpecError(unknown[0], "the parameters of this network: " + ", ".join(targets),
                            reason="not a parameter of this network")
        for name, (layer, k, store) in targets.items():
            value = np.asarray(state[name])
            if value.shape != store[k].shape:
                raise ShapeError(name, store[k].shape, value.shape)
        for name, (layer, k, store) in targets.items():
            # row-major whatever the file's order (a transposed weight from elsewhere): the
            # products and SGD's in-place gemm expect it (an F-ordered W stepped 2.3× slower)
            store[k] = np.array(state[name], dtype=self.dtype, order="C")

    def parameter_count(self) -> int:
        return sum(v.size for v in self.parameters().values())

    @contextmanager
    def frozen_masks(self) -> Iterator[None]:
        """Reuse the current dropout masks (so a numerical gradient sees one function)."""
        drops = [l for l in self.layers if isinstance(l, Dropout)]
        for d in drops:
            d.freeze_mask = True
        try:
            yield
        finally:
            for d in drops:
                d.freeze_mask = False

    # ------------------------------------------------------------------ forward
    def _as_input(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=self.dtype)
        if x.shape[1:] != self.spec.input_shape:
            if x.ndim == 2 and x.shape[1] == int(np.prod(self.spec.input_shape)):
                x = x.reshape((x.shape[0],) + self.spec.input_shape)
            else:
                raise ShapeError("input", (None,) + self.spec.input_shape, x.shape)
        return x

    def forward(self, x: np.ndarray, *, train: bool = False, rec=None, batch_statistics: bool = False) -> np.ndarray:
        """The network's output (after the output activation).

        ``batch_statistics``: batch norm normalizes by this batch's own mean and variance, as
        while training (without moving its running statistics), the other layers as in
        inference (no dropout): how training sees a batch, for views of the layers' outputs."""
        x = self._as_input(x)
        kept = [(l, dict(l.buffers)) for l in self.layers if l.kind == "batchnorm"] if batch_statistics else []
        try:
            for layer in self.layers:
                x = layer.forward(x, train or (batch_statistics and layer.kind == "batchnorm"), rec)
        finally:
            for layer, buffers in kept:
                layer.buffers.update(buffers)
        return x

    def predict(self, x: np.ndarray, batch_size: int = 1000) -> np.ndarray:
        """Inference in chunks, so a whole test set fits in memory."""
        parts = [self.forward(x[i:i + batch_size]) for i in range(0, len(x), batch_size)]
        return np.concatenate(parts) if parts else np.empty((0, self.spec.output_size), self.dtype)

    def loss(self, x: np.ndarray, t: np.ndarray, *, train: bool = True, rec=None) -> float:
        """Forward pass and loss (data loss plus regularization); keeps what backward needs."""
        x = self._as_input(x)
        if rec is not None:
            rec(Phase.FORWARD, None, "input", "x: a batch of samples, one per row", "x = x_batch", x=x)
        out_layer = self.output_layer
        h = x
        self._tiled_pass = rec is None and bool(self._tiled_pools)
        i = 0
        while i < len(self.layers) - 1:
            k = self._tiled_pools.get(i + 1) if self._tiled_pass else None
            if k:
                conv, pool = self.layers[i], self.layers[i + 1]
                h = pool.forward_tiles(conv.forward_tiles(h, k), conv.act, (len(h),) + self._shapes[i + 1])
                i += 2
            else:
                h = self.layers[i].forward(h, train, rec)
                i += 1
        if self.fused:
            u = out_layer.forward_pre(h, train, rec)
            data_loss, y, du = losses.softmax_cross_entropy(u, t)
            out_layer.pre, out_layer.out = u, y
            self._dy = du
            if rec is not None:
                rec(Phase.FORWARD, out_layer, "softmax", out_layer.act.formula, out_layer.act.code, u=u, z=y)
                info = losses.SOFTMAX_CROSS_ENTROPY
                rec(Phase.LOSS, out_layer, info.name, info.formula, info.codes_for(t)[0], y=y, t=t,
                    loss=np.array(data_loss, dtype=self.dtype), **self._one_hot(t, y))
        else:
            y = out_layer.forward(h, train, rec)
            data_loss, dy = losses.LOSS_FUNCTIONS[self.spec.loss](y, t)
            self._dy = dy
            if rec is not None:
                info = losses.LOSSES[self.spec.loss]
                rec(Phase.LOSS, None, info.name, info.formula, info.codes_for(t)[0], y=y, t=t,
                    loss=np.array(data_loss, dtype=self.dtype), **self._one_hot(t, y))
        self._t = t
        self.last_data_loss = data_loss
        return data_loss + self.regularization_loss(rec)

    @staticmethod
    def _one_hot(t, y) -> dict[str, np.ndarray]:
        """{"T": the labels as one-hot rows} for a recorded loss step where the targets are
        class labels (the formulas and code use T), else nothing."""
        return {"T": losses.as_dense_targets(t, y.shape[1], y.dtype)} if losses.is_labels(t) else {}

    def regularization_loss(self, rec=None) -> float:
        if not (self.weight_decay or self.l1):
            return 0.0
        params = self.parameters()
        total = 0.0
        for name in self.weight_names():
            w = params[name]
            if self.weight_decay:
                total += 0.5 * self.weight_decay * float(np.vdot(w, w))
            if self.l1:
                total += self.l1 * float(np.abs(w).sum())
        if rec is not None:
            rec(Phase.LOSS, None, "regularization", "E += ½λ Σ W² + λ₁ Σ |W|  (weights only, not biases)",
                "loss += 0.5 * lam * sum(np.sum(W**2) for W in weights) + l1 * sum(np.abs(W).sum() for W in weights)",
                penalty=np.array(total, dtype=self.dtype))
        return total

    def branches(self) -> list[np.ndarray]:
        """The side of every kink the last :meth:`loss` took, as arrays: u > 0 for each layer
        whose activation has a kink at 0 (ReLU, leaky ReLU, step), and each max pooling window's
        winner. After a ReLU a window counts only by its maximum, so its winner counts where
        that is above 0 (−1 elsewhere) and the ReLU's own signs not at all: a loser's sign
        changes nothing. Two passes with equal branches computed the same smooth piece of the
        loss; a central difference whose two passes do not (see gradcheck) straddles a kink,
        where backprop rightly gives one side's derivative."""
        out = []
        for i, layer in enumerate(self.layers):
            if i + 1 in self._relu_pooled:
                continue
            if layer.kind == "maxpool":
                out.append(np.where(layer.out > 0, layer.arg, -1) if i in self._relu_pooled else layer.arg.copy())
            elif layer.has_pre and layer.act.kinked:
                out.append(layer.pre > 0)
        return out

    # ------------------------------------------------------------------ backward
    def backward(self, rec=None, *, defer_products: bool = False) -> None:
        """Gradients of the last :meth:`loss` with respect to every parameter.

        ``defer_products``: dense layers keep ∂E/∂W = xᵀ·δ as its two factors in
        ``layer.products`` (see :class:`Layer`) for an optimizer to apply in one BLAS call.
        Not while recording (the trace shows the matrix) nor with weight decay or L1 (they
        add to the matrix)."""
        if self._dy is None:
            raise RuntimeError("backward() needs a loss() first")
        if rec is not None and self._tiled_pass:
            raise RuntimeError("a recorded backward() needs a recorded loss() first")
        defer = defer_products and rec is None and not (self.weight_decay or self.l1)
        for layer in self.layers:
            layer.defer_products = defer
        out_layer = self.output_layer
        if self.fused:
            if rec is not None:
                info = losses.SOFTMAX_CROSS_ENTROPY
                rec(Phase.BACKWARD, out_layer, "softmax_cross_entropy_backward", info.gradient,
                    info.codes_for(self._t)[1], y=out_layer.out, t=self._t,
                    **self._one_hot(self._t, out_layer.out), du=self._dy,
                    **losses.softmax_cross_entropy_long_way(out_layer.out, self._t))
            d = out_layer.backward_pre(self._dy, rec)
        else:
            if rec is not None:
                info = losses.LOSSES[self.spec.loss]
                # dy, as the code names it: the gradient starts here, not from a layer above
                rec(Phase.BACKWARD, None, f"{info.name}_backward", info.gradient, info.codes_for(self._t)[1],
                    y=out_layer.out, t=self._t, **self._one_hot(self._t, out_layer.out), dy=self._dy)
            d = out_layer.backward(self._dy, rec)
        fold = rec is None and self._relu_pooled
        relu_done = False
        for i in range(len(self.layers) - 2, -1, -1):
            layer = self.layers[i]
            if relu_done:                       # the pooling after it applied ReLU's derivative
                d = layer.backward_pre(d, rec)
                relu_done = False
            elif self._tiled_pass and i in self._tiled_pools:
                d = layer.backward_tiles(d)
                relu_done = True
            elif fold and i in self._relu_pooled:
                d = layer.backward(d, rec, relu_before=True)
                relu_done = True
            else:
                d = layer.backward(d, rec)
        self.add_regularization_gradients(rec)

    def add_regularization_gradients(self, rec=None) -> None:
        """∂E/∂W += λW + λ₁·sign(W); the data loss's own ‖∂L/∂W‖ is kept in data_grad_norms
        first (with λ = 0.1 the added term dwarfs it, and a learner judging vanishing gradients
        needs the data's part)."""
        if not (self.weight_decay or self.l1):
            return
        for layer in self.layers:
            for k in layer.weight_names:
                w, g = layer.params[k], layer.grads[k]
                self.data_grad_norms[f"{layer.name}.{k}"] = l2_norm(g)
                if self.weight_decay:
                    g = g + self.weight_decay * w
                if self.l1:
                    g = g + self.l1 * np.sign(w)
                layer.grads[k] = g
                if rec is not None:
                    rec(Phase.BACKWARD, layer, "regularization_backward", "∂E/∂W += λW + λ₁ sign(W)",
                        "dW += lam * W + l1 * np.sign(W)", W=w, dW=g)

    # ------------------------------------------------------------------ evaluation
    def evaluate(self, x: np.ndarray, t: np.ndarray, batch_size: int = 1000,
                 stop: Callable[[], bool] | None = None) -> tuple[float, float | None] | None:
        """Mean data loss per sample (without regularization; sse_sum: ½Σ(y−t)² per sample, as
        sse) and accuracy (None for regression targets). ``stop``, asked before every batch after
        the first, ends it early: the result is then None (a deep CNN takes minutes over MNIST's
        training set)."""
        total = 0.0
        correct = 0
        n = len(x)
        classify = np.asarray(t).ndim == 1 or self.spec.loss == "cross_entropy"
        for i in range(0, n, batch_size):
            if i and stop is not None and stop():
                return None
            xb, tb = x[i:i + batch_size], t[i:i + batch_size]
            y = self.forward(xb)
            if self.spec.loss == "cross_entropy":
                loss, _ = losses.cross_entropy(y, tb)
            else:
                loss, _ = losses.sse(y, tb)
            total += loss * len(xb)
            if classify:
                labels = tb if np.asarray(tb).ndim == 1 else np.asarray(tb).argmax(axis=1)
                correct += int((y.argmax(axis=1) == labels).sum())
        if n == 0:
            return float("nan"), None
        return total / n, (correct / n if classify else None)
