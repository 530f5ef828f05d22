"""The speed tricks of the training step give the numbers of the plain way (issue 2, section 5)."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.engine.optimizers import make_optimizer
from nnstudio.engine.spec import OptimizerSpec, TrainingSpec
from nnstudio.engine.trainer import Trainer

from engine_helpers import assert_one_rounding_apart, dense, labels, make_net, rng


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
        before = {k: w.copy() for k, w in twin.parameters().items()}
        opt.step(twin.parameters(), grads)
        for k, w in twin.parameters().items():
            got = trainer.network.parameters()[k]
            if reg or k.endswith(".b"):
                assert np.array_equal(got, w), (step, k)
            else:   # plain SGD applies the big W's product in one BLAS call (test_fused_updates.py)
                assert_one_rounding_apart(got, w, before[k], 0.1 * grads[k])
            # the run goes on from the twin's weights, so each step is compared on its own
            got[...] = w


# ------------------------------------------------------------------ kernels
@pytest.mark.parametrize("shape,channels_last,big", [((3, 7), False, False), ((200, 64), False, True),
                                                     ((8, 6, 12, 12), True, True)])
def test_relu_is_max_with_zero_on_both_sides_of_the_size_limit(shape, channels_last, big):
    from nnstudio.engine.activations import ACTIVATIONS, RELU_ZERO_ROW_MIN
    u = rng(3).standard_normal(shape).astype(np.float32)
    if channels_last:                 # a conv output: (N, F, OH, OW) viewed over channel-last memory
        u = np.ascontiguousarray(u.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
    u.flat[0] = np.nan                # NaN passes through, as np.maximum does
    z = ACTIVATIONS["relu"].forward(u)
    expected = np.maximum(u, 0)
    assert z.dtype == u.dtype and z.strides == expected.strides
    np.testing.assert_array_equal(z, expected)
    assert (u.size >= RELU_ZERO_ROW_MIN) == big          # the cases cover both paths


@pytest.mark.parametrize("rows", [1, 5, 15, 16, 300])
def test_column_sums_are_the_sums_over_the_rows(rows):
    from nnstudio.engine.layers.base import ONES_SUM_MIN_ROWS, column_sums
    m = rng(4).standard_normal((rows, 7))
    got = column_sums(m)
    assert got.shape == (7,) and got.dtype == m.dtype
    if rows < ONES_SUM_MIN_ROWS:
        np.testing.assert_array_equal(got, m.sum(axis=0))
    else:
        np.testing.assert_allclose(got, m.sum(axis=0), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("n", [1, 3])
def test_conv_adds_the_bias_per_filter_exactly(n):
    """The bias is added image by image over a repeated bias row: the very sums of col·Wᵀ + b."""
    from nnstudio.engine.im2col import im2col
    from engine_helpers import conv
    net = make_net([conv(4, 3), {"type": "flatten"}, dense(2, "softmax")], (2, 6, 6), "cross_entropy",
                   dtype="float32")
    layer = net.layers[0]
    layer.params["b"][:] = rng(5).standard_normal(4).astype(np.float32)
    x = rng(6).random((n, 2, 6, 6)).astype(np.float32)
    u = layer.forward_pre(x, True)
    expected = im2col(x, 3, 3) @ layer.params["W"].reshape(4, -1).T + layer.params["b"]
    np.testing.assert_array_equal(u, expected.reshape(n, 4, 4, 4).transpose(0, 3, 1, 2))


def test_conv_forwards_an_empty_batch():
    """Zero images give zero outputs of the right shape (the per-image layout must not need n > 0)."""
    from engine_helpers import conv
    net = make_net([conv(4, 3), {"type": "flatten"}, dense(2, "softmax")], (2, 6, 6), "cross_entropy",
                   dtype="float32")
    assert net.forward(np.zeros((0, 2, 6, 6), np.float32)).shape == (0, 2)


@pytest.mark.parametrize("mode", ["max", "avg"])
@pytest.mark.parametrize("size,k,s", [(8, 2, 2), (7, 2, 2), (8, 2, 3), (9, 3, 3)])
def test_pool_backward_writes_every_entry_of_dx(monkeypatch, mode, size, k, s):
    """Windows that tile the input skip the zero fill; any other case must still zero what no
    window covers. Uninitialized memory is made NaN here, so a skipped entry shows."""
    import nnstudio.engine.layers.pool as pool_module
    from nnstudio.engine.layers.pool import Pool
    from nnstudio.engine.spec import PoolSpec

    real_empty_like = np.empty_like

    def poisoned_empty_like(a, *args, **kw):
        out = real_empty_like(a, *args, **kw)
        out[...] = np.nan
        return out

    monkeypatch.setattr(pool_module.np, "empty_like", poisoned_empty_like)
    x = rng(7).standard_normal((2, 3, size, size))
    pool = Pool(PoolSpec(size=k, stride=s, mode=mode), 0, "pool_1")
    z = pool.forward(x, train=True)
    dz = rng(8).standard_normal(z.shape)
    dx = pool.backward(dz)
    assert np.isfinite(dx).all()
    # every ∂E/∂z lands somewhere in dx, nothing else (windows do not overlap here)
    assert dx.sum() == pytest.approx(dz.sum(), rel=1e-12)
    covered = (size - k) // s * s + k
    assert not dx[:, :, covered:, :].any() and not dx[:, :, :, covered:].any()


# ------------------------------------------------------------------ memory
FAULTS_SCRIPT = """
import resource, sys
import numpy as np
from nnstudio.engine.memory import keep_freed_blocks
if sys.argv[1] == "keep":
    assert keep_freed_blocks()
for i in range(35):               # what a conv step does: large arrays made, filled and freed
    if i == 5:                    # after a warm-up: the first round maps its memory anyway
        faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    a = np.empty(1_500_000, np.float32); a.fill(1)
    b = np.empty(1_200_000, np.float32); b.fill(2)
    c = np.empty(300_000, np.float32); c.fill(3)
    del a, b, c
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults)
"""


@pytest.mark.skipif(__import__("platform").libc_ver()[0] != "glibc", reason="glibc's allocator only")
def test_freed_blocks_are_kept_so_large_arrays_do_not_fault_again():
    import subprocess
    import sys

    def faults(mode):
        out = subprocess.run([sys.executable, "-c", FAULTS_SCRIPT, mode], capture_output=True, text=True,
                             check=True, timeout=60)
        return int(out.stdout.split()[-1])

    plain, kept = faults("plain"), faults("keep")
    # 30 rounds of 12 MB: the blocks go back to the system and fault in again every round
    # (unless the system itself keeps them, e.g. transparent huge pages set to "always":
    # then there is nothing for the setting to save and nothing to compare)
    if plain <= 30 * 50:
        pytest.skip(f"this system does not fault freed blocks in again ({plain} faults without the setting)")
    assert kept < plain / 10


def test_training_keeps_freed_blocks(monkeypatch):
    import nnstudio.engine.trainer as trainer_module
    calls = []
    monkeypatch.setattr(trainer_module, "keep_freed_blocks", lambda: calls.append(1) or True)
    x = rng(2).random((4, 120)).astype(np.float32)
    trainer = Trainer(big_first_layer_net(), make_optimizer(OptimizerSpec(name="sgd", lr=0.1)),
                      TrainingSpec(batch_size=2, epochs=1, seed=0), x, labels(4, 5))
    list(trainer.run())
    assert calls == [1]


@pytest.mark.parametrize("shape", [(1, 10), (31, 10), (32, 10), (1000, 3), (40, 33), (2, 5, 7)])
def test_row_max_is_the_maximum_of_each_row(shape):
    from nnstudio.engine.activations import row_max
    u = rng(9).standard_normal(shape).astype(np.float32)
    u.flat[-1] = np.nan                          # NaN wins its row on both paths
    got = row_max(u)
    np.testing.assert_array_equal(got, u.max(axis=-1, keepdims=True))
    assert got.shape == shape[:-1] + (1,)


def test_max_pooling_with_more_than_256_window_elements_finds_the_late_maximum():
    from nnstudio.engine.layers.pool import Pool
    from nnstudio.engine.spec import PoolSpec
    x = np.zeros((1, 1, 17, 17))
    x[0, 0, 16, 16] = 5.0                       # element 288 of the single 17×17 window
    pool = Pool(PoolSpec(size=17), 0, "pool_1")
    assert pool.forward(x, train=True)[0, 0, 0, 0] == 5.0
    dx = pool.backward(np.ones((1, 1, 1, 1)))
    assert dx[0, 0, 16, 16] == 1.0 and dx.sum() == 1.0


def test_keeping_freed_blocks_is_a_no_op_off_linux(monkeypatch):
    import nnstudio.engine.memory as memory
    monkeypatch.setattr(memory.sys, "platform", "darwin")
    assert memory._mallopt(memory._M_MMAP_THRESHOLD, memory.MMAP_THRESHOLD) is False


@pytest.mark.parametrize("reg", [{"weight_decay": 0.1}, {"l1": 0.01}, {"weight_decay": 0.1, "l1": 0.01}])
def test_snapshots_keep_the_data_gradients_norm_beside_the_regularized_one(reg):
    """With weight decay or L1, grad_norms measure the gradient the optimizer applies (data part
    plus λW / λ₁ sign W); data_grad_norms the data loss's own ∂L/∂W, which is what a learner
    judging vanishing gradients needs. Biases carry no penalty: the same value in both."""
    x = rng(2).random((6, 120)).astype(np.float32)
    t = labels(6, 5)
    trainer = Trainer(big_first_layer_net(**reg), make_optimizer(OptimizerSpec(name="sgd", lr=0.1)),
                      TrainingSpec(batch_size=3, epochs=1, seed=0), x, t)
    for snap in trainer.run():
        assert set(snap.data_grad_norms) == set(snap.grad_norms)
        for k in ("dense_1.b", "dense_2.b"):
            assert snap.data_grad_norms[k] == snap.grad_norms[k]
        for k in ("dense_1.W", "dense_2.W"):
            assert snap.data_grad_norms[k] != pytest.approx(snap.grad_norms[k], rel=1e-3)


def test_data_gradient_norms_are_those_of_the_unpenalized_loss():
    x, t = rng(3).random((4, 120)), labels(4, 5)
    penalized, plain = big_first_layer_net("float64", weight_decay=0.1), big_first_layer_net("float64")
    penalized.loss(x, t)
    penalized.backward()
    plain.loss(x, t)
    plain.backward()
    for k, g in plain.gradients().items():
        if k.endswith(".W"):
            assert penalized.data_grad_norms[k] == pytest.approx(direct_norm(g), rel=1e-12)
    assert big_first_layer_net("float64").data_grad_norms == {}
    trainer = Trainer(big_first_layer_net("float64"), make_optimizer(OptimizerSpec(name="sgd", lr=0.1)),
                      TrainingSpec(batch_size=2, epochs=1), x, t)
    assert all(s.data_grad_norms is None for s in trainer.run())     # no penalty: grad_norms it is
