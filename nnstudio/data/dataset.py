"""The value types of the data layer: option descriptions, set metadata, a loaded set."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any
from collections.abc import Callable

import numpy as np

TASKS = ("classification", "regression")
SOURCES = ("shipped", "generated", "file", "download")


@dataclass(frozen=True)
class OptionSpec:
    """One option of a data set, described for validation and for the UI's panel.

    kind is one of:
      ``int``, ``float``   a number in [minimum, maximum] (``exclusive_max``: < maximum);
      ``bool``;
      ``choice``           one of ``choices``;
      ``str``              free text (an expression, a delimiter);
      ``path``             a file or folder path (relative paths are resolved against the
                           ``base_dir`` given to ``load``);
      ``range``            two numbers ``[lo, hi]`` with lo < hi;
      ``vector``           ``length`` numbers;
      ``column``           a column name or 0-based index (negative counts from the end),
                           or a list of them where ``multiple`` is true;
      ``columns``          a list of column names or indices;
      ``strings``          a list of strings.
    ``nullable``: ``None`` (JSON null) is allowed and means "not set" (e.g. "all samples").
    ``unused_when``: the name of another option of the set; while that one is set (non-zero,
    true, not empty) this option's value is not used (the panel greys it out).
    """

    name: str
    kind: str
    default: Any
    description: str
    minimum: float | None = None
    maximum: float | None = None
    exclusive_max: bool = False
    choices: tuple = ()
    nullable: bool = False
    required: bool = False
    length: int | None = None
    multiple: bool = False
    unused_when: str = ""


@dataclass(frozen=True)
class DatasetInfo:
    """Metadata of a data set, for listing (``list_datasets``) and for a loaded set.

    For ``list_datasets`` the shape, class names and sizes are those of the default options;
    for file-based sets (``idx``, ``csv``) they are unknown until loaded: ``input_shape`` is
    ``()``, ``class_names`` ``()`` and ``size`` ``None``. ``Dataset.info`` holds the actual
    values of the loaded data.

    ``size`` is ``(n_train, n_test)``; ``n_val`` the validation count (0 when none).
    ``source`` is "shipped" (in resources/), "generated", "file" (the learner's own) or
    "download" (fetched by ``download`` into the user's data folder).
    """

    name: str
    title: str
    task: str
    input_shape: tuple[int, ...]
    class_names: tuple[str, ...]
    size: tuple[int, int] | None
    citation: str
    license: str
    description: str
    options: tuple[OptionSpec, ...]
    n_outputs: int = 0
    n_val: int = 0
    feature_names: tuple[str, ...] = ()
    source: str = "shipped"

    def option(self, name: str) -> OptionSpec:
        """The spec of option ``name`` (KeyError if this set has no such option)."""
        for spec in self.options:
            if spec.name == name:
                return spec
        raise KeyError(name)

    def defaults(self) -> dict[str, Any]:
        """``{option name: default}`` for every option (required ones map to None)."""
        return {spec.name: spec.default for spec in self.options}


def _frozen_array(a: np.ndarray | None) -> np.ndarray | None:
    if a is None:
        return None
    a = np.asarray(a)
    if a.flags.writeable:
        a.flags.writeable = False
    return a


@dataclass(frozen=True, eq=False)
class Dataset:
    """A loaded data set: read-only arrays plus metadata.

    x arrays are float32 with shape ``(N, *input_shape)``. y arrays are int64 class indices
    of shape ``(N,)`` for classification, float32 ``(N, n_outputs)`` for regression.
    ``x_val``/``y_val`` are None unless a validation split was asked for.

    ``normalizer`` is the preprocessing fitted on the training split (apply it to new raw
    inputs, e.g. a drawn digit, with ``ds.normalizer(x)``). ``target`` is the generating
    function for function sets (an :class:`~nnstudio.data.expression.Expression`, callable
    on an array of x), else None.
    """

    name: str
    task: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    input_shape: tuple[int, ...]
    n_outputs: int
    class_names: tuple[str, ...]
    info: DatasetInfo
    x_val: np.ndarray | None = None
    y_val: np.ndarray | None = None
    normalizer: Callable[[np.ndarray], np.ndarray] | None = None
    target: Callable[[np.ndarray], np.ndarray] | None = None
    options: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise ValueError(f"task must be one of {TASKS}, not {self.task!r}")
        if (self.x_val is None) != (self.y_val is None):
            raise ValueError("x_val and y_val must both be set or both be None")
        pairs = [("train", self.x_train, self.y_train), ("test", self.x_test, self.y_test)]
        if self.x_val is not None:
            pairs.append(("val", self.x_val, self.y_val))
        for split, x, y in pairs:
            if x.dtype != np.float32:
                raise ValueError(f"x_{split} must be float32, not {x.dtype}")
            if tuple(x.shape[1:]) != tuple(self.input_shape):
                raise ValueError(
                    f"x_{split} has shape {x.shape}, expected (N, *{tuple(self.input_shape)})"
                )
            if len(y) != len(x):
                raise ValueError(f"x_{split} has {len(x)} rows but y_{split} has {len(y)}")
            if self.task == "classification":
                if y.dtype != np.int64 or y.ndim != 1:
                    raise ValueError(f"y_{split} must be int64 of shape (N,)")
                if y.size and (y.min() < 0 or y.max() >= self.n_outputs):
                    raise ValueError(f"y_{split} has labels outside 0..{self.n_outputs - 1}")
            elif y.dtype != np.float32 or y.shape[1:] != (self.n_outputs,):
                raise ValueError(f"y_{split} must be float32 of shape (N, {self.n_outputs})")
        for name in ("x_train", "y_train", "x_test", "y_test", "x_val", "y_val"):
            object.__setattr__(self, name, _frozen_array(getattr(self, name)))
        object.__setattr__(self, "input_shape", tuple(int(d) for d in self.input_shape))
        object.__setattr__(self, "class_names", tuple(self.class_names))

    @property
    def n_train(self) -> int:
        return len(self.x_train)

    @property
    def n_test(self) -> int:
        return len(self.x_test)

    @property
    def n_val(self) -> int:
        return 0 if self.x_val is None else len(self.x_val)

    @property
    def one_variable_function(self) -> bool:
        """y = f(x) of one number (regression, one input, one output: CURRICULUM §10), the data
        a fitted curve is drawn for."""
        return self.task == "regression" and tuple(self.input_shape) == (1,) and self.n_outputs == 1

    def __repr__(self) -> str:
        val = f", val={self.n_val}" if self.x_val is not None else ""
        return (
            f"Dataset({self.name!r}, {self.task}, input_shape={self.input_shape}, "
            f"n_outputs={self.n_outputs}, train={self.n_train}, test={self.n_test}{val})"
        )


def info_for_loaded(
    base: DatasetInfo,
    *,
    input_shape: tuple[int, ...],
    class_names: tuple[str, ...],
    n_outputs: int,
    n_train: int,
    n_test: int,
    n_val: int,
    task: str | None = None,
    feature_names: tuple[str, ...] | None = None,
) -> DatasetInfo:
    """``base`` with the actual shape, classes and sizes of a loaded set."""
    return replace(
        base,
        task=task or base.task,
        input_shape=tuple(input_shape),
        class_names=tuple(class_names),
        n_outputs=n_outputs,
        size=(n_train, n_test),
        n_val=n_val,
        feature_names=base.feature_names if feature_names is None else tuple(feature_names),
    )
