"""The export dialog (format, size in pixels, DPI, file) and the plot context-menu hook.

    menu = install_export_menu(plot_widget, self.tr("Loss"))   # adds "Export as PNG…/SVG…/CSV…"

Dialogs go through small methods (:meth:`ExportMenu.exec_dialog`,
:meth:`ExportMenu.show_error`, :meth:`ExportDialog.ask_path`) so tests can replace them and no
modal dialog ever blocks.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, QObject, QSignalBlocker, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout,
                               QGraphicsScene,
                               QHBoxLayout, QLabel, QLineEdit, QMenu, QMessageBox, QPushButton, QSpinBox,
                               QVBoxLayout, QWidget)

from .export import ExportError, export, graphics_target, has_table, source_size, view_boxes
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
                 parent: QWidget | None = None):
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
        if not has_table(target):
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
    """The "Export as PNG…/SVG…/CSV…" actions of one plot (or view widget)."""

    exported = Signal(str)    # the path written
    last_folder: str | None = None

    def __init__(self, target, title: str, parent: QObject | None = None):
        super().__init__(parent)
        self.target = target
        self.title = title
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
        return ExportDialog(self.target, self.title, fmt, ExportMenu.last_folder, self._dialog_parent())

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
            export(self.target, req.path, req.fmt, req.width, req.height, req.dpi)
        except ExportError as err:
            self.show_error(export_error_text(err))
            return False
        ExportMenu.last_folder = str(Path(req.path).parent)
        self.exported.emit(req.path)
        return True


def _menus_of(target) -> list[QMenu]:
    item = graphics_target(target)
    if item is None:
        return []
    holder = item.getViewBox() if hasattr(item, "getViewBox") else None
    if isinstance(item, pg.ViewBox):
        boxes = [item]
    elif isinstance(item, pg.PlotItem) or isinstance(holder, pg.ViewBox):   # a plot, or an image/curve in one
        boxes = [holder]
    else:                                                                    # layouts and scenes
        boxes = view_boxes(item)
    return [vb.menu for vb in boxes if getattr(vb, "menu", None) is not None]


def _hide_pyqtgraph_export(scene) -> None:
    """pyqtgraph puts its own "Export..." (untranslated, not atomic) on every scene's menu."""
    own = QCoreApplication.translate("GraphicsScene", "Export...")
    for action in getattr(scene, "contextMenu", None) or []:
        if isinstance(action, QAction) and action.text() == own:
            action.setVisible(False)


def install_export_menu(plot_widget_or_item, title: str) -> ExportMenu:
    """Add "Export as PNG…/SVG…/CSV…" to the context menu of a plot, image or widget.

    For pyqtgraph items the actions join the right-click menu of each ViewBox (pyqtgraph's
    own non-atomic "Export..." entry of that scene is hidden); a plain widget gets a custom
    context menu. The returned ExportMenu owns the actions; keep a reference to it.
    """
    target = plot_widget_or_item
    owner = target if isinstance(target, QObject) else None
    menu = ExportMenu(target, title, owner)
    item = graphics_target(target)
    if item is None:
        target.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        for action in menu.actions.values():
            target.addAction(action)
        return menu
    for vb_menu in _menus_of(target):
        vb_menu.addSeparator()
        for action in menu.actions.values():
            vb_menu.addAction(action)
    scene = item if isinstance(item, QGraphicsScene) else item.scene()
    _hide_pyqtgraph_export(scene)
    if owner is None:
        menu.setParent(scene)
    return menu


def install_view_menus(view) -> list[ExportMenu]:
    """install_export_menu for each of a view's export_targets(), titled by the view (numbered
    when it has several). Keep the returned list alive as long as the view."""
    targets = list(view.export_targets()) if callable(getattr(view, "export_targets", None)) else []
    title = view.title() if callable(getattr(view, "title", None)) else ""
    if len(targets) == 1:
        return [install_export_menu(targets[0], title)]
    return [install_export_menu(t, f"{title} {k}") for k, t in enumerate(targets, start=1)]
