"""The training loop as a generator of immutable snapshots.

    trainer = Trainer(network, optimizer, TrainingSpec(...), x_train, t_train, x_test, t_test)
    for snap in trainer.run():        # one snapshot per iteration (one parameter update)
        print(snap.iteration, snap.loss)

Commands reach the loop between two steps, either as the value sent into the generator
(``gen.send(SetLearningRate(0.01))``) or, from another thread, through
:meth:`Trainer.post`. ``Pause`` makes the loop wait (blocking the thread that iterates it)
until ``Resume``, ``Step``, ``StepEpoch`` or ``Stop`` arrives, so a worker thread can park
in it. NaN or inf in the loss or in a parameter stops the run with a DivergenceError.
"""

from __future__ import annotations

import contextlib
import functools
import math
import queue
import sys
import threading
import time
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Generator, Mapping

import numpy as np
from threadpoolctl import ThreadpoolController

from .errors import DivergenceError
from .gradcheck import Interrupted, OwnTime, numerical_backward
from .memory import keep_freed_blocks
from .layers.base import l2_norm
from .network import Network
from .optimizers import Optimizer
from .recording import Recorder, frozen_copy
from .spec import TrainingSpec


# --------------------------------------------------------------------------- commands
@dataclass(frozen=True)
class Pause:
    pass


@dataclass(frozen=True)
class Resume:
    pass


@dataclass(frozen=True)
class Step:
    """While paused: run this many iterations, then pause again."""
    iterations: int = 1


@dataclass(frozen=True)
class StepEpoch:
    """While paused: run to the end of the current epoch, then pause again."""


@dataclass(frozen=True)
class Stop:
    pass


@dataclass(frozen=True)
class SetLearningRate:
    lr: float


@dataclass(frozen=True)
class RequestDetail:
    """Ask for weight copies and/or hidden activations in the next snapshot."""
    weights: bool = True
    activations: bool = True


Command = Pause | Resume | Step | StepEpoch | Stop | SetLearningRate | RequestDetail


# --------------------------------------------------------------------------- snapshots
@dataclass(frozen=True)
class Snapshot:
    iteration: int                 # updates done so far (1-based)
    epoch: int                     # the epoch this iteration belongs to (1-based)
    step_in_epoch: int             # 1 … steps_per_epoch (a recorded step: the one before it, 0 at an epoch's start)
    steps_per_epoch: int
    total_iterations: int          # the updates the run makes in all (a recorded step adds one)
    end_epoch: int                 # the epoch the run ends with
    epoch_end: bool
    loss: float                    # this batch's loss, regularization included
    data_loss: float               # this batch's loss without regularization
    lr: float
    samples: int                   # training samples seen so far
    elapsed: float                 # seconds spent training (pauses excluded)
    grad_norms: Mapping[str, float]     # ‖∂E/∂p‖ per qualified parameter name
    weight_norms: Mapping[str, float]   # ‖p‖ after the update
    paused: bool = False           # the loop waits for a command after this snapshot
    train_loss: float | None = None      # epoch end: over the whole training set
    train_accuracy: float | None = None
    test_loss: float | None = None
    test_accuracy: float | None = None
    weights: Mapping[str, np.ndarray] | None = None       # on request: read-only state_dict copies
    activations: Mapping[str, np.ndarray] | None = None   # on request: each layer's output for this batch
    # ‖∂L/∂p‖ of the data loss alone, before weight decay / L1 were added (None: no
    # regularization, the same as grad_norms)
    data_grad_norms: Mapping[str, float] | None = None

    @property
    def progress(self) -> float:
        return self.iteration / self.total_iterations if self.total_iterations else 1.0


def _frozen_state(net: Network) -> Mapping[str, np.ndarray]:
    """Read-only copies of the parameters and buffers (batch norm's running statistics), so a
    copy of the network predicts exactly as this one does."""
    state = net.state_dict()          # fresh copies: freeze them, no second copy
    for a in state.values():
        a.flags.writeable = False
    return MappingProxyType(state)


def _data_grad_norms(net: Network, grad_norms: dict[str, float]) -> Mapping[str, float] | None:
    """‖∂L/∂p‖ of the data loss alone where weight decay or L1 added to the gradients."""
    return MappingProxyType({**grad_norms, **net.data_grad_norms}) if net.data_grad_norms else None


def _ro_mapping(d: Mapping[str, np.ndarray]) -> Mapping[str, np.ndarray]:
    return MappingProxyType({k: frozen_copy(v) for k, v in d.items()})


# At batch sizes up to this, the matrix products are too small to share between two cores:
# OpenBLAS's second thread only waits, and when the other core is busy (the GUI thread, a
# plot redrawing) a step stalls. Measured on this 2-core machine, 784-100-10, batch 10:
# other core busy, 14 000 samples/s with two BLAS threads vs 78 000 with one; idle, 62 000
# vs 53 000. Larger batches keep both threads (idle, batch 100: +37 % with two).
SMALL_BATCH = 32


def _blas_controller() -> ThreadpoolController:
    """The loaded BLAS libraries, looked up once (a new threadpool_limits looks them up again
    each time: 0.7 ms against 9 µs, measured) and again once SciPy's, which the fused SGD
    update uses, has been loaded."""
    return _controller("scipy.linalg.blas" in sys.modules)


@functools.cache
def _controller(_scipy_loaded: bool) -> ThreadpoolController:
    return ThreadpoolController()


def steps_per_epoch(n: int, batch_size: int) -> int:
    """Updates in one epoch over ``n`` samples (the book's iter_per_epoch): the last batch takes
    the samples left over, a batch larger than the set is the whole set."""
    return math.ceil(n / max(1, min(batch_size, n)))


@dataclass
class _Flow:
    paused: bool = False
    budget: int = 0                 # iterations allowed while paused
    to_epoch_end: bool = False
    stop: bool = False
    detail: RequestDetail | None = None
    lr: float | None = None
    pending: list = field(default_factory=list)


class Trainer:
    """Feeds the data in shuffled (mini-)batches for ``spec.epochs`` epochs or, where
    ``spec.iterations`` is set, that many updates; evaluates at every epoch end and at the end
    of a run of iterations."""

    def __init__(self, network: Network, optimizer: Optimizer, spec: TrainingSpec,
                 x_train: np.ndarray, t_train: np.ndarray,
                 x_test: np.ndarray | None = None, t_test: np.ndarray | None = None,
                 *, start_paused: bool = False, evaluate_train: bool = True) -> None:
        if len(x_train) == 0:
            raise ValueError("no training samples")
        if len(x_train) != len(t_train):
            raise ValueError(f"{len(x_train)} training samples but {len(t_train)} targets")
        self.network = network
        self.optimizer = optimizer
        self._param_order = tuple(network.parameters())
        self.spec = spec
        dt = network.dtype
        self.x_train = np.asarray(x_train, dtype=dt)
        self.t_train = self._targets(t_train)
        self.x_test = None if x_test is None else np.asarray(x_test, dtype=dt)
        self.t_test = None if t_test is None else self._targets(t_test)
        self.evaluate_train = evaluate_train
        n = len(self.x_train)
        self.batch_size = min(spec.batch_size, n)
        self.steps_per_epoch = steps_per_epoch(n, spec.batch_size)
        self._plan(0, 0)
        self.order_rng = np.random.default_rng(np.random.SeedSequence(spec.seed).spawn(3)[2])
        self.iteration = 0
        self.epoch = 0
        self.samples = 0
        self.elapsed = 0.0
        self._inbox: queue.SimpleQueue = queue.SimpleQueue()
        # set by post(Stop()) at once, so that a long epoch-end evaluation can end early without
        # taking any other command before its iteration is over (the Stop itself is applied
        # with the others, in order)
        self._stop_posted = threading.Event()
        self._flow = _Flow(paused=start_paused)
        self.last_snapshot: Snapshot | None = None
        self._defer_products = False
        self.numerical = spec.gradients == "numerical"

    def resume(self, iteration: int, epoch: int) -> None:
        """Go on from a saved run whose weights the network holds: updates and epochs are
        numbered after its ``iteration`` and ``epoch`` (epochs begun and ended, a run of
        iterations' last one possibly cut short), and training goes on up to ``spec.epochs``
        (``spec.iterations``); a saved run that had got there trains that many more. The data
        order and the optimizer's state (momentum, Adam's moments) start afresh: they are not
        saved with the weights. Before run()."""
        if self.iteration or self.epoch or self.last_snapshot is not None:
            raise RuntimeError("resume() is for a trainer that has not run yet")
        if iteration < 0 or epoch < 0:
            raise ValueError(f"a run cannot resume from iteration {iteration}, epoch {epoch}")
        self.iteration, self.epoch = int(iteration), int(epoch)
        self._plan(self.iteration, self.epoch)

    def _plan(self, iteration: int, epoch: int) -> None:
        """total_iterations and end_epoch (the epoch count training stops at) for a run going
        on from ``iteration`` and ``epoch``: to the spec's length, counted in iterations (which
        may end inside an epoch) or in epochs, or that many more where the run had got there."""
        by_iterations = self.spec.iterations is not None
        length, done = (self.spec.iterations, iteration) if by_iterations else (self.spec.epochs, epoch)
        left = length - done if length > done else length
        steps = self.steps_per_epoch
        self.total_iterations = iteration + (left if by_iterations else left * steps)
        self.end_epoch = epoch + (math.ceil(left / steps) if by_iterations else left)

    def _targets(self, t: np.ndarray) -> np.ndarray:
        t = np.asarray(t)
        return t if np.issubdtype(t.dtype, np.integer) else t.astype(self.network.dtype, copy=False)

    # ------------------------------------------------------------------ commands
    def post(self, command: Command) -> None:
        """Thread-safe: the command takes effect before the next iteration."""
        if isinstance(command, Stop):
            self._stop_posted.set()
        self._inbox.put(command)

    def _apply(self, cmd: Command) -> None:
        f = self._flow
        if isinstance(cmd, Pause):
            f.paused = True
            f.budget, f.to_epoch_end = 0, False
        elif isinstance(cmd, Resume):
            f.paused = False
        elif isinstance(cmd, Step):
            # on top of the iterations an earlier Step has not run yet: two Steps posted before
            # the first one's iteration ends (a slow numerical one) are two iterations, not one
            # (the app's controller holds a second Step until the first one's snapshot)
            f.budget = (f.budget if f.paused else 0) + max(1, cmd.iterations)
            f.paused = True
        elif isinstance(cmd, StepEpoch):
            f.paused, f.to_epoch_end = True, True
        elif isinstance(cmd, Stop):
            f.stop = True
        elif isinstance(cmd, SetLearningRate):
            if not (cmd.lr > 0 and math.isfinite(cmd.lr)):
                raise ValueError(f"learning rate must be a positive number, got {cmd.lr!r}")
            self.optimizer.lr = float(cmd.lr)
        elif isinstance(cmd, RequestDetail):
            f.detail = cmd
        elif cmd is not None:
            raise TypeError(f"not a trainer command: {cmd!r}")

    def _drain(self) -> None:
        inbox = self._inbox
        while not inbox.empty():      # this thread is the only reader: get_nowait cannot fail
            self._apply(inbox.get_nowait())

    def _may_run(self) -> bool:
        """Block while paused with nothing to do; False when the run must stop."""
        f = self._flow
        self._drain()
        while f.paused and not f.budget and not f.to_epoch_end and not f.stop:
            self._apply(self._inbox.get())
        return not f.stop

    # ------------------------------------------------------------------ the loop
    def run(self, *, own_thread_limit: bool = True) -> Generator[Snapshot, Command | None, None]:
        """One snapshot per iteration. Small batches train with one BLAS thread (see
        SMALL_BATCH); the limit holds while the generator is alive. The count is fixed for
        the run: OpenBLAS's products differ in their last bits between one and two threads
        (measured from batch 10 up), so switching while training would make the same seed
        train to different weights."""
        keep_freed_blocks()      # no page faults for each step's large arrays (see memory.py)
        small = self.batch_size <= SMALL_BATCH
        # small batches leave dense gradients as their factors xᵀ·δ for the optimizer to apply
        # in one BLAS call (Optimizer.update_product); their norms from N×N Gram matrices,
        # which stay cheap only for small N
        self._defer_products = small and not self.numerical and self.optimizer.prepare_products()
        with self.blas_threads() if own_thread_limit else contextlib.nullcontext():
            yield from self._run()

    def blas_threads(self):
        """The BLAS thread limit this trainer's steps run under (a context manager): one thread
        for small batches (SMALL_BATCH), else as it is. The limit is the whole process's: a
        caller advancing several trainers in turns (project.comparison) holds it around each
        turn instead of letting run() hold it (``run(own_thread_limit=False)``); nested
        generators closed out of order would restore one another's counts."""
        if self.batch_size > SMALL_BATCH:
            return contextlib.nullcontext()
        return _blas_controller().limit(limits=1, user_api="blas")

    def _run(self) -> Generator[Snapshot, Command | None, None]:
        net = self.network
        n = len(self.x_train)
        bs = self.batch_size
        while self.epoch < self.end_epoch:
            order = self.order_rng.permutation(n) if bs < n else np.arange(n)
            step = 0
            while step < self.steps_per_epoch:
                # a run of iterations ends where its count is reached; a run of epochs there too
                # (a recorded step counts one more update and one more in the total)
                if self.iteration >= self.total_iterations or not self._may_run():
                    return
                t0 = time.perf_counter()
                idx = order[step * bs:(step + 1) * bs]
                # take copies the same rows as x[idx], 17 % faster (measured, 1000 random MNIST
                # rows: 237 µs vs 286 µs); the method, not np.take's Python wrapper
                xb, tb = self.x_train.take(idx, axis=0), self.t_train.take(idx, axis=0)
                before = net.random_state() if self.numerical else None
                loss = net.loss(xb, tb, train=True)
                if not math.isfinite(loss):
                    raise DivergenceError("loss", self.iteration + 1, loss)
                if self.numerical:
                    if not self._numerical_backward(xb, tb, before):
                        continue       # paused or stopped within the step: it is undone
                else:
                    net.backward(defer_products=self._defer_products)
                self.iteration += 1
                grad_norms, weight_norms = self._update()
                for k, v in weight_norms.items():
                    if not math.isfinite(v):
                        raise DivergenceError(k, self.iteration, v)
                self.samples += len(idx)
                # evaluated at the end of each epoch, and where a run of iterations ends inside one
                epoch_end = step == self.steps_per_epoch - 1 or self.iteration == self.total_iterations
                self.elapsed += time.perf_counter() - t0
                snap = self._snapshot(step, epoch_end, loss, grad_norms, weight_norms)
                self.last_snapshot = snap
                cmd = yield snap
                if cmd is not None:
                    self._apply(cmd)
                step += 1
            self.epoch += 1

    # ------------------------------------------------------------------ numerical gradients
    def _interrupted(self) -> bool:
        """Between two entries of a numerical gradient: commands are taken now, and a Pause
        or Stop ends the step (a numerical step of a large network takes seconds)."""
        f = self._flow
        self._drain()
        return f.stop or (f.paused and not f.budget and not f.to_epoch_end)

    def _numerical_backward(self, xb: np.ndarray, tb: np.ndarray, before) -> bool:
        """Fill the layers' gradients by central differences instead of backprop. False, with
        the step undone (weights untouched, batch norm's statistics and dropout's generators
        as they were), when a Pause or Stop came in the middle."""
        try:
            numerical_backward(self.network, xb, tb, interrupted=self._interrupted, undo=before)
        except Interrupted:
            return False
        return True

    def _update(self) -> tuple[dict[str, float], dict[str, float]]:
        """The optimizer's step, one parameter at a time, with ‖∂E/∂p‖ taken just before and
        ‖p‖ just after its update, while the arrays are still in cache (the same numbers as
        separate passes over all gradients, all updates and all weights)."""
        opt = self.optimizer
        opt.begin_step()
        grad_norms: dict[str, float] = {}
        weight_norms: dict = dict.fromkeys(self._param_order)   # parameters() order
        for layer, names in self.network.named_layers():
            params = layer.params
            for k, p in layer.products.items():       # weights first, as in parameters()
                name = names[k]
                w = params[k]
                grad_norms[name] = layer.gradient_norm(k)
                opt.update_product(name, w, p)
                weight_norms[name] = l2_norm(w)
            for k, g in layer.grads.items():
                name = names[k]
                w = params[k]
                grad_norms[name] = layer.gradient_norm(k)
                opt.update(name, w, g, fused=True)
                weight_norms[name] = l2_norm(w)
        if len(grad_norms) < len(weight_norms):       # a parameter without a gradient
            for k, w in self.network.parameters().items():
                if weight_norms[k] is None:
                    weight_norms[k] = l2_norm(w)
        return grad_norms, weight_norms

    def _snapshot(self, step: int, epoch_end: bool, loss: float, grad_norms, weight_norms) -> Snapshot:
        f = self._flow
        net = self.network
        lr = self.optimizer.lr   # the rate this step used: a SetLearningRate drained below is for the next
        extra: dict = {}
        if epoch_end:
            # evaluate() gives the loss per sample; a loss summed over the batch (sse_sum) is
            # reported per update as that sum, so its epoch values are those of a batch
            per = self.batch_size if net.spec.loss == "sse_sum" else 1
            # a Stop (a closing window) ends an evaluation between its batches: the snapshot
            # then has no numbers for that set
            stopped = self._stop_posted.is_set
            if self.evaluate_train:
                result = net.evaluate(self.x_train, self.t_train, stop=stopped)
                if result is not None:
                    extra["train_loss"], extra["train_accuracy"] = result[0] * per, result[1]
            if self.x_test is not None and len(self.x_test) and not stopped():
                result = net.evaluate(self.x_test, self.t_test, stop=stopped)
                if result is not None:
                    extra["test_loss"], extra["test_accuracy"] = result[0] * per, result[1]
        if f.detail is not None:
            if f.detail.weights:
                extra["weights"] = _frozen_state(net)
            if f.detail.activations:
                extra["activations"] = _ro_mapping({l.name: l.out for l in net.layers if l.out is not None})
            f.detail = None
        if f.paused:
            if f.budget:
                f.budget -= 1
            if f.to_epoch_end and epoch_end:
                f.to_epoch_end = False
        self._drain()
        will_pause = f.paused and not f.budget and not f.to_epoch_end
        return Snapshot(
            iteration=self.iteration, epoch=self.epoch + 1, step_in_epoch=step + 1,
            steps_per_epoch=self.steps_per_epoch, total_iterations=self.total_iterations,
            end_epoch=self.end_epoch, epoch_end=epoch_end, loss=loss, data_loss=net.last_data_loss, lr=lr,
            samples=self.samples, elapsed=self.elapsed,
            grad_norms=MappingProxyType(grad_norms), weight_norms=MappingProxyType(weight_norms),
            data_grad_norms=_data_grad_norms(net, grad_norms), paused=will_pause, **extra)

    # ------------------------------------------------------------------ tracing
    def traced_step(self, x: np.ndarray, t: np.ndarray, interrupted=None):
        """One real training step on (x, t), recorded operation by operation (see trace.py), its
        gradients taken as this trainer takes them (backprop or numerical). A numerical step
        asks ``interrupted()`` between entries; True ends it undone (Interrupted).

        The step is an update of its own, beside the epochs' batches: it is counted (iteration
        and total_iterations one more, so a run that goes on still ends at 100 %) and reported
        as ``last_snapshot``, with copies of the updated weights, for the curves and views."""
        from .trace import record_step
        clock = OwnTime()
        trace = record_step(self.network, self.optimizer, x, t, numerical=self.numerical,
                            interrupted=clock.around(interrupted))
        # its samples took this long (samples/s), recording's copies included: a step shown
        # operation by operation is slower than one trained, and samples/s says so; the time
        # the caller spent between entries of a numerical gradient (a progress dialog) is not
        self.elapsed += clock.seconds()
        self.iteration += 1
        self.total_iterations += 1
        self.samples += len(x)
        self.last_snapshot = self._recorded_snapshot(trace)
        return trace

    def _recorded_snapshot(self, trace) -> Snapshot:
        net = self.network
        before = self.last_snapshot
        # the epoch it falls in: after an epoch's last batch, the next one (the generator,
        # parked at that batch's yield, has not counted the epoch yet); after the last epoch,
        # still the last, where the run ended
        if before is None:
            epoch, step = self.epoch + 1, 0
        elif before.epoch_end and before.epoch < self.end_epoch:
            epoch, step = before.epoch + 1, 0
        else:
            epoch, step = before.epoch, before.step_in_epoch
        grad_norms = {f"{name}.{k}": l2_norm(g) for name, grads in zip(trace.layer_names, trace.grads)
                      for k, g in grads.items()}
        return Snapshot(
            iteration=self.iteration, epoch=min(epoch, self.end_epoch), step_in_epoch=step,
            steps_per_epoch=self.steps_per_epoch, total_iterations=self.total_iterations,
            end_epoch=self.end_epoch, epoch_end=False, loss=trace.loss, data_loss=net.last_data_loss,
            lr=self.optimizer.lr, samples=self.samples, elapsed=self.elapsed,
            grad_norms=MappingProxyType(grad_norms),
            weight_norms=MappingProxyType({k: l2_norm(w) for k, w in net.parameters().items()}),
            paused=True, weights=_frozen_state(net), data_grad_norms=_data_grad_norms(net, grad_norms))


__all__ = ["Command", "Pause", "RequestDetail", "Resume", "SetLearningRate", "Snapshot", "Step",
           "StepEpoch", "Stop", "Trainer", "Recorder", "steps_per_epoch"]
