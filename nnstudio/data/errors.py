"""Typed errors of the data layer.

Every error raised on purpose by :mod:`nnstudio.data` derives from :class:`DataError`, which
is a :class:`ValueError`, so callers can catch one type and show its message. The messages
name what is wrong and where: the option, the file, the line, the position in an expression.

The message (``str(err)``) is plain English for logs and the command line. The UI builds
its own translated sentence from the structured facts: ``code`` (one of
:data:`DATA_ERROR_CODES`, what kind of problem) and ``details`` (its names and numbers),
besides the attributes of each subclass (``option``, ``path``/``line``, ``expression``/
``position``).
"""

from __future__ import annotations

import os
from types import MappingProxyType
from typing import Any

#: Every kind of DataError, with the details it carries. The UI has one plain sentence per
#: code (nnstudio/ui/data_messages.py); a new code needs a new sentence there.
DATA_ERROR_CODES: dict[str, tuple[str, ...]] = {
    "invalid": (),                               # anything else: a misused function (str says what)
    # ---- the "dataset" entry and its options (OptionError; .option names the key)
    "entry_not_object": ("type",),               # the entry is not a mapping (type: its Python type)
    "entry_no_name": (),
    "unknown_dataset": ("value", "known"),
    "unknown_option": ("dataset", "options", "known"),
    "option_required": ("dataset",),
    "option_not_set": ("dataset", "value"),      # null where a value is needed
    "option_not_integer": ("dataset", "value"),
    "option_not_number": ("dataset", "value"),
    "option_not_bool": ("dataset", "value"),
    "option_unknown_choice": ("dataset", "value", "choices"),
    "option_not_text": ("dataset", "value"),
    "option_not_path": ("dataset", "value"),
    "option_not_numbers": ("dataset", "value", "length"),
    "option_empty_range": ("dataset", "value"),  # [low, high] with low >= high
    "option_not_column": ("dataset", "value"),
    "option_no_columns": ("dataset", "value"),   # an empty list of label columns
    "option_not_columns": ("dataset", "value"),
    "option_not_strings": ("dataset", "value"),
    "option_out_of_range": ("dataset", "value", "low", "high", "high_open"),  # low/high None: unbounded
    "column_needs_header": ("column",),          # a column named in a file without a header line
    "no_such_column": ("column", "columns"),
    "column_out_of_range": ("index", "count"),
    "one_label_column": (),                      # classification with several label columns
    "no_feature_columns": (),
    "no_training_samples": ("dataset",),         # the splits left nothing to train on
    "size_too_large": ("value", "available"),    # train_size / test_size above the samples there are
    "too_few_class_names": ("dataset", "given", "highest"),
    "test_pair_incomplete": ("missing",),        # idx: test_images without test_labels or back
    "function_undefined": ("expression", "x"),   # the function set's f(x) is NaN/inf somewhere
    "function_too_large": ("expression",),
    "out_of_memory": ("dataset",),
    # ---- files (DataFileError; .path and .line say where)
    "file_not_found": (),
    "resource_missing": (),                      # a file shipped with nnstudio is missing
    "is_folder": (),
    "unreadable": ("detail",),                   # detail: the operating system's words
    "file_empty": (),
    "too_large": ("size", "needed", "available"),    # sizes as text ("12.5 MB")
    "not_utf8": ("byte",),
    "truncated_gzip": (),
    "corrupt_gzip": ("detail",),
    "malformed_csv": ("detail",),
    "unclosed_quote": ("opened",),            # a " that is never closed (the rest of the file is in it)
    "single_column": (),                         # no delimiter found
    "too_few_columns": (),
    "field_count": ("expected", "found", "first_line"),
    "missing_value": ("column", "value"),        # value: the field as written ("" if empty)
    "not_a_number": ("column", "value"),
    "not_finite": ("column", "value"),
    "missing_label": ("column",),
    "header_only": (),
    "label_not_integer": ("value",),
    "too_many_classes": ("count",),
    "single_class": ("value",),
    "idx_too_short": ("size",),
    "not_idx": ("magic",),
    "idx_no_dimensions": (),
    "idx_truncated_header": ("size", "needed", "dimensions"),
    "idx_truncated": ("shape", "dtype", "expected", "found"),
    "idx_extra_bytes": ("extra", "shape"),
    "idx_not_finite": ("count", "index"),      # NaN or ±inf among a float file's values
    "labels_single_class": ("value",),          # an IDX labels file with one class only
    "images_one_dimensional": ("count",),
    "labels_not_one_dimensional": ("shape",),
    "labels_not_integer": ("dtype",),
    "count_mismatch": ("labels", "images", "images_path"),
    "no_samples": (),
    "negative_label": ("value",),
    "test_shape_mismatch": ("shape", "train_path", "train_shape"),
    "not_downloaded": ("title", "name"),
    "malformed_table": ("detail",),
    "column_count": ("found", "expected"),
    "bad_table_header": (),
    "sample_count": ("found", "expected"),
    "bad_class_labels": (),
    "label_without_name": ("value",),
    # ---- function expressions (ExpressionError; .expression and .position say where)
    "expr_not_text": (),
    "expr_too_long": ("limit",),
    "expr_empty": (),
    "expr_number_too_large": ("number",),
    "expr_bad_character": ("character",),
    "expr_unmatched_close": (),
    "expr_operator_missing": ("found",),
    "expr_unexpected": ("found",),
    "expr_too_deep": (),
    "expr_ends_early": (),
    "expr_operand_missing": ("found",),
    "expr_call_needs_paren": ("function",),
    "expr_unknown_name": ("name", "allowed"),
    "expr_unclosed": ("opening",),
    "expr_close_missing": ("found",),
    # ---- downloads (DownloadError)
    "unknown_download": ("name", "known"),
    "bad_address": ("url",),
    "cannot_create_folder": ("folder", "detail"),
    "http_error": ("url", "status", "reason"),
    "cannot_connect": ("url", "reason"),
    "interrupted": ("url", "received", "total"),     # total None: unknown
    "transfer_failed": ("url", "detail"),
    "checksum": ("filename", "expected", "actual"),
}


class DataError(ValueError):
    """Base class of all errors raised by nnstudio.data.

    ``code`` (one of :data:`DATA_ERROR_CODES`) names the kind of problem and ``details``
    its facts, also readable as attributes where no attribute of that name exists.
    """

    default_code = "invalid"

    def __init__(self, message: str = "", *, code: str | None = None, **details: Any) -> None:
        code = code or self.default_code
        if code not in DATA_ERROR_CODES:
            raise ValueError(f"unknown DataError code {code!r}")
        self.code = code
        self.details = MappingProxyType(dict(details))
        super().__init__(message)

    def __getattr__(self, name: str) -> Any:
        details = self.__dict__.get("details", {})
        if name in details:
            return details[name]
        raise AttributeError(name)


class OptionError(DataError):
    """A bad ``dataset`` entry: unknown name, unknown option, or a value out of range.

    ``option`` is the offending key (``None`` when the entry as a whole is wrong).
    """

    def __init__(self, message: str, option: str | None = None, *, code: str | None = None,
                 **details: Any) -> None:
        super().__init__(message, code=code, **details)
        self.option = option


class DataFileError(DataError):
    """A file that cannot be read or does not hold what it should.

    ``path`` is the file, ``line`` the 1-based line number for text files (else ``None``).
    The message already contains both.
    """

    def __init__(self, path: os.PathLike | str, reason: str, line: int | None = None, *,
                 code: str | None = None, **details: Any) -> None:
        self.path = os.fspath(path)
        self.line = line
        self.reason = reason
        where = self.path if line is None else f"{self.path}, line {line}"
        super().__init__(f"{where}: {reason}", code=code, **details)


class ExpressionError(DataError):
    """A function expression that cannot be parsed.

    ``position`` is the 0-based index of the offending character in ``expression``
    (``len(expression)`` when the expression ends too early).
    """

    def __init__(self, message: str, expression: str, position: int, *, code: str | None = None,
                 **details: Any) -> None:
        self.expression = expression
        self.position = position
        self.reason = message
        super().__init__(f"{message} at position {position}", code=code, **details)


class DownloadError(DataError):
    """A download that failed: network error, HTTP error, or an interrupted transfer."""


class ChecksumError(DownloadError):
    """A downloaded file whose checksum differs from the published one."""

    default_code = "checksum"

    def __init__(self, filename: str, expected: str, actual: str) -> None:
        self.filename = filename
        self.expected = expected
        self.actual = actual
        super().__init__(
            f"{filename}: checksum mismatch (md5 {actual}, expected {expected}); "
            "the file was not kept",
            filename=filename, expected=expected, actual=actual,
        )
