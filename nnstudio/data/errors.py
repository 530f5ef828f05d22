"""Typed errors of the data layer.

Every error raised on purpose by :mod:`nnstudio.data` derives from :class:`DataError`, which
is a :class:`ValueError`, so callers can catch one type and show its message. The messages
name what is wrong and where: the option, the file, the line, the position in an expression.
"""

from __future__ import annotations

import os


class DataError(ValueError):
    """Base class of all errors raised by nnstudio.data."""


class OptionError(DataError):
    """A bad ``dataset`` entry: unknown name, unknown option, or a value out of range.

    ``option`` is the offending key (``None`` when the entry as a whole is wrong).
    """

    def __init__(self, message: str, option: str | None = None) -> None:
        super().__init__(message)
        self.option = option


class DataFileError(DataError):
    """A file that cannot be read or does not hold what it should.

    ``path`` is the file, ``line`` the 1-based line number for text files (else ``None``).
    The message already contains both.
    """

    def __init__(self, path: os.PathLike | str, reason: str, line: int | None = None) -> None:
        self.path = os.fspath(path)
        self.line = line
        self.reason = reason
        where = self.path if line is None else f"{self.path}, line {line}"
        super().__init__(f"{where}: {reason}")


class ExpressionError(DataError):
    """A function expression that cannot be parsed.

    ``position`` is the 0-based index of the offending character in ``expression``
    (``len(expression)`` when the expression ends too early).
    """

    def __init__(self, message: str, expression: str, position: int) -> None:
        self.expression = expression
        self.position = position
        self.reason = message
        super().__init__(f"{message} at position {position}")


class DownloadError(DataError):
    """A download that failed: network error, HTTP error, or an interrupted transfer."""


class ChecksumError(DownloadError):
    """A downloaded file whose checksum differs from the published one."""

    def __init__(self, filename: str, expected: str, actual: str) -> None:
        self.filename = filename
        self.expected = expected
        self.actual = actual
        super().__init__(
            f"{filename}: checksum mismatch (md5 {actual}, expected {expected}); "
            "the file was not kept"
        )
