"""Activations against their analytic derivatives, softmax's stability, and loss values
computed by hand (CURRICULUM §2–§4)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnstudio.engine import losses
from nnstudio.engine.activations import ACTIVATIONS, LEAKY_SLOPE, softmax

from engine_helpers import dense, make_net, rng

U = np.array([[-3.0, -0.5, -1e-3, 0.25, 2.0, 7.5]])

# f(u) and f'(u) written out from the textbook definitions
ANALYTIC = {
    "identity": (lambda u: u, lambda u: np.ones_like(u)),
    "step": (lambda u: (u > 0) * 1.0, lambda u: np.zeros_like(u)),
    "sigmoid": (lambda u: 1 / (1 + np.exp(-u)), lambda u: np.exp(-u) / (1 + np.exp(-u)) ** 2),
    "tanh": (np.tanh, lambda u: 1 / np.cosh(u) ** 2),
    "relu": (lambda u: np.maximum(u, 0), lambda u: (u > 0) * 1.0),
    "leaky_relu": (lambda u: np.where(u > 0, u, 0.01 * u), lambda u: np.where(u > 0, 1.0, 0.01)),
}


@pytest.mark.parametrize("name", sorted(ANALYTIC))
def test_forward_and_backward_match_the_analytic_derivative(name):
    f, df = ANALYTIC[name]
    act = ACTIVATIONS[name]
    z = act.forward(U)
    np.testing.assert_allclose(z, f(U), rtol=1e-14, atol=1e-300)
    dz = rng(1).normal(size=U.shape)
    du = act.backward(U, z, dz)
    np.testing.assert_allclose(du, dz * df(U), rtol=1e-12, atol=1e-13)  # 1 − z² cancels at u = 7.5
    assert act.formula and act.derivative and act.code and act.backward_code


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_kernels_never_write_into_their_inputs(name):
    act = ACTIVATIONS[name]
    u = rng(2).normal(size=(3, 4))
    dz = rng(3).normal(size=(3, 4))
    u0, dz0 = u.copy(), dz.copy()
    z = act.forward(u)
    z0 = z.copy()
    act.backward(u, z, dz)
    np.testing.assert_array_equal(u, u0)
    np.testing.assert_array_equal(dz, dz0)
    np.testing.assert_array_equal(z, z0)


def test_leaky_slope_is_the_documented_one():
    assert LEAKY_SLOPE == 0.01


def test_sigmoid_is_finite_and_exact_for_huge_inputs():
    z = ACTIVATIONS["sigmoid"].forward(np.array([-1000.0, -40.0, 0.0, 40.0, 1000.0]))
    assert np.all(np.isfinite(z))
    np.testing.assert_allclose(z, [0.0, math.exp(-40) / (1 + math.exp(-40)), 0.5, 1 / (1 + math.exp(-40)), 1.0],
                               rtol=1e-14, atol=0)


def test_softmax_jacobian_has_the_two_cases():
    u = np.array([[0.3, -1.2, 2.0, 0.5]])
    y = softmax(u)[0]
    jac = np.stack([ACTIVATIONS["softmax"].backward(u, y[None], np.eye(4)[k][None])[0] for k in range(4)])
    expected = np.diag(y) - np.outer(y, y)   # i = j: y(1 − y); i ≠ j: −yᵢyⱼ
    np.testing.assert_allclose(jac, expected, rtol=1e-13, atol=1e-16)


def test_softmax_values_by_hand():
    y = softmax(np.array([[0.3, 2.9, 4.0]]))
    e = np.exp([0.3, 2.9, 4.0])
    np.testing.assert_allclose(y[0], e / e.sum(), rtol=1e-14)
    np.testing.assert_allclose(y[0], [0.01821127, 0.24519181, 0.73659691], atol=1e-8)


def test_softmax_shift_invariance():
    u = rng(4).uniform(-10, 10, size=(5, 10))
    np.testing.assert_allclose(softmax(u + 100), softmax(u), rtol=1e-12, atol=1e-16)
    np.testing.assert_allclose(softmax(u).sum(axis=1), 1.0, rtol=1e-14)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_softmax_cross_entropy_is_stable_for_huge_logits(dtype):
    net = make_net([dense(3, "softmax", init="normal", std=1.0)], (2,), "cross_entropy", dtype=dtype)
    net.layers[0].params["W"][:] = [[1000, -1000, 0], [-1000, 1000, 500]]
    x = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    t = np.array([1, 1, 2])                           # row 0 is wrong by a margin of 2000
    loss = net.loss(x, t)
    assert math.isfinite(loss)
    assert loss == pytest.approx(2000 / 3, rel=1e-6)   # rows 2 and 3 are right by ≥ 500: loss ≈ 0
    net.backward()
    assert all(np.all(np.isfinite(g)) for g in net.gradients().values())
    y = net.layers[0].out
    assert np.all(np.isfinite(y)) and np.allclose(y.sum(axis=1), 1)


def test_softmax_alone_is_stable_for_pm_1000():
    u = np.array([[1000.0, -1000.0, 999.0], [-1000.0, -1000.0, -1000.0]])
    y = softmax(u)
    assert np.all(np.isfinite(y))
    np.testing.assert_allclose(y[0], [1 / (1 + math.exp(-1)), 0, math.exp(-1) / (1 + math.exp(-1))], rtol=1e-12)
    np.testing.assert_allclose(y[1], [1 / 3] * 3)


# ------------------------------------------------------------------ loss values by hand
def test_sse_by_hand():
    y = np.array([[0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0]])
    t = np.array([2])
    loss, dy = losses.sse(y, t)
    # the book's example: ½·(0.1² + 0.05² + 0.4² + 0.05² + 0.1² + 0.1²) = 0.0975
    assert loss == pytest.approx(0.0975, abs=1e-15)
    np.testing.assert_allclose(dy, y - np.eye(10)[[2]], rtol=1e-15)


def test_sse_is_a_mean_over_the_batch():
    y = np.array([[1.0, 2.0], [0.0, -1.0], [3.0, 3.0]])
    t = np.array([[0.0, 2.0], [1.0, 1.0], [3.0, 0.0]])
    loss, dy = losses.sse(y, t)
    # per sample ½Σ: 0.5, 2.5, 4.5 → mean 2.5
    assert loss == pytest.approx(2.5, abs=1e-15)
    np.testing.assert_allclose(dy, (y - t) / 3)


def test_summed_sse_is_the_batch_sum_and_its_gradient_has_no_1_over_n():
    """CURRICULUM §10's source sums ½Σ(y−t)² over its mini-batch: with it, lr 0.03 fits x²
    and lr 0.1 fails as the curriculum says (with the mean the rates act N times smaller)."""
    y = np.array([[1.0, 2.0], [0.0, -1.0], [3.0, 3.0]])
    t = np.array([[0.0, 2.0], [1.0, 1.0], [3.0, 0.0]])
    loss, dy = losses.sse_sum(y, t)
    assert loss == pytest.approx(0.5 + 2.5 + 4.5, abs=1e-15)
    np.testing.assert_array_equal(dy, y - t)
    info = losses.LOSSES["sse_sum"]
    assert "(1/N)" not in info.formula and info.gradient == "∂E/∂y = y − t"


def test_cross_entropy_by_hand():
    y = np.array([[0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0],
                  [0.1, 0.05, 0.1, 0.0, 0.05, 0.1, 0.0, 0.6, 0.0, 0.0]])
    t = np.array([2, 2])
    loss, _ = losses.cross_entropy(y, t)
    # the book: −log 0.6 = 0.510825…, −log 0.1 = 2.302584…, both with the 1e-7 guard
    assert loss == pytest.approx((-math.log(0.6 + 1e-7) - math.log(0.1 + 1e-7)) / 2, rel=1e-14)
    loss_1h, _ = losses.cross_entropy(y, np.eye(10)[t])
    assert loss_1h == pytest.approx(loss, rel=1e-15)


def test_fused_softmax_cross_entropy_gradient_is_y_minus_t_over_n():
    u = np.array([[2.0, 1.0, 0.1], [0.5, 0.5, 3.0], [-1.0, 2.0, 0.0], [0.0, 0.0, 0.0]])
    t = np.array([0, 2, 0, 1])
    loss, y, du = losses.softmax_cross_entropy(u, t)
    e = np.exp(u)
    p = e / e.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(y, p, rtol=1e-14)
    np.testing.assert_allclose(du, (p - np.eye(3)[t]) / 4, rtol=1e-13, atol=1e-17)
    assert loss == pytest.approx(-np.mean(np.log(p[np.arange(4), t])), rel=1e-13)
    # row 3: uniform softmax → −log ⅓
    assert y[3] == pytest.approx([1 / 3] * 3)
