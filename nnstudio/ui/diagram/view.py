"""The diagram's view: zoom, pan, fit, and keyboard access to every edit.

Keys (also in the window's Edit menu): arrows move the selection, Enter edits the selected
node in the inspector, Delete removes the
selected layer, Insert adds a layer after it (Shift+Insert before), Ctrl+Left/Right moves
it, Ctrl+= / Ctrl+- zoom, Ctrl+0 fits. Dragging the background pans; Ctrl+wheel zooms.
A right-click on a node offers every edit of it, including inserting any layer type.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QAction, QContextMenuEvent, QKeySequence, QPainter
from PySide6.QtWidgets import QGraphicsView, QMenu

from nnstudio.project.document import ProjectDocument
from nnstudio.ui import labels
from nnstudio.ui.commands import Editor

from .items import MIN_NEURON_SPACING, NEURON_SPACING, NodeItem
from .scene import DiagramScene

ZOOM_STEP = 1.25
ZOOM_RANGE = (0.2, 4.0)
FIT_MARGIN = 30.0
# the fitted scale below which the neuron columns are packed closer: the nodes' smaller text
# (a point under the interface's font) is about 7 px tall there, still readable on a projector
READABLE_SCALE = 0.7
MIN_VIEWPORT = 16           # px: a viewport smaller than this is not fitted (a hidden view)


def _tr(text: str) -> str:
    return QCoreApplication.translate("DiagramView", text)


class DiagramView(QGraphicsView):
    """``nodeActivated`` (Enter or a double-click on a node): edit it in the inspector.
    ``message(text)``: why an edit was not made (for the status bar)."""

    nodeActivated = Signal()
    message = Signal(str)

    def __init__(self, doc: ProjectDocument, editor: Editor, parent=None) -> None:
        super().__init__(parent)
        self.doc, self.editor = doc, editor
        self.diagram = DiagramScene(doc, editor, self)
        self.setScene(self.diagram)
        self.setRenderHints(QPainter.Antialiasing | QPainter.TextAntialiasing)
        self.setDragMode(QGraphicsView.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.AnchorUnderMouse)
        self.setFocusPolicy(Qt.StrongFocus)
        self.setAccessibleName(_tr("Network diagram"))
        self.actions_by_name: dict[str, QAction] = {}
        self._make_actions()
        self._fitting = False
        self._set_auto_fit(True)      # fit on resize and on structure changes until a zoom
        doc.changed.connect(self._maybe_fit)
        self.diagram.sceneRectChanged.connect(self._maybe_fit)   # e.g. a problem's message

    # ------------------------------------------------------------------ actions
    def _action(self, name: str, text: str, keys, slot) -> QAction:
        action = QAction(text, self)
        action.setShortcuts([QKeySequence(k) for k in keys])
        action.setShortcutContext(Qt.WidgetWithChildrenShortcut)
        action.triggered.connect(slot)
        self.addAction(action)
        self.actions_by_name[name] = action
        return action

    def _make_actions(self) -> None:
        self._action("add_after", _tr("Add Layer &After"), ["Ins", "+"], self.add_after)
        self._action("add_before", _tr("Add Layer &Before"), ["Shift+Ins"], self.add_before)
        self._action("delete", _tr("&Delete Layer"), [QKeySequence.Delete], self.delete_selected)
        self._action("move_left", _tr("Move Layer &Left"), ["Ctrl+Left"], lambda: self.move_selected(-1))
        self._action("move_right", _tr("Move Layer Ri&ght"), ["Ctrl+Right"], lambda: self.move_selected(1))
        self._action("zoom_in", _tr("Zoom &In"), [QKeySequence.ZoomIn, "Ctrl+="], lambda: self.zoom(ZOOM_STEP))
        self._action("zoom_out", _tr("Zoom &Out"), [QKeySequence.ZoomOut], lambda: self.zoom(1 / ZOOM_STEP))
        self._action("fit", _tr("&Fit Network"), ["Ctrl+0"], self.fit)

    # ------------------------------------------------------------------ edits
    def _insert_index(self, after: bool) -> int:
        node = self.diagram.selected_node()
        n = len(self.doc.layers)
        if node is None:
            return n - 1 if n else 0            # before the output layer
        if node.role == "input":
            return 0
        if node.role == "loss":
            return n
        index = self.doc.index_of(node.layer_id)
        return index + 1 if after else index

    def add_after(self) -> None:
        self._add(self._insert_index(True))

    def add_before(self) -> None:
        self._add(self._insert_index(False))

    def _add(self, index: int, kind: str = "dense") -> None:
        if self.editor.add_layer(index, kind):
            self.diagram.select_layer(index)

    def delete_selected(self) -> None:
        index = self.diagram.current_layer()
        if index is None:
            node = self.diagram.selected_node()
            if node is not None:
                self.message.emit(_tr("The input and the loss belong to every network; "
                                      "only layers can be deleted."))
        elif len(self.doc.layers) <= 1:
            self.message.emit(_tr("The output layer is the last layer left: a network needs it."))
        else:
            self.editor.remove_layer(index)

    def move_selected(self, step: int) -> None:
        index = self.diagram.current_layer()
        if index is not None and self.editor.move_layer(index, index + step):
            self.diagram.select_layer(index + step)

    # ------------------------------------------------------------------ view
    def _set_auto_fit(self, on: bool) -> None:
        # while fitted everything is in view: no scroll bars (whose coming and going would
        # resize the viewport and refit, over and over)
        self.auto_fit = on
        policy = Qt.ScrollBarAlwaysOff if on else Qt.ScrollBarAsNeeded
        self.setHorizontalScrollBarPolicy(policy)
        self.setVerticalScrollBarPolicy(policy)

    def zoom(self, factor: float) -> None:
        self._set_auto_fit(False)
        if factor > 1:        # zoomed in by hand: the full drawing (out: as packed, not larger)
            self.diagram.set_neuron_spacing(NEURON_SPACING)
        current = self.transform().m11()
        factor = max(ZOOM_RANGE[0] / current, min(ZOOM_RANGE[1] / current, factor))
        self.scale(factor, factor)

    def _maybe_fit(self) -> None:
        if self.auto_fit:
            self.fit()

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._maybe_fit()

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        self._maybe_fit()

    def fit(self) -> None:
        """The whole network in view, at most 1.5× its size; where the view is too short for
        the text to stay readable (a 720-line projector) the neuron columns are packed closer
        first (down to MIN_NEURON_SPACING)."""
        self._set_auto_fit(True)
        if self._fitting:
            return                  # the packing below changes the scene rect, which refits
        self._fitting = True
        try:
            self.diagram.set_neuron_spacing(self._neuron_spacing())
            rect = self.diagram.itemsBoundingRect().adjusted(-FIT_MARGIN, -FIT_MARGIN, FIT_MARGIN, FIT_MARGIN)
            self.fitInView(rect, Qt.KeepAspectRatio)
            if self.transform().m11() > 1.5:
                self.resetTransform()
                self.scale(1.5, 1.5)
                self.centerOn(rect.center())
        finally:
            self._fitting = False

    def _neuron_spacing(self) -> float:
        """The widest neuron spacing at which the network, fitted into the viewport, is drawn
        at READABLE_SCALE (or at the scale its width allows, if that is smaller); 0 (blocks)
        where even the closest columns are too tall."""
        d = self.diagram
        viewport = self.viewport().rect()
        if not self.isVisible() or viewport.width() < MIN_VIEWPORT or viewport.height() < MIN_VIEWPORT:
            return d.neuron_spacing     # hidden or not laid out yet: nothing to fit to (showEvent refits)
        # what the nodes' messages, the step-through's shape labels and the items' outlines add
        # around the row of nodes, the same whichever way the columns are drawn
        bounds = d.itemsBoundingRect()
        extra_w = bounds.width() - d.width_at(d.neuron_spacing)
        extra_h = bounds.height() - d.height_at(d.neuron_spacing)

        def room(spacing: float) -> float:
            """The height the network may take at the scale its width allows (at most READABLE_SCALE)."""
            scale = min(READABLE_SCALE, viewport.width() / (d.width_at(spacing) + extra_w + 2 * FIT_MARGIN))
            return viewport.height() / scale - 2 * FIT_MARGIN - extra_h

        spacing = NEURON_SPACING
        while spacing > MIN_NEURON_SPACING and d.height_at(spacing) > room(spacing):
            spacing -= 1.0
        if d.height_at(spacing) > room(spacing) and d.height_at(0.0) < d.height_at(spacing):
            return 0.0              # still too tall: the columns become blocks
        return spacing

    def highlight_layer(self, index: int | None) -> None:
        """For the step-through: outline the layer it is at (None: no outline)."""
        self.diagram.highlight_layer(index)

    def wheelEvent(self, event) -> None:  # noqa: N802
        if event.modifiers() & Qt.ControlModifier:
            self.zoom(ZOOM_STEP if event.angleDelta().y() > 0 else 1 / ZOOM_STEP)
            event.accept()
        else:
            super().wheelEvent(event)

    def context_menu(self, node) -> QMenu:
        """Right-click menu of a node: add (any layer type) before/after, delete, move."""
        menu = QMenu(self)
        a = self.actions_by_name
        if node is not None and node.role == "layer":
            index = self.doc.index_of(node.layer_id)
            for title, at in ((_tr("Insert Before"), index), (_tr("Insert After"), index + 1)):
                sub = QMenu(title, menu)
                menu.addMenu(sub)
                for kind, label in labels.layer_type_titles().items():
                    sub.addAction(label, lambda k=kind, i=at: self._add(i, k))
            menu.addSeparator()
            for name in ("move_left", "move_right", "delete"):
                menu.addAction(a[name])
        elif node is not None:
            at = 0 if node.role == "input" else len(self.doc.layers)
            sub = QMenu(_tr("Insert Layer"), menu)
            menu.addMenu(sub)
            for kind, label in labels.layer_type_titles().items():
                sub.addAction(label, lambda k=kind, i=at: self._add(i, k))
        menu.addSeparator()
        menu.addAction(a["fit"])
        return menu

    def contextMenuEvent(self, event) -> None:  # noqa: N802
        if event.reason() == QContextMenuEvent.Keyboard:
            # the Menu key: the selected node's menu, opened at the node (not at the mouse)
            item = self.diagram.selected_node()
            pos = self.mapFromScene(item.sceneBoundingRect().center()) if item is not None else None
            where = self.viewport().mapToGlobal(pos) if pos is not None else event.globalPos()
        else:
            item = self.itemAt(event.pos())
            while item is not None and not isinstance(item, NodeItem):
                item = item.parentItem()
            if item is not None:
                self.diagram.select_node(item)
            where = event.globalPos()
        self.context_menu(item).exec(where)

    def mouseDoubleClickEvent(self, event) -> None:  # noqa: N802
        super().mouseDoubleClickEvent(event)
        if self.diagram.selected_node() is not None:
            self.nodeActivated.emit()

    def keyPressEvent(self, event) -> None:  # noqa: N802
        key = event.key()
        if key in (Qt.Key_Return, Qt.Key_Enter) and self.diagram.selected_node() is not None:
            self.nodeActivated.emit()
            event.accept()
            return
        if key in (Qt.Key_Left, Qt.Key_Right, Qt.Key_Up, Qt.Key_Down) and not event.modifiers():
            self.diagram.move_selection(1 if key in (Qt.Key_Right, Qt.Key_Down) else -1)
            node = self.diagram.selected_node()
            if node is not None:
                self.ensureVisible(node)
            event.accept()
            return
        super().keyPressEvent(event)
