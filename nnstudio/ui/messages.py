"""Translated, learner-facing messages built from the engine's and data layer's typed errors
(the data layer's and the project model's sentences live in :mod:`nnstudio.ui.data_messages`).

A :class:`~nnstudio.engine.errors.SpecError` carries a ``code`` (what kind of mistake) and
its numbers; here each code becomes one plain sentence naming the layer as the learner
sees it: "Layer 2 (Dense): the number of units must be at least 1 — you entered 0."
Every sentence is a literal inside ``translate("messages", ...)`` so that pyside6-lupdate
extracts it; its ``%(name)s`` placeholders let a translator reorder the parts.
"""

from __future__ import annotations

import json
import math

from PySide6.QtCore import QCoreApplication, QLocale

from nnstudio.ui import labels

translate = QCoreApplication.translate


def _spec_sentences() -> dict[str, str]:
    """code → sentence (variants of one code as ``code:variant``). Translated per call, so
    a language switched at run time applies."""
    return {
        "not_integer": translate("messages", "%(setting)s must be a whole number of at least %(minimum)s "
                                             "— you entered %(value)s."),
        "too_small": translate("messages", "%(setting)s must be at least %(minimum)s — you entered %(value)s."),
        "not_number": translate("messages", "%(setting)s must be a number %(range)s — you entered %(value)s."),
        "out_of_range": translate("messages", "%(setting)s must be %(range)s — you entered %(value)s."),
        "unknown_choice": translate("messages", "%(value)s is not a choice for %(setting)s; "
                                                "choose one of: %(choices)s."),
        "unknown_type": translate("messages", "there is no layer type %(value)s; the layer types are: %(choices)s."),
        "not_bool": translate("messages", "%(setting)s must be true or false — the file says %(value)s."),
        "not_object": translate("messages", "%(setting)s must be a group of settings (a JSON object) "
                                            "— the file has %(value)s."),
        "not_list": translate("messages", "%(setting)s must be a list — the file has %(value)s."),
        "unknown_key": translate("messages", "the setting %(key)s is not known here (a typing mistake?); "
                                             "the known settings are: %(known)s."),
        "missing_key": translate("messages", "the setting %(key)s is missing."),
        "input_rank": translate("messages", "the input shape must be one number (features) or three "
                                            "(channels, height, width) — it is %(value)s."),
        "input_mismatch": translate("messages", "the network expects inputs of shape %(value)s, but the "
                                                "data set's samples have shape %(expected)s."),
        "no_layers": translate("messages", "the network has no layers; it needs at least an output layer."),
        "output_not_dense": translate("messages", "the last layer is the output layer and must be a Dense "
                                                  "layer, not %(type)s."),
        "softmax_hidden": translate("messages", "only the output layer may use softmax; choose another "
                                                "activation here."),
        "loss_needs_softmax": translate("messages", "the cross-entropy loss needs softmax on the output layer "
                                                    "— it has %(value)s."),
        "needs_image_input": translate("messages", "a %(type)s layer needs image-shaped input (channels × "
                                                   "height × width), but its input is flat %(shape)s; place it "
                                                   "before any Dense or Flatten layer."),
        "kernel_too_large": translate("messages", "the kernel size %(value)s is larger than its %(height)s×%(width)s "
                                                  "input%(padding)s; it can be at most %(most)s."),
        "kernel_too_large:size": translate("messages", "the pooling window %(value)s is larger than its "
                                                       "%(height)s×%(width)s input; it can be at most %(most)s."),
        "output_width": translate("messages", "the data set has %(expected)s classes, so the output layer "
                                              "needs %(expected)s units (one per class) — it has %(value)s."),
        "output_width:regression": translate("messages", "the output layer needs one unit per target value of "
                                                         "the data set (%(expected)s), but it has %(value)s."),
        "regression_loss": translate("messages", "this data set asks for numbers (regression), so the loss "
                                                 "must be squared error, not cross-entropy."),
        "too_large": translate("messages", "this layer would have %(entries)s weights, more than nnstudio can "
                                           "train (at most %(maximum)s)."),
        "too_large:outputs": translate("messages", "this layer would give %(entries)s outputs for each sample, more "
                                                   "than nnstudio can train (at most %(maximum)s)."),
    }


def _setting_names() -> dict[str, str]:
    """The engine's field names in the words of the panels."""
    return {
        "units": translate("messages", "the number of units"),
        "filters": translate("messages", "the number of filters"),
        "kernel": translate("messages", "the kernel size"),
        "stride": translate("messages", "the stride"),
        "pad": translate("messages", "the padding"),
        "size": translate("messages", "the window size"),
        "std": translate("messages", "the standard deviation"),
        "scale": translate("messages", "the scale"),
        "bias": translate("messages", "the bias switch"),
        "activation": translate("messages", "the activation"),
        "init": translate("messages", "the initializer"),
        "momentum": translate("messages", "the momentum"),
        "eps": translate("messages", "ε (epsilon)"),
        "ratio": translate("messages", "the dropout ratio"),
        "type": translate("messages", "the layer type"),
        "lr": translate("messages", "the learning rate"),
        "rho": translate("messages", "ρ (rho)"),
        "beta1": translate("messages", "β₁ (beta1)"),
        "beta2": translate("messages", "β₂ (beta2)"),
        "name": translate("messages", "the optimizer"),
        "batch_size": translate("messages", "the batch size"),
        "epochs": translate("messages", "the number of epochs"),
        "iterations": translate("messages", "the number of iterations"),
        "seed": translate("messages", "the random seed"),
        "dtype": translate("messages", "the number precision"),
        "weight_decay": translate("messages", "the weight decay"),
        "l1": translate("messages", "the L1 penalty"),
        "gradients": translate("messages", "the gradient method"),
        "loss": translate("messages", "the loss function"),
        "input_shape": translate("messages", "the input shape"),
        "layers": translate("messages", "the layer list"),
        "optimizer": translate("messages", "the optimizer settings"),
        "training": translate("messages", "the training settings"),
    }


def _section_names() -> dict[str, str]:
    return {"network": translate("messages", "Network"), "optimizer": translate("messages", "Optimizer"),
            "training": translate("messages", "Training")}


def _show(value) -> str:
    """A value as the project file spells it (numbers plain, text in quotes)."""
    if isinstance(value, float) and value.is_integer() and math.isfinite(value):
        return _number(value)
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)


def _shape(shape) -> str:
    """(N, 784): a shape with its batch axis (None) as N (anything else as the file has it)."""
    if not isinstance(shape, (list, tuple)):
        return _show(shape)
    return "(" + ", ".join("N" if n is None else str(n) for n in shape) + ")"


def _number(x: float) -> str:
    """Whole numbers exactly (a seed's bound is 4294967295, not 4.29497e+09), others short."""
    if isinstance(x, (int, float)) and math.isfinite(x) and float(x).is_integer() and abs(x) < 1e15:
        return str(int(x))
    return f"{x:g}"


def _range_words(d) -> str:
    low, high = _number(d["low"]), _number(d["high"])
    if math.isinf(d["high"]):
        if d["low_open"]:
            return translate("messages", "greater than %(low)s") % {"low": low}
        return translate("messages", "at least %(low)s") % {"low": low}
    if d["low_open"] and d["high_open"]:
        text = translate("messages", "between %(low)s and %(high)s (both excluded)")
    elif d["low_open"]:
        text = translate("messages", "greater than %(low)s and at most %(high)s")
    elif d["high_open"]:
        text = translate("messages", "at least %(low)s and less than %(high)s")
    else:
        text = translate("messages", "between %(low)s and %(high)s")
    return text % {"low": low, "high": high}


def _type_title(kind) -> str:
    return labels.layer_type_titles().get(kind, str(kind or ""))


def _where(err) -> str:
    """"Layer 2 (Dense)" for a layer's field, "Training" for a training setting, ..."""
    if err.layer is not None:
        kind = _type_title(err.layer_type)
        if kind:
            return translate("messages", "Layer %(number)s (%(type)s)") % {"number": err.layer + 1, "type": kind}
        return translate("messages", "Layer %(number)s") % {"number": err.layer + 1}
    return _section_names().get(err.field.split(".", 1)[0], "")


def spec_error_text(err, short: bool = False) -> str:
    """The plain sentence for a SpecError; the generic field/allowed sentence for an
    uncoded one. ``short``: without the "Layer 2 (Dense): " part (shown on the layer)."""
    sentences = _spec_sentences()
    d = dict(err.details)
    key = err.code
    if key == "kernel_too_large" and err.setting == "size":
        key = "kernel_too_large:size"
    elif key == "output_width" and d.get("task") == "regression":
        key = "output_width:regression"
    elif key == "too_large" and d.get("part") == "outputs":
        key = "too_large:outputs"
    template = sentences.get(key)
    if template is None:
        return generic_spec_text(err, short)
    try:
        body = template % _sentence_values(err, key, d)
    except (KeyError, TypeError, ValueError):      # details of an unexpected form
        return generic_spec_text(err, short)
    where = "" if short else _where(err)
    if not where:
        return body[:1].upper() + body[1:]
    return translate("messages", "%(where)s: %(problem)s") % {"where": where, "problem": body}


def _sentence_values(err, key: str, d: dict) -> dict:
    return {
        "setting": _setting_names().get(err.setting, err.setting),
        "value": _shape(err.value) if key == "input_mismatch" else _show(err.value),
        "type": _type_title(err.value if key == "output_not_dense" else err.layer_type),
        "minimum": d.get("minimum", ""),
        "expected": _shape(d["expected"]) if key == "input_mismatch" else d.get("expected", ""),
        "key": _show(d.get("key", "")),
        "known": ", ".join(d.get("known", ())),
        "shape": _shape(d.get("shape", ())),
        "height": d.get("height", ""), "width": d.get("width", ""),
        "most": min(d.get("height", 0), d.get("width", 0)) + 2 * d.get("pad", 0),
        "padding": (translate("messages", " (with padding %(pad)s)") % {"pad": d["pad"]}) if d.get("pad") else "",
        "range": _range_words(d) if "low" in d else "",
        "choices": ", ".join(map(str, d.get("choices", ()))),    # as a project file spells them
        "entries": QLocale().toString(float(d.get("entries", 0)), "f", 0),
        "maximum": QLocale().toString(float(d.get("maximum", 0)), "f", 0),
    }


def generic_spec_text(err, short: bool = False) -> str:
    """The field / what was given / what is allowed, for a SpecError without a sentence."""
    detail = err.reason or translate("messages", "got %s") % repr(err.value)
    field = err.setting if short and err.layer is not None else err.field
    return translate("messages", "%(field)s: %(detail)s. Allowed: %(allowed)s.") % {
        "field": field, "detail": detail, "allowed": err.allowed}


def describe_error(err: BaseException, short: bool = False) -> str:
    """One readable sentence for a SpecError, ShapeError, DivergenceError, DataError,
    ProjectError or other failure (an uncoded one: its own English ``str()``).

    ``short``: leave out which layer (for a message shown on its own layer).
    """
    from nnstudio.engine.errors import DivergenceError, ShapeError, SpecError
    if isinstance(err, SpecError):
        return spec_error_text(err, short)
    if isinstance(err, ShapeError):
        return translate("messages", "%(name)s: the shape is %(got)s, but the network needs %(expected)s.") % {
            "name": err.name, "got": _shape(err.got), "expected": _shape(err.expected)}
    if isinstance(err, DivergenceError):
        return divergence_message(err)
    from nnstudio.data.errors import DataError
    from nnstudio.project.model import ProjectError
    from nnstudio.ui.data_messages import data_error_text, project_error_text
    text = None
    if isinstance(err, DataError):
        text = data_error_text(err)
    elif isinstance(err, ProjectError):
        text = project_error_text(err)
    return text or str(err) or type(err).__name__


def divergence_message(err) -> str:
    return translate("messages", "Training diverged at iteration %(iteration)s: %(where)s became %(value)s.") % {
        "iteration": err.iteration, "where": err.where, "value": err.value}


def divergence_hint() -> str:
    return translate("messages", "The steps were too large. Lower the learning rate (for example to a tenth) "
                                 "and press Reset, then Play.")
