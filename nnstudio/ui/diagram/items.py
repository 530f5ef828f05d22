"""Graphics items of the network diagram: nodes (blocks or neuron columns) and connections."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import (QGraphicsItem, QGraphicsLineItem, QGraphicsObject,
                               QGraphicsTextItem, QStyleOptionGraphicsItem)

from nnstudio.ui.palette import NEGATIVE_COLOR, POSITIVE_COLOR

# the plots' colours (palette.py): a weight's sign reads the same in the diagram and the
# weight/activation views; colours distinguishable with the common colour-vision deficiencies
POSITIVE = QColor(POSITIVE_COLOR)   # blue
NEGATIVE = QColor(NEGATIVE_COLOR)   # orange
ERROR = QColor("#B00020")
HIGHLIGHT = QColor("#CC79A7")
SELECTED = QColor("#005A8C")
NEUTRAL = QColor("#9A9A9A")

NODE_WIDTH = 126.0
NEURON_SPACING = 24.0             # between two neurons of a column, where there is room
NEURON_RADIUS = 8.0
MIN_NEURON_SPACING = 10.0         # the closest the columns are packed in a short view (0: blocks)
TITLE_HEIGHT = 26.0
LINE_HEIGHT = 16.0
MAX_PEN = 4.0
ACCENT_HEIGHT = 6.0               # the layer's colour band along the top of its node


class NodeItem(QGraphicsObject):
    """One node: the input, a layer or the loss. ``neurons`` > 0 draws a neuron column."""

    def __init__(self, role: str, layer_id: int | None = None) -> None:
        super().__init__()
        self.role = role
        self.layer_id = layer_id
        self.title = ""
        self.lines: list[str] = []
        self.neurons = 0
        self.spacing = NEURON_SPACING
        self.error: str | None = None
        self.accent: QColor | None = None
        self.highlighted = False
        self.dragging = False
        self._error_text = QGraphicsTextItem(self)
        self._error_text.setDefaultTextColor(ERROR)
        self._error_text.setTextWidth(NODE_WIDTH + 40)
        self._error_text.setVisible(False)
        flags = QGraphicsItem.ItemIsSelectable | QGraphicsItem.ItemIsFocusable
        if role == "layer":
            flags |= QGraphicsItem.ItemIsMovable | QGraphicsItem.ItemSendsGeometryChanges
            self.setCursor(Qt.OpenHandCursor)
        self.setFlags(flags)
        self.setAcceptHoverEvents(True)

    # ------------------------------------------------------------------ content
    def set_content(self, title: str, lines: list[str], neurons: int) -> None:
        self.prepareGeometryChange()
        self.title, self.lines, self.neurons = title, list(lines), neurons
        self._place_error()
        self.update()

    @property
    def column(self) -> bool:
        """Drawn as a column of neurons (a dense layer of a few units, while there is room)."""
        return bool(self.neurons and self.spacing)

    def set_spacing(self, spacing: float) -> None:
        """The distance between two neurons of the column (the scene packs them closer when
        the view is short, so that the text stays readable; 0 draws the node as a block)."""
        if spacing != self.spacing:
            self.prepareGeometryChange()
            self.spacing = spacing
            self._place_error()
            self.update()

    def set_accent(self, color: QColor | None) -> None:
        """The layer's colour, the one its curves and histograms have in the plots."""
        self.accent = None if color is None else QColor(color)
        self.update()

    def set_error(self, message: str | None) -> None:
        self.error = message
        self.setToolTip(message or "")
        self._error_text.setPlainText(message or "")
        self._error_text.setVisible(bool(message))
        self._place_error()
        self.update()

    def set_highlight(self, on: bool) -> None:
        self.highlighted = on
        self.update()

    def _place_error(self) -> None:
        body = self.body_rect()
        self._error_text.setPos(body.left() - 20, body.bottom() + 4)

    # ------------------------------------------------------------------ geometry
    def body_height(self, spacing: float | None = None) -> float:
        """The node's height (with the neurons ``spacing`` apart, if given)."""
        spacing = self.spacing if spacing is None else spacing
        if self.neurons and spacing:
            return TITLE_HEIGHT + self.neurons * spacing + 8 + LINE_HEIGHT * len(self.lines)
        return TITLE_HEIGHT + LINE_HEIGHT * max(2, len(self.lines)) + 10

    def neuron_radius(self) -> float:
        return min(NEURON_RADIUS, self.spacing / 3)

    def body_rect(self) -> QRectF:
        h = self.body_height()
        return QRectF(-NODE_WIDTH / 2, -h / 2, NODE_WIDTH, h)

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt API
        return self.body_rect().adjusted(-4, -4, 4, 4)

    def neuron_center(self, i: int) -> QPointF:
        """Scene position of neuron i (neuron columns only)."""
        top = self.body_rect().top() + TITLE_HEIGHT + self.spacing / 2
        return self.mapToScene(QPointF(0, top + i * self.spacing))

    def left_anchor(self) -> QPointF:
        return self.mapToScene(QPointF(self.body_rect().left(), 0))

    def right_anchor(self) -> QPointF:
        return self.mapToScene(QPointF(self.body_rect().right(), 0))

    # ------------------------------------------------------------------ painting
    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        painter.setRenderHint(QPainter.Antialiasing)
        rect = self.body_rect()
        fill = {"input": QColor("#EEF3F8"), "loss": QColor("#F6F0F5")}.get(self.role, QColor("#FFFFFF"))
        border, width = QColor("#606060"), 1.2
        if self.error:
            border, width = ERROR, 2.5
        if self.highlighted:
            border, width = HIGHLIGHT, 3.5
        if self.isSelected():
            border, width = SELECTED, 3.0
        pen = QPen(border, width)
        if self.error and not self.isSelected():
            pen.setStyle(Qt.DashLine)
        painter.setPen(pen)
        painter.setBrush(QBrush(fill))
        painter.drawRoundedRect(rect, 8, 8)
        if self.accent is not None:
            painter.save()
            painter.setPen(Qt.NoPen)
            painter.setBrush(QBrush(self.accent))
            inset = width / 2
            band = QRectF(rect.left() + inset, rect.top() + inset, rect.width() - 2 * inset, 2 * ACCENT_HEIGHT)
            painter.setClipRect(QRectF(band.left(), band.top(), band.width(), ACCENT_HEIGHT))
            painter.drawRoundedRect(band, 7, 7)
            painter.restore()
        font = QFont(painter.font())
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(QColor("#202020"))
        painter.drawText(QRectF(rect.left() + 4, rect.top() + 5, rect.width() - 8, TITLE_HEIGHT - 4),
                         Qt.AlignHCenter | Qt.AlignVCenter, self.title)
        font.setBold(False)
        font.setPointSizeF(max(6.0, font.pointSizeF() - 1))
        painter.setFont(font)
        y = rect.top() + TITLE_HEIGHT
        if self.column:
            painter.setPen(QPen(QColor("#404040"), 1))
            painter.setBrush(QBrush(QColor("#F4F4F4")))
            r = self.neuron_radius()
            for i in range(self.neurons):
                c = self.mapFromScene(self.neuron_center(i))
                painter.drawEllipse(c, r, r)
            y += self.neurons * self.spacing + 4
        painter.setPen(QColor("#303030"))
        for line in self.lines:
            painter.drawText(QRectF(rect.left() + 4, y, rect.width() - 8, LINE_HEIGHT),
                             Qt.AlignHCenter | Qt.AlignVCenter, line)
            y += LINE_HEIGHT

    # ------------------------------------------------------------------ dragging
    def itemChange(self, change, value):  # noqa: N802 - Qt API
        if change == QGraphicsItem.ItemPositionChange and self.scene() is not None and self.dragging:
            return QPointF(value.x(), self.pos().y())      # reorder moves along the row only
        if change == QGraphicsItem.ItemPositionHasChanged and self.scene() is not None:
            self.scene().node_moved(self)
        return super().itemChange(change, value)

    def mousePressEvent(self, event) -> None:  # noqa: N802
        if self.role == "layer" and event.button() == Qt.LeftButton:
            self.dragging = True
            self.setZValue(1)               # above the layers it passes
            self.setCursor(Qt.ClosedHandCursor)
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802
        super().mouseReleaseEvent(event)
        if self.dragging:
            self.dragging = False
            self.setZValue(0)
            self.setCursor(Qt.OpenHandCursor)
            if self.scene() is not None:
                self.scene().drag_finished(self)


class Connections:
    """Every weight between two neuron columns as a line: colour = sign, width = |w|."""

    def __init__(self, scene, source: NodeItem, target: NodeItem) -> None:
        self.source, self.target = source, target
        self.lines: list[list[QGraphicsLineItem]] = []
        pen = QPen(NEUTRAL, 0.6)
        for i in range(source.neurons):
            row = []
            for j in range(target.neurons):
                line = scene.addLine(0, 0, 0, 0, pen)
                line.setZValue(-1)
                row.append(line)
            self.lines.append(row)
        self.place()

    def place(self) -> None:
        for i, row in enumerate(self.lines):
            a = self.source.neuron_center(i) + QPointF(self.source.neuron_radius(), 0)
            for j, line in enumerate(row):
                b = self.target.neuron_center(j) - QPointF(self.target.neuron_radius(), 0)
                line.setLine(a.x(), a.y(), b.x(), b.y())

    def set_weights(self, w: np.ndarray) -> bool:
        """Colour and thicken by W (n_in, n_out); False when the shape does not fit."""
        if w.shape != (len(self.lines), len(self.lines[0]) if self.lines else 0):
            return False
        scale = float(np.max(np.abs(w))) or 1.0
        for i, row in enumerate(self.lines):
            for j, line in enumerate(row):
                v = float(w[i, j])
                pen = QPen(POSITIVE if v >= 0 else NEGATIVE, 0.3 + MAX_PEN * abs(v) / scale)
                line.setPen(pen)
        return True

    def remove(self, scene) -> None:
        for row in self.lines:
            for line in row:
                scene.removeItem(line)
        self.lines = []
