"""The formula of the current operation as readable math, next to the NumPy line(s) that
compute it, with the phase, the layer and where in the trace the learner is."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QSizePolicy, QVBoxLayout, QWidget

from nnstudio.engine.recording import TraceEvent

from .captions import op_title, phase_title
from .formula_texts import formula_text
from nnstudio.ui.mathtext import to_rich_text

PHASE_COLORS = {"forward": "#1f6fb2", "loss": "#8a5a00", "backward": "#b2321f", "update": "#2d7d32"}

# the long way of the fused gradient, shown next to the shortcut
SOFTMAX_LONG_WAY = "∂E/∂uⱼ = Σᵢ ∂E/∂yᵢ · yᵢ(δᵢⱼ − yⱼ),  ∂E/∂yᵢ = −tᵢ / (N yᵢ)"


def param_of(event: TraceEvent) -> str | None:
    """The qualified parameter an update event changes, or whose numerical gradient an event
    takes (the first word of its note)."""
    if (event.phase.value != "update" and event.op != "numerical_gradient") or not event.note:
        return None
    return event.note.split(" ", 1)[0]


class OperationPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.formula = QLabel()
        self.formula.setTextFormat(Qt.TextFormat.RichText)
        self.formula.setWordWrap(True)
        self.formula.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        math_font = QFont("DejaVu Serif")
        math_font.setPointSizeF(self.font().pointSizeF() * 1.5)
        self.formula.setFont(math_font)
        self.long_way = QLabel()
        self.long_way.setTextFormat(Qt.TextFormat.RichText)
        self.long_way.setWordWrap(True)
        self.code = QPlainTextEdit()
        self.code.setReadOnly(True)
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self.code.setFont(mono)
        self.code.setStyleSheet("QPlainTextEdit { background: #f6f6f2; }")
        self.note = QLabel()
        self.note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.title)
        layout.addWidget(self.formula)
        layout.addWidget(self.long_way)
        layout.addWidget(self.code)
        layout.addWidget(self.note)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)

    def show_event(self, event: TraceEvent, index: int, count: int) -> None:
        color = PHASE_COLORS.get(event.phase.value, "#333")
        where = event.layer_name or self.tr("network")
        param = param_of(event)
        what = op_title(event.op) + (f" — {param}" if param else "")
        self.title.setText(
            f"<span style='color:{color}; font-weight:bold'>{phase_title(event.phase)}</span>"
            f" &nbsp;·&nbsp; <b>{where}</b> &nbsp;·&nbsp; {what}"
            f" &nbsp; <span style='color:#777'>" + self.tr("operation {0} of {1}").format(index + 1, count)
            + "</span>")
        self.formula.setText(to_rich_text(formula_text(event.formula)))
        if event.op == "softmax_cross_entropy_backward":
            self.long_way.setText(
                self.tr("The shortcut above is what the code computes. The long way, through the "
                        "softmax Jacobian, gives the same numbers (compare δ with the last array "
                        "below):") + "<br><span style='font-family: \"DejaVu Serif\"; font-size: 15pt'>" + to_rich_text(SOFTMAX_LONG_WAY)
                + "</span>")
            self.long_way.show()
        else:
            self.long_way.clear()
            self.long_way.hide()
        self.code.setPlainText(event.code)
        lines = event.code.count("\n") + 1
        self.code.setFixedHeight(lines * self.code.fontMetrics().lineSpacing() + 14)
        note = event.note
        if event.op == "numerical_gradient":
            entries = event.tensors[param.rsplit(".", 1)[-1]].size
            note = self.tr("Each of the {0} entries of {1} is moved by +h and by −h in turn, and the whole "
                           "network computes the loss again each time: {2} forward passes for this "
                           "parameter alone. Backpropagation gets the same numbers from one backward pass; "
                           "the tab Numerical vs backprop compares the two.").format(entries, param, 2 * entries)
        if event.op in ("im2col", "conv", "maxpool", "avgpool"):
            tip = self.tr("Point at a row of col (or at an output value) to see the window of the input it "
                          "comes from.")
            note = f"{note}  {tip}" if note else tip
        self.note.setText(note)
        self.note.setVisible(bool(note))

    def clear(self) -> None:
        for w in (self.title, self.formula, self.long_way, self.note):
            w.clear()
        self.code.clear()
