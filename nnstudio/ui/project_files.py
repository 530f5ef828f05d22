"""Reading and writing project files for the window, and the shipped templates.

Plain functions with messages the window shows; writes are atomic.
"""

from __future__ import annotations

import json
from pathlib import Path

from nnstudio.engine.io import atomic_write_bytes
from nnstudio.project.model import Project


def read_project(path: str | Path) -> Project:
    """Raises OSError, ValueError (bad JSON), ProjectError or SpecError."""
    text = Path(path).read_text(encoding="utf-8")
    return Project.from_dict(json.loads(text))


def write_project(path: str | Path, project_dict: dict) -> None:
    data = json.dumps(project_dict, indent=2, ensure_ascii=False) + "\n"
    encoded = data.encode("utf-8")
    atomic_write_bytes(Path(path), lambda f: f.write(encoded))


def templates() -> list[tuple[str, Path]]:
    """(title, path) of the example projects in resources/examples, sorted by title."""
    try:
        from nnstudio.resources import resource_path
        folder = resource_path("examples")
    except (ImportError, FileNotFoundError):
        return []
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.glob("*.json")):
        found.append((path.stem.replace("_", " ").replace("-", " "), path))
    return found
