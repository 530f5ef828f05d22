"""Test-wide setup: Qt runs offscreen and never touches the user's settings."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# the package first, as the app starts: it chooses OpenBLAS's kernels before NumPy loads
# them (nnstudio/blas_cpu.py), so the tests run the products the app runs
import nnstudio  # noqa: E402,F401

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path_factory, monkeypatch):
    """Point QSettings and the user's data/cache folders at a temporary directory."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("NNSTUDIO_HOME", str(home))
    yield home
