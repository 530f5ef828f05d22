"""im2col / col2im (CURRICULUM §9) and convolution / pooling against naive loops."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.engine.im2col import col2im, im2col, tiles

from engine_helpers import conv, make_net, rng


def test_worked_example_two_4x4_images_3x3_filter():
    x = np.arange(32.0).reshape(2, 1, 4, 4)   # image 0 holds 0…15, image 1 holds 16…31
    col = im2col(x, 3, 3, stride=1, pad=0)
    assert col.shape == (8, 9)                # 2 images × 2×2 positions, 1·3·3 values each
    first_image = np.array([[0, 1, 2, 4, 5, 6, 8, 9, 10],
                            [1, 2, 3, 5, 6, 7, 9, 10, 11],
                            [4, 5, 6, 8, 9, 10, 12, 13, 14],
                            [5, 6, 7, 9, 10, 11, 13, 14, 15]], dtype=float)
    np.testing.assert_array_equal(col[:4], first_image)
    np.testing.assert_array_equal(col[4:], first_image + 16)


def test_columns_are_channel_major_then_row_then_column():
    x = np.arange(2 * 3 * 3, dtype=float).reshape(1, 2, 3, 3)
    col = im2col(x, 2, 2)
    assert col.shape == (4, 8)
    np.testing.assert_array_equal(col[0], [0, 1, 3, 4, 9, 10, 12, 13])
    np.testing.assert_array_equal(col[3], [4, 5, 7, 8, 13, 14, 16, 17])


def test_stride_and_pad():
    x = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    col = im2col(x, 2, 2, stride=2, pad=1)
    # padded 5×5 image, windows at (0,0), (0,2), (2,0), (2,2)
    assert col.shape == (4, 4)
    np.testing.assert_array_equal(col, [[0, 0, 0, 1], [0, 0, 2, 3], [0, 4, 0, 7], [5, 6, 8, 9]])


def test_tile_order_takes_each_tile_element_of_every_tile_in_turn():
    x = np.arange(2 * 16.0).reshape(2, 1, 4, 4)
    col = im2col(x, 1, 1, block=2)            # 1×1 windows: each row is one output position
    # element (0, 0) of the four 2×2 tiles of image 0, then of image 1; then element (0, 1) …
    np.testing.assert_array_equal(col[:8, 0], [0, 2, 8, 10, 16, 18, 24, 26])
    np.testing.assert_array_equal(col[8:16, 0], [1, 3, 9, 11, 17, 19, 25, 27])
    np.testing.assert_array_equal(col[24:, 0], [5, 7, 13, 15, 21, 23, 29, 31])


def test_a_column_of_ones_follows_the_windows_in_either_order():
    x = rng(4).normal(size=(2, 3, 6, 6))
    for block in (1, 2):
        col = im2col(x, 3, 3, 1, 1, block)
        with_ones = im2col(x, 3, 3, 1, 1, block, ones=True)
        np.testing.assert_array_equal(with_ones, np.hstack([col, np.ones((len(col), 1))]))


@pytest.mark.parametrize("shape,k,stride,pad,block", [((3, 2, 9, 9), 3, 1, 1, 3), ((2, 3, 8, 8), 3, 1, 1, 2),
                                                       ((2, 1, 12, 12), 5, 1, 0, 2), ((2, 2, 11, 11), 3, 2, 1, 2),
                                                       ((2, 3, 8, 12), 3, 1, 1, 2), ((2, 2, 13, 9), 3, 2, 2, 2),
                                                       ((2, 3, 12, 6), 3, 1, 1, 3)])
def test_tile_order_holds_the_same_rows_and_col2im_takes_them_back(shape, k, stride, pad, block):
    x = rng(2).normal(size=shape)
    n, oh, ow = shape[0], (shape[2] + 2 * pad - k) // stride + 1, (shape[3] + 2 * pad - k) // stride + 1
    plain, tiled = im2col(x, k, k, stride, pad), im2col(x, k, k, stride, pad, block)
    by_tile = tiles(plain.reshape(n, oh, ow, -1), block).reshape(plain.shape)
    np.testing.assert_array_equal(tiled, by_tile)
    d = rng(3).normal(size=plain.shape)
    d_tiled = tiles(d.reshape(n, oh, ow, -1), block).reshape(d.shape)
    np.testing.assert_allclose(col2im(d_tiled, shape, k, k, stride, pad, block), col2im(d, shape, k, k, stride, pad),
                               rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("shape,k,stride,pad", [((2, 3, 5, 5), 3, 1, 0), ((2, 2, 6, 7), 3, 2, 1),
                                                 ((1, 1, 7, 7), 2, 3, 0), ((3, 2, 4, 5), 3, 1, 2),
                                                 ((2, 1, 8, 8), 4, 2, 1)])
def test_col2im_is_the_adjoint_of_im2col(shape, k, stride, pad):
    x = rng(1).normal(size=shape)
    col = im2col(x, k, k, stride, pad)
    c = rng(2).normal(size=col.shape)
    lhs = np.vdot(col, c)
    rhs = np.vdot(x, col2im(c, shape, k, k, stride, pad))
    assert lhs == pytest.approx(rhs, rel=1e-12)


def test_col2im_adds_overlapping_windows():
    ones = np.ones((4, 9))
    counts = col2im(ones, (1, 1, 4, 4), 3, 3)
    # how many 3×3 windows cover each pixel of a 4×4 image
    np.testing.assert_array_equal(counts[0, 0], [[1, 2, 2, 1], [2, 4, 4, 2], [2, 4, 4, 2], [1, 2, 2, 1]])


def test_im2col_does_not_modify_its_input():
    x = rng(3).normal(size=(2, 2, 5, 5))
    x0 = x.copy()
    col = im2col(x, 3, 3, 1, 1)
    col[:] = 0
    np.testing.assert_array_equal(x, x0)


def naive_conv(x, W, b, stride, pad):
    n, c, h, w = x.shape
    f, _, kh, kw = W.shape
    xp = np.zeros((n, c, h + 2 * pad, w + 2 * pad))
    xp[:, :, pad:pad + h, pad:pad + w] = x
    oh, ow = (h + 2 * pad - kh) // stride + 1, (w + 2 * pad - kw) // stride + 1
    out = np.zeros((n, f, oh, ow))
    for i in range(n):
        for j in range(f):
            for r in range(oh):
                for s in range(ow):
                    total = b[j]
                    for ch in range(c):
                        for p in range(kh):
                            for q in range(kw):
                                total += xp[i, ch, r * stride + p, s * stride + q] * W[j, ch, p, q]
                    out[i, j, r, s] = total
    return out


@pytest.mark.parametrize("stride,pad", [(1, 0), (2, 1), (1, 2), (3, 0)])
def test_conv_forward_matches_a_naive_loop(stride, pad):
    net = make_net([conv(3, 3, "identity", stride=stride, pad=pad, init="normal", std=1.0), {"type": "flatten"},
                    {"type": "dense", "units": 1, "activation": "identity"}], (2, 7, 6), "sse", seed=4)
    layer = net.layers[0]
    layer.params["b"][:] = [0.5, -1.0, 2.0]
    x = rng(5).normal(size=(2, 2, 7, 6))
    net.forward(x)
    expected = naive_conv(x, layer.params["W"], layer.params["b"], stride, pad)
    assert layer.out.shape == expected.shape == (2, 3) + net.spec.shapes()[0][1:]
    np.testing.assert_allclose(layer.out, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kind,size,stride", [("maxpool", 2, 2), ("maxpool", 3, 2), ("avgpool", 2, 1),
                                              ("avgpool", 3, 3)])
def test_pooling_matches_a_naive_loop(kind, size, stride):
    net = make_net([conv(2, 1, "identity", init="normal", std=1.0), {"type": kind, "size": size, "stride": stride},
                    {"type": "dense", "units": 1, "activation": "identity"}], (2, 7, 8), "sse", seed=6)
    x = rng(7).normal(size=(3, 2, 7, 8))
    net.forward(x)
    a = net.layers[0].out
    reduce = np.max if kind == "maxpool" else np.mean
    oh, ow = (7 - size) // stride + 1, (8 - size) // stride + 1
    expected = np.array([[[[reduce(a[n, c, r * stride:r * stride + size, s * stride:s * stride + size])
                            for s in range(ow)] for r in range(oh)] for c in range(2)] for n in range(3)])
    np.testing.assert_allclose(net.layers[1].out, expected, rtol=1e-13)


def test_maxpool_backward_routes_to_the_maximum_only():
    net = make_net([{"type": "maxpool", "size": 2}, {"type": "dense", "units": 1, "activation": "identity"}],
                   (1, 2, 4), "sse")
    x = np.array([[[[1.0, 5.0, 2.0, 0.0], [3.0, 4.0, 9.0, 1.0]]]])
    z = net.layers[0].forward(x, train=True)
    np.testing.assert_array_equal(z, [[[[5.0, 9.0]]]])
    dx = net.layers[0].backward(np.array([[[[10.0, 20.0]]]]))
    np.testing.assert_array_equal(dx, [[[[0, 10, 0, 0], [0, 0, 20, 0]]]])
