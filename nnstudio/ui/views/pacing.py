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
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Any, Callable

from PySide6.QtCore import QObject, QTimer, Qt
from shiboken6 import isValid

log = logging.getLogger(__name__)


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

    def run_all(self) -> None:
        while self._steps:
            self._run_one()

    def _run_one(self) -> None:
        if not self._steps:
            return
        k, (owner, step) = self._steps.popitem(last=False)
        if isinstance(owner, QObject) and not isValid(owner):
            again = False          # the view was deleted while its step waited
        else:
            again = self._step(step)
        if again and k not in self._steps:
            self._steps[k] = (owner, step)
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


def run_all_work() -> None:
    if _queue is not None:
        _queue.run_all()
