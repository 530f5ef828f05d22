"""Update rules. Each optimizer updates a dict of named arrays in place and owns its state
(velocity, accumulated squares, Adam's moments), keyed by the same names.

They work on any named arrays, so the same code moves a network's weights and a point on
the book's f(x, y) = x²/20 + y² surface. The formulas are data for the UI.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Mapping

import numpy as np

from . import blas
from .products import Factors
from .recording import Phase
from .spec import OptimizerSpec


@dataclass(frozen=True)
class UpdateRule:
    name: str
    title: str
    formula: str      # readable math, one line per assignment
    code: str         # the NumPy lines
    state: tuple[str, ...]   # names of the per-parameter state arrays
    hyper: tuple[str, ...]   # which OptimizerSpec fields it uses
    book_lr: float = 0.01    # the learning rate the book's implementation of the rule defaults to


RULES: dict[str, UpdateRule] = {r.name: r for r in (
    UpdateRule("sgd", "SGD", "W ← W − η·∂E/∂W", "W -= lr * dW", (), ("lr",)),
    UpdateRule("momentum", "Momentum", "v ← α·v − η·∂E/∂W\nW ← W + v",
               "v = momentum * v - lr * dW\nW += v", ("v",), ("lr", "momentum")),
    UpdateRule("nesterov", "Nesterov", "v ← α·v − η·∂E/∂W\nW ← W + α²·v − (1 + α)·η·∂E/∂W",
               "v = momentum * v - lr * dW\nW += momentum**2 * v - (1 + momentum) * lr * dW",
               ("v",), ("lr", "momentum")),
    UpdateRule("adagrad", "AdaGrad", "h ← h + ∂E/∂W ⊙ ∂E/∂W\nW ← W − η·∂E/∂W / (√h + ε)",
               "h += dW * dW\nW -= lr * dW / (np.sqrt(h) + eps)", ("h",), ("lr", "eps")),
    UpdateRule("rmsprop", "RMSProp", "h ← ρ·h + (1 − ρ)·∂E/∂W ⊙ ∂E/∂W\nW ← W − η·∂E/∂W / (√h + ε)",
               "h = rho * h + (1 - rho) * dW * dW\nW -= lr * dW / (np.sqrt(h) + eps)",
               ("h",), ("lr", "rho", "eps")),
    UpdateRule("adam", "Adam",
               "m ← β₁·m + (1 − β₁)·∂E/∂W\nv ← β₂·v + (1 − β₂)·∂E/∂W ⊙ ∂E/∂W\n"
               "m̂ = m / (1 − β₁ᵗ),  v̂ = v / (1 − β₂ᵗ)\nW ← W − η·m̂ / (√v̂ + ε)",
               "m = beta1 * m + (1 - beta1) * dW\nv = beta2 * v + (1 - beta2) * dW * dW\n"
               "m_hat = m / (1 - beta1**t); v_hat = v / (1 - beta2**t)\nW -= lr * m_hat / (np.sqrt(v_hat) + eps)",
               ("m", "v"), ("lr", "beta1", "beta2", "eps"), book_lr=0.001),
)}


@functools.cache
def _gemm_kernels() -> dict[np.dtype, object]:
    """SciPy's BLAS gemm (C ← α·op(A)·op(B) + β·C, in place): NumPy has no product that adds
    into an existing array. Imported on first use: 0.12 s, not paid at the app's start."""
    from scipy.linalg import blas
    return {np.dtype(np.float32): blas.sgemm, np.dtype(np.float64): blas.dgemm}


class Optimizer:
    """Applies one update rule; ``lr`` may be changed between steps."""

    def __init__(self, spec: OptimizerSpec) -> None:
        self.spec = spec
        self.rule = RULES[spec.name]
        self.lr = spec.lr
        self.t = 0                                  # steps taken (Adam's bias correction)
        self.state: dict[str, dict[str, np.ndarray]] = {s: {} for s in self.rule.state}
        # per-parameter work arrays, so an update allocates nothing (not state: never saved)
        self._scratch: dict[tuple[str, int], np.ndarray] = {}

    def state_of(self, name: str) -> dict[str, np.ndarray]:
        """The state arrays of one parameter (empty before its first step, or for SGD)."""
        return {s: self.state[s][name] for s in self.rule.state if name in self.state[s]}

    def state_dict(self) -> dict[str, np.ndarray]:
        out = {f"{s}/{name}": a.copy() for s, arrays in self.state.items() for name, a in arrays.items()}
        out["t"] = np.array(self.t)
        return out

    def step(self, params: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray], rec=None,
             layers: Mapping[str, object] | None = None) -> None:
        """Update every parameter that has a gradient, in place."""
        self.begin_step()
        for name, g in grads.items():
            w = params[name]
            before = w.copy() if rec is not None else None
            self.update(name, w, g)
            if rec is not None:
                state = {f"{k}": v for k, v in self.state_of(name).items()}
                if self.rule.name == "adam":   # the bias-corrected moments, as in the formula
                    state["m_hat"] = state["m"] / (1 - self.spec.beta1 ** self.t)
                    state["v_hat"] = state["v"] / (1 - self.spec.beta2 ** self.t)
                rec(Phase.UPDATE, (layers or {}).get(name), "update", self.rule.formula, self.rule.code,
                    note=f"{name} ({self.rule.title}, η = {self.lr:g}, t = {self.t})",
                    **{"W_before": before, "dW": g, "W_after": w}, **state)

    def begin_step(self) -> None:
        """Start one step: call once, then :meth:`update` for each parameter (what :meth:`step`
        does; the trainer calls them itself to take the norms while each array is in cache)."""
        self.t += 1

    def prepare_products(self) -> bool:
        """Whether :meth:`update_product` saves work with this rule (SGD), its BLAS loaded.
        Call it before limiting BLAS threads: the limit covers only the libraries loaded."""
        if self.rule.name != "sgd":
            return False
        _gemm_kernels()
        return True

    def update_product(self, name: str, w: np.ndarray, product: Factors) -> None:
        """One parameter's update when its gradient is a product aᵀ·b, not multiplied out (a
        dense layer's xᵀ·δ, see ``Layer.products``).

        SGD: W ← W − η·aᵀb as one BLAS gemm with β = 1 that adds straight into W: one pass
        over W instead of three (multiply out, scale, subtract). Measured float32, one thread,
        784×256: batch 1, 59 → 15 µs; batch 10, 89 → 42 µs. Only the rows the product fills
        move (``product.rows``; the others' gradient is zero). The formula is the same; an entry
        may differ in its last bit from the three-step way (BLAS scales the product inside its
        kernel). Other rules, or a W that is not one contiguous block, multiply it out and take
        :meth:`update`."""
        gemm = None
        flags = w.flags
        if self.rule.name == "sgd" and w.ndim == 2 and flags.c_contiguous and flags.aligned and flags.writeable:
            gemm = _gemm_kernels().get(w.dtype)
        if gemm is None:
            self.update(name, w, product.multiplied(w.shape))
            return
        a, b, rows = product
        moved = w if rows is None else w[rows]       # a block of whole rows: still row-major
        # BLAS is column-major: Wᵀ is a column-major view of W itself, and Wᵀ ← Wᵀ − η·bᵀ·a
        out = gemm(-float(self.lr), b.T, a.T, beta=1.0, c=moved.T, trans_b=1, overwrite_c=1)
        if not np.may_share_memory(out, moved):      # f2py had to copy W: bring the result home
            moved[...] = out.T

    def _work(self, name: str, like: np.ndarray, slot: int = 0) -> np.ndarray:
        """A reusable array shaped like the parameter, for the products of the update."""
        key = (name, slot)
        buf = self._scratch.get(key)
        if buf is None or buf.shape != like.shape or buf.dtype != like.dtype:
            buf = self._scratch[key] = np.empty_like(like)
        return buf

    def _zeros(self, key: str, name: str, like: np.ndarray) -> np.ndarray:
        arrays = self.state[key]
        if name not in arrays:
            arrays[name] = np.zeros_like(like)
        return arrays[name]

    def _scaled_step(self, name: str, w: np.ndarray, step: np.ndarray, h: np.ndarray, eps: float) -> None:
        """W -= step / (√h + ε), with the denominator in a second work array."""
        denom = np.sqrt(h, out=self._work(name, w, slot=1))
        denom += eps
        step /= denom
        w -= step

    def update(self, name: str, w: np.ndarray, g: np.ndarray, *, fused: bool = False) -> None:
        """One parameter's update in place, by the rule's formula. Each product goes into a
        work array (``out=``) instead of a new temporary; the operations and their order, and
        so the rounding, are those of the NumPy lines in :data:`RULES`.

        ``fused`` (the trainer's steps): SGD takes W ← W − η·∂E/∂W as one BLAS axpy on NumPy's
        BLAS threads where it applies (blas.axpy: a large contiguous W; after a product on two
        threads several times faster than NumPy's two passes). The formula is the same; with a
        fused multiply-add η·∂E/∂W is not rounded on its own first, so an entry may differ in
        its last bit."""
        s, lr = self.spec, float(self.lr)
        rule = self.rule.name
        if rule == "sgd":
            if fused and blas.axpy(-lr, g, w):
                return
            step = np.multiply(g, lr, out=self._work(name, w))            # lr * dW
            np.subtract(w, step, out=w)                                    # W -= lr * dW
        elif rule == "momentum":
            v = self._zeros("v", name, w)
            v *= s.momentum
            v -= np.multiply(g, lr, out=self._work(name, w))
            w += v
        elif rule == "nesterov":
            v = self._zeros("v", name, w)
            buf = self._work(name, w)
            v *= s.momentum
            v -= np.multiply(g, lr, out=buf)
            w += np.multiply(v, s.momentum * s.momentum, out=buf)
            w -= np.multiply(g, (1 + s.momentum) * lr, out=buf)
        elif rule == "adagrad":
            h = self._zeros("h", name, w)
            h += np.multiply(g, g, out=self._work(name, w))
            self._scaled_step(name, w, np.multiply(g, lr, out=self._work(name, w)), h, s.eps)
        elif rule == "rmsprop":
            h = self._zeros("h", name, w)
            h *= s.rho
            sq = np.multiply(g, 1 - s.rho, out=self._work(name, w))
            h += np.multiply(sq, g, out=sq)                                # (1 - rho) * dW * dW
            self._scaled_step(name, w, np.multiply(g, lr, out=self._work(name, w)), h, s.eps)
        elif rule == "adam":
            m = self._zeros("m", name, w)
            v = self._zeros("v", name, w)
            buf = self._work(name, w)
            m *= s.beta1
            m += np.multiply(g, 1 - s.beta1, out=buf)
            v *= s.beta2
            sq = np.multiply(g, 1 - s.beta2, out=buf)
            v += np.multiply(sq, g, out=sq)                                # (1 - beta2) * dW * dW
            # the bias corrections folded into the step size (same values as m̂/(√v̂+ε') with
            # ε' = ε·√(1 − β₂ᵗ)); this saves two full-size temporaries per step
            corr = math.sqrt(1 - s.beta2 ** self.t) / (1 - s.beta1 ** self.t)
            self._scaled_step(name, w, np.multiply(m, lr * corr, out=buf), v,
                              s.eps * math.sqrt(1 - s.beta2 ** self.t))
        else:  # pragma: no cover - validated by OptimizerSpec
            raise ValueError(rule)


def make_optimizer(spec: OptimizerSpec) -> Optimizer:
    return Optimizer(spec)
