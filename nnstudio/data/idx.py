"""Reading IDX files, the format of MNIST, Fashion-MNIST, KMNIST and EMNIST.

An IDX file is a 4-byte magic number ``00 00 TT DD`` (TT the element type, DD the number of
dimensions), DD big-endian uint32 dimension sizes, then the elements in C order, big-endian.
Files may be gzip-compressed (recognised by their content, not their name).

Every way a file can be wrong gives a :class:`DataFileError` that names the file: not an
IDX file, an unknown type code, a truncated or over-long body, a truncated or corrupt gzip
stream.
"""

from __future__ import annotations

import gzip
import os
import struct
import zlib
from pathlib import Path

import numpy as np

from nnstudio.data import cache
from nnstudio.data.errors import DataFileError

IDX_TYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
GZIP_MAGIC = b"\x1f\x8b"


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise DataFileError(path, "file not found", code="file_not_found") from None
    except IsADirectoryError:
        raise DataFileError(path, "is a folder, not a file", code="is_folder") from None
    except OSError as exc:
        raise DataFileError(path, f"cannot be read ({exc.strerror or exc})", code="unreadable",
                            detail=str(exc.strerror or exc)) from None


def decompress_if_gzip(path: Path, raw: bytes) -> bytes:
    if not raw.startswith(GZIP_MAGIC):
        return raw
    try:
        return gzip.decompress(raw)
    except EOFError:
        raise DataFileError(
            path, "truncated gzip file (the compressed stream ends early)", code="truncated_gzip") from None
    except (gzip.BadGzipFile, zlib.error, OSError) as exc:
        raise DataFileError(path, f"corrupt gzip data ({exc})", code="corrupt_gzip", detail=str(exc)) from None


def parse_idx(path: Path, data: bytes) -> np.ndarray:
    """Decode the IDX bytes ``data`` (uncompressed) read from ``path``.

    The result keeps the file's element type (in native byte order) and is read-only.
    """
    if len(data) < 4:
        raise DataFileError(path, f"too short for an IDX file ({len(data)} bytes)", code="idx_too_short",
                            size=len(data))
    zero, type_code, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or type_code not in IDX_TYPES:
        raise DataFileError(
            path,
            f"not an IDX file: magic number 0x{data[:4].hex()} (expected 0x0000TTDD, "
            "TT a type code 08 09 0B 0C 0D 0E, DD the number of dimensions)",
            code="not_idx", magic=data[:4].hex(),
        )
    if ndim == 0:
        raise DataFileError(path, "IDX header declares 0 dimensions", code="idx_no_dimensions")
    header_len = 4 + 4 * ndim
    if len(data) < header_len:
        raise DataFileError(
            path, f"truncated IDX header ({len(data)} bytes, {header_len} needed for {ndim} dims)",
            code="idx_truncated_header", size=len(data), needed=header_len, dimensions=ndim,
        )
    dims = struct.unpack(f">{ndim}I", data[4:header_len])
    dtype = IDX_TYPES[type_code]
    expected = int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    body = len(data) - header_len
    shape_text = "x".join(str(d) for d in dims)
    if body < expected:
        raise DataFileError(
            path,
            f"truncated: the header announces {shape_text} values of type {dtype.name} "
            f"({expected} bytes) but only {body} bytes follow",
            code="idx_truncated", shape=tuple(dims), dtype=dtype.name, expected=expected, found=body,
        )
    if body > expected:
        raise DataFileError(
            path,
            f"{body - expected} unexpected bytes after the {shape_text} values the header "
            "announces", code="idx_extra_bytes", extra=body - expected, shape=tuple(dims),
        )
    array = np.frombuffer(data, dtype=dtype, count=expected // dtype.itemsize, offset=header_len)
    array = array.reshape(dims)
    if dtype.byteorder == ">" and dtype.itemsize > 1:
        array = array.astype(dtype.newbyteorder("="))
    _check_finite(path, array)
    array.flags.writeable = False
    return array


def _check_finite(path: Path, array: np.ndarray) -> None:
    """NaN or ±inf in a float file is refused, as the CSV reader does (training on them only
    reported a diverged loss)."""
    if array.dtype.kind == "f":
        bad = ~np.isfinite(array)
        if bad.any():
            index = tuple(int(i) for i in np.argwhere(bad)[0])
            raise DataFileError(path, f"{int(bad.sum())} values are NaN or infinite, the first at "
                                      f"index {list(index)}", code="idx_not_finite",
                                count=int(bad.sum()), index=index)


def read_idx(path: os.PathLike | str, *, use_cache: bool = True) -> np.ndarray:
    """Read an IDX file (plain or gzip) into a read-only array.

    With ``use_cache`` the decoded array is kept in the user's cache folder, keyed by the
    file's content hash, so the next read skips decompression.
    """
    path = Path(path)
    raw = read_bytes(path)
    key = cache.content_key(raw) if use_cache else None
    if key is not None:
        cached = cache.load(key)
        if cached is not None:
            _check_finite(path, cached)     # kept by a version that did not check
            return cached
    array = parse_idx(path, decompress_if_gzip(path, raw))
    if key is not None:
        cache.store(key, array)
    return array
