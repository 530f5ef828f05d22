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

from .dataset_texts import dataset_titles
from .inspector import field_labels
from .labels import activation_titles, dataset_option_title, init_titles, loss_short_titles

MAX_SHOWN = 3          # differing settings named in one legend entry; more end in "…"


def _tr(text: str) -> str:
    return QCoreApplication.translate("run_names", text)


def _value(key: str, value) -> str:
    if key == "activation":
        return activation_titles().get(value, str(value))
    if key == "init":
        return init_titles().get(value, str(value))
    if isinstance(value, bool):
        return _tr("yes") if value else _tr("no")
    if value is None:
        return _tr("none")
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str) and ("/" in value or os.sep in value):
        return os.path.basename(value.replace("\\", "/"))   # a data file: its name tells it apart
    if isinstance(value, (list, tuple)):
        return "×".join(str(v) for v in value)
    return str(value)


def run_settings(project) -> dict[str, str]:
    """Every setting besides the update rule and learning rate, as its legend text."""
    t, o = project.training, project.optimizer
    out = {
        "training.batch_size": _tr("batch {0}").format(t.batch_size),
        # the run's length as it is counted (an unused epoch count tells no runs apart)
        "training.length": (_tr("{0} epochs").format(t.epochs) if t.iterations is None
                            else _tr("{0} iterations").format(t.iterations)),
        "training.gradients": _tr("numerical gradients") if t.gradients == "numerical" else _tr("backprop"),
        "training.weight_decay": _tr("weight decay λ {0:g}").format(t.weight_decay),
        "training.l1": _tr("L1 {0:g}").format(t.l1),
        "training.dtype": _tr("precision {0}").format(t.dtype),
        "training.seed": _tr("seed {0}").format(t.seed),
        "optimizer.momentum": _tr("momentum {0:g}").format(o.momentum),
        "optimizer.rho": f"ρ {o.rho:g}", "optimizer.beta1": f"β₁ {o.beta1:g}",
        "optimizer.beta2": f"β₂ {o.beta2:g}", "optimizer.eps": f"ε {o.eps:g}",
        "dataset.name": dataset_titles().get(project.dataset["name"], project.dataset["name"]),
        "network.loss": loss_short_titles().get(project.network.loss, project.network.loss),
        "network.layers": _tr("{0} layers").format(len(project.network.layers)),
    }
    for k, v in project.dataset.items():
        if k != "name":
            out[f"dataset.{k}"] = _tr("{0} {1}").format(dataset_option_title(k), _value(k, v))
    titles = field_labels()
    counts: dict[str, int] = {}
    for i, layer in enumerate(project.network.layers):
        fields = layer.to_dict()
        kind = fields["type"]
        counts[kind] = counts.get(kind, 0) + 1
        name = f"{kind}_{counts[kind]}"          # the engine's layer names (dense_1, conv2d_1, …)
        for k, v in fields.items():
            out[f"network.{i}.{k}"] = name if k == "type" else \
                _tr("{0} {1} {2}").format(name, titles.get(k, k).lower(), _value(k, v))
    return out


def differing(a: dict[str, str], b: dict[str, str]) -> list[str]:
    """The keys whose settings differ between two runs' :func:`run_settings`, in a's order
    and then b's."""
    return [k for k in dict.fromkeys([*a, *b]) if a.get(k) != b.get(k)]


def run_name(head: str, settings: dict[str, str], keys) -> str:
    """``head`` ("sgd, lr 0.1") followed by the settings under ``keys`` that this run has, at
    most MAX_SHOWN of them: "sgd, lr 0.1, batch 1, weight decay λ 0.1"."""
    shown = [settings[k] for k in keys if k in settings]
    comma = _tr(", ")
    return comma.join([head, *shown[:MAX_SHOWN]]) + (comma + "…" if len(shown) > MAX_SHOWN else "")
