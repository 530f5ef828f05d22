"""Without activations a deep network is one affine map: W = W₁·W₂·…, b accumulated, and its
output equals the network's number for number (CURRICULUM §2)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QGridLayout, QLabel, QVBoxLayout, QWidget

from nnstudio.engine.collapse import CollapsedMap, NotCollapsibleError, collapse

from .array_view import ArrayView
from nnstudio.ui.mathtext import to_rich_text
from .source import StepSource


BIAS_RANGE = 0.5      # random biases are drawn uniformly from ±this
BIAS_SEED = 0


class CollapsePanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.source: StepSource | None = None
        self.map: CollapsedMap | None = None
        self.network_output = np.zeros(0)
        self.map_output = np.zeros(0)
        self.message = QLabel()
        self.message.setTextFormat(Qt.TextFormat.RichText)
        self.message.setWordWrap(True)
        # biases start at 0: b = b₁·W₂ + b₂ would show only zeros before the first update
        self.random_biases = QCheckBox(self.tr("Random biases (uniform ±{0}), to see b at work").format(BIAS_RANGE))
        self.random_biases.toggled.connect(lambda _on: self.set_source(self.source))
        self.views = {k: ArrayView() for k in ("W", "b", "network", "map")}
        grid = QGridLayout()
        for i, v in enumerate(self.views.values()):
            grid.addWidget(v, i // 2, i % 2)
            v.hide()
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.random_biases)
        layout.addLayout(grid)
        layout.addStretch(1)
        self.set_source(None)

    def set_source(self, source: StepSource | None) -> None:
        self.source = source
        self.map = None
        for v in self.views.values():
            v.hide()
        self.random_biases.hide()
        if source is None:
            self.message.setText(self.tr("Record a step first."))
            return
        net = source.network()
        if self.random_biases.isChecked():
            rng = np.random.default_rng(BIAS_SEED)
            for name, p in net.parameters().items():
                if name.endswith(".b"):
                    p[...] = rng.uniform(-BIAS_RANGE, BIAS_RANGE, p.shape)
        try:
            m = collapse(net)
        except NotCollapsibleError as e:
            why = (self.tr("its activation is {0}").format(e.activation) if e.activation
                   else self.tr("it is a {0} layer").format(e.kind))
            self.message.setText(self.tr(
                "This network does not collapse into one affine map: <b>{0}</b> (layer {1}) is not affine, "
                "because {2}. Set every hidden layer to a dense layer with the identity activation to see "
                "that a stack of affine layers is just one affine layer.").format(e.name, e.layer + 1, why))
            return
        self.map = m
        self.network_output = net.forward(source.x)
        self.map_output = m.apply(source.x)
        diff = float(np.max(np.abs(self.network_output - self.map_output))) if self.map_output.size else 0.0
        k = len(m.layer_names)
        product = "·".join(f"W{i}" for i in range(1, k + 1))
        formula = f"W = {product}" if k > 1 else "W = W1"
        bias = "b = b1" + "".join(f"·W{j}" for j in range(2, k + 1))
        for i in range(2, k + 1):
            bias += f" + b{i}" + "".join(f"·W{j}" for j in range(i + 1, k + 1))
        sub = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
        formula, bias = formula.translate(sub), bias.translate(sub)
        out = "y = f(x·W + b)" if m.output_activation != "identity" else "y = x·W + b"
        self.message.setText(
            self.tr("Every hidden activation is the identity, so the {0} dense layers ({1}) are one affine "
                    "map:").format(k, ", ".join(m.layer_names))
            + "<br><span style='font-family: \"DejaVu Serif\"; font-size: 15pt'>" + to_rich_text(f"{formula},  {bias},  {out}")
            + "</span><br>"
            + self.tr("With {1}, on this batch, the network's output and the single map's output differ by at "
                      "most <b>{0:.3g}</b> (rounding only).").format(
                diff, self.tr("the weights before this step and random biases") if self.random_biases.isChecked()
                else self.tr("the weights before this step")))
        self.random_biases.show()
        self.views["W"].set_array("W", m.W, self.tr("the one weight matrix"))
        self.views["b"].set_array("b", m.b, self.tr("the one bias"))
        self.views["network"].set_array("y_network", self.network_output, self.tr("output of the network"))
        self.views["map"].set_array("y_map", self.map_output, self.tr("output of x·W + b"))
        for v in self.views.values():
            v.show()
