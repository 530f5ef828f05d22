"""It learns (ISSUE 2 §4, CURRICULUM §5): MNIST 784-50-10 and iris, and one MNIST epoch agrees
with PyTorch started from the same weights and batch order.

Measured on this machine, seed 0, float32 (test accuracy after epochs 1…6), with the book's
pixels scaled to [0, 1]: 0.9202, 0.9295, 0.9420, 0.9478, 0.9534, 0.9562. With those inputs no
correct engine reaches 0.95 within 3 epochs (PyTorch from the same weights and batch order
gives the same numbers); it gets there in epoch 5, and the first test asks for it by epoch 6.
With the data set's "standardize" option (each pixel to mean 0, std 1 over the training set)
the same network and settings reach 0.9414, 0.9505, 0.9580 (seed 1: 0.9425, 0.9545, 0.9575):
≥ 0.95 within 3 epochs, as issue 2 asks.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

from nnstudio.data import load
from nnstudio.engine.network import Network
from nnstudio.engine.optimizers import make_optimizer
from nnstudio.engine.spec import NetworkSpec, OptimizerSpec, TrainingSpec
from nnstudio.engine.trainer import Trainer

MNIST_NET = {"input_shape": [784],
             "layers": [{"type": "dense", "units": 50, "activation": "relu", "init": "he"},
                        {"type": "dense", "units": 10, "activation": "softmax", "init": "xavier"}],
             "loss": "cross_entropy"}
EPOCHS = 6


@pytest.fixture(scope="module")
def mnist():
    return load({"name": "mnist"})


@pytest.fixture(scope="module")
def mnist_run(mnist):
    """One training run: SGD lr 0.1, batch 100, full 60 000 images, seed 0."""
    net = Network(NetworkSpec.from_dict(MNIST_NET), dtype="float32", seed=0)
    spec = TrainingSpec(batch_size=100, epochs=EPOCHS, seed=0)
    trainer = Trainer(net, make_optimizer(OptimizerSpec(name="sgd", lr=0.1)), spec,
                      mnist.x_train, mnist.y_train, mnist.x_test, mnist.y_test, evaluate_train=False)
    initial = net.state_dict()
    order_rng = copy.deepcopy(trainer.order_rng)      # replays the batch order of epoch 1
    ends = [s for s in trainer.run() if s.epoch_end]
    return {"initial": initial, "first_order": order_rng.permutation(len(mnist.x_train)),
            "accuracy": [s.test_accuracy for s in ends], "test_loss": [s.test_loss for s in ends],
            "snapshots": ends}


def test_mnist_784_50_10_learns(mnist_run):
    acc = mnist_run["accuracy"]
    print("MNIST test accuracy per epoch:", acc)
    assert len(acc) == EPOCHS
    assert acc[0] >= 0.91
    assert acc[2] >= 0.935                  # measured 0.942 after 3 epochs
    assert acc[EPOCHS - 1] >= 0.95          # measured 0.953 after 5, 0.956 after 6
    assert all(b < a for a, b in zip(mnist_run["test_loss"], mnist_run["test_loss"][1:]))
    assert mnist_run["snapshots"][-1].iteration == EPOCHS * 600


def test_mnist_784_50_10_standardized_reaches_095_within_3_epochs():
    ds = load({"name": "mnist", "normalize": "standardize"})
    net = Network(NetworkSpec.from_dict(MNIST_NET), dtype="float32", seed=0)
    trainer = Trainer(net, make_optimizer(OptimizerSpec(name="sgd", lr=0.1)),
                      TrainingSpec(batch_size=100, epochs=3, seed=0),
                      ds.x_train, ds.y_train, ds.x_test, ds.y_test, evaluate_train=False)
    acc = [s.test_accuracy for s in trainer.run() if s.epoch_end]
    print("standardized MNIST test accuracy per epoch:", acc)
    assert len(acc) == 3 and len(ds.x_train) == 60000 and len(ds.x_test) == 10000
    assert max(acc) >= 0.95                  # measured 0.9505 after 2 epochs, 0.9580 after 3


def test_iris_learns():
    ds = load({"name": "iris"})
    assert (len(ds.x_train), len(ds.x_test)) == (100, 50)
    spec = NetworkSpec.from_dict({"input_shape": [4], "loss": "cross_entropy",
                                  "layers": [{"type": "dense", "units": 10, "activation": "relu"},
                                             {"type": "dense", "units": 3, "activation": "softmax",
                                              "init": "xavier"}]})
    net = Network(spec, seed=0)
    trainer = Trainer(net, make_optimizer(OptimizerSpec(name="sgd", lr=0.1)), TrainingSpec(batch_size=20, epochs=100),
                      ds.x_train, ds.y_train, ds.x_test, ds.y_test)
    assert trainer.steps_per_epoch == 5
    last = [s for s in trainer.run()][-1]
    print("iris train / test accuracy:", last.train_accuracy, last.test_accuracy)
    assert last.test_accuracy >= 0.9 and last.train_accuracy >= 0.9


def test_one_mnist_epoch_matches_pytorch(mnist, mnist_run):
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    init = mnist_run["initial"]
    model = torch.nn.Sequential(torch.nn.Linear(784, 50), torch.nn.ReLU(), torch.nn.Linear(50, 10))
    with torch.no_grad():
        for layer, name in ((model[0], "dense_1"), (model[2], "dense_2")):
            layer.weight.copy_(torch.from_numpy(init[f"{name}.W"].T.copy()))
            layer.bias.copy_(torch.from_numpy(init[f"{name}.b"].copy()))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    loss_fn = torch.nn.CrossEntropyLoss()
    x = torch.from_numpy(np.array(mnist.x_train))
    y = torch.from_numpy(np.array(mnist.y_train))
    order = torch.from_numpy(mnist_run["first_order"])
    for i in range(0, len(order), 100):
        idx = order[i:i + 100]
        opt.zero_grad()
        loss_fn(model(x[idx]), y[idx]).backward()
        opt.step()
    with torch.no_grad():
        pred = model(torch.from_numpy(np.array(mnist.x_test))).argmax(dim=1).numpy()
    torch_acc = float((pred == mnist.y_test).mean())
    print("one epoch: engine", mnist_run["accuracy"][0], "PyTorch", torch_acc)
    assert abs(torch_acc - mnist_run["accuracy"][0]) <= 0.005


def _overfit_net(dropout: dict | None) -> NetworkSpec:
    layers = []
    for _ in range(6):
        layers.append({"type": "dense", "units": 100, "activation": "relu", "init": "he"})
        if dropout:
            layers.append({"type": "dropout", **dropout})
    layers.append({"type": "dense", "units": 10, "activation": "softmax", "init": "he"})
    return NetworkSpec.from_dict({"input_shape": [784], "layers": layers, "loss": "cross_entropy"})


def test_the_books_dropout_reproduces_curriculum_8():
    """CURRICULUM §8: 300 MNIST training samples, 6 × 100 ReLU, dropout 0.2, SGD 0.01, batch
    100, 301 epochs: the book's run ends at 0.67 training / 0.548 test accuracy. With the
    book's dropout (scaled at inference) the engine lands there (0.707 / 0.570); inverted
    dropout, the same predictions but full-size outputs in training, learns much faster
    (0.977 / 0.737), which is why the curriculum's figures need the book's convention."""
    ds = load({"name": "mnist", "train_size": 300, "subset": "first"})
    net = Network(_overfit_net({"ratio": 0.2, "scale_at": "inference"}), dtype="float32", seed=0)
    trainer = Trainer(net, make_optimizer(OptimizerSpec(name="sgd", lr=0.01)),
                      TrainingSpec(batch_size=100, epochs=301, seed=0), ds.x_train, ds.y_train, ds.x_test, ds.y_test)
    last = [s for s in trainer.run() if s.epoch_end][-1]
    assert 0.6 <= last.train_accuracy <= 0.8 and 0.5 <= last.test_accuracy <= 0.65
