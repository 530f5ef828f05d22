"""Undoable edits of the project document: one QUndoCommand per document method.

The :class:`Editor` is what the diagram, the inspector and the panels call: it builds the
command, asks its ``before_edit`` guard first (the window asks to reset a run that has
made progress) and pushes it on the undo stack. Undo and redo go through the same guard.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QUndoCommand, QUndoStack

from nnstudio.project.comparison import hidden_indices
from nnstudio.project.document import LAYER_DEFAULTS, ProjectDocument
from nnstudio.ui.labels import layer_type_titles


def _tr(text: str) -> str:
    return QCoreApplication.translate("commands", text)


def _kind(layer_type: str) -> str:
    """The layer type as the learner reads it ("Max pooling", not "maxpool")."""
    return layer_type_titles().get(layer_type, layer_type)


class InsertLayerCommand(QUndoCommand):
    def __init__(self, doc: ProjectDocument, index: int, data: Mapping[str, Any]) -> None:
        super().__init__(_tr("Add %s layer") % _kind(data.get("type", "")))
        self.doc, self.index, self.data, self.layer_id = doc, index, dict(data), None

    def redo(self) -> None:
        self.layer_id = self.doc.insert_layer(self.index, self.data, self.layer_id).id

    def undo(self) -> None:
        self.doc.remove_layer(self.index)


class RemoveLayerCommand(QUndoCommand):
    def __init__(self, doc: ProjectDocument, index: int) -> None:
        super().__init__(_tr("Delete %s layer") % _kind(doc.layer(index).type))
        self.doc, self.index, self.removed = doc, index, None

    def redo(self) -> None:
        self.removed = self.doc.remove_layer(self.index)

    def undo(self) -> None:
        self.doc.insert_layer(self.index, self.removed.data, self.removed.id)


class MoveLayerCommand(QUndoCommand):
    def __init__(self, doc: ProjectDocument, source: int, destination: int) -> None:
        super().__init__(_tr("Move %s layer") % _kind(doc.layer(source).type))
        self.doc, self.source, self.destination = doc, source, destination

    def redo(self) -> None:
        self.doc.move_layer(self.source, self.destination)

    def undo(self) -> None:
        self.doc.move_layer(self.destination, self.source)


class SetLayerCommand(QUndoCommand):
    def __init__(self, doc: ProjectDocument, index: int, data: Mapping[str, Any]) -> None:
        super().__init__(_tr("Change %s layer") % _kind(data.get("type", "")))
        self.doc, self.index, self.data, self.old = doc, index, dict(data), None

    def redo(self) -> None:
        self.old = self.doc.set_layer(self.index, self.data)

    def undo(self) -> None:
        self.doc.set_layer(self.index, self.old)


class SetSectionCommand(QUndoCommand):
    def __init__(self, doc: ProjectDocument, name: str, values: Mapping[str, Any]) -> None:
        titles = {"optimizer": _tr("Change the optimizer"), "training": _tr("Change the training settings"),
                  "dataset": _tr("Change the data set")}
        super().__init__(titles.get(name, _tr("Change %s") % name))
        self.doc, self.name, self.values, self.old = doc, name, dict(values), None

    def redo(self) -> None:
        self.old = self.doc.set_section(self.name, self.values)

    def undo(self) -> None:
        self.doc.set_section(self.name, self.old)


#: the id shared by a data-set choice and the network fitted to it, so the two merge
DATASET_COMMAND_ID = 4201


class NetworkFit:
    """Plain record of fitting the network to a loaded data set: the input shape, the
    output layer (its index and new settings) and the loss, with the old values kept by
    :meth:`apply` for :meth:`revert`."""

    def __init__(self, input_shape, index: int | None, layer: Mapping[str, Any] | None,
                 loss: str | None) -> None:
        self.input_shape = list(input_shape)
        self.index, self.layer, self.loss = index, (dict(layer) if layer else None), loss
        self._old: tuple = ()

    def changes(self, doc: ProjectDocument) -> bool:
        return (tuple(self.input_shape) != doc.input_shape
                or (self.layer is not None and dict(doc.layer(self.index).data) != self.layer)
                or (self.loss is not None and self.loss != doc.loss))

    def apply(self, doc: ProjectDocument) -> None:
        old_shape = doc.set_input_shape(self.input_shape)
        old_layer = doc.set_layer(self.index, self.layer) if self.layer is not None else None
        old_loss = doc.set_loss(self.loss) if self.loss is not None else None
        self._old = (old_shape, old_layer, old_loss)

    def revert(self, doc: ProjectDocument) -> None:
        old_shape, old_layer, old_loss = self._old
        if old_loss is not None:
            doc.set_loss(old_loss)
        if old_layer is not None:
            doc.set_layer(self.index, old_layer)
        doc.set_input_shape(old_shape)


class ChooseDatasetCommand(QUndoCommand):
    """A new data-set entry. The data loads in the background; the network fitted to it
    afterwards (a :class:`FitNetworkCommand` pushed right on top) merges into this
    command, so choosing a set stays one undo step."""

    def __init__(self, doc: ProjectDocument, entry: Mapping[str, Any], title: str) -> None:
        super().__init__(title)
        self.doc, self.entry, self.old = doc, dict(entry), None
        self.fit: NetworkFit | None = None

    def id(self) -> int:  # noqa: A003 - Qt API
        return DATASET_COMMAND_ID

    @property
    def fitted(self) -> bool:
        return self.fit is not None

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 - Qt API
        if self.fit is None and isinstance(other, FitNetworkCommand) and other.entry == self.entry:
            self.fit = other.fit       # a plain object: Qt deletes the merged command
            return True
        return False

    def redo(self) -> None:
        self.old = self.doc.set_section("dataset", self.entry)
        if self.fit is not None:
            self.fit.apply(self.doc)

    def undo(self) -> None:
        if self.fit is not None:
            self.fit.revert(self.doc)
        self.doc.set_section("dataset", self.old)


class FitNetworkCommand(QUndoCommand):
    """The network fitted to a data set that finished loading (see ChooseDatasetCommand)."""

    def __init__(self, doc: ProjectDocument, entry: Mapping[str, Any], fit: NetworkFit) -> None:
        super().__init__(_tr("Fit the network to the data set"))
        self.doc, self.entry, self.fit = doc, dict(entry), fit

    def id(self) -> int:  # noqa: A003 - Qt API
        return DATASET_COMMAND_ID

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 - Qt API
        return False

    def redo(self) -> None:
        self.fit.apply(self.doc)

    def undo(self) -> None:
        self.fit.revert(self.doc)


class SetInputShapeCommand(QUndoCommand):
    def __init__(self, doc: ProjectDocument, shape) -> None:
        super().__init__(_tr("Change the input shape"))
        self.doc, self.shape, self.old = doc, list(shape), None

    def redo(self) -> None:
        self.old = self.doc.set_input_shape(self.shape)

    def undo(self) -> None:
        self.doc.set_input_shape(self.old)


class SetLossCommand(QUndoCommand):
    def __init__(self, doc: ProjectDocument, loss: str) -> None:
        super().__init__(_tr("Change the loss"))
        self.doc, self.loss, self.old = doc, loss, None

    def redo(self) -> None:
        self.old = self.doc.set_loss(self.loss)

    def undo(self) -> None:
        self.doc.set_loss(self.old)


class LoadProjectCommand(QUndoCommand):
    def __init__(self, doc: ProjectDocument, project, title: str) -> None:
        super().__init__(title)
        self.doc, self.project, self.old = doc, project, None

    def redo(self) -> None:
        self.old = self.doc.load(self.project)

    def undo(self) -> None:
        self.doc.load(self.old)


def move_dataset_entries(stack: QUndoStack, move: Callable[[dict], dict]) -> None:
    """Rewrite the data-set entries the undo steps hold with ``move`` (the project file moved
    to another folder, see ``nnstudio.data.with_paths_moved``): undoing or redoing a step
    then names the same files as when it was done."""
    def fix(command: QUndoCommand) -> None:
        if isinstance(command, SetSectionCommand) and command.name == "dataset":
            command.values = move(command.values)
            command.old = move(command.old) if command.old is not None else None
        elif isinstance(command, ChooseDatasetCommand):
            command.entry = move(command.entry)
            command.old = move(command.old) if command.old is not None else None
        elif isinstance(command, FitNetworkCommand):
            command.entry = move(command.entry)
        for i in range(command.childCount()):
            fix(command.child(i))
    for index in range(stack.count()):
        fix(stack.command(index))


class Editor:
    """The one way the ui edits the document (undoable, guarded)."""

    def __init__(self, doc: ProjectDocument, stack: QUndoStack | None = None,
                 before_edit: Callable[[], bool] | None = None) -> None:
        self.doc = doc
        self.stack = stack if stack is not None else QUndoStack()
        self.before_edit = before_edit or (lambda: True)

    def push(self, command: QUndoCommand, guarded: bool = True) -> bool:
        """Push an edit; ``guarded=False`` skips the guard (the live learning rate), for
        its undo and redo too."""
        if guarded and not self.before_edit():
            return False
        command.guarded = guarded
        self.stack.push(command)
        return True

    def _allowed(self, index: int) -> bool:
        command = self.stack.command(index)
        return not getattr(command, "guarded", True) or self.before_edit()

    def undo(self) -> None:
        if self.stack.canUndo() and self._allowed(self.stack.index() - 1):
            self.stack.undo()

    def redo(self) -> None:
        if self.stack.canRedo() and self._allowed(self.stack.index()):
            self.stack.redo()

    # -- layers
    def add_layer(self, index: int, kind: str = "dense", data: Mapping[str, Any] | None = None) -> bool:
        return self.push(InsertLayerCommand(self.doc, index, data or LAYER_DEFAULTS[kind]))

    def remove_layer(self, index: int) -> bool:
        if len(self.doc.layers) <= 1:
            return False   # a network keeps its output layer
        return self.push(RemoveLayerCommand(self.doc, index))

    def move_layer(self, source: int, destination: int) -> bool:
        n = len(self.doc.layers)
        if source == destination or not (0 <= source < n and 0 <= destination < n):
            return False
        return self.push(MoveLayerCommand(self.doc, source, destination))

    def set_layer(self, index: int, data: Mapping[str, Any]) -> bool:
        if dict(self.doc.layer(index).data) == dict(data):
            return False
        return self.push(SetLayerCommand(self.doc, index, data))

    def update_layer(self, index: int, /, **changes: Any) -> bool:
        data = dict(self.doc.layer(index).data)
        for key, value in changes.items():
            if value is None:
                data.pop(key, None)
            else:
                data[key] = value
        return self.set_layer(index, data)

    def set_batchnorm_after(self, index: int, on: bool) -> bool:
        """Batch norm on/off for a layer: a batchnorm layer right after it, or none, as one
        undo step. The layer's activation moves to the batch norm (the book's order, affine →
        batch norm → ReLU: the activation sees normalized inputs) and back when it goes;
        the output layer keeps its own."""
        layers = self.doc.layers
        has = index + 1 < len(layers) and layers[index + 1].type == "batchnorm"
        if on == has:
            return False
        layer = dict(layers[index].data)
        hidden = index + 1 < len(layers)
        with self.macro(_tr("Add batch norm") if on else _tr("Remove batch norm")) as ok:
            if not ok:
                return False
            if on:
                act = layer.get("activation", "identity") if hidden else "identity"
                if act != "identity":
                    self.update_layer(index, activation="identity")
                return self.add_layer(index + 1, "batchnorm", {"type": "batchnorm", "activation": act})
            act = layers[index + 1].data.get("activation", "identity")
            done = self.remove_layer(index + 1)
            if done and act != "identity" and layer.get("activation", "identity") == "identity":
                self.update_layer(index, activation=act)
            return done

    def hidden_like(self, index: int) -> list[int]:
        """The other hidden layers of layer ``index``'s type (dense or conv2d): those a
        "same for every hidden layer" edit reaches. The last dense layer is the output."""
        layers = self.doc.layers
        kind = layers[index].type
        hidden = hidden_indices([layer.data for layer in layers])
        if kind not in ("dense", "conv2d") or index not in hidden:
            return []
        return [i for i in hidden if layers[i].type == kind and i != index]

    def _activation_holder(self, index: int) -> int:
        """Where layer ``index``'s activation lives: in the batch norm right after it, if any."""
        layers = self.doc.layers
        return index + 1 if index + 1 < len(layers) and layers[index + 1].type == "batchnorm" else index

    def same_for_hidden_layers(self, index: int) -> bool:
        """Give every other hidden layer of its type layer ``index``'s activation and
        initializer (with its σ or range), as one undo step (CURRICULUM §7 compares whole
        networks of sigmoid or ReLU, normal, Xavier or He). False when nothing changes."""
        layers = self.doc.layers
        activation = layers[self._activation_holder(index)].data.get("activation")
        init = {k: layers[index].data.get(k) for k in ("init", "std", "scale")}
        changes = []
        for i in self.hidden_like(index):
            holder = self._activation_holder(i)
            # with batch norm after it, the layer itself stays linear (affine → BN → f)
            wanted = {**init, "activation": "identity"} if holder != i else {**init, "activation": activation}
            if any(layers[i].data.get(k) != v for k, v in wanted.items()):
                changes.append((i, wanted))
            if holder != i and layers[holder].data.get("activation") != activation:
                changes.append((holder, {"activation": activation}))
        if not changes:
            return False
        with self.macro(_tr("Same activation and initializer for every hidden layer")) as ok:
            if not ok:
                return False
            for i, values in changes:
                self.update_layer(i, **values)
        return True

    # -- the rest of the project
    def set_section(self, name: str, values: Mapping[str, Any], guarded: bool = True) -> bool:
        if self.doc.section(name) == dict(values):
            return False
        return self.push(SetSectionCommand(self.doc, name, values), guarded)

    def update_section(self, section: str, /, guarded: bool = True, **changes: Any) -> bool:
        """Change some keys of a section (None removes a key); ``name=`` is the optimizer's."""
        values = self.doc.section(section)
        for key, value in changes.items():
            if value is None:
                values.pop(key, None)
            else:
                values[key] = value
        return self.set_section(section, values, guarded)

    def choose_dataset(self, entry: Mapping[str, Any], title: str) -> bool:
        """A new data-set entry (one undo step with the fit that follows its loading)."""
        if self.doc.section("dataset") == dict(entry):
            return False
        return self.push(ChooseDatasetCommand(self.doc, entry, title))

    def _unfitted_choice(self, entry: Mapping[str, Any]) -> ChooseDatasetCommand | None:
        """The last edit done, when it chose this entry and its network has not been fitted."""
        index = self.stack.index()
        top = self.stack.command(index - 1) if index > 0 else None
        if (isinstance(top, ChooseDatasetCommand) and not top.fitted and top.entry == dict(entry)
                and self.doc.section("dataset") == dict(entry)):
            return top
        return None

    def awaiting_fit(self, entry: Mapping[str, Any]) -> bool:
        """The last edit done chose this entry and its network has not been fitted yet (also
        when undo came back to that choice before its data loaded)."""
        return self._unfitted_choice(entry) is not None

    def entry_before_choice(self, entry: Mapping[str, Any]) -> dict | None:
        """The data-set entry that the awaiting choice of ``entry`` replaced (None: none)."""
        choice = self._unfitted_choice(entry)
        return None if choice is None or choice.old is None else dict(choice.old)

    def fit_network(self, entry: Mapping[str, Any], fit: NetworkFit) -> bool:
        """Fit the network to a chosen set that has loaded: merged into the choice; not
        guarded (the choice was). With steps waiting to be redone (undo came back to the
        choice before its data loaded) the fit goes into the choice itself, as the merge would
        have put it: pushing a command would throw the redo steps away."""
        if not fit.changes(self.doc):
            return False
        choice = self._unfitted_choice(entry)
        if choice is not None and self.stack.index() < self.stack.count():
            choice.fit = fit
            fit.apply(self.doc)
            return True
        return self.push(FitNetworkCommand(self.doc, entry, fit), guarded=False)

    def set_input_shape(self, shape) -> bool:
        if tuple(shape) == self.doc.input_shape:
            return False
        return self.push(SetInputShapeCommand(self.doc, shape))

    def set_loss(self, loss: str) -> bool:
        if loss == self.doc.loss:
            return False
        return self.push(SetLossCommand(self.doc, loss))

    def macro(self, title: str):
        """``with editor.macro(title) as ok:`` groups edits into one undo step."""
        return _Macro(self, title)


class _Macro:
    def __init__(self, editor: Editor, title: str) -> None:
        self.editor, self.title, self.allowed = editor, title, False

    def __enter__(self) -> bool:
        self.allowed = self.editor.before_edit()
        if self.allowed:
            self._guard = self.editor.before_edit
            self.editor.before_edit = lambda: True
            self.editor.stack.beginMacro(self.title)
        return self.allowed

    def __exit__(self, *exc) -> None:
        if self.allowed:
            self.editor.stack.endMacro()
            self.editor.before_edit = self._guard
