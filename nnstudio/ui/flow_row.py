"""A row of controls that wraps onto more lines in a narrow view (softmax, activation bars,
the step-through)."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QSizePolicy, QWidget
from superqt import QFlowLayout


class FlowRow(QWidget):
    """Controls in a line that wraps onto more lines when the view is narrow; it asks for
    the height its lines need at its width (and for only its widest control's width)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.flow = QFlowLayout(self)
        self.flow.setContentsMargins(0, 0, 0, 0)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def add(self, widget: QWidget) -> None:
        self.flow.addWidget(widget)

    def _height(self) -> int:
        return self.flow.heightForWidth(max(self.width(), self.flow.minimumSize().width()))

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt name)
        return QSize(self.flow.minimumSize().width(), self._height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt name)
        return self.sizeHint()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().resizeEvent(event)
        if self.height() != self._height():
            self.updateGeometry()
