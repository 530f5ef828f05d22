"""The training controller: the engine's training generator in a worker thread.

The worker thread iterates ``session.trainer.run()`` and only appends each snapshot to a
locked buffer; a GUI-thread timer drains the buffer 20 times a second and emits
``snapshots`` with everything collected since the last delivery. So the worker never
emits a signal per iteration and the GUI never sees more than 20 updates a second.

Pause, Step and Step epoch are the trainer's own commands (``Trainer.post``): while paused
the worker is parked inside the trainer, so the GUI thread may use the session's network.
A new run (``reset`` or ``set_project``) builds a fresh session from the project with the
same seed, so the same initial weights come back.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from typing import Any, Callable

from PySide6.QtCore import QObject, Qt, QThread, QTimer, Signal

from nnstudio.engine.errors import DivergenceError
from nnstudio.engine.trainer import Pause, RequestDetail, Resume, SetLearningRate, Step, StepEpoch, Stop
from nnstudio.project.model import Project
from nnstudio.project.session import Session, build_session

# 20 deliveries a second (the issue allows up to 30): smooth for the eye, and each delivery
# has a fixed cost on the GUI thread (the status bar repaints at once, every view takes its
# share), paid while holding the GIL the training thread needs
DELIVERY_INTERVAL_MS = 50
STATES = ("idle", "running", "paused", "finished", "diverged")

_gui_thread_gc = None


def collect_garbage_on_the_gui_thread() -> None:
    """From the first controller on, Python's cyclic garbage collector runs only on the GUI
    thread, on a timer (pyqtgraph's GarbageCollector; process-wide, kept for the process's
    life). Left automatic, it runs in whichever thread happens to allocate: the training or
    loading thread then destroyed widgets and actions that were cyclic garbage, and Qt
    deadlocked (seen: a test run hung with the worker in QObject::~QObject waiting for the
    GIL while the GUI thread, holding it, waited for the same object's Qt lock)."""
    global _gui_thread_gc
    if _gui_thread_gc is None:
        from pyqtgraph.util.garbage_collector import GarbageCollector
        _gui_thread_gc = GarbageCollector(interval=1.0)


class DatasetCache:
    """Loads each distinct ``dataset`` entry once (MNIST takes a second)."""

    def __init__(self, loader: Callable[[dict], Any] | None = None, size: int = 3) -> None:
        if loader is None:
            from nnstudio.data import load as loader
        self._loader = loader
        self._size = size
        self._items: list[tuple[str, Any]] = []

    @staticmethod
    def key(entry: dict) -> str:
        return repr(sorted(entry.items()))

    def clear(self) -> None:
        self._items = []

    def peek(self, entry: dict) -> Any:
        """The loaded set, or None when it has not been loaded (no loading here)."""
        key = self.key(entry)
        return next((value for k, value in self._items if k == key), None)

    def put(self, entry: dict, value: Any) -> None:
        key = self.key(entry)
        self._items = [(key, value)] + [(k, v) for k, v in self._items if k != key][: self._size - 1]

    def get(self, entry: dict) -> Any:
        value = self.peek(entry)
        if value is None:
            value = self.load(entry)
            self.put(entry, value)
        return value

    def load(self, entry: dict) -> Any:
        """Load without touching the cache (safe in another thread)."""
        return self._loader(dict(entry))


class _DataLoader(QThread):
    """Loads one data set in the background; ``result`` is ("ok", data) or ("error", exc)."""

    def __init__(self, cache: DatasetCache, entry: dict) -> None:
        super().__init__()
        self.cache, self.entry = cache, dict(entry)
        self.result: tuple[str, Any] | None = None

    def run(self) -> None:  # the loader thread
        try:
            self.result = ("ok", self.cache.load(self.entry))
        except Exception as err:  # noqa: BLE001 - reported to the GUI
            self.result = ("error", err)


class _Worker(QThread):
    """Iterates the trainer; collects snapshots; knows when it is parked; stores the ending.

    ``parked`` is true only while the worker waits inside the trainer for a command (the
    run starts parked). The GUI posts a command that lets the loop go on (Resume, Step,
    StepEpoch) straight to the trainer only while the worker is parked; otherwise the
    worker forwards it between two steps. So the worker always knows whether the trainer
    will wait after a snapshot, and pause requests are posted by the worker itself too.
    """

    def __init__(self, session: Session, delay: float) -> None:
        super().__init__()
        self.session = session
        self.delay = delay
        self.lock = threading.Lock()
        self.buffer: list = []
        self.outcome: tuple[str, Any] | None = None   # ("finished" | "diverged" | ..., value)
        self.parked = True
        self._pending: list = []
        self._pause_requested = False
        self._wake = threading.Event()

    def set_delay(self, delay: float) -> None:
        self.delay = delay
        self._wake.set()

    def go_on(self, cmd) -> None:
        """Post a command that unparks the loop (Resume, Step, StepEpoch)."""
        with self.lock:
            self._pause_requested = False
            if self.parked:
                self.parked = False
                self.session.trainer.post(cmd)
            else:
                self._pending.append(cmd)

    def request_pause(self) -> None:
        with self.lock:
            self._pause_requested = True
        self._wake.set()

    def stop(self) -> None:
        """Ask the loop to end (also when it is parked in a pause)."""
        self.requestInterruption()
        self.session.trainer.post(Stop())
        self._wake.set()

    def take(self) -> list:
        with self.lock:
            out, self.buffer = self.buffer, []
        return out

    def run(self) -> None:  # the worker thread
        outcome: tuple[str, Any] = ("finished", None)
        trainer = self.session.trainer
        try:
            gen = trainer.run()
            while True:
                snap = next(gen, None)
                if snap is None:
                    break
                with self.lock:
                    self.buffer.append(snap)
                if self.isInterruptionRequested():
                    outcome = ("stopped", None)
                    break
                if self.delay > 0 and not snap.paused:
                    self._wake.clear()
                    self._wake.wait(self.delay)
                with self.lock:
                    forwarded = bool(self._pending)
                    for cmd in self._pending:
                        trainer.post(cmd)
                    self._pending.clear()
                    if self._pause_requested:
                        self._pause_requested = False
                        trainer.post(Pause())
                        self.parked = True
                    elif snap.paused and not forwarded:
                        self.parked = True
            if self.isInterruptionRequested():
                outcome = ("stopped", None)
        except DivergenceError as err:
            outcome = ("diverged", err)
        except Exception as err:  # noqa: BLE001 - reported to the GUI, never lost
            outcome = ("failed", err)
        with self.lock:
            self.parked = False
            self.outcome = outcome


class TrainingController(QObject):
    """Play / Pause / Step / Step epoch / Reset for one project; see the module docstring.

    ``failed`` carries an exception that building a run or training raised (bad data
    options, a data file that cannot be read); the window shows it and stays usable.
    """

    snapshots = Signal(object)
    datasetReady = Signal(object)   # a data-set entry finished loading in the background
    runStarted = Signal(object)
    stateChanged = Signal(str)
    # paused, and the worker has parked with every snapshot delivered: the session's network
    # holds still from now on (after a Pause that came during a long epoch-end evaluation,
    # seconds after the state turned "paused"); also after each Step
    settled = Signal()
    diverged = Signal(object)
    finished = Signal()
    failed = Signal(object)

    def __init__(self, project: Project | None = None, *, loader: Callable[[dict], Any] | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        collect_garbage_on_the_gui_thread()       # before any worker or loader thread exists
        self._data = DatasetCache(loader)
        self._loaders: dict[str, _DataLoader] = {}
        self._shut_down = False
        self._load_errors: dict[str, Exception] = {}
        self._project = project
        self._session: Session | None = None
        self._worker: _Worker | None = None
        self._state = "idle"
        self._delay = 0.0
        self._last = None
        self._from_saved = False      # the run started from weights a file brought
        self._detail_pending = (False, False)
        # the command that lets a training worker go on as it was (Resume while playing,
        # StepEpoch while stepping to an epoch's end; None: parked, or a Step waited for)
        self._going_on: type | None = None
        self._borrowed = False        # weights_now holds a going worker for a moment (not settled)
        self._timer = QTimer(self)
        self._timer.setInterval(DELIVERY_INTERVAL_MS)
        self._timer.setTimerType(Qt.PreciseTimer)
        self._timer.timeout.connect(self._deliver)

    # ------------------------------------------------------------------ properties
    @property
    def session(self) -> Session | None:
        return self._session

    @property
    def project(self) -> Project | None:
        return self._project

    @property
    def state(self) -> str:
        return self._state

    @property
    def is_paused(self) -> bool:
        """True when the worker is parked in the trainer (idle at iteration 0, or paused)."""
        worker = self._worker
        return worker is not None and worker.parked

    @property
    def is_settled(self) -> bool:
        """Parked with every snapshot delivered: nothing more arrives until a command."""
        worker = self._worker
        if worker is None:
            return True
        with worker.lock:
            return worker.parked and not worker.buffer

    @property
    def network_is_quiet(self) -> bool:
        """The GUI thread may read or step the session's network: the worker is parked in
        the trainer, or its run has ended (finished or diverged: the thread was joined)."""
        return self.session is not None and (self.is_paused or self._state in ("finished", "diverged"))

    @property
    def last_snapshot(self):
        return self._last

    @property
    def has_progress(self) -> bool:
        """A run has taken at least one step (so an edit would throw its training away)."""
        return self._last is not None

    @property
    def from_saved_weights(self) -> bool:
        """The run started from weights a file brought (an edit would throw them away)."""
        return self._from_saved

    @property
    def delay(self) -> float:
        return self._delay

    def dataset(self, entry: dict) -> Any:
        """The loaded data set of a project's ``dataset`` entry (cached; loads if needed)."""
        return self._data.get(entry)

    def peek_dataset(self, entry: dict) -> Any:
        """The loaded set of ``entry``, or None when it is not loaded (nothing loads here)."""
        return self._data.peek(entry)

    def loaded_dataset(self, entry: dict) -> tuple[Any, Exception | None]:
        """(data, None) when loaded, (None, error) once after a failed background load,
        (None, None) when not loaded yet: call :meth:`load_dataset_async`."""
        data = self._data.peek(entry)
        if data is not None:
            return data, None
        return None, self._load_errors.pop(DatasetCache.key(entry), None)

    def load_dataset_async(self, entry: dict) -> None:
        """Load in a background thread; ``datasetReady(entry)`` follows on the GUI thread."""
        key = DatasetCache.key(entry)
        if self._shut_down or key in self._loaders or self._data.peek(entry) is not None:
            return
        loader = _DataLoader(self._data, entry)
        self._loaders[key] = loader
        loader.finished.connect(self._on_loader_finished)
        loader.start()

    def move_dataset(self, old: dict, new: dict) -> None:
        """The data entry ``old`` is now written ``new`` and names the same files (the project
        file moved to another folder): the loaded set, the project and the run stay, under the
        new entry, so nothing reloads or restarts."""
        data = self._data.peek(old)
        if data is not None:
            self._data.put(new, data)
        if self._project is not None and dict(self._project.dataset) == dict(old):
            self._project = self._project.with_(dataset=new)
        session = self._session
        if session is not None and dict(session.project.dataset) == dict(old):
            session.project = session.project.with_(dataset=new)

    def forget_datasets(self) -> None:
        """Drop the loaded sets (their relative file paths may now mean other files)."""
        self._data.clear()

    def is_loading(self) -> bool:
        return bool(self._loaders)

    def _on_loader_finished(self) -> None:
        for key, loader in list(self._loaders.items()):
            if loader.isFinished():
                loader.wait()
                del self._loaders[key]
                kind, value = loader.result or ("error", RuntimeError("no result"))
                if kind == "ok":
                    self._data.put(loader.entry, value)
                else:
                    self._load_errors[key] = value
                self.datasetReady.emit(loader.entry)

    # ------------------------------------------------------------------ runs
    def set_project(self, project: Project | None, weights=None, resume: tuple[int, int] | None = None) -> None:
        """Use this project from now on: the current run ends and a new one is built
        (starting from ``weights``, a state dict, when given; see :meth:`reset`)."""
        self._project = project
        if project is None:
            self._end_run()
            self._set_state("idle")
        else:
            self.reset(weights, resume)

    def reset(self, weights=None, resume: tuple[int, int] | None = None) -> bool:
        """End the current run and build a new one (same seed: same initial weights).

        ``weights`` (a state dict, e.g. from a saved run) replaces the initial weights;
        ``resume`` = (iteration, epoch) of the saved run they ended, which the new run numbers
        on from (Trainer.resume). The new run's worker starts parked. Returns False (and emits
        ``failed``) when the run cannot be built.
        """
        self._end_run()
        if self._project is None or self._shut_down:
            self._set_state("idle")
            return False
        try:
            dataset = self._data.get(dict(self._project.dataset))
            session = build_session(self._project, dataset, start_paused=True)
            if weights is not None:
                session.network.load_state_dict(weights)
                if resume is not None:
                    session.trainer.resume(*resume)
        except Exception as err:  # noqa: BLE001 - bad data options, unreadable files
            self._set_state("idle")
            self.failed.emit(err)
            return False
        self._session = session
        self._from_saved = weights is not None
        self._worker = _Worker(session, self._delay)
        self._worker.start()
        self._timer.start()
        self._set_state("idle")
        self.runStarted.emit(session)
        return True

    def _ensure_run(self) -> bool:
        if self._worker is None or self._state in ("finished", "diverged"):
            return self.reset()
        return True

    def weights_now(self, timeout: float) -> dict | None:
        """Copies of the run's parameters and buffers (its state_dict), read while the worker is
        parked, with every snapshot up to them delivered first (a history saved beside them is
        as far). A worker that is training, or stepping to an epoch's end, is parked for the
        copy and let go on as it was, with no change of state; a single Step is waited for.
        None without a run, or when the worker does not park within ``timeout`` seconds."""
        session, worker = self._session, self._worker
        if session is None or worker is None:
            return None
        again = None
        if worker.isRunning() and not worker.parked:
            again = self._going_on
            if again is not None:
                worker.request_pause()
            deadline = time.monotonic() + timeout
            while worker.isRunning() and not worker.parked and time.monotonic() < deadline:
                time.sleep(0.001)
        if worker.isRunning() and not worker.parked:
            return None
        self._borrowed = again is not None
        try:
            self._deliver()              # the snapshots up to these weights reach the window
        finally:
            self._borrowed = False
        if self._session is not session:
            return None
        state = {k: v.copy() for k, v in session.network.state_dict().items()}
        if again is not None and worker.isRunning() and worker.parked:
            worker.go_on(again())
            self._timer.start()
        return state

    def play(self) -> None:
        if self._state == "running" or not self._ensure_run():
            return
        self._going_on = Resume
        self._worker.go_on(Resume())
        self._timer.start()
        self._set_state("running")

    def pause(self) -> None:
        if self._state != "running":
            return
        self._going_on = None
        self._worker.request_pause()
        self._set_state("paused")

    def step(self, iterations: int = 1) -> None:
        if not self._ensure_run():
            return
        self._going_on = None            # a few steps: waited for, not interrupted
        self._worker.go_on(Step(iterations))
        self._timer.start()
        self._set_state("paused")

    def step_epoch(self) -> None:
        if not self._ensure_run():
            return
        self._going_on = StepEpoch       # posted again after a pause it resumes to the same end
        self._worker.go_on(StepEpoch())
        self._timer.start()
        self._set_state("paused")

    def set_learning_rate(self, lr: float) -> None:
        """Takes effect at the next training step (and stays for the next reset)."""
        if self._project is not None:
            optimizer = dataclasses.replace(self._project.optimizer, lr=float(lr))
            self._project = self._project.with_(optimizer=optimizer)
        if self._worker is not None:
            self._post(SetLearningRate(float(lr)))

    def request_detail(self, weights: bool = True, activations: bool = True) -> None:
        """Weights/activations in the next snapshot (while paused: the next step's).

        Requests not yet answered are merged (the trainer keeps only the latest), so one
        caller asking for weights never cancels another's request for activations.
        """
        if self._worker is None:
            return
        weights = weights or self._detail_pending[0]
        activations = activations or self._detail_pending[1]
        self._detail_pending = (weights, activations)
        self._post(RequestDetail(weights, activations))

    def report_recorded_step(self) -> None:
        """A step recorded in the GUI thread (the step-through, while the worker is parked)
        updated the weights: its snapshot goes out as the worker's do, so the curves, the
        counters and the views count it."""
        snap = self._session.trainer.last_snapshot if self._session is not None else None
        if snap is None:
            return
        # the worker's snapshots not yet delivered come first (Step mode pressed while training
        # parks the worker between two deliveries): the window's history stays in order
        self._deliver()
        self._last = snap
        self.snapshots.emit((snap,))

    def set_delay(self, seconds: float) -> None:
        """Slow training down for watching: wait this long after every iteration."""
        self._delay = max(0.0, float(seconds))
        if self._worker is not None:
            self._worker.set_delay(self._delay)

    def shutdown(self) -> None:
        """End the worker thread cleanly (window closing); let data loads finish. No new
        run or load starts after this (a check queued before the close may still arrive)."""
        self._shut_down = True
        self._end_run()
        for loader in self._loaders.values():
            loader.wait()
        self._loaders.clear()

    # ------------------------------------------------------------------ internals
    def _post(self, cmd) -> None:
        assert self._session is not None
        self._session.trainer.post(cmd)

    def _set_state(self, state: str) -> None:
        if state != self._state:
            self._state = state
            self.stateChanged.emit(state)

    def _end_run(self) -> None:
        worker, self._worker = self._worker, None
        self._timer.stop()
        self._last = None
        self._from_saved = False
        self._detail_pending = (False, False)
        if worker is not None:
            worker.stop()
            worker.quit()
            worker.wait()
        self._session = None

    def _deliver(self) -> None:
        worker = self._worker
        if worker is None:
            return
        batch = worker.take()
        if batch:
            self._last = batch[-1]
            if any(s.weights is not None or s.activations is not None for s in batch):
                self._detail_pending = (False, False)
            self.snapshots.emit(tuple(batch))
        with worker.lock:
            outcome = worker.outcome
            idle = worker.parked and not worker.buffer
        if outcome is None:
            if batch and batch[-1].paused and self._state == "running":
                self._set_state("paused")
            if idle:
                self._timer.stop()      # parked: nothing to deliver until a command (no idle ticks)
                if self._state == "paused" and not self._borrowed:
                    self.settled.emit()
            return
        if worker.buffer:       # snapshots that arrived with the ending: next tick
            return
        worker.wait()
        self._timer.stop()
        kind, value = outcome
        if kind == "diverged":
            self._set_state("diverged")
            self.diverged.emit(value)
        elif kind == "failed":
            self._set_state("idle")
            self.failed.emit(value)
        elif kind == "finished":
            self._set_state("finished")
            self.finished.emit()


__all__ = ["DELIVERY_INTERVAL_MS", "STATES", "TrainingController"]
