"""What the gradient verdict's tests share (no tests in this file): the curriculum's networks
(CURRICULUM §7, the book's ch. 6.2) with the verdict each must get, real MNIST digits, and
small settled networks that must keep one verdict.

tests/engine/test_analysis.py judges them with nnstudio.engine.analysis.VerdictWatch fed by
the real Trainer; tests/ui/test_views_verdict.py reads the gradient view's sentence."""

from __future__ import annotations

import pytest

from nnstudio.data import load
from nnstudio.project.model import Project


def dense_layer(units, activation, init, std=0.01):
    return {"type": "dense", "units": units, "activation": activation, "init": init, "std": std}


def book_net(activation, init, std=0.01, hidden=5, out_init=None):
    """The book's initialisation study: hidden × 100 units, softmax over the 10 digits."""
    layers = [dense_layer(100, activation, init, std) for _ in range(hidden)]
    return layers + [dense_layer(10, "softmax", out_init or init, std)]


# id: (layers, SGD learning rate, the verdict's kind); batch 100, seed 0, 2000 digits
CURRICULUM = {
    "sigmoid std 1": (book_net("sigmoid", "normal", std=1.0), 0.01, "saturated"),
    "sigmoid std 1, Xavier output": (book_net("sigmoid", "normal", std=1.0, out_init="xavier"), 0.01, "saturated"),
    "tanh std 1": (book_net("tanh", "normal", std=1.0), 0.01, "saturated"),
    "sigmoid std 0.01": (book_net("sigmoid", "normal"), 0.01, "vanishing"),
    "sigmoid Xavier": (book_net("sigmoid", "xavier"), 0.01, "vanishing"),
    "ReLU He": (book_net("relu", "he"), 0.01, "ok"),
    "ReLU std 0.01": (book_net("relu", "normal"), 0.01, "tiny"),
    "784-50-10 He": ([dense_layer(50, "relu", "he"), dense_layer(10, "softmax", "xavier")], 0.1, "ok"),
}


def mnist_network(layers) -> dict:
    return {"input_shape": [784], "layers": layers, "loss": "cross_entropy"}


@pytest.fixture(scope="module")
def digits():
    with pytest.MonkeyPatch.context() as mp:      # (module fixtures run before the per-test folders)
        mp.setenv("NNSTUDIO_CACHE_DIR", "")       # no decoded-data cache in the user's home
        return load({"name": "mnist", "train_size": 2000, "test_size": 100})


def settled_project(name: str) -> Project:
    """Small networks that learn their toy set well (the review measured their verdicts
    switching 55 and 77 times in 2000 updates): XOR through Xavier sigmoid units with SGD 1.0
    (loss 0.04; a quarter of the units saturated) and moons through He ReLU units with Adam
    (loss 1e-4; gradients below 1e-3)."""
    def layer(units, activation, init):
        return {"type": "dense", "units": units, "activation": activation, "init": init}
    if name == "xor":
        layers, optimizer = [layer(8, "sigmoid", "xavier"), layer(2, "softmax", "xavier")], ("sgd", 1.0)
    else:
        layers = [layer(16, "relu", "he"), layer(16, "relu", "he"), layer(2, "softmax", "xavier")]
        optimizer = ("adam", 0.01)
    return Project.from_dict({
        "format": "nnstudio-project", "version": 1,
        "network": {"input_shape": [2], "layers": layers, "loss": "cross_entropy"},
        "optimizer": {"name": optimizer[0], "lr": optimizer[1]},
        "training": {"batch_size": 10, "epochs": 1000, "seed": 0}, "dataset": {"name": name}})


def kind_changes(kinds) -> int:
    return sum(a != b for a, b in zip(kinds, kinds[1:]))

