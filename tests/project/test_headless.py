"""The headless work behind the CLI: training into a folder, interruption, kinks in gradcheck."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nnstudio.project.errors import FileFormatError
from nnstudio.project.files import load_project
from nnstudio.project.headless import gradcheck_project, prepare_output_folder, train_project
from nnstudio.project.history import load_history
from nnstudio.project.model import Project
from nnstudio.project.session import build_network
from nnstudio.resources import resource_path

IRIS = resource_path("examples", "iris.json")


def test_interrupted_training_keeps_what_was_measured(tmp_path):
    def stop_at_7(snap):
        if snap.iteration == 7:
            raise KeyboardInterrupt
    result = train_project(load_project(IRIS), tmp_path, epochs=4, on_snapshot=stop_at_7)
    assert result.interrupted and result.diverged is None
    history = load_history(tmp_path)
    assert [r[0] for r in history.epochs] == [1]          # epoch 1 ended at iteration 5
    assert [r[0] for r in history.iterations] == list(range(1, 8))
    net = build_network(load_project(tmp_path / "project.json"))
    from nnstudio.project.files import load_weights
    load_weights(net, tmp_path / "weights.npz")
    assert np.array_equal(net.parameters()["dense_1.W"], result.session.network.parameters()["dense_1.W"])


def test_epochs_override_is_saved_with_the_run(tmp_path):
    result = train_project(load_project(IRIS), tmp_path, epochs=2)
    assert load_project(tmp_path / "project.json").training.epochs == 2
    assert len(result.history.epochs) == 2 and result.history.iterations[-1][0] == 10


def test_a_length_override_counts_in_epochs_or_iterations_never_both():
    project = load_project(IRIS)
    by_iterations = project.with_length(iterations=2000)
    assert by_iterations.training.iterations == 2000 and by_iterations.training.epochs == project.training.epochs
    assert by_iterations.with_length(epochs=3).training.iterations is None
    assert project.with_length() is project
    with pytest.raises(ValueError):
        project.with_length(epochs=2, iterations=2)


def test_output_folder_checks(tmp_path):
    assert prepare_output_folder(tmp_path / "a" / "b").is_dir()
    (tmp_path / "f").write_text("x")
    with pytest.raises(FileFormatError, match="not a folder"):
        prepare_output_folder(tmp_path / "f")
    assert not [p for p in (tmp_path / "a" / "b").iterdir()]   # the write probe is removed


def _conv_on_digits() -> Project:
    """conv 3×3×3 ReLU → dense 10 on 8×8 digits (zero biases, blank borders)."""
    return load_project(Path(__file__).parent / "fixtures" / "conv_digits.json")


def test_gradcheck_marks_the_relu_kinks_on_blank_pixels():
    result = gradcheck_project(_conv_on_digits(), samples=2)
    by = result.report.by_name()
    assert by["conv2d_1.W"].max_rel_error < 1e-6
    assert by["dense_1.W"].max_rel_error < 1e-6
    # zero biases on the digits' blank border: pre-activations exactly at the kink, which every
    # bias's ±h crosses (a weight's ±h times a blank pixel does not move them)
    b = by["conv2d_1.b"]
    assert b.max_rel_error > 1e-3 and b.kinks == b.checked == 3
    assert result.report.kinks == 3 and result.report.smooth_max_rel_error < 1e-6
