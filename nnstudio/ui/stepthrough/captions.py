"""Learner-facing names: what each traced operation is, and what each tensor holds.

All text goes through Qt's translation (context "StepThrough"); the engine's op and tensor
names are the keys.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from nnstudio.engine.recording import Phase


def _tr(text: str) -> str:
    return QCoreApplication.translate("StepThrough", text)


def phase_title(phase: Phase) -> str:
    return {Phase.FORWARD: _tr("Forward"), Phase.LOSS: _tr("Loss"), Phase.BACKWARD: _tr("Backward"),
            Phase.UPDATE: _tr("Update")}[phase]


def op_title(op: str) -> str:
    titles = {
        "input": _tr("Input batch"),
        "affine": _tr("Affine (fully connected)"),
        "im2col": _tr("im2col: windows to rows"),
        "conv": _tr("Convolution as one matrix product"),
        "batchnorm": _tr("Batch normalization"),
        "dropout": _tr("Dropout"),
        "flatten": _tr("Flatten"),
        "maxpool": _tr("Max pooling"),
        "avgpool": _tr("Average pooling"),
        "identity": _tr("Identity activation"),
        "step": _tr("Step function"),
        "sigmoid": _tr("Sigmoid"),
        "tanh": _tr("tanh"),
        "relu": _tr("ReLU"),
        "leaky_relu": _tr("Leaky ReLU"),
        "softmax": _tr("Softmax"),
        "softmax_cross_entropy": _tr("Cross-entropy of the softmax"),
        "cross_entropy": _tr("Cross-entropy"),
        "sse": _tr("Squared error, mean over the batch"),
        "sse_sum": _tr("Squared error, summed over the batch"),
        "regularization": _tr("Weight decay penalty"),
        "softmax_cross_entropy_backward": _tr("Gradient of softmax + cross-entropy"),
        "cross_entropy_backward": _tr("Gradient of the cross-entropy"),
        "sse_backward": _tr("Gradient of the squared error"),
        "sse_sum_backward": _tr("Gradient of the squared error"),
        "affine_backward": _tr("Affine backward: ∂E/∂W, ∂E/∂b, ∂E/∂x"),
        "conv_backward": _tr("Convolution backward"),
        "col2im": _tr("col2im: rows back to the image"),
        "batchnorm_backward": _tr("Batch normalization backward"),
        "dropout_backward": _tr("Dropout backward"),
        "flatten_backward": _tr("Flatten backward"),
        "maxpool_backward": _tr("Max pooling backward"),
        "avgpool_backward": _tr("Average pooling backward"),
        "regularization_backward": _tr("Weight decay gradient"),
        "numerical_gradient": _tr("Numerical gradient (central differences)"),
        "update": _tr("Parameter update"),
    }
    if op in titles:
        return titles[op]
    if op.endswith("_backward"):
        return _tr("{0} backward").format(op_title(op[: -len("_backward")]))
    return op


def tensor_caption(name: str) -> str:
    captions = {
        "x": _tr("input of the operation"),
        "W": _tr("weights"),
        "b": _tr("bias"),
        "u": _tr("pre-activation"),
        "z": _tr("output"),
        "y": _tr("network output"),
        "t": _tr("targets"),
        "T": _tr("targets as one-hot rows"),
        "dy": _tr("∂E/∂y, where the backward pass starts"),
        "loss": _tr("loss E"),
        "penalty": _tr("regularization term"),
        "col": _tr("column matrix: one row per window"),
        "mask": _tr("mask already divided by (1 − p): 0 = dropped"),
        "mean": _tr("batch mean μ"),
        "var": _tr("batch variance σ²"),
        "xn": _tr("normalized x̂"),
        "gamma": _tr("scale γ"),
        "beta": _tr("shift β"),
        "dz": _tr("∂E/∂z from the layer above"),
        "du": _tr("δ = ∂E/∂u"),
        "dW": _tr("∂E/∂W"),
        "db": _tr("∂E/∂b"),
        "dx": _tr("∂E/∂x, passed down"),
        "dcol": _tr("∂E/∂col"),
        "dgamma": _tr("∂E/∂γ"),
        "dbeta": _tr("∂E/∂β"),
        "dy_long": _tr("∂E/∂y = −t/(N·y)"),
        "jacobian": _tr("softmax Jacobian per sample: yᵢ(δᵢⱼ − yⱼ)"),
        "du_long": _tr("∂E/∂y · Jacobian (equals δ)"),
        "W_before": _tr("parameter before the step"),
        "W_after": _tr("parameter after the step"),
        "v": _tr("optimizer state v"),
        "h": _tr("optimizer state h"),
        "m": _tr("Adam's first moment m"),
        "m_hat": _tr("bias-corrected m̂"),
        "v_hat": _tr("bias-corrected v̂"),
    }
    return captions.get(name, "")
