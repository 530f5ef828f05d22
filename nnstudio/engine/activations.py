"""Activation functions z = f(u) and their backward passes du = ∂E/∂z ⊙ f'(u).

Each activation is a small object with its forward and backward next to each other, the
formula a learner reads in the book and the NumPy line that computes it. Kernels never
write into their inputs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

LEAKY_SLOPE = 0.01


@dataclass(frozen=True)
class Activation:
    name: str
    formula: str            # z = f(u)
    derivative: str         # f'(u), or the backward rule
    code: str               # the NumPy line of the forward pass
    backward_code: str      # the NumPy line of the backward pass
    forward: Callable[[np.ndarray], np.ndarray]
    # backward(u, z, dz) -> du; gets both u and z so each rule uses the cheaper one
    backward: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]
    # f has a kink or a jump at u = 0, where backprop takes the derivative of one side
    # (relu, leaky_relu, step; see Network.branches)
    kinked: bool = False

    @property
    def backward_formula(self) -> str:
        """The backward rule: δ = ∂E/∂z ⊙ f′(u) with f′(u) given after a comma (joined by "="
        it read as δ itself being "1 if u > 0 else 0"); with a Jacobian (softmax's) the sum
        over the outputs that each input feeds."""
        if self.derivative.startswith("f′(u)"):
            return "δ = ∂E/∂z ⊙ f′(u),  " + self.derivative
        return "δⱼ = Σᵢ ∂E/∂zᵢ · ∂zᵢ/∂uⱼ,  " + self.derivative


def _sigmoid(u: np.ndarray) -> np.ndarray:
    # split by sign so that exp never overflows: for u < 0, 1/(1+e^-u) = e^u/(1+e^u)
    e = np.exp(-np.abs(u))
    return np.where(u >= 0, 1 / (1 + e), e / (1 + e)).astype(u.dtype, copy=False)


# Below this many entries the row of zeros costs more than it saves (measured float32:
# 10×256 1.6 µs against the scalar vs 2.2 µs with the zeros; 20×256 even; 32×256 3.5 vs 2.8).
RELU_ZERO_ROW_MIN = 6144


def _relu(u: np.ndarray) -> np.ndarray:
    """max(u, 0). NumPy 2.4's maximum against a scalar takes a slow loop (no SIMD for the
    broadcast operand); against a row of zeros shaped like one sample and broadcast over
    the batch it is vectorized. Measured float32: SimpleConvNet's conv output at batch 100
    (1.7 M entries) 543 µs → 158 µs; 1000×100: 32 µs → 16 µs. The same values."""
    if u.size < RELU_ZERO_ROW_MIN:
        return np.maximum(u, 0)
    return np.maximum(u, np.zeros_like(u[:1]))   # zeros_like keeps u's memory layout


def _relu_backward(u: np.ndarray, z: np.ndarray, dz: np.ndarray) -> np.ndarray:
    """dz ⊙ (u > 0), the mask made a float array first and multiplied in place: NumPy's float ×
    bool product casts inside its loop. Measured float32: conv output at batch 100, 654 µs →
    474 µs; 1000×100, 24 → 21.5 µs; 1×256, 1.5 → 1.25 µs. The same values."""
    du = (u > 0).astype(dz.dtype)
    du *= dz
    return du


def row_max(u: np.ndarray) -> np.ndarray:
    """The maximum of each row (last axis), kept as a column. NumPy reduces a short row at a time
    at ~45 ns per row; for many short rows (a batch of logits) the transposed copy is reduced
    down whole columns instead: 1000×10 float32, 46 µs → 6.5 µs (measured). The same maxima."""
    if u.ndim == 2 and u.shape[0] >= 32 and u.shape[1] <= 32:
        return np.maximum.reduce(np.ascontiguousarray(u.T), axis=0)[:, None]
    return np.maximum.reduce(u, axis=-1, keepdims=True)


def softmax(u: np.ndarray) -> np.ndarray:
    """Row-wise softmax, stable for large inputs: subtracting the row max changes nothing."""
    shifted = u - row_max(u)
    e = np.exp(shifted)
    return e / e.sum(axis=-1, keepdims=True)


def _softmax_backward(u, z, dz):
    # full Jacobian: ∂zᵢ/∂uⱼ = zᵢ(δᵢⱼ − zⱼ), so du = z ⊙ (dz − Σⱼ dzⱼ zⱼ)
    return z * (dz - (dz * z).sum(axis=-1, keepdims=True))


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("identity", "z = u", "f′(u) = 1", "z = u", "du = dz",
                   lambda u: u, lambda u, z, dz: dz),
        Activation("step", "z = 1 if u > 0 else 0", "f′(u) = 0 (for u ≠ 0)",
                   "z = (u > 0).astype(u.dtype)", "du = np.zeros_like(dz)",
                   lambda u: (u > 0).astype(u.dtype), lambda u, z, dz: np.zeros_like(dz), kinked=True),
        Activation("sigmoid", "z = 1 / (1 + e⁻ᵘ)", "f′(u) = z(1 − z)",
                   "z = 1 / (1 + np.exp(-u))", "du = dz * z * (1 - z)",
                   _sigmoid, lambda u, z, dz: dz * z * (1 - z)),
        Activation("tanh", "z = tanh(u)", "f′(u) = 1 − z²",
                   "z = np.tanh(u)", "du = dz * (1 - z**2)",
                   np.tanh, lambda u, z, dz: dz * (1 - z * z)),
        Activation("relu", "z = max(0, u)", "f′(u) = 1 if u > 0 else 0",
                   "z = np.maximum(u, 0)", "du = dz * (u > 0)",
                   _relu, _relu_backward, kinked=True),
        Activation("leaky_relu", f"z = u if u > 0 else {LEAKY_SLOPE}·u",
                   f"f′(u) = 1 if u > 0 else {LEAKY_SLOPE}",
                   f"z = np.where(u > 0, u, {LEAKY_SLOPE} * u)",
                   f"du = np.where(u > 0, dz, {LEAKY_SLOPE} * dz)",
                   lambda u: np.where(u > 0, u, u * LEAKY_SLOPE),
                   lambda u, z, dz: np.where(u > 0, dz, dz * LEAKY_SLOPE), kinked=True),
        Activation("softmax", "zₖ = exp(uₖ − max u) / Σⱼ exp(uⱼ − max u)",
                   "∂zᵢ/∂uⱼ = zᵢ(δᵢⱼ − zⱼ)",
                   "e = np.exp(u - u.max(axis=1, keepdims=True)); z = e / e.sum(axis=1, keepdims=True)",
                   "du = z * (dz - (dz * z).sum(axis=1, keepdims=True))",
                   softmax, _softmax_backward),
    )
}


def get(name: str) -> Activation:
    return ACTIVATIONS[name]
