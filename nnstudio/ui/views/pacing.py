"""One piece of heavy view work per event-loop pass, so redraws never pile up.

Several views may want to do something heavy at the same moment (an epoch end brings new
weights to the confusion matrix, the softmax gallery, the histograms, the weights...). If
they all ran in one delivery, the GUI thread would be busy for the sum of their times and
the window would stall. Instead each heavy step is queued here and a zero-interval timer
runs them one at a time: between two steps Qt handles input, paints and other timers.

    queue_work(owner, key, step)   # step() runs soon; queued once per (owner, key)
    drop_work(owner)               # forget what an owner queued (a new run, a closed view)
    run_all_work()                 # run everything now (tests, export)

``step`` may return True to be queued again at the back (a job done in chunks).

While a run trains, the queue also rests between steps, so that heavy work takes at most
HEAVY_SHARE of the GUI thread's time (a 4 ms step is followed by 12 ms for everything else
and for the training thread); when nothing trains it runs a step every pass.

The views' redraw intervals also stretch with the GUI thread's load (:class:`GuiLoad`):
while training runs, every millisecond the GUI thread computes or paints is taken from the
training thread (the GIL, and one of two cores), so when the window's work goes over its
budget the views redraw less often, and back at their own pace when it falls again.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from typing import Any, Callable

from PySide6.QtCore import QObject, QTimer, Qt
from shiboken6 import isValid

log = logging.getLogger(__name__)


HEAVY_SHARE = 0.25      # share of the GUI thread's time heavy steps may take while a run trains
MAX_REST_MS = 100


class WorkQueue(QObject):
    """A FIFO of (owner, key) → step, drained one step per timer shot."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._steps: "OrderedDict[tuple[int, Any], tuple[Any, Callable[[], Any]]]" = OrderedDict()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._run_one)

    def queue(self, owner: Any, key: Any, step: Callable[[], Any]) -> None:
        """Run ``step`` in a later pass; a step already queued under (owner, key) is replaced
        in its place (so the latest request wins and nothing runs twice)."""
        self._steps[(id(owner), key)] = (owner, step)     # a dict keeps a replaced key's place
        if not self._timer.isActive():
            if _load is None or not _load.training():
                self._timer.setInterval(0)
            self._timer.start()

    def is_queued(self, owner: Any, key: Any = None) -> bool:
        if key is not None:
            return (id(owner), key) in self._steps
        return any(k[0] == id(owner) for k in self._steps)

    def drop(self, owner: Any, key: Any = None) -> None:
        for k in [k for k in self._steps if k[0] == id(owner) and (key is None or k[1] == key)]:
            del self._steps[k]

    def pending(self) -> int:
        return len(self._steps)

    def finish(self, owner: Any) -> None:
        """Run ``owner``'s queued steps to the end now (the others keep their turn)."""
        while True:
            k = next((k for k in self._steps if k[0] == id(owner)), None)
            if k is None:
                return
            _, step = self._steps.pop(k)
            if self._step(step) and k not in self._steps:
                self._steps[k] = (owner, step)

    def run_all(self) -> None:
        while self._steps:
            self._run_one()

    def _run_one(self) -> None:
        if not self._steps:
            return
        k, (owner, step) = self._steps.popitem(last=False)
        started = time.perf_counter()
        if isinstance(owner, QObject) and not isValid(owner):
            again = False          # the view was deleted while its step waited
        else:
            again = self._step(step)
        if again and k not in self._steps:
            self._steps[k] = (owner, step)
        rest = 0
        if _load is not None and _load.training():
            took = time.perf_counter() - started
            rest = min(MAX_REST_MS, int(took * (1 / HEAVY_SHARE - 1) * 1000))
        self._timer.setInterval(rest)
        if self._steps and not self._timer.isActive():
            self._timer.start()

    @staticmethod
    def _step(step: Callable[[], Any]) -> bool:
        try:
            return bool(step())
        except Exception:  # noqa: BLE001 - steps guard themselves; never stop the queue
            log.exception("queued view work failed")
            return False


_queue: WorkQueue | None = None


def work_queue() -> WorkQueue:
    """The GUI thread's queue (made on first use)."""
    global _queue
    if _queue is None:
        _queue = WorkQueue()
    return _queue


def queue_work(owner: Any, key: Any, step: Callable[[], Any]) -> None:
    work_queue().queue(owner, key, step)


def drop_work(owner: Any, key: Any = None) -> None:
    if _queue is not None:
        _queue.drop(owner, key)


def finish_work(owner: Any) -> None:
    if _queue is not None:
        _queue.finish(owner)


def run_all_work() -> None:
    if _queue is not None:
        _queue.run_all()


# --------------------------------------------------------------------------- GUI load
BUDGET = 0.10          # share of wall time the GUI thread may compute/paint while training runs
WINDOW = 0.5           # seconds per load measurement
MAX_STRETCH = 4.0      # redraws at worst 4 times less often than a view's own interval
IDLE_RESET = 2.0       # a gap this long between samples (nothing ran): back to no stretch


class GuiLoad:
    """The GUI thread's CPU share over the last half second and the redraw stretch it asks.

    ``sample()`` is called on the GUI thread (at every delivery while a run trains);
    ``stretch()`` is a factor ≥ 1 for the views' redraw intervals: ×1.5 for every window
    over BUDGET, ÷1.5 for every window under half of it. The clock functions can be replaced
    (tests)."""

    def __init__(self, cpu=time.thread_time, wall=time.perf_counter) -> None:
        self._cpu, self._wall = cpu, wall
        self._t0: float | None = None
        self._c0 = 0.0
        self._stretch = 1.0
        self.share = 0.0

    def stretch(self) -> float:
        """The factor for redraw intervals; 1 once no run trains (paused, stepping)."""
        return self._stretch if self.training() else 1.0

    def reset(self) -> None:
        self._t0 = None
        self._stretch = 1.0

    def training(self) -> bool:
        """Samples came in lately (they come while a run trains)."""
        return self._t0 is not None and self._wall() - self._t0 <= IDLE_RESET

    def sample(self) -> None:
        now, cpu = self._wall(), self._cpu()
        if self._t0 is None or now - self._t0 > IDLE_RESET:
            if self._t0 is not None:
                self._stretch = 1.0
            self._t0, self._c0 = now, cpu
            return
        elapsed = now - self._t0
        if elapsed < WINDOW:
            return
        self.share = (cpu - self._c0) / elapsed
        self._t0, self._c0 = now, cpu
        if self.share > BUDGET:
            self._stretch = min(MAX_STRETCH, self._stretch * 1.5)
        elif self.share < BUDGET / 2:
            self._stretch = max(1.0, self._stretch / 1.5)


_load: GuiLoad | None = None


def gui_load() -> GuiLoad:
    """The GUI thread's load meter (made on first use)."""
    global _load
    if _load is None:
        _load = GuiLoad()
    return _load
