"""Products of a few rows by a large matrix in column blocks (nnstudio/engine/products.py)."""

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nnstudio.engine import products
from nnstudio.engine.layers.dense import Dense
from nnstudio.engine.spec import DenseSpec


def run_kernels(monkeypatch, *cores: str) -> None:
    """Pretend NumPy's OpenBLAS runs these kernels (none: another BLAS), so the rules are
    tested on any machine."""
    monkeypatch.setattr(products, "numpy_openblas_cores", lambda: frozenset(cores))


@pytest.fixture
def small_kernels(monkeypatch):
    """Pretend NumPy's OpenBLAS has the small-matrix kernels (the rule, on any machine)."""
    run_kernels(monkeypatch, "SkylakeX")


@pytest.mark.parametrize("rows, inner, cols", [(10, 784, 256), (2, 784, 1000), (12, 784, 1000),
                                               (10, 1000, 1000), (5, 784, 256), (8, 784, 300),
                                               (12, 2000, 1000)])
def test_blocks_stay_within_the_small_kernel_limit(small_kernels, rows, inner, cols):
    width = products.block_width(rows, inner, cols, np.float32)
    blocks = math.ceil(cols / width)
    assert blocks >= 2 and width % products.WIDTH_STEP == 0
    assert rows * inner * width <= products.SMALL_KERNEL_MNK
    # no more blocks than the limit needs: one fewer, in steps of 32 columns, would be too wide
    step = products.WIDTH_STEP
    fewer = math.ceil(math.ceil(cols / (blocks - 1)) / step) * step
    assert rows * inner * fewer > products.SMALL_KERNEL_MNK


def test_ten_mnist_rows_by_256_units_are_three_blocks(small_kernels):
    assert products.block_width(10, 784, 256, np.float32) == 96      # 96 + 96 + 64


@pytest.mark.parametrize("rows, inner, cols, dtype", [
    (1, 784, 256, np.float32),      # batch 1: a matrix-vector product already
    (4, 784, 256, np.float32),      # within the limit as a whole
    (13, 784, 256, np.float32),     # past the batch sizes where blocks were faster
    (12, 3000, 1000, np.float32),   # not even 32 columns fit
    (10, 784, 256, np.float64),     # no gain measured in float64
])
def test_the_whole_product_elsewhere(small_kernels, rows, inner, cols, dtype):
    assert products.block_width(rows, inner, cols, dtype) is None


@pytest.mark.parametrize("cores", [("Haswell",), (), ("SkylakeX", "Haswell")])
def test_no_blocks_without_the_small_kernels(monkeypatch, cores):
    run_kernels(monkeypatch, *cores)
    assert not products.small_kernels()
    assert products.block_width(10, 784, 256, np.float32) is None


@pytest.mark.parametrize("cores, rows, inner, cols, dtype, expected", [
    # the AVX2 kernels: any rows left over a multiple of four are padded
    (("Haswell",), 10, 784, 256, np.float32, 12),
    (("Zen",), 9, 784, 100, np.float32, 12),
    (("Haswell",), 2, 256, 128, np.float32, 4),
    (("Haswell",), 31, 784, 256, np.float32, 32),
    (("Haswell",), 12, 784, 256, np.float32, 12),    # a multiple of four already
    (("Haswell",), 1, 784, 256, np.float32, 1),      # batch 1: a matrix-vector product
    (("Haswell",), 33, 784, 256, np.float32, 33),    # past the measured batches
    (("Haswell",), 10, 128, 10, np.float32, 10),     # a small matrix: the copy costs more
    (("Haswell",), 10, 784, 256, np.float64, 10),    # not measured in float64
    # the AVX-512 kernels: only three rows left over
    (("SkylakeX",), 11, 784, 256, np.float32, 12),
    (("SkylakeX",), 3, 784, 256, np.float32, 4),
    (("SkylakeX",), 10, 784, 256, np.float32, 10),
    (("SkylakeX",), 9, 784, 256, np.float32, 9),
    # another BLAS, or kernels not measured
    ((), 10, 784, 256, np.float32, 10),
    (("Haswell", "SkylakeX"), 10, 784, 256, np.float32, 10),
    (("NeoverseN1",), 11, 784, 256, np.float32, 11),
])
def test_rows_padded_to_a_multiple_of_four_where_measured_faster(monkeypatch, cores, rows, inner,
                                                                 cols, dtype, expected):
    run_kernels(monkeypatch, *cores)
    assert products.padded_rows(rows, inner, cols, dtype) == expected


@pytest.mark.parametrize("cores, rows", [(("Haswell",), 10), (("Haswell",), 3), (("SkylakeX",), 11)])
def test_a_padded_product_is_the_product_of_the_real_rows(monkeypatch, cores, rows):
    run_kernels(monkeypatch, *cores)
    rng = np.random.default_rng(rows)
    a = rng.standard_normal((rows, 784)).astype(np.float32)
    b = rng.standard_normal((784, 256)).astype(np.float32)
    grown = products.padded_rows(rows, 784, 256, np.float32)
    assert grown % 4 == 0 and grown > rows
    got = products.matmul(a, b)
    assert got.shape == (rows, 256) and got.dtype == np.float32 and got.flags.c_contiguous
    # the real rows of the padded product, the zero rows' results dropped
    by_hand = np.concatenate([a, np.zeros((grown - rows, 784), np.float32)])
    width = products.block_width(grown, 784, 256, np.float32)
    full = by_hand @ b if width is None else np.concatenate(
        [by_hand @ b[:, j:j + width] for j in range(0, 256, width)], axis=1)
    np.testing.assert_array_equal(got, full[:rows])
    np.testing.assert_allclose(got, a.astype(np.float64) @ b.astype(np.float64), rtol=1e-4, atol=1e-4)
    # the rows really were added: the result is the real rows of a product of `grown` rows
    # (the values alone cannot tell, each row being the same dot products either way)
    assert got.base is not None and got.base.shape == (grown, 256)


def test_dense_forward_pads_the_batch_with_the_avx2_kernels(monkeypatch):
    run_kernels(monkeypatch, "Haswell")
    rng = np.random.default_rng(3)
    layer = Dense(DenseSpec(units=100, activation="relu"), 0, "dense_1", (784,), rng, np.float32)
    x = rng.random((10, 784), dtype=np.float32)
    x_before = x.copy()
    u = layer.forward_pre(x, True)
    W, b = layer.params["W"], layer.params["b"]
    assert u.shape == (10, 100)
    np.testing.assert_array_equal(u, (np.concatenate([x, np.zeros((2, 784), np.float32)]) @ W)[:10] + b)
    np.testing.assert_array_equal(x, x_before)        # the batch itself is not touched
    assert layer.x is x                               # backward sees the real rows only
    assert u.base is not None and u.base.shape == (12, 100)      # computed with 12 rows


def test_no_rows_added_where_they_do_not_pay(monkeypatch):
    run_kernels(monkeypatch, "SkylakeX")
    rng = np.random.default_rng(4)
    got = products.matmul(rng.random((10, 784), dtype=np.float32), rng.random((784, 100), dtype=np.float32))
    assert got.shape == (10, 100) and (got.base is None or got.base.shape[0] == 10)


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


def _avx512() -> bool:
    try:
        flags = Path("/proc/cpuinfo").read_text().split("flags", 1)[1].split("\n", 1)[0].split()
    except (OSError, IndexError):
        return False
    return {"avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"} <= set(flags)


@pytest.mark.skipif(not _avx512(), reason="the SkylakeX kernels need a CPU with AVX-512")
@pytest.mark.parametrize("core, expected", [("SkylakeX", True), ("Haswell", False)])
def test_small_kernels_follow_the_kernels_numpy_runs(core, expected):
    """In a fresh interpreter whose OpenBLAS was told which kernels to run (as an environment's
    OPENBLAS_CORETYPE does): blocks only with the AVX-512 ones."""
    code = ("import json; from nnstudio.engine import products; "
            "print(json.dumps(products.small_kernels()))")
    env = {**os.environ, "OPENBLAS_CORETYPE": core}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True, cwd=Path(__file__).resolve().parents[2]).stdout
    assert json.loads(out) is expected


@pytest.mark.parametrize("rows", [1, 2, 10, 32, 33, 100])
@pytest.mark.parametrize("w_shape", [(256, 128), (100, 10)])
def test_times_a_transpose_is_the_product_for_any_batch(rows, w_shape):
    rng = np.random.default_rng(rows)
    d = rng.standard_normal((rows, w_shape[1])).astype(np.float32)
    w = rng.standard_normal(w_shape).astype(np.float32)
    got = products.matmul_transposed(d, w)
    assert got.shape == (rows, w_shape[0])
    np.testing.assert_allclose(got, d.astype(np.float64) @ w.T.astype(np.float64), rtol=1e-4, atol=1e-4)
    assert got.flags.c_contiguous            # row-major whichever way it was taken


@pytest.mark.parametrize("rows, w_shape, transposed", [
    (10, (256, 128), True), (32, (256, 128), True), (10, (100, 10), False), (33, (256, 128), False),
    (1, (256, 128), False)])
def test_times_a_transpose_takes_the_transposed_way_for_few_rows_and_a_large_w(monkeypatch, rows,
                                                                               w_shape, transposed):
    taken = []
    real = np.ascontiguousarray
    monkeypatch.setattr(products.np, "ascontiguousarray", lambda a: taken.append(a.shape) or real(a))
    rng = np.random.default_rng(rows)
    products.matmul_transposed(rng.standard_normal((rows, w_shape[1])).astype(np.float32),
                               rng.standard_normal(w_shape).astype(np.float32))
    assert taken == ([(rows, w_shape[0])] if transposed else [])


@pytest.mark.parametrize("small", [True, False])
def test_gradient_norm_from_gram_matrices_either_way(monkeypatch, small):
    """product_norm's Gram matrices as general products (AVX-512 kernels) or through syrk
    (AVX2 kernels): the same norm of the multiplied-out gradient."""
    from nnstudio.engine.layers import base
    monkeypatch.setattr(base, "small_kernels", lambda: small)
    rng = np.random.default_rng(5)
    a = rng.random((10, 784)).astype(np.float32)
    b = rng.standard_normal((10, 256)).astype(np.float32)
    expected = np.linalg.norm(a.astype(np.float64).T @ b.astype(np.float64))
    assert base.product_norm(a, b) == pytest.approx(expected, rel=1e-7)      # float32 Gram matrices
