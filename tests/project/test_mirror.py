"""The private network copy that views use for inference."""

import numpy as np

from nnstudio.engine.network import Network
from nnstudio.project.mirror import NetworkMirror
from nnstudio.project.model import default_project


def test_mirror_starts_with_the_sessions_initial_weights_and_loads_copies():
    project = default_project()
    t = project.training
    original = Network(project.network, dtype=t.dtype, seed=t.seed)
    mirror = NetworkMirror(project)
    for k, v in original.parameters().items():
        assert np.array_equal(mirror.parameters()[k], v)
    changed = {k: v + 1 for k, v in original.parameters().items()}
    mirror.load(changed, iteration=7)
    assert mirror.iteration == 7
    for k, v in changed.items():
        assert np.array_equal(mirror.parameters()[k], v)
    changed["dense_1.W"][0, 0] = 123.0                  # a copy was taken
    assert mirror.parameters()["dense_1.W"][0, 0] != 123.0
    x = np.random.default_rng(0).random((3, 784), dtype=np.float32)
    original.load_state_dict({k: v for k, v in mirror.network.state_dict().items()})
    assert np.allclose(mirror.predict(x), original.predict(x))
    outs = mirror.layer_outputs(x)
    assert sorted(outs) == [0, 1] and outs[0].shape == (3, 50)


def test_mirror_says_when_batch_norm_statistics_are_missing():
    from nnstudio.project.model import Project
    project = Project.from_dict({
        "format": "nnstudio-project", "version": 1,
        "network": {"input_shape": [4], "loss": "cross_entropy", "layers": [
            {"type": "dense", "units": 5, "activation": "relu", "init": "he"},
            {"type": "batchnorm"},
            {"type": "dense", "units": 3, "activation": "softmax", "init": "xavier"}]},
        "optimizer": {"name": "sgd", "lr": 0.1}, "training": {"batch_size": 10, "epochs": 1, "seed": 0},
        "dataset": {"name": "iris"}})
    mirror = NetworkMirror(project)
    params = mirror.network.parameters()
    mirror.load(params)
    assert mirror.missing_buffers
    mirror.load(mirror.network.state_dict())
    assert not mirror.missing_buffers
