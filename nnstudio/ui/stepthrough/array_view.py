"""One array of a traced operation: its name and shape, min/max/mean, and its values.

Small arrays are shown in full in a table (every number readable, colour-tinted by value);
large ones as a heat map with a diverging colour scale centred on 0, where the element under
the mouse is written out with its index. A toggle switches between the two for arrays of
moderate size.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QSizePolicy, QStackedWidget, QTableWidget,
                               QTableWidgetItem, QToolButton, QVBoxLayout, QWidget)

from .layout import GAP, grid_cells, values_from_grid, values_on_grid

TABLE_ANY = 200          # this many cells are always a table (a long row scrolls)
TABLE_CELLS = 600        # up to this many cells ...
TABLE_COLUMNS = 24       # ... in at most this many columns: a table too
TOGGLE_CELLS = 5000      # up to this many cells the learner may switch to the table
VALUE_ROLE = Qt.ItemDataRole.UserRole

_CMAP = pg.colormap.get("CET-D1")


def format_value(v: float) -> str:
    return f"{v + 0.0:.4g}"      # + 0.0 turns −0 into 0


def index_text(index: tuple[int, ...]) -> str:
    return "[" + ", ".join(str(i) for i in index) + "]"


class ArrayView(QWidget):
    hovered = Signal(int)     # flat index of the element under the mouse, −1 for none
    mode_changed = Signal()   # the user switched between the table and the heat map

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.highlighted: tuple[int, ...] = ()
        self.name = ""
        self.array = np.zeros(0)
        self.cells = np.zeros((0, 0), dtype=np.int64)
        self.mode = "table"
        self._grid = np.zeros((0, 0))

        self.header = QLabel()
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.toggle = QToolButton()
        self.toggle.setCheckable(True)
        self.toggle.setText(self.tr("Numbers"))
        self.toggle.setToolTip(self.tr("Show every number in a table instead of the heat map"))
        self.toggle.toggled.connect(self._on_toggle)
        self.stats = QLabel()
        self.tiles = QLabel()
        self.tiles.setStyleSheet("color: #555;")
        self.tiles.setWordWrap(True)
        self.hover = QLabel(" ")
        self.hover.setStyleSheet("font-family: monospace;")

        self.table = QTableWidget()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setDefaultSectionSize(20)
        self.table.horizontalHeader().setDefaultSectionSize(64)
        self.table.setMouseTracking(True)
        self.table.cellEntered.connect(self._on_cell_entered)

        self.plot = pg.GraphicsLayoutWidget()
        self.plot.setBackground("w")
        self.box = self.plot.addViewBox(lockAspect=True, invertY=True, enableMouse=False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.box.addItem(self.image)
        self.marks = pg.ScatterPlotItem(symbol="s", size=1, pxMode=False, brush=None,
                                        pen=pg.mkPen("k", width=2))
        self.box.addItem(self.marks)
        self.plot.scene().sigMouseMoved.connect(self._on_mouse_moved)

        self.stack = QStackedWidget()
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.plot)

        top = QHBoxLayout()
        top.addWidget(self.header, 1)
        top.addWidget(self.toggle)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.stats)
        layout.addWidget(self.tiles)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.hover)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)

    # ------------------------------------------------------------------ content
    def set_array(self, name: str, array: np.ndarray, caption: str = "") -> None:
        a = np.asarray(array)
        self.name, self.array = name, a
        shape = "×".join(str(s) for s in a.shape) if a.ndim else self.tr("scalar")
        text = f"<b>{name}</b> &nbsp; <span style='color:#555'>({shape}, {a.dtype})</span>"
        if caption:
            text += f" &nbsp; <span style='color:#555'>{caption}</span>"
        self.header.setText(text)
        if a.size == 0:
            self.stats.setText(self.tr("empty"))
        elif not np.issubdtype(a.dtype, np.number) or np.issubdtype(a.dtype, np.integer) and a.ndim == 1 \
                and name == "t":
            self.stats.setText(self.tr("class labels"))
        else:
            af = a.astype(np.float64)
            with np.errstate(invalid="ignore", over="ignore"):
                stats = [format_value(f(af)) if not np.isnan(af).all() else "nan"
                         for f in (np.nanmin, np.nanmax, np.nanmean)]
            self.stats.setText(self.tr("min {0}   max {1}   mean {2}").format(*stats))
            bad = int((~np.isfinite(af)).sum())
            if bad:
                self.stats.setText(self.stats.text() + "   " + self.tr("<b>{0} not finite</b>").format(bad))
        self.tiles.setText(self._tiles_hint(a.shape))
        self.tiles.setVisible(bool(self.tiles.text()))
        small = grid_cells(a.shape)
        big = small.size > TABLE_ANY and (small.size > TABLE_CELLS or small.shape[1] > TABLE_COLUMNS)
        self.toggle.blockSignals(True)
        self.toggle.setChecked(not big)
        self.toggle.setVisible(big and small.size <= TOGGLE_CELLS)
        self.toggle.blockSignals(False)
        self._show("heatmap" if big else "table")

    def _tiles_hint(self, shape: tuple[int, ...]) -> str:
        if len(shape) == 4:
            return self.tr("Tiles: one row per index of the 1st axis (0…{0}), one column per index of the "
                           "2nd axis (0…{1}); point at a cell for its exact index.").format(shape[0] - 1, shape[1] - 1)
        if len(shape) == 3:
            return self.tr("Tiles: one per index of the 1st axis (0…{0}); point at a cell for its exact "
                           "index.").format(shape[0] - 1)
        return ""

    def _on_toggle(self, checked: bool) -> None:
        self._show("table" if checked else "heatmap")
        self.mode_changed.emit()

    def _show(self, mode: str) -> None:
        a = self.array
        self.mode = mode
        self.highlighted = ()
        self.marks.clear()
        vertical = QSizePolicy.Policy.Maximum if mode == "table" else QSizePolicy.Policy.Expanding
        self.setSizePolicy(QSizePolicy.Policy.Preferred, vertical)
        # the hidden page must not take room: a stacked widget sizes itself to its largest page
        shown, hidden = (self.table, self.plot) if mode == "table" else (self.plot, self.table)
        shown.setSizePolicy(QSizePolicy.Policy.Preferred, vertical)
        hidden.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        if mode == "table":
            self.hover.setText(" ")
            self.cells = grid_cells(a.shape)
            self._fill_table(values_on_grid(a, self.cells) if a.size else np.zeros((0, 0)))
            self.stack.setCurrentWidget(self.table)
        else:
            self.cells = grid_cells(a.shape, fold=True)
            # pictures (folded rows, tiles) keep square pixels; plain matrices fill the space
            self.box.setAspectLocked(a.ndim > 2 or a.ndim == 2 and self.cells.shape != a.shape)
            grid = values_on_grid(a, self.cells)
            self._fill_image(grid)
            m = self._levels(grid)
            self.hover.setText(self.tr("blue {0} · white 0 · red {1} — point at a cell to read it").format(
                format_value(-m), format_value(m)))
            self.stack.setCurrentWidget(self.plot)

    def _levels(self, grid: np.ndarray) -> float:
        finite = np.abs(grid[np.isfinite(grid)])
        m = float(finite.max()) if finite.size else 0.0
        return m if m > 0 else 1.0

    @staticmethod
    def _tint(v: float, m: float) -> QColor:
        f = 0.5 + 0.5 * v / m if np.isfinite(v) else (1.0 if v > 0 else 0.0 if v < 0 else 0.5)
        color = QColor(_CMAP.map(min(1.0, max(0.0, f)), mode="qcolor"))
        color.setAlpha(110)
        return color

    def _fill_table(self, grid: np.ndarray) -> None:
        t = self.table
        t.clear()
        t.setRowCount(grid.shape[0])
        t.setColumnCount(grid.shape[1])
        m = self._levels(grid) if grid.size else 1.0
        plain = self.array.ndim <= 2      # headers are array indices (0-based, like NumPy)
        t.horizontalHeader().setVisible(plain)
        t.verticalHeader().setVisible(plain)
        if plain:
            t.setHorizontalHeaderLabels([str(i) for i in range(grid.shape[1])])
            t.setVerticalHeaderLabels([str(i) for i in range(grid.shape[0])])
        for r in range(grid.shape[0]):
            for c in range(grid.shape[1]):
                flat = int(self.cells[r, c])
                if flat == GAP:
                    continue
                v = float(grid[r, c])
                item = QTableWidgetItem(format_value(v))
                item.setData(VALUE_ROLE, v)
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                item.setToolTip(self._element_text(flat))
                item.setBackground(self._tint(v, m))
                t.setItem(r, c, item)
        t.resizeColumnsToContents()
        rows = max(1, grid.shape[0])
        header = t.horizontalHeader().sizeHint().height() if plain else 0
        scroll = t.horizontalScrollBar().sizeHint().height() \
            if t.horizontalHeader().length() + 40 > self.width() else 0
        height = min(260, header + 20 * rows + 2 * t.frameWidth() + scroll + 2)
        t.setFixedHeight(height)
        self.stack.setFixedHeight(height)

    def _fill_image(self, grid: np.ndarray) -> None:
        m = self._levels(grid)
        shown = np.where(np.isnan(grid), np.nan, np.clip(grid, -m, m))   # ±inf at the ends of the scale
        self.image.setImage(shown, levels=(-m, m), lut=_CMAP.getLookupTable(nPts=256, alpha=False))
        self._grid = grid
        self.image.setRect(0, 0, grid.shape[1], grid.shape[0])
        self.box.setRange(xRange=(0, grid.shape[1]), yRange=(0, grid.shape[0]), padding=0.02)
        rows, cols = grid.shape
        aspect_rows = max(rows, cols / 8)
        self.plot.setMinimumHeight(int(min(260, max(60, 220 * aspect_rows / max(cols, 1)))))
        self.stack.setMinimumHeight(self.plot.minimumHeight())
        self.stack.setMaximumHeight(16777215)

    # ------------------------------------------------------------------ read-back (also used by tests)
    def shown_values(self) -> np.ndarray:
        """The values the widget currently displays, put back into the array's shape."""
        if self.mode == "table":
            grid = np.full(self.cells.shape, np.nan)
            for r in range(self.table.rowCount()):
                for c in range(self.table.columnCount()):
                    item = self.table.item(r, c)
                    if item is not None:
                        grid[r, c] = float(item.data(VALUE_ROLE))
        else:
            # the picture draws ±inf at the ends of the colour scale; read them back as the
            # hover text reports them
            grid = np.asarray(self.image.image, dtype=np.float64).copy()
            inf = np.isinf(self._grid)
            grid[inf] = self._grid[inf]
        return values_from_grid(grid, self.cells, self.array.shape)

    def _element_text(self, flat: int) -> str:
        index = np.unravel_index(flat, self.array.shape) if self.array.ndim else ()
        value = self.array.reshape(-1)[flat]
        return f"{self.name}{index_text(tuple(int(i) for i in index))} = {value}" if self.array.ndim \
            else f"{self.name} = {value}"

    def hover_text(self, row: int, col: int) -> str:
        """The text shown for the grid cell (row, col): index and full-precision value."""
        if not (0 <= row < self.cells.shape[0] and 0 <= col < self.cells.shape[1]):
            return " "
        flat = int(self.cells[row, col])
        return " " if flat == GAP else self._element_text(flat)

    def flat_at(self, row: int, col: int) -> int:
        if not (0 <= row < self.cells.shape[0] and 0 <= col < self.cells.shape[1]):
            return GAP
        return int(self.cells[row, col])

    def _on_cell_entered(self, row: int, col: int) -> None:
        self.hover.setText(self.hover_text(row, col))
        self.hovered.emit(self.flat_at(row, col))

    def _on_mouse_moved(self, pos: QPointF) -> None:
        p = self.image.mapFromScene(pos)
        row, col = int(np.floor(p.y())), int(np.floor(p.x()))
        self.hover.setText(self.hover_text(row, col))
        self.hovered.emit(self.flat_at(row, col))

    def highlight(self, flat_indices) -> None:
        """Mark these elements (flat indices into the array): selected cells in the table,
        outlined squares on the heat map. An empty sequence clears the marks."""
        self.highlighted = tuple(int(i) for i in flat_indices)
        wanted = set(self.highlighted)
        where = np.argwhere(np.isin(self.cells, list(wanted))) if wanted else np.zeros((0, 2), int)
        if self.mode == "table":
            self.table.clearSelection()
            for r, c in where:
                item = self.table.item(int(r), int(c))
                if item is not None:
                    item.setSelected(True)
            if len(where):
                self.table.scrollToItem(self.table.item(int(where[0][0]), int(where[0][1])))
        self.marks.setData(x=where[:, 1] + 0.5, y=where[:, 0] + 0.5) if len(where) else self.marks.clear()
