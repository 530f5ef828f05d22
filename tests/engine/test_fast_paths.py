"""The speed tricks of the training step give the numbers of the plain way (issue 2, section 5)."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.engine.optimizers import make_optimizer
from nnstudio.engine.spec import OptimizerSpec, TrainingSpec
from nnstudio.engine.trainer import Trainer

from engine_helpers import dense, labels, make_net, rng


def big_first_layer_net(dtype="float32", **kw):
    # 120×64 = 7680 weights: above Dense.FACTORED_NORM_MIN, so batches of one take the factored norm
    return make_net([dense(64), dense(5, "softmax")], (120,), "cross_entropy", dtype=dtype, **kw)


def direct_norm(a: np.ndarray) -> float:
    return float(np.linalg.norm(np.asarray(a, dtype=np.float64)))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_batch_of_one_gradient_norm_comes_from_the_factors(dtype):
    net = big_first_layer_net(dtype)
    layer = net.layers[0]
    assert layer.params["W"].size >= layer.FACTORED_NORM_MIN
    net.loss(rng(1).random((1, 120)), labels(1, 5))
    net.backward()
    expected = direct_norm(layer.grads["W"])
    assert expected > 0
    assert layer.gradient_norm("W") == pytest.approx(expected, rel=1e-6 if dtype == "float32" else 1e-12)
    # it never read the matrix: zeroing the gradient in place leaves the value unchanged
    layer.grads["W"][...] = 0
    assert layer.gradient_norm("W") == pytest.approx(expected, rel=1e-6 if dtype == "float32" else 1e-12)


def test_larger_batches_and_small_layers_read_the_gradient_itself():
    net = big_first_layer_net("float64")
    net.loss(rng(1).random((3, 120)), labels(3, 5))
    net.backward()
    for layer in (net.layers[0], net.layers[1]):       # batch of three; then a 64×5 layer
        layer.grads["W"] *= 2
        assert layer.gradient_norm("W") == pytest.approx(direct_norm(layer.grads["W"]), rel=1e-12)
    net.loss(rng(1).random((1, 120)), labels(1, 5))
    net.backward()
    small = net.layers[1]                                # batch of one, but below the size limit
    small.grads["W"] *= 2
    assert small.gradient_norm("W") == pytest.approx(direct_norm(small.grads["W"]), rel=1e-12)


@pytest.mark.parametrize("reg", [{"weight_decay": 0.1}, {"l1": 0.01}])
def test_regularized_gradients_are_measured_as_they_are(reg):
    """Weight decay and L1 add to ∂E/∂W, which is then no longer the outer product xᵀδ."""
    net = big_first_layer_net("float64", **reg)
    net.loss(rng(1).random((1, 120)), labels(1, 5))
    net.backward()
    layer = net.layers[0]
    assert layer.gradient_norm("W") == pytest.approx(direct_norm(layer.grads["W"]), rel=1e-12)


@pytest.mark.parametrize("reg", [{}, {"weight_decay": 0.05}])
def test_trainer_grad_norms_at_batch_one_are_the_gradients_norms(reg):
    x = rng(2).random((8, 120)).astype(np.float32)
    t = labels(8, 5)
    trainer = Trainer(big_first_layer_net(**reg), make_optimizer(OptimizerSpec(name="sgd", lr=0.1)),
                      TrainingSpec(batch_size=1, epochs=1, seed=0), x, t)
    twin = big_first_layer_net(**reg)
    opt = make_optimizer(OptimizerSpec(name="sgd", lr=0.1))
    order = np.random.default_rng(np.random.SeedSequence(0).spawn(3)[2]).permutation(8)
    for step, snap in enumerate(trainer.run()):
        twin.loss(x[order[step:step + 1]], t[order[step:step + 1]])
        twin.backward()
        grads = twin.gradients()
        assert dict(snap.grad_norms) == pytest.approx({k: direct_norm(g) for k, g in grads.items()}, rel=1e-6)
        opt.step(twin.parameters(), grads)
        for k, w in twin.parameters().items():
            assert np.array_equal(trainer.network.parameters()[k], w), (step, k)
