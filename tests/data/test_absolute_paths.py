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


# ------------------------------------------------------------------ a project file that moves
def test_a_moved_project_names_the_same_files_relative_under_its_new_folder_else_absolute(tmp_path):
    from nnstudio.data import with_paths_moved
    tmp_path = tmp_path.resolve()
    course = tmp_path / "course"
    entry = {"name": "idx", "images": "data/imgs.gz", "labels": "../labels.gz", "flatten": True}
    elsewhere = with_paths_moved(entry, course, tmp_path / "elsewhere")
    assert elsewhere["images"] == str(course / "data" / "imgs.gz")    # not under the new folder
    assert elsewhere["labels"] == str(tmp_path / "labels.gz")
    assert elsewhere["flatten"] is True
    up = with_paths_moved(entry, course, tmp_path)                      # the file is under it
    assert up["images"] == "course/data/imgs.gz" and up["labels"] == "labels.gz"
    down = with_paths_moved({"name": "csv", "path": "data/x.csv"}, tmp_path, tmp_path / "data")
    assert down == {"name": "csv", "path": "x.csv"}
    assert entry["images"] == "data/imgs.gz"                            # the given entry is untouched


def test_a_move_keeps_absolute_paths_and_a_save_in_the_same_folder_changes_nothing(tmp_path, monkeypatch):
    from nnstudio.data import with_paths_moved
    entry = {"name": "csv", "path": "../shared/x.csv"}
    assert with_paths_moved(entry, tmp_path / "a", tmp_path / "a" / ".") == entry
    assert with_paths_moved({"name": "csv", "path": "~/x.csv"}, tmp_path, tmp_path / "b") == \
        {"name": "csv", "path": "~/x.csv"}
    absolute = {"name": "csv", "path": str(tmp_path / "x.csv")}
    assert with_paths_moved(absolute, tmp_path / "a", tmp_path / "b") == absolute
    assert with_paths_moved({"name": "iris", "seed": 1}, tmp_path, tmp_path / "b") == {"name": "iris", "seed": 1}
    monkeypatch.chdir(tmp_path)                                         # an untitled project: the working folder
    assert with_paths_moved({"name": "csv", "path": "x.csv"}, None, tmp_path / "b")["path"] == \
        str(tmp_path.resolve() / "x.csv")
