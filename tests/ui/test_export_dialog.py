"""The export dialog, the views' right-click menu and "Export all views"."""

from __future__ import annotations

import csv
import os

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QContextMenuEvent, QImage
from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget

from nnstudio.project.files import load_project
from nnstudio.project.history import EPOCH_COLUMNS, RunHistory
from nnstudio.project.model import default_project
from nnstudio.project.recovery import Autosave
from nnstudio.ui.export_dialog import ExportDialog, ExportMenu, ViewExportMenu
from nnstudio.ui.export_views import export_all, file_stem
from nnstudio.ui.export import ExportError
from nnstudio.ui.file_actions import ProjectFiles
from window_fixtures import shot
from language_fixtures import japanese  # noqa: F401 - fixture


@pytest.fixture
def plot_widget(qtbot):
    w = pg.PlotWidget()
    w.resize(300, 200)
    qtbot.addWidget(w)
    w.show()
    w.getPlotItem().plot([0, 1, 2, 3], [1.0, 0.5, 0.25, 0.125], name="loss", pen="y")
    qtbot.waitExposed(w)
    return w


class FakeView(QWidget):
    """A view as the views engineer builds them: title() and export_targets()."""

    def __init__(self, title, targets_factory):
        super().__init__()
        self._title = title
        layout = QVBoxLayout(self)
        self.widgets = targets_factory()
        for w in self.widgets:
            layout.addWidget(w)

    def title(self):
        return self._title

    def export_targets(self):
        return [w.getPlotItem() if isinstance(w, pg.PlotWidget) else w for w in self.widgets]


def _plot(name, ys):
    w = pg.PlotWidget()
    w.getPlotItem().setTitle(name)
    w.getPlotItem().plot(np.arange(len(ys)), np.asarray(ys, float), name=name)
    return w


def test_dialog_sizes_formats_and_screenshot(plot_widget, qtbot, tmp_path):
    dlg = ExportDialog(plot_widget.getPlotItem(), "Loss curve", "png", str(tmp_path))
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    assert dlg.width_box.value() == 600 and dlg.height_box.value() == 400   # twice the screen size
    dlg.width_box.setValue(1500)
    assert dlg.height_box.value() == 1000                                  # proportions kept
    dlg.keep_aspect.setChecked(False)
    dlg.height_box.setValue(500)
    assert dlg.width_box.value() == 1500
    dlg.dpi_box.setValue(300)
    assert dlg.print_size.text() == "Printed at 300 DPI: 12.7 × 4.2 cm"
    assert dlg.request().path == str(tmp_path / "Loss_curve.png")
    shot(dlg, "export_dialog")
    dlg.set_format("svg")
    assert dlg.request().path.endswith("Loss_curve.svg")
    assert not dlg.width_box.isEnabled() and not dlg.dpi_box.isEnabled()
    dlg.set_format("csv")
    assert dlg.fmt() == "csv" and dlg.request().path.endswith(".csv")
    # a folder instead of a file: the dialog says so and stays open
    dlg.path_edit.setText(str(tmp_path))
    dlg.accept()
    assert dlg.isVisible() and "is a folder" in dlg.problem.text()
    dlg.path_edit.setText(str(tmp_path / "missing" / "a.csv"))
    dlg.accept()
    assert dlg.isVisible() and "does not exist" in dlg.problem.text()
    dlg.path_edit.setText(str(tmp_path / "a.csv"))
    dlg.accept()
    assert not dlg.isVisible()


def test_csv_disabled_without_data(qtbot, tmp_path):
    label = QLabel("no data")
    qtbot.addWidget(label)
    dlg = ExportDialog(label, "Diagram", "csv", str(tmp_path))
    qtbot.addWidget(dlg)
    assert dlg.fmt() == "png"
    assert not dlg.format.model().item(2).isEnabled()


def test_export_menu_actions_export(plot_widget, tmp_path, qtbot):
    menu = ExportMenu(plot_widget.getPlotItem(), "Loss")
    assert [a.text() for a in menu.actions.values()] == ["Export as PNG…", "Export as SVG…", "Export as CSV…"]

    def accept(dialog):
        dialog.path_edit.setText(str(tmp_path / "loss"))
        dialog.width_box.setValue(450)
        return True

    menu.exec_dialog = accept
    written = []
    menu.exported.connect(written.append)
    menu.actions["png"].trigger()
    menu.actions["csv"].trigger()
    assert written == [str(tmp_path / "loss.png"), str(tmp_path / "loss.csv")]
    img = QImage(str(tmp_path / "loss.png"))
    assert (img.width(), img.height()) == (450, 300)
    assert (tmp_path / "loss.csv").read_text().splitlines()[:2] == ["loss_x,loss_y", "0,1.0"]
    assert ExportMenu.last_folder == str(tmp_path)

    errors = []
    menu.show_error = errors.append
    menu.exec_dialog = lambda d: (d.path_edit.setText(str(tmp_path / "gone" / "x.svg")), True)[1]
    assert menu.run("svg") is False
    assert "does not exist" in errors[-1] and "x.svg" in errors[-1]
    menu.exec_dialog = lambda d: False             # cancelled
    assert menu.run("svg") is False and len(errors) == 1


def _history():
    return RunHistory(iterations=[(1, 1, 2.0, 2.0, 0.1, 0.5), (2, 1, 1.5, 1.5, 0.1, 1.0)],
                      epochs=[(1, 2, 1.4, 0.6, 1.45, 0.58, 0.1, 1.0)])


def test_export_all_writes_every_view_metrics_and_project(qtbot, tmp_path):
    views = [FakeView("Loss", lambda: [_plot("loss", [3, 2, 1])]),
             FakeView("Gradients ‖∂E/∂W‖", lambda: [_plot("norms", [0.1, 0.2]), _plot("bars", [1, 2, 3, 4])]),
             FakeView("Diagram", lambda: [QLabel("784 → 50 → 10")]),
             FakeView("Loss", lambda: [_plot("again", [1, 1])])]
    for v in views:
        qtbot.addWidget(v)
        v.resize(400, 300)
        v.show()
    out = tmp_path / "report"
    report = export_all(views, out, default_project(), _history())
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted([
        "Loss.png", "Loss.svg", "Loss.csv",
        "Gradients_E_W-1.png", "Gradients_E_W-1.svg", "Gradients_E_W-1.csv",
        "Gradients_E_W-2.png", "Gradients_E_W-2.svg", "Gradients_E_W-2.csv",
        "Diagram.png", "Diagram.svg",
        "Loss-2.png", "Loss-2.svg", "Loss-2.csv",
        "metrics.csv", "iterations.csv", "project.json"])
    assert sorted(p.name for p in report.written) == names
    assert report.skipped == []
    assert load_project(out / "project.json") == default_project()
    with open(out / "metrics.csv", newline="") as f:
        rows = list(csv.reader(f))
    assert tuple(rows[0]) == EPOCH_COLUMNS and rows[1][:3] == ["1", "2", "1.4"]
    loss_png = QImage(str(out / "Loss.png"))
    target = views[0].export_targets()[0]
    assert loss_png.width() == round(target.sceneBoundingRect().width() * 2)
    assert (out / "Loss-2.csv").read_text() == "again_x,again_y\n0,1.0\n1,1.0\n"


def test_export_all_into_unwritable_folder(qtbot, tmp_path, monkeypatch):
    view = FakeView("Loss", lambda: [_plot("loss", [3, 2, 1])])
    qtbot.addWidget(view)
    view.show()
    (tmp_path / "file").write_text("x")
    with pytest.raises(ExportError, match="is a file"):
        export_all([view], tmp_path / "file", None, None)
    monkeypatch.setattr(os, "replace", lambda *a: (_ for _ in ()).throw(PermissionError(13, "Permission denied")))
    with pytest.raises(ExportError, match="permission denied"):
        export_all([view], tmp_path / "out", default_project(), None)
    assert [p.name for p in (tmp_path / "out").iterdir()] == []


def test_export_all_through_project_files(qtbot, tmp_path, monkeypatch):
    view = FakeView("Accuracy", lambda: [_plot("acc", [0.5, 0.9])])
    qtbot.addWidget(view)
    view.show()
    widget = QWidget()
    qtbot.addWidget(widget)
    history = _history()
    files = ProjectFiles(default_project, lambda p: None, get_history=lambda: history,
                         get_views=lambda: [view], parent=widget,
                         settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat),
                         autosave=Autosave(tmp_path / "rec"))
    errors, notes = [], []
    files.show_error = lambda title, text: errors.append(text)
    files.statusMessage.connect(notes.append)
    files.ask_folder = lambda: str(tmp_path / "exp")
    assert files.export_all_action.isEnabled()
    files.export_all_action.trigger()
    assert (tmp_path / "exp" / "Accuracy.csv").exists() and errors == []
    assert notes[-1].startswith("Exported 6 files")
    monkeypatch.setattr(os, "replace", lambda *a: (_ for _ in ()).throw(PermissionError(13, "Permission denied")))
    assert files.export_all_views(tmp_path / "exp2") is False
    assert "permission denied" in errors[-1]


def test_file_stem():
    assert file_stem("Loss / accuracy") == "Loss_accuracy"
    assert file_stem("損失") == "損失"
    assert file_stem("***") == "view"


def _right_click(view, global_pos):
    """The menu a right click at ``global_pos`` opens on the view (not shown), its entries as
    texts; a submenu as [its title, its entries]."""
    menu = view.findChild(ViewExportMenu).menu_at(global_pos)
    return [[a.menu().title(), [b.text() for b in a.menu().actions()]] if a.menu() else a.text()
            for a in menu.actions()]


def _centre(plot_widget):
    return plot_widget.mapToGlobal(plot_widget.rect().center())


def test_right_click_exports_the_plot_under_the_pointer(qtbot, tmp_path, monkeypatch):
    view = FakeView("Gradients", lambda: [_plot("norms", [0.1, 0.2]), _plot("bars", [1, 2])])
    qtbot.addWidget(view)
    ViewExportMenu(view)
    view.resize(400, 500)
    view.show()
    qtbot.waitExposed(view)
    norms, bars = view.widgets
    entries = ["Export as PNG…", "Export as SVG…", "Export as CSV…"]
    assert _right_click(view, _centre(bars)) == entries
    # away from the plots (the view's margin): a submenu per plot, named as Export All names them
    assert _right_click(view, view.mapToGlobal(view.rect().topLeft())) == \
        [["Gradients 1", entries], ["Gradients 2", entries]]
    # the entry exports the plot it was opened on
    monkeypatch.setattr(ExportMenu, "exec_dialog", lambda self, d: (
        d.set_format("csv"), d.path_edit.setText(str(tmp_path / "g.csv")), True)[2])
    menu = view.findChild(ViewExportMenu).menu_at(_centre(bars))
    menu.actions()[2].trigger()
    assert (tmp_path / "g.csv").read_text().splitlines()[0] == "bars_x,bars_y"


def test_the_plots_pass_the_right_click_on_to_the_view(qtbot):
    """pyqtgraph's own plot menus are off (untranslated, and its export is not atomic): a
    right click on a plot must reach the view's menu, not stop in the plot."""
    view = FakeView("Loss", lambda: [_plot("loss", [1.0, 0.5])])
    qtbot.addWidget(view)
    export_menu = ViewExportMenu(view)
    asked = []
    view.customContextMenuRequested.disconnect()
    view.customContextMenuRequested.connect(asked.append)
    view.show()
    qtbot.waitExposed(view)
    plot = view.widgets[0]
    plot.getPlotItem().setMenuEnabled(False)       # as the views style their plots
    at = plot.viewport().rect().center()
    QApplication.sendEvent(plot.viewport(), QContextMenuEvent(QContextMenuEvent.Reason.Mouse, at,
                                                              plot.viewport().mapToGlobal(at)))
    assert len(asked) == 1
    assert export_menu.menu_at(view.mapToGlobal(asked[0])) is not None


def test_export_all_rewrites_relative_data_paths_for_the_export_folder(qtbot, tmp_path):
    """The exported project.json kept "data/xor.csv", which from the export folder names a
    file that does not exist."""
    from nnstudio.data import load
    view = FakeView("Loss", lambda: [_plot("loss", [3, 2, 1])])
    qtbot.addWidget(view)
    view.show()
    course = tmp_path / "course"
    (course / "data").mkdir(parents=True)
    (course / "data" / "xor.csv").write_text("a,b,label\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n")
    project = default_project().with_(dataset={"name": "csv", "path": "data/xor.csv"})
    export_all([view], tmp_path / "report", project, None, data_dir=course)
    saved = load_project(tmp_path / "report" / "project.json")
    assert saved.dataset["path"] == str((course / "data" / "xor.csv").resolve())
    assert len(load(dict(saved.dataset), base_dir=tmp_path / "report").x_train) > 0
    export_all([view], course, project, None, data_dir=course)            # beside the project: as it was
    assert load_project(course / "project.json").dataset["path"] == "data/xor.csv"


def test_a_view_with_nothing_for_this_network_is_left_out_quietly(qtbot, tmp_path):
    """Feature maps of a network without convolutions: no picture of its note, and no "Some
    views were not exported" box on every Export All (the command line still names it)."""
    shown_view = FakeView("Loss", lambda: [_plot("loss", [1.0, 0.5])])
    empty_view = FakeView("Feature maps", lambda: [])
    for v in (shown_view, empty_view):
        qtbot.addWidget(v)
        v.show()
    report = export_all([shown_view, empty_view], tmp_path / "out", None, None)
    assert report.empty == ["Feature maps"] and report.skipped == []
    assert not list((tmp_path / "out").glob("Feature*"))


def test_a_run_history_that_cannot_be_exported_says_why_in_the_learners_language(qtbot, tmp_path, japanese):
    """Export All Views passed the history's English reason on: the Japanese dialog said
    「理由：is a folder; choose a file name」 for a metrics.csv it could not write."""
    view = FakeView("Loss", lambda: [_plot("loss", [3, 2, 1])])
    qtbot.addWidget(view)
    view.show()
    (tmp_path / "out" / "metrics.csv").mkdir(parents=True)       # a folder where the table goes
    with pytest.raises(ExportError) as info:
        export_all([view], tmp_path / "out", None, _history())
    assert info.value.reason == "フォルダーです。ファイル名を指定してください"


def test_export_all_names_files_in_english_in_any_ui_language(qtbot, tmp_path):
    """A view titled 損失 in the Japanese UI still writes Loss.png: a course's scripts and the
    README find the same names in every report."""
    class JapaneseLoss(FakeView):
        EXPORT_NAME = "Loss"
    view = JapaneseLoss("損失", lambda: [_plot("loss", [3, 2, 1])])
    qtbot.addWidget(view)
    view.resize(400, 300)
    view.show()
    report = export_all([view], tmp_path, None, None)
    assert {"Loss.csv", "Loss.png", "Loss.svg"} <= {p.name for p in report.written}
    from nnstudio.ui.views import accuracy, loss
    assert (loss.LossView.EXPORT_NAME, accuracy.AccuracyView.EXPORT_NAME) == ("Loss", "Accuracy")
