"""Atomic writes and pickle-free reads of array files (.npz)."""

from __future__ import annotations

import errno
import functools
import math
import os
import stat
import tempfile
import zipfile
import zlib
from pathlib import Path
from typing import Mapping

import numpy as np

from .errors import EngineError


class ArrayFileError(EngineError, ValueError):
    """An array file that cannot be read safely: not an npz, object arrays, unreadable.

    ``reason`` is plain English; ``code`` names it for a caller that words its own sentence,
    with ``params`` holding its facts (e.g. ``code="not_an_array", params={"member": "a.txt"}``).
    """

    def __init__(self, path: os.PathLike | str, reason: str, code: str = "invalid",
                 params: Mapping[str, object] | None = None):
        self.path = str(path)
        self.reason = reason
        self.code = code
        self.params = dict(params or {})
        super().__init__(f"{self.path}: {reason}")


#: the reason atomic_write_bytes gives (as an OSError's strerror) for a device, pipe or socket
NOT_REGULAR_FILE = "it is not a regular file (a device, pipe or socket)"


def os_problem(err: OSError) -> str | None:
    """A stable name for what the operating system refused, for a caller that words it in its
    own language: the name of the error number (``"ENOSPC"``), ``"not_regular"`` for
    atomic_write_bytes's own refusal, None when there is none."""
    if err.strerror == NOT_REGULAR_FILE:
        return "not_regular"
    return errno.errorcode.get(err.errno) if isinstance(err.errno, int) else None


def os_detail(err: OSError) -> str:
    """The system's own words for an OSError, without the path (``"no space left on device"``)."""
    return (err.strerror or str(err) or type(err).__name__).lower()


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
    if path.exists() and not path.is_file() and not path.is_dir():
        # a device, pipe or socket: the rename would put a file in its place (as root, even
        # /dev/null); a folder is left to os.replace's own error
        raise OSError(errno.EINVAL, NOT_REGULAR_FILE, str(path))
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
            raise ArrayFileError(path, f"array {k!r} holds Python objects; only numeric arrays are saved",
                                 "objects_not_saved", {"member": k})
    atomic_write_bytes(path, lambda f: np.savez_compressed(f, **{k: np.asarray(v) for k, v in arrays.items()}))


# An .npz whose arrays together claim more than this is refused before anything is unpacked:
# a few hundred bytes can announce a 300 GB array, a 10 MB file can unpack to 10 GB of zeros.
# nnstudio's own files stay far below it (SimpleConvNet's weights: 1.7 MB).
MAX_NPZ_BYTES = 2 * 1024 ** 3


def _claimed_bytes(archive: zipfile.ZipFile, member: str) -> int | None:
    """What an .npy member's header says its array takes; None when it is not an array."""
    with archive.open(member) as f:
        try:
            version = np.lib.format.read_magic(f)
            read = np.lib.format.read_array_header_1_0 if version == (1, 0) else \
                np.lib.format.read_array_header_2_0
            shape, _, dtype = read(f)
        except ValueError:
            return None
    return math.prod(shape) * dtype.itemsize


def _check_members(p: Path, archive: zipfile.ZipFile) -> None:
    """Every member an array (np.load hands anything else back as raw bytes), and their claimed
    size within MAX_NPZ_BYTES."""
    total = 0
    for member in archive.namelist():
        size = _claimed_bytes(archive, member)    # np.load tells arrays by their magic too
        if size is None:
            raise ArrayFileError(p, f"holds {member!r}, which is not a NumPy array", "not_an_array",
                                 {"member": member})
        total += size
        if total > MAX_NPZ_BYTES:
            claimed, limit = f"{total / 1024 ** 3:.1f}", f"{MAX_NPZ_BYTES / 1024 ** 3:.0f}"
            raise ArrayFileError(p, f"claims {claimed} GiB of arrays (up to {member!r}), more than "
                                    f"nnstudio reads ({limit} GiB)", "too_many_bytes",
                                 {"claimed": claimed, "limit": limit, "member": member})


def load_npz(path: os.PathLike | str) -> dict[str, np.ndarray]:
    """Read every array of an .npz with ``allow_pickle=False``; typed errors, never a pickle,
    never a member that is not an array or arrays larger than MAX_NPZ_BYTES."""
    p = Path(path)
    if p.is_dir():
        raise ArrayFileError(p, "is a folder, not a file", "is_folder")
    try:
        with np.load(p, allow_pickle=False) as data:
            if not isinstance(data, np.lib.npyio.NpzFile):
                raise ArrayFileError(p, "is a single .npy array, not an .npz archive", "npy_not_npz")
            _check_members(p, data.zip)     # the archive np.load has open
            return {k: data[k] for k in data.files}
    except ArrayFileError:
        raise
    except MemoryError:
        raise ArrayFileError(p, "holds arrays too large for this computer's memory", "out_of_memory") from None
    except FileNotFoundError:
        raise ArrayFileError(p, "no such file", "no_such_file") from None
    except PermissionError as e:
        raise ArrayFileError(p, "permission denied", "permission_denied",
                             {"detail": "permission denied", "problem": os_problem(e)}) from None
    except ValueError as e:
        if "pickle" in str(e).lower() or "object" in str(e).lower():
            raise ArrayFileError(p, "holds Python objects (pickled data), which nnstudio refuses to load",
                                 "python_objects") from None
        raise ArrayFileError(p, f"is not a valid .npz file ({e})", "damaged", {"detail": str(e)}) from None
    except (zipfile.BadZipFile, EOFError, zlib.error) as e:     # cut off or scrambled
        raise ArrayFileError(p, f"is not a valid .npz file ({e})", "damaged", {"detail": str(e)}) from None
    except OSError as e:                # the system refused (a read error, a device, ...)
        raise ArrayFileError(p, f"is not a valid .npz file ({e})", "unreadable",
                             {"detail": os_detail(e), "problem": os_problem(e)}) from None
