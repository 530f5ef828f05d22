"""Small projects for the UI tests (iris and a 2-D toy train in milliseconds)."""

from nnstudio.project.model import Project


def small_project(dataset="iris", hidden=8, n_in=4, n_out=3, lr=0.1, batch_size=20, epochs=3,
                  seed=0, optimizer="sgd"):
    return Project.from_dict({
        "format": "nnstudio-project", "version": 1,
        "network": {"input_shape": [n_in], "loss": "cross_entropy", "layers": [
            {"type": "dense", "units": hidden, "activation": "relu", "init": "he"},
            {"type": "dense", "units": n_out, "activation": "softmax", "init": "xavier"}]},
        "optimizer": {"name": optimizer, "lr": lr},
        "training": {"batch_size": batch_size, "epochs": epochs, "seed": seed},
        "dataset": {"name": dataset}})


def toy_project(**kw):
    """Two moons: 2 inputs, 2 classes, every layer small enough to draw neuron by neuron."""
    return small_project(dataset="moons", n_in=2, n_out=2, hidden=kw.pop("hidden", 4), **kw)
