"""Loss functions, averaged over the batch, with their gradients.

Targets are either class indices of shape (N,) or arrays shaped like the output (one-hot
rows for classification, real values for regression).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .activations import row_max, softmax

# the book adds a tiny constant inside the log so that log(0) never happens
LOG_EPS = 1e-7


def as_dense_targets(t: np.ndarray, n_outputs: int, dtype) -> np.ndarray:
    """Class indices (N,) become one-hot rows; anything else is returned as an array of dtype."""
    t = np.asarray(t)
    if is_labels(t):
        out = np.zeros((t.shape[0], n_outputs), dtype=dtype)
        out[np.arange(t.shape[0]), t] = 1
        return out
    return t.astype(dtype, copy=False)


# The lines that turn class labels t (one index per sample) into the one-hot rows T the
# formulas use, shown ahead of a loss's code when the targets are labels
ONE_HOT = "T = np.eye(K)[t]   # the labels t as one-hot rows\n"


@dataclass(frozen=True)
class LossInfo:
    name: str
    formula: str
    gradient: str
    code: str                # for targets given as rows (one-hot or values), named t
    gradient_code: str
    label_code: str          # for class labels t (one index per sample)
    label_gradient_code: str

    def codes_for(self, t) -> tuple[str, str]:
        """The NumPy lines of the loss and of its gradient for these targets."""
        labels = is_labels(t)
        return (self.label_code if labels else self.code), (self.label_gradient_code if labels else self.gradient_code)


def is_labels(t) -> bool:
    """Whether targets are class labels: one integer index per sample."""
    t = np.asarray(t)
    return t.ndim == 1 and t.dtype.kind in "iu"


SSE = LossInfo("sse", "E = (1/N) Σₙ ½ Σₖ (yₙₖ − tₙₖ)²", "∂E/∂y = (y − t) / N",
               "loss = 0.5 * np.sum((y - t) ** 2) / N", "dy = (y - t) / N",
               ONE_HOT + "loss = 0.5 * np.sum((y - T) ** 2) / N", ONE_HOT + "dy = (y - T) / N")
# The squared error summed over the batch, without the 1/N: the convention of CURRICULUM
# §10's function-fitting source (its "lr 0.03 fits x², lr 0.1 fails" hold with it; with the
# mean the same rates act N times smaller). Reported per update as that sum.
SSE_SUM = LossInfo("sse_sum", "E = Σₙ ½ Σₖ (yₙₖ − tₙₖ)²", "∂E/∂y = y − t",
                   "loss = 0.5 * np.sum((y - t) ** 2)", "dy = y - t",
                   ONE_HOT + "loss = 0.5 * np.sum((y - T) ** 2)", ONE_HOT + "dy = y - T")
CROSS_ENTROPY = LossInfo("cross_entropy", "E = −(1/N) Σₙ Σₖ tₙₖ log yₙₖ", "∂E/∂yₖ = −tₖ / (N yₖ)",
                         "loss = -np.sum(t * np.log(y + 1e-7)) / N", "dy = -t / ((y + 1e-7) * N)",
                         "loss = -np.mean(np.log(y[np.arange(N), t] + 1e-7))",
                         ONE_HOT + "dy = -T / ((y + 1e-7) * N)")
SOFTMAX_CROSS_ENTROPY = LossInfo(
    "softmax_cross_entropy", "E = −(1/N) Σₙ log softmax(uₙ)[tₙ]", "∂E/∂u = (y − t) / N",
    "loss = -np.sum(t * np.log(y + 1e-7)) / N", "du = (y - t) / N",
    "loss = -np.mean(np.log(y[np.arange(N), t] + 1e-7))",
    "du = y.copy()\ndu[np.arange(N), t] -= 1   # y − T, with T the labels as one-hot rows\ndu /= N")
LOSSES = {l.name: l for l in (SSE, SSE_SUM, CROSS_ENTROPY, SOFTMAX_CROSS_ENTROPY)}


def sse(y: np.ndarray, t: np.ndarray) -> tuple[float, np.ndarray]:
    """½Σ(y − t)² averaged over the batch, and ∂E/∂y."""
    t = as_dense_targets(t, y.shape[1], y.dtype)
    diff = y - t
    n = y.shape[0]
    return float(0.5 * np.vdot(diff, diff) / n), diff / n


def sse_sum(y: np.ndarray, t: np.ndarray) -> tuple[float, np.ndarray]:
    """½Σ(y − t)² summed over the batch, and ∂E/∂y = y − t."""
    t = as_dense_targets(t, y.shape[1], y.dtype)
    diff = y - t
    return float(0.5 * np.vdot(diff, diff)), diff


def cross_entropy(y: np.ndarray, t: np.ndarray) -> tuple[float, np.ndarray]:
    """−Σ t log y on probabilities y, averaged over the batch, and ∂E/∂y."""
    t = as_dense_targets(t, y.shape[1], y.dtype)
    n = y.shape[0]
    return float(-np.sum(t * np.log(y + LOG_EPS)) / n), -t / ((y + LOG_EPS) * n)


def softmax_cross_entropy(u: np.ndarray, t: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """Softmax of the logits u, cross-entropy against t, and the fused gradient (y − t)/N.

    The loss is computed as log-sum-exp minus the correct logit, so it stays finite for
    logits in the thousands; the value equals the book's −log(y + 1e-7) wherever y is not
    vanishingly small.
    """
    n = u.shape[0]
    # ufunc reductions called directly (ndarray.max/.sum add a Python wrapper each), and log y
    # only where it is needed: batch 1, 10 classes, 10.7 µs → 10.0 µs (measured); same values
    shifted = u - row_max(u)
    e = np.exp(shifted)
    s = np.add.reduce(e, axis=1, keepdims=True)
    y = e / s
    t = np.asarray(t)
    grad = y.copy()
    if is_labels(t):          # class indices
        rows = np.arange(n)
        # log yₙ[tₙ] = shiftedₙ[tₙ] − log sₙ for the picked entries only, not the whole log y
        loss = -float(np.add.reduce(shifted[rows, t] - np.log(s[:, 0]))) / n
        grad[rows, t] -= 1
    else:
        t = t.astype(u.dtype, copy=False)
        loss = -float(np.add.reduce(t * (shifted - np.log(s)), axis=None)) / n
        grad -= t
    grad /= n
    return loss, y, grad


def softmax_cross_entropy_long_way(y: np.ndarray, t: np.ndarray) -> dict[str, np.ndarray]:
    """The fused gradient (y − t)/N taken the long way, for learners who want to see it:
    ∂E/∂y = −t/(N·y) from the cross-entropy, the softmax Jacobian J[n, i, j] = yᵢ(δᵢⱼ − yⱼ)
    per sample, and their product ∂E/∂u = ∂E/∂y·J, which equals (y − t)/N up to rounding.
    Only used when a step is traced (the batch is small there)."""
    td = as_dense_targets(t, y.shape[1], y.dtype)
    n, k = y.shape
    with np.errstate(divide="ignore", invalid="ignore"):
        dy = np.where(td != 0, -td / (n * y), 0).astype(y.dtype, copy=False)
    jac = y[:, :, None] * (np.eye(k, dtype=y.dtype)[None] - y[:, None, :])
    du_long = np.einsum("ni,nij->nj", dy, jac)
    return {"dy_long": dy, "jacobian": jac, "du_long": du_long}


#: the losses computed on the output layer's activations, by their project name
LOSS_FUNCTIONS = {"sse": sse, "sse_sum": sse_sum, "cross_entropy": cross_entropy}


__all__ = ["LOSSES", "LossInfo", "as_dense_targets", "cross_entropy", "softmax", "softmax_cross_entropy",
           "softmax_cross_entropy_long_way", "sse", "sse_sum", "LOSS_FUNCTIONS"]
