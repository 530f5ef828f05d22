"""The collapse of an identity-only network into one affine map (CURRICULUM §2)."""

import numpy as np
import pytest

from nnstudio.engine.collapse import NotCollapsibleError, collapse
from nnstudio.engine.network import Network
from nnstudio.engine.spec import NetworkSpec


def _net(layers, input_shape=(3,), loss="sse", dtype="float64", seed=1):
    spec = NetworkSpec.from_dict({"input_shape": list(input_shape), "loss": loss, "layers": layers})
    return Network(spec, dtype=dtype, seed=seed)


def _dense(units, act="identity", **kw):
    return {"type": "dense", "units": units, "activation": act, "init": "uniform", **kw}


def test_three_identity_layers_collapse_to_the_same_outputs():
    net = _net([_dense(10), _dense(5), _dense(4)])
    x = np.random.default_rng(0).uniform(-3, 3, (7, 3))
    m = collapse(net)
    assert m.W.shape == (3, 4) and m.b.shape == (4,)
    np.testing.assert_allclose(m.apply(x), net.forward(x), rtol=1e-12, atol=1e-12)
    assert m.layer_names == ("dense_1", "dense_2", "dense_3")


def test_two_layers_match_the_written_formula():
    net = _net([_dense(4), _dense(2)])
    W1, b1 = net.layers[0].params["W"], net.layers[0].params["b"]
    W2, b2 = net.layers[1].params["W"], net.layers[1].params["b"]
    m = collapse(net)
    np.testing.assert_array_equal(m.W, W1 @ W2)
    np.testing.assert_array_equal(m.b, b1 @ W2 + b2)


def test_softmax_output_and_bias_free_layers():
    net = _net([_dense(6, bias=False), _dense(3, "softmax")], loss="cross_entropy")
    x = np.random.default_rng(2).normal(size=(5, 3))
    m = collapse(net)
    assert m.output_activation == "softmax"
    np.testing.assert_allclose(m.apply(x), net.forward(x), rtol=1e-12)
    np.testing.assert_allclose(m.apply(x).sum(axis=1), 1.0)


def test_flatten_is_a_reshape_and_collapses():
    net = _net([{"type": "flatten"}, _dense(4), _dense(2)], input_shape=(1, 2, 3))
    x = np.random.default_rng(3).normal(size=(4, 1, 2, 3))
    np.testing.assert_allclose(collapse(net).apply(x), net.forward(x), rtol=1e-12)


def test_float32_network_collapses_in_float64_close_to_its_output():
    net = _net([_dense(8), _dense(2)], dtype="float32")
    x = np.random.default_rng(4).normal(size=(3, 3)).astype(np.float32)
    m = collapse(net)
    assert m.W.dtype == np.float64
    np.testing.assert_allclose(m.apply(x), net.forward(x), rtol=1e-5, atol=1e-6)


def test_relu_hidden_layer_is_named():
    net = _net([_dense(4), _dense(4, "relu"), _dense(2)])
    with pytest.raises(NotCollapsibleError) as e:
        collapse(net)
    assert (e.value.layer, e.value.name, e.value.activation) == (1, "dense_2", "relu")


def test_non_dense_hidden_layer_is_named():
    net = _net([_dense(4), {"type": "dropout", "ratio": 0.5}, _dense(2)])
    with pytest.raises(NotCollapsibleError) as e:
        collapse(net)
    assert (e.value.layer, e.value.kind, e.value.activation) == (1, "dropout", None)
