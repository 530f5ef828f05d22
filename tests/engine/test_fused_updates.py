"""Dense weight gradients left as their factors xᵀ·δ and applied by SGD in one BLAS call
(Layer.products, Network.backward(defer_products=True), Optimizer.update_product): the same
gradients, the same norms and, up to the last rounding, the same weights as the plain way."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from nnstudio.engine.layers.base import product_norm
from nnstudio.engine.optimizers import RULES, make_optimizer
from nnstudio.engine.products import Factors
from nnstudio.engine.spec import OptimizerSpec, TrainingSpec
from nnstudio.engine.trainer import SMALL_BATCH, Trainer

from engine_helpers import assert_one_rounding_apart, dense, labels, make_net, rng


def big_net(dtype="float64", **kw):
    # 120×64 = 7680 weights (deferred: ≥ Dense.FACTORED_NORM_MIN); 64×5 = 320 (multiplied out)
    return make_net([dense(64), dense(5, "softmax")], (120,), "cross_entropy", dtype=dtype, **kw)


def direct_norm(a) -> float:
    return float(np.linalg.norm(np.asarray(a, dtype=np.float64)))


@pytest.mark.parametrize("n", [1, 2, 7, 32])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_product_norm_is_the_norm_of_the_product(n, dtype):
    """float64 to 1e-12; float32 (Gram matrices in float32 where their sum does not cancel) at
    least as close as the norm of the product multiplied out in float32, or within 1e-7."""
    a = rng(1).standard_normal((n, 50)).astype(dtype)
    b = rng(2).standard_normal((n, 30)).astype(dtype)
    expected = direct_norm(np.dot(a.T.astype(np.float64), b.astype(np.float64)))
    if dtype == np.float64 or n == 1:
        assert product_norm(a, b) == pytest.approx(expected, rel=1e-12)
    else:
        error = abs(product_norm(a, b) - expected)
        assert error <= max(abs(direct_norm(np.dot(a.T, b)) - expected), 1e-7 * expected)


@pytest.mark.parametrize("cancel", [1e-1, 1e-3, 1e-4])
def test_float32_factors_whose_samples_cancel_keep_the_norm(cancel, monkeypatch):
    """float32 Gram matrices keep ≈ 1e-7 of the terms: two samples pulling almost opposite ways
    gave 0.057 for 0.058 (cancel 1e-3) and 0 for 0.0058 (1e-4). Such sums are taken again in
    float64; sums that do not cancel stay in float32."""
    from nnstudio.engine.layers import base
    grams = []
    real = base._gram
    monkeypatch.setattr(base, "_gram", lambda m: grams.append(m.dtype) or real(m))
    r = rng(4)
    a1, b1 = r.standard_normal(64).astype(np.float32), r.standard_normal(64).astype(np.float32)
    a = np.stack([a1, a1])
    b = np.stack([b1, -b1 * np.float32(1 - cancel)])
    exact = direct_norm(a.astype(np.float64).T @ b.astype(np.float64))
    assert product_norm(a, b) == pytest.approx(exact, rel=1e-6)
    assert grams == [np.float32] * 2 + [np.float64] * 2
    grams.clear()
    x = r.random((10, 300)).astype(np.float32)            # pixels and the δ of a batch: no cancelling
    d = r.standard_normal((10, 40)).astype(np.float32)
    exact = direct_norm(x.astype(np.float64).T @ d.astype(np.float64))
    assert product_norm(x, d) == pytest.approx(exact, rel=1e-6)
    assert grams == [np.float32] * 2


def test_product_norm_of_cancelling_rows_is_small():
    """Two samples pulling in opposite directions: the Gram sum cancels exactly here."""
    a = np.ones((2, 40))
    b = np.array([[1.0, -2.0, 3.0], [-1.0, 2.0, -3.0]])
    assert product_norm(a, b) == 0.0


def test_product_norm_of_nearly_cancelling_rows_never_goes_below_zero():
    """Nearly opposite samples: the float64 Gram sum can round to just below zero (about one
    pair in two, measured); that is a norm of zero, not a math domain error."""
    r = rng(9)
    below = 0
    for _ in range(200):
        a1, b1 = r.standard_normal(30), r.standard_normal(20)
        a = np.stack([a1, a1 * (1 + 1e-9)])
        b = np.stack([b1, -b1 * (1 + 1e-12)])
        raw = float(np.vdot(a @ a.T, b @ b.T))
        below += raw < 0
        n = product_norm(a, b)
        assert 0.0 <= n <= 1e-6 * np.linalg.norm(a1) * np.linalg.norm(b1)
    assert below > 0          # the case the guard is for did occur


@pytest.mark.parametrize("n", [1, 4])
def test_deferred_backward_keeps_the_factors_and_gradients_multiplies_them_out(n):
    x, t = rng(3).random((n, 120)), labels(n, 5)
    plain, deferred = big_net(), big_net()
    plain.loss(x, t)
    plain.backward()
    deferred.loss(x, t)
    deferred.backward(defer_products=True)
    big, small = deferred.layers
    assert set(big.products) == {"W"} and "W" not in big.grads and "b" in big.grads
    assert small.products == {} and "W" in small.grads      # too small to pay
    xs, ds, rows = big.products["W"]
    np.testing.assert_array_equal(xs, x)
    assert rows is None                # 64 units: below TRIM_MIN_UNITS, the columns are never searched
    expected = plain.gradients()
    got = deferred.gradients()
    assert list(got) == list(expected) == list(deferred.parameters())
    for k in expected:
        np.testing.assert_array_equal(got[k], expected[k])
    assert big.gradient_norm("W") == pytest.approx(direct_norm(expected["dense_1.W"]), rel=1e-12)
    # a plain pass afterwards leaves no factors behind, and the gradients in parameters() order
    deferred.loss(x, t)
    deferred.backward()
    assert big.products == {} and list(big.grads) == ["W", "b"]
    assert list(deferred.gradients()) == list(deferred.parameters())


def test_a_traced_step_after_deferred_steps_shows_every_gradient_in_order():
    trainer = run_pair(2)[0]
    gen = trainer.run()
    next(gen)
    assert trainer.network.layers[0].products
    trace = trainer.traced_step(rng(8).random((2, 120)), labels(2, 5))
    keys = [k for k in trace.arrays() if k.startswith("grad/")]
    assert keys == ["grad/0/W", "grad/0/b", "grad/1/W", "grad/1/b"]
    assert not trainer.network.layers[0].products
    gen.close()


@pytest.mark.parametrize("reg", [{"weight_decay": 0.1}, {"l1": 0.01}])
def test_regularized_networks_do_not_defer(reg):
    """Weight decay and L1 add to the matrix ∂E/∂W, so it must exist."""
    net = big_net(**reg)
    net.loss(rng(3).random((1, 120)), labels(1, 5))
    net.backward(defer_products=True)
    assert all(not l.products for l in net.layers)


def test_a_recorded_backward_does_not_defer():
    net = big_net()
    seen = []
    net.loss(rng(3).random((1, 120)), labels(1, 5))
    net.backward(rec=lambda *a, **k: seen.append(k), defer_products=True)
    assert all(not l.products for l in net.layers)
    assert any("dW" in k for k in seen)


@pytest.mark.parametrize("n", [1, 6])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sgd_applies_the_product_in_place_one_rounding_from_the_plain_step(n, dtype):
    a = rng(4).standard_normal((n, 90)).astype(dtype)
    b = rng(5).standard_normal((n, 70)).astype(dtype)
    w = rng(6).standard_normal((90, 70)).astype(dtype)
    before = w.copy()
    opt = make_optimizer(OptimizerSpec(name="sgd", lr=0.05))
    assert opt.prepare_products()
    opt.begin_step()
    opt.update_product("W", w, Factors(a, b))                  # in place: w is the network's live array
    step = 0.05 * np.dot(a.T, b)
    plain = before.copy()
    make_optimizer(OptimizerSpec(name="sgd", lr=0.05)).update("W", plain, np.dot(a.T, b))
    assert_one_rounding_apart(w, plain, before, step)
    # the same inputs give the same bits every time
    again = before.copy()
    opt.update_product("W", again, Factors(a, b))
    np.testing.assert_array_equal(again, w)


def test_sgd_product_on_a_non_contiguous_matrix_takes_the_plain_step():
    a, b = rng(4).standard_normal((3, 40)), rng(5).standard_normal((3, 30))
    base = rng(6).standard_normal((30, 40))
    w = base.T                                   # a transposed view: not one row-major block
    expected = base.T.copy()
    make_optimizer(OptimizerSpec(name="sgd", lr=0.1)).update("W", expected, np.dot(a.T, b))
    make_optimizer(OptimizerSpec(name="sgd", lr=0.1)).update_product("W", w, Factors(a, b))
    np.testing.assert_array_equal(w, expected)
    np.testing.assert_array_equal(base.T, expected)      # updated where it lives


def test_sgd_product_on_an_unaligned_matrix_still_updates_it():
    a, b = rng(4).standard_normal((3, 40)).astype(np.float32), rng(5).standard_normal((3, 30)).astype(np.float32)
    raw = np.zeros(40 * 30 * 4 + 1, dtype=np.uint8)[1:]
    w = raw.view(np.float32).reshape(40, 30)
    assert not w.flags.aligned and w.flags.c_contiguous
    w[...] = rng(6).standard_normal((40, 30))
    expected = w.copy()
    make_optimizer(OptimizerSpec(name="sgd", lr=0.1)).update("W", expected, np.dot(a.T, b))
    make_optimizer(OptimizerSpec(name="sgd", lr=0.1)).update_product("W", w, Factors(a, b))
    np.testing.assert_array_equal(w, expected)


def test_sgd_product_brings_a_copied_result_back_into_the_matrix(monkeypatch):
    """Should the BLAS wrapper ever have to copy W (it writes into the copy and returns it), the
    update must still land in W."""
    from nnstudio.engine import optimizers
    real = optimizers._gemm_kernels()[np.dtype(np.float64)]

    def copying_gemm(*args, **kw):
        kw["overwrite_c"] = 0
        kw["c"] = np.array(kw["c"], order="F")      # a private copy, as f2py makes one
        return real(*args, **kw)
    monkeypatch.setattr(optimizers, "_gemm_kernels", lambda: {np.dtype(np.float64): copying_gemm})
    a, b = rng(4).standard_normal((3, 40)), rng(5).standard_normal((3, 30))
    w = rng(6).standard_normal((40, 30))
    before = w.copy()
    make_optimizer(OptimizerSpec(name="sgd", lr=0.1)).update_product("W", w, Factors(a, b))
    assert_one_rounding_apart(w, before - 0.1 * np.dot(a.T, b), before, 0.1 * np.dot(a.T, b))


@pytest.mark.parametrize("name", [r for r in RULES if r != "sgd"])
def test_other_rules_multiply_the_product_out_and_step_as_usual(name):
    a, b = rng(4).standard_normal((3, 40)), rng(5).standard_normal((3, 30))
    w, twin = rng(6).standard_normal((40, 30)), None
    twin = w.copy()
    fused, plain = (make_optimizer(OptimizerSpec(name=name, lr=0.1)) for _ in range(2))
    assert not fused.prepare_products()
    for _ in range(3):
        fused.begin_step()
        plain.begin_step()
        fused.update_product("W", w, Factors(a, b))
        plain.update("W", twin, np.dot(a.T, b))
    np.testing.assert_array_equal(w, twin)


def run_pair(batch_size, name="sgd", n=24):
    """The trainer and a twin network stepped the textbook way on the same batches."""
    x = rng(7).random((n, 120))
    t = labels(n, 5)
    trainer = Trainer(big_net(), make_optimizer(OptimizerSpec(name=name, lr=0.1)),
                      TrainingSpec(batch_size=batch_size, epochs=1, seed=0), x, t)
    twin = big_net()
    opt = make_optimizer(OptimizerSpec(name=name, lr=0.1))
    order = np.random.default_rng(np.random.SeedSequence(0).spawn(3)[2]).permutation(n)
    return trainer, twin, opt, x, t, order


@pytest.mark.parametrize("batch_size", [1, 3])
def test_trainer_with_sgd_defers_small_batches_and_matches_the_textbook_step(batch_size):
    trainer, twin, opt, x, t, order = run_pair(batch_size)
    big = trainer.network.layers[0]
    for step, snap in enumerate(trainer.run()):
        assert set(big.products) == {"W"}
        idx = order[step * batch_size:(step + 1) * batch_size]
        twin.loss(x[idx], t[idx])
        twin.backward()
        grads = twin.gradients()
        assert dict(snap.grad_norms) == pytest.approx({k: direct_norm(g) for k, g in grads.items()}, rel=1e-12)
        before = {k: w.copy() for k, w in twin.parameters().items()}
        opt.step(twin.parameters(), grads)
        for k, w in twin.parameters().items():
            got = trainer.network.parameters()[k]
            if k == "dense_1.W":
                assert_one_rounding_apart(got, w, before[k], 0.1 * grads[k])
            else:
                np.testing.assert_array_equal(got, w)
            assert snap.weight_norms[k] == pytest.approx(direct_norm(got), rel=1e-12)
            got[...] = w       # go on from the same weights


def test_same_seed_same_bits_with_fused_updates():
    runs = []
    for _ in range(2):
        trainer = run_pair(2)[0]
        list(trainer.run())
        runs.append(trainer.network.state_dict())
    for k in runs[0]:
        np.testing.assert_array_equal(runs[0][k], runs[1][k])


@pytest.mark.parametrize("batch_size,name", [(SMALL_BATCH + 1, "sgd"), (2, "momentum")])
def test_large_batches_and_other_rules_step_as_the_textbook(batch_size, name):
    """No factors. SGD moves the large W (7680 entries) in one BLAS axpy, one rounding from the
    textbook's two (blas.axpy); the small arrays, and other rules, exactly as the textbook."""
    trainer, twin, opt, x, t, order = run_pair(batch_size, name, n=2 * (SMALL_BATCH + 1))
    for step, snap in enumerate(trainer.run()):
        assert not trainer.network.layers[0].products
        idx = order[step * batch_size:(step + 1) * batch_size]
        twin.loss(x[idx], t[idx])
        twin.backward()
        grads = twin.gradients()
        before = {k: w.copy() for k, w in twin.parameters().items()}
        opt.step(twin.parameters(), grads)
        for k, w in twin.parameters().items():
            got = trainer.network.parameters()[k]
            if name == "sgd" and k == "dense_1.W":
                assert_one_rounding_apart(got, w, before[k], 0.1 * grads[k])
            else:
                np.testing.assert_array_equal(got, w)
            got[...] = w       # go on from the same weights


THREADS_CHILD = """
import json, numpy as np
from threadpoolctl import threadpool_info
from nnstudio.engine.network import Network
from nnstudio.engine.optimizers import make_optimizer
from nnstudio.engine.spec import NetworkSpec, OptimizerSpec, TrainingSpec
from nnstudio.engine.trainer import Trainer
import sys
assert "scipy.linalg" not in sys.modules
spec = NetworkSpec.from_dict({"input_shape": [120], "loss": "cross_entropy", "layers": [
    {"type": "dense", "units": 64, "activation": "relu"}, {"type": "dense", "units": 5, "activation": "softmax"}]})
x = np.random.default_rng(0).random((8, 120)); t = np.arange(8) % 5
trainer = Trainer(Network(spec, dtype="float64"), make_optimizer(OptimizerSpec(name="sgd", lr=0.1)),
                  TrainingSpec(batch_size=1, epochs=1), x, t)
gen = trainer.run()
next(gen)
inside = [(i["filepath"], i["num_threads"]) for i in threadpool_info() if i["user_api"] == "blas"]
print(json.dumps({"deferred": bool(trainer.network.layers[0].products), "inside": inside}))
"""


def test_the_one_thread_limit_covers_the_fused_update_blas():
    """SciPy brings its own BLAS; it must be loaded before the trainer limits the threads, or
    its gemm would run with every core while the rest of a small-batch step runs on one. In a
    fresh interpreter: in this one, earlier tests have loaded SciPy already."""
    out = subprocess.run([sys.executable, "-c", THREADS_CHILD], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["deferred"]
    libs = seen["inside"]
    assert any("scipy" in path and "numpy" not in path for path, _ in libs), libs
    assert all(n == 1 for _, n in libs), libs


def test_weights_loaded_in_column_major_order_are_stored_row_major():
    """A transposed weight from elsewhere (an F-ordered array) is stored row-major, so SGD's
    gemm adds into it in place instead of falling back."""
    net = big_net()
    state = {k: np.asfortranarray(v) for k, v in net.state_dict().items()}
    assert not state["dense_1.W"].flags.c_contiguous
    net.load_state_dict(state)
    assert all(w.flags.c_contiguous for w in net.parameters().values())


# conv → pool → flatten → dense, dropout and batchnorm before a deferred dense layer
ARCHITECTURES = {
    "mlp": ([dense(64), dense(80), dense(5, "softmax")], (120,)),
    "conv": ([{"type": "conv2d", "filters": 4, "kernel": 3, "activation": "relu"},
              {"type": "maxpool", "size": 2, "stride": 2}, {"type": "flatten"},
              dense(64), dense(5, "softmax")], (1, 12, 12)),
    "dropout": ([dense(64), {"type": "dropout", "ratio": 0.3}, dense(80), dense(5, "softmax")], (120,)),
    "batchnorm": ([dense(64), {"type": "batchnorm"}, dense(80), dense(5, "softmax")], (120,)),
}


@pytest.mark.parametrize("arch", sorted(ARCHITECTURES))
@pytest.mark.parametrize("batch_size", [1, 2, SMALL_BATCH, SMALL_BATCH + 1])
def test_deferred_training_steps_like_the_plain_way(arch, batch_size):
    """Step by step beside the same trainer with deferral switched off (70 samples: the last
    batch of each epoch is short): the same gradient norms, weights one rounding apart (then
    made equal, so rounding never accumulates), and deferral exactly where it applies."""
    layers, shape = ARCHITECTURES[arch]
    x = rng(10).random((70,) + shape)
    t = labels(70, 5)

    def trainer():
        net = make_net(layers, shape, "cross_entropy")
        return Trainer(net, make_optimizer(OptimizerSpec(name="sgd", lr=0.1)),
                       TrainingSpec(batch_size=batch_size, epochs=2, seed=3), x, t)
    fused, plain = trainer(), trainer()
    plain.optimizer.prepare_products = lambda: False
    deferring = [l for l in fused.network.layers if l.kind == "dense" and l.params["W"].size >= 4096]
    assert deferring
    steps = 0
    for a, b in zip(fused.run(), plain.run()):
        steps += 1
        assert all(bool(l.products) == (batch_size <= SMALL_BATCH) for l in deferring)
        assert not any(l.products for l in plain.network.layers)
        assert dict(a.grad_norms) == pytest.approx(dict(b.grad_norms), rel=1e-9)
        assert a.loss == pytest.approx(b.loss, rel=1e-12)
        want = plain.network.parameters()
        for k, w in fused.network.parameters().items():
            np.testing.assert_allclose(w, want[k], rtol=0, atol=1e-13 * (1 + np.abs(want[k]).max()))
            w[...] = want[k]
    assert steps == 2 * -(-70 // batch_size)
