"""Find the shipped ``resources/`` folder (data sets, icons, translations, examples).

One locator for the three ways nnstudio runs:

1. a frozen PyInstaller bundle: ``sys._MEIPASS/resources`` (the spec adds the folder with
   ``datas=[("resources", "resources")]``), or ``sys._MEIPASS/nnstudio/resources_data``
   when the bundle was built from an installed wheel;
2. a source checkout (also an editable install): ``resources/`` beside the ``nnstudio``
   package, recognised by the ``pyproject.toml`` next to it;
3. an installed wheel: ``nnstudio/resources_data/``, where pyproject.toml's
   ``[tool.setuptools.package-dir]`` maps the top-level ``resources/`` folder.

Import-free of Qt and of the rest of nnstudio, so every layer may use it.
"""

from __future__ import annotations

import sys
from pathlib import Path

WHEEL_DIRNAME = "resources_data"
_PACKAGE_DIR = Path(__file__).resolve().parent


def _candidates() -> list[Path]:
    found: list[Path] = []
    meipass = getattr(sys, "_MEIPASS", None)
    if getattr(sys, "frozen", False) and meipass:
        bundle = Path(meipass)
        found += [bundle / "resources", bundle / "nnstudio" / WHEEL_DIRNAME]
    checkout = _PACKAGE_DIR.parent
    if (checkout / "pyproject.toml").is_file():
        found.append(checkout / "resources")
    found.append(_PACKAGE_DIR / WHEEL_DIRNAME)
    return found


def resources_root() -> Path:
    """The resources folder itself; FileNotFoundError naming the places tried if none."""
    candidates = _candidates()
    for candidate in candidates:
        # the source tree holds an empty nnstudio/resources_data placeholder (see its
        # README) so that setuptools finds the mapped package; it has no data folder
        if candidate.is_dir() and (candidate / "data").is_dir():
            return candidate
    tried = ", ".join(str(c) for c in candidates)
    raise FileNotFoundError(f"nnstudio's resources folder was not found (tried {tried})")


def resource_path(*parts: str) -> Path:
    """Path of a shipped resource, e.g. ``resource_path("data", "mnist")``.

    The path is returned whether or not the file exists; the caller opens it and reports a
    missing file in its own terms.
    """
    return resources_root().joinpath(*parts)
