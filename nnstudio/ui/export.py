"""Export of plots: PNG (chosen size and DPI), SVG and CSV of the data behind them.

    export_png(plot_item, "loss.png", width=1600, height=900, dpi=200)
    export_svg(plot_item, "loss.svg")
    export_csv(plot_item, "loss.csv")          # the plotted values, exactly

A *target* is anything a view's ``export_targets()`` returns: a pyqtgraph ``PlotItem``,
``ImageItem``, ``GraphicsLayout`` or other graphics item, a ``PlotWidget`` /
``GraphicsLayoutWidget`` / ``ImageView``, or a plain ``QWidget`` (PNG and SVG by rendering the
widget; CSV when it has an ``export_table()`` method returning ``(header, columns)``).

The CSV of a plot should hold the values the plot shows, named as they are meant, not the
drawing's coordinates (a bar's ``y0``/``height``, a colour image's channels). A view says what
its plots mean with ``table_for(target)``: the :class:`Table` behind ``target`` (build it with
:func:`make_table` or :func:`joined`), None for a target it leaves to the generic export below,
or ValueError when the plot has no data yet. Pass the view as ``view=`` to export_csv /
has_table / export::

    export_csv(plot_item, "gradients.csv", view=gradients_view)

Everything is rendered to memory first and written with
:func:`nnstudio.engine.io.atomic_write_bytes`, so a failed export never leaves half a file or
spoils an older one. Failures raise :class:`ExportError` (path + plain reason); the UI turns
that into a translated message.
"""

from __future__ import annotations

import base64
import csv
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import pyqtgraph as pg
from pyqtgraph.exporters import ImageExporter, SVGExporter
from PySide6.QtCore import QBuffer, QByteArray, QCoreApplication, QIODevice, QPoint, QRectF, QSize, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene, QWidget

from nnstudio.engine.io import atomic_write_bytes

from .os_words import os_refusal

INCH = 0.0254  # metres
FORMATS = ("png", "svg", "csv")


RENDER, TARGET, WRITE = "render", "target", "write"


translate = QCoreApplication.translate    # lupdate reads translate("context", "text") calls


class ExportError(Exception):
    """An export that could not be done: ``path``, a translated ``reason`` and a ``kind``:
    RENDER (the plot could not be drawn or holds no data), TARGET (a bad file name or
    format), WRITE (the operating system refused the write: permissions, disk full)."""

    def __init__(self, path: os.PathLike | str, reason: str, kind: str = WRITE):
        self.path = os.fspath(path)
        self.reason = reason
        self.kind = kind
        super().__init__(f"{self.path}: {reason}")


@dataclass(frozen=True)
class Table:
    """The data behind a plot: named columns (of possibly different lengths)."""

    header: tuple[str, ...]
    columns: tuple[np.ndarray, ...]

    def column(self, name: str) -> np.ndarray:
        return self.columns[self.header.index(name)]


def make_table(*columns: tuple[str, Sequence]) -> Table:
    """A table from ``(name, values)`` pairs (columns may differ in length; a value None is
    written as an empty cell)."""
    return Table(tuple(name for name, _ in columns), tuple(_column(values) for _, values in columns))


def joined(key: str, series: Sequence[tuple[str, Sequence, Sequence]]) -> Table:
    """Curves that share an x axis as one table: a ``key`` column with every x value once
    (sorted), and a column per ``(name, x, y)`` holding y in the rows of its x, empty cells
    elsewhere (a per-epoch curve beside a per-iteration one). Whole-number keys are written
    as integers."""
    xs = [np.asarray(x, dtype=np.float64) for _, x, _ in series]
    keys = np.unique(np.concatenate(xs)) if xs else np.zeros(0)
    columns: list[tuple[str, Sequence]] = [(key, _whole(keys))]
    for (name, _, y), x in zip(series, xs):
        column = np.full(len(keys), None, dtype=object)
        column[np.searchsorted(keys, x)] = list(np.asarray(y, dtype=np.float64))
        columns.append((name, column))
    return make_table(*columns)


def _whole(values: np.ndarray) -> np.ndarray:
    values = np.asarray(values)
    if values.dtype.kind == "f" and values.size and np.all(np.isfinite(values)) \
            and np.all(values == np.round(values)):
        return values.astype(np.int64)
    return values


def _column(values) -> np.ndarray:
    if isinstance(values, np.ndarray):
        return values
    values = list(values)
    if any(v is None or isinstance(v, str) for v in values):
        return np.array(values, dtype=object)
    return np.asarray(values)


def no_data() -> ValueError:
    """The error of a plot that holds no data yet (a view's table_for raises it)."""
    return ValueError(translate("Export", "the plot holds no data yet"))


# --------------------------------------------------------------------------- targets
def graphics_target(target) -> QGraphicsItem | QGraphicsScene | None:
    """The graphics item (or scene) pyqtgraph's exporters should render for ``target``;
    None for a plain QWidget."""
    if isinstance(target, (QGraphicsItem, QGraphicsScene)):
        return target
    if isinstance(target, pg.PlotWidget):
        return target.getPlotItem()
    if isinstance(target, pg.ImageView):
        return target.getView()
    if isinstance(target, pg.GraphicsLayoutWidget):
        return target.ci
    if isinstance(target, pg.GraphicsView):
        return target.sceneObj
    return None


def source_size(target) -> QSize:
    """The on-screen size of ``target`` in pixels (the default export size)."""
    item = graphics_target(target)
    if isinstance(item, QGraphicsScene):
        rect = item.sceneRect()
    elif item is not None:
        rect = item.sceneBoundingRect()
    else:
        return target.size()
    return QSize(max(1, round(rect.width())), max(1, round(rect.height())))


def _has_view(item) -> bool:
    scene = item if isinstance(item, QGraphicsScene) else item.scene()
    return scene is not None and bool(scene.views())


def descendants(item: QGraphicsItem) -> list[QGraphicsItem]:
    """Every item below ``item`` in the scene graph."""
    out, stack = [], list(item.childItems())
    while stack:
        child = stack.pop()
        out.append(child)
        stack.extend(child.childItems())
    return out


def view_boxes(item) -> list:
    """The ViewBoxes of a scene, or of an item and everything below it."""
    items = item.items() if isinstance(item, QGraphicsScene) else [item, *descendants(item)]
    return [i for i in items if isinstance(i, pg.ViewBox)]


# --------------------------------------------------------------------------- PNG
def render_png(target, width: int | None = None, height: int | None = None, dpi: float = 96.0) -> bytes:
    """The PNG bytes of ``target`` rendered at ``width`` × ``height`` pixels with ``dpi`` stored
    in the file (dots per metre). A different aspect ratio than on screen re-lays the plot out
    at that ratio for the export only (text is not stretched)."""
    size = source_size(target)
    width = int(size.width() if width is None else width)
    height = int(size.height() if height is None else height)
    if width < 1 or height < 1:
        raise ValueError(translate("Export", "the image size must be positive, got {0}×{1}").format(width, height))
    if dpi <= 0:
        raise ValueError(translate("Export", "the DPI must be positive, got {0}").format(dpi))
    item = graphics_target(target)
    if item is None:
        image = _render_widget(target, width, height)
    elif not _has_view(item):
        raise ValueError(translate("Export", "the plot is not shown in any view"))
    else:
        image = _render_graphics(item, width, height)
    dots = round(dpi / INCH)
    image.setDotsPerMeterX(dots)
    image.setDotsPerMeterY(dots)
    data = png_of(image)
    if data is None:
        raise ValueError(translate("Export", "the image could not be encoded as PNG"))
    return data


def png_of(image: QImage) -> bytes | None:
    """``image`` encoded as a PNG file's bytes; None if Qt could not encode it."""
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    saved = image.save(buf, "PNG")
    buf.close()
    return bytes(data.data()) if saved else None


def _render_graphics(item, width: int, height: int) -> QImage:
    old = item.geometry() if isinstance(item, pg.GraphicsWidget) else None
    if old is not None and old.width() > 0 and old.height() > 0:
        ratio = width / height
        if abs(ratio - old.width() / old.height()) > 1e-3:
            # keep the on-screen area, change the shape: fonts keep their size relative to it
            area = old.width() * old.height()
            h = (area / ratio) ** 0.5
            item.resize(ratio * h, h)
    try:
        exporter = ImageExporter(item)
        params = exporter.parameters()
        params.param("width").setValue(width, blockSignal=exporter.widthChanged)
        params.param("height").setValue(height, blockSignal=exporter.heightChanged)
        image = exporter.export(toBytes=True)
    finally:
        if old is not None and item.geometry() != old:
            item.setGeometry(old)
            for vb in view_boxes(item):   # the view range follows the size lazily
                if any(vb.autoRangeEnabled()):
                    vb.updateAutoRange()
                vb.updateMatrix()
    return image


def _render_widget(widget: QWidget, width: int, height: int) -> QImage:
    image = QImage(width, height, QImage.Format.Format_ARGB32)
    image.fill(widget.palette().window().color())
    painter = QPainter(image)
    try:   # one scale for both axes (no stretched text), centred
        w, h = max(1, widget.width()), max(1, widget.height())
        scale = min(width / w, height / h)
        painter.translate((width - w * scale) / 2, (height - h * scale) / 2)
        painter.scale(scale, scale)
        widget.render(painter, QPoint(0, 0))
    finally:
        painter.end()
    return image


# --------------------------------------------------------------------------- SVG
def render_svg(target) -> bytes:
    """The SVG document of ``target`` (pyqtgraph's SVGExporter; QSvgGenerator for widgets),
    its heat maps' pixels as sharp-edged blocks in every renderer (:func:`crisp_images`)."""
    item = graphics_target(target)
    if item is None:
        return crisp_images(_widget_svg(target))
    if not _has_view(item):
        raise ValueError(translate("Export", "the plot is not shown in any view"))
    return crisp_images(bytes(SVGExporter(item).export(toBytes=True)))


# An image Qt writes with image-rendering="optimizeSpeed" (a heat map: a weight, a value per
# pixel) is embedded at its own size, a few pixels stretched over the plot; browsers and
# Inkscape draw its pixels as blocks, librsvg (rsvg-convert, pandoc's SVG → PDF, GNOME's
# viewers) smooths them into a blur (seen with librsvg 2.54). Embedded enlarged by a whole
# factor, each pixel a block of identical pixels, the smoothing only softens the blocks'
# edges. Up to CRISP_SIDE pixels on the longer side, at most CRISP_FACTOR times.
CRISP_SIDE = 1024
CRISP_FACTOR = 32
_PIXEL_IMAGE = re.compile(rb'(<image\b[^>]*?image-rendering="optimizeSpeed"[^>]*?xlink:href="data:image/png;base64,)'
                          rb'([A-Za-z0-9+/=\s]+)(")')


def crisp_images(svg: bytes) -> bytes:
    """``svg`` with its pixel images (image-rendering="optimizeSpeed") enlarged by a whole
    factor, nearest neighbour; the elements' sizes stay as they were."""
    def enlarged(match: re.Match) -> bytes:
        image = QImage.fromData(base64.b64decode(match.group(2)), "PNG")
        side = max(image.width(), image.height())
        factor = min(CRISP_FACTOR, CRISP_SIDE // side) if side else 1
        if image.isNull() or factor < 2:
            return match.group(0)
        big = png_of(image.scaled(image.width() * factor, image.height() * factor,
                                  Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.FastTransformation))
        if big is None:
            return match.group(0)
        return match.group(1) + base64.b64encode(big) + match.group(3)
    return _PIXEL_IMAGE.sub(enlarged, svg)


def _widget_svg(widget: QWidget) -> bytes:
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    gen = QSvgGenerator()
    gen.setOutputDevice(buf)
    gen.setSize(widget.size())
    gen.setViewBox(QRectF(0, 0, widget.width(), widget.height()))
    painter = QPainter(gen)
    try:
        widget.render(painter, QPoint(0, 0))
    finally:
        painter.end()
    buf.close()
    return bytes(data.data())


# --------------------------------------------------------------------------- CSV
def plot_table(target, view=None) -> Table:
    """The data behind ``target`` as named columns: the table ``view.table_for(target)`` gives
    where the view has one (see the module's doc), else exactly as it was given to the plot.

    Curves and scatters give ``<name>_x`` / ``<name>_y``; bar charts every bar option that was
    set (``x``, ``height``, ``width``, ...); an image one column per column of its array
    (rows are the array's first axis); a layout the columns of each of its plots, prefixed by
    the plot's title. Raises ValueError when the target holds no data.
    """
    table = _view_table(view, target)
    if table is not None:
        return _finish(list(table.header), list(table.columns))
    if hasattr(target, "export_table") and callable(target.export_table):
        header, columns = target.export_table()
        return _finish(list(header), [np.asarray(c) for c in columns])
    item = graphics_target(target)
    if item is None:
        raise ValueError(translate("Export", "this view has no tabular data to export"))
    header: list[str] = []
    columns: list[np.ndarray] = []
    plots = _plots_in(item)
    for plot in plots:
        prefix = _title_of(plot) + ":" if len(plots) > 1 else ""
        for name, col in _plot_columns(plot):
            header.append(prefix + name)
            columns.append(col)
    if not plots:
        for name, col in _item_columns(item, 0):
            header.append(name)
            columns.append(col)
    if not header:
        raise ValueError(translate("Export", "the plot holds no data yet"))
    return _finish(header, columns)


def _view_table(view, target) -> Table | None:
    fn = getattr(view, "table_for", None)
    if not callable(fn):
        return None
    table = fn(target)
    if table is not None and not any(len(c) for c in table.columns):
        raise no_data()
    return table


def _finish(header: list[str], columns: list[np.ndarray]) -> Table:
    seen: dict[str, int] = {}
    unique = []
    for name in header:
        n = seen.get(name, 0)
        seen[name] = n + 1
        unique.append(name if n == 0 else f"{name}.{n}")
    cols = tuple(np.ravel(np.asarray(c)) for c in columns)
    return Table(tuple(unique), cols)


def _plots_in(item) -> list:
    if isinstance(item, pg.PlotItem):
        return [item]
    if isinstance(item, QGraphicsScene):
        candidates = item.items()
    elif isinstance(item, pg.GraphicsLayout):
        candidates = list(item.items.keys())
        nested = [c for c in candidates if isinstance(c, pg.GraphicsLayout)]
        for sub in nested:
            candidates.extend(_plots_in(sub))
    else:
        return []
    plots = [c for c in candidates if isinstance(c, pg.PlotItem)]
    return list(dict.fromkeys(plots))


def _title_of(plot: pg.PlotItem) -> str:
    text = plot.titleLabel.text if plot.titleLabel is not None else ""
    return text or "plot"


def _plot_columns(plot: pg.PlotItem):
    k = 0
    for child in plot.items:
        cols = list(_item_columns(child, k))
        if cols:
            k += 1
        yield from cols


def _item_columns(item, k: int):
    name = ""
    if hasattr(item, "name") and callable(item.name):
        name = item.name() or ""
    if isinstance(item, (pg.PlotDataItem, pg.PlotCurveItem, pg.ScatterPlotItem)):
        # a PlotDataItem's own getData() may be downsampled or clipped: take what was given
        x, y = item.getOriginalDataset() if isinstance(item, pg.PlotDataItem) else item.getData()
        if x is None or y is None or len(y) == 0:
            return
        name = name or f"curve{k}"
        yield f"{name}_x", np.asarray(x)
        yield f"{name}_y", np.asarray(y)
    elif isinstance(item, pg.BarGraphItem):
        name = name or f"bars{k}"
        keys = [key for key in ("x", "x0", "x1", "width", "y", "y0", "y1", "height")
                if item.opts.get(key) is not None]
        n = max((np.size(item.opts[key]) for key in keys), default=0)
        for key in keys:
            value = np.asarray(item.opts[key])
            yield f"{name}_{key}", np.broadcast_to(value, (n,)) if value.ndim == 0 else value
    elif isinstance(item, pg.ImageItem):
        image = item.image
        if image is None or np.size(image) == 0:
            return
        image = np.asarray(image)
        name = f"image{k}" if k else "image"
        if image.ndim == 2:
            for j in range(image.shape[1]):
                yield f"{name}_col{j}", image[:, j]
        else:  # colour: one row per pixel
            rows, cols = np.indices(image.shape[:2])
            yield f"{name}_row", rows.ravel()
            yield f"{name}_col", cols.ravel()
            flat = image.reshape(-1, image.shape[2])
            for c in range(flat.shape[1]):
                yield f"{name}_channel{c}", flat[:, c]


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (np.floating, float)):
        return repr(float(value))      # shortest text that reads back as the same number
    if isinstance(value, (np.integer, int, np.bool_, bool)):
        return str(int(value))
    return str(value)


def table_csv(table: Table) -> bytes:
    """CSV text of a table: a header row, then one row per index (blank past a short column)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table.header)
    n = max((len(c) for c in table.columns), default=0)
    for i in range(n):
        writer.writerow([_cell(c[i]) if i < len(c) else "" for c in table.columns])
    return out.getvalue().encode("utf-8")


def render_csv(target, view=None) -> bytes:
    return table_csv(plot_table(target, view))


# --------------------------------------------------------------------------- writing
def write_bytes(path: os.PathLike | str, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically; ExportError says why it failed."""
    p = Path(path)
    if p.is_dir():
        raise ExportError(p, translate("Export", "is a folder; choose a file name"), kind=TARGET)
    if not p.parent.is_dir():
        raise ExportError(p, translate("Export", "the folder {0} does not exist").format(p.parent), kind=TARGET)
    try:
        atomic_write_bytes(p, lambda f: f.write(data))
    except OSError as err:
        raise ExportError(p, translate("Export", "cannot write: {0}").format(os_refusal(err)), kind=WRITE) from None


def export_png(target, path, width: int | None = None, height: int | None = None, dpi: float = 96.0) -> None:
    write_bytes(path, _rendered(path, render_png, target, width, height, dpi))


def export_svg(target, path) -> None:
    write_bytes(path, _rendered(path, render_svg, target))


def export_csv(target, path, view=None) -> None:
    """The data behind ``target`` as CSV (``view``: the view showing it, see plot_table)."""
    write_bytes(path, _rendered(path, render_csv, target, view))


def export(target, path, fmt: str, width: int | None = None, height: int | None = None,
           dpi: float = 96.0, view=None) -> None:
    """Export ``target`` to ``path`` in ``fmt`` ("png", "svg" or "csv"); ``view`` is the view
    showing it, which names the CSV's columns (see plot_table)."""
    if fmt == "png":
        export_png(target, path, width, height, dpi)
    elif fmt == "svg":
        export_svg(target, path)
    elif fmt == "csv":
        export_csv(target, path, view)
    else:
        raise ExportError(path, translate("Export", "unknown format {0!r}; allowed: {1}").format(fmt, ", ".join(FORMATS)),
                          kind=TARGET)


def _rendered(path, render, *args) -> bytes:
    try:
        return render(*args)
    except ValueError as err:
        raise ExportError(path, str(err), kind=RENDER) from None


def has_table(target, view=None) -> bool:
    """Whether ``target`` (shown by ``view``) has data for a CSV export."""
    try:
        plot_table(target, view)
    except ValueError:
        return False
    return True


def targets_of(view) -> Sequence:
    """A view's export targets (an empty list for a view that offers none)."""
    fn = getattr(view, "export_targets", None)
    return list(fn()) if callable(fn) else []
