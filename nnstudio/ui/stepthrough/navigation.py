"""Moving through a recorded trace: an index, breakpoints on layers, nothing recomputed.

The navigator only holds the :class:`~nnstudio.engine.trace.Trace` and a position in it;
every move emits ``moved(index)``. Breakpoints are layer indices: "continue" stops at the
first operation of each stretch of operations of one phase that belongs to a breakpoint
layer (so a dense layer with a ReLU stops once in the forward pass, once in the backward
pass and once in the update, not at every one of its operations).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from nnstudio.engine.recording import Phase, TraceEvent
from nnstudio.engine.trace import Trace


class TraceNavigator(QObject):
    moved = Signal(int)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.trace: Trace | None = None
        self.index = 0
        self.breakpoints: set[int] = set()

    # ------------------------------------------------------------------ state
    def set_trace(self, trace: Trace | None) -> None:
        self.trace = trace
        self.index = 0
        if trace is not None and len(trace):
            self.moved.emit(0)

    def __len__(self) -> int:
        return 0 if self.trace is None else len(self.trace)

    @property
    def event(self) -> TraceEvent | None:
        return None if not len(self) else self.trace.events[self.index]

    @property
    def at_start(self) -> bool:
        return self.index == 0

    @property
    def at_end(self) -> bool:
        return self.index >= len(self) - 1

    # ------------------------------------------------------------------ moves
    def go(self, index: int) -> bool:
        """Move to ``index`` (clamped); True if the position changed."""
        if not len(self):
            return False
        index = max(0, min(len(self) - 1, index))
        if index == self.index:
            return False
        self.index = index
        self.moved.emit(index)
        return True

    def next(self) -> bool:
        return self.go(self.index + 1)

    def previous(self) -> bool:
        return self.go(self.index - 1)

    def first(self) -> bool:
        return self.go(0)

    def last(self) -> bool:
        return self.go(len(self) - 1)

    def jump_to_phase(self, phase: Phase) -> bool:
        """Go to the first operation of ``phase``; False if the trace has none."""
        if self.trace is None:
            return False
        try:
            start = self.trace.phase_start(phase)
        except KeyError:
            return False
        self.go(start)
        return True

    # ------------------------------------------------------------------ breakpoints
    def set_breakpoint(self, layer: int, on: bool = True) -> None:
        (self.breakpoints.add if on else self.breakpoints.discard)(layer)

    def is_break(self, index: int) -> bool:
        """Whether playing should stop at ``index``: a breakpoint layer begins there."""
        if self.trace is None or not (0 <= index < len(self)):
            return False
        layer = self.trace.events[index].layer
        if layer is None or layer not in self.breakpoints:
            return False
        if index == 0:
            return True
        prev = self.trace.events[index - 1]
        return prev.layer != layer or prev.phase != self.trace.events[index].phase

    def next_break(self) -> int | None:
        """Index of the next breakpoint stop after the current position, if any."""
        for i in range(self.index + 1, len(self)):
            if self.is_break(i):
                return i
        return None

    def continue_(self) -> bool:
        """Run to the next breakpoint (or to the end when there is none)."""
        target = self.next_break()
        return self.go(len(self) - 1 if target is None else target)
