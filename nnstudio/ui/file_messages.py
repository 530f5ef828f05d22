"""Translated messages for the typed errors of the file layer and of exports.

The project layer raises :class:`~nnstudio.project.errors.FileFormatError` with a stable
``kind`` keyword, a ``code`` naming its reason (with ``params``) and a plain-English
``reason``; here each kind becomes a translated headline naming the file, followed by the
details (field, line/column, and the reason: the sentence file_reasons() has for its code,
the English one only for an error without a code).
"""

from __future__ import annotations

import os

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QFileDialog, QMessageBox

from nnstudio.engine.errors import SpecError
from nnstudio.project import errors as E
from nnstudio.project.errors import FileFormatError, WeightsFileError
from nnstudio.project.model import ProjectError

from .export import ExportError
from .messages import describe_error
from .os_words import os_problems

translate = QCoreApplication.translate    # lupdate reads translate("context", "text") calls


def _headlines() -> dict[str, str]:
    return {
        E.MISSING: translate("FileMessages", "“{name}” does not exist."),
        E.DIRECTORY: translate("FileMessages", "“{name}” is a folder, not a file."),
        E.PERMISSION: translate("FileMessages", "You do not have permission to use “{name}”."),
        E.IO: translate("FileMessages", "The operating system could not read or write “{name}”."),
        E.ENCODING: translate("FileMessages", "“{name}” is not a text file in UTF-8."),
        E.SYNTAX: translate("FileMessages", "“{name}” is damaged or not a valid file of this kind."),
        E.INVALID: translate("FileMessages", "“{name}” contains a value nnstudio cannot use."),
        E.NEWER: translate("FileMessages", "“{name}” was written by a newer version of nnstudio; please update nnstudio to open it."),
        E.NOT_NPZ: translate("FileMessages", "“{name}” is not a weights file (.npz)."),
        E.PICKLE: translate("FileMessages", "“{name}” holds Python objects; nnstudio refuses to load them because they could run code."),
        E.MISMATCH: translate("FileMessages", "The weights in “{name}” do not fit this network."),
    }


def file_error_text(err: FileFormatError) -> str:
    """A translated explanation of a file error: a headline (what), a blank line, then the
    details (which entry or parameter, where in the file, why, the full path)."""
    name = os.path.basename(err.path.rstrip("/\\")) or err.path
    if err.code == "no_folder":         # a save: the file is not there yet, its folder is missing
        headline = translate("FileMessages", "The folder for “{name}” does not exist.").format(name=name)
    else:
        headline = _headlines().get(err.kind, translate("FileMessages", "“{name}” could not be used.")).format(
            name=name)
    details = []
    if isinstance(err, WeightsFileError) and err.parameter and err.expected is not None:
        details.append(translate("FileMessages", "Parameter {0}: the file has shape {1}, the network needs {2}.")
                       .format(err.parameter, tuple(err.got or ()), tuple(err.expected)))
    else:
        if err.field:
            details.append(translate("FileMessages", "Entry: {0}").format(err.field))
        if err.line is not None and err.column is not None:
            details.append(translate("FileMessages", "Line {0}, column {1}").format(err.line, err.column))
        elif err.line is not None:          # a CSV row: the line is known, a column is not
            details.append(translate("FileMessages", "Line {0}").format(err.line))
        details.append(translate("FileMessages", "Why: {0}").format(file_reason(err)))
    details.append(translate("FileMessages", "File: {0}").format(err.path))
    return headline + "\n\n" + "\n".join(details)


def file_reasons() -> dict[str, str]:
    """The file layer's reasons (FileFormatError.code) as sentences, {name} from its params."""
    return {
        "is_folder": translate("FileMessages", "it is a folder, not a file"),
        "folder_not_file_name": translate("FileMessages", "it is a folder; choose a file name"),
        "too_large": translate("FileMessages", "it is {size} bytes, too large for this kind of file"),
        "no_such_file": translate("FileMessages", "there is no such file"),
        "no_folder": translate("FileMessages", "the folder {folder} does not exist"),
        "not_utf8": translate(
            "FileMessages", "it is not UTF-8 text (byte {byte} is {value}); a project file is JSON saved as UTF-8"),
        "empty_project": translate("FileMessages", "it is empty; a project file holds a JSON object"),
        "json_truncated": translate("FileMessages", "the JSON ends too early (a cut-off file?)"),
        "json_malformed": translate("FileMessages", "malformed JSON ({msg})"),
        "json_nested": translate("FileMessages", "malformed JSON: nested too deeply"),
        "newer_version": translate(
            "FileMessages", "it was written by a newer nnstudio (format version {version}); this one reads versions up to {newest}: please update nnstudio to open it"),  # noqa: E501
        "os_read": translate("FileMessages", "cannot read it: {detail}"),
        "os_write": translate("FileMessages", "cannot write it: {detail}"),
        "os_create_folder": translate("FileMessages", "cannot create the folder: {detail}"),
        "os_create_recovery_folder": translate("FileMessages", "cannot create the recovery folder: {detail}"),
        "os_remove_old": translate("FileMessages", "cannot remove the old file: {detail}"),
        "os_write_folder": translate("FileMessages", "cannot write into this folder: {detail}"),
        # weights .npz
        "pickle_file": translate(
            "FileMessages", "it is a pickle of Python objects, which nnstudio refuses to load (a pickle from a stranger can run code)"),  # noqa: E501
        "not_npz": translate("FileMessages", "it is not an .npz archive of arrays"),
        "npy_not_npz": translate("FileMessages", "it is a single .npy array, not an .npz archive"),
        "npz_objects": translate("FileMessages", "it holds Python objects (pickled data), which nnstudio refuses to load"),
        "npz_not_an_array": translate("FileMessages", "it holds “{member}”, which is not a NumPy array"),
        "npz_too_many_bytes": translate(
            "FileMessages", "its arrays claim {claimed} GiB (up to “{member}”), more than nnstudio reads ({limit} GiB)"),
        "npz_out_of_memory": translate("FileMessages", "its arrays are too large for this computer's memory"),
        "npz_damaged": translate("FileMessages", "it is damaged or cut off: the archive cannot be unpacked"),
        "npz_not_numbers": translate("FileMessages", "the array “{name}” holds {dtype} values, not numbers"),
        "npz_objects_not_saved": translate(
            "FileMessages", "the array “{member}” holds Python objects; only numeric arrays are saved"),
        "shape_mismatch": translate(
            "FileMessages", "parameter {parameter} has shape {got} in the file but {expected} in this network"),
        "npz_missing_parameter": translate(
            "FileMessages", "parameters of this network are missing from the file ({count}, the first: {parameter}); the weights belong to a different network"),  # noqa: E501
        "npz_extra_parameter": translate(
            "FileMessages", "{parameter} is not a parameter of this network; the weights belong to a different network"),
        # run-history CSV
        "csv_not_utf8": translate("FileMessages", "it is not UTF-8 text (byte {byte}); a run history is CSV saved as UTF-8"),
        "csv_empty": translate("FileMessages", "it is empty; the first line should name the columns"),
        "csv_columns": translate("FileMessages", "its columns are {columns}; expected {expected}"),
        "csv_values": translate("FileMessages", "this line has {count} values; expected {expected}"),
        "csv_not_number": translate("FileMessages", "column {column}: “{value}” is not a number"),
        "csv_not_integer": translate("FileMessages", "column {column}: “{value}” is not a whole number"),
        "csv_malformed": translate("FileMessages", "it is not a CSV table nnstudio can read"),
        # recovery files (and what a project inside one may hold)
        "recovery_not_utf8": translate(
            "FileMessages", "it is not UTF-8 text (byte {byte} is {value}); a recovery file is JSON saved as UTF-8"),
        "empty_recovery": translate("FileMessages", "it is empty; a recovery file holds a JSON object"),
        "not_recovery_file": translate("FileMessages", "it is not an nnstudio recovery file"),
        "recovery_no_project": translate("FileMessages", "it holds no project"),
        "recovery_bad_version": translate(
            "FileMessages", "it names no recovery format version nnstudio knows (it says {value})"),
        "recovery_newer": translate(
            "FileMessages", "it was written by a newer nnstudio (recovery format version {version}); this one reads versions up to {newest}"),  # noqa: E501
        "json_huge_number": translate("FileMessages", "malformed JSON: a number with thousands of digits"),
        "text_nul": translate("FileMessages", "it holds a NUL character, which no file name or label may hold"),
        "text_surrogate": translate(
            "FileMessages", "it holds an unpaired surrogate ({char}), which is not text a file can be saved with"),
        "unexpected_value": translate(
            "FileMessages", "it holds a value of a type nnstudio does not expect there (for example a list where a number belongs)"),  # noqa: E501
    }


def json_problems() -> dict[str, str]:
    """Python's JSON error messages (json.JSONDecodeError.msg) in the learner's words."""
    return {
        "Expecting ',' delimiter": translate("FileMessages", "a comma is missing"),
        "Expecting ':' delimiter": translate("FileMessages", "a colon is missing"),
        "Expecting value": translate("FileMessages", "a value is missing"),
        "Expecting property name enclosed in double quotes":
            translate("FileMessages", "a name in double quotes is expected (a comma too many?)"),
        "Extra data": translate("FileMessages", "there is more after the end of the JSON"),
        "Invalid control character at": translate("FileMessages", "a line break or tab inside a text"),
        "Invalid \\escape": translate("FileMessages", "a backslash that starts no escape"),
    }


def file_reason(err: FileFormatError) -> str:
    """The reason in the learner's language: from the typed error the project layer raised it
    ``from`` (a SpecError / ProjectError), or from its code; else the layer's own words. (The
    operating system's part, e.g. "no space left on device", is worded here when its problem
    is a common one, else left in the system's words.)"""
    cause = err.__cause__
    if isinstance(cause, (SpecError, ProjectError)):
        return describe_error(cause)
    template = file_reasons().get(err.code or "")
    if template is not None:
        params = dict(err.params)
        if err.code == "json_malformed":     # Python's own words for the commonest mistakes
            params["msg"] = json_problems().get(params.get("msg", ""), params.get("msg", ""))
        problem = os_problems().get(params.get("problem") or "")
        if problem is not None:             # the system's refusal in the learner's words
            params["detail"] = problem
        try:
            return template.format(**params)
        except (KeyError, IndexError, ValueError):      # a translation naming another field
            pass
    return err.reason


def export_error_text(err: ExportError) -> str:
    """What failed and why; an earlier file of that name is never half-overwritten."""
    name = os.path.basename(err.path.rstrip("/\\")) or err.path
    return "\n\n".join([translate("FileMessages", "The export to “{0}” failed.").format(name),
                         "\n".join([translate("FileMessages", "Why: {0}").format(err.reason),
                                    translate("FileMessages", "An earlier file of that name, if any, is unchanged.")])])


def ask_save_path(parent, caption: str, filt: str, suffix: str) -> str | None:
    """A file name from the save dialog, with ``suffix`` added where the learner left it out;
    None when the dialog was cancelled."""
    path, _ = QFileDialog.getSaveFileName(parent, caption, "", filt)
    if not path:
        return None
    return path if path.lower().endswith(suffix) else path + suffix


def show_message(parent, icon, title: str, text: str) -> None:
    """A message box whose first paragraph is the headline and the rest the details."""
    headline, _, details = text.partition("\n\n")
    box = QMessageBox(icon, title, headline, QMessageBox.StandardButton.Ok, parent)
    if details:
        box.setInformativeText(details)
    box.exec()
