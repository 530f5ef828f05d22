"""Forward passes computed by hand (CURRICULUM §1): U = X·W + B, Z = f(U), row-vector
convention with the batch as rows."""

from __future__ import annotations

import numpy as np
import pytest

from engine_helpers import dense, make_net, rng


def test_dense_5_to_3_by_hand():
    net = make_net([dense(3, "identity")], (5,), "sse")
    W = np.array([[0.1, 0.2, 0.3],
                  [0.4, 0.5, 0.6],
                  [0.7, 0.8, 0.9],
                  [1.0, 1.1, 1.2],
                  [1.3, 1.4, 1.5]])
    b = np.array([0.1, 0.2, 0.3])
    net.load_state_dict({"dense_1.W": W, "dense_1.b": b})
    x = np.array([[1.0, 2.0, 3.0, 4.0, 5.0],
                  [0.0, 0.0, 0.0, 0.0, 0.0],
                  [1.0, -1.0, 0.0, 0.0, 2.0]])
    # row 0: 1·0.1 + 2·0.4 + 3·0.7 + 4·1.0 + 5·1.3 = 13.5, then 15.0, 16.5; plus b
    # row 1: just b;  row 2: 0.1 − 0.4 + 2.6 = 2.3, 0.2 − 0.5 + 2.8 = 2.5, 0.3 − 0.6 + 3.0 = 2.7; plus b
    expected = np.array([[13.6, 15.2, 16.8],
                         [0.1, 0.2, 0.3],
                         [2.4, 2.7, 3.0]])
    y = net.forward(x)
    assert y.shape == (3, 3)
    np.testing.assert_allclose(y, expected, rtol=1e-13)
    assert net.layers[0].params["W"].shape == (5, 3) and net.layers[0].params["b"].shape == (3,)


def test_dense_with_relu_applies_it_after_the_affine_map():
    net = make_net([dense(2, "relu")], (2,), "sse")
    net.load_state_dict({"dense_1.W": np.array([[1.0, -1.0], [2.0, 1.0]]), "dense_1.b": np.array([-1.0, 0.5])})
    y = net.forward(np.array([[1.0, 1.0], [-1.0, 0.0]]))
    # u = [[2, 0.5], [−2, 1.5]] → relu
    np.testing.assert_array_equal(y, [[2.0, 0.5], [0.0, 1.5]])
    np.testing.assert_array_equal(net.layers[0].pre, [[2.0, 0.5], [-2.0, 1.5]])


def test_3_10_5_4_network_layer_by_layer():
    net = make_net([dense(10, "relu", init="normal", std=1.0), dense(5, "relu", init="normal", std=1.0),
                    dense(4, "identity", init="normal", std=1.0)], (3,), "sse", seed=7)
    r = rng(8)
    weights = {"dense_1.W": r.normal(size=(3, 10)), "dense_1.b": r.normal(size=10),
               "dense_2.W": r.normal(size=(10, 5)), "dense_2.b": r.normal(size=5),
               "dense_3.W": r.normal(size=(5, 4)), "dense_3.b": r.normal(size=4)}
    net.load_state_dict(weights)
    x = r.normal(size=(2, 3))
    y = net.forward(x)
    # written out with explicit loops, independent of NumPy's matmul
    h = x
    for k, act in ((1, "relu"), (2, "relu"), (3, "identity")):
        W, b = weights[f"dense_{k}.W"], weights[f"dense_{k}.b"]
        u = np.array([[sum(h[n, i] * W[i, j] for i in range(W.shape[0])) + b[j] for j in range(W.shape[1])]
                      for n in range(h.shape[0])])
        layer = net.layers[k - 1]
        np.testing.assert_allclose(layer.pre, u, rtol=1e-12, atol=1e-12)
        h = np.maximum(u, 0) if act == "relu" else u
        np.testing.assert_allclose(layer.out, h, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(y, h, rtol=1e-12, atol=1e-12)
    assert [l.out.shape for l in net.layers] == [(2, 10), (2, 5), (2, 4)]
    assert [l.name for l in net.layers] == ["dense_1", "dense_2", "dense_3"]


def test_image_input_is_flattened_per_sample_by_dense():
    net = make_net([dense(2, "identity")], (1, 2, 2), "sse")
    W = np.arange(8.0).reshape(4, 2)
    net.load_state_dict({"dense_1.W": W, "dense_1.b": np.zeros(2)})
    x = np.arange(8.0).reshape(2, 1, 2, 2)
    np.testing.assert_allclose(net.forward(x), x.reshape(2, 4) @ W)


def test_forward_does_not_modify_its_input():
    net = make_net([dense(4, "relu"), {"type": "dropout", "ratio": 0.5}, dense(2, "softmax")], (3,), "cross_entropy")
    x = rng(9).normal(size=(5, 3))
    x0 = x.copy()
    net.loss(x, np.array([0, 1, 0, 1, 1]))
    net.backward()
    np.testing.assert_array_equal(x, x0)


def test_wrong_input_shape_is_a_shape_error():
    from nnstudio.engine.errors import ShapeError
    net = make_net([dense(2, "identity")], (3,), "sse")
    with pytest.raises(ShapeError) as e:
        net.forward(np.zeros((2, 4)))
    assert e.value.name == "input" and e.value.got == (2, 4)
