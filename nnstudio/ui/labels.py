"""Translated display names of the engine's identifiers (layer types, activations, ...)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication


def _tr(text: str) -> str:
    return QCoreApplication.translate("labels", text)


def activation_titles() -> dict[str, str]:
    return {"identity": _tr("identity"), "step": _tr("step"), "sigmoid": _tr("sigmoid"),
            "tanh": _tr("tanh"), "relu": _tr("ReLU"), "leaky_relu": _tr("leaky ReLU"),
            "softmax": _tr("softmax")}


def layer_type_titles() -> dict[str, str]:
    return {"dense": _tr("Dense"), "conv2d": _tr("Convolution"),
            "maxpool": _tr("Max pooling"), "avgpool": _tr("Average pooling"),
            "flatten": _tr("Flatten"), "batchnorm": _tr("Batch normalization"),
            "dropout": _tr("Dropout")}


def init_titles() -> dict[str, str]:
    return {"uniform": _tr("uniform"), "normal": _tr("normal"), "xavier": _tr("Xavier (√(1/n))"),
            "he": _tr("He (√(2/n))")}


def dropout_scale_titles() -> dict[str, str]:
    return {"training": _tr("÷(1−p) in training"), "inference": _tr("×(1−p) at inference (book)")}


def loss_titles() -> dict[str, str]:
    return {"sse": _tr("squared error, batch mean (1/N)Σ½(y−t)²"),
            "sse_sum": _tr("squared error, batch sum Σ½(y−t)²"),
            "cross_entropy": _tr("cross-entropy −Σt·log y")}


def loss_short_titles() -> dict[str, str]:
    """The loss as the diagram's loss node names it."""
    return {"sse": _tr("squared error"), "sse_sum": _tr("squared error (sum)"),
            "cross_entropy": _tr("cross-entropy")}


def dataset_option_titles() -> dict[str, str]:
    """The Data Set panel's row labels for the data sets' options (spelled out here so that
    lupdate extracts them; an option missing here shows its name with spaces)."""
    return {
        "bias": _tr("bias"), "class_names": _tr("class names"), "classes": _tr("classes"),
        "delimiter": _tr("delimiter"), "expression": _tr("expression"), "features": _tr("features"),
        "flatten": _tr("flatten"),
        "header": _tr("header"), "ignore": _tr("ignore"), "image": _tr("image side"), "images": _tr("images"), "label": _tr("label"),
        "labels": _tr("labels"), "noise": _tr("noise"), "normal": _tr("normal distribution"), "normalize": _tr("normalize"), "path": _tr("path"),
        "points": _tr("points"), "preset": _tr("preset"), "range": _tr("range"), "sampling": _tr("sampling"),
        "scale": _tr("scale"), "seed": _tr("seed"), "subset": _tr("subset"), "task": _tr("task"),
        "test_images": _tr("test images"), "test_labels": _tr("test labels"), "test_ratio": _tr("test ratio"),
        "test_size": _tr("test size"), "train_size": _tr("train size"), "transpose": _tr("transpose"),
        "validation_ratio": _tr("validation ratio"), "weights": _tr("weights"),
    }


def dataset_option_title(name: str) -> str:
    return dataset_option_titles().get(name, name.replace("_", " "))
