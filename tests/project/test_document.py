"""The evented project document: edits, their events, undo data, and problems per layer."""

import pytest

from nnstudio.data import load
from nnstudio.project.document import ProjectDocument
from nnstudio.project.model import Project, default_project


def iris_project(**training):
    return Project.from_dict({
        "format": "nnstudio-project", "version": 1,
        "network": {"input_shape": [4], "layers": [
            {"type": "dense", "units": 8, "activation": "relu", "init": "he"},
            {"type": "dense", "units": 3, "activation": "softmax", "init": "xavier"}]},
        "optimizer": {"name": "sgd", "lr": 0.1},
        "training": {"batch_size": 20, "epochs": 2, "seed": 0, **training},
        "dataset": {"name": "iris"}})


def record(doc):
    events = []
    for name in ("layerInserted", "layerRemoved", "layerMoved", "layerChanged",
                 "networkChanged", "sectionChanged", "reloaded"):
        getattr(doc, name).connect(lambda *args, _n=name: events.append((_n, *args)))
    return events


def test_round_trip_keeps_the_project():
    project = default_project()
    doc = ProjectDocument(project)
    assert doc.to_project() == project
    assert [l.type for l in doc.layers] == ["dense", "dense"]
    assert len({l.id for l in doc.layers}) == 2


def test_insert_remove_reinsert_keeps_the_id_and_emits():
    doc = ProjectDocument(iris_project())
    events = record(doc)
    new = doc.insert_layer(1, {"type": "dropout", "ratio": 0.2})
    assert doc.layer(1).id == new.id and doc.layer(1).data["ratio"] == 0.2
    assert events[-1] == ("layerInserted", 1, new)
    removed = doc.remove_layer(1)
    assert removed == new and len(doc.layers) == 2
    assert events[-1] == ("layerRemoved", 1, new)
    doc.insert_layer(1, removed.data, removed.id)
    assert doc.layer(1).id == new.id
    with pytest.raises(ValueError):
        doc.insert_layer(0, {"type": "flatten"}, new.id)
    with pytest.raises(IndexError):
        doc.remove_layer(7)


def test_inserted_data_is_a_private_copy():
    doc = ProjectDocument(iris_project())
    data = {"type": "dense", "units": 5, "activation": "relu", "init": "he"}
    doc.insert_layer(0, data)
    data["units"] = 99
    assert doc.layer(0).data["units"] == 5


def test_move_and_set_layer_return_undo_data():
    doc = ProjectDocument(iris_project())
    events = record(doc)
    first, second = doc.layers
    doc.move_layer(0, 1)
    assert [l.id for l in doc.layers] == [second.id, first.id]
    assert events[-1] == ("layerMoved", 0, 1)
    old = doc.set_layer(1, {**first.data, "units": 4})
    assert old["units"] == 8 and doc.layer(1).data["units"] == 4 and doc.layer(1).id == first.id
    old_section = doc.set_section("optimizer", {"name": "adam", "lr": 0.001})
    assert old_section["name"] == "sgd" and old_section["lr"] == 0.1
    assert events[-1] == ("sectionChanged", "optimizer")
    assert doc.section("optimizer")["name"] == "adam"


def test_problems_name_the_offending_layer():
    doc = ProjectDocument(iris_project())
    assert doc.problems() == []
    doc.set_layer(0, {"type": "dense", "units": 0, "activation": "relu", "init": "he"})
    doc.insert_layer(1, {"type": "dropout", "ratio": 1.5})
    problems = doc.problems()
    assert [p.layer for p in problems] == [0, 1]
    assert "units" in problems[0].field and "ratio" in problems[1].field


def test_whole_network_problem_points_at_the_output_layer():
    doc = ProjectDocument(iris_project())
    doc.set_layer(1, {"type": "dense", "units": 3, "activation": "relu", "init": "he"})
    (problem,) = doc.problems()
    assert problem.layer == 1 and "softmax" in problem.message


def test_problems_against_the_data_set():
    doc = ProjectDocument(iris_project())
    iris = load({"name": "iris"})
    assert doc.problems(iris) == []
    doc.set_layer(1, {"type": "dense", "units": 4, "activation": "softmax", "init": "xavier"})
    (problem,) = doc.problems(iris)
    assert problem.layer == 1 and "3" in problem.error.allowed
    doc.set_input_shape([5])
    doc.set_layer(1, {"type": "dense", "units": 3, "activation": "softmax", "init": "xavier"})
    (problem,) = doc.problems(iris)
    assert problem.layer is None and problem.field == "network.input_shape"


def test_bad_settings_are_problems_too():
    doc = ProjectDocument(iris_project())
    doc.set_section("training", {**doc.section("training"), "batch_size": 0})
    (problem,) = doc.problems()
    assert problem.field == "training.batch_size" and problem.layer is None


def test_load_replaces_everything():
    doc = ProjectDocument(iris_project())
    events = record(doc)
    old = doc.load(default_project())
    assert events == [("reloaded",)]
    assert doc.to_project() == default_project()
    assert old["dataset"] == {"name": "iris"}
