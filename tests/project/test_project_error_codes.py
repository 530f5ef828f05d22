"""ProjectError codes: each rejection of a project document's envelope says what kind of
problem it is (code + details) while str() — what the command line prints — stays as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from code_scan import code_literals
from nnstudio.project.model import PROJECT_ERROR_CODES, VERSION, Project, ProjectError, ProjectVersionError, \
    default_project

MODEL = Path(__file__).resolve().parents[2] / "nnstudio" / "project" / "model.py"


def doc(**changes):
    d = default_project().to_dict()
    d.update(changes)
    return d


def rejection(document) -> ProjectError:
    with pytest.raises(ProjectError) as info:
        Project.from_dict(document)
    return info.value


def test_envelope_codes_and_their_details():
    e = rejection([1, 2])
    assert (e.code, e.field, str(e)) == ("not_object", "", "a project file holds a JSON object at the top level")
    e = rejection(doc(format="nnstudio"))
    assert (e.code, e.details["value"], e.details["expected"]) == ("wrong_format", "nnstudio", "nnstudio-project")
    assert str(e) == "format: must be 'nnstudio-project', got 'nnstudio'"
    e = rejection(doc(version="1"))
    assert (e.code, e.details["value"]) == ("bad_version", "1")
    e = rejection(doc(netwrok={}))
    assert (e.code, e.details["key"], e.field) == ("unknown_key", "netwrok", "netwrok")
    assert "network" in e.details["known"]
    assert str(e) == "netwrok: unknown key; allowed: dataset, format, network, optimizer, training, version"
    d = doc()
    del d["network"]
    assert (rejection(d).code, rejection(d).details["key"]) == ("missing_key", "network")
    e = rejection(doc(dataset=[1]))
    assert (e.code, e.details["key"]) == ("not_an_object", "dataset")
    e = rejection(doc(dataset={"seed": 1}))
    assert (e.code, e.field) == ("dataset_no_name", "dataset.name")


def test_a_newer_version_says_which_versions_are_read():
    with pytest.raises(ProjectVersionError) as info:
        Project.from_dict(doc(version=VERSION + 1))
    e = info.value
    assert (e.code, e.details["version"], e.details["supported"]) == ("newer_version", VERSION + 1, VERSION)
    assert str(e) == f"version: version {VERSION + 1} is newer than this nnstudio understands (it reads versions up to {VERSION})"


def test_version_0_with_a_bad_train_part():
    d = doc(version=0, train=[1])
    for part in ("optimizer", "training"):
        del d[part]
    e = rejection(d)
    assert (e.code, e.details["key"]) == ("not_an_object", "train")


def test_an_unknown_code_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown ProjectError code"):
        ProjectError("x", "y", code="nope")
    assert ProjectError("x", "y").code == "invalid"


def test_every_raised_code_is_declared_and_every_declared_code_is_raised():
    raised = code_literals([MODEL])
    assert raised <= set(PROJECT_ERROR_CODES), raised - set(PROJECT_ERROR_CODES)
    assert set(PROJECT_ERROR_CODES) - {"invalid"} <= raised, set(PROJECT_ERROR_CODES) - {"invalid"} - raised
