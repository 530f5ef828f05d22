"""NumPy's own BLAS (engine/blas.py): telling its library from others, and y ← y + α·x in it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nnstudio.engine import blas

from engine_helpers import rng

BIG = (160, 128)          # 20 480 entries: above AXPY_MIN_ENTRIES
# the routine is there in NumPy's wheels (test_numpy_s_wheel_build_has_the_routine); a NumPy built
# on another BLAS (conda's MKL, macOS's Accelerate) takes the textbook's two passes instead
needs_routine = pytest.mark.skipif(blas._axpy_routines() is None,
                                   reason="NumPy's BLAS is not its wheels' scipy-openblas64")


@pytest.mark.parametrize("path, own", [
    ("/venv/lib/python3.11/site-packages/numpy.libs/libscipy_openblas64_-32a4b2a6.so", True),
    ("/Library/site-packages/numpy/.dylibs/libscipy_openblas64_.dylib", True),
    ("/venv/lib/python3.11/site-packages/scipy.libs/libscipy_openblas-6cdc3b4a.so", False),
    ("/home/numpy-fan/lib/libopenblas.so", False),
    ("/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3", False),
])
def test_numpy_s_own_openblas_is_told_from_others(path, own):
    assert blas.numpy_s_own(path) is own


def test_numpy_s_wheel_build_has_the_routine():
    """NumPy's wheels carry scipy-openblas64; there the routine must be found, or the trainer
    would quietly fall back to the slow two passes."""
    names = [Path(i["filepath"]).name for i in blas._numpy_openblas()]
    if names and all(n.startswith("libscipy_openblas64_") for n in names):
        assert blas._axpy_routines() is not None
    else:
        assert blas._axpy_routines() is None


@needs_routine
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_axpy_is_y_plus_alpha_x_rounded_once(dtype):
    x = rng(1).standard_normal(BIG).astype(dtype)
    y = rng(2).standard_normal(BIG).astype(dtype)
    alpha = dtype(-0.1)
    exact = y.astype(np.longdouble) + np.longdouble(alpha) * x.astype(np.longdouble)
    textbook = y + alpha * x
    got = y.copy()
    assert blas.axpy(float(alpha), x, got)
    eps = np.finfo(dtype).eps
    # within one rounding of the exact value (an FMA) or two (multiply, then add)
    bound = eps * (np.abs(y) + np.abs(alpha * x)).astype(np.longdouble)
    assert (np.abs(got.astype(np.longdouble) - exact) <= bound).all()
    assert np.abs(got - textbook).max() <= 2 * eps * np.abs(textbook).max()
    assert not np.array_equal(got, y)


def test_axpy_leaves_y_alone_where_it_does_not_apply(monkeypatch):
    x = rng(1).standard_normal(BIG).astype(np.float32)
    y = rng(2).standard_normal(BIG).astype(np.float32)
    kept = y.copy()
    small = np.ones(blas.AXPY_MIN_ENTRIES - 1, np.float32)
    read_only = y.copy()
    read_only.flags.writeable = False
    cases = [
        (x, y.astype(np.float64)),                 # different types
        (x.astype(np.float64), y),
        (x[:, :64], y[:, :64]),                    # not contiguous
        (x.T, y.T.copy()),                         # x not row-major
        (x.reshape(-1), y.reshape(-1)[1:]),        # different shapes
        (small, small.copy()),                     # small
        (x.astype(np.int32), y.astype(np.int32)),  # not floating point
        (y, y),                                    # the same memory
    ]
    for a, b in cases:
        before = b.copy()
        assert not blas.axpy(0.5, a, b)
        np.testing.assert_array_equal(b, before)
    assert not blas.axpy(0.5, x, read_only)
    monkeypatch.setattr(blas, "_axpy_routines", lambda: None)   # another BLAS than NumPy's wheel's
    assert not blas.axpy(0.5, x, y)
    np.testing.assert_array_equal(y, kept)


@needs_routine
def test_sgd_update_takes_axpy_only_when_fused(monkeypatch):
    from nnstudio.engine.optimizers import make_optimizer
    from nnstudio.engine.spec import OptimizerSpec
    calls = []
    real = blas.axpy
    monkeypatch.setattr(blas, "axpy", lambda a, x, y: calls.append(a) or real(a, x, y))
    g = rng(3).standard_normal(BIG).astype(np.float32)
    w0 = rng(4).standard_normal(BIG).astype(np.float32)
    opt = make_optimizer(OptimizerSpec(name="sgd", lr=0.1))
    plain, fused = w0.copy(), w0.copy()
    opt.update("W", plain, g)
    assert calls == []
    np.testing.assert_array_equal(plain, w0 - np.float32(0.1) * g)    # the NumPy line, to the bit
    opt.update("W", fused, g, fused=True)
    assert calls == [-0.1]
    expected = w0.copy()
    assert real(-0.1, g, expected)
    np.testing.assert_array_equal(fused, expected)
    momentum = make_optimizer(OptimizerSpec(name="momentum", lr=0.1))
    momentum.update("W", w0.copy(), g, fused=True)                    # other rules: their own lines
    assert calls == [-0.1]


@needs_routine
def test_trainer_moves_large_weights_by_axpy_at_large_batches(monkeypatch):
    from nnstudio.engine.optimizers import make_optimizer
    from nnstudio.engine.spec import OptimizerSpec, TrainingSpec
    from nnstudio.engine.trainer import SMALL_BATCH, Trainer
    from engine_helpers import dense, labels, make_net
    calls = []
    real = blas.axpy

    def spy(alpha, x, y):
        done = real(alpha, x, y)
        calls.append((y.shape, done))
        return done

    monkeypatch.setattr(blas, "axpy", spy)
    net = make_net([dense(160), dense(5, "softmax")], (128,), "cross_entropy", dtype="float32")
    batch = SMALL_BATCH + 1
    trainer = Trainer(net, make_optimizer(OptimizerSpec(name="sgd", lr=0.1)),
                      TrainingSpec(batch_size=batch, epochs=1), rng(0).random((2 * batch, 128)),
                      labels(2 * batch, 5))
    list(trainer.run())
    # two steps; each moves the 128×160 W by axpy, the others (bias, 160×5) are too small
    assert [c for c in calls if c[1]] == [((128, 160), True)] * 2
