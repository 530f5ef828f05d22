"""resource_path in its three situations: source checkout, installed wheel, frozen bundle."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

import nnstudio.resources as resources
from nnstudio.resources import resource_path, resources_root

REPO = Path(__file__).resolve().parents[2]


def _load_module_at(path: Path):
    spec = importlib.util.spec_from_file_location("nnstudio_resources_copy", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_source_checkout():
    assert resources_root() == REPO / "resources"
    path = resource_path("data", "mnist", "t10k-labels-idx1-ubyte.gz")
    assert path == REPO / "resources" / "data" / "mnist" / "t10k-labels-idx1-ubyte.gz"
    assert path.is_file()


def test_installed_wheel_layout(tmp_path):
    # nnstudio/resources.py as a wheel installs it, with resources/ mapped to
    # nnstudio/resources_data/ and no pyproject.toml above the package
    package = tmp_path / "site-packages" / "nnstudio"
    (package / "resources_data" / "data" / "uci").mkdir(parents=True)
    (package / "resources_data" / "data" / "uci" / "iris.csv").write_text("x")
    shutil.copy(resources.__file__, package / "resources.py")
    (tmp_path / "site-packages" / "resources").mkdir()  # a stray folder must not be taken
    module = _load_module_at(package / "resources.py")
    assert module.resources_root() == package / "resources_data"
    assert module.resource_path("data", "uci", "iris.csv").read_text() == "x"


def test_frozen_bundle(tmp_path, monkeypatch):
    (tmp_path / "resources" / "data").mkdir(parents=True)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resources_root() == tmp_path / "resources"
    assert resource_path("icons", "app.svg") == tmp_path / "resources" / "icons" / "app.svg"


def test_frozen_bundle_built_from_a_wheel(tmp_path, monkeypatch):
    (tmp_path / "nnstudio" / "resources_data" / "data").mkdir(parents=True)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resources_root() == tmp_path / "nnstudio" / "resources_data"


def test_nothing_found_names_the_places_tried(tmp_path):
    package = tmp_path / "nnstudio"
    (package / "resources_data").mkdir(parents=True)  # the empty placeholder only
    shutil.copy(resources.__file__, package / "resources.py")
    module = _load_module_at(package / "resources.py")
    with pytest.raises(FileNotFoundError, match="resources folder was not found") as info:
        module.resource_path("data")
    assert str(package / "resources_data") in str(info.value)


def test_pyproject_ships_resources_in_the_wheel():
    import tomllib

    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert config["package-dir"]["nnstudio.resources_data"] == "resources"
    assert config["package-data"]["nnstudio.resources_data"] == ["**/*"]
    assert (REPO / "nnstudio" / "resources_data").is_dir()  # the placeholder find() needs


def test_user_folders(monkeypatch, tmp_path):
    from nnstudio.data import paths

    monkeypatch.setenv("NNSTUDIO_DATA_DIR", str(tmp_path / "d"))
    monkeypatch.setenv("NNSTUDIO_CACHE_DIR", str(tmp_path / "c"))
    assert paths.user_data_dir() == tmp_path / "d"
    assert paths.user_cache_dir() == tmp_path / "c"
    monkeypatch.setenv("NNSTUDIO_CACHE_DIR", "")
    assert paths.user_cache_dir() is None  # caching off
    monkeypatch.delenv("NNSTUDIO_DATA_DIR")
    monkeypatch.delenv("NNSTUDIO_CACHE_DIR")
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    assert paths.user_data_dir() == tmp_path / "xdg-data" / "nnstudio"
    assert paths.user_cache_dir() == tmp_path / "xdg-cache" / "nnstudio"
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "local"))
    assert paths.user_data_dir() == tmp_path / "local" / "nnstudio"
    assert paths.user_cache_dir() == tmp_path / "local" / "nnstudio" / "Cache"
