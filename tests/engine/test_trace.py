"""One training step recorded as data, and its .npz (DESIGN.md "Step-through as data")."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.engine.gradcheck import gradient_check
from nnstudio.engine.io import load_npz
from nnstudio.engine.optimizers import make_optimizer
from nnstudio.engine.recording import Phase
from nnstudio.engine.spec import OptimizerSpec, TrainingSpec
from nnstudio.engine.trace import record_step, save_trace
from nnstudio.engine.trainer import Trainer

from engine_helpers import conv, dense, labels, make_net, rng

ORDER = [Phase.FORWARD, Phase.LOSS, Phase.BACKWARD, Phase.UPDATE]
MLP = [dense(5, "relu"), dense(3, "softmax")]
CNN = [conv(2, 3, "relu", pad=1), {"type": "maxpool", "size": 2}, {"type": "flatten"},
       dense(4, "sigmoid"), {"type": "dropout", "ratio": 0.5}, {"type": "batchnorm"}, dense(3, "softmax")]


def traced(layers=MLP, shape=(4,), loss="cross_entropy", lr=0.1, seed=0, **kw):
    net = make_net(layers, shape, loss, seed=seed, **kw)
    x = rng(1).normal(size=(6,) + shape)
    t = labels(6, 3, seed=2)
    before = {k: v.copy() for k, v in net.parameters().items()}
    trace = record_step(net, make_optimizer(OptimizerSpec(name="sgd", lr=lr)), x, t)
    return net, x, t, before, trace


@pytest.mark.parametrize("layers,shape", [(MLP, (4,)), (CNN, (1, 4, 4))], ids=["mlp", "cnn"])
def test_events_in_phase_order_with_formula_and_code(layers, shape):
    net, _, _, _, trace = traced(layers, shape)
    phases = [e.phase for e in trace]
    assert phases == sorted(phases, key=ORDER.index)
    assert set(phases) == set(ORDER)
    for e in trace:
        assert e.formula.strip() and e.code.strip(), e.op
        for name, a in e.tensors.items():
            assert not a.flags.writeable, (e.op, name)
        if e.layer is not None:
            assert e.layer_name == net.layers[e.layer].name
    assert trace.phase_start(Phase.LOSS) < trace.phase_start(Phase.BACKWARD) < trace.phase_start(Phase.UPDATE)
    # one update event per parameter
    updates = [e for e in trace if e.phase == Phase.UPDATE]
    assert len(updates) == len(net.parameters())


def test_cnn_trace_names_its_operations():
    _, _, _, _, trace = traced(CNN, (1, 4, 4))
    ops = [e.op for e in trace]
    for op in ("input", "im2col", "conv", "relu", "maxpool", "flatten", "affine", "sigmoid", "dropout", "batchnorm",
               "softmax", "softmax_cross_entropy", "softmax_cross_entropy_backward", "batchnorm_backward",
               "dropout_backward", "maxpool_backward", "col2im", "conv_backward", "update"):
        assert op in ops, op


def test_tensors_equal_an_independent_recomputation():
    net, x, t, before, trace = traced()
    W1, b1, W2, b2 = (before[k] for k in ("dense_1.W", "dense_1.b", "dense_2.W", "dense_2.b"))
    u1 = x @ W1 + b1
    z1 = np.maximum(u1, 0)
    u2 = z1 @ W2 + b2
    y = np.exp(u2) / np.exp(u2).sum(axis=1, keepdims=True)
    T = np.eye(3)[t]
    loss = -np.mean(np.log(y[np.arange(6), t]))
    du2 = (y - T) / 6
    dz1 = du2 @ W2.T
    du1 = dz1 * (u1 > 0)
    ev = {(e.layer, e.op): e.tensors for e in trace}
    np.testing.assert_allclose(ev[(0, "affine")]["u"], u1, rtol=1e-12)
    np.testing.assert_array_equal(ev[(0, "affine")]["W"], W1)
    np.testing.assert_allclose(ev[(0, "relu")]["z"], z1, rtol=1e-12)
    np.testing.assert_allclose(ev[(1, "softmax")]["z"], y, rtol=1e-12)
    assert float(ev[(1, "softmax_cross_entropy")]["loss"]) == pytest.approx(loss, rel=1e-12)
    assert trace.loss == pytest.approx(loss, rel=1e-12)
    np.testing.assert_allclose(ev[(1, "softmax_cross_entropy_backward")]["du"], du2, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(ev[(1, "affine_backward")]["dW"], z1.T @ du2, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(ev[(1, "affine_backward")]["dx"], dz1, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(ev[(0, "relu_backward")]["du"], du1, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(ev[(0, "affine_backward")]["dW"], x.T @ du1, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(ev[(0, "affine_backward")]["db"], du1.sum(axis=0), rtol=1e-12, atol=1e-15)


def expected_keys(net):
    keys = {"input", "target", "loss"}
    for i, layer in enumerate(net.layers):
        for name in layer.params:
            keys |= {f"param/{i}/{name}", f"grad/{i}/{name}", f"updated/{i}/{name}"}
        keys |= {f"forward/{i}/out", f"backward/{i}/dx"}
        if layer.kind in ("dense", "conv2d", "batchnorm"):
            keys.add(f"forward/{i}/pre")
    return keys


@pytest.mark.parametrize("layers,shape", [(MLP, (4,)), (CNN, (1, 4, 4))], ids=["mlp", "cnn"])
def test_arrays_have_exactly_the_design_keys(layers, shape):
    net, x, t, before, trace = traced(layers, shape, weight_decay=0.01)
    arrays = trace.arrays()
    extra = set(arrays) - expected_keys(net)
    assert expected_keys(net) <= set(arrays)
    assert extra <= {"layer_names"}
    if "layer_names" in arrays:
        assert list(arrays["layer_names"]) == [l.name for l in net.layers]
    np.testing.assert_array_equal(arrays["input"], x)
    np.testing.assert_array_equal(arrays["target"], t)
    for i, layer in enumerate(net.layers):
        np.testing.assert_array_equal(arrays[f"forward/{i}/out"], layer.out)
        for name in layer.params:
            np.testing.assert_array_equal(arrays[f"param/{i}/{name}"], before[f"{layer.name}.{name}"])


def test_grads_match_the_gradient_check_and_update_is_sgd():
    lr = 0.25
    layers = [dense(5, "tanh"), {"type": "batchnorm", "activation": "relu"}, dense(3, "softmax")]
    reference = make_net(layers, (4,), "cross_entropy", seed=3, weight_decay=0.05)
    x = rng(1).normal(size=(6, 4))
    t = labels(6, 3, seed=2)
    report = gradient_check(reference, x, t, h=1e-5).by_name()
    net, x2, _, before, trace = traced(layers, lr=lr, seed=3, weight_decay=0.05)
    np.testing.assert_array_equal(x, x2)
    arrays = trace.arrays()
    for i, layer in enumerate(net.layers):
        for name in layer.params:
            q = f"{layer.name}.{name}"
            grad = arrays[f"grad/{i}/{name}"]
            np.testing.assert_allclose(grad.ravel(), report[q].backprop, rtol=1e-12, atol=1e-15)
            np.testing.assert_allclose(grad.ravel(), report[q].numerical, rtol=1e-5, atol=1e-9)  # regularization in
            np.testing.assert_allclose(arrays[f"updated/{i}/{name}"], before[q] - lr * grad, rtol=1e-14, atol=1e-16)
            # the network continues from the updated weights
            np.testing.assert_array_equal(net.parameters()[q], arrays[f"updated/{i}/{name}"])


def test_backward_dx_is_the_gradient_with_respect_to_each_layer_input():
    net, x, t, before, trace = traced()
    arrays = trace.arrays()
    # the input of layer 1 is layer 0's output: nudge it and watch the loss
    z1 = arrays["forward/0/out"]
    W2, b2 = before["dense_2.W"], before["dense_2.b"]

    def loss_of(z):
        u = z @ W2 + b2
        u = u - u.max(axis=1, keepdims=True)
        return -np.mean(u[np.arange(6), t] - np.log(np.exp(u).sum(axis=1)))

    h = 1e-6
    num = np.zeros_like(z1)
    for idx in np.ndindex(z1.shape):
        zp, zm = z1.copy(), z1.copy()
        zp[idx] += h
        zm[idx] -= h
        num[idx] = (loss_of(zp) - loss_of(zm)) / (2 * h)
    np.testing.assert_allclose(arrays["backward/1/dx"], num, rtol=1e-6, atol=1e-10)


def test_save_trace_writes_a_pickle_free_npz(tmp_path):
    _, _, _, _, trace = traced(CNN, (1, 4, 4))
    path = tmp_path / "trace.npz"
    save_trace(trace, path)
    with np.load(path, allow_pickle=False) as data:
        assert set(data.files) == set(trace.arrays())
        for k, v in trace.arrays().items():
            np.testing.assert_array_equal(data[k], v)
    assert set(load_npz(path)) == set(trace.arrays())
    assert [p.name for p in tmp_path.iterdir()] == ["trace.npz"]   # no temporary left behind


def test_trace_float32_stays_float32():
    _, _, _, _, trace = traced(dtype="float32")
    arrays = trace.arrays()
    assert arrays["input"].dtype == np.float32 and arrays["grad/0/W"].dtype == np.float32


def test_trainer_traced_step_counts_as_a_step():
    net = make_net(MLP, (4,), "cross_entropy")
    x, t = rng(1).normal(size=(10, 4)), labels(10, 3)
    trainer = Trainer(net, make_optimizer(OptimizerSpec(name="momentum", lr=0.1)),
                      TrainingSpec(batch_size=5, epochs=1, dtype="float64"), x, t)
    trace = trainer.traced_step(x[:5], t[:5])
    assert trainer.iteration == 1 and trainer.samples == 5
    np.testing.assert_array_equal(net.parameters()["dense_1.W"], trace.arrays()["updated/0/W"])
    update = [e for e in trace if e.phase == Phase.UPDATE and "dense_1.W" in e.note][0]
    assert "v" in update.tensors   # the optimizer's state is shown with the update

    # reported as an update of its own, beside the planned ones: the run still ends at 100 %
    snap = trainer.last_snapshot
    assert (snap.iteration, snap.total_iterations, snap.epoch, snap.end_epoch) == (1, 3, 1, 1)
    assert trainer.total_iterations == 3 and snap.paused and not snap.epoch_end
    assert snap.loss == trace.loss and snap.samples == 5
    np.testing.assert_array_equal(snap.weights["dense_1.W"], net.parameters()["dense_1.W"])
    assert not snap.weights["dense_1.W"].flags.writeable
    for name, w in net.parameters().items():
        assert snap.weight_norms[name] == pytest.approx(np.linalg.norm(w))
    assert snap.grad_norms["dense_1.W"] == pytest.approx(np.linalg.norm(trace.arrays()["grad/0/W"]))
    snaps = list(trainer.run())
    assert [s.iteration for s in snaps] == [2, 3] and snaps[-1].progress == 1.0
    # recorded after the last epoch: counted, still in the last epoch
    trainer.traced_step(x[:2], t[:2])
    last = trainer.last_snapshot
    assert (last.iteration, last.total_iterations, last.epoch, last.end_epoch) == (4, 4, 1, 1)
    assert last.step_in_epoch == snaps[-1].step_in_epoch == 2     # where the run ended, not a new start


def test_a_step_recorded_after_an_epochs_last_batch_falls_in_the_next_epoch_and_takes_time():
    net = make_net(MLP, (4,), "cross_entropy")
    x, t = rng(1).normal(size=(10, 4)), labels(10, 3)
    trainer = Trainer(net, make_optimizer(OptimizerSpec(name="sgd", lr=0.1)),
                      TrainingSpec(batch_size=5, epochs=3, dtype="float64"), x, t)
    run = trainer.run()
    snaps = [next(run), next(run)]                 # epoch 1's two batches: parked after its end
    assert snaps[-1].epoch_end and snaps[-1].epoch == 1
    elapsed = trainer.elapsed
    trainer.traced_step(x[:5], t[:5])
    recorded = trainer.last_snapshot
    assert (recorded.epoch, recorded.step_in_epoch) == (2, 0)      # not still epoch 1
    assert recorded.elapsed > elapsed and recorded.samples == 15   # samples/s counts its time
    after = next(run)                              # epoch 2 goes on as planned
    assert (after.epoch, after.step_in_epoch, after.iteration) == (2, 1, 4)
    trainer.traced_step(x[:5], t[:5])
    assert (trainer.last_snapshot.epoch, trainer.last_snapshot.step_in_epoch) == (2, 1)
    run.close()


@pytest.mark.parametrize("last, loss", [("softmax", "cross_entropy"), ("sigmoid", "sse"), ("identity", "sse_sum")])
@pytest.mark.parametrize("as_labels", [True, False], ids=["labels", "one-hot"])
def test_the_loss_steps_numpy_lines_run_on_the_arrays_shown_give_the_arrays_shown(last, loss, as_labels):
    """`du = (y - t) / N` was shown beside t as class labels of shape (N,): run as written it
    subtracts the label values column by column. With labels the lines now turn them into the
    one-hot T first (shown too), or pick each sample's entry by its label."""
    net = make_net([dense(5, "relu"), dense(3, last)], (4,), loss)
    x = rng(1).normal(size=(6, 4))
    t = labels(6, 3, seed=2)
    if not as_labels:
        t = np.eye(3)[t]
    trace = record_step(net, make_optimizer(OptimizerSpec(name="sgd", lr=0.1)), x, t)
    steps = [e for e in trace if e.phase == Phase.LOSS and e.op != "regularization"] + \
        [e for e in trace if e.phase == Phase.BACKWARD][:1]
    assert len(steps) == 2
    for e in steps:
        assert ("T" in e.tensors) == as_labels
        if as_labels:
            np.testing.assert_array_equal(e.tensors["T"], np.eye(3)[t])
        space = {"np": np, "y": e.tensors["y"], "t": e.tensors["t"], "N": 6, "K": 3}
        exec(e.code, space)
        name = "loss" if e.phase == Phase.LOSS else next(k for k in ("du", "dy") if k in e.tensors)
        np.testing.assert_allclose(space[name], e.tensors[name], rtol=1e-5, atol=1e-6)
