"""The data-set panel: which set, and its own options (size, split, noise, normalization…).

Choosing a set is one undoable step that also makes the network fit it: the input shape
follows the samples, the output layer's width follows the classes (or target values), and
the loss and output activation follow the task, and a full-batch batch size follows the
training-set size. Where that is impossible the diagram marks the problem and Play stays
disabled.
"""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from nnstudio.project.document import ProjectDocument
from nnstudio.ui.commands import Editor, NetworkFit
from nnstudio.ui.dataset_texts import dataset_description, dataset_title, option_choice_labels, option_description
from nnstudio.ui.labels import dataset_option_title

from .option_widgets import editor_for_option


def _tr(text: str) -> str:
    return QCoreApplication.translate("DatasetPanel", text)


class DataFit(NetworkFit):
    """The network's fit to a loaded set, plus ``training.batch_size`` (None: unchanged),
    so that full batch stays full batch on the new set in the same undo step."""

    def __init__(self, input_shape, index, layer, loss, batch_size: int | None = None) -> None:
        super().__init__(input_shape, index, layer, loss)
        self.batch_size = batch_size
        self._old_training: dict | None = None

    def _new_batch(self, doc: ProjectDocument) -> bool:
        return self.batch_size is not None and doc.section("training").get("batch_size") != self.batch_size

    def changes(self, doc: ProjectDocument) -> bool:
        return super().changes(doc) or self._new_batch(doc)

    def apply(self, doc: ProjectDocument) -> None:
        super().apply(doc)
        self._old_training = None
        if self._new_batch(doc):
            training = doc.section("training")
            training["batch_size"] = self.batch_size
            self._old_training = doc.set_section("training", training)

    def revert(self, doc: ProjectDocument) -> None:
        if self._old_training is not None:
            doc.set_section("training", self._old_training)
        super().revert(doc)


def _default_options(entry: dict, info) -> bool:
    """Every option of the entry is its default (what the listed sizes are counted with)."""
    defaults = info.defaults()
    return all(key == "name" or (key in defaults and value == defaults[key]) for key, value in entry.items())


class DatasetPanel(QWidget):
    """Choosing a set or an option never loads data here (MNIST takes a second): the
    window loads it in the background and hands it to :meth:`fit_to_data`.

    ``loaded(entry)`` gives the loaded set of an entry, or None while it is not loaded: the
    summary counts its samples (after train size, test size, validation ratio…); the window
    calls :meth:`update_summary` when a set has loaded."""

    def __init__(self, doc: ProjectDocument, editor: Editor, datasets, parent=None, *,
                 loaded: Callable[[dict], Any] = lambda entry: None) -> None:
        super().__init__(parent)
        self.doc, self.editor, self.loaded = doc, editor, loaded
        self.infos = {info.name: info for info in datasets}
        layout = QVBoxLayout(self)
        top = QFormLayout()
        self.choice = QComboBox()
        for info in datasets:
            self.choice.addItem(dataset_title(info), info.name)
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
                self.choice.addItem(dataset_title(info), info.name)
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
        self._grey_unused(entry, info)
        self.update_summary()

    def _grey_unused(self, entry: dict, info) -> None:
        """Options the set ignores with the others as they are (random's ``features`` while
        ``image`` is set) are greyed out with their labels, and their tooltips say why."""
        for key, editor in self.editors.items():
            other = info.option(key).unused_when
            if other:
                unused = bool(entry.get(other, info.option(other).default))
                self._set_tip(info, key, unused)
                for widget in (editor, self.options.labelForField(editor)):
                    widget.setEnabled(not unused)

    def _set_tip(self, info, key: str, unused: bool = False) -> None:
        """An option's tooltip on its box and its label; an unused one says why."""
        spec = info.option(key)
        tip = option_description(info.name, spec)
        if unused:
            tip += "\n" + _tr("Not used while %s is set.") % dataset_option_title(spec.unused_when)
        editor = self.editors[key]
        for widget in (editor, self.options.labelForField(editor)):
            widget.setToolTip(tip)

    def update_summary(self) -> None:
        """The set's description and the sample counts training uses: those of the loaded
        set; while it loads, the listed sizes if its options are the defaults they count,
        else none (the listed 60000 of MNIST are not a train size of 300)."""
        entry = self.doc.section("dataset")
        name = entry.get("name")
        info = self.infos.get(name)
        if info is None:
            self.summary.setText(_tr("Unknown data set %r") % name)
            return
        data = self.loaded(entry)
        for key, editor in self.editors.items():
            if hasattr(editor, "set_placeholder"):      # an empty box: the value the set used
                editor.set_placeholder(data.options.get(key) if data is not None else None)
        if data is not None:
            n_val = 0 if data.x_val is None else len(data.x_val)
            counts = (len(data.x_train), n_val, len(data.x_test))
        elif info.size and _default_options(entry, info):
            counts = (info.size[0], info.n_val, info.size[1])
        else:
            counts = None
        if counts is None:
            sizes = ""
        elif counts[1]:
            sizes = _tr("%s training / %s validation / %s test samples") % counts
        else:
            sizes = _tr("%s training / %s test samples") % (counts[0], counts[2])
        self.summary.setText(f"{dataset_description(info)}\n{sizes}".strip())

    def _build(self, info) -> None:
        while self.options.rowCount():
            self.options.removeRow(0)
        self.editors = {}
        if info is None:
            return
        for spec in info.options:
            editor = editor_for_option(spec, option_choice_labels(spec))
            editor.edited.connect(lambda value, key=spec.name: self.set_option(key, value))
            self.options.addRow(QLabel(dataset_option_title(spec.name)), editor)
            self.editors[spec.name] = editor
            self._set_tip(info, spec.name)

    def show_error(self, text: str) -> None:
        self.error.setText(text)

    # ------------------------------------------------------------------ edits
    def choose(self, name: str) -> bool:
        if name == self.doc.section("dataset").get("name"):
            return False
        info = self.infos.get(name)
        return self._apply({"name": name}, _tr("Use data set %s") % (dataset_title(info) if info is not None else name))

    def set_option(self, key: str, value: Any) -> bool:
        entry = self.doc.section("dataset")
        info = self.infos.get(entry.get("name"))
        if info is not None and value == info.option(key).default:
            entry.pop(key, None)            # keep project files short: defaults are implied
        else:
            entry[key] = value
        return self._apply(entry, _tr("Change data option %s") % dataset_option_title(key))

    def _apply(self, entry: dict, title: str) -> bool:
        """Set the entry (one undo step). The data loads in the background (the window
        starts it); :meth:`fit_to_data` then fits the network into the same step."""
        changed = self.editor.choose_dataset(entry, title)
        self.refresh()
        return changed

    def fit_to_data(self, entry: dict, data, full_batch: bool = False) -> bool:
        """The chosen entry has loaded: make the input shape follow its samples and the
        output layer and loss follow its classes or targets (and, with ``full_batch``, the
        batch size its training-set size), merged into the choice's undo step. Only right
        after a choice (an opened project keeps its own network); a network whose last
        layer is not dense is left for the diagram to explain."""
        if data is None or not self.editor.awaiting_fit(entry):
            return False
        layers = self.doc.layers
        index = layer = loss = None
        if layers and layers[-1].type == "dense":
            index = len(layers) - 1
            layer = dict(layers[-1].data)
            classify = data.task == "classification"
            squared = self.doc.loss.startswith("sse")
            before = self.editor.entry_before_choice(entry) or {}
            was = self.infos.get(before.get("name"))
            was_task = before.get("task", was.task) if was is not None else None   # a CSV's own
            # a classifier's squared error (mean or sum over the batch) is kept, with its output
            # activation: on one-hot targets it classifies too (CURRICULUM §3), and moving the
            # CSV path of such a network turned it into softmax and cross-entropy unasked. A
            # regression's squared error becomes softmax and cross-entropy on classes.
            if classify and not (squared and was_task == "classification"):
                activation, loss = "softmax", "cross_entropy"
            else:
                activation = layer.get("activation", "identity")
                if not classify and activation == "softmax":      # one output: always 1
                    activation = "identity"
                loss = self.doc.loss if squared else "sse"
            layer.update(units=int(data.n_outputs), activation=activation)
        batch = max(1, len(data.x_train)) if full_batch else None
        fit = DataFit(list(data.input_shape), index, layer, loss, batch)
        return self.editor.fit_network(entry, fit)
