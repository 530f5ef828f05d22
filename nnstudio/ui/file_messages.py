"""Translated messages for the typed errors of the file layer and of exports.

The project layer raises :class:`~nnstudio.project.errors.FileFormatError` with a stable
``kind`` keyword and a plain-English ``reason``; here each kind becomes a translated headline
naming the file, followed by the details (field, line/column, the reason).
"""

from __future__ import annotations

import os

from PySide6.QtCore import QCoreApplication

from nnstudio.project import errors as E
from nnstudio.project.errors import FileFormatError, WeightsFileError

from .export import ExportError

CONTEXT = "FileMessages"


def tr(text: str) -> str:
    return QCoreApplication.translate(CONTEXT, text)


def _headlines() -> dict[str, str]:
    return {
        E.MISSING: tr("“{name}” does not exist."),
        E.DIRECTORY: tr("“{name}” is a folder, not a file."),
        E.PERMISSION: tr("You do not have permission to use “{name}”."),
        E.IO: tr("The operating system could not read or write “{name}”."),
        E.ENCODING: tr("“{name}” is not a text file in UTF-8."),
        E.SYNTAX: tr("“{name}” is damaged or not a valid file of this kind."),
        E.INVALID: tr("“{name}” contains a value nnstudio cannot use."),
        E.NEWER: tr("“{name}” was written by a newer version of nnstudio; please update nnstudio to open it."),
        E.NOT_NPZ: tr("“{name}” is not a weights file (.npz)."),
        E.PICKLE: tr("“{name}” holds Python objects; nnstudio refuses to load them because they could run code."),
        E.MISMATCH: tr("The weights in “{name}” do not fit this network."),
    }


def file_error_text(err: FileFormatError) -> str:
    """A translated, complete explanation of a file error: what, where and why."""
    name = os.path.basename(err.path.rstrip("/\\")) or err.path
    lines = [_headlines().get(err.kind, tr("“{name}” could not be used.")).format(name=name)]
    if isinstance(err, WeightsFileError) and err.parameter and err.expected is not None:
        lines.append(tr("Parameter {0}: the file has shape {1}, the network needs {2}.").format(
            err.parameter, tuple(err.got or ()), tuple(err.expected)))
    elif err.field:
        lines.append(tr("Entry: {0}").format(err.field))
    if err.line is not None:
        lines.append(tr("Line {0}, column {1}").format(err.line, err.column if err.column is not None else "?"))
    lines.append(tr("Details: {0}").format(err.reason))
    lines.append(tr("File: {0}").format(err.path))
    return "\n".join(lines)


def export_error_text(err: ExportError) -> str:
    """What failed and why; an earlier file of that name is never half-overwritten."""
    return "\n".join([tr("The export to “{0}” failed.").format(os.path.basename(err.path) or err.path),
                      tr("Details: {0}").format(err.reason),
                      tr("An earlier file of that name, if any, is unchanged.")])
