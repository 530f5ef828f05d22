"""All arrays of the current operation, side by side, each in an :class:`ArrayView`.

For im2col, convolution and pooling steps the arrays are linked: pointing at a row of the
column matrix (or at an output element) marks the window of the input it came from and
the matching row, so the learner sees what im2col does.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QScrollArea, QWidget

from nnstudio.engine.recording import TraceEvent

Window = tuple[int, int, int, bool]   # kernel, stride, pad, per channel (pooling)

import numpy as np

from .array_view import ArrayView
from .captions import tensor_caption
from .windows import window_of_row
from .operation_panel import param_of

WIDE = 720        # viewport width from which two arrays sit side by side


def display_name(key: str, event: TraceEvent) -> str:
    """Update events name their tensors W_before/dW/W_after whatever the parameter is: show
    the parameter's own short name instead (b_before, db, b_after for a bias)."""
    param = param_of(event)
    if param is None:
        return key
    short = param.rsplit(".", 1)[-1]
    return {"W_before": f"{short}_before", "dW": f"d{short}", "W_after": f"{short}_after"}.get(key, key)


class TensorPanel(QScrollArea):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.inner = QWidget()
        self.grid = QGridLayout(self.inner)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.setWidget(self.inner)
        self._views: dict[str, ArrayView] = {}
        self._pool: list[ArrayView] = []
        self._columns = 2
        self._window: Window | None = None

    def views(self) -> dict[str, ArrayView]:
        """The array views of the current operation, keyed by the trace's tensor names."""
        return dict(self._views)

    def columns(self) -> int:
        """Two arrays side by side when there is room, one under the other in a narrow dock."""
        return 2 if self.viewport().width() >= WIDE else 1

    def show_event(self, event: TraceEvent, window: Window | None = None) -> None:
        self._window = window if event.op in ("im2col", "conv", "maxpool", "avgpool") else None
        for v in self._views.values():
            v.hide()
        self._views.clear()
        for i, (key, array) in enumerate(event.tensors.items()):
            if i >= len(self._pool):
                view = ArrayView(self.inner)
                view.hovered.connect(lambda flat, v=view: self._on_hovered(v, flat))
                view.mode_changed.connect(self._arrange)
                self._pool.append(view)
            view = self._pool[i]
            view.set_array(display_name(key, event), array, tensor_caption(key))
            view.show()
            self._views[key] = view
        self._arrange()

    def _arrange(self) -> None:
        self._columns = cols = self.columns()
        views = list(self._views.values())
        for v in self._pool:
            self.grid.removeWidget(v)
        for r in range(self.grid.rowCount()):
            self.grid.setRowStretch(r, 0)
        for c in range(2):
            self.grid.setColumnStretch(c, 1 if c < cols else 0)
        for i, v in enumerate(views):
            # a table keeps its own height: at the top of its cell, not centred beside a taller
            # neighbour (a 3×50 x beside a 50×10 W stood halfway down, under empty space)
            top = Qt.AlignmentFlag.AlignTop if v.mode == "table" else Qt.AlignmentFlag(0)
            self.grid.addWidget(v, i // cols, i % cols, top)
        # compact arrays sit at the top; heat maps share whatever height is left
        rows = (len(views) + cols - 1) // cols
        any_heat = False
        for r in range(rows):
            heat = any(v.mode == "heatmap" for v in views[r * cols:(r + 1) * cols])
            any_heat |= heat
            self.grid.setRowStretch(r, 1 if heat else 0)
        self.grid.setRowStretch(rows, 0 if any_heat else 1)

    def _on_hovered(self, view: ArrayView, flat: int) -> None:
        views = self._views
        if self._window is None or "col" not in views or view not in views.values():
            return
        col = views["col"]
        rows, width = col.array.shape
        if view is col:
            row = flat // width if flat >= 0 else -1
        elif view is views.get("z") or view is views.get("u"):
            # pooling: z's flat order is the row order; conv: u is (N, F, OH, OW)
            if flat < 0:
                row = -1
            elif view is views.get("u"):
                n, _, i, j = np.unravel_index(flat, view.array.shape)
                row = (n * view.array.shape[2] + i) * view.array.shape[3] + j
            else:
                row = flat
        else:
            return
        self.link_row(int(row))

    def link_row(self, row: int) -> None:
        """Mark row ``row`` of the column matrix and the input window it holds (−1 clears)."""
        views = self._views
        col = views["col"]
        width = col.array.shape[1]
        col.highlight(range(row * width, (row + 1) * width) if row >= 0 else ())
        x = views.get("x")
        if x is not None and self._window is not None:
            k, stride, pad, per_channel = self._window
            x.highlight(window_of_row(x.array.shape, row, k, stride, pad, per_channel) if row >= 0 else ())

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        if self._views and self.columns() != self._columns:
            self._arrange()

    def clear(self) -> None:
        for v in self._views.values():
            v.hide()
        self._views.clear()
