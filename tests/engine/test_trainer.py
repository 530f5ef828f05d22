"""The training generator: feeding the data, snapshots, commands and divergence."""

from __future__ import annotations

import queue
import threading
import time

import numpy as np
import pytest

from nnstudio.engine.errors import DivergenceError
from nnstudio.engine.optimizers import make_optimizer
from nnstudio.engine.spec import OptimizerSpec, TrainingSpec
from nnstudio.engine.trainer import (Pause, RequestDetail, Resume, SetLearningRate, Snapshot, Step, StepEpoch, Stop,
                                     Trainer)

from engine_helpers import dense, make_net, rng

TIMEOUT = 10.0   # generous: a failure must fail, never hang the suite


def make_trainer(n=30, batch_size=5, epochs=2, seed=0, lr=0.1, name="sgd", x=None, t=None, iterations=None,
                 **kw):
    net = make_net([dense(6, "tanh"), dense(3, "softmax")], (4,), "cross_entropy", seed=seed)
    x = rng(1).normal(size=(n, 4)) if x is None else x
    t = (np.arange(n) % 3) if t is None else t
    spec = TrainingSpec(batch_size=batch_size, epochs=epochs, seed=seed, dtype="float64", iterations=iterations)
    return Trainer(net, make_optimizer(OptimizerSpec(name=name, lr=lr)), spec, x, t, x[:6], t[:6], **kw)


def seen_batches(trainer):
    """Record which training rows each iteration used (rows are told apart by their first feature)."""
    batches = []
    original = trainer.network.loss

    def loss(x, t, **kw):
        batches.append(np.asarray(x)[:, 0].copy())
        return original(x, t, **kw)

    trainer.network.loss = loss
    return batches


# ------------------------------------------------------------------ feeding the data
@pytest.mark.parametrize("n,batch,steps", [(7, 1, 7), (100, 20, 5), (30, 30, 1), (30, 1000, 1), (10, 3, 4)])
def test_iterations_per_epoch(n, batch, steps):
    trainer = make_trainer(n=n, batch_size=batch, epochs=3)
    batches = seen_batches(trainer)
    snaps = list(trainer.run())
    assert len(snaps) == 3 * steps == trainer.total_iterations
    assert [s.iteration for s in snaps] == list(range(1, 3 * steps + 1))
    assert [s.epoch for s in snaps] == [e for e in (1, 2, 3) for _ in range(steps)]
    assert [s.step_in_epoch for s in snaps] == list(range(1, steps + 1)) * 3
    assert all(s.steps_per_epoch == steps for s in snaps)
    assert snaps[-1].samples == 3 * n and snaps[-1].progress == 1.0
    sizes = [len(b) for b in batches[:steps]]
    assert sum(sizes) == n and max(sizes) == min(batch, n)


def test_iris_mini_batches_are_5_updates_per_epoch():
    trainer = make_trainer(n=100, batch_size=20, epochs=1)
    assert trainer.steps_per_epoch == 5
    assert len(list(trainer.run())) == 5


def test_every_epoch_is_a_permutation_shuffled_by_seed():
    x = np.column_stack([np.arange(20.0), rng(2).normal(size=(20, 3))])
    orders = []
    for seed in (0, 0, 1):
        trainer = make_trainer(n=20, batch_size=4, epochs=3, seed=seed, x=x)
        batches = seen_batches(trainer)
        list(trainer.run())
        epochs = [np.concatenate(batches[i * 5:(i + 1) * 5]) for i in range(3)]
        for e in epochs:
            assert sorted(e) == list(range(20))
        orders.append(epochs)
    np.testing.assert_array_equal(orders[0], orders[1])             # same seed, same order
    assert not np.array_equal(orders[0][0], orders[0][1])            # reshuffled every epoch
    assert not np.array_equal(orders[0][0], np.arange(20))
    assert not np.array_equal(orders[0][0], orders[2][0])            # another seed, another order


def test_full_batch_uses_every_sample_every_step():
    x = np.column_stack([np.arange(12.0), rng(3).normal(size=(12, 3))])
    trainer = make_trainer(n=12, batch_size=12, epochs=2, x=x)
    batches = seen_batches(trainer)
    list(trainer.run())
    assert len(batches) == 2 and all(sorted(b) == list(range(12)) for b in batches)


def test_evaluation_only_at_epoch_ends():
    trainer = make_trainer(n=30, batch_size=10, epochs=2)
    snaps = list(trainer.run())
    for s in snaps:
        fields = (s.train_loss, s.train_accuracy, s.test_loss, s.test_accuracy)
        assert s.epoch_end == (s.step_in_epoch == 3)
        if s.epoch_end:
            assert all(v is not None for v in fields)
            assert 0 <= s.test_accuracy <= 1 and s.train_loss > 0
        else:
            assert all(v is None for v in fields)
    # the numbers are the network's own evaluation at that moment
    loss, acc = trainer.network.evaluate(trainer.x_test, trainer.t_test)
    assert snaps[-1].test_loss == pytest.approx(loss) and snaps[-1].test_accuracy == acc


def test_snapshot_norms_and_losses_are_real():
    trainer = make_trainer(n=10, batch_size=10, epochs=1, lr=0.5)
    before = {k: v.copy() for k, v in trainer.network.parameters().items()}
    (snap,) = list(trainer.run())
    after = trainer.network.parameters()
    for k in before:
        # plain SGD: W_after = W_before − lr·g, so ‖g‖ = ‖W_before − W_after‖ / lr
        assert snap.grad_norms[k] == pytest.approx(np.linalg.norm(before[k] - after[k]) / 0.5, rel=1e-9)
        assert snap.weight_norms[k] == pytest.approx(np.linalg.norm(after[k]), rel=1e-12)
    fresh = make_trainer(n=10, batch_size=10, epochs=1, lr=0.5)
    assert snap.loss == pytest.approx(fresh.network.loss(fresh.x_train, fresh.t_train), rel=1e-12)
    assert snap.loss == snap.data_loss and snap.lr == 0.5 and snap.elapsed > 0


@pytest.mark.parametrize("name", ["sgd", "momentum", "adam"])
def test_trainer_steps_match_the_textbook_loop_bit_for_bit(name):
    """The trainer updates one parameter at a time and takes the norms beside each update; the
    weights must be exactly those of loss → backward → optimizer.step over all gradients, and
    the norms those of separate passes."""
    trainer = make_trainer(n=12, batch_size=4, epochs=1, lr=0.1, name=name)
    twin = make_trainer(n=12, batch_size=4, epochs=1, lr=0.1, name=name)
    order = np.random.default_rng(np.random.SeedSequence(0).spawn(3)[2]).permutation(12)
    for step, snap in enumerate(trainer.run()):
        idx = order[step * 4:(step + 1) * 4]
        net = twin.network
        net.loss(twin.x_train[idx], twin.t_train[idx])
        net.backward()
        grads = net.gradients()
        expected_grad_norms = {k: float(np.linalg.norm(g)) for k, g in grads.items()}
        twin.optimizer.step(net.parameters(), grads)
        for k, w in net.parameters().items():
            assert np.array_equal(trainer.network.parameters()[k], w), (step, k)
            assert snap.weight_norms[k] == pytest.approx(np.linalg.norm(w), rel=1e-12)
        assert list(snap.weight_norms) == list(net.parameters())
        assert dict(snap.grad_norms) == pytest.approx(expected_grad_norms, rel=1e-12)


def test_snapshots_are_immutable():
    trainer = make_trainer(n=10, batch_size=5, epochs=1)
    snap = next(trainer.run())
    with pytest.raises(AttributeError):
        snap.loss = 0.0  # type: ignore[misc]
    with pytest.raises(TypeError):
        snap.grad_norms["dense_1.W"] = 0.0  # type: ignore[index]


# ------------------------------------------------------------------ commands
def record_lrs(trainer):
    """The learning rate at the start of each optimizer step (the trainer starts a step with
    begin_step, then updates the parameters one by one)."""
    used = []
    original = trainer.optimizer.begin_step

    def begin_step():
        used.append(trainer.optimizer.lr)
        return original()

    trainer.optimizer.begin_step = begin_step
    return used


def test_set_learning_rate_sent_takes_effect_at_the_next_step():
    trainer = make_trainer(n=20, batch_size=5, epochs=1, lr=0.1)
    used = record_lrs(trainer)
    gen = trainer.run()
    s1 = next(gen)
    s2 = gen.send(SetLearningRate(0.02))
    s3 = next(gen)
    assert (s1.lr, s2.lr, s3.lr) == (0.1, 0.02, 0.02)
    assert used == [0.1, 0.02, 0.02]


def test_set_learning_rate_posted_during_a_step_applies_to_the_next_one():
    trainer = make_trainer(n=20, batch_size=5, epochs=1, lr=0.1)
    used = record_lrs(trainer)
    inner = trainer.optimizer.begin_step

    def begin_and_post():
        inner()
        if len(used) == 2:                        # another thread posts while step 2 runs
            trainer.post(SetLearningRate(0.5))

    trainer.optimizer.begin_step = begin_and_post
    snaps = list(trainer.run())
    assert used == [0.1, 0.1, 0.5, 0.5]
    assert [s.lr for s in snaps] == used          # each snapshot reports the rate its step used


def test_bad_learning_rate_is_refused():
    trainer = make_trainer()
    gen = trainer.run()
    next(gen)
    with pytest.raises(ValueError):
        gen.send(SetLearningRate(float("nan")))


def test_stop_ends_the_generator():
    trainer = make_trainer(n=20, batch_size=5, epochs=3)
    gen = trainer.run()
    next(gen)
    trainer.post(Stop())
    assert list(gen) == []
    gen2 = make_trainer(n=20, batch_size=5, epochs=3).run()
    next(gen2)
    with pytest.raises(StopIteration):
        gen2.send(Stop())


def test_a_stop_ends_an_epoch_end_evaluation_between_its_batches():
    """A deep CNN takes minutes to evaluate MNIST's training set: a Stop posted meanwhile ends
    it after the batch in hand (evaluation batches of 1000), the snapshot has no numbers for
    the sets left unfinished, and the run ends."""
    x = rng(2).normal(size=(3000, 4))
    trainer = make_trainer(n=3000, batch_size=3000, epochs=3, x=x, t=np.arange(3000) % 3)
    net = trainer.network
    forward = net.forward
    evaluated = []

    def forward_posting_a_stop(xb, **kw):
        if not kw.get("train"):
            evaluated.append(len(xb))
            trainer.post(Stop())
        return forward(xb, **kw)

    net.forward = forward_posting_a_stop
    snaps = list(trainer.run())
    assert evaluated == [1000]                       # the first evaluation batch, then no more
    assert len(snaps) == 1 and snaps[0].epoch_end
    assert snaps[0].train_accuracy is snaps[0].train_loss is snaps[0].test_accuracy is snaps[0].test_loss is None
    assert net.evaluate(x, np.arange(3000) % 3, stop=lambda: True) is None
    loss, acc = net.evaluate(x[:1000], np.arange(1000) % 3, stop=lambda: True)   # one batch: nothing to stop
    assert np.isfinite(loss) and 0 <= acc <= 1


def test_step_and_step_epoch_while_paused():
    trainer = make_trainer(n=25, batch_size=5, epochs=3, start_paused=True)
    gen = trainer.run()
    trainer.post(Step(2))
    a, b = next(gen), next(gen)
    assert (a.iteration, a.paused, b.iteration, b.paused) == (1, False, 2, True)
    trainer.post(StepEpoch())
    rest = [next(gen) for _ in range(3)]
    assert [s.iteration for s in rest] == [3, 4, 5]
    assert [s.paused for s in rest] == [False, False, True] and rest[-1].epoch_end
    trainer.post(StepEpoch())                    # from an epoch end: the whole next epoch
    epoch2 = [next(gen) for _ in range(5)]
    assert [s.epoch for s in epoch2] == [2] * 5 and epoch2[-1].paused and epoch2[-1].epoch_end
    trainer.post(Resume())
    assert [s.iteration for s in gen] == list(range(11, 16))


def test_request_detail_gives_read_only_copies_once():
    trainer = make_trainer(n=20, batch_size=5, epochs=1)
    gen = trainer.run()
    s1 = next(gen)
    assert s1.weights is None and s1.activations is None
    s2 = gen.send(RequestDetail())
    assert set(s2.weights) == set(trainer.network.state_dict())
    assert set(s2.activations) == {"dense_1", "dense_2"}
    assert s2.activations["dense_1"].shape == (5, 6)
    w = s2.weights["dense_1.W"]
    np.testing.assert_array_equal(w, trainer.network.parameters()["dense_1.W"])
    assert not w.flags.writeable and not s2.activations["dense_2"].flags.writeable
    with pytest.raises(ValueError):
        w[0, 0] = 1.0
    s3 = next(gen)                                  # a copy: training does not move it
    assert not np.array_equal(w, trainer.network.parameters()["dense_1.W"])
    assert s3.weights is None
    s4 = gen.send(RequestDetail(weights=False, activations=True))
    assert s4.weights is None and s4.activations is not None


def test_detail_weights_carry_batch_norm_running_statistics():
    """A copy loaded from a detail snapshot predicts exactly as the trained network."""
    net = make_net([dense(6, "identity"), {"type": "batchnorm", "activation": "relu"}, dense(3, "softmax")], (4,),
                   "cross_entropy", seed=0)
    x = rng(1).normal(size=(20, 4))
    t = np.arange(20) % 3
    spec = TrainingSpec(batch_size=5, epochs=1, seed=0, dtype="float64")
    gen = Trainer(net, make_optimizer(OptimizerSpec(lr=0.1)), spec, x, t).run()
    next(gen)
    snap = gen.send(RequestDetail(weights=True, activations=False))
    assert set(snap.weights) == set(net.state_dict())
    np.testing.assert_array_equal(snap.weights["batchnorm_1.running_mean"], net.layers[1].buffers["running_mean"])
    assert not np.allclose(snap.weights["batchnorm_1.running_mean"], 0)   # it really moved
    copy = make_net([dense(6, "identity"), {"type": "batchnorm", "activation": "relu"}, dense(3, "softmax")], (4,),
                    "cross_entropy", seed=99)
    copy.load_state_dict(snap.weights)
    np.testing.assert_array_equal(copy.predict(x), net.predict(x))


# ------------------------------------------------------------------ from another thread
class Runner:
    """Iterates a trainer in a worker thread, handing snapshots over a queue."""

    DONE = object()

    def __init__(self, trainer):
        self.trainer = trainer
        self.q: queue.Queue = queue.Queue()
        self.thread = threading.Thread(target=self._work, daemon=True)
        self.thread.start()

    def _work(self):
        try:
            for snap in self.trainer.run():
                self.q.put(snap)
        except BaseException as e:  # noqa: BLE001 - handed to the test
            self.q.put(e)
        self.q.put(self.DONE)

    def get(self, timeout=TIMEOUT):
        item = self.q.get(timeout=timeout)
        if isinstance(item, BaseException):
            raise item
        return item

    def assert_quiet(self, seconds=0.3):
        with pytest.raises(queue.Empty):
            self.q.get(timeout=seconds)

    def stop(self):
        self.trainer.post(Stop())
        self.thread.join(TIMEOUT)
        assert not self.thread.is_alive()


def test_pause_then_step_2_from_another_thread():
    trainer = make_trainer(n=50, batch_size=5, epochs=10_000)
    runner = Runner(trainer)
    try:
        snap = runner.get()
        trainer.post(Pause())
        # the snapshots already on their way; the last of them says paused when the Pause
        # reached the loop during a step, but one that arrives between two steps parks the
        # loop before the next without another snapshot (the studio's worker counts on that:
        # the network is quiet as soon as it has posted Pause after a snapshot)
        deadline = time.monotonic() + TIMEOUT
        while True:
            try:
                item = runner.get(timeout=0.5)
            except queue.Empty:
                break
            assert isinstance(item, Snapshot) and time.monotonic() < deadline, "the Pause was not obeyed"
            snap = item
        runner.assert_quiet()                   # parked in the loop
        last = snap.iteration
        trainer.post(Step(2))
        a, b = runner.get(), runner.get()
        assert (a.iteration, b.iteration) == (last + 1, last + 2)
        assert (a.paused, b.paused) == (False, True)
        runner.assert_quiet()                   # exactly two, then it blocks again
        trainer.post(Step(1))
        assert runner.get().iteration == last + 3
        runner.assert_quiet()
    finally:
        runner.stop()
    assert runner.q.get(timeout=TIMEOUT) is Runner.DONE


def test_pause_between_two_steps_parks_before_the_next_without_another_snapshot():
    """The studio's worker posts Pause right after a snapshot and counts the network as quiet
    from then on: the loop must not run another step first."""
    trainer = make_trainer(n=50, batch_size=5, epochs=10)
    gen = trainer.run()
    first = next(gen)                       # the generator now waits at its yield
    weights = {k: w.copy() for k, w in trainer.network.parameters().items()}
    trainer.post(Pause())
    out: list = []
    worker = threading.Thread(target=lambda: out.append(next(gen)), daemon=True)
    worker.start()
    worker.join(0.3)
    assert worker.is_alive() and out == []  # parked, no step taken
    for k, w in trainer.network.parameters().items():
        np.testing.assert_array_equal(w, weights[k])
    trainer.post(Step(1))
    worker.join(TIMEOUT)
    assert not worker.is_alive()
    (snap,) = out
    assert snap.iteration == first.iteration + 1 and snap.paused
    gen.close()


def test_start_paused_waits_for_a_command():
    trainer = make_trainer(n=20, batch_size=5, epochs=2, start_paused=True)
    runner = Runner(trainer)
    try:
        runner.assert_quiet()
        trainer.post(Resume())
        snaps = [runner.get() for _ in range(8)]
        assert [s.iteration for s in snaps] == list(range(1, 9))
        assert runner.q.get(timeout=TIMEOUT) is Runner.DONE
    finally:
        runner.stop()


def test_stop_while_paused_ends_the_thread():
    trainer = make_trainer(n=20, batch_size=5, epochs=2, start_paused=True)
    runner = Runner(trainer)
    runner.assert_quiet(0.1)
    runner.stop()
    assert runner.q.get(timeout=TIMEOUT) is Runner.DONE


# ------------------------------------------------------------------ divergence
def test_huge_learning_rate_diverges_with_a_typed_error():
    net = make_net([dense(8, "relu"), dense(1, "identity")], (4,), "sse", seed=0)
    x = rng(4).normal(size=(20, 4))
    t = x.sum(axis=1, keepdims=True)
    trainer = Trainer(net, make_optimizer(OptimizerSpec(name="sgd", lr=1e6)),
                      TrainingSpec(batch_size=20, epochs=50, dtype="float64"), x, t)
    with pytest.raises(DivergenceError) as e:
        list(trainer.run())
    err = e.value
    assert err.where == "loss" or err.where in trainer.network.parameters()
    assert 1 <= err.iteration <= 50 and err.iteration == trainer.iteration
    assert err.where in str(err) and str(err.iteration) in str(err)
    assert not np.isfinite(err.value)


def test_overflowing_weights_name_the_parameter():
    trainer = make_trainer(n=10, batch_size=10, epochs=1, lr=1e308)
    with pytest.raises(DivergenceError) as e:
        list(trainer.run())
    assert e.value.iteration == 1
    assert e.value.where in trainer.network.parameters()


def test_nan_input_diverges_at_its_iteration():
    x = rng(5).normal(size=(20, 4))
    x[13, 2] = np.nan
    trainer = make_trainer(n=20, batch_size=20, epochs=2, x=x)
    with pytest.raises(DivergenceError) as e:
        list(trainer.run())
    assert (e.value.where, e.value.iteration) == ("loss", 1)


def test_mismatched_data_is_refused():
    with pytest.raises(ValueError):
        make_trainer(n=10, t=np.zeros(9, dtype=int))


def test_step_sent_into_the_generator_runs_that_many_then_reports_paused():
    trainer = make_trainer(n=50, batch_size=5, epochs=1)
    gen = trainer.run()
    next(gen)
    snaps = [gen.send(Step(3)), next(gen), next(gen)]
    assert [s.iteration for s in snaps] == [2, 3, 4]
    assert [s.paused for s in snaps] == [False, False, True]
    trainer.post(Resume())                       # must arrive before the next step is asked for
    assert [s.iteration for s in gen] == list(range(5, 11))


def test_steps_taken_together_add_up():
    """Two Steps that arrive before the first one's iteration has run (a slow numerical
    update, or both drained at once) are two iterations; the Step was taken as one."""
    trainer = make_trainer(n=50, batch_size=5, epochs=1)
    gen = trainer.run()
    next(gen)
    trainer.post(Step(1))
    trainer.post(Step(2))
    snaps = [gen.send(Step(1)), next(gen), next(gen), next(gen)]
    assert [s.iteration for s in snaps] == [2, 3, 4, 5]
    assert [s.paused for s in snaps] == [False, False, False, True]
    trainer.post(Pause())                        # a Pause forgets Steps not yet run
    trainer.post(Resume())
    assert [s.iteration for s in gen] == list(range(6, 11))


# ------------------------------------------------------------------ BLAS threads
def _blas_threads():
    from threadpoolctl import threadpool_info
    return {i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"}


def test_small_batches_train_with_one_blas_thread_and_the_setting_comes_back():
    from nnstudio.engine.trainer import SMALL_BATCH
    before = _blas_threads()
    assert before, "NumPy's BLAS is not visible to threadpoolctl"
    gen = make_trainer(n=40, batch_size=SMALL_BATCH // 4, epochs=1).run()
    next(gen)
    assert _blas_threads() == {1}              # while the run is alive
    list(gen)
    assert _blas_threads() == before           # restored when it ends
    gen = make_trainer(n=200, batch_size=SMALL_BATCH + 1, epochs=1).run()
    next(gen)
    assert _blas_threads() == before           # large batches keep every thread
    gen.close()


def test_resume_numbers_on_from_a_saved_run_and_trains_the_epochs_left():
    """A run going on from saved weights (a reopened project): its snapshots carry the saved
    run's numbering on, and it trains the epochs the project has left (or, when the saved run
    had finished them, as many more)."""
    tr = make_trainer(n=30, batch_size=5, epochs=4)          # 6 updates an epoch
    tr.resume(iteration=14, epoch=3)                         # saved in epoch 3, counted as used
    snaps = list(tr.run())
    assert [s.iteration for s in snaps] == list(range(15, 21))
    assert {s.epoch for s in snaps} == {4} and snaps[-1].epoch_end
    assert snaps[-1].total_iterations == 20 and snaps[-1].progress == 1.0
    done = make_trainer(n=30, batch_size=5, epochs=2)
    done.resume(iteration=12, epoch=2)                       # it had finished: 2 epochs more
    snaps = list(done.run())
    assert [s.iteration for s in snaps] == list(range(13, 25))
    assert [s.epoch for s in snaps if s.epoch_end] == [3, 4] and snaps[-1].total_iterations == 24
    with pytest.raises(RuntimeError):
        tr.resume(0, 0)                                      # only before the run
    with pytest.raises(ValueError):
        make_trainer().resume(-1, 0)


# ------------------------------------------------------------------ a run of iterations
def test_a_run_of_iterations_stops_inside_an_epoch_and_is_evaluated_there():
    """The book's iters_num: 14 updates of 6 an epoch end in the third epoch, whose last
    update is evaluated like an epoch end; the epochs setting is not used."""
    tr = make_trainer(n=30, batch_size=5, epochs=50, iterations=14)
    batches = seen_batches(tr)
    assert (tr.total_iterations, tr.end_epoch) == (14, 3)
    snaps = list(tr.run())
    assert [s.iteration for s in snaps] == list(range(1, 15)) and len(batches) == 14
    assert [s.epoch for s in snaps] == [1] * 6 + [2] * 6 + [3] * 2
    assert [s.step_in_epoch for s in snaps[-2:]] == [1, 2]
    assert [s.iteration for s in snaps if s.epoch_end] == [6, 12, 14]
    last = snaps[-1]
    assert last.test_accuracy is not None and last.train_loss is not None
    assert last.progress == 1.0 and last.end_epoch == 3 and last.total_iterations == 14
    assert snaps[-2].test_accuracy is None


def test_a_run_of_iterations_is_the_same_training_as_the_epochs_it_fills():
    """12 iterations of 6 an epoch are 2 epochs: the same batches, weights and numbers."""
    by_epochs, by_iterations = make_trainer(epochs=2), make_trainer(epochs=7, iterations=12)
    a, b = list(by_epochs.run()), list(by_iterations.run())
    assert [s.loss for s in a] == [s.loss for s in b]
    assert [s.test_accuracy for s in a] == [s.test_accuracy for s in b]
    for k, w in by_epochs.network.parameters().items():
        np.testing.assert_array_equal(w, by_iterations.network.parameters()[k])


def test_a_run_of_iterations_resumes_to_its_count_or_that_many_more():
    tr = make_trainer(n=30, batch_size=5, iterations=20)     # 6 updates an epoch
    tr.resume(iteration=14, epoch=3)
    snaps = list(tr.run())
    assert [s.iteration for s in snaps] == list(range(15, 21))
    assert [s.epoch for s in snaps] == [4] * 6 and snaps[-1].epoch_end and snaps[-1].progress == 1.0
    done = make_trainer(n=30, batch_size=5, iterations=8)
    done.resume(iteration=8, epoch=2)                        # it had got there: 8 more
    snaps = list(done.run())
    assert [s.iteration for s in snaps] == list(range(9, 17)) and done.end_epoch == 4
    assert [s.iteration for s in snaps if s.epoch_end] == [14, 16]


def test_step_epoch_in_a_run_of_iterations_stops_where_the_run_ends():
    """Paused 8 updates of 6 an epoch: Step, then Step epoch to the first epoch's end, then
    Step epoch again ends with the run, two updates into the second epoch."""
    trainer = make_trainer(n=30, batch_size=5, iterations=8, start_paused=True)
    gen = trainer.run()
    trainer.post(Step())
    assert next(gen).paused
    trainer.post(StepEpoch())
    first = [next(gen) for _ in range(5)]
    assert [s.iteration for s in first] == [2, 3, 4, 5, 6] and first[-1].paused and first[-1].epoch_end
    trainer.post(StepEpoch())
    rest = list(gen)
    assert [s.iteration for s in rest] == [7, 8] and rest[-1].epoch_end and rest[-1].test_loss is not None


def test_a_step_recorded_in_a_run_of_iterations_is_one_update_more():
    """As in a run of epochs: a recorded step is counted, and the run still makes its own."""
    tr = make_trainer(n=30, batch_size=5, iterations=9)
    gen = tr.run()
    first = next(gen)
    tr.traced_step(np.asarray(tr.x_train[:5]), tr.t_train[:5])
    assert tr.total_iterations == 10 and tr.last_snapshot.iteration == 2
    rest = list(gen)
    assert first.iteration == 1 and [s.iteration for s in rest] == list(range(3, 11))
    assert rest[-1].epoch_end and rest[-1].progress == 1.0


def test_a_summed_loss_reports_its_epoch_losses_on_the_scale_of_an_update():
    """sse_sum is reported per update as the batch's sum; the epoch-end losses are those of
    a batch of that size (the per-sample mean times the batch size), so both sit on one plot."""
    from nnstudio.engine.network import Network
    net = make_net([dense(3, "tanh"), dense(2, "identity")], (4,), "sse_sum", seed=2)
    x, t = rng(3).normal(size=(20, 4)), rng(4).normal(size=(20, 2))
    spec = TrainingSpec(batch_size=5, epochs=1, seed=0, dtype="float64")
    tr = Trainer(net, make_optimizer(OptimizerSpec(name="sgd", lr=0.01)), spec, x, t, x[:8], t[:8])
    snaps = list(tr.run())
    end = snaps[-1]
    per_sample, _ = net.evaluate(x[:8], t[:8])
    assert end.test_loss == pytest.approx(5 * per_sample, rel=1e-12)
    assert end.loss != end.test_loss                         # the update's own loss is kept
    assert isinstance(net, Network)
