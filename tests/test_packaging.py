"""The packaging files stay consistent with the code (the real build: packaging/build.sh)."""

from __future__ import annotations

import ast
import configparser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGING = ROOT / "packaging"


def test_desktop_entry_has_the_required_keys():
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str
    entry.read(PACKAGING / "nnstudio.desktop", encoding="utf-8")
    e = entry["Desktop Entry"]
    assert e["Type"] == "Application" and e["Name"] == "nnstudio"
    assert e["Exec"].split()[0] == "nnstudio" and "%f" in e["Exec"]
    assert e["Terminal"] == "false"
    assert e["Categories"].endswith(";") and "Education" in e["Categories"]


def test_spec_bundles_resources_and_starts_the_cli():
    spec = (PACKAGING / "nnstudio.spec").read_text("utf-8")
    ast.parse(spec)                                   # valid Python
    assert 'ROOT / "resources"), "resources")' in spec   # where resources_root() looks when frozen
    assert (ROOT / "resources" / "examples").is_dir() and (ROOT / "resources" / "data").is_dir()
    launch = ast.parse((PACKAGING / "launch.py").read_text("utf-8"))
    imports = [n for n in ast.walk(launch) if isinstance(n, ast.ImportFrom)]
    assert any(n.module == "nnstudio.cli" and n.names[0].name == "main" for n in imports)


def test_frozen_layout_matches_the_resource_locator(monkeypatch, tmp_path):
    """The spec's ("resources" → "resources") is exactly what the locator tries first."""
    import sys
    import nnstudio.resources as res
    (tmp_path / "resources" / "data").mkdir(parents=True)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert res.resources_root() == tmp_path / "resources"
