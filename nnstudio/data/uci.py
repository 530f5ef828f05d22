"""The shipped UCI tables: iris, wine and digits (resources/data/uci/).

File layout (as in shared/datasets): iris.csv and wine.csv start with a line
``n_samples,n_features,class names...``; then one sample a line, the features and then the
integer class label. digits.csv.gz has no such line: 65 integers a line, label last.
"""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import numpy as np

from nnstudio.data.errors import DataFileError


def _text(path: Path) -> str:
    try:
        raw = path.read_bytes()
        if raw.startswith(b"\x1f\x8b"):
            raw = gzip.decompress(raw)
        return raw.decode("ascii")
    except FileNotFoundError:
        raise DataFileError(path, "file not found (is resources/data complete?)",
                            code="resource_missing") from None
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise DataFileError(path, f"cannot be read ({exc})", code="unreadable", detail=str(exc)) from None


def _table(path: Path, text: str, first_line: int, n_columns: int) -> np.ndarray:
    try:
        table = np.loadtxt(io.StringIO(text), delimiter=",", dtype=np.float64, ndmin=2)
    except ValueError as exc:
        raise DataFileError(path, f"malformed table ({exc})", code="malformed_table",
                            detail=str(exc)) from None
    if table.shape[1] != n_columns:
        raise DataFileError(path, f"has {table.shape[1]} columns, expected {n_columns}",
                            first_line, code="column_count", found=table.shape[1], expected=n_columns)
    return table


def read_table(
    path: Path, n_features: int | None = None
) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """(features float32 (N, F), labels int64 (N,), class names).

    With ``n_features`` the file has no header line and class names are "0", "1", ...
    """
    text = _text(path)
    if n_features is None:
        header, _, body = text.partition("\n")
        fields = header.strip().split(",")
        try:
            n_samples, n_features = int(fields[0]), int(fields[1])
        except (ValueError, IndexError):
            raise DataFileError(path, "first line must be n_samples,n_features,class names",
                                1, code="bad_table_header") from None
        class_names = tuple(f.strip() for f in fields[2:])
        table = _table(path, body, 2, n_features + 1)
        if len(table) != n_samples:
            raise DataFileError(path, f"holds {len(table)} samples, its header says {n_samples}",
                                code="sample_count", found=len(table), expected=n_samples)
    else:
        table = _table(path, text, 1, n_features + 1)
        class_names = ()
    labels_f = table[:, -1]
    labels = labels_f.astype(np.int64)
    if np.any(labels != labels_f) or labels.min() < 0:
        raise DataFileError(path, "class labels must be non-negative integers", code="bad_class_labels")
    if not class_names:
        class_names = tuple(str(i) for i in range(int(labels.max()) + 1))
    elif labels.max() >= len(class_names):
        raise DataFileError(path, f"label {labels.max()} has no class name", code="label_without_name",
                            value=int(labels.max()))
    return table[:, :-1].astype(np.float32), labels, class_names
