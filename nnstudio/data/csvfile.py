"""The learner's own table: a CSV (or TSV, semicolon-, bar- or space-separated) file.

- The delimiter is sniffed from the first lines (comma, tab, semicolon, bar, then runs of
  spaces) unless given.
- A header line is detected when some column holds a non-number in the first line and
  numbers below it; ``header`` "yes"/"no" overrides the guess.
- The label column is given by name (needs a header) or 0-based index (negative counts from
  the end; default -1, the last column). For classification, string labels are mapped to
  classes in sorted order; integer labels likewise (so 0..K-1 stay 0..K-1); a non-integer
  number is an error. For regression the label column(s) must hold numbers.
- Every other column (minus ``ignore``) is a numeric feature. Blank lines are skipped.
- Errors name the file and the line: a row with the wrong number of fields, a value that is
  not a number, a missing value or NaN ("", NA, N/A, NaN, null, none, ?), an infinite value.
- A file too large for the memory available is refused before it is read.
- The file may be gzip-compressed; the text must be UTF-8 (a BOM is fine).
"""

from __future__ import annotations

import csv
import gzip
import io
import math
import os
import sys
from array import array
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from collections.abc import Iterator

import numpy as np

from nnstudio.data.errors import DataFileError, OptionError

DELIMITERS = (",", "\t", ";", "|")
WHITESPACE = " "
FIELD_SEPARATORS = frozenset("".join(DELIMITERS))   # what may stand before a quoted field
MISSING = {"", "na", "n/a", "nan", "-nan", "+nan", "null", "none", "?"}
SAMPLE_LINES = 50
MAX_CLASSES = 1000
# bytes of memory needed per byte of text: the parsed float64 values (8 bytes for a value
# that takes ~4-10 characters), the float32 copy, and slack …
MEMORY_FACTOR = 4
# … and per row: its label string and list slot, its line number (measured: 15 million rows of
# "0,0,0" — 90 MB of text — peaked at 1.8 GB, 120 bytes a row; 4 bytes a text byte left 96)
ROW_BYTES = 100


def available_memory() -> int | None:
    """Bytes of memory available to a new allocation, or None if it cannot be told."""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    if sys.platform.startswith("win"):
        try:
            import ctypes

            class _MemoryStatus(ctypes.Structure):
                _fields_ = [("dwLength", ctypes.c_ulong), ("dwMemoryLoad", ctypes.c_ulong),
                            ("ullTotalPhys", ctypes.c_ulonglong),
                            ("ullAvailPhys", ctypes.c_ulonglong),
                            ("ullTotalPageFile", ctypes.c_ulonglong),
                            ("ullAvailPageFile", ctypes.c_ulonglong),
                            ("ullTotalVirtual", ctypes.c_ulonglong),
                            ("ullAvailVirtual", ctypes.c_ulonglong),
                            ("ullAvailExtendedVirtual", ctypes.c_ulonglong)]

            status = _MemoryStatus()
            status.dwLength = ctypes.sizeof(status)
            if ctypes.windll.kernel32.GlobalMemoryStatusEx(ctypes.byref(status)):
                return int(status.ullAvailPhys)
        except (OSError, AttributeError, ValueError):
            return None
        return None
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, AttributeError):
        return None


@dataclass(frozen=True)
class Table:
    """A parsed CSV: numeric features, labels (class indices or numbers) and names."""

    features: np.ndarray  # float32 (N, F)
    labels: np.ndarray  # int64 (N,) for classification, float32 (N, k) for regression
    class_names: tuple[str, ...]
    feature_names: tuple[str, ...]
    label_names: tuple[str, ...]
    delimiter: str
    has_header: bool


def _mb(n: int) -> str:
    return f"{n / 2**20:.1f} MB"


def _is_gzip(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(2) == b"\x1f\x8b"


def _text_size(path: Path, gz: bool) -> int:
    size = path.stat().st_size
    if not gz:
        return size
    with open(path, "rb") as handle:  # gzip stores the uncompressed size mod 2**32 last
        handle.seek(-4, os.SEEK_END)
        stored = int.from_bytes(handle.read(4), "little")
    return max(stored, size)


def _open_text(path: Path, gz: bool):
    if gz:
        return gzip.open(path, "rt", encoding="utf-8-sig", newline="")
    return open(path, encoding="utf-8-sig", newline="")


def _split_rows(
    handle, delimiter: str, path: Path | None = None, strict: bool = True
) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) of each non-blank record; ``strict`` rejects bad quoting."""
    if delimiter == WHITESPACE:
        for number, line in enumerate(handle, start=1):
            fields = line.split()
            if fields:
                yield number, fields
        return
    reader = csv.reader(handle, delimiter=delimiter, skipinitialspace=True,
                        strict=strict)
    ended = 0            # the line the last record ended on
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "unexpected end of data" in str(exc):     # the quoted field ran to the file's end
                raise _unclosed_quote(path or "<sample>", ended + 1) from None
            raise DataFileError(path or "<sample>", f"malformed CSV ({exc})",
                                reader.line_num, code="malformed_csv", detail=str(exc)) from None
        ended = reader.line_num
        if fields and any(f.strip() for f in fields):
            yield reader.line_num, fields


def _unclosed_quote(path, opened: int) -> DataFileError:
    return DataFileError(path, f'a quote (") opened on line {opened} is never closed, so the rest of '
                               "the file would be one value", opened, code="unclosed_quote", opened=opened)


def _unbalanced_quote_line(sample: list[str]) -> int | None:
    """The line of a quoted field the sample leaves open (None: every one is closed). Only a
    quote that starts a field opens one (5'11" is text, as the csv reader takes it); inside,
    "" is a quote character and a single " closes."""
    opened = None
    for number, line in enumerate(sample, start=1):
        i = 0
        while i < len(line):
            if line[i] == '"':
                if opened is None:
                    before = line[:i].rstrip(" ")
                    if not before or before[-1] in FIELD_SEPARATORS:
                        opened = number
                elif line[i + 1:i + 2] == '"':
                    i += 1                  # an escaped quote inside the field
                else:
                    opened = None
            i += 1
    return opened


def _sniff(sample: list[str]) -> str:
    best, best_score = None, 0.0
    for candidate in (*DELIMITERS, WHITESPACE):
        counts = []
        try:
            for _, fields in _split_rows(io.StringIO("".join(sample), newline=""), candidate, strict=False):
                counts.append(len(fields))
        except DataFileError:
            pass  # judge by the rows before the malformed one; the full read reports it
        if not counts:
            continue
        modal = max(set(counts), key=counts.count)
        if modal < 2:
            continue
        score = counts.count(modal) / len(counts)
        if score == 1.0:
            return candidate
        if score > best_score:
            best, best_score = candidate, score
    if best is None:
        raise ValueError("no delimiter")
    return best


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _detect_header(rows: list[list[str]]) -> bool:
    first, rest = rows[0], rows[1:]
    for j, value in enumerate(first):
        value = value.strip()
        if value.lower() in MISSING or _number(value) is not None:
            continue
        below = [r[j].strip() for r in rest if j < len(r)]
        numbers = [v for v in below if v.lower() not in MISSING]
        if numbers and all(_number(v) is not None for v in numbers):
            return True
    if not rest:  # a single line of text only
        return all(_number(v.strip()) is None for v in first)
    return False


def _column_index(ref: int | str, names: list[str] | None, n: int, option: str) -> int:
    if isinstance(ref, str):
        if names is None:
            raise OptionError(
                f"option {option!r} names the column {ref!r} but the file has no header "
                "line; give a 0-based column index instead", option, code="column_needs_header",
                column=ref)
        if ref not in names:
            raise OptionError(
                f"option {option!r}: no column named {ref!r}; the columns are "
                f"{', '.join(repr(c) for c in names)}", option, code="no_such_column", column=ref,
                columns=tuple(names))
        return names.index(ref)
    if not -n <= ref < n:
        raise OptionError(
            f"option {option!r}: column index {ref} is out of range for {n} columns "
            f"(0..{n - 1}, or -1 for the last)", option, code="column_out_of_range", index=ref, count=n)
    return ref % n


def _parse_value(path: Path, line: int, text: str, column: str) -> float:
    value = text.strip()
    if value.lower() in MISSING:
        shown = "an empty field" if not value else repr(value)
        raise DataFileError(
            path, f"column {column}: missing value ({shown}, NaN); fill it in or remove the row",
            line, code="missing_value", column=column, value=value)
    number = _number(value)
    if number is None:
        raise DataFileError(path, f"column {column}: {value!r} is not a number", line,
                            code="not_a_number", column=column, value=value)
    if not math.isfinite(number):
        raise DataFileError(path, f"column {column}: {value!r} is not a finite number", line,
                            code="not_finite", column=column, value=value)
    return number


def read_csv(
    path: os.PathLike | str,
    *,
    label: int | str | tuple = -1,
    task: str = "classification",
    header: str = "auto",
    delimiter: str = "auto",
    ignore: tuple = (),
    memory_limit: int | None = None,
) -> Table:
    """Parse a CSV file into a :class:`Table` (see the module docstring for the rules).

    ``memory_limit`` (bytes) defaults to :func:`available_memory`; a file whose parsing
    would need more is refused with a DataFileError.
    """
    path = Path(path)
    try:
        if path.is_dir():
            raise DataFileError(path, "is a folder, not a file", code="is_folder")
        gz = _is_gzip(path)
        size = _text_size(path, gz)
    except FileNotFoundError:
        raise DataFileError(path, "file not found", code="file_not_found") from None
    except OSError as exc:
        raise DataFileError(path, f"cannot be read ({exc.strerror or exc})", code="unreadable",
                            detail=str(exc.strerror or exc)) from None
    if size == 0:
        raise DataFileError(path, "the file is empty", code="file_empty")
    limit = available_memory() if memory_limit is None else memory_limit
    needed = size * MEMORY_FACTOR + _estimated_rows(path, gz, size) * ROW_BYTES if limit is not None else 0
    if limit is not None and needed > limit:
        raise DataFileError(
            path,
            f"too large to load: {_mb(size)} of text needs about {_mb(needed)} "
            f"of memory but only {_mb(limit)} is available", code="too_large", size=_mb(size),
            needed=_mb(needed), available=_mb(limit),
        )
    try:
        return _read(path, gz, label, task, header, delimiter, ignore)
    except UnicodeDecodeError as exc:
        raise DataFileError(path, f"is not UTF-8 text (byte {exc.start} of a line cannot be "
                            "decoded); is it really a CSV file?", code="not_utf8", byte=exc.start) from None
    except EOFError:
        raise DataFileError(
            path, "truncated gzip file (the compressed stream ends early)", code="truncated_gzip") from None
    except (gzip.BadGzipFile, OSError) as exc:
        raise DataFileError(path, f"cannot be read ({exc})", code="unreadable", detail=str(exc)) from None


def _estimated_rows(path: Path, gz: bool, size: int) -> int:
    """The file's lines, judged by the length of its first SAMPLE_LINES."""
    try:
        with _open_text(path, gz) as handle:
            sample = list(islice(handle, SAMPLE_LINES))
    except (UnicodeDecodeError, EOFError, OSError):
        return 0                 # the read itself reports it
    chars = sum(len(line) for line in sample)
    return size * len(sample) // chars if chars else 0


def _read(path, gz, label, task, header, delimiter, ignore) -> Table:
    with _open_text(path, gz) as handle:
        sample = list(islice(handle, SAMPLE_LINES))
    if not any(line.strip() for line in sample):
        raise DataFileError(path, "the file is empty (blank lines only)", code="file_empty")
    if delimiter == "auto":
        try:
            delimiter = _sniff(sample)
        except ValueError:
            opened = _unbalanced_quote_line(sample)
            if opened is not None:      # the quote swallowed the lines the delimiter shows in
                raise _unclosed_quote(path, opened) from None
            raise DataFileError(
                path, "found a single column: a data set needs at least one feature column "
                "and a label column (separated by , ; | tab or spaces)", code="single_column") from None
    sample_rows = []
    try:
        for _, fields in _split_rows(io.StringIO("".join(sample), newline=""), delimiter, strict=False):
            sample_rows.append(fields)
    except DataFileError:
        pass  # reported with its line number by the full read below
    if header == "auto":
        has_header = bool(sample_rows) and _detect_header(sample_rows)
    else:
        has_header = header == "yes"

    with _open_text(path, gz) as handle:
        rows = _split_rows(handle, delimiter, path)
        try:
            first_line, first = next(rows)
        except StopIteration:
            raise DataFileError(path, "the file is empty", code="file_empty") from None
        n_columns = len(first)
        if n_columns < 2:
            raise DataFileError(path, "a data set needs at least one feature column and a "
                                "label column", first_line, code="too_few_columns")
        names = [f.strip() for f in first] if has_header else None
        labels_ref = label if isinstance(label, tuple) else (label,)
        if task == "classification" and len(labels_ref) != 1:
            raise OptionError("option 'label': classification takes exactly one label column",
                              "label", code="one_label_column")
        label_cols = [_column_index(r, names, n_columns, "label") for r in labels_ref]
        ignored = {_column_index(r, names, n_columns, "ignore") for r in ignore}
        feature_cols = [j for j in range(n_columns) if j not in label_cols and j not in ignored]
        if not feature_cols:
            raise OptionError("no feature columns are left besides the label and ignored "
                              "columns", "label", code="no_feature_columns")
        col_names = names or [str(j) for j in range(n_columns)]

        def column(j: int) -> str:
            return f"{j} ({col_names[j]!r})" if names else str(j)

        features = array("d")
        numeric_labels = array("d")
        text_labels: list[str] = []
        label_lines = array("l")
        data_rows = [] if has_header else [(first_line, first)]
        for line, fields in _chain(data_rows, rows):
            if len(fields) != n_columns:
                raise DataFileError(
                    path, f"expected {n_columns} fields (as on line {first_line}), found "
                    f"{len(fields)}", line, code="field_count", expected=n_columns, found=len(fields),
                    first_line=first_line)
            for j in feature_cols:
                features.append(_parse_value(path, line, fields[j], column(j)))
            if task == "classification":
                value = fields[label_cols[0]].strip()
                if value.lower() in MISSING:
                    raise DataFileError(
                        path, f"column {column(label_cols[0])}: missing label", line,
                        code="missing_label", column=column(label_cols[0]))
                text_labels.append(value)
                label_lines.append(line)
            else:
                for j in label_cols:
                    numeric_labels.append(_parse_value(path, line, fields[j], column(j)))
    n_rows = len(features) // len(feature_cols)
    if n_rows == 0:
        raise DataFileError(path, "has a header line but no data rows", code="header_only")
    x = np.frombuffer(features, dtype=np.float64).reshape(n_rows, len(feature_cols))
    if task == "classification":
        y, class_names = _classes(path, text_labels, label_lines)
    else:
        y = np.frombuffer(numeric_labels, dtype=np.float64).reshape(n_rows, len(label_cols))
        y = y.astype(np.float32)
        class_names = ()
    return Table(
        features=x.astype(np.float32),
        labels=y,
        class_names=class_names,
        feature_names=tuple(col_names[j] for j in feature_cols),
        label_names=tuple(col_names[j] for j in label_cols),
        delimiter=delimiter,
        has_header=has_header,
    )


def _chain(first_rows, rest):
    yield from first_rows
    yield from rest


def _classes(path: Path, values: list[str], lines: array) -> tuple[np.ndarray, tuple[str, ...]]:
    numbers = [_number(v) for v in values]
    if all(n is not None for n in numbers):
        for n, v, line in zip(numbers, values, lines, strict=True):
            if not math.isfinite(n) or n != int(n):
                raise DataFileError(
                    path, f"label {v!r} is not an integer class (for numeric targets set "
                    "\"task\": \"regression\")", line, code="label_not_integer", value=v)
        ints = np.array([int(n) for n in numbers], dtype=np.int64)
        uniques, y = np.unique(ints, return_inverse=True)
        names = tuple(str(u) for u in uniques)
    else:
        uniques, y = np.unique(np.array(values, dtype=object).astype(str), return_inverse=True)
        names = tuple(str(u) for u in uniques)
    if len(names) > MAX_CLASSES:
        raise DataFileError(
            path, f"the label column holds {len(names)} different values; is it the right "
            "column, or is this a regression task?", code="too_many_classes", count=len(names))
    if len(names) < 2:
        raise DataFileError(path, f"the label column holds a single class ({names[0]!r}); "
                            "classification needs at least two", code="single_class", value=names[0])
    return y.astype(np.int64).reshape(-1), names
