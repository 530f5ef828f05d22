"""A stand-in for the window's TrainingController, for the step-through tests: a session
built directly from engine parts on small synthetic data (no data set loading)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
from PySide6.QtCore import QObject, Signal

from nnstudio.engine.network import Network
from nnstudio.engine.optimizers import make_optimizer
from nnstudio.engine.spec import NetworkSpec, OptimizerSpec, TrainingSpec
from nnstudio.engine.trainer import Trainer


class FakeController(QObject):
    runStarted = Signal(object)
    snapshots = Signal(object)
    stateChanged = Signal(str)

    def __init__(self, session=None):
        super().__init__()
        self.session = session
        self.is_paused = True
        self.reported = []          # the snapshots of recorded steps handed to the window

    @property
    def network_is_quiet(self) -> bool:
        return self.session is not None and self.is_paused

    def report_recorded_step(self) -> None:
        self.reported.append(self.session.trainer.last_snapshot)


def make_session(layers, input_shape, *, n_classes=3, n=40, loss="cross_entropy", optimizer=None,
                 dtype="float32", seed=0, weight_decay=0.0, gradients="backprop"):
    rng = np.random.default_rng(seed)
    spec = NetworkSpec.from_dict({"input_shape": list(input_shape), "loss": loss, "layers": layers})
    training = TrainingSpec.from_dict({"batch_size": 8, "epochs": 1, "seed": seed, "dtype": dtype,
                                      "gradients": gradients})
    net = Network(spec, dtype=dtype, seed=seed, weight_decay=weight_decay)
    opt = make_optimizer(OptimizerSpec.from_dict(optimizer or {"name": "sgd", "lr": 0.1}))
    x = rng.normal(size=(n,) + tuple(input_shape)).astype(dtype)
    if loss == "cross_entropy":
        t = rng.integers(0, n_classes, n)
    else:
        t = rng.normal(size=(n, spec.output_size)).astype(dtype)
    trainer = Trainer(net, opt, training, x, t)
    return SimpleNamespace(project=SimpleNamespace(network=spec), dataset=None, network=net,
                           optimizer=opt, trainer=trainer)


MLP = [{"type": "dense", "units": 5, "activation": "relu", "init": "he"},
       {"type": "batchnorm"},
       {"type": "dropout", "ratio": 0.3},
       {"type": "dense", "units": 3, "activation": "softmax", "init": "xavier"}]

CNN = [{"type": "conv2d", "filters": 2, "kernel": 3, "activation": "relu"},
       {"type": "maxpool", "size": 2},
       {"type": "flatten"},
       {"type": "dense", "units": 3, "activation": "softmax"}]
