"""Relative file paths of a dataset entry made absolute for a copy of the project elsewhere."""

from pathlib import Path

from nnstudio.data import with_absolute_paths


def test_relative_paths_become_absolute_and_nothing_else_changes(tmp_path):
    entry = {"name": "idx", "images": "imgs.gz", "labels": str(tmp_path / "abs.gz"), "flatten": True}
    out = with_absolute_paths(entry, tmp_path / "course")
    assert out["images"] == str((tmp_path / "course" / "imgs.gz").resolve())
    assert out["labels"] == str(tmp_path / "abs.gz")              # already absolute: kept
    assert out["flatten"] is True and out["name"] == "idx"
    assert entry["images"] == "imgs.gz"                            # the given entry is untouched


def test_sets_without_files_and_unknown_names_are_returned_as_they_are(tmp_path):
    assert with_absolute_paths({"name": "iris", "seed": 3}, tmp_path) == {"name": "iris", "seed": 3}
    assert with_absolute_paths({"name": "nope", "path": "x.csv"}, tmp_path) == {"name": "nope", "path": "x.csv"}
    assert with_absolute_paths({"name": "csv", "path": "x.csv"}, None) == {"name": "csv", "path": "x.csv"}
    assert Path(with_absolute_paths({"name": "csv", "path": "x.csv"}, tmp_path)["path"]).is_absolute()
