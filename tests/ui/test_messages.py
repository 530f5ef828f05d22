"""Plain-word messages for the engine's typed errors: one sentence per SpecError code,
the layer named as the learner sees it, the generic sentence only for uncoded errors."""

from __future__ import annotations

import pytest

from nnstudio.engine.errors import SPEC_ERROR_CODES, DivergenceError, ShapeError, SpecError
from nnstudio.engine.spec import NetworkSpec, OptimizerSpec, TrainingSpec, layer_from_dict
from nnstudio.ui import messages
from nnstudio.ui.messages import describe_error, generic_spec_text

# a plausible value for each detail an error of some code carries
SAMPLE_DETAILS = {"minimum": 1, "low": 0.0, "high": 1.0, "low_open": False, "high_open": True,
                  "choices": ("relu", "tanh"), "key": "unit", "known": ("units", "type"), "expected": 10,
                  "shape": (8,), "height": 4, "width": 5, "pad": 1, "loss": "cross_entropy",
                  "task": "classification", "layer_type": "dense", "entries": 784_000_000_000,
                  "maximum": 100_000_000, "part": "weights"}


@pytest.fixture(autouse=True)
def app(qapp):
    return qapp


def sample_error(code: str) -> SpecError:
    details = {k: SAMPLE_DETAILS[k] for k in SPEC_ERROR_CODES[code] if k != "layer_type"}
    return SpecError("network.layers[1].units", "something", 7, code=code, layer_type="dense", **details)


@pytest.mark.parametrize("code", sorted(set(SPEC_ERROR_CODES) - {"invalid"}))
def test_every_engine_code_has_its_own_sentence(code):
    err = sample_error(code)
    text = describe_error(err)
    assert text != generic_spec_text(err) and "Allowed" not in text
    assert "%(" not in text and "network.layers" not in text       # no placeholders, no field paths
    assert text.startswith("Layer 2 (Dense): ")


def test_the_sentence_table_covers_every_code():
    missing = set(SPEC_ERROR_CODES) - {"invalid"} - set(messages._spec_sentences())
    assert not missing, f"codes without a sentence in nnstudio/ui/messages.py: {sorted(missing)}"


def rejection(fn, *args) -> SpecError:
    with pytest.raises(SpecError) as info:
        fn(*args)
    return info.value


def net(layers, shape=(4,), loss="cross_entropy"):
    return {"input_shape": list(shape), "layers": layers, "loss": loss}


SOFTMAX = {"type": "dense", "units": 3, "activation": "softmax"}


def test_units_zero_names_layer_and_value():
    e = rejection(NetworkSpec.from_dict, net([{"type": "dense", "units": 5},
                                              {"type": "dense", "units": 0, "activation": "softmax"}]))
    assert describe_error(e) == "Layer 2 (Dense): the number of units must be at least 1 — you entered 0."
    # on the layer's own node the layer is not named again
    assert describe_error(e, short=True) == "The number of units must be at least 1 — you entered 0."


def test_ranges_in_words():
    e = rejection(OptimizerSpec.from_dict, {"lr": 0})
    assert describe_error(e) == "Optimizer: the learning rate must be greater than 0 — you entered 0."
    e = rejection(OptimizerSpec.from_dict, {"momentum": 1.0})
    assert describe_error(e) == "Optimizer: the momentum must be at least 0 and less than 1 — you entered 1."
    e = rejection(TrainingSpec.from_dict, {"batch_size": 2.5})
    assert describe_error(e) == ("Training: the batch size must be a whole number of at least 1 "
                                 "— you entered 2.5.")


def test_structure_errors_in_plain_words():
    e = rejection(NetworkSpec.from_dict, net([SOFTMAX, {"type": "dense", "units": 3}], loss="sse"))
    assert describe_error(e) == ("Layer 1 (Dense): only the output layer may use softmax; "
                                 "choose another activation here.")
    e = rejection(NetworkSpec.from_dict, net([{"type": "conv2d", "filters": 2, "kernel": 7, "pad": 1},
                                              {"type": "flatten"}, SOFTMAX], shape=(1, 4, 5)))
    assert describe_error(e) == ("Layer 1 (Convolution): the kernel size 7 is larger than its 4×5 input "
                                 "(with padding 1); it can be at most 6.")
    e = rejection(NetworkSpec.from_dict, net([{"type": "maxpool", "size": 7}, {"type": "flatten"}, SOFTMAX],
                                             shape=(1, 4, 5)))
    assert describe_error(e) == ("Layer 1 (Max pooling): the pooling window 7 is larger than its 4×5 input; "
                                 "it can be at most 4.")
    e = rejection(NetworkSpec.from_dict, net([SOFTMAX, {"type": "dropout"}]))
    assert describe_error(e) == ("Layer 2 (Dropout): the last layer is the output layer and must be a Dense "
                                 "layer, not Dropout.")
    e = rejection(layer_from_dict, {"type": "dense2"}, "network.layers[0]")
    assert describe_error(e).startswith('Layer 1: there is no layer type "dense2"; the layer types are: dense, ')


def test_output_width_per_task():
    spec = NetworkSpec.from_dict(net([SOFTMAX]))
    e = rejection(spec.check_outputs, 10, "classification")
    assert describe_error(e) == ("Layer 1 (Dense): the data set has 10 classes, so the output layer needs "
                                 "10 units (one per class) — it has 3.")
    spec = NetworkSpec.from_dict(net([{"type": "dense", "units": 3, "activation": "identity"}], loss="sse"))
    e = rejection(spec.check_outputs, 1, "regression")
    assert "one unit per target value of the data set (1), but it has 3" in describe_error(e)


def test_file_mistakes_name_the_setting():
    e = rejection(layer_from_dict, {"type": "dense", "units": 3, "unit": 4}, "network.layers[0]")
    assert describe_error(e) == ('Layer 1 (Dense): the setting "unit" is not known here (a typing mistake?); '
                                 'the known settings are: activation, bias, init, scale, std, type, units.')
    e = rejection(layer_from_dict, {"type": "conv2d", "filters": 2}, "network.layers[0]")
    assert describe_error(e) == 'Layer 1 (Convolution): the setting "kernel" is missing.'


def test_uncoded_errors_keep_the_generic_sentence_and_others_their_text():
    e = SpecError("dense_1.W", "the parameters of this network", reason="missing from the weights")
    assert describe_error(e) == "dense_1.W: missing from the weights. Allowed: the parameters of this network."
    assert describe_error(ShapeError("input", (None, 784), (10, 4))) == \
        "input: the shape is (10, 4), but the network needs (N, 784)."
    assert describe_error(DivergenceError("loss", 12, float("nan"))) == \
        "Training diverged at iteration 12: loss became nan."
    assert describe_error(OSError("disk full")) == "disk full"


@pytest.mark.parametrize("part, word", [("weights", "weights"), ("outputs", "outputs for each sample")])
def test_a_layer_too_large_is_explained_with_its_numbers(part, word):
    err = SpecError("network.layers[0].units", "a layer of at most 100,000,000 weights", 784_000_000_000,
                    code="too_large", layer_type="dense", entries=784_000_000_000, maximum=100_000_000, part=part)
    text = describe_error(err)
    assert text.startswith("Layer 1 (Dense): this layer would")
    assert word in text and "784" in text and "100" in text
