"""Products of a few rows by a large matrix in column blocks (nnstudio/engine/products.py)."""

import math
from pathlib import Path

import numpy as np
import pytest

from nnstudio.blas_cpu import coretype_for
from nnstudio.engine import products
from nnstudio.engine.layers.dense import Dense
from nnstudio.engine.spec import DenseSpec


@pytest.fixture
def small_kernels(monkeypatch):
    """Pretend NumPy's OpenBLAS has the small-matrix kernels (the rule, on any machine)."""
    monkeypatch.setattr(products, "small_kernels", lambda: True)


@pytest.mark.parametrize("rows, inner, cols", [(10, 784, 256), (2, 784, 1000), (12, 784, 1000),
                                               (10, 1000, 1000), (5, 784, 256), (8, 784, 300)])
def test_blocks_stay_within_the_small_kernel_limit(small_kernels, rows, inner, cols):
    width = products.block_width(rows, inner, cols, np.float32)
    blocks = math.ceil(cols / width)
    assert 2 <= blocks <= products.MAX_BLOCKS and width % products.WIDTH_STEP == 0
    assert rows * inner * width <= products.SMALL_KERNEL_MNK
    # as few blocks as the limit allows
    assert blocks == math.ceil(cols / (products.SMALL_KERNEL_MNK // (rows * inner) // 32 * 32))


def test_ten_mnist_rows_by_256_units_are_three_blocks(small_kernels):
    assert products.block_width(10, 784, 256, np.float32) == 96      # 96 + 96 + 64


@pytest.mark.parametrize("rows, inner, cols, dtype", [
    (1, 784, 256, np.float32),      # batch 1: a matrix-vector product already
    (4, 784, 256, np.float32),      # within the limit as a whole
    (13, 784, 256, np.float32),     # past the batch sizes where blocks were faster
    (12, 1000, 1000, np.float32),   # too many narrow blocks (16 of 64 columns)
    (12, 3000, 1000, np.float32),   # not even 32 columns fit
    (10, 784, 256, np.float64),     # no gain measured in float64
])
def test_the_whole_product_elsewhere(small_kernels, rows, inner, cols, dtype):
    assert products.block_width(rows, inner, cols, dtype) is None


def test_no_blocks_without_the_small_kernels(monkeypatch):
    monkeypatch.setattr(products, "small_kernels", lambda: False)
    assert products.block_width(10, 784, 256, np.float32) is None


def test_blockwise_product_is_the_product(small_kernels):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((10, 784)).astype(np.float32)
    b = rng.standard_normal((784, 1000)).astype(np.float32)
    got = products.matmul(a, b)
    width = products.block_width(10, 784, 1000, np.float32)
    by_hand = np.concatenate([a @ b[:, j:j + width] for j in range(0, 1000, width)], axis=1)
    assert got.dtype == np.float32 and got.flags.c_contiguous
    np.testing.assert_array_equal(got, by_hand)
    np.testing.assert_allclose(got, (a.astype(np.float64) @ b.astype(np.float64)), rtol=1e-4, atol=1e-4)
    # a transposed (strided) right operand, as the backward pass's δ·Wᵀ
    wt = rng.standard_normal((1000, 784)).astype(np.float32)
    np.testing.assert_allclose(products.matmul(a, wt.T), a @ wt.T, rtol=1e-5, atol=1e-4)


def test_dense_layer_uses_the_blocks_forward_and_backward(small_kernels):
    rng = np.random.default_rng(1)
    layer = Dense(DenseSpec(units=256, activation="relu"), 0, "dense_1", (784,), rng, np.float32)
    x = rng.random((10, 784), dtype=np.float32)
    u = layer.forward_pre(x, True)
    W, b = layer.params["W"], layer.params["b"]
    np.testing.assert_array_equal(u, products.matmul(x, W) + b)
    du = rng.standard_normal((10, 256)).astype(np.float32)
    dx = layer.backward_pre(du)
    np.testing.assert_array_equal(dx, products.matmul_transposed(du, W))
    np.testing.assert_allclose(dx, du.astype(np.float64) @ W.T.astype(np.float64), rtol=1e-4, atol=1e-4)


def test_this_machine_s_openblas_has_the_small_kernels_when_nnstudio_chose_them():
    try:
        chosen = coretype_for(Path("/proc/cpuinfo").read_text())
    except OSError:
        chosen = None
    if chosen is None:
        pytest.skip("nnstudio leaves OpenBLAS's own kernels on this CPU")
    assert products.small_kernels()


@pytest.mark.parametrize("rows", [1, 2, 10, 32, 33, 100])
def test_times_a_transpose_is_the_product_for_any_batch(rows):
    rng = np.random.default_rng(rows)
    d = rng.standard_normal((rows, 128)).astype(np.float32)
    w = rng.standard_normal((256, 128)).astype(np.float32)
    got = products.matmul_transposed(d, w)
    assert got.shape == (rows, 256)
    np.testing.assert_allclose(got, d.astype(np.float64) @ w.T.astype(np.float64), rtol=1e-4, atol=1e-4)
    if 2 <= rows <= products.TRANSPOSED_MAX_ROWS:       # taken the other way round
        np.testing.assert_array_equal(got, (w @ d.T).T)
    else:
        np.testing.assert_array_equal(got, d @ w.T)
