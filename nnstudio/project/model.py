"""The project: network, optimizer, training settings and data set, as one frozen value.

It round-trips through the project JSON of DESIGN.md::

    {"format": "nnstudio-project", "version": 1, "network": {...}, "optimizer": {...},
     "training": {...}, "dataset": {...}}

Older versions are migrated on load (see :data:`MIGRATIONS`); a newer version than this
code knows is refused with :class:`ProjectVersionError`.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Callable, Mapping

from nnstudio.engine.errors import SpecError
from nnstudio.engine.spec import NetworkSpec, OptimizerSpec, TrainingSpec

FORMAT = "nnstudio-project"
VERSION = 1


#: Every kind of ProjectError, with the details it carries (besides ``field``). The UI has
#: one plain sentence per code (nnstudio/ui/data_messages.py); a new code needs one there too.
PROJECT_ERROR_CODES: dict[str, tuple[str, ...]] = {
    "invalid": (),                        # anything else (reason says what)
    "not_object": (),                     # the file's top level is not a JSON object
    "wrong_format": ("value", "expected"),    # "format" is not "nnstudio-project"
    "bad_version": ("value",),            # "version" is not a whole number >= 0
    "newer_version": ("version", "supported"),
    "unknown_key": ("key", "known"),
    "missing_key": ("key",),
    "not_an_object": ("key",),            # a part that must be a JSON object ("dataset", "train")
    "dataset_no_name": (),                # the dataset entry names no data set
}


class ProjectError(ValueError):
    """A project document that cannot be used; ``field`` names the offending entry.

    ``code`` (one of :data:`PROJECT_ERROR_CODES`) names the kind of problem and ``details``
    its facts (e.g. ``{"key": "netwrok", "known": (...)}``); str() stays the plain English
    ``field: reason`` the command line prints.
    """

    def __init__(self, field: str, reason: str, *, code: str = "invalid", **details: Any):
        if code not in PROJECT_ERROR_CODES:
            raise ValueError(f"unknown ProjectError code {code!r}")
        self.field = field
        self.reason = reason
        self.code = code
        self.details = MappingProxyType(dict(details))
        super().__init__(f"{field}: {reason}" if field else reason)


class ProjectVersionError(ProjectError):
    def __init__(self, version: Any):
        self.version = version
        super().__init__("version", f"version {version!r} is newer than this nnstudio understands "
                                    f"(it reads versions up to {VERSION})",
                         code="newer_version", version=version, supported=VERSION)


def _migrate_v0(doc: dict[str, Any]) -> dict[str, Any]:
    """Version 0 (the first drafts) kept the optimizer and the training settings together
    under "train" and called the loss "error"; version 1 splits them."""
    doc = copy.deepcopy(doc)
    train = doc.pop("train", {})
    if not isinstance(train, dict):
        raise ProjectError("train", "must be an object", code="not_an_object", key="train")
    optimizer = {k: train.pop(k) for k in ("optimizer", "lr", "momentum", "rho", "beta1", "beta2", "eps")
                 if k in train}
    if "optimizer" in optimizer:
        optimizer["name"] = optimizer.pop("optimizer")
    doc["optimizer"] = optimizer
    doc["training"] = train
    net = doc.get("network")
    if isinstance(net, dict) and "error" in net:
        net["loss"] = net.pop("error")
    doc["version"] = 1
    return doc


MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {0: _migrate_v0}


def _frozen_dataset(d: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(copy.deepcopy(dict(d)))


@dataclass(frozen=True)
class Project:
    network: NetworkSpec
    optimizer: OptimizerSpec = field(default_factory=OptimizerSpec)
    training: TrainingSpec = field(default_factory=TrainingSpec)
    dataset: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({"name": "mnist"}))

    def __post_init__(self) -> None:
        if not isinstance(self.dataset, Mapping) or not isinstance(self.dataset.get("name"), str):
            raise ProjectError("dataset.name", "must name a data set", code="dataset_no_name")
        object.__setattr__(self, "dataset", _frozen_dataset(self.dataset))

    def with_(self, **changes: Any) -> "Project":
        """A copy with some parts replaced (network=..., optimizer=..., ...)."""
        return replace(self, **changes)

    def with_length(self, *, epochs: int | None = None, iterations: int | None = None) -> "Project":
        """A copy that trains ``epochs`` epochs or ``iterations`` updates (at most one given;
        neither: this project). Validated like any TrainingSpec."""
        if epochs is not None and iterations is not None:
            raise ValueError("a run is counted in epochs or in iterations, not both")
        if epochs is not None:
            return self.with_(training=replace(self.training, epochs=int(epochs), iterations=None))
        if iterations is not None:
            return self.with_(training=replace(self.training, iterations=int(iterations)))
        return self

    def to_dict(self) -> dict[str, Any]:
        return {"format": FORMAT, "version": VERSION, "network": self.network.to_dict(),
                "optimizer": self.optimizer.to_dict(), "training": self.training.to_dict(),
                "dataset": copy.deepcopy(dict(self.dataset))}

    @classmethod
    def from_dict(cls, doc: Any) -> "Project":
        """Validate (and migrate) a parsed project document.

        Raises ProjectError / ProjectVersionError for the envelope and SpecError (a
        ValueError with ``.field``) for the network, optimizer and training parts.
        """
        if not isinstance(doc, Mapping):
            raise ProjectError("", "a project file holds a JSON object at the top level", code="not_object")
        if doc.get("format") != FORMAT:
            raise ProjectError("format", f"must be {FORMAT!r}, got {doc.get('format')!r}",
                               code="wrong_format", value=doc.get("format"), expected=FORMAT)
        version = doc.get("version")
        if isinstance(version, bool) or not isinstance(version, int) or version < 0:
            raise ProjectError("version", f"must be a whole number from 0 up, got {version!r}", code="bad_version",
                               value=version)
        if version > VERSION:
            raise ProjectVersionError(version)
        doc = dict(doc)
        while doc["version"] < VERSION:
            doc = MIGRATIONS[doc["version"]](doc)
        known = {"format", "version", "network", "optimizer", "training", "dataset"}
        unknown = sorted(set(doc) - known)
        if unknown:
            raise ProjectError(unknown[0], "unknown key; allowed: " + ", ".join(sorted(known)),
                               code="unknown_key", key=unknown[0], known=tuple(sorted(known)))
        if "network" not in doc:
            raise ProjectError("network", "missing", code="missing_key", key="network")
        if not isinstance(doc.get("dataset", {"name": "mnist"}), Mapping):
            raise ProjectError("dataset", "must be an object", code="not_an_object", key="dataset")
        for part in ("optimizer", "training"):
            if part in doc and not isinstance(doc[part], Mapping):
                raise SpecError(part, "an object", doc[part], code="not_object")
        return cls(network=NetworkSpec.from_dict(doc["network"]),
                   optimizer=OptimizerSpec.from_dict(doc.get("optimizer", {})),
                   training=TrainingSpec.from_dict(doc.get("training", {})),
                   dataset=doc.get("dataset", {"name": "mnist"}))


def default_project() -> Project:
    """The project the app opens with: MNIST 784-50-10, ReLU, softmax, SGD (CURRICULUM §5)."""
    return Project.from_dict({
        "format": FORMAT, "version": VERSION,
        "network": {"input_shape": [784], "loss": "cross_entropy",
                    "layers": [{"type": "dense", "units": 50, "activation": "relu", "init": "he"},
                               {"type": "dense", "units": 10, "activation": "softmax", "init": "xavier"}]},
        "optimizer": {"name": "sgd", "lr": 0.1},
        "training": {"batch_size": 100, "epochs": 5, "seed": 0, "dtype": "float32", "weight_decay": 0.0},
        "dataset": {"name": "mnist"},
    })
