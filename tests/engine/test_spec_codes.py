"""SpecError codes: each rejection says what kind of mistake it is (code + details), while
str() — what the command line prints — stays the English sentence it always was."""

from __future__ import annotations

import pytest

from code_scan import NNSTUDIO, callee, code_literals
from nnstudio.engine.errors import SPEC_ERROR_CODES, SpecError
from nnstudio.engine.spec import NetworkSpec, OptimizerSpec, TrainingSpec, layer_from_dict



def net(layers, shape=(4,), loss="cross_entropy"):
    return {"input_shape": list(shape), "layers": layers, "loss": loss}


def rejection(fn, *args) -> SpecError:
    with pytest.raises(SpecError) as info:
        fn(*args)
    return info.value


def test_units_zero_is_too_small_on_a_named_dense_layer():
    e = rejection(NetworkSpec.from_dict, net([{"type": "dense", "units": 5},
                                              {"type": "dense", "units": 0, "activation": "softmax"}]))
    assert (e.code, e.minimum, e.value, e.layer, e.layer_type, e.setting) == ("too_small", 1, 0, 1, "dense", "units")
    assert str(e) == "network.layers[1].units: got 0; allowed: an integer ≥ 1"


def test_a_fraction_where_a_whole_number_belongs_is_not_integer():
    e = rejection(TrainingSpec.from_dict, {"batch_size": 2.5})
    assert (e.code, e.minimum, e.layer, e.layer_type) == ("not_integer", 1, None, None)
    assert str(e) == "training.batch_size: got 2.5; allowed: an integer ≥ 1"


def test_numbers_out_of_range_carry_their_bounds():
    e = rejection(OptimizerSpec.from_dict, {"name": "momentum", "momentum": 1.0})
    assert e.code == "out_of_range"
    assert dict(e.details) == {"low": 0.0, "high": 1.0, "low_open": False, "high_open": True}
    assert str(e) == "optimizer.momentum: got 1.0; allowed: a number in [0, 1)"
    e = rejection(OptimizerSpec.from_dict, {"lr": "fast"})
    assert (e.code, e.low, e.low_open, e.high_open) == ("not_number", 0.0, True, True)


def test_unknown_layer_type_and_unknown_activation():
    e = rejection(layer_from_dict, {"type": "dense2"}, "network.layers[0]")
    assert (e.code, e.value, e.layer) == ("unknown_type", "dense2", 0)
    assert "conv2d" in e.choices
    e = rejection(layer_from_dict, {"type": "conv2d", "filters": 2, "kernel": 3, "activation": "relu6"},
                  "network.layers[2]")
    assert (e.code, e.layer_type, e.setting, e.layer) == ("unknown_choice", "conv2d", "activation", 2)
    assert "softmax" not in e.choices                       # conv layers offer only hidden activations


def test_keys_unknown_and_missing():
    e = rejection(layer_from_dict, {"type": "dense", "units": 3, "unit": 4}, "network.layers[0]")
    assert (e.code, e.key, e.layer_type) == ("unknown_key", "unit", "dense")
    assert "units" in e.known
    assert str(e) == ("network.layers[0].unit: unknown key 'unit'; allowed: one of activation, bias, "
                      "init, scale, std, type, units")
    e = rejection(layer_from_dict, {"type": "conv2d", "filters": 2}, "network.layers[0]")
    assert (e.code, e.key) == ("missing_key", "kernel")


def test_network_structure_codes():
    dense = {"type": "dense", "units": 3, "activation": "softmax"}
    assert rejection(NetworkSpec.from_dict, net([])).code == "no_layers"
    assert rejection(NetworkSpec.from_dict, net([dense], shape=(2, 3))).code == "input_rank"
    e = rejection(NetworkSpec.from_dict, net([dense, {"type": "dense", "units": 3}], loss="sse"))
    assert (e.code, e.layer, e.layer_type) == ("softmax_hidden", 0, "dense")
    e = rejection(NetworkSpec.from_dict, net([{"type": "dense", "units": 3, "activation": "relu"}]))
    assert (e.code, e.loss, e.value) == ("loss_needs_softmax", "cross_entropy", "relu")
    e = rejection(NetworkSpec.from_dict, net([dense, {"type": "dropout"}]))
    assert (e.code, e.layer_type, e.layer) == ("output_not_dense", "dropout", 1)
    e = rejection(NetworkSpec.from_dict, net([{"type": "conv2d", "filters": 2, "kernel": 3}, dense], shape=(8,)))
    assert (e.code, e.layer_type, e.shape) == ("needs_image_input", "conv2d", (8,))


def test_kernel_too_large_names_the_input_size():
    e = rejection(NetworkSpec.from_dict, net([{"type": "conv2d", "filters": 2, "kernel": 7, "pad": 1},
                                              {"type": "flatten"}, {"type": "dense", "units": 3,
                                                                    "activation": "softmax"}], shape=(1, 4, 5)))
    assert (e.code, e.value, e.height, e.width, e.pad, e.layer_type) == ("kernel_too_large", 7, 4, 5, 1, "conv2d")
    assert str(e) == "network.layers[0].kernel: kernel 7 is larger than its 4×5 input; allowed: at most 6 for an input of 4×5 with pad 1"


def test_output_width_and_regression_loss():
    spec = NetworkSpec.from_dict(net([{"type": "dense", "units": 3, "activation": "softmax"}]))
    e = rejection(spec.check_outputs, 10, "classification")
    assert (e.code, e.expected, e.value, e.task, e.layer) == ("output_width", 10, 3, "classification", 0)
    assert str(e) == "network.layers[0].units: got 3; allowed: 10 (the data set has 10 classes)"
    assert rejection(spec.check_outputs, 3, "regression").code == "regression_loss"


def test_an_unknown_code_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown SpecError code"):
        SpecError("x", "y", code="no_such_code")
    assert SpecError("x", "y", 1).code == "invalid"           # uncoded raises stay valid


def _raised_codes() -> set[str]:
    """Every code= literal passed to SpecError(...) anywhere in nnstudio, or to any call in the
    engine (its spec helpers pass codes on). The data and project layers have codes of their own
    for their own errors (tests/data/test_error_codes.py)."""
    engine = NNSTUDIO / "engine"
    return code_literals(NNSTUDIO.rglob("*.py"),
                         lambda path, call: engine in path.parents or callee(call) == "SpecError")


def test_every_raised_code_is_declared_and_every_declared_code_is_raised():
    raised = _raised_codes()
    assert raised <= set(SPEC_ERROR_CODES), raised - set(SPEC_ERROR_CODES)
    # "invalid" is the default of SpecError, "unknown_choice" the default of spec._choice
    declared = set(SPEC_ERROR_CODES) - {"invalid", "unknown_choice"}
    assert declared <= raised, declared - raised


def test_the_command_line_still_prints_the_english_field_sentence(tmp_path):
    import io
    import json

    from nnstudio.cli import main
    from nnstudio.resources import resource_path
    doc = json.loads(resource_path("examples", "iris.json").read_text(encoding="utf-8"))
    doc["network"]["layers"][0]["units"] = 0
    project = tmp_path / "bad.json"
    project.write_text(json.dumps(doc), encoding="utf-8")
    err = io.StringIO()
    assert main(["train", str(project), "--out", str(tmp_path / "out")], stdout=io.StringIO(), stderr=err) != 0
    assert err.getvalue() == f"nnstudio: error: {project}: network.layers[0].units: got 0; allowed: an integer ≥ 1\n"
