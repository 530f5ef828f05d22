"""What tells two training runs apart, for the legends that draw them side by side.

A run is named by its update rule and learning rate (the views say those themselves) and by
whatever else was changed between it and the run it is compared with: the batch size for
online against mini-batch learning, numerical gradients against backprop, the weight decay,
a layer's activation or initialization, a data set option. Each setting is one entry keyed so
that two projects' entries can be compared one by one.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QCoreApplication

from .labels import activation_titles, dataset_option_title, init_titles

MAX_SHOWN = 3          # differing settings named in one legend entry; more end in "…"


def _tr(text: str) -> str:
    return QCoreApplication.translate("run_names", text)


def _value(key: str, value) -> str:
    if key == "activation":
        return activation_titles().get(value, str(value))
    if key == "init":
        return init_titles().get(value, str(value))
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str) and os.sep in value:
        return os.path.basename(value)          # a data file: its name is what tells it apart
    if isinstance(value, (list, tuple)):
        return "×".join(str(v) for v in value)
    return str(value)


def run_settings(project) -> dict[str, str]:
    """Every setting besides the update rule and learning rate, as its legend text."""
    t = project.training
    out = {
        "training.batch_size": _tr("batch {0}").format(t.batch_size),
        "training.gradients": _tr("numerical gradients") if t.gradients == "numerical" else _tr("backprop"),
        "training.weight_decay": _tr("weight decay λ {0:g}").format(t.weight_decay),
        "training.l1": _tr("L1 {0:g}").format(t.l1),
        "training.dtype": t.dtype,
        "training.seed": _tr("seed {0}").format(t.seed),
        "dataset.name": _tr("data {0}").format(project.dataset["name"]),
        "network.layers": _tr("{0} layers").format(len(project.network.layers)),
    }
    for k, v in project.dataset.items():
        if k != "name":
            out[f"dataset.{k}"] = f"{dataset_option_title(k)} {_value(k, v)}"
    counts: dict[str, int] = {}
    for i, layer in enumerate(project.network.layers):
        fields = layer.to_dict()
        kind = fields["type"]
        counts[kind] = counts.get(kind, 0) + 1
        name = f"{kind}_{counts[kind]}"          # the engine's layer names (dense_1, conv2d_1, …)
        for k, v in fields.items():
            out[f"network.{i}.{k}"] = f"{name} {k} {_value(k, v)}" if k != "type" else name
    return out


def differing(a: dict[str, str], b: dict[str, str]) -> list[str]:
    """The keys whose settings differ between two runs' :func:`run_settings`, in a's order
    and then b's."""
    return [k for k in dict.fromkeys([*a, *b]) if a.get(k) != b.get(k)]


def named_settings(settings: dict[str, str], keys) -> str:
    """", batch 1, weight decay λ 0.1" for the settings under ``keys`` (those this run has),
    at most MAX_SHOWN of them; "" for none."""
    shown = [settings[k] for k in keys if k in settings]
    if not shown:
        return ""
    more = len(shown) > MAX_SHOWN
    return ", " + ", ".join(shown[:MAX_SHOWN]) + (", …" if more else "")
