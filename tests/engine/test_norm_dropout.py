"""Batch normalization's running statistics and dropout's inverted scaling."""

from __future__ import annotations

import numpy as np
import pytest

from engine_helpers import conv, dense, make_net, rng


def bn_net(momentum=0.9, eps=1e-5, shape=(3,), first=None):
    first = first or dense(3, "identity")
    return make_net([first, {"type": "batchnorm", "momentum": momentum, "eps": eps}, dense(2, "identity")],
                    shape, "sse")


def test_training_forward_normalizes_with_the_batch_statistics():
    net = bn_net()
    bn = net.layers[1]
    bn.params["gamma"][:] = [1.0, 2.0, 0.5]
    bn.params["beta"][:] = [0.0, -1.0, 3.0]
    h = rng(1).normal(loc=5.0, scale=3.0, size=(16, 3))
    u = bn.forward(h, train=True)
    xn = (h - h.mean(axis=0)) / np.sqrt(h.var(axis=0) + 1e-5)
    np.testing.assert_allclose(u, xn * [1.0, 2.0, 0.5] + [0.0, -1.0, 3.0], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(u.mean(axis=0), [0.0, -1.0, 3.0], atol=1e-12)


def test_running_statistics_update_and_are_used_at_inference():
    net = bn_net(momentum=0.8)
    bn = net.layers[1]
    np.testing.assert_array_equal(bn.buffers["running_mean"], 0)
    np.testing.assert_array_equal(bn.buffers["running_var"], 1)
    batches = [rng(k).normal(loc=k, scale=1 + k, size=(10, 3)) for k in range(3)]
    mean, var = np.zeros(3), np.ones(3)
    for b in batches:
        bn.forward(b, train=True)
        mean = 0.8 * mean + 0.2 * b.mean(axis=0)
        var = 0.8 * var + 0.2 * b.var(axis=0)
    np.testing.assert_allclose(bn.buffers["running_mean"], mean, rtol=1e-12)
    np.testing.assert_allclose(bn.buffers["running_var"], var, rtol=1e-12)
    # inference uses the running statistics, and does not move them
    probe = rng(9).normal(size=(4, 3))
    u = bn.forward(probe, train=False)
    np.testing.assert_allclose(u, (probe - mean) / np.sqrt(var + 1e-5), rtol=1e-12)
    np.testing.assert_allclose(bn.buffers["running_mean"], mean, rtol=1e-12)
    # one sample at inference gives the same answer as inside a batch (no batch statistics)
    np.testing.assert_allclose(bn.forward(probe[:1], train=False), u[:1], rtol=1e-12)


def test_network_predict_uses_inference_mode():
    net = bn_net()
    x = rng(2).normal(size=(6, 3))
    before = {k: v.copy() for k, v in net.layers[1].buffers.items()}
    y = net.predict(x)
    for k, v in net.layers[1].buffers.items():
        np.testing.assert_array_equal(v, before[k])
    np.testing.assert_allclose(net.predict(x[:1]), y[:1], rtol=1e-12)


def test_a_forward_on_batch_statistics_normalizes_without_moving_the_running_ones():
    """For the views of the layers' outputs: batch norm as training sees a batch (its own
    statistics), dropout off, the running statistics untouched."""
    net = make_net([dense(3, "identity"), {"type": "batchnorm"}, {"type": "dropout", "ratio": 0.5},
                    dense(2, "identity")], (3,), "sse")
    bn, drop = net.layers[1], net.layers[2]
    x = rng(2).normal(loc=4.0, scale=3.0, size=(50, 3))
    before = {k: v.copy() for k, v in bn.buffers.items()}
    net.forward(x, batch_statistics=True)
    np.testing.assert_allclose(bn.out.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(bn.out.std(axis=0), 1.0, rtol=1e-4)
    np.testing.assert_array_equal(drop.out, bn.out)              # no units dropped
    for k, v in bn.buffers.items():
        np.testing.assert_array_equal(v, before[k])
    net.forward(x)                                               # inference: the running ones
    assert abs(float(bn.out.mean())) > 0.5


def test_batchnorm_after_conv_is_per_channel():
    net = make_net([conv(2, 3, "identity"), {"type": "batchnorm", "momentum": 0.5}, dense(1, "identity")],
                   (1, 5, 5), "sse")
    bn = net.layers[1]
    assert bn.params["gamma"].shape == (2,)
    h = rng(3).normal(loc=2.0, size=(4, 2, 3, 3))
    u = bn.forward(h, train=True)
    np.testing.assert_allclose(u.mean(axis=(0, 2, 3)), 0, atol=1e-12)
    np.testing.assert_allclose(u.var(axis=(0, 2, 3)), h.var(axis=(0, 2, 3)) / (h.var(axis=(0, 2, 3)) + 1e-5),
                               rtol=1e-10)
    np.testing.assert_allclose(bn.buffers["running_mean"], 0.5 * h.mean(axis=(0, 2, 3)), rtol=1e-12)


def test_batchnorm_buffers_are_in_the_state_dict():
    net = bn_net()
    state = net.state_dict()
    names = {"batchnorm_1.running_mean", "batchnorm_1.running_var", "batchnorm_1.gamma", "batchnorm_1.beta"}
    assert names <= set(state)
    assert "batchnorm_1.running_mean" not in net.parameters()


# ------------------------------------------------------------------ dropout
def drop_net(ratio, dtype="float64"):
    return make_net([dense(4, "identity"), {"type": "dropout", "ratio": ratio}, dense(2, "identity")], (3,), "sse",
                    dtype=dtype)


@pytest.mark.parametrize("ratio", [0.2, 0.5])
def test_dropout_inverted_scaling_and_mask_ratio(ratio):
    layer = drop_net(ratio).layers[1]
    x = rng(4).uniform(1, 2, size=(200, 250))
    z = layer.forward(x, train=True)
    kept = z != 0
    assert abs(1 - kept.mean() - ratio) < 0.01          # 50 000 Bernoulli draws: σ ≈ 0.002
    np.testing.assert_allclose(z[kept], x[kept] / (1 - ratio), rtol=1e-14)
    # the expected value is preserved, so inference needs no rescaling
    assert z.mean() == pytest.approx(x.mean(), rel=0.01)
    dx = layer.backward(np.ones_like(x))
    np.testing.assert_array_equal(dx != 0, kept)
    np.testing.assert_allclose(dx[kept], 1 / (1 - ratio))


def test_the_books_dropout_keeps_units_as_they_are_and_scales_at_inference():
    """scale_at "inference" (the book's Dropout): training z = x ⊙ m, inference z = x·(1 − p).
    The predictions are those of inverted dropout's; training sees outputs 1 − p as large."""
    net = make_net([dense(4, "identity"), {"type": "dropout", "ratio": 0.2, "scale_at": "inference"},
                    dense(2, "identity")], (3,), "sse")
    layer = net.layers[1]
    x = rng(4).uniform(1, 2, size=(200, 250))
    z = layer.forward(x, train=True)
    kept = z != 0
    np.testing.assert_array_equal(z[kept], x[kept])
    assert z.mean() == pytest.approx(0.8 * x.mean(), rel=0.01)
    np.testing.assert_allclose(layer.forward(x, train=False), 0.8 * x, rtol=1e-15)
    dx = layer.backward(np.ones_like(x))
    np.testing.assert_allclose(dx, 0.8)                 # after an inference forward
    layer.forward(x, train=True)
    np.testing.assert_array_equal(layer.backward(np.ones_like(x)), layer.mask)
    from nnstudio.engine.spec import DropoutSpec, layer_from_dict
    spec = layer_from_dict({"type": "dropout", "ratio": 0.2, "scale_at": "inference"})
    assert spec.to_dict() == {"type": "dropout", "ratio": 0.2, "scale_at": "inference"}
    assert DropoutSpec(0.2).to_dict() == {"type": "dropout", "ratio": 0.2}      # the default unwritten
    with pytest.raises(Exception, match="scale_at"):
        layer_from_dict({"type": "dropout", "scale_at": "sometimes"})


def test_dropout_is_the_identity_at_inference():
    net = drop_net(0.5)
    x = rng(5).normal(size=(8, 3))
    y1, y2 = net.forward(x), net.predict(x)
    np.testing.assert_array_equal(y1, y2)
    h = net.layers[0].out
    np.testing.assert_array_equal(net.layers[1].forward(h, train=False), h)


def test_dropout_draws_a_new_mask_each_training_pass_but_not_when_frozen():
    net = drop_net(0.5)
    x = rng(6).normal(size=(50, 3))
    net.forward(x, train=True)
    m1 = net.layers[1].mask.copy()
    net.forward(x, train=True)
    assert not np.array_equal(m1, net.layers[1].mask)
    with net.frozen_masks():
        m2 = net.layers[1].mask.copy()
        net.forward(x, train=True)
        np.testing.assert_array_equal(net.layers[1].mask, m2)


def test_dropout_masks_are_seeded():
    masks = []
    for _ in range(2):
        net = drop_net(0.5)
        net.forward(rng(7).normal(size=(20, 3)), train=True)
        masks.append(net.layers[1].mask)
    np.testing.assert_array_equal(*masks)


def test_dropout_formula_names_the_convention():
    from nnstudio.engine.recording import Recorder
    net = drop_net(0.3)
    rec = Recorder()
    net.forward(rng(8).normal(size=(2, 3)), train=True, rec=rec)
    (event,) = [e for e in rec.events if e.op == "dropout"]
    assert "1 − p" in event.formula and "0.3" in event.formula


@pytest.mark.parametrize("layer", [{"type": "batchnorm", "activation": "tanh"}, {"type": "dropout", "ratio": 0.5}])
def test_backward_after_an_inference_forward_is_the_inference_gradient(layer):
    """loss(train=False) then backward(): gradients of the function that was evaluated
    (running statistics, no dropout), even right after a training pass left its state behind."""
    from nnstudio.engine.gradcheck import numerical_gradient
    net = make_net([dense(4, "identity"), layer, dense(2, "identity")], (3,), "sse", seed=4)
    x, t = rng(10).normal(size=(5, 3)), rng(11).normal(size=(5, 2))
    for _ in range(3):                       # move the running statistics away from 0 and 1
        net.loss(rng(12).normal(loc=1.0, size=(5, 3)), t, train=True)
    net.loss(x, t, train=False)
    net.backward()
    grads = {k: v.copy() for k, v in net.gradients().items()}
    for name, p in net.parameters().items():
        num = numerical_gradient(lambda: net.loss(x, t, train=False), p, h=1e-6)
        np.testing.assert_allclose(grads[name], num, rtol=1e-6, atol=1e-9, err_msg=name)
