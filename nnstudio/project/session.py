"""A session: a project made runnable — its data loaded, its network, optimizer and trainer
built. "A run" is a value started from a project and a seed, anywhere, in any process."""

from __future__ import annotations

from dataclasses import dataclass

from nnstudio.data import Dataset, load
from nnstudio.engine.errors import SpecError
from nnstudio.engine.network import Network
from nnstudio.engine.optimizers import Optimizer, make_optimizer
from nnstudio.engine.trainer import Trainer

from .model import Project


@dataclass
class Session:
    project: Project
    dataset: Dataset
    network: Network
    optimizer: Optimizer
    trainer: Trainer


def check_fits(project: Project, dataset: Dataset) -> None:
    """Raise SpecError where the network does not fit the data (input shape, outputs, loss)."""
    net = project.network
    if tuple(net.input_shape) != tuple(dataset.input_shape):
        raise SpecError("network.input_shape", f"{list(dataset.input_shape)} (the shape of the data set's samples)",
                        list(net.input_shape), code="input_mismatch", expected=tuple(dataset.input_shape))
    net.check_outputs(dataset.n_outputs, dataset.task)


def build_network(project: Project) -> Network:
    t = project.training
    return Network(project.network, dtype=t.dtype, seed=t.seed, weight_decay=t.weight_decay, l1=t.l1)


def build_session(project: Project, dataset: Dataset | None = None, *, start_paused: bool = False,
                  base_dir=None) -> Session:
    """Load the data (unless given; relative file paths resolve against ``base_dir``, the
    project's folder), check that the network fits it, build everything."""
    if dataset is None:
        dataset = load(dict(project.dataset), base_dir=base_dir)
    check_fits(project, dataset)
    network = build_network(project)
    optimizer = make_optimizer(project.optimizer)
    trainer = Trainer(network, optimizer, project.training, dataset.x_train, dataset.y_train,
                      dataset.x_test, dataset.y_test, start_paused=start_paused)
    return Session(project, dataset, network, optimizer, trainer)
