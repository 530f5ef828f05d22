"""Training by numerical gradients (CURRICULUM §5, §10): the same updates as backprop, at the
cost of two forward passes per parameter entry, and a step that a Pause or Stop can cut short."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from nnstudio.engine.errors import SpecError
from nnstudio.engine.gradcheck import Interrupted
from nnstudio.engine.optimizers import make_optimizer
from nnstudio.engine.recording import Phase
from nnstudio.engine.spec import OptimizerSpec, TrainingSpec
from nnstudio.engine.trainer import Pause, Resume, Stop, Trainer

from engine_helpers import dense, make_net, rng

# a small net with every kind of state a training forward pass moves: batch norm's running
# statistics and dropout's random masks
LAYERS = [dense(6, "identity"), {"type": "batchnorm", "activation": "tanh"}, {"type": "dropout", "ratio": 0.3},
          dense(3, "softmax")]


def make_trainer(gradients, *, layers=LAYERS, weight_decay=0.0, epochs=2, opt="momentum"):
    net = make_net(layers, (4,), "cross_entropy", seed=3, weight_decay=weight_decay)
    x = rng(1).normal(size=(24, 4))
    t = np.arange(24) % 3
    spec = TrainingSpec(batch_size=6, epochs=epochs, seed=2, dtype="float64", weight_decay=weight_decay,
                        gradients=gradients)
    return Trainer(net, make_optimizer(OptimizerSpec(name=opt, lr=0.1)), spec, x, t, x[:6], t[:6])


def run_all(trainer):
    return list(trainer.run())


@pytest.mark.parametrize("weight_decay", [0.0, 0.01])
def test_numerical_training_follows_backprop(weight_decay):
    """float64, h = 1e-5: after 8 updates (batch norm, dropout, momentum, weight decay) the
    weights, losses and gradient norms agree with backprop's far below any visible digit."""
    back = make_trainer("backprop", weight_decay=weight_decay)
    num = make_trainer("numerical", weight_decay=weight_decay)
    sb, sn = run_all(back), run_all(num)
    assert len(sb) == len(sn) == 8
    for a, b in zip(sb, sn):
        assert b.loss == pytest.approx(a.loss, rel=1e-8)
        for k in a.grad_norms:
            assert b.grad_norms[k] == pytest.approx(a.grad_norms[k], rel=1e-6, abs=1e-9)
    assert (sn[-1].data_grad_norms is None) == (weight_decay == 0)
    for k, w in back.network.state_dict().items():
        np.testing.assert_allclose(num.network.state_dict()[k], w, rtol=1e-7, atol=1e-9)
    # the same test accuracy at the epoch ends (the same network, evaluated alike)
    assert sn[-1].test_accuracy == sb[-1].test_accuracy


def test_numerical_training_costs_two_forward_passes_per_entry():
    trainer = make_trainer("numerical", epochs=1)
    calls = []
    original = trainer.network.loss
    trainer.network.loss = lambda *a, **kw: calls.append(1) or original(*a, **kw)
    next(trainer.run())
    n_params = sum(p.size for p in trainer.network.parameters().values())
    # the step's own pass, two per entry, one to leave the layers' outputs unperturbed
    assert len(calls) == 1 + 2 * n_params + 1


def _interrupt_at(trainer, call, command):
    """Post ``command`` from inside the ``call``-th forward pass (in the middle of a numerical
    gradient); count the passes."""
    count = [0]
    original = trainer.network.loss

    def loss(*a, **kw):
        count[0] += 1
        if count[0] == call:
            trainer.post(command)
        return original(*a, **kw)

    trainer.network.loss = loss
    return count


def test_a_pause_within_a_numerical_step_undoes_it_and_the_run_goes_on_the_same():
    whole = make_trainer("numerical")
    expected = run_all(whole)
    cut = make_trainer("numerical")
    count = _interrupt_at(cut, 100, Pause())      # in the first update's gradient (128 passes)
    timer = threading.Timer(0.3, cut.post, [Resume()])
    timer.start()
    try:
        got = run_all(cut)
    finally:
        timer.cancel()
    per_step = 2 * sum(p.size for p in cut.network.parameters().values()) + 2
    assert count[0] > 8 * per_step                 # the cut step was done again
    assert [s.iteration for s in got] == [s.iteration for s in expected]
    assert [s.loss for s in got] == [s.loss for s in expected]
    for k, w in whole.network.state_dict().items():       # dropout masks and BN statistics too
        np.testing.assert_array_equal(cut.network.state_dict()[k], w)


def test_a_stop_within_a_numerical_step_leaves_the_network_as_the_last_update_left_it():
    reference = make_trainer("numerical")
    run = reference.run()
    next(run)
    after_one = reference.network.state_dict()
    run.close()
    per_step = 2 * sum(p.size for p in reference.network.parameters().values()) + 2
    cut = make_trainer("numerical")
    _interrupt_at(cut, per_step + 50, Stop())      # in the second update's gradient
    got = run_all(cut)
    assert [s.iteration for s in got] == [1]
    state = cut.network.state_dict()
    for k, w in after_one.items():                 # no entry left perturbed, statistics not moved
        np.testing.assert_array_equal(state[k], w)


def test_gradients_setting_in_the_project_file():
    assert "gradients" not in TrainingSpec().to_dict()         # files stay as they were
    spec = TrainingSpec.from_dict({"gradients": "numerical"})
    assert spec.gradients == "numerical" and spec.to_dict()["gradients"] == "numerical"
    with pytest.raises(SpecError) as e:
        TrainingSpec.from_dict({"gradients": "finite"})
    assert e.value.field == "training.gradients"
    assert "backprop" in str(e.value) and "numerical" in str(e.value)


def _traced(gradients, interrupted=None, weight_decay=0.01):
    trainer = make_trainer(gradients, weight_decay=weight_decay)
    x, t = trainer.x_train[:6], trainer.t_train[:6]
    return trainer, trainer.traced_step(x, t, interrupted=interrupted)


def test_a_traced_step_of_a_numerical_project_shows_and_applies_numerical_gradients():
    """The step-through of a project that trains by numerical gradients records what training
    does: one central-difference operation per parameter instead of backprop's chain (no ∂E/∂x
    passed down), and the update applies those gradients, as the run's own step would."""
    back_trainer, back = _traced("backprop")
    num_trainer, num = _traced("numerical")
    ops = [e.op for e in num if e.phase == Phase.BACKWARD]
    params = list(num_trainer.network.parameters())
    assert ops == ["numerical_gradient"] * len(params) + ["regularization_backward"] * 2
    events = [e for e in num if e.op == "numerical_gradient"]
    assert [e.note for e in events] == params
    for e in events:
        (k, w), (dk, g) = e.tensors.items()
        assert e.note == f"{e.layer_name}.{k}" and dk == "d" + k and g.shape == w.shape
        assert e.formula.endswith("/ 2h,  h = 1e-05")
        assert e.code == f"d{k} = numerical_gradient(lambda: data_loss(x, t), {k}, h=1e-05)"
    assert "∂E/∂γ ≈ (E(γ + h) − E(γ − h))" in events[2].formula and events[2].note == "batchnorm_1.gamma"
    assert all(d is None for d in num.dx) and any(d is not None for d in back.dx)
    assert num.loss == back.loss
    a, b = back.arrays(), num.arrays()
    for key in a:
        if key.startswith(("grad/", "updated/")):
            np.testing.assert_allclose(b[key], a[key], rtol=1e-6, atol=1e-9)   # the same math
    # what the network continues from is the numerical step's result, and it counts as a step
    for i, layer in enumerate(num_trainer.network.layers):
        for k, w in layer.params.items():
            np.testing.assert_array_equal(w, b[f"updated/{i}/{k}"])
    assert num_trainer.iteration == 1
    # the gradients are the central differences themselves, not backprop's (they differ in
    # the last digits)
    assert any(not np.array_equal(b[k], a[k]) for k in a if k.startswith("grad/"))


def test_a_traced_numerical_steps_time_leaves_out_the_callers_time_between_entries():
    """samples/s of a recorded numerical step counted the progress dialog's event processing."""
    import time
    looks = []
    trainer, _ = _traced("numerical", interrupted=lambda: looks.append(time.sleep(0.02)))
    assert len(looks) >= 5                  # the caller spent ≥ 0.1 s
    assert 0 < trainer.elapsed < 0.01 * len(looks)


def test_a_traced_numerical_step_that_is_interrupted_leaves_everything_as_it_was():
    trainer = make_trainer("numerical")
    before = trainer.network.state_dict()
    rng_state = trainer.network.noise_rng.bit_generator.state
    calls = []
    with pytest.raises(Interrupted):
        trainer.traced_step(trainer.x_train[:6], trainer.t_train[:6], interrupted=lambda: len(calls) > 3 or calls.append(1))
    assert len(calls) == 4 and trainer.iteration == 0
    for k, w in trainer.network.state_dict().items():      # weights and batch norm's statistics
        np.testing.assert_array_equal(w, before[k])
    assert trainer.network.noise_rng.bit_generator.state == rng_state   # the same masks next time
    # and the step recorded afterwards is the one an uninterrupted trainer records
    again = trainer.traced_step(trainer.x_train[:6], trainer.t_train[:6])
    _, fresh = _traced("numerical", weight_decay=0.0)
    for k, v in fresh.arrays().items():
        np.testing.assert_array_equal(again.arrays()[k], v)
