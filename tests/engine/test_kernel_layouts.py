"""The fast kernels against the definitions: pooling over strided window views (ties, overlap,
memory layouts), col2im's channel-last sums, and float32 kept end to end."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from nnstudio.engine.im2col import col2im, output_size
from nnstudio.engine.layers import Pool
from nnstudio.engine.spec import PoolSpec

from engine_helpers import conv, labels, make_net, rng


def naive_pool(x, k, s, mode, dz):
    """Forward by definition, and the backward of the same: the whole ∂E/∂z of a window goes to
    its first maximum in row-major order (np.argmax), or is shared equally (average)."""
    n, c, h, w = x.shape
    oh, ow = (h - k) // s + 1, (w - k) // s + 1
    z = np.zeros((n, c, oh, ow))
    dx = np.zeros(x.shape)
    for a, b, r, q in itertools.product(range(n), range(c), range(oh), range(ow)):
        win = x[a, b, r * s:r * s + k, q * s:q * s + k]
        if mode == "max":
            z[a, b, r, q] = win.max()
            i, j = divmod(int(np.argmax(win)), k)
            dx[a, b, r * s + i, q * s + j] += dz[a, b, r, q]
        else:
            z[a, b, r, q] = win.mean()
            dx[a, b, r * s:r * s + k, q * s:q * s + k] += dz[a, b, r, q] / (k * k)
    return z, dx


def channel_last(x):
    """The same values with channels innermost in memory, as a convolution produces them."""
    return np.ascontiguousarray(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)


@pytest.mark.parametrize("mode", ["max", "avg"])
@pytest.mark.parametrize("k,s", [(2, 2), (3, 1), (3, 2), (2, 3), (1, 1)])
@pytest.mark.parametrize("layout", [np.ascontiguousarray, channel_last])
def test_pooling_matches_the_definition_with_ties_and_overlap(mode, k, s, layout):
    g = rng(k * 10 + s)
    x = layout(g.integers(-2, 3, size=(2, 3, 7, 8)).astype(float))   # small integers: many ties
    pool = Pool(PoolSpec(size=k, stride=s, mode=mode), 0, "pool_1")
    z = pool.forward(x, train=True)
    dz = g.normal(size=z.shape)
    z_ref, dx_ref = naive_pool(x, k, s, mode, dz)
    np.testing.assert_allclose(z, z_ref, rtol=1e-14)
    dx = pool.backward(dz)
    assert dx.shape == x.shape
    np.testing.assert_allclose(dx, dx_ref, rtol=1e-13, atol=1e-15)


def test_a_window_of_equal_values_sends_its_gradient_to_the_first_element_only():
    pool = Pool(PoolSpec(size=2), 0, "pool_1")
    pool.forward(np.zeros((1, 1, 2, 4)), train=True)
    dx = pool.backward(np.array([[[[3.0, 4.0]]]]))
    np.testing.assert_array_equal(dx, [[[[3, 0, 4, 0], [0, 0, 0, 0]]]])


def naive_col2im(col, shape, k, s, p):
    n, c, h, w = shape
    oh, ow = output_size(h, k, s, p), output_size(w, k, s, p)
    img = np.zeros((n, c, h + 2 * p, w + 2 * p))
    rows = col.reshape(n, oh, ow, c, k, k)
    for a, r, q in itertools.product(range(n), range(oh), range(ow)):
        img[a, :, r * s:r * s + k, q * s:q * s + k] += rows[a, r, q]
    return img[:, :, p:p + h, p:p + w]


@pytest.mark.parametrize("k,s,p", [(3, 1, 1), (3, 2, 1), (2, 2, 0), (5, 1, 0), (3, 3, 2)])
def test_col2im_sums_like_the_definition(k, s, p):
    shape = (2, 3, 7, 6)
    oh, ow = output_size(7, k, s, p), output_size(6, k, s, p)
    col = rng(k + s + p).normal(size=(2 * oh * ow, 3 * k * k))
    np.testing.assert_allclose(col2im(col, shape, k, k, s, p), naive_col2im(col, shape, k, s, p), rtol=1e-13)


def test_conv_net_gradients_do_not_depend_on_the_input_layout():
    layers = [conv(3, 3, pad=1), {"type": "maxpool", "size": 2}, conv(2, 2, "tanh"),
              {"type": "avgpool", "size": 2, "stride": 1}, {"type": "dense", "units": 4, "activation": "softmax"}]
    x = rng(3).normal(size=(5, 2, 8, 8))
    t = labels(5, 4, seed=3)
    grads = []
    for data in (x, channel_last(x)):
        net = make_net(layers, (2, 8, 8), "cross_entropy", seed=2)
        net.loss(data, t)
        net.backward()
        grads.append(net.gradients())
    for name in grads[0]:
        np.testing.assert_allclose(grads[1][name], grads[0][name], rtol=1e-12, atol=1e-14)


def test_float32_stays_float32_through_a_conv_net_step():
    layers = [conv(4, 3, pad=1), {"type": "batchnorm", "activation": "relu"}, {"type": "maxpool", "size": 2},
              {"type": "flatten"}, {"type": "dense", "units": 6}, {"type": "dropout", "ratio": 0.3},
              {"type": "dense", "units": 3, "activation": "softmax"}]
    net = make_net(layers, (1, 6, 6), "cross_entropy", dtype="float32")
    net.loss(rng(1).normal(size=(4, 1, 6, 6)).astype(np.float32), labels(4, 3))
    net.backward()
    for layer in net.layers:
        assert layer.out.dtype == np.float32, layer.name
    for name, g in net.gradients().items():
        assert g.dtype == np.float32, name


def unfolded_twin(net):
    """The same network computing ReLU's derivative in the ReLU layer itself (and so running
    no convolution together with its pooling either)."""
    net._relu_pooled = frozenset()
    net._tiled_pools = {}
    return net


@pytest.mark.parametrize("pool", [{"type": "maxpool", "size": 2}, {"type": "maxpool", "size": 3, "stride": 2},
                                  {"type": "maxpool", "size": 2, "stride": 1}])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_max_pooling_after_relu_applies_its_derivative_with_the_same_numbers(pool, dtype):
    layers = [conv(3, 3, pad=1), pool, {"type": "batchnorm", "activation": "relu"},
              {"type": "maxpool", "size": 2}, {"type": "flatten"}, {"type": "dense", "units": 4, "activation": "softmax"}]
    x = rng(5).normal(size=(6, 2, 9, 9)).astype(dtype)
    x[:2] = -np.abs(x[:2])              # windows of ReLU zeros only (ties at 0) occur too
    t = labels(6, 4, seed=5)
    folded, plain = (make_net(layers, (2, 9, 9), "cross_entropy", dtype=dtype, seed=4) for _ in range(2))
    unfolded_twin(plain)
    assert folded._relu_pooled == {1, 3}          # conv → max pool, batch norm (ReLU) → max pool
    for net in (folded, plain):
        net.loss(x, t)
        net.backward()
    assert (folded.layers[0].out == 0).any()
    got, want = folded.gradients(), plain.gradients()
    for name in want:
        np.testing.assert_array_equal(got[name], want[name])


@pytest.mark.parametrize("dtype, rtol", [("float64", 1e-12), ("float32", 2e-5)])
def test_convolution_and_max_pooling_over_its_tiles_give_the_layers_numbers(dtype, rtol):
    # 12×12 → conv → 12×12 → 2×2 pooling → 6×6 → conv → 9×9 → 3×3 pooling → 3×3: both tile exactly,
    # with no more weights per filter than filters (2·3·3 ≤ 18, 18·2·2 ≤ 72); the second
    # convolution passes ∂E/∂x on (col2im in tile order, overlapping windows)
    layers = [conv(18, 3, pad=1), {"type": "maxpool", "size": 2}, conv(72, 2, pad=2), {"type": "maxpool", "size": 3},
              {"type": "flatten"}, {"type": "dense", "units": 4, "activation": "softmax"}]
    x = rng(6).normal(size=(5, 2, 12, 12)).astype(dtype)
    x[:2] = -np.abs(x[:2])              # windows of ReLU zeros only (ties at 0) occur too
    t = labels(5, 4, seed=6)
    tiled, plain = (make_net(layers, (2, 12, 12), "cross_entropy", dtype=dtype, seed=3) for _ in range(2))
    unfolded_twin(plain)
    assert tiled._tiled_pools == {1: 2, 3: 3}
    losses = [net.loss(x, t) for net in (tiled, plain)]
    assert losses[0] == pytest.approx(losses[1], rel=rtol)
    assert tiled._tiled_pass
    # the convolutions' outputs are put in image order when asked for, after the pooling's
    for i in (0, 1, 2, 3):
        np.testing.assert_allclose(tiled.layers[i].out, plain.layers[i].out, rtol=rtol, atol=rtol)
        assert tiled.layers[i].out.dtype == np.dtype(dtype)
    np.testing.assert_allclose(tiled.layers[0].pre, plain.layers[0].pre, rtol=rtol, atol=rtol)
    assert (plain.layers[1].out == 0).any()
    for net in (tiled, plain):
        net.backward()
    got, want = tiled.gradients(), plain.gradients()
    for name in want:
        np.testing.assert_allclose(got[name], want[name], rtol=rtol, atol=rtol * np.abs(want[name]).max())


def test_pooling_that_does_not_tile_the_convolution_runs_layer_by_layer():
    pool3 = {"type": "maxpool", "size": 3, "stride": 2}
    for layers, shape in (([conv(9, 3, pad=1), {"type": "maxpool", "size": 2}], (1, 9, 9)),   # 9×9: no 2×2 tiles
                          ([conv(9, 3, pad=1), pool3], (1, 8, 8)),                           # windows overlap
                          ([conv(9, 3, "tanh", pad=1), {"type": "maxpool", "size": 2}], (1, 8, 8)),
                          ([conv(8, 3, pad=1), {"type": "maxpool", "size": 2}], (1, 8, 8)),  # 9 weights, 8 filters
                          ([conv(9, 3, pad=1), {"type": "maxpool", "size": 1}], (1, 8, 8))):  # 1×1: nothing to pool
        net = make_net(layers + [{"type": "flatten"}, {"type": "dense", "units": 2, "activation": "softmax"}],
                       shape, "cross_entropy")
        assert net._tiled_pools == {}
        net.loss(rng(2).normal(size=(3,) + shape), labels(3, 2))
        net.backward()
        assert not net._tiled_pass and net.layers[0].block == 1


def test_a_forward_pass_after_a_tiled_step_replaces_the_convolutions_outputs():
    layers = [conv(9, 3, pad=1), {"type": "maxpool", "size": 2}, {"type": "flatten"},
              {"type": "dense", "units": 3, "activation": "softmax"}]
    net = make_net(layers, (1, 6, 6), "cross_entropy")
    x = rng(3).normal(size=(4, 1, 6, 6))
    net.loss(x, labels(4, 3))
    assert net._tiled_pass
    net.layers[0].params["W"] *= 2                 # the next pass sees other weights and fewer images
    y = net.forward(x[:2])
    conv_layer = net.layers[0]
    assert conv_layer.out.shape == (2, 9, 6, 6) and conv_layer.block == 1
    np.testing.assert_allclose(conv_layer.out, np.maximum(conv_layer.pre, 0))
    twin = make_net(layers, (1, 6, 6), "cross_entropy")
    twin.layers[0].params["W"] *= 2
    np.testing.assert_allclose(y, twin.forward(x[:2]), rtol=1e-12)
    np.testing.assert_allclose(conv_layer.out, twin.layers[0].out, rtol=1e-12)


def test_a_recorded_backward_pass_needs_a_recorded_forward_pass_before_it():
    layers = [conv(9, 3, pad=1), {"type": "maxpool", "size": 2}, {"type": "flatten"},
              {"type": "dense", "units": 3, "activation": "softmax"}]
    net = make_net(layers, (1, 6, 6), "cross_entropy")
    x, t = rng(1).normal(size=(2, 1, 6, 6)), labels(2, 3)
    assert net._tiled_pools == {1: 2}
    net.loss(x, t)
    with pytest.raises(RuntimeError):
        net.backward(rec=lambda *a, **k: None)
    seen = []
    net.loss(x, t, rec=lambda *a, **k: None)
    net.backward(rec=lambda *a, **k: seen.append(a[2]))
    assert "maxpool_backward" in seen


def test_only_max_pooling_right_after_relu_folds_and_a_trace_shows_every_step():
    layers = [conv(2, 3, "tanh"), {"type": "maxpool", "size": 2}, conv(2, 1), {"type": "avgpool", "size": 2},
              {"type": "flatten"}, {"type": "dense", "units": 3, "activation": "softmax"}]
    assert make_net(layers, (1, 10, 10), "cross_entropy")._relu_pooled == frozenset()
    relu_pool = [conv(2, 3), {"type": "maxpool", "size": 2}, {"type": "flatten"},
                 {"type": "dense", "units": 3, "activation": "softmax"}]
    net = make_net(relu_pool, (1, 6, 6), "cross_entropy")
    seen = []
    net.loss(rng(1).normal(size=(2, 1, 6, 6)), labels(2, 3), rec=lambda *a, **k: seen.append(a[2]))
    net.backward(rec=lambda *a, **k: seen.append(a[2]))
    assert seen.index("maxpool_backward") < seen.index("relu_backward") < seen.index("conv_backward")


def test_average_pooling_refuses_to_apply_relus_derivative():
    pool = Pool(PoolSpec(size=2, mode="avg"), 1, "pool_1")
    z = pool.forward(np.ones((1, 1, 2, 2)), True)
    with pytest.raises(ValueError):
        pool.backward(np.ones_like(z), relu_before=True)
