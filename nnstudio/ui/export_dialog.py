"""The export dialog (format, size in pixels, DPI, file) and the views' right-click menu.

    ViewExportMenu(view)     # right-click a plot of the view: "Export as PNG…/SVG…/CSV…"

Dialogs go through small methods (:meth:`ExportMenu.exec_dialog`,
:meth:`ExportMenu.show_error`, :meth:`ExportDialog.ask_path`) so tests can replace them and no
modal dialog ever blocks.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QPoint, QRect, QSignalBlocker, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout,
                               QGraphicsScene,
                               QHBoxLayout, QLabel, QLineEdit, QMenu, QMessageBox, QPushButton, QSpinBox,
                               QVBoxLayout, QWidget)

from .export import ExportError, export, graphics_target, has_table, source_size
from .export_views import file_stem
from .file_messages import export_error_text, show_message

MAX_PIXELS = 20000
INCH_CM = 2.54


@dataclass(frozen=True)
class ExportRequest:
    fmt: str            # "png", "svg" or "csv"
    path: str
    width: int
    height: int
    dpi: int


class ExportDialog(QDialog):
    """Choose the format, the picture size in pixels, the DPI and the file of one export."""

    def __init__(self, target, title: str, fmt: str = "png", folder: str | None = None,
                 parent: QWidget | None = None, view=None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Export “{0}”").format(title))
        self._title = title
        size = source_size(target)
        self._aspect = size.width() / max(1, size.height())
        self._folder = Path(folder) if folder else Path.home()

        self.format = QComboBox()
        self.format.addItem(self.tr("PNG image"), "png")
        self.format.addItem(self.tr("SVG vector drawing"), "svg")
        self.format.addItem(self.tr("CSV data behind the plot"), "csv")
        if not has_table(target, view):
            self.format.model().item(2).setEnabled(False)
        self.width_box = self._spin(size.width() * 2, self.tr(" px"))
        self.height_box = self._spin(size.height() * 2, self.tr(" px"))
        self.keep_aspect = QCheckBox(self.tr("Keep the on-screen proportions"))
        self.keep_aspect.setChecked(True)
        self.dpi_box = QSpinBox()
        self.dpi_box.setRange(30, 1200)
        self.dpi_box.setValue(192)
        self.dpi_box.setSuffix(self.tr(" DPI"))
        self.print_size = QLabel()
        self.print_size.setObjectName("printSize")
        self.path_edit = QLineEdit(str(self._folder / (file_stem(title) + "." + fmt)))
        self.path_edit.setMinimumWidth(340)
        browse = QPushButton(self.tr("Browse…"))
        browse.clicked.connect(self._browse)
        self.problem = QLabel()
        self.problem.setObjectName("problem")
        self.problem.setStyleSheet("color: #b00020;")
        self.problem.setWordWrap(True)
        self.problem.hide()

        form = QFormLayout()
        form.addRow(self.tr("Format:"), self.format)
        form.addRow(self.tr("Width:"), self.width_box)
        form.addRow(self.tr("Height:"), self.height_box)
        form.addRow("", self.keep_aspect)
        form.addRow(self.tr("Resolution:"), self.dpi_box)
        form.addRow("", self.print_size)
        file_row = QHBoxLayout()
        file_row.addWidget(self.path_edit, 1)
        file_row.addWidget(browse)
        form.addRow(self.tr("File:"), file_row)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.export_button = buttons.addButton(self.tr("Export"), QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)

        self.width_box.valueChanged.connect(self._width_changed)
        self.height_box.valueChanged.connect(self._height_changed)
        self.dpi_box.valueChanged.connect(self._update_print_size)
        self.format.currentIndexChanged.connect(self._format_changed)
        self.set_format(fmt)
        self._update_print_size()

    def _spin(self, value: int, suffix: str) -> QSpinBox:
        box = QSpinBox()
        box.setRange(1, MAX_PIXELS)
        box.setValue(max(1, int(value)))
        box.setSuffix(suffix)
        return box

    # ------------------------------------------------------------------ state
    def set_format(self, fmt: str) -> None:
        index = self.format.findData(fmt)
        if index < 0 or not self.format.model().item(index).isEnabled():
            index = 0
        self.format.setCurrentIndex(index)
        self._format_changed()

    def fmt(self) -> str:
        return self.format.currentData()

    def request(self) -> ExportRequest:
        """The chosen settings; the file name gets the format's suffix when it lacks it."""
        fmt, path = self.fmt(), self.path_edit.text().strip()
        if path and Path(path).suffix.lower() != "." + fmt:
            path += "." + fmt
        return ExportRequest(fmt, path, self.width_box.value(), self.height_box.value(), self.dpi_box.value())

    def _format_changed(self) -> None:
        fmt = self.fmt()
        is_png = fmt == "png"
        for w in (self.width_box, self.height_box, self.keep_aspect, self.dpi_box, self.print_size):
            w.setEnabled(is_png)
        path = Path(self.path_edit.text().strip() or file_stem(self._title))
        self.path_edit.setText(str(path.with_suffix("." + fmt)))

    def _width_changed(self, value: int) -> None:
        if self.keep_aspect.isChecked():
            with QSignalBlocker(self.height_box):
                self.height_box.setValue(max(1, round(value / self._aspect)))
        self._update_print_size()

    def _height_changed(self, value: int) -> None:
        if self.keep_aspect.isChecked():
            with QSignalBlocker(self.width_box):
                self.width_box.setValue(max(1, round(value * self._aspect)))
        self._update_print_size()

    def _update_print_size(self) -> None:
        dpi = self.dpi_box.value()
        w_cm = self.width_box.value() / dpi * INCH_CM
        h_cm = self.height_box.value() / dpi * INCH_CM
        self.print_size.setText(self.tr("Printed at {0} DPI: {1:.1f} × {2:.1f} cm").format(dpi, w_cm, h_cm))

    def _browse(self) -> None:
        path = self.ask_path(self.path_edit.text())
        if path:
            self.path_edit.setText(str(Path(path).with_suffix("." + self.fmt())))

    def ask_path(self, current: str) -> str | None:
        """The save-file dialog (tests replace this)."""
        filters = {"png": self.tr("PNG image (*.png)"), "svg": self.tr("SVG drawing (*.svg)"),
                   "csv": self.tr("CSV table (*.csv)")}
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Export to"), current, filters[self.fmt()])
        return path or None

    def accept(self) -> None:
        req = self.request()
        problem = ""
        if not req.path:
            problem = self.tr("Choose a file to export to.")
        elif Path(self.path_edit.text().strip()).is_dir() or Path(req.path).is_dir():
            problem = self.tr("“{0}” is a folder; add a file name.").format(self.path_edit.text().strip())
        elif not Path(req.path).parent.is_dir():
            problem = self.tr("The folder “{0}” does not exist.").format(str(Path(req.path).parent))
        if problem:
            self.problem.setText(problem)
            self.problem.show()
            return
        super().accept()


class ExportMenu(QObject):
    """The "Export as PNG…/SVG…/CSV…" actions of one plot (or view widget); ``view``, the view
    showing it, names the CSV's columns (see nnstudio.ui.export.plot_table)."""

    exported = Signal(str)    # the path written
    last_folder: str | None = None

    def __init__(self, target, title: str, parent: QObject | None = None, view=None):
        super().__init__(parent)
        self.target = target
        self.title = title
        self.view = view
        self.actions: dict[str, QAction] = {}
        labels = {"png": self.tr("Export as PNG…"), "svg": self.tr("Export as SVG…"),
                  "csv": self.tr("Export as CSV…")}
        for fmt, label in labels.items():
            action = QAction(label, self)
            action.triggered.connect(lambda _=False, f=fmt: self.run(f))
            self.actions[fmt] = action

    def _dialog_parent(self) -> QWidget | None:
        item = graphics_target(self.target)
        if item is None:
            return self.target
        scene = item if isinstance(item, QGraphicsScene) else item.scene()
        views = scene.views() if scene is not None else []
        return views[0].window() if views else None

    def make_dialog(self, fmt: str) -> ExportDialog:
        return ExportDialog(self.target, self.title, fmt, ExportMenu.last_folder, self._dialog_parent(),
                            view=self.view)

    def exec_dialog(self, dialog: ExportDialog) -> bool:
        """Show the dialog modally (tests replace this)."""
        return dialog.exec() == QDialog.DialogCode.Accepted

    def show_error(self, text: str) -> None:
        """Tell the user why the export failed (tests replace this)."""
        show_message(self._dialog_parent(), QMessageBox.Icon.Warning, self.tr("Export failed"), text)

    def run(self, fmt: str) -> bool:
        """Ask for the export settings, then export; False when cancelled or failed."""
        dialog = self.make_dialog(fmt)
        try:
            if not self.exec_dialog(dialog):
                return False
            req = dialog.request()
        finally:
            dialog.deleteLater()
        try:
            export(self.target, req.path, req.fmt, req.width, req.height, req.dpi, view=self.view)
        except ExportError as err:
            self.show_error(export_error_text(err))
            return False
        ExportMenu.last_folder = str(Path(req.path).parent)
        self.exported.emit(req.path)
        return True


def _global_rect(target) -> QRect:
    """Where ``target`` (a widget, or a plot item in a graphics view) is on the screen."""
    item = graphics_target(target)
    if item is None:
        return QRect(target.mapToGlobal(QPoint(0, 0)), target.size())
    scene = item if isinstance(item, QGraphicsScene) else item.scene()
    views = scene.views() if scene is not None else []
    if not views:
        return QRect()
    rect = scene.sceneRect() if item is scene else item.sceneBoundingRect()
    box = views[0].mapFromScene(rect).boundingRect()
    return QRect(views[0].viewport().mapToGlobal(box.topLeft()), box.size())


class ViewExportMenu(QObject):
    """Right-click anywhere on a view: "Export as PNG…/SVG…/CSV…" for the plot under the
    pointer, or, away from its plots, one submenu per plot (named as File ▸ Export All Views
    names their files: the view's title, numbered when it has several). The targets are the
    view's export_targets() at the moment of the click (some views rebuild their plots).
    pyqtgraph's own plot menus stay off (untranslated, and its export is not atomic): its
    plots leave the right click to the view."""

    def __init__(self, view: QWidget) -> None:
        super().__init__(view)
        self.view = view
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.customContextMenuRequested.connect(self._show)

    def targets(self) -> list[tuple[object, str]]:
        """(target, title) for each of the view's plots now."""
        targets = list(self.view.export_targets())
        title = self.view.title()
        if len(targets) == 1:
            return [(targets[0], title)]
        return [(t, f"{title} {k}") for k, t in enumerate(targets, start=1)]

    def menu_at(self, global_pos: QPoint) -> QMenu | None:
        """The menu for a right click at ``global_pos``; None when the view has no plots."""
        targets = self.targets()
        if not targets:
            return None
        menu = QMenu(self.view)
        under = [(t, title) for t, title in targets if _global_rect(t).contains(global_pos)]
        if len(targets) == 1 or under:
            target, title = (under or targets)[0]
            menu.addActions(list(ExportMenu(target, title, menu, self.view).actions.values()))
        else:
            for target, title in targets:
                sub = menu.addMenu(title)
                sub.addActions(list(ExportMenu(target, title, sub, self.view).actions.values()))
        return menu

    def _show(self, pos: QPoint) -> None:
        global_pos = self.view.mapToGlobal(pos)
        menu = self.menu_at(global_pos)
        if menu is not None:
            menu.exec(global_pos)
            menu.deleteLater()
