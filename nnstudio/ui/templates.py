"""The example projects shipped in resources/examples, offered as File ▸ New from Template."""

from __future__ import annotations

from pathlib import Path


def templates() -> list[tuple[str, Path]]:
    """(title, path) of every example project, sorted by file name; [] when none ship."""
    try:
        from nnstudio.resources import resource_path
        folder = resource_path("examples")
    except (ImportError, FileNotFoundError):
        return []
    if not folder.is_dir():
        return []
    return [(path.stem.replace("_", " ").replace("-", " "), path)
            for path in sorted(folder.glob("*.json"))]
