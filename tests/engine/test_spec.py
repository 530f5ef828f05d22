"""Specs: JSON round-trip for every layer type and the rejection messages (ISSUE 2 §2, §4).

Every rejection is a SpecError whose ``field`` is the dotted path of the offending entry and
whose message names that field and what is allowed.
"""

from __future__ import annotations

import json

import pytest

from nnstudio.engine.errors import SpecError
from nnstudio.engine.spec import (MAX_LAYER_ENTRIES, BatchNormSpec, Conv2dSpec, DenseSpec, DropoutSpec, FlattenSpec, NetworkSpec,
                                  OptimizerSpec, PoolSpec, TrainingSpec, layer_from_dict)

from engine_helpers import conv, dense

LAYERS = [
    {"type": "dense", "units": 7, "activation": "tanh", "init": "normal", "std": 0.05, "scale": 0.5, "bias": False},
    {"type": "dense", "units": 3, "activation": "leaky_relu", "init": "uniform", "std": 0.01, "scale": 0.25,
     "bias": True},
    {"type": "conv2d", "filters": 4, "kernel": 3, "stride": 2, "pad": 1, "activation": "sigmoid", "init": "xavier",
     "std": 0.01, "scale": 0.5},
    {"type": "maxpool", "size": 2},
    {"type": "maxpool", "size": 3, "stride": 1},
    {"type": "avgpool", "size": 2, "stride": 2},
    {"type": "flatten"},
    {"type": "batchnorm", "momentum": 0.8, "eps": 1e-4, "activation": "relu"},
    {"type": "dropout", "ratio": 0.25},
]


@pytest.mark.parametrize("d", LAYERS, ids=[f"{d['type']}{i}" for i, d in enumerate(LAYERS)])
def test_layer_round_trip(d):
    spec = layer_from_dict(d)
    assert spec.to_dict() == d
    again = layer_from_dict(json.loads(json.dumps(spec.to_dict())))
    assert again == spec and hash(again) == hash(spec)


def test_layer_defaults_are_the_documented_ones():
    assert layer_from_dict({"type": "dense", "units": 5}) == DenseSpec(5, "relu", "he", 0.01, 0.5, True)
    c = layer_from_dict({"type": "conv2d", "filters": 2, "kernel": 3})
    assert (c.stride, c.pad) == (1, 0) and isinstance(c, Conv2dSpec)
    p = layer_from_dict({"type": "avgpool"})
    assert isinstance(p, PoolSpec) and (p.size, p.step, p.kind) == (2, 2, "avgpool")
    assert layer_from_dict({"type": "batchnorm"}) == BatchNormSpec(0.9, 1e-5)
    assert layer_from_dict({"type": "dropout"}) == DropoutSpec(0.5)
    assert layer_from_dict({"type": "flatten"}) == FlattenSpec()
    assert layer_from_dict({"type": "maxpool"}) != layer_from_dict({"type": "avgpool"})


def test_network_optimizer_training_round_trip():
    net = {"input_shape": [1, 8, 8],
           "layers": [conv(4, 3, pad=1), {"type": "batchnorm", "momentum": 0.9, "eps": 1e-5, "activation": "relu"},
                      {"type": "maxpool", "size": 2}, {"type": "dropout", "ratio": 0.5}, {"type": "flatten"},
                      dense(10, "softmax", init="xavier")],
           "loss": "cross_entropy"}
    spec = NetworkSpec.from_dict(net)
    assert NetworkSpec.from_dict(json.loads(json.dumps(spec.to_dict()))) == spec
    assert spec.shapes() == [(4, 8, 8), (4, 8, 8), (4, 4, 4), (4, 4, 4), (64,), (10,)]
    for cls, d in ((OptimizerSpec, {"name": "adam", "lr": 0.001, "momentum": 0.9, "rho": 0.95, "beta1": 0.8,
                                     "beta2": 0.99, "eps": 1e-7}),
                   (TrainingSpec, {"batch_size": 20, "epochs": 3, "seed": 4, "dtype": "float64",
                                   "weight_decay": 0.1, "l1": 0.01})):
        s = cls.from_dict(d)
        assert s.to_dict() == d and cls.from_dict(json.loads(json.dumps(s.to_dict()))) == s


# ------------------------------------------------------------------ rejections
def rejected(make, field, *allowed):
    with pytest.raises(SpecError) as info:
        make()
    e = info.value
    assert e.field == field
    msg = str(e)
    assert field in msg
    for a in allowed:
        assert a in e.allowed and a in msg, (a, msg)
    return e


def net(layers, shape=(4,), loss="sse"):
    return lambda: NetworkSpec.from_dict({"input_shape": list(shape), "layers": layers, "loss": loss})


def test_unknown_layer_type():
    e = rejected(net([{"type": "lstm", "units": 3}]), "network.layers[0].type",
                 "dense", "conv2d", "maxpool", "avgpool", "flatten", "batchnorm", "dropout")
    assert e.value == "lstm" and "lstm" in str(e)


@pytest.mark.parametrize("units", [0, -3, 2.5, "10", True])
def test_units_must_be_a_positive_integer(units):
    rejected(net([dense(4), dense(units, "identity")]), "network.layers[1].units", "integer ≥ 1")


@pytest.mark.parametrize("make, field, part, entries", [
    # 784 inputs × 10⁹ units: a MemoryError deep in NumPy before, a field named now
    (net([dense(10 ** 9, "identity")], shape=(784,)), "network.layers[0].units", "weights", 784 * 10 ** 9),
    (net([dense(10 ** 30, "identity")]), "network.layers[0].units", "weights", 4 * 10 ** 30),
    (net([conv(10 ** 7, 5), {"type": "flatten"}, dense(2, "identity")], shape=(1, 28, 28)),
     "network.layers[0].filters", "weights", 25 * 10 ** 7),
    (net([conv(30, 5, pad=10 ** 6), {"type": "flatten"}, dense(2, "identity")], shape=(1, 28, 28)),
     "network.layers[0].pad", "outputs", 30 * (28 + 2 * 10 ** 6 - 4) ** 2),
])
def test_a_layer_too_large_to_train_is_refused_naming_its_setting(make, field, part, entries):
    e = rejected(make, field, f"at most {MAX_LAYER_ENTRIES:,} {part}")
    assert e.code == "too_large" and e.details["part"] == part and e.details["entries"] == entries


def test_the_largest_layers_allowed_still_build():
    NetworkSpec.from_dict({"input_shape": [1000], "layers": [dense(MAX_LAYER_ENTRIES // 1000, "identity")],
                           "loss": "sse"})
    with pytest.raises(SpecError):
        NetworkSpec.from_dict({"input_shape": [1000], "layers": [dense(MAX_LAYER_ENTRIES // 1000 + 1, "identity")],
                               "loss": "sse"})


def test_multiply_adds_per_sample_by_hand():
    """SimpleConvNet: 30 filters × 24·24 positions × 1·5·5 weights, then 4320·100 and 100·10;
    pooling, flatten, batch norm and dropout add none."""
    spec = NetworkSpec((1, 28, 28), (Conv2dSpec(filters=30, kernel=5), PoolSpec(size=2), FlattenSpec(),
                                     DenseSpec(units=100), BatchNormSpec(), DropoutSpec(ratio=0.5),
                                     DenseSpec(units=10, activation="softmax")), "cross_entropy")
    assert spec.multiply_adds() == 30 * 24 * 24 * 25 + 4320 * 100 + 100 * 10
    padded = NetworkSpec((3, 8, 8), (Conv2dSpec(filters=4, kernel=3, pad=1, stride=2), FlattenSpec(),
                                     DenseSpec(units=2, activation="softmax")), "cross_entropy")
    assert spec.multiply_adds() > padded.multiply_adds() == 4 * 4 * 4 * 3 * 3 * 3 + 64 * 2


def test_unknown_key():
    e = rejected(net([dense(3, "identity", unit=3)]), "network.layers[0].unit", "units", "activation")
    assert "unknown key" in str(e)
    rejected(lambda: NetworkSpec.from_dict({"input_shape": [2], "layers": [dense(1, "identity")], "los": "sse"}),
             "network.los", "input_shape", "layers", "loss")
    rejected(lambda: OptimizerSpec.from_dict({"name": "sgd", "learning_rate": 0.1}), "optimizer.learning_rate",
             "lr")
    rejected(lambda: TrainingSpec.from_dict({"batch": 10}), "training.batch", "batch_size")


def test_missing_units():
    rejected(net([{"type": "dense"}]), "network.layers[0].units")


def test_unknown_activation_lists_them():
    rejected(net([dense(3, "swish")]), "network.layers[0].activation",
             "identity", "step", "sigmoid", "tanh", "relu", "leaky_relu", "softmax")


def test_softmax_in_a_hidden_layer():
    e = rejected(net([dense(5, "softmax"), dense(3, "softmax")], loss="cross_entropy"),
                 "network.layers[0].activation", "relu", "sigmoid")
    assert "softmax" not in e.allowed


def test_cross_entropy_needs_a_softmax_output():
    e = rejected(net([dense(5), dense(3, "sigmoid")], loss="cross_entropy"), "network.layers[1].activation",
                 "softmax")
    assert "cross_entropy" in str(e)


def test_conv_after_dense():
    e = rejected(net([dense(16), conv(2, 3)], shape=(1, 4, 4)), "network.layers[1].type", "dense")
    assert "conv2d" in str(e)
    rejected(net([{"type": "flatten"}, {"type": "maxpool"}, dense(2)], shape=(1, 4, 4)), "network.layers[1].type")


def test_conv_on_flat_input():
    rejected(net([conv(2, 3), dense(2)], shape=(16,)), "network.layers[0].type")


def test_kernel_larger_than_its_input():
    e = rejected(net([conv(2, 5), dense(2)], shape=(1, 4, 4)), "network.layers[0].kernel", "at most 4")
    assert "larger" in str(e)
    net([conv(2, 5, pad=1), dense(2)], shape=(1, 4, 4))()          # with padding it fits
    rejected(net([conv(2, 3), {"type": "maxpool", "size": 3}, dense(2)], shape=(1, 4, 4)),
             "network.layers[1].size", "at most 2")


def test_output_width_must_match_the_classes():
    spec = net([dense(5), dense(3, "softmax")], loss="cross_entropy")()
    spec.check_outputs(3, "classification")
    e = rejected(lambda: spec.check_outputs(10, "classification"), "network.layers[1].units", "10")
    assert e.value == 3 and "classes" in str(e)
    regression = net([dense(5), dense(1, "identity")])()
    regression.check_outputs(1, "regression")
    rejected(lambda: regression.check_outputs(2, "regression"), "network.layers[1].units", "2")
    rejected(lambda: spec.check_outputs(3, "regression"), "network.loss", "sse")


def test_last_layer_must_be_dense():
    rejected(net([dense(3, "identity"), {"type": "dropout"}]), "network.layers[1].type", "dense")


def test_bad_input_shape_and_loss():
    rejected(net([dense(1)], shape=(2, 3)), "network.input_shape", "[features]")
    rejected(net([dense(1)], shape=(0,)), "network.input_shape[0]", "integer ≥ 1")
    rejected(net([dense(1)], loss="mse"), "network.loss", "sse", "cross_entropy")
    rejected(lambda: NetworkSpec.from_dict({"input_shape": [2], "layers": []}), "network.layers", "at least one")


@pytest.mark.parametrize("data,field,allowed", [
    ({"name": "sgdm", "lr": 0.1}, "optimizer.name", ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")),
    ({"name": "sgd", "lr": 0.0}, "optimizer.lr", ("(0, ∞)",)),
    ({"name": "sgd", "lr": -1}, "optimizer.lr", ("(0, ∞)",)),
    ({"name": "sgd", "lr": float("nan")}, "optimizer.lr", ("(0, ∞)",)),
    ({"name": "sgd", "lr": "0.1"}, "optimizer.lr", ("(0, ∞)",)),
    ({"name": "momentum", "momentum": 1.0}, "optimizer.momentum", ("[0, 1)",)),
    ({"name": "rmsprop", "rho": -0.1}, "optimizer.rho", ("[0, 1)",)),
    ({"name": "adam", "beta1": 1.5}, "optimizer.beta1", ("[0, 1)",)),
    ({"name": "adam", "beta2": 1}, "optimizer.beta2", ("[0, 1)",)),
    ({"name": "adam", "eps": 0}, "optimizer.eps", ("(0, 1]",)),
])
def test_bad_optimizer_values(data, field, allowed):
    rejected(lambda: OptimizerSpec.from_dict(data), field, *allowed)


@pytest.mark.parametrize("data,field,allowed", [
    ({"batch_size": 0}, "training.batch_size", ("integer ≥ 1",)),
    ({"epochs": 1.5}, "training.epochs", ("integer ≥ 1",)),
    ({"seed": -1}, "training.seed", ("integer ≥ 0",)),
    ({"dtype": "float16"}, "training.dtype", ("float32", "float64")),
    ({"weight_decay": -0.1}, "training.weight_decay", ("[0, ∞)",)),
    ({"l1": float("inf")}, "training.l1", ("[0, ∞)",)),
    ({"iterations": 0}, "training.iterations", ("integer ≥ 1",)),
    ({"iterations": 2000.0}, "training.iterations", ("integer ≥ 1",)),
])
def test_bad_training_values(data, field, allowed):
    rejected(lambda: TrainingSpec.from_dict(data), field, *allowed)


def test_a_run_of_iterations_is_written_only_when_set():
    """``iterations`` is left out of the file when the run is counted in epochs (files written
    before it existed read the same), and kept, with the epochs, when it is set."""
    assert "iterations" not in TrainingSpec(epochs=3).to_dict()
    spec = TrainingSpec.from_dict({"epochs": 3, "iterations": 2000})
    assert spec.iterations == 2000 and spec.to_dict()["epochs"] == 3
    assert TrainingSpec.from_dict(json.loads(json.dumps(spec.to_dict()))) == spec
    assert TrainingSpec.from_dict({"iterations": None}).iterations is None


@pytest.mark.parametrize("layer,field", [
    ({"type": "dropout", "ratio": 1.0}, "ratio"),
    ({"type": "batchnorm", "momentum": 1.0}, "momentum"),
    ({"type": "batchnorm", "eps": 0}, "eps"),
    ({"type": "batchnorm", "activation": "softmax"}, "activation"),
    ({"type": "conv2d", "filters": 2, "kernel": 2, "pad": -1}, "pad"),
    ({"type": "conv2d", "filters": 2, "kernel": 2, "stride": 0}, "stride"),
    ({"type": "conv2d", "filters": 0, "kernel": 2}, "filters"),
    ({"type": "maxpool", "size": 2, "stride": 0}, "stride"),
    ({"type": "maxpool", "sizes": 2}, "sizes"),
    ({"type": "dense", "units": 2, "init": "glorot"}, "init"),
    ({"type": "dense", "units": 2, "std": 0}, "std"),
    ({"type": "dense", "units": 2, "bias": 1}, "bias"),
])
def test_bad_layer_values(layer, field):
    e = rejected(lambda: layer_from_dict(layer, "network.layers[2]"), f"network.layers[2].{field}")
    assert e.allowed and e.allowed in str(e)


def test_specs_are_frozen():
    s = DenseSpec(3)
    with pytest.raises(AttributeError):
        s.units = 4  # type: ignore[misc]
