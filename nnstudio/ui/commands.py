"""Undoable edits of the project document: one QUndoCommand per document method.

The :class:`Editor` is what the diagram, the inspector and the panels call: it builds the
command, asks its ``before_edit`` guard first (the window asks to reset a run that has
made progress) and pushes it on the undo stack. Undo and redo go through the same guard.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QUndoCommand, QUndoStack

from nnstudio.project.document import LAYER_DEFAULTS, ProjectDocument


def _tr(text: str) -> str:
    return QCoreApplication.translate("commands", text)


class InsertLayerCommand(QUndoCommand):
    def __init__(self, doc: ProjectDocument, index: int, data: Mapping[str, Any]) -> None:
        super().__init__(_tr("Add %s layer") % data.get("type", ""))
        self.doc, self.index, self.data, self.layer_id = doc, index, dict(data), None

    def redo(self) -> None:
        self.layer_id = self.doc.insert_layer(self.index, self.data, self.layer_id).id

    def undo(self) -> None:
        self.doc.remove_layer(self.index)


class RemoveLayerCommand(QUndoCommand):
    def __init__(self, doc: ProjectDocument, index: int) -> None:
        super().__init__(_tr("Delete %s layer") % doc.layer(index).type)
        self.doc, self.index, self.removed = doc, index, None

    def redo(self) -> None:
        self.removed = self.doc.remove_layer(self.index)

    def undo(self) -> None:
        self.doc.insert_layer(self.index, self.removed.data, self.removed.id)


class MoveLayerCommand(QUndoCommand):
    def __init__(self, doc: ProjectDocument, source: int, destination: int) -> None:
        super().__init__(_tr("Move %s layer") % doc.layer(source).type)
        self.doc, self.source, self.destination = doc, source, destination

    def redo(self) -> None:
        self.doc.move_layer(self.source, self.destination)

    def undo(self) -> None:
        self.doc.move_layer(self.destination, self.source)


class SetLayerCommand(QUndoCommand):
    def __init__(self, doc: ProjectDocument, index: int, data: Mapping[str, Any]) -> None:
        super().__init__(_tr("Change %s layer") % data.get("type", ""))
        self.doc, self.index, self.data, self.old = doc, index, dict(data), None

    def redo(self) -> None:
        self.old = self.doc.set_layer(self.index, self.data)

    def undo(self) -> None:
        self.doc.set_layer(self.index, self.old)


class SetSectionCommand(QUndoCommand):
    def __init__(self, doc: ProjectDocument, name: str, values: Mapping[str, Any]) -> None:
        super().__init__(_tr("Change %s settings") % name)
        self.doc, self.name, self.values, self.old = doc, name, dict(values), None

    def redo(self) -> None:
        self.old = self.doc.set_section(self.name, self.values)

    def undo(self) -> None:
        self.doc.set_section(self.name, self.old)


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


class Editor:
    """The one way the ui edits the document (undoable, guarded)."""

    def __init__(self, doc: ProjectDocument, stack: QUndoStack | None = None,
                 before_edit: Callable[[], bool] | None = None) -> None:
        self.doc = doc
        self.stack = stack if stack is not None else QUndoStack()
        self.before_edit = before_edit or (lambda: True)

    def push(self, command: QUndoCommand, guarded: bool = True) -> bool:
        """Push an edit; ``guarded=False`` skips the guard (the live learning rate)."""
        if guarded and not self.before_edit():
            return False
        self.stack.push(command)
        return True

    def undo(self) -> None:
        if self.stack.canUndo() and self.before_edit():
            self.stack.undo()

    def redo(self) -> None:
        if self.stack.canRedo() and self.before_edit():
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
        """Batch norm on/off for a layer: a batchnorm layer right after it, or none."""
        layers = self.doc.layers
        has = index + 1 < len(layers) and layers[index + 1].type == "batchnorm"
        if on == has:
            return False
        if on:
            return self.add_layer(index + 1, "batchnorm")
        return self.remove_layer(index + 1)

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
