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


def loss_titles() -> dict[str, str]:
    return {"sse": _tr("squared error ½Σ(y−t)²"), "cross_entropy": _tr("cross-entropy −Σt·log y")}
