"""export-plots: train offscreen, export every view with the run's metrics and the project."""

from __future__ import annotations

import csv
import math

import pytest
from PySide6.QtGui import QImage

from nnstudio.data import load
from nnstudio.project.errors import ProjectFileError
from nnstudio.project.files import load_project
from nnstudio.resources import resource_path
from nnstudio.ui.export import ExportError
from nnstudio.ui.export_headless import export_plots

EXAMPLE = resource_path("examples") / "function_square.json"


def test_trains_and_exports_every_view(qtbot, tmp_path):
    seen = []
    result = export_plots(EXAMPLE, tmp_path / "out", epochs=3, progress=lambda i, n: seen.append((i, n)))
    out = tmp_path / "out"
    assert result.state == "finished"
    x_train = load(dict(load_project(EXAMPLE).dataset)).x_train
    total = math.ceil(len(x_train) / 10) * 3              # batch 10, 3 epochs
    assert seen and seen[-1] == (total, total)
    names = {p.name for p in out.iterdir()}
    assert {"Loss.png", "Loss.svg", "Loss.csv", "metrics.csv", "iterations.csv", "project.json"} <= names
    assert load_project(out / "project.json").training.epochs == 3
    with open(out / "metrics.csv", newline="") as f:
        rows = list(csv.reader(f))
    assert [r[0] for r in rows[1:]] == ["1", "2", "3"]
    assert len(result.history.iterations) == total
    img = QImage(str(out / "Loss.png"))
    assert img.width() > 100 and img.height() > 100
    pngs = [p for p in out.iterdir() if p.suffix == ".png"]
    assert len(pngs) >= 4
    assert {p.with_suffix(".svg").name for p in pngs} <= names


def test_bad_project_and_output(qtbot, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "nnstudio-project", "version": 1, "netw')
    with pytest.raises(ProjectFileError):
        export_plots(bad, tmp_path / "out")
    (tmp_path / "taken").write_text("a file")
    with pytest.raises(ExportError, match="is a file"):
        export_plots(EXAMPLE, tmp_path / "taken", epochs=1)


def test_a_folder_that_refuses_files_fails_before_training(qtbot, tmp_path, monkeypatch):
    """A read-only output folder was found out only after the whole training, at Loss.png."""
    import tempfile
    from nnstudio.ui import export_headless

    def refuse(*a, **kw):
        raise PermissionError(13, "Permission denied")

    trained = []
    monkeypatch.setattr(tempfile, "TemporaryFile", refuse)
    monkeypatch.setattr(export_headless, "_application", lambda: trained.append(True))
    (tmp_path / "readonly").mkdir()
    with pytest.raises(ExportError, match="cannot write into the folder: permission denied"):
        export_plots(EXAMPLE, tmp_path / "readonly", epochs=1)
    assert trained == []


def test_a_relative_data_path_is_taken_from_the_projects_folder(qtbot, tmp_path, monkeypatch):
    """As in the window and `nnstudio train`; export-plots looked in the working folder."""
    import json
    import numpy as np
    from ui_helpers import small_project
    folder = tmp_path / "course"
    folder.mkdir()
    rng = np.random.default_rng(0)
    rows = ["x1,x2,label"] + [f"{a:.3f},{b:.3f},{int(a > b)}" for a, b in rng.uniform(-1, 1, (40, 2))]
    (folder / "points.csv").write_text("\n".join(rows) + "\n")
    doc = small_project(n_in=2, n_out=2, epochs=1).to_dict()
    doc["dataset"] = {"name": "csv", "path": "points.csv"}
    (folder / "p.json").write_text(json.dumps(doc))
    monkeypatch.chdir(tmp_path)                      # not the project's folder
    result = export_plots(folder / "p.json", tmp_path / "out", epochs=1)
    assert result.state == "finished" and (tmp_path / "out" / "metrics.csv").exists()
    # the exported project names the same data file from the export folder, so it opens there
    exported = load_project(tmp_path / "out" / "project.json")
    assert exported.dataset["path"] == str((folder / "points.csv").resolve())
    data = load(dict(exported.dataset), base_dir=tmp_path / "out")
    assert len(data.x_train) + len(data.x_test) == 40
