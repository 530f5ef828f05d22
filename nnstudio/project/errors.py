"""Typed errors of the file layer (projects, weights, run histories, recovery files).

Each error carries the structured facts — ``path``, ``kind`` (a stable keyword the UI maps
to its own translated headline), ``code`` and ``params`` (the reason, which the UI words in
the learner's language) and ``reason`` (plain English for logs and the command line) — so
callers never parse message text.
"""

from __future__ import annotations

import os

from nnstudio.engine.io import os_detail, os_problem

# the kinds a caller may switch on
MISSING = "missing"            # no such file
DIRECTORY = "directory"        # a folder where a file was expected
PERMISSION = "permission"      # not readable / the folder is not writable
IO = "io"                      # any other operating-system failure (disk full, ...)
ENCODING = "encoding"          # not UTF-8 text
SYNTAX = "syntax"              # not JSON / CSV as expected (line and column when known)
INVALID = "invalid"            # well-formed but a wrong value, type or key (``field`` names it)
NEWER = "newer"                # written by a newer nnstudio than this one
NOT_NPZ = "not-npz"            # not an .npz archive
PICKLE = "pickle"              # an .npz holding Python objects: refused
MISMATCH = "mismatch"          # weights that do not fit the network


class FileFormatError(ValueError):
    """A file nnstudio cannot read or write, and why."""

    def __init__(self, path: os.PathLike | str, reason: str, *, kind: str = INVALID,
                 field: str | None = None, line: int | None = None, column: int | None = None,
                 code: str | None = None, params: dict | None = None):
        self.path = os.fspath(path)
        self.reason = reason
        self.kind = kind
        # ``code`` names the reason for a translated sentence (the UI's file_reasons()), with
        # ``params`` filling it; without one the UI shows ``reason`` as it is
        self.code = code
        self.params = dict(params or {})
        self.field = field
        self.line = line
        self.column = column
        where = self.path
        if line is not None:
            where += f", line {line}" + (f", column {column}" if column is not None else "")
        super().__init__(f"{where}: {reason}")


class ProjectFileError(FileFormatError):
    """A project file that cannot be opened or saved."""


class WeightsFileError(FileFormatError):
    """A weights .npz that cannot be read, written or loaded into the network.

    For a shape mismatch ``parameter``, ``expected`` and ``got`` name the parameter and both
    shapes.
    """

    def __init__(self, path: os.PathLike | str, reason: str, *, kind: str = INVALID,
                 parameter: str | None = None, expected: tuple | None = None, got: tuple | None = None,
                 code: str | None = None, params: dict | None = None):
        self.parameter = parameter
        self.expected = expected
        self.got = got
        super().__init__(path, reason, kind=kind, field=parameter, code=code, params=params)


class HistoryFileError(FileFormatError):
    """A run-history CSV that cannot be read or written."""


def os_error_kind(err: OSError) -> str:
    if isinstance(err, FileNotFoundError):
        return MISSING
    if isinstance(err, IsADirectoryError):
        return DIRECTORY
    if isinstance(err, PermissionError):
        return PERMISSION
    return IO


def os_error_reason(err: OSError, doing: str) -> str:
    """``"cannot write: permission denied"`` from an OSError, without the path repeated."""
    return f"cannot {doing}: {os_detail(err)}"


#: what a file operation was doing when the operating system refused, by code
DOINGS = {"read": "read", "write": "write", "create the folder": "create_folder",
          "create the recovery folder": "create_recovery_folder", "remove the old file": "remove_old",
          "write into this folder": "write_folder"}


def os_error(err: OSError, doing: str) -> dict:
    """The keyword arguments of a FileFormatError for an OSError met while ``doing`` (a key of
    DOINGS): its kind, the English reason, and the code and parameters of the UI's sentence:
    the system's own words (``detail``) and what it refused (``problem``, e.g. "ENOSPC"), which
    the UI words itself when it knows it."""
    return {"kind": os_error_kind(err), "reason": os_error_reason(err, doing),
            "code": "os_" + DOINGS[doing], "params": {"detail": os_detail(err), "problem": os_problem(err)}}
