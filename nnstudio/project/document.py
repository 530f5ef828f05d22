"""The editable project: an evented document the studio's editors change one step at a time.

The document holds the project as plain JSON-like values (the layers as dicts in the
project-file form of DESIGN.md) so that it can hold structures the engine would reject
while the learner is still editing them; :meth:`ProjectDocument.problems` says what is
wrong and where, :meth:`ProjectDocument.to_project` builds the validated value.

Every edit is one method that emits a psygnal signal. Each layer carries a stable integer
id, so a view can keep a model→item map across inserts, moves and removals, and an undo
can put a removed layer back under its old id. The methods return what an undo needs
(the old value, the removed layer), which keeps the undo commands one call each way.
No Qt here: the ui's QUndoCommands call these methods.
"""

from __future__ import annotations

import copy
import itertools
import re
from dataclasses import dataclass
from typing import Any, Mapping

from psygnal import Signal

from nnstudio.engine.errors import SpecError
from nnstudio.engine.spec import NetworkSpec, OptimizerSpec, TrainingSpec, layer_from_dict

from .model import Project, ProjectError

SECTIONS = ("optimizer", "training", "dataset")

#: what a new layer of each type starts as (the project-file form)
LAYER_DEFAULTS: dict[str, dict[str, Any]] = {
    "dense": {"type": "dense", "units": 10, "activation": "relu", "init": "he"},
    "conv2d": {"type": "conv2d", "filters": 8, "kernel": 3, "stride": 1, "pad": 0,
               "activation": "relu", "init": "he"},
    "maxpool": {"type": "maxpool", "size": 2},
    "avgpool": {"type": "avgpool", "size": 2},
    "flatten": {"type": "flatten"},
    "batchnorm": {"type": "batchnorm"},
    "dropout": {"type": "dropout", "ratio": 0.5},
}

_LAYER_INDEX = re.compile(r"^network\.layers\[(\d+)\]")


@dataclass(frozen=True)
class Layer:
    """One layer of the document: a stable id and its project-file dict (a private copy)."""

    id: int
    data: Mapping[str, Any]

    @property
    def type(self) -> str:
        return str(self.data.get("type", ""))


@dataclass(frozen=True)
class Problem:
    """Something the engine rejects. ``layer`` is the offending layer's index (None when
    the problem is not one layer's: the input shape, the loss, the data set); ``error``
    is the engine's SpecError (or ProjectError) with its structured facts."""

    layer: int | None
    field: str
    message: str
    error: Exception


def _layer_copy(data: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(data, Mapping) or not isinstance(data.get("type"), str):
        raise ValueError(f"a layer is a dict with a 'type', not {data!r}")
    return copy.deepcopy(dict(data))


class ProjectDocument:
    """The project being edited, with change events.

    Signals (all emitted after the change):
      ``layerInserted(index, Layer)``, ``layerRemoved(index, Layer)``,
      ``layerMoved(source, destination)`` (destination is the final index),
      ``layerChanged(index, Layer)``, ``networkChanged(key)`` (``input_shape`` / ``loss``),
      ``sectionChanged(name)`` (optimizer / training / dataset), ``reloaded()`` (the whole
      project replaced) and ``changed()`` after any of them.
    """

    layerInserted = Signal(int, object)
    layerRemoved = Signal(int, object)
    layerMoved = Signal(int, int)
    layerChanged = Signal(int, object)
    networkChanged = Signal(str)
    sectionChanged = Signal(str)
    reloaded = Signal()
    changed = Signal()

    def __init__(self, project: Project) -> None:
        self._ids = itertools.count(1)
        self._layers: list[Layer] = []
        self._input_shape: list[int] = []
        self._loss = "cross_entropy"
        self._sections: dict[str, dict[str, Any]] = {}
        self._set_all(project.to_dict())

    # ------------------------------------------------------------------ reading
    @property
    def layers(self) -> tuple[Layer, ...]:
        return tuple(self._layers)

    def layer(self, index: int) -> Layer:
        return self._layers[index]

    def index_of(self, layer_id: int) -> int:
        for i, layer in enumerate(self._layers):
            if layer.id == layer_id:
                return i
        raise KeyError(layer_id)

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self._input_shape)

    @property
    def loss(self) -> str:
        return self._loss

    def section(self, name: str) -> dict[str, Any]:
        """A copy of ``optimizer`` / ``training`` / ``dataset``."""
        return copy.deepcopy(self._sections[name])

    def network_dict(self) -> dict[str, Any]:
        return {"input_shape": list(self._input_shape),
                "layers": [copy.deepcopy(dict(l.data)) for l in self._layers],
                "loss": self._loss}

    def to_dict(self) -> dict[str, Any]:
        return {"format": "nnstudio-project", "version": 1, "network": self.network_dict(),
                **{name: self.section(name) for name in SECTIONS}}

    def to_project(self) -> Project:
        """The validated project; SpecError / ProjectError when the engine rejects it."""
        return Project.from_dict(self.to_dict())

    def problems(self, data: Any = None) -> list[Problem]:
        """What the engine rejects, each with the layer it belongs to.

        Every layer is checked on its own (so several bad layers are all reported), then
        the network as a whole; ``data`` (a loaded Dataset or a DatasetInfo: anything with
        ``input_shape``, ``n_outputs`` and ``task``) adds the check that the network fits
        the data set.
        """
        found: list[Problem] = []
        for i, layer in enumerate(self._layers):
            try:
                layer_from_dict(layer.data, f"network.layers[{i}]")
            except SpecError as err:
                found.append(_problem(err))
        for name, spec in (("optimizer", OptimizerSpec), ("training", TrainingSpec)):
            try:
                spec.from_dict(self._sections[name])
            except SpecError as err:
                found.append(_problem(err))
        if found:
            return found
        try:
            network = NetworkSpec.from_dict(self.network_dict())
        except SpecError as err:
            return [_problem(err)]
        if data is not None and getattr(data, "input_shape", None):
            from .session import check_fits  # the one definition of "fits the data"
            try:
                check_fits(Project(network, dataset={"name": "_"}), data)
            except SpecError as err:
                return [_problem(err)]
        return []

    # ------------------------------------------------------------------ layer edits
    def insert_layer(self, index: int, data: Mapping[str, Any], layer_id: int | None = None) -> Layer:
        """Insert a layer before ``index`` (``len(layers)`` appends); returns it with its id."""
        if not 0 <= index <= len(self._layers):
            raise IndexError(f"layer index {index} outside 0..{len(self._layers)}")
        if layer_id is not None and any(l.id == layer_id for l in self._layers):
            raise ValueError(f"layer id {layer_id} is in use")
        layer = Layer(next(self._ids) if layer_id is None else layer_id, _layer_copy(data))
        self._layers.insert(index, layer)
        self.layerInserted.emit(index, layer)
        self.changed.emit()
        return layer

    def remove_layer(self, index: int) -> Layer:
        """Remove and return the layer at ``index`` (re-insert it with its id to undo)."""
        self._check_index(index)
        layer = self._layers.pop(index)
        self.layerRemoved.emit(index, layer)
        self.changed.emit()
        return layer

    def move_layer(self, source: int, destination: int) -> None:
        """Move a layer so that it ends up at index ``destination``."""
        self._check_index(source)
        self._check_index(destination)
        if source == destination:
            return
        layer = self._layers.pop(source)
        self._layers.insert(destination, layer)
        self.layerMoved.emit(source, destination)
        self.changed.emit()

    def set_layer(self, index: int, data: Mapping[str, Any]) -> dict[str, Any]:
        """Replace the layer's settings (its id stays); returns the old settings."""
        self._check_index(index)
        old = self._layers[index]
        self._layers[index] = Layer(old.id, _layer_copy(data))
        self.layerChanged.emit(index, self._layers[index])
        self.changed.emit()
        return copy.deepcopy(dict(old.data))

    # ------------------------------------------------------------------ other edits
    def set_input_shape(self, shape: list[int] | tuple[int, ...]) -> tuple[int, ...]:
        old = self.input_shape
        self._input_shape = [int(n) for n in shape]
        self.networkChanged.emit("input_shape")
        self.changed.emit()
        return old

    def set_loss(self, loss: str) -> str:
        old = self._loss
        self._loss = loss
        self.networkChanged.emit("loss")
        self.changed.emit()
        return old

    def set_section(self, name: str, values: Mapping[str, Any]) -> dict[str, Any]:
        """Replace ``optimizer`` / ``training`` / ``dataset``; returns the old values."""
        if name not in SECTIONS:
            raise KeyError(f"no section {name!r}; sections are {', '.join(SECTIONS)}")
        old = self.section(name)
        self._sections[name] = copy.deepcopy(dict(values))
        self.sectionChanged.emit(name)
        self.changed.emit()
        return old

    def load(self, project: Project | Mapping[str, Any]) -> dict[str, Any]:
        """Replace everything (a project or a project dict); returns the old project dict."""
        old = self.to_dict()
        self._set_all(project.to_dict() if isinstance(project, Project) else dict(project))
        self.reloaded.emit()
        self.changed.emit()
        return old

    # ------------------------------------------------------------------ helpers
    def _set_all(self, doc: Mapping[str, Any]) -> None:
        net = doc.get("network", {})
        self._input_shape = [int(n) for n in net.get("input_shape", [])]
        self._loss = net.get("loss", "cross_entropy")
        self._layers = [Layer(next(self._ids), _layer_copy(d)) for d in net.get("layers", [])]
        self._sections = {name: copy.deepcopy(dict(doc.get(name, {}))) for name in SECTIONS}

    def _check_index(self, index: int) -> None:
        if not 0 <= index < len(self._layers):
            raise IndexError(f"layer index {index} outside 0..{len(self._layers) - 1}")


def _problem(err: Exception) -> Problem:
    field = getattr(err, "field", "") or ""
    match = _LAYER_INDEX.match(field)
    return Problem(int(match.group(1)) if match else None, field, str(err), err)


__all__ = ["LAYER_DEFAULTS", "Layer", "Problem", "ProjectDocument", "ProjectError", "SECTIONS"]
