"""The step-through's formulas in the interface language (nnstudio/ui/stepthrough/formula_texts.py):
every formula the engine records with words in it has an entry, and the panel shows it
translated."""

import re

import numpy as np
import pytest

from nnstudio.engine.network import Network
from nnstudio.engine.optimizers import make_optimizer
from nnstudio.engine.spec import NetworkSpec, OptimizerSpec
from nnstudio.engine.trace import record_step
from nnstudio.ui.stepthrough.formula_texts import formula_text, formula_texts
from nnstudio.ui.stepthrough.operation_panel import OperationPanel
from nnstudio.ui.translation import install_translation


def dense(units, activation="relu"):
    return {"type": "dense", "units": units, "activation": activation}


CONV = {"type": "conv2d", "filters": 2, "kernel": 3, "activation": "relu"}
# every layer kind, activation, loss and the regularization, each in a network the engine records
NETWORKS = [({"input_shape": [4], "layers": [dense(5, a), dense(3, "softmax")], "loss": "cross_entropy"}, {})
            for a in ("identity", "step", "sigmoid", "tanh", "relu", "leaky_relu")] + [
    ({"input_shape": [4], "layers": [dense(5), dense(2, "identity")], "loss": "sse"}, {"weight_decay": 0.1, "l1": 0.01}),
    ({"input_shape": [4], "layers": [dense(5), {"type": "batchnorm"}, {"type": "dropout", "ratio": 0.5},
                                     dense(3, "sigmoid")], "loss": "sse"}, {}),
    ({"input_shape": [1, 6, 6], "layers": [CONV, {"type": "maxpool", "size": 2}, {"type": "flatten"},
                                           dense(3, "softmax")], "loss": "cross_entropy"}, {}),
    ({"input_shape": [1, 6, 6], "layers": [CONV, {"type": "avgpool", "size": 2}, {"type": "flatten"},
                                           dense(3, "softmax")], "loss": "cross_entropy"}, {}),
]
# names and symbols, not words: functions, array names, subscripted symbols, shape letters
SYMBOLS = re.compile(r"\b(im2col|col2im|softmax|sign|log|exp|max|sqrt|mean|var|tanh|Bernoulli|col|[A-Za-zδμσ]+_\w+|"
                     r"N|C|H|W|F|OH|OW|kh|kw)\b")


def recorded_events():
    # every network by backprop; the one with batch norm (γ, β) and a conv net also as a
    # project training by numerical gradients records them
    for i, (spec, regularization) in enumerate(NETWORKS):
        for numerical in (False, True) if i in (7, 8) else (False,):
            network_spec = NetworkSpec.from_dict(spec)
            net = Network(network_spec, dtype="float64", seed=0, **regularization)
            x = np.random.default_rng(0).random((4,) + tuple(network_spec.input_shape))
            n_out = network_spec.layers[-1].units
            t = np.arange(4) % n_out if network_spec.loss == "cross_entropy" else np.zeros((4, n_out))
            yield from record_step(net, make_optimizer(OptimizerSpec(name="sgd", lr=0.1)), x, t,
                                   numerical=numerical).events


def has_words(formula: str) -> bool:
    return re.search(r"[A-Za-z]{2,}", SYMBOLS.sub("", formula)) is not None


def test_every_formula_with_words_is_listed_and_every_entry_is_recorded():
    events = list(recorded_events())
    assert {"∂E/∂γ ≈ (E(γ + h) − E(γ − h)) / 2h,  h = 1e-05", "∂E/∂W ≈ (E(W + h) − E(W − h)) / 2h,  h = 1e-05"} \
        <= {e.formula for e in events if e.op == "numerical_gradient"}
    with_words = {e.formula for e in events if has_words(e.formula)}
    assert len(with_words) >= 15
    assert with_words == set(formula_texts())


def test_formulas_show_in_japanese_and_symbols_stay(qapp):
    try:
        assert install_translation(qapp, "ja") == "ja"
        assert formula_text("z = max over each k×k window") == "z = 各 k×k 窓の最大値"
        for english, shown in formula_texts().items():
            assert shown != english, f"no Japanese for {english!r}"
            assert not re.search(r"\b(if|else|over|each|window|reshaped|batch|only|spread)\b", shown), shown
        assert formula_text("u = x·W + b") == "u = x·W + b"             # symbols only: as recorded
        pool = next(e for e in recorded_events() if e.op == "maxpool")
        panel = OperationPanel()
        panel.show_event(pool, 3, 10)
        assert "最大値" in panel.formula.text()
    finally:
        install_translation(qapp, "en")
    assert formula_text("z = max over each k×k window") == "z = max over each k×k window"
