"""The common last steps of every loader: split, normalize, wrap in a Dataset."""

from __future__ import annotations

from typing import Any
from collections.abc import Callable

import numpy as np

from nnstudio.data.dataset import Dataset, DatasetInfo, info_for_loaded
from nnstudio.data.errors import OptionError
from nnstudio.data.preprocess import (
    STREAM_TEST_SPLIT,
    STREAM_VAL_SPLIT,
    Normalizer,
    rng_for,
    split,
)


def _take(a: np.ndarray, idx: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a[idx])


def assemble(
    info: DatasetInfo,
    options: dict[str, Any],
    *,
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_test: np.ndarray,
    y_test: np.ndarray,
    class_names: tuple[str, ...] = (),
    n_outputs: int | None = None,
    task: str | None = None,
    target: Callable | None = None,
    feature_names: tuple[str, ...] | None = None,
) -> Dataset:
    """Hold out the validation split, fit the normalization on what is left, build the set.

    Uses ``options["validation_ratio"]``, ``options["normalize"]`` and ``options["seed"]``.
    """
    task = task or info.task
    if n_outputs is None:
        n_outputs = len(class_names) if task == "classification" else int(y_train.shape[1])
    classification = task == "classification"
    x_val = y_val = None
    ratio = float(options.get("validation_ratio", 0.0) or 0.0)
    if ratio > 0:
        keep, held = split(
            len(x_train), ratio, rng_for(options["seed"], STREAM_VAL_SPLIT),
            y_train if classification else None,
        )
        x_val, y_val = _take(x_train, held), _take(y_train, held)
        x_train, y_train = _take(x_train, keep), _take(y_train, keep)
    if len(x_train) == 0:
        raise OptionError(
            f"data set {info.name!r}: no training samples are left after the test and "
            "validation splits; lower test_ratio or validation_ratio",
            "validation_ratio" if ratio > 0 else "test_ratio",
            code="no_training_samples", dataset=info.name,
        )
    normalizer = Normalizer.fit(options.get("normalize", "none"), x_train)
    x_train = normalizer(x_train)
    x_test = normalizer(x_test)
    if x_val is not None:
        x_val = normalizer(x_val)
    input_shape = tuple(x_train.shape[1:])
    loaded_info = info_for_loaded(
        info,
        task=task,
        input_shape=input_shape,
        class_names=tuple(class_names),
        n_outputs=n_outputs,
        n_train=len(x_train),
        n_test=len(x_test),
        n_val=0 if x_val is None else len(x_val),
        feature_names=feature_names,
    )
    return Dataset(
        name=info.name,
        task=task,
        x_train=x_train,
        y_train=y_train,
        x_test=x_test,
        y_test=y_test,
        x_val=x_val,
        y_val=y_val,
        input_shape=input_shape,
        n_outputs=n_outputs,
        class_names=tuple(class_names),
        info=loaded_info,
        normalizer=normalizer,
        target=target,
        options=dict(options),
    )


def split_and_assemble(
    info: DatasetInfo,
    options: dict[str, Any],
    x: np.ndarray,
    y: np.ndarray,
    **kwargs: Any,
) -> Dataset:
    """Split one pool of samples by ``options["test_ratio"]`` (stratified for
    classification), then :func:`assemble`."""
    task = kwargs.get("task") or info.task
    keep, held = split(
        len(x), float(options["test_ratio"]), rng_for(options["seed"], STREAM_TEST_SPLIT),
        y if task == "classification" else None,
    )
    return assemble(
        info, options,
        x_train=_take(x, keep), y_train=_take(y, keep),
        x_test=_take(x, held), y_test=_take(y, held),
        **kwargs,
    )
