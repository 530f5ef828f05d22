"""All arrays of the current operation, side by side, each in an :class:`ArrayView`."""

from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QScrollArea, QWidget

from nnstudio.engine.recording import TraceEvent

from .array_view import ArrayView
from .captions import tensor_caption
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

    def views(self) -> dict[str, ArrayView]:
        """The array views of the current operation, keyed by the trace's tensor names."""
        return dict(self._views)

    def columns(self) -> int:
        """Two arrays side by side when there is room, one under the other in a narrow dock."""
        return 2 if self.viewport().width() >= WIDE else 1

    def show_event(self, event: TraceEvent) -> None:
        for v in self._views.values():
            v.hide()
        self._views.clear()
        for i, (key, array) in enumerate(event.tensors.items()):
            if i >= len(self._pool):
                self._pool.append(ArrayView(self.inner))
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
            self.grid.addWidget(v, i // cols, i % cols)
        # compact arrays sit at the top; heat maps share whatever height is left
        rows = (len(views) + cols - 1) // cols
        any_heat = False
        for r in range(rows):
            heat = any(v.mode == "heatmap" for v in views[r * cols:(r + 1) * cols])
            any_heat |= heat
            self.grid.setRowStretch(r, 1 if heat else 0)
        self.grid.setRowStretch(rows, 0 if any_heat else 1)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        if self._views and self.columns() != self._columns:
            self._arrange()

    def clear(self) -> None:
        for v in self._views.values():
            v.hide()
        self._views.clear()
