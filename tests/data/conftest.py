"""Fixtures for the data-layer tests: isolated cache/data folders and file writers."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest

_IDX_CODES = {
    np.dtype(np.uint8): 0x08, np.dtype(np.int8): 0x09, np.dtype(">i2"): 0x0B,
    np.dtype(">i4"): 0x0C, np.dtype(">f4"): 0x0D, np.dtype(">f8"): 0x0E,
}


def idx_bytes(array: np.ndarray) -> bytes:
    """The IDX encoding of ``array`` (uint8, int8, or big-endian int16/int32/float32/64)."""
    array = np.asarray(array)
    dtype = array.dtype if array.dtype.itemsize == 1 else array.dtype.newbyteorder(">")
    code = _IDX_CODES[dtype]
    header = struct.pack(">HBB", 0, code, array.ndim)
    header += struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(dtype).tobytes()


@pytest.fixture(scope="session")
def _shared_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("nnstudio-cache")


@pytest.fixture(autouse=True)
def _data_dirs(monkeypatch, tmp_path, _shared_cache):
    """The decoded-data cache is shared by the session (so MNIST decodes once); the user's
    data folder is fresh for every test."""
    monkeypatch.setenv("NNSTUDIO_CACHE_DIR", str(_shared_cache))
    monkeypatch.setenv("NNSTUDIO_DATA_DIR", str(tmp_path / "user-data"))


@pytest.fixture
def write_idx(tmp_path):
    """write_idx(name, array, gz=False) -> path of a new IDX file in tmp_path."""

    def write(name: str, array: np.ndarray, gz: bool = False) -> Path:
        data = idx_bytes(array)
        path = tmp_path / name
        path.write_bytes(gzip.compress(data) if gz else data)
        return path

    return write


@pytest.fixture
def write_text(tmp_path):
    """write_text(name, text, encoding="utf-8") -> path of a new text file in tmp_path."""

    def write(name: str, text: str, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(text.encode(encoding))
        return path

    return write


def small_images(n: int = 30, h: int = 4, w: int = 3, n_classes: int = 3, seed: int = 0):
    """A tiny uint8 image set: (n, h, w) images and labels cycling through the classes."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, (n, h, w), dtype=np.uint8)
    labels = (np.arange(n) % n_classes).astype(np.uint8)
    return images, labels


@pytest.fixture
def idx_pair(write_idx):
    """idx_pair(prefix, n=30, ...) -> (images path, labels path, images, labels)."""

    def make(prefix: str = "train", gz: bool = False, **kwargs):
        images, labels = small_images(**kwargs)
        ext = ".gz" if gz else ""
        return (write_idx(f"{prefix}-images{ext}", images, gz),
                write_idx(f"{prefix}-labels{ext}", labels, gz), images, labels)

    return make
