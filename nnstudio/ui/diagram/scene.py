"""The diagram scene: follows the project document's events, keeps a layer-id → item map.

Nodes sit in one row: the input, every layer in order, the loss. Dense layers (and the
input) of at most MAX_NEURONS units are neuron columns, joined to a neuron column before
them by every weight; everything else is a block joined by an arrow. Dragging a layer
along the row and dropping it reorders the layers with one undoable move.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtGui import QPen
from PySide6.QtWidgets import QGraphicsScene

from nnstudio.project.document import Problem, ProjectDocument
from nnstudio.ui.commands import Editor
from nnstudio.ui.labels import activation_titles, loss_short_titles
from nnstudio.ui.messages import describe_error
from nnstudio.ui.palette import layer_color

from .describe import drawn_as_neurons, engine_names, output_shapes, parameter_count
from .items import NEURON_SPACING, NEUTRAL, NODE_WIDTH, Connections, NodeItem

#: room between two nodes: wide where every weight is drawn between two neuron columns,
#: narrow where an arrow joins them (so a long conv net stays legible when fitted)
WIDE_GAP = 44.0
NARROW_GAP = 26.0


def _tr(text: str) -> str:
    return QCoreApplication.translate("diagram", text)


def _shape_text(shape) -> str:
    if shape is None:
        return "?"
    return "×".join(str(n) for n in shape)


def layer_title(data: Mapping) -> str:
    kind = data.get("type")
    if kind == "dense":
        return _tr("Dense %s") % data.get("units", "?")
    if kind == "conv2d":
        k = data.get("kernel", "?")
        return _tr("Conv %s×%s ×%s") % (k, k, data.get("filters", "?"))
    if kind in ("maxpool", "avgpool"):
        size = data.get("size", 2)
        title = _tr("Max pool %s×%s") if kind == "maxpool" else _tr("Avg pool %s×%s")
        return title % (size, size)
    if kind == "flatten":
        return _tr("Flatten")
    if kind == "batchnorm":
        return _tr("Batch norm")
    if kind == "dropout":
        return _tr("Dropout %s") % data.get("ratio", 0.5)
    return str(kind)


class DiagramScene(QGraphicsScene):
    """Emits ``currentLayerChanged(index | None)`` when the selected layer changes."""

    currentLayerChanged = Signal(object)
    # the weight lines are drawn again after the columns were blocks (a view grown taller):
    # they show the weights they last had until someone sets the current ones
    weightLinesShown = Signal()

    def __init__(self, doc: ProjectDocument, editor: Editor, parent=None) -> None:
        super().__init__(parent)
        self.doc, self.editor = doc, editor
        self.neuron_spacing = NEURON_SPACING
        self.input_node = NodeItem("input")
        self.loss_node = NodeItem("loss")
        self.addItem(self.input_node)
        self.addItem(self.loss_node)
        self.nodes: dict[int, NodeItem] = {}
        self._links: list = []             # Connections or arrow line items
        self._connections: dict[int, Connections] = {}   # layer index → its weight lines
        self._problems: list[Problem] = []
        self._weights: Mapping[str, np.ndarray] | None = None
        self._highlight: int | None = None
        self._edge_labels: list = []
        self._edge_texts = None
        for layer in doc.layers:
            self._add_node(layer.id)
        doc.layerInserted.connect(self._on_inserted)
        doc.layerRemoved.connect(self._on_removed)
        doc.layerMoved.connect(lambda *_: self.refresh())
        doc.layerChanged.connect(lambda *_: self.refresh())
        doc.networkChanged.connect(lambda *_: self.refresh())
        doc.reloaded.connect(self._on_reloaded)
        self.selectionChanged.connect(self._on_selection)
        self._last_current: object = None
        self.refresh()

    # ------------------------------------------------------------------ model → items
    def _add_node(self, layer_id: int) -> NodeItem:
        node = NodeItem("layer", layer_id)
        node.set_spacing(self.neuron_spacing)
        self.nodes[layer_id] = node
        self.addItem(node)
        return node

    def _on_inserted(self, index: int, layer) -> None:
        self._add_node(layer.id)
        self._weights = None
        self.refresh()

    def _on_removed(self, index: int, layer) -> None:
        node = self.nodes.pop(layer.id)
        was_selected = node.isSelected()
        self.removeItem(node)
        self._weights = None
        self.refresh()
        if was_selected and self.doc.layers:
            self.select_layer(min(index, len(self.doc.layers) - 1))

    def _on_reloaded(self) -> None:
        for node in self.nodes.values():
            self.removeItem(node)
        self.nodes.clear()
        for layer in self.doc.layers:
            self._add_node(layer.id)
        self._weights = None
        self._problems = []
        self.refresh()

    def ordered_nodes(self) -> list[NodeItem]:
        return [self.input_node] + [self.nodes[l.id] for l in self.doc.layers] + [self.loss_node]

    def node_for_layer(self, index: int) -> NodeItem:
        return self.nodes[self.doc.layer(index).id]

    # ------------------------------------------------------------------ drawing
    def refresh(self) -> None:
        """Recompute every node's text, the layout, the links, problems and weights."""
        layers = [l.data for l in self.doc.layers]
        shapes = output_shapes(self.doc.input_shape, layers)
        in_shape = tuple(self.doc.input_shape)
        self.input_node.set_content(_tr("Input"), [_shape_text(in_shape)],
                                    in_shape[0] if drawn_as_neurons(in_shape) else 0)
        prev = in_shape
        for layer, shape in zip(self.doc.layers, shapes):
            data = layer.data
            lines = [_tr("out %s") % _shape_text(shape)]
            count = parameter_count(data, prev)
            if count:
                lines.append(_tr("%s params") % f"{count:,}")
            act = data.get("activation")
            if act:
                lines.append(activation_titles().get(act, str(act)))
            neurons = shape[0] if data.get("type") == "dense" and drawn_as_neurons(shape) else 0
            self.nodes[layer.id].set_content(layer_title(data), lines, neurons)
            prev = shape
        loss = self.doc.loss
        self.loss_node.set_content(_tr("Loss"), [loss_short_titles().get(loss, loss)], 0)
        self._layout()
        self._relink()
        self._apply_weights()
        # last: the new scene rect may refit the view (DiagramView.fit), which packs the
        # columns and moves the links, so they must match the nodes by now
        self._apply_problems()
        for i, layer in enumerate(self.doc.layers):
            self.nodes[layer.id].set_highlight(i == self._highlight)
            self.nodes[layer.id].set_accent(layer_color(i))

    def set_neuron_spacing(self, spacing: float) -> None:
        """Draw the neuron columns with their neurons ``spacing`` apart, or as blocks joined by
        arrows for 0 (see DiagramView.fit)."""
        if spacing == self.neuron_spacing:
            return
        blocks_change = (spacing == 0) != (self.neuron_spacing == 0)
        self.neuron_spacing = spacing
        texts = self._edge_texts
        for node in self.ordered_nodes():
            node.set_spacing(spacing)
        if blocks_change:             # weight lines become arrows or back, gaps change
            self._layout()
            self._relink()
            self._apply_weights()
        else:
            self._place_links()
        self.set_edge_labels(texts)
        self._fit_scene_rect()
        if blocks_change and self._connections:
            self.weightLinesShown.emit()

    def height_at(self, spacing: float) -> float:
        """The height of the drawn network (the tallest node) with the neurons ``spacing`` apart."""
        return max(node.body_height(spacing) for node in self.ordered_nodes())

    def width_at(self, spacing: float) -> float:
        """The width of the row of nodes with the neurons ``spacing`` apart (0: blocks, whose
        arrows need less room than weight lines)."""
        nodes = self.ordered_nodes()
        gaps = sum(WIDE_GAP if spacing and a.neurons and b.neurons else NARROW_GAP
                   for a, b in zip(nodes, nodes[1:]))
        return len(nodes) * NODE_WIDTH + gaps

    def _layout(self, order: list[NodeItem] | None = None) -> None:
        """Place the nodes in a row (``order``: a tentative order while a layer is dragged;
        the dragged node itself stays under the mouse)."""
        self.set_edge_labels(None)
        x, previous = 0.0, None
        for node in order or self.ordered_nodes():
            if previous is not None:
                wide = previous.column and node.column
                x += NODE_WIDTH + (WIDE_GAP if wide else NARROW_GAP)
            if not node.dragging:
                node.setPos(x, 0)
            previous = node

    def _relink(self) -> None:
        for link in self._links:
            if isinstance(link, Connections):
                link.remove(self)
            else:
                self.removeItem(link)
        self._links, self._connections = [], {}
        nodes = self.ordered_nodes()
        for k in range(1, len(nodes)):
            a, b = nodes[k - 1], nodes[k]
            if a.column and b.column and b.role == "layer":
                link = Connections(self, a, b)
                self._connections[k - 1] = link
            else:
                link = self.addLine(0, 0, 0, 0, QPen(NEUTRAL, 2))
                link.setZValue(-1)
            self._links.append(link)
        self._place_links()

    def _place_links(self) -> None:
        nodes = self.ordered_nodes()
        for k, link in enumerate(self._links, start=1):
            if isinstance(link, Connections):
                link.place()
            else:
                a, b = nodes[k - 1].right_anchor(), nodes[k].left_anchor()
                link.setLine(a.x(), a.y(), b.x(), b.y())

    # ------------------------------------------------------------------ problems, weights
    def set_problems(self, problems: list[Problem]) -> None:
        self._problems = list(problems)
        self._apply_problems()

    def node_for_problem(self, problem: Problem) -> NodeItem | None:
        """The node a problem is marked on, None when the diagram has no place for it
        (e.g. a training setting)."""
        if problem.layer is not None and 0 <= problem.layer < len(self.doc.layers):
            return self.node_for_layer(problem.layer)
        if problem.field.startswith("network.input_shape"):
            return self.input_node
        if problem.field.startswith("network.loss"):
            return self.loss_node
        return None

    def _apply_problems(self) -> None:
        messages: dict[int, list[str]] = {}
        for p in self._problems:
            node = self.node_for_problem(p)
            if node is not None:
                messages.setdefault(id(node), []).append(describe_error(p.error, short=True))
        for node in self.ordered_nodes():
            text = messages.get(id(node))
            node.set_error("\n".join(text) if text else None)
        self._fit_scene_rect()      # a message below a node widens what there is to see

    def _fit_scene_rect(self) -> None:
        self.setSceneRect(self.itemsBoundingRect().adjusted(-40, -40, 40, 40))   # shrinks too

    def set_weights(self, weights: Mapping[str, np.ndarray] | None) -> None:
        """Show a snapshot's weights on the drawn connections."""
        self._weights = weights
        self._apply_weights()

    def _apply_weights(self) -> None:
        names = engine_names([l.data for l in self.doc.layers])
        for index, conn in self._connections.items():
            w = None if self._weights is None else self._weights.get(f"{names[index]}.W")
            if w is None or not conn.set_weights(np.asarray(w)):
                for row in conn.lines:
                    for line in row:
                        line.setPen(QPen(NEUTRAL, 0.6))

    def set_edge_labels(self, labels) -> None:
        """Text by the arrow into each layer, e.g. the step-through's tensor shapes:
        ``{layer index: text}``; None or an empty mapping clears them."""
        for item in self._edge_labels:
            self.removeItem(item)
        self._edge_labels = []
        self._edge_texts = labels
        if not labels:
            return
        nodes = self.ordered_nodes()
        for index, text in dict(labels).items():
            if not isinstance(index, int) or not 0 <= index < len(self.doc.layers):
                continue
            a, b = nodes[index].right_anchor(), nodes[index + 1].left_anchor()
            top = min(n.sceneBoundingRect().top() for n in (nodes[index], nodes[index + 1]))
            item = self.addSimpleText(str(text))     # above the two nodes, clear of the lines
            item.setPos((a.x() + b.x()) / 2 - item.boundingRect().width() / 2, top - 20)
            self._edge_labels.append(item)

    def has_weight_lines(self) -> bool:
        return bool(self._connections)

    def connections(self, index: int) -> Connections | None:
        return self._connections.get(index)

    # ------------------------------------------------------------------ selection
    def selected_node(self) -> NodeItem | None:
        items = [i for i in self.selectedItems() if isinstance(i, NodeItem)]
        return items[0] if items else None

    def current_layer(self) -> int | None:
        node = self.selected_node()
        if node is None or node.role != "layer":
            return None
        return self.doc.index_of(node.layer_id)

    def select_node(self, node: NodeItem) -> None:
        self.clearSelection()
        node.setSelected(True)
        node.setFocus()

    def select_layer(self, index: int) -> None:
        if 0 <= index < len(self.doc.layers):
            self.select_node(self.node_for_layer(index))

    def move_selection(self, step: int) -> None:
        nodes = self.ordered_nodes()
        current = self.selected_node()
        if current not in nodes:
            target = nodes[0] if step > 0 else nodes[-1]
        else:
            target = nodes[max(0, min(len(nodes) - 1, nodes.index(current) + step))]
        self.select_node(target)

    def _on_selection(self) -> None:
        current = self.current_layer()
        if current != self._last_current:
            self._last_current = current
            self.currentLayerChanged.emit(current)

    def highlight_layer(self, index: int | None) -> None:
        self._highlight = index
        for i, layer in enumerate(self.doc.layers):
            self.nodes[layer.id].set_highlight(i == index)

    # ------------------------------------------------------------------ dragging
    def node_moved(self, node: NodeItem) -> None:
        """While a layer is dragged the others make room where it would land (its links
        hide until the drop: they would join the layers in their old order)."""
        if not node.dragging or node.layer_id not in self.nodes:
            return
        for link in self._link_items():
            link.setVisible(False)
        others = [self.nodes[l.id] for l in self.doc.layers if l.id != node.layer_id]
        k = sum(1 for other in others if other.x() < node.x())
        self._layout([self.input_node] + others[:k] + [node] + others[k:] + [self.loss_node])

    def _link_items(self) -> list:
        """Every line item joining two nodes (arrows and drawn weights)."""
        items = []
        for link in self._links:
            if isinstance(link, Connections):
                items.extend(line for row in link.lines for line in row)
            else:
                items.append(link)
        return items

    def drag_finished(self, node: NodeItem) -> None:
        source = self.doc.index_of(node.layer_id)
        layer_nodes = [self.nodes[l.id] for l in self.doc.layers]
        order = sorted(layer_nodes, key=lambda n: n.x())
        destination = order.index(node)
        if destination == source or not self.editor.move_layer(source, destination):
            self.refresh()
        self.select_layer(self.doc.index_of(node.layer_id))
