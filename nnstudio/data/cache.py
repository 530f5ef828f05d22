"""A small on-disk cache of decoded arrays (the decompressed MNIST IDX files).

Entries are ``.npy`` files named by a hash of the *source file's bytes* (plus the format
version), so an edited or replaced source can never be served a stale entry, whatever its
name, size or mtime. Entries are written to a temporary file and renamed into place, and
read back with ``allow_pickle=False``. Any problem with the cache (no folder, read-only
disk, a damaged entry) is silently treated as a miss: the cache only ever saves time.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import numpy as np

from nnstudio.data.paths import user_cache_dir

FORMAT_VERSION = 1
_SUBDIR = "decoded"


def content_key(raw: bytes) -> str | None:
    """The cache key of a source file's bytes, or None when caching is off."""
    if user_cache_dir() is None:
        return None
    digest = hashlib.blake2b(raw, digest_size=20)
    digest.update(f"|{len(raw)}|v{FORMAT_VERSION}".encode())
    return digest.hexdigest()


def _entry(key: str) -> Path | None:
    base = user_cache_dir()
    return None if base is None else base / _SUBDIR / f"{key}.npy"


def load(key: str) -> np.ndarray | None:
    path = _entry(key)
    if path is None or not path.is_file():
        return None
    try:
        array = np.load(path, allow_pickle=False)
    except (OSError, ValueError):
        return None
    if array.dtype.kind not in "uif" or array.ndim == 0:
        return None
    array.flags.writeable = False
    return array


def store(key: str, array: np.ndarray) -> None:
    path = _entry(key)
    if path is None:
        return
    tmp_name = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".npy")
        with os.fdopen(fd, "wb") as handle:
            np.save(handle, np.ascontiguousarray(array), allow_pickle=False)
        os.replace(tmp_name, path)
        tmp_name = None
    except OSError:
        pass
    finally:
        if tmp_name is not None:
            try:
                os.unlink(tmp_name)
            except OSError:
                pass


def clear() -> int:
    """Delete every cache entry; returns how many files were removed."""
    base = user_cache_dir()
    if base is None or not (base / _SUBDIR).is_dir():
        return 0
    removed = 0
    for entry in (base / _SUBDIR).iterdir():
        if entry.suffix == ".npy" or entry.name.startswith(".tmp-"):
            try:
                entry.unlink()
                removed += 1
            except OSError:
                pass
    return removed
