"""Plot export: PNG size/DPI/content, SVG curves, CSV values, atomic writes."""

from __future__ import annotations

import csv
import os
import re
import xml.etree.ElementTree as ET

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QLabel

from nnstudio.ui import export as ex

SVG_NS = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def plot(qtbot):
    w = pg.PlotWidget()
    w.resize(400, 300)
    qtbot.addWidget(w)
    w.show()
    pi = w.getPlotItem()
    pi.setTitle("loss")
    x1 = np.arange(10, dtype=np.float64)
    y1 = np.linspace(2.3, 0.1, 10) ** 1.5
    x2 = np.arange(25, dtype=np.float32)
    y2 = (np.cos(x2 / 3) * np.float32(0.3)).astype(np.float32) + np.float32(1e-9)
    pi.plot(x1, y1, name="train", pen="r")
    pi.plot(x2, y2, name="test", pen="b")
    qtbot.waitExposed(w)
    yield pi, (x1, y1), (x2, y2)


def _pixels(path) -> np.ndarray:
    img = QImage(str(path)).convertToFormat(QImage.Format.Format_RGB32)
    return pg.functions.ndarray_from_qimage(img).copy()


def _read_csv(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    cols = {name: [r[i] for r in body if i < len(r) and r[i] != ""] for i, name in enumerate(header)}
    return header, cols


def test_png_has_requested_size_dpi_and_content(plot, tmp_path):
    pi, *_ = plot
    out = tmp_path / "loss.png"
    ex.export_png(pi, out, width=640, height=480, dpi=200)
    img = QImage(str(out))
    assert (img.width(), img.height()) == (640, 480)
    assert img.dotsPerMeterX() == round(200 / 0.0254)
    assert img.dotsPerMeterY() == round(200 / 0.0254)
    px = _pixels(out)
    assert px.var() > 0
    # a red curve was drawn somewhere
    red = (px[..., 2] > 150) & (px[..., 1] < 80) & (px[..., 0] < 80)
    assert red.sum() > 50


def test_png_other_aspect_ratio_and_live_plot_unchanged(plot, tmp_path, qtbot):
    pi, *_ = plot
    # the axes size themselves to their tick labels over the first paints (deferred layout
    # events): settle until two renders agree, so "unchanged" below compares settled plots
    svg_before = b""
    for _ in range(50):
        ex.render_png(pi)
        qtbot.wait(20)
        svg = ex.render_svg(pi)
        if svg == svg_before:
            break
        svg_before = svg
    else:
        pytest.fail("the plot never settled")
    before = pi.geometry()
    out = tmp_path / "wide.png"
    ex.export_png(pi, out, width=1200, height=300, dpi=96)
    img = QImage(str(out))
    assert (img.width(), img.height()) == (1200, 300)
    px = _pixels(out)
    # the plot fills the whole width: the blue curve (x up to 24) reaches the right third
    blue = (px[..., 0] > 150) & (px[..., 1] < 80) & (px[..., 2] < 80)
    assert blue[:, 800:].sum() > 10
    assert pi.geometry() == before
    assert ex.render_svg(pi) == svg_before


def _path_point_counts(svg_bytes) -> list[int]:
    root = ET.fromstring(svg_bytes)
    counts = []
    for el in root.iter(f"{SVG_NS}path"):
        d = el.get("d", "")
        counts.append(len(re.findall(r"[ML]", d)))
    return counts


def test_svg_is_xml_and_holds_each_curve(plot, tmp_path):
    pi, (x1, _), (x2, _) = plot
    out = tmp_path / "loss.svg"
    ex.export_svg(pi, out)
    counts = _path_point_counts(out.read_bytes())
    assert len(x1) in counts and len(x2) in counts


def test_csv_columns_equal_plotted_data(plot, tmp_path):
    pi, (x1, y1), (x2, y2) = plot
    out = tmp_path / "loss.csv"
    ex.export_csv(pi, out)
    header, cols = _read_csv(out)
    assert header == ["train_x", "train_y", "test_x", "test_y"]
    np.testing.assert_array_equal(np.array(cols["train_x"], float), x1)
    np.testing.assert_array_equal(np.array(cols["train_y"], float), y1)
    assert len(cols["test_y"]) == 25
    # float32 values read back bit-identical
    np.testing.assert_array_equal(np.array(cols["test_y"], float).astype(np.float32), y2)
    np.testing.assert_array_equal(np.array(cols["test_x"], float).astype(np.float32), x2)


def test_csv_of_bars_and_image(qtbot, tmp_path):
    w = pg.PlotWidget()
    qtbot.addWidget(w)
    bars = pg.BarGraphItem(x=np.arange(4), height=np.array([3.0, 1.5, 0.25, 7.0]), width=0.8, name="acc")
    w.addItem(bars)
    out = tmp_path / "bars.csv"
    ex.export_csv(w, out)
    header, cols = _read_csv(out)
    assert header == ["acc_x", "acc_width", "acc_height"]
    assert cols["acc_height"] == ["3.0", "1.5", "0.25", "7.0"]
    assert cols["acc_width"] == ["0.8"] * 4

    iw = pg.PlotWidget()
    qtbot.addWidget(iw)
    data = np.arange(12, dtype=np.float32).reshape(3, 4) / 7
    iw.addItem(pg.ImageItem(data))
    table = ex.plot_table(iw)
    assert len(table.header) == 4
    np.testing.assert_array_equal(np.stack(table.columns, axis=1), data)
    ex.export_csv(iw, tmp_path / "img.csv")
    _, cols = _read_csv(tmp_path / "img.csv")
    np.testing.assert_array_equal(np.array(cols["image_col2"], float).astype(np.float32), data[:, 2])


def test_layout_with_two_plots(qtbot, tmp_path):
    w = pg.GraphicsLayoutWidget()
    w.resize(500, 300)
    qtbot.addWidget(w)
    w.show()
    a = w.addPlot(title="loss")
    a.plot([0, 1, 2], [3.0, 2.0, 1.0], name="train")
    b = w.addPlot(title="accuracy")
    b.plot([0, 1], [0.5, 0.9], name="test")
    qtbot.waitExposed(w)
    table = ex.plot_table(w)
    assert table.header == ("loss:train_x", "loss:train_y", "accuracy:test_x", "accuracy:test_y")
    ex.export_png(w, tmp_path / "both.png", 500, 300)
    assert QImage(str(tmp_path / "both.png")).width() == 500
    assert _pixels(tmp_path / "both.png").var() > 0


def test_plain_widget_png_svg_but_no_csv(qtbot, tmp_path):
    label = QLabel("diagram")
    label.resize(120, 40)
    qtbot.addWidget(label)
    ex.export_png(label, tmp_path / "w.png", 240, 80, dpi=150)
    img = QImage(str(tmp_path / "w.png"))
    assert (img.width(), img.height()) == (240, 80)
    assert _pixels(tmp_path / "w.png").var() > 0
    ex.export_svg(label, tmp_path / "w.svg")
    assert ET.fromstring((tmp_path / "w.svg").read_bytes()).tag == f"{SVG_NS}svg"
    assert not ex.has_table(label)
    with pytest.raises(ex.ExportError, match="no tabular data"):
        ex.export_csv(label, tmp_path / "w.csv")
    assert not (tmp_path / "w.csv").exists()


def test_widget_with_export_table_protocol(qtbot, tmp_path):
    class Table(QLabel):
        def export_table(self):
            return ["epoch", "loss"], [np.array([1, 2]), np.array([0.5, 0.25])]

    t = Table()
    qtbot.addWidget(t)
    ex.export_csv(t, tmp_path / "t.csv")
    assert (tmp_path / "t.csv").read_text() == "epoch,loss\n1,0.5\n2,0.25\n"


def test_failed_write_keeps_old_file_and_leaves_no_temp(plot, tmp_path, monkeypatch):
    pi, *_ = plot
    out = tmp_path / "loss.png"
    out.write_bytes(b"old picture")

    def boom(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", boom)          # fails after half the bytes are written
    with pytest.raises(ex.ExportError, match="cannot write: the disk is full"):
        ex.export_png(pi, out, 300, 200)
    assert out.read_bytes() == b"old picture"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["loss.png"]

    monkeypatch.undo()
    monkeypatch.setattr(os, "replace", lambda *a: (_ for _ in ()).throw(PermissionError(13, "Permission denied")))
    with pytest.raises(ex.ExportError, match="permission denied"):
        ex.export_svg(pi, out)
    assert out.read_bytes() == b"old picture"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["loss.png"]


def test_bad_targets_give_clear_errors(plot, tmp_path):
    pi, *_ = plot
    with pytest.raises(ex.ExportError, match="is a folder"):
        ex.export_csv(pi, tmp_path)
    with pytest.raises(ex.ExportError, match="does not exist"):
        ex.export_csv(pi, tmp_path / "nope" / "a.csv")
    with pytest.raises(ex.ExportError, match="must be positive"):
        ex.export_png(pi, tmp_path / "a.png", 0, 10)
    with pytest.raises(ex.ExportError, match="unknown format"):
        ex.export(pi, tmp_path / "a.gif", "gif")
    empty = pg.PlotItem()      # never shown in a view
    with pytest.raises(ex.ExportError, match="not shown"):
        ex.export_png(empty, tmp_path / "e.png", 10, 10)
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_empty_curves_are_no_data(qtbot, tmp_path):
    w = pg.PlotWidget()
    qtbot.addWidget(w)
    w.getPlotItem().plot([], [], name="nothing yet")
    assert not ex.has_table(w)
    with pytest.raises(ex.ExportError, match="holds no data yet"):
        ex.export_csv(w, tmp_path / "e.csv")
    w.getPlotItem().plot([1.0], [2.0], name="one")
    assert ex.plot_table(w).header == ("one_x", "one_y")


def test_exported_files_get_ordinary_permissions(plot, tmp_path):
    """A teacher exports into a shared folder: the files must be readable like any other."""
    pi, *_ = plot
    mask = os.umask(0o022)
    os.umask(mask)
    for fmt in ("png", "svg", "csv"):
        out = tmp_path / f"p.{fmt}"
        ex.export(pi, out, fmt)
        assert out.stat().st_mode & 0o777 == 0o666 & ~mask, fmt


# --------------------------------------------------------------------------- a view's own tables
def test_a_target_the_view_leaves_alone_gets_the_generic_columns(qtbot, tmp_path):
    class Plain:
        def table_for(self, target):
            return None

    w = pg.PlotWidget()
    qtbot.addWidget(w)
    w.getPlotItem().plot([0, 1], [2.0, 3.0], name="loss")
    assert ex.plot_table(w, Plain()).header == ("loss_x", "loss_y")


def test_joined_puts_each_curve_in_the_rows_of_its_x():
    table = ex.joined("epoch", [("a", [1, 2, 3], [0.1, 0.2, 0.3]), ("b", [2.0], [5.0])])
    assert table.header == ("epoch", "a", "b")
    text = ex.table_csv(table).decode()
    assert text == "epoch,a,b\n1,0.1,\n2,0.2,5.0\n3,0.3,\n"


def test_a_views_table_is_what_every_csv_export_writes(qtbot, tmp_path):
    """The view names what its plot shows; the plotted coordinates are not the CSV."""
    from nnstudio.ui.export_views import export_all

    w = pg.PlotWidget()
    qtbot.addWidget(w)
    w.show()
    bars = pg.BarGraphItem(x=[0, 1], y0=-2.0, height=[1.5, 0.5], width=0.6)
    w.getPlotItem().addItem(bars)

    class View:
        empty = False

        def title(self):
            return "Bars"

        def export_targets(self):
            return [w.getPlotItem()]

        def table_for(self, target):
            if self.empty:
                raise ex.no_data()
            return ex.make_table(("layer", ["dense_1", "dense_2"]), ("value", [-0.5, -1.5]))

    view = View()
    expected = "layer,value\ndense_1,-0.5\ndense_2,-1.5\n"
    ex.export_csv(w.getPlotItem(), tmp_path / "one.csv", view=view)
    assert (tmp_path / "one.csv").read_text() == expected
    export_all([view], tmp_path / "all", None, None)
    assert (tmp_path / "all" / "Bars.csv").read_text() == expected
    view.empty = True
    assert not ex.has_table(w.getPlotItem(), view)
    assert ex.has_table(w.getPlotItem())          # (without the view: the bars' coordinates)


def test_svg_heat_maps_embed_their_pixels_as_blocks(qtbot):
    """A heat map's pixels reach the SVG enlarged by a whole factor, nearest neighbour, in an
    element of the same size: librsvg (rsvg-convert, pandoc's PDFs), which ignores the
    image-rendering hint, blurred a 6×6 checkerboard into grey waves."""
    import base64
    w = pg.GraphicsLayoutWidget()
    qtbot.addWidget(w)
    pi = w.addPlot()
    checker = (np.indices((6, 4)).sum(0) % 2).astype(float)
    pi.addItem(pg.ImageItem(checker, levels=(0, 1)))
    w.resize(400, 300)
    w.show()
    qtbot.waitExposed(w)
    root = ET.fromstring(ex.render_svg(pi))
    images = [e for e in root.iter(f"{SVG_NS}image") if e.get("image-rendering") == "optimizeSpeed"]
    assert len(images) == 1
    element = images[0]
    assert (element.get("width"), element.get("height")) == ("6", "4")      # pyqtgraph's axes: x rows
    href = element.get("{http://www.w3.org/1999/xlink}href")
    image = QImage.fromData(base64.b64decode(href.split(",", 1)[1]), "PNG")
    k = min(ex.CRISP_FACTOR, ex.CRISP_SIDE // 6)
    assert (image.width(), image.height()) == (6 * k, 4 * k)
    shades = np.array([[image.pixelColor(x, y).red() for x in range(image.width())] for y in range(image.height())])
    blocks = shades.reshape(4, k, 6, k)
    assert (blocks == blocks[:, :1, :, :1]).all()                            # each pixel a k×k block
    assert len(np.unique(blocks[:, 0, :, 0])) == 2                           # black and white, alternating
    assert (blocks[:, 0, :-1, 0] != blocks[:, 0, 1:, 0]).all()


def test_crisp_images_leaves_other_images_alone():
    plain = (b'<svg><image width="2" height="2" xlink:href="data:image/png;base64,AAAA"/>'
             b'<image image-rendering="optimizeSpeed" width="2" xlink:href="data:image/png;base64,!!"/></svg>')
    assert ex.crisp_images(plain) == plain          # smooth photos, and data that is no PNG
