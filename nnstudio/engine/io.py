"""Atomic writes and pickle-free reads of array files (.npz)."""

from __future__ import annotations

import functools
import os
import stat
import tempfile
import zipfile
from pathlib import Path
from typing import Mapping

import numpy as np

from .errors import EngineError


class ArrayFileError(EngineError, ValueError):
    """An array file that cannot be read safely: not an npz, object arrays, unreadable."""

    def __init__(self, path: os.PathLike | str, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


@functools.lru_cache(maxsize=1)
def _new_file_mode() -> int:
    """What a plain ``open(path, "w")`` gives: 0666 less the process's umask."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def _mode_for(path: Path) -> int:
    """A replaced file keeps its permissions; a new one gets the ordinary ones."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return _new_file_mode()


def atomic_write_bytes(path: os.PathLike | str, write) -> None:
    """Call ``write(fileobj)`` on a temporary file beside ``path``, then rename it over ``path``.

    A crash or an exception leaves the previous file as it was and no temporary behind. The
    new file has the permissions of the one it replaces, else those of a plainly opened file.
    """
    path = Path(path)
    mode = _mode_for(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)          # mkstemp makes the file private (0600)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def atomic_savez(path: os.PathLike | str, arrays: Mapping[str, np.ndarray]) -> None:
    for k, v in arrays.items():
        if np.asarray(v).dtype == object:
            raise ArrayFileError(path, f"array {k!r} holds Python objects; only numeric arrays are saved")
    atomic_write_bytes(path, lambda f: np.savez_compressed(f, **{k: np.asarray(v) for k, v in arrays.items()}))


def load_npz(path: os.PathLike | str) -> dict[str, np.ndarray]:
    """Read every array of an .npz with ``allow_pickle=False``; typed errors, never a pickle."""
    p = Path(path)
    if p.is_dir():
        raise ArrayFileError(p, "is a folder, not a file")
    try:
        with np.load(p, allow_pickle=False) as data:
            if not isinstance(data, np.lib.npyio.NpzFile):
                raise ArrayFileError(p, "is a single .npy array, not an .npz archive")
            return {k: data[k] for k in data.files}
    except ArrayFileError:
        raise
    except FileNotFoundError:
        raise ArrayFileError(p, "no such file") from None
    except PermissionError:
        raise ArrayFileError(p, "permission denied") from None
    except ValueError as e:
        if "pickle" in str(e).lower() or "object" in str(e).lower():
            raise ArrayFileError(p, "holds Python objects (pickled data), which nnstudio refuses to load") from None
        raise ArrayFileError(p, f"is not a valid .npz file ({e})") from None
    except (OSError, zipfile.BadZipFile, EOFError) as e:
        raise ArrayFileError(p, f"is not a valid .npz file ({e})") from None
