"""Image classification sets stored as IDX pairs: MNIST, the learner's own IDX files, and
downloaded Fashion-MNIST / KMNIST."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from nnstudio.data.build import assemble
from nnstudio.data.dataset import Dataset, DatasetInfo, OptionSpec
from nnstudio.data.errors import DataFileError, OptionError
from nnstudio.data.idx import read_idx
from nnstudio.data.preprocess import (
    STREAM_SUBSAMPLE,
    STREAM_TEST_SPLIT,
    choose,
    rng_for,
    split,
)

FLATTEN = OptionSpec(
    "flatten", "bool", True,
    "true: each image is a vector (784 for MNIST); false: (channels, height, width) for "
    "conv nets",
)
SCALE = OptionSpec(
    "scale", "bool", True, "divide 8-bit pixel values by 255, giving values in [0, 1]"
)
SUBSET = OptionSpec(
    "subset", "choice", "random",
    "how train_size/test_size pick samples: random (seeded, stratified by class) or first "
    "(the first N, as the book's x_train[:300])",
    choices=("random", "first"),
)
TRANSPOSE = OptionSpec(
    "transpose", "bool", False,
    "swap each image's rows and columns (EMNIST's IDX files store images transposed)",
)


def size_option(name: str, maximum: int | None, what: str) -> OptionSpec:
    return OptionSpec(
        name, "int", None, f"use only this many {what} samples (null: all)",
        minimum=1, maximum=maximum, nullable=True,
    )


def read_pair(images_path: Path, labels_path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Images and int64 labels of one IDX pair, checked against each other."""
    images = read_idx(images_path)
    labels = read_idx(labels_path)
    if images.ndim < 2:
        raise DataFileError(
            images_path,
            f"holds a 1-dimensional array of {images.shape[0]} values; an images file has "
            "at least 2 dimensions (count, then the size of each sample)",
            code="images_one_dimensional", count=images.shape[0],
        )
    if labels.ndim != 1:
        raise DataFileError(
            labels_path,
            f"holds an array of shape {labels.shape}; a labels file has 1 dimension",
            code="labels_not_one_dimensional", shape=tuple(labels.shape),
        )
    if labels.dtype.kind not in "iu":
        raise DataFileError(labels_path, f"labels must be integers, not {labels.dtype.name}",
                            code="labels_not_integer", dtype=labels.dtype.name)
    if len(images) != len(labels):
        raise DataFileError(
            labels_path,
            f"holds {len(labels)} labels but {images_path} holds {len(images)} images",
            code="count_mismatch", labels=len(labels), images=len(images), images_path=str(images_path),
        )
    if len(labels) == 0:
        raise DataFileError(labels_path, "holds no samples", code="no_samples")
    if labels.min() < 0:
        raise DataFileError(labels_path, f"has a negative label ({labels.min()})",
                            code="negative_label", value=int(labels.min()))
    return images, labels.astype(np.int64)


def _subsample(
    images: np.ndarray, labels: np.ndarray, size: int | None, options: dict, split_name: str,
    stream_offset: int,
) -> tuple[np.ndarray, np.ndarray]:
    if size is None or size == len(labels):
        return images, labels
    if size > len(labels):
        raise OptionError(
            f"option {split_name + '_size'!r} is {size} but only {len(labels)} {split_name} "
            "samples exist",
            split_name + "_size", code="size_too_large", value=size, available=len(labels),
        )
    if options["subset"] == "first":
        idx = np.arange(size)
    else:
        rng = rng_for(options["seed"], STREAM_SUBSAMPLE + stream_offset)
        taken, _ = choose(len(labels), size, rng, labels)
        idx = rng.permutation(taken)
    return images[idx], labels[idx]


def _to_float(images: np.ndarray, options: dict) -> np.ndarray:
    if options.get("transpose"):
        images = np.swapaxes(images, -1, -2)
    out = np.empty(images.shape, dtype=np.float32)
    if options["scale"] and images.dtype == np.uint8:
        np.divide(images, np.float32(255.0), out=out)
    else:
        out[...] = images
    if options["flatten"]:
        return out.reshape(len(out), int(np.prod(out.shape[1:])))
    if out.ndim == 3:  # (N, H, W) -> (N, 1, H, W): one channel for conv layers
        return out.reshape(out.shape[0], 1, *out.shape[1:])
    return out


def image_set(
    info: DatasetInfo,
    options: dict[str, Any],
    train: tuple[Path, Path],
    test: tuple[Path, Path] | None,
    class_names: tuple[str, ...] | None,
) -> Dataset:
    images, labels = read_pair(*train)
    if labels.min() == labels.max():      # as a CSV file's label column: nothing to tell apart
        raise DataFileError(train[1], f"all its labels are {int(labels[0])}: a single class; "
                            "classification needs at least two", code="labels_single_class",
                            value=str(int(labels[0])))
    if test is not None:
        test_images, test_labels = read_pair(*test)
        if test_images.shape[1:] != images.shape[1:]:
            raise DataFileError(
                test[0],
                f"holds samples of shape {test_images.shape[1:]} but {train[0]} holds "
                f"{images.shape[1:]}", code="test_shape_mismatch", shape=tuple(test_images.shape[1:]),
                train_path=str(train[0]), train_shape=tuple(images.shape[1:]),
            )
    else:
        keep, held = split(
            len(labels), options["test_ratio"], rng_for(options["seed"], STREAM_TEST_SPLIT),
            labels,
        )
        test_images, test_labels = images[held], labels[held]
        images, labels = images[keep], labels[keep]
    images, labels = _subsample(images, labels, options["train_size"], options, "train", 0)
    test_images, test_labels = _subsample(
        test_images, test_labels, options["test_size"], options, "test", 10
    )
    n_classes = int(max(labels.max(), test_labels.max() if len(test_labels) else 0)) + 1
    if class_names is None:
        class_names = tuple(str(i) for i in range(n_classes))
    elif len(class_names) < n_classes:
        raise OptionError(
            f"data set {info.name!r}: {len(class_names)} class names given but the labels "
            f"go up to {n_classes - 1}",
            "class_names", code="too_few_class_names", dataset=info.name, given=len(class_names),
            highest=n_classes - 1,
        )
    return assemble(
        info, options,
        x_train=_to_float(images, options), y_train=labels,
        x_test=_to_float(test_images, options), y_test=test_labels,
        class_names=tuple(class_names),
    )
