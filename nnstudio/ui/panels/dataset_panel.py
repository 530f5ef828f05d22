"""The data-set panel: which set, and its own options (size, split, noise, normalization…).

Choosing a set is one undoable step that also makes the network fit it: the input shape
follows the samples, the output layer's width follows the classes (or target values), and
the loss and output activation follow the task. Where that is impossible the diagram marks
the problem and Play stays disabled.
"""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from nnstudio.project.document import ProjectDocument
from nnstudio.ui.commands import Editor

from .option_widgets import editor_for_option


def _tr(text: str) -> str:
    return QCoreApplication.translate("DatasetPanel", text)


class DatasetPanel(QWidget):
    """``load_data(entry)`` returns the loaded Dataset or raises (it is cached by the
    controller), used to learn the input shape and outputs of a choice."""

    def __init__(self, doc: ProjectDocument, editor: Editor, datasets,
                 load_data: Callable[[dict], Any], parent=None) -> None:
        super().__init__(parent)
        self.doc, self.editor, self.load_data = doc, editor, load_data
        self.infos = {info.name: info for info in datasets}
        layout = QVBoxLayout(self)
        top = QFormLayout()
        self.choice = QComboBox()
        for info in datasets:
            self.choice.addItem(info.title, info.name)
        self.choice.activated.connect(lambda _i: self.choose(self.choice.currentData()))
        top.addRow(_tr("Data set"), self.choice)
        layout.addLayout(top)
        # the window connects it to File > Download Data Set…
        self.download_button = QPushButton(_tr("Download More Data Sets…"))
        self.download_button.setToolTip(_tr("Fashion-MNIST and KMNIST: download them once, "
                                            "then choose them here"))
        layout.addWidget(self.download_button, 0, Qt.AlignLeft)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.options_host = QWidget()
        self.options = QFormLayout(self.options_host)
        self.options.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.options_host)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #B00020;")
        layout.addWidget(self.error)
        layout.addStretch(1)
        self.editors: dict[str, Any] = {}
        self._shown_name: str | None = None
        doc.sectionChanged.connect(lambda name: name == "dataset" and self.refresh())
        doc.reloaded.connect(self.refresh)
        self.refresh()

    def add_datasets(self, datasets) -> None:
        """Offer more sets (downloaded ones) in the list; names already offered are skipped."""
        for info in datasets:
            if info.name not in self.infos:
                self.infos[info.name] = info
                self.choice.addItem(info.title, info.name)
        self.refresh()

    # ------------------------------------------------------------------ showing
    def refresh(self) -> None:
        entry = self.doc.section("dataset")
        name = entry.get("name")
        info = self.infos.get(name)
        self.choice.setCurrentIndex(max(0, self.choice.findData(name)))
        if name != self._shown_name:
            self._build(info)
            self._shown_name = name
        for key, widget in self.editors.items():
            widget.set_value(entry.get(key, info.option(key).default if info else None))
        if info is not None:
            size = info.size
            sizes = _tr("%s training / %s test samples") % size if size else ""
            self.summary.setText(f"{info.description}\n{sizes}".strip())
        else:
            self.summary.setText(_tr("Unknown data set %r") % name)

    def _build(self, info) -> None:
        while self.options.rowCount():
            self.options.removeRow(0)
        self.editors = {}
        if info is None:
            return
        for spec in info.options:
            editor = editor_for_option(spec)
            editor.setToolTip(spec.description)
            editor.edited.connect(lambda value, key=spec.name: self.set_option(key, value))
            label = QLabel(QCoreApplication.translate("DatasetOptions", spec.name.replace("_", " ")))
            label.setToolTip(spec.description)
            self.options.addRow(label, editor)
            self.editors[spec.name] = editor

    def show_error(self, text: str) -> None:
        self.error.setText(text)

    # ------------------------------------------------------------------ edits
    def choose(self, name: str) -> bool:
        if name == self.doc.section("dataset").get("name"):
            return False
        return self._apply({"name": name}, _tr("Use data set %s") % name)

    def set_option(self, key: str, value: Any) -> bool:
        entry = self.doc.section("dataset")
        info = self.infos.get(entry.get("name"))
        if info is not None and value == info.option(key).default:
            entry.pop(key, None)            # keep project files short: defaults are implied
        else:
            entry[key] = value
        return self._apply(entry, _tr("Change data option %s") % key)

    def _apply(self, entry: dict, title: str) -> bool:
        """Set the entry and fit the network to the loaded data, as one undo step."""
        QApplication.setOverrideCursor(Qt.WaitCursor)
        try:
            data = self.load_data(entry)
        except Exception as err:  # noqa: BLE001 - bad options or files: say so, keep going
            data = None
            self.error.setText(_tr("The data set cannot be loaded: %s") % err)
        else:
            self.error.setText("")
        finally:
            QApplication.restoreOverrideCursor()
        with self.editor.macro(title) as allowed:
            if allowed:
                self.editor.set_section("dataset", entry)
                if data is not None:
                    self._fit_network(data)
        self.refresh()
        return allowed

    def _fit_network(self, data) -> None:
        self.editor.set_input_shape(list(data.input_shape))
        layers = self.doc.layers
        if not layers or layers[-1].type != "dense":
            return                           # the diagram tells why: the output must be dense
        index = len(layers) - 1
        if data.task == "classification":
            self.editor.update_layer(index, units=data.n_outputs, activation="softmax")
            self.editor.set_loss("cross_entropy")
        else:
            self.editor.update_layer(index, units=data.n_outputs, activation="identity")
            self.editor.set_loss("sse")
