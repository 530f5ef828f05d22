"""The inspector: the selected layer's settings as a form; every change one undoable edit.

Numbers are spin boxes with the engine's limits (an invalid value cannot be typed) that
commit on Enter or focus loss, so typing "128" is one edit, not three.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QLabel, QPushButton,
                               QSpinBox, QVBoxLayout, QWidget)

from nnstudio.engine.spec import ACTIVATIONS, DROPOUT_SCALES, INITS, LAYER_TYPES, LOSSES
from nnstudio.project.document import LAYER_DEFAULTS, ProjectDocument
from nnstudio.ui import labels
from nnstudio.ui.commands import Editor
from nnstudio.ui.messages import describe_error

#: field → (kind, minimum, maximum, decimals) for the number fields
NUMBERS = {
    "units": ("int", 1, 100_000, 0), "filters": ("int", 1, 4096, 0), "kernel": ("int", 1, 64, 0),
    "stride": ("int", 1, 64, 0), "pad": ("int", 0, 64, 0), "size": ("int", 1, 64, 0),
    "ratio": ("float", 0.0, 0.95, 2), "momentum": ("float", 0.0, 0.999, 3),
    "std": ("float", 0.0001, 100.0, 4), "scale": ("float", 0.0001, 100.0, 4),
}
#: the spin boxes' step where 0.05 does not fit the field
STEPS = {"std": 0.01}
#: the initializer's own number, shown beside it: the normal one's σ, the uniform one's range
INIT_PARAMETERS = {"normal": "std", "uniform": "scale"}
INIT_DEFAULTS = {"std": 0.01, "scale": 0.5}
FIELDS = {
    "dense": ("units", "activation", "init"),
    "conv2d": ("filters", "kernel", "stride", "pad", "activation", "init"),
    "maxpool": ("size", "stride"), "avgpool": ("size", "stride"),
    "flatten": (), "batchnorm": ("momentum", "activation"), "dropout": ("ratio", "scale_at"),
}


def _tr(text: str) -> str:
    return QCoreApplication.translate("Inspector", text)


def field_labels() -> dict[str, str]:
    return {"type": _tr("Type"), "units": _tr("Units"), "filters": _tr("Filters"),
            "kernel": _tr("Kernel"), "stride": _tr("Stride"), "pad": _tr("Padding"),
            "size": _tr("Window"), "ratio": _tr("Dropout ratio"), "momentum": _tr("Momentum"),
            "activation": _tr("Activation"), "init": _tr("Initializer"),
            "std": _tr("Weight std σ"), "scale": _tr("Range ± (weights, biases)"),
            "scale_at": _tr("Scaling"),
            "batchnorm": _tr("Batch norm after"), "loss": _tr("Loss")}


class LayerInspector(QWidget):
    def __init__(self, doc: ProjectDocument, editor: Editor, parent=None) -> None:
        super().__init__(parent)
        self.doc, self.editor = doc, editor
        self._index: int | None = None
        self._role = "none"
        self._shown: tuple = ()
        self._problems: list = []
        self.widgets: dict[str, QWidget] = {}
        outer = QVBoxLayout(self)
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        outer.addWidget(self.heading)
        self.form_host = QWidget()
        self.form = QFormLayout(self.form_host)
        self.form.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
        outer.addWidget(self.form_host)
        self.same_for_all = QPushButton(_tr("Same for all hidden layers"))
        self.same_for_all.setToolTip(_tr("Give every other hidden layer of this type this activation and "
                                         "initializer (one undo step)"))
        self.same_for_all.clicked.connect(self._same_for_all)
        outer.addWidget(self.same_for_all)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #B00020;")
        outer.addWidget(self.problem)
        outer.addStretch(1)
        doc.changed.connect(self._refresh)
        self.show_node("none")

    # ------------------------------------------------------------------ which node
    def show_node(self, role: str, index: int | None = None) -> None:
        """role: "layer" (with its index), "input", "loss" or "none"."""
        self._role, self._index = role, index
        self._shown = ()
        self._refresh()

    def _refresh(self) -> None:
        if self._role == "layer" and (self._index is None or self._index >= len(self.doc.layers)):
            self._role, self._index = "none", None
        self.same_for_all.setVisible(self._role == "layer" and bool(self.editor.hidden_like(self._index)))
        if self._role == "layer":
            layer = self.doc.layer(self._index)
            fields = FIELDS.get(layer.type, ())
            parameter = INIT_PARAMETERS.get(layer.data.get("init")) if "init" in fields else None
            key = ("layer", layer.id, layer.type, parameter)
            if key != self._shown:
                self._build(("type",) + fields + ((parameter,) if parameter else ())
                            + (("batchnorm",) if layer.type in ("dense", "conv2d") else ()))
                self._shown = key
            self.heading.setText(_tr("<b>Layer %s</b>") % (self._index + 1))
            self._load_layer(layer.data)
        elif self._role == "loss":
            if self._shown != ("loss",):
                self._build(("loss",))
                self._shown = ("loss",)
            self.heading.setText(_tr("<b>Loss</b>"))
            self._set("loss", self.doc.loss)
            self._show_problems()
        else:
            self._build(())
            self._shown = ()
            self.heading.setText(
                _tr("<b>Input</b><br>Its shape follows the data set.") if self._role == "input"
                else _tr("Select a layer in the diagram to edit it."))
            self._show_problems()

    def focus_first_field(self) -> None:
        """Keyboard path from the diagram (Enter or double-click on a node) into the form."""
        fields = [w for n, w in self.widgets.items() if n != "type"] or list(self.widgets.values())
        if fields:   # after the event loop has shown a freshly built form
            QTimer.singleShot(0, fields[0].setFocus)

    # ------------------------------------------------------------------ form
    def _build(self, names: tuple) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self.widgets = {}
        labels = field_labels()
        for name in names:
            widget = self._make(name)
            self.widgets[name] = widget
            self.form.addRow(labels[name], widget)

    def _make(self, name: str) -> QWidget:
        if name in NUMBERS:
            kind, lo, hi, decimals = NUMBERS[name]
            box = QSpinBox() if kind == "int" else QDoubleSpinBox()
            if kind == "float":
                box.setDecimals(decimals)
                box.setSingleStep(STEPS.get(name, 0.05))
            box.setRange(lo, hi)
            box.setKeyboardTracking(False)
            box.valueChanged.connect(lambda v, n=name: self._edit(n, v))
            return box
        if name == "batchnorm":
            check = QCheckBox()
            check.toggled.connect(self._toggle_batchnorm)
            return check
        combo = QComboBox()
        choices, titles = {"type": (LAYER_TYPES, labels.layer_type_titles()),
                           "init": (INITS, labels.init_titles()),
                           "scale_at": (DROPOUT_SCALES, labels.dropout_scale_titles()),
                           "loss": (LOSSES, labels.loss_titles()),
                           "activation": (ACTIVATIONS, labels.activation_titles())}[name]
        for choice in choices:
            combo.addItem(titles.get(choice, choice), choice)
        combo.activated.connect(lambda _i, n=name, c=combo: self._edit(n, c.currentData()))
        return combo

    def _set(self, name: str, value) -> None:
        widget = self.widgets.get(name)
        if widget is None:
            return
        widget.blockSignals(True)
        if isinstance(widget, (QSpinBox, QDoubleSpinBox)):
            widget.setValue(value if value is not None else widget.minimum())
        elif isinstance(widget, QCheckBox):
            widget.setChecked(bool(value))
        else:
            i = widget.findData(value)
            widget.setCurrentIndex(i)
        widget.blockSignals(False)

    def _load_layer(self, data) -> None:
        defaults = {"stride": data.get("size", 1) if data.get("type", "").endswith("pool") else 1,
                    "pad": 0, "ratio": 0.5, "momentum": 0.9, "activation": "identity", "scale_at": "training",
                    **INIT_DEFAULTS}
        for name in self.widgets:
            if name == "batchnorm":
                layers = self.doc.layers
                i = self._index
                self._set(name, i + 1 < len(layers) and layers[i + 1].type == "batchnorm")
            else:
                self._set(name, data.get(name, defaults.get(name)))
        self._show_problems()

    def set_problems(self, problems) -> None:
        """The window's current problems (with the data-set check); shows this layer's."""
        self._problems = list(problems)
        self._show_problems()

    def _show_problems(self) -> None:
        mine = [p for p in self._problems if self._role == "layer" and p.layer == self._index]
        self.problem.setText("\n".join(describe_error(p.error) for p in mine))

    # ------------------------------------------------------------------ edits
    def _edit(self, name: str, value) -> None:
        if name == "loss":
            self.editor.set_loss(value)
        elif self._role == "layer" and self._index is not None:
            if name == "type":
                if value != self.doc.layer(self._index).type:
                    self.editor.set_layer(self._index, LAYER_DEFAULTS[value])
            else:
                self.editor.update_layer(self._index, **{name: value})
        self._refresh()     # a refused edit puts the old value back

    def _same_for_all(self) -> None:
        if self._role == "layer" and self._index is not None:
            self.editor.same_for_hidden_layers(self._index)
        self._refresh()

    def _toggle_batchnorm(self, on: bool) -> None:
        if self._index is not None:
            self.editor.set_batchnorm_after(self._index, on)
        self._refresh()


__all__ = ["LayerInspector"]
