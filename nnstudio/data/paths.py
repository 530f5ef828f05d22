"""Where nnstudio keeps the learner's downloaded data and its decoded-data cache.

Qt-free equivalents of QStandardPaths' AppDataLocation and CacheLocation:

=========  ==========================================  =====================================
platform   data (downloads)                            cache
=========  ==========================================  =====================================
Linux      $XDG_DATA_HOME/nnstudio (~/.local/share)    $XDG_CACHE_HOME/nnstudio (~/.cache)
macOS      ~/Library/Application Support/nnstudio      ~/Library/Caches/nnstudio
Windows    %LOCALAPPDATA%\\nnstudio                     %LOCALAPPDATA%\\nnstudio\\Cache
=========  ==========================================  =====================================

The environment variables ``NNSTUDIO_DATA_DIR`` and ``NNSTUDIO_CACHE_DIR`` override them
(tests point them at temporary folders). ``NNSTUDIO_CACHE_DIR`` set to an empty string turns
the cache off.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP = "nnstudio"


def _platform_base(kind: str) -> Path:
    home = Path.home()
    if sys.platform.startswith("win"):
        base = Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local") / APP
        return base / "Cache" if kind == "cache" else base
    if sys.platform == "darwin":
        if kind == "cache":
            return home / "Library" / "Caches" / APP
        return home / "Library" / "Application Support" / APP
    if kind == "cache":
        return Path(os.environ.get("XDG_CACHE_HOME") or home / ".cache") / APP
    return Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share") / APP


def user_data_dir() -> Path:
    """The folder for data the learner downloads (not created here)."""
    override = os.environ.get("NNSTUDIO_DATA_DIR")
    return Path(override) if override else _platform_base("data")


def user_cache_dir() -> Path | None:
    """The folder for decoded-data caches, or None when caching is turned off."""
    override = os.environ.get("NNSTUDIO_CACHE_DIR")
    if override is not None:
        return Path(override) if override else None
    return _platform_base("cache")
