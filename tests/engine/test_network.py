"""Seeds, dtypes, initializers and the weights dictionary of a network."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnstudio.engine.errors import ShapeError, SpecError
from nnstudio.engine.optimizers import make_optimizer
from nnstudio.engine.spec import OptimizerSpec, TrainingSpec
from nnstudio.engine.trainer import Trainer

from engine_helpers import conv, dense, make_net, rng

LAYERS = [conv(3, 3, "relu", pad=1), {"type": "batchnorm"}, {"type": "maxpool", "size": 2},
          {"type": "flatten"}, dense(8, "relu"), {"type": "dropout", "ratio": 0.3}, dense(3, "softmax")]


def train(seed, *, order_seed=None, dtype="float32", optimizer="adam"):
    net = make_net(LAYERS, (1, 6, 6), "cross_entropy", dtype=dtype, seed=seed)
    x = rng(1).normal(size=(40, 1, 6, 6))
    t = rng(2).integers(0, 3, size=40)
    spec = TrainingSpec(batch_size=8, epochs=2, seed=seed if order_seed is None else order_seed, dtype=dtype)
    trainer = Trainer(net, make_optimizer(OptimizerSpec(name=optimizer, lr=0.01)), spec, x, t, x[:10], t[:10])
    snaps = list(trainer.run())
    return net.state_dict(), snaps


def test_same_seed_gives_bit_identical_weights():
    a, sa = train(3)
    b, sb = train(3)
    assert a.keys() == b.keys()
    for k in a:
        assert a[k].tobytes() == b[k].tobytes(), k
    assert [s.loss for s in sa] == [s.loss for s in sb]


def test_different_seeds_differ():
    a, _ = train(3)
    b, _ = train(4)
    assert not np.array_equal(a["conv2d_1.W"], b["conv2d_1.W"])
    # same initial weights, different batch order and dropout: different weights after training
    c, _ = train(3, order_seed=5)
    assert not np.array_equal(a["dense_1.W"], c["dense_1.W"])


def test_initial_weights_depend_only_on_the_seed():
    n1 = make_net(LAYERS, (1, 6, 6), "cross_entropy", seed=11)
    n2 = make_net(LAYERS, (1, 6, 6), "cross_entropy", seed=11)
    n3 = make_net(LAYERS, (1, 6, 6), "cross_entropy", seed=12)
    for k, v in n1.parameters().items():
        np.testing.assert_array_equal(v, n2.parameters()[k])
    assert not np.array_equal(n1.parameters()["dense_1.W"], n3.parameters()["dense_1.W"])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_dtype_of_parameters_outputs_and_gradients(dtype):
    state, snaps = train(0, dtype=dtype, optimizer="momentum")
    assert all(v.dtype == np.dtype(dtype) for v in state.values())
    net = make_net(LAYERS, (1, 6, 6), "cross_entropy", dtype=dtype)
    x = rng(3).normal(size=(4, 1, 6, 6))          # float64 input is converted
    assert net.forward(x).dtype == np.dtype(dtype)
    net.loss(x, np.array([0, 1, 2, 0]))
    net.backward()
    assert all(g.dtype == np.dtype(dtype) for g in net.gradients().values())
    assert all(l.out.dtype == np.dtype(dtype) for l in net.layers)


def test_default_dtype_is_float32():
    from nnstudio.engine.network import Network
    from nnstudio.engine.spec import NetworkSpec
    net = Network(NetworkSpec.from_dict({"input_shape": [2], "layers": [dense(1, "identity")], "loss": "sse"}))
    assert net.parameters()["dense_1.W"].dtype == np.float32


def test_unknown_dtype_is_a_spec_error():
    with pytest.raises(SpecError) as e:
        make_net([dense(1, "identity")], (2,), dtype="float16")
    assert e.value.field == "training.dtype"


@pytest.mark.parametrize("init,std", [("he", math.sqrt(2 / 400)), ("xavier", math.sqrt(1 / 400)), ("normal", 0.05)])
def test_normal_initializers_have_the_documented_std(init, std):
    net = make_net([dense(500, "relu", init=init, std=0.05), dense(1, "identity")], (400,), seed=1)
    W, b = net.parameters()["dense_1.W"], net.parameters()["dense_1.b"]
    assert W.shape == (400, 500)
    assert W.std() == pytest.approx(std, rel=0.01)     # 200 000 draws
    assert abs(W.mean()) < std * 0.01
    np.testing.assert_array_equal(b, 0)


def test_uniform_initializer_range_includes_the_bias():
    net = make_net([dense(300, "relu", init="uniform", scale=0.5), dense(1, "identity")], (200,), seed=1)
    W, b = net.parameters()["dense_1.W"], net.parameters()["dense_1.b"]
    assert W.min() >= -0.5 and W.max() < 0.5 and W.min() < -0.49 and W.max() > 0.49
    assert W.std() == pytest.approx(1 / math.sqrt(12), rel=0.01)
    assert b.min() >= -0.5 and b.max() < 0.5 and np.count_nonzero(b) == 300


def test_conv_fan_in_is_channels_times_kernel_area():
    net = make_net([conv(64, 5, init="he"), dense(1, "identity")], (8, 20, 20), seed=2)
    W = net.parameters()["conv2d_1.W"]
    assert W.shape == (64, 8, 5, 5)
    assert W.std() == pytest.approx(math.sqrt(2 / (8 * 25)), rel=0.02)


def test_parameter_names_and_weight_decay_targets():
    net = make_net(LAYERS, (1, 6, 6), "cross_entropy")
    assert list(net.parameters()) == ["conv2d_1.W", "conv2d_1.b", "batchnorm_1.gamma", "batchnorm_1.beta",
                                      "dense_1.W", "dense_1.b", "dense_2.W", "dense_2.b"]
    assert net.weight_names() == ["conv2d_1.W", "dense_1.W", "dense_2.W"]


def test_weight_decay_loss_is_half_lambda_sum_of_squares_of_weights_only():
    net = make_net([dense(3, "identity"), dense(2, "identity")], (2,), "sse", weight_decay=0.1, l1=0.01)
    x, t = rng(4).normal(size=(3, 2)), rng(5).normal(size=(3, 2))
    loss = net.loss(x, t)
    p = net.parameters()
    penalty = sum(0.05 * np.sum(p[k] ** 2) + 0.01 * np.abs(p[k]).sum() for k in ("dense_1.W", "dense_2.W"))
    assert loss == pytest.approx(net.last_data_loss + penalty, rel=1e-13)


def test_state_dict_round_trip_and_errors():
    a = make_net(LAYERS, (1, 6, 6), "cross_entropy", seed=1)
    b = make_net(LAYERS, (1, 6, 6), "cross_entropy", seed=2)
    b.load_state_dict(a.state_dict())
    x = rng(6).normal(size=(3, 1, 6, 6))
    np.testing.assert_array_equal(a.predict(x), b.predict(x))
    state = a.state_dict()
    state["conv2d_1.W"] = state["conv2d_1.W"][:2]
    with pytest.raises(ShapeError) as e:
        b.load_state_dict(state)
    assert e.value.name == "conv2d_1.W"
    state = a.state_dict()
    del state["dense_2.b"]
    with pytest.raises(SpecError) as e:
        b.load_state_dict(state)
    assert e.value.field == "dense_2.b"
    state = a.state_dict() | {"dense_9.W": np.zeros(2)}
    with pytest.raises(SpecError) as e:
        b.load_state_dict(state)
    assert e.value.field == "dense_9.W"


def test_state_dict_returns_copies():
    net = make_net([dense(2, "identity")], (2,))
    s = net.state_dict()
    s["dense_1.W"][:] = 99
    assert not np.any(net.parameters()["dense_1.W"] == 99)
