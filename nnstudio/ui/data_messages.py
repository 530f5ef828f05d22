"""Translated sentences for the data layer's and the project model's typed errors.

A :class:`~nnstudio.data.errors.DataError` and a
:class:`~nnstudio.project.model.ProjectError` carry a ``code`` and the ``details`` a sentence
needs; here each code becomes one plain sentence (a literal inside ``translate("messages",
...)``, with ``%(name)s`` placeholders a translator may reorder). File errors keep their
path and line in front ("/home/me/t.csv, line 3: ..."), expression errors the expression
and the position. :func:`data_error_text` / :func:`project_error_text` return None for an
error without a sentence (an uncoded one), and the caller shows ``str(err)``.
"""

from __future__ import annotations

import math
import os

from PySide6.QtCore import QCoreApplication

from nnstudio.ui.labels import dataset_option_title
from nnstudio.ui.messages import _number, _range_words, _show

translate = QCoreApplication.translate


def _option_sentences() -> dict[str, str]:
    """The ``dataset`` entry and its options (OptionError; the panel shows the option)."""
    return {
        "entry_not_object": translate("messages", "The data set entry must be a group of settings with a "
                                                  "\"name\" (a JSON object), not %(type)s."),
        "entry_no_name": translate("messages", "The data set entry does not say which data set to use "
                                               "(its \"name\" is missing)."),
        "unknown_dataset": translate("messages", "There is no data set called %(value)s; the data sets are: "
                                                 "%(known)s."),
        "unknown_option": translate("messages", "The data set %(dataset)s has no option %(options)s "
                                                "(a typing mistake?); its options are: %(known)s."),
        "option_required": translate("messages", "The option “%(option)s” of the data set %(dataset)s is "
                                                 "required; please fill it in."),
        "option_not_set": translate("messages", "The option “%(option)s” needs a value."),
        "option_not_integer": translate("messages", "The option “%(option)s” must be a whole number — the "
                                                    "project has %(value)s."),
        "option_not_number": translate("messages", "The option “%(option)s” must be a number — the project "
                                                   "has %(value)s."),
        "option_not_bool": translate("messages", "The option “%(option)s” must be true or false — the project "
                                                 "has %(value)s."),
        "option_unknown_choice": translate("messages", "%(value)s is not a choice for the option “%(option)s”; "
                                                       "choose one of: %(choices)s."),
        "option_not_text": translate("messages", "The option “%(option)s” must be text — the project has "
                                                 "%(value)s."),
        "option_not_path": translate("messages", "The option “%(option)s” must be a file path — the project "
                                                 "has %(value)s."),
        "option_not_numbers": translate("messages", "The option “%(option)s” must be a list of %(length)s "
                                                    "numbers — the project has %(value)s."),
        "option_empty_range": translate("messages", "The option “%(option)s” must be a range [low, high] with "
                                                    "low below high — the project has %(value)s."),
        "option_not_column": translate("messages", "The option “%(option)s” must be a column name or a column "
                                                   "number counted from 0 — the project has %(value)s."),
        "option_no_columns": translate("messages", "The option “%(option)s” needs at least one column."),
        "option_not_columns": translate("messages", "The option “%(option)s” must be a list of column names or "
                                                    "numbers — the project has %(value)s."),
        "option_not_strings": translate("messages", "The option “%(option)s” must be a list of names (text) — "
                                                    "the project has %(value)s."),
        "option_out_of_range": translate("messages", "The option “%(option)s” must be %(range)s — the project "
                                                     "has %(value)s."),
        "column_needs_header": translate("messages", "The option “%(option)s” names the column %(column)s, but "
                                                     "the file has no header line with column names; give the "
                                                     "column's number (counted from 0) instead."),
        "no_such_column": translate("messages", "The option “%(option)s”: the file has no column named "
                                                "“%(column)s”; its columns are: %(columns)s."),
        "column_out_of_range": translate("messages", "The option “%(option)s”: there is no column %(index)s — "
                                                     "the file has %(count)s columns (0 to %(last)s, or -1 for "
                                                     "the last)."),
        "one_label_column": translate("messages", "Classification takes exactly one label column; choose one "
                                                  "in the option “%(option)s”, or choose regression."),
        "no_feature_columns": translate("messages", "No feature columns are left besides the label column and "
                                                    "the ignored columns."),
        "no_training_samples": translate("messages", "No training samples are left after the test and "
                                                     "validation splits; lower the option “%(option)s”."),
        "size_too_large": translate("messages", "The option “%(option)s” asks for %(value)s samples, but only "
                                                "%(available)s are there."),
        "too_few_class_names": translate("messages", "The class names given are too few (%(given)s): the "
                                                     "labels go up to %(highest)s, so %(needed)s names are needed."),
        "test_pair_incomplete": translate("messages", "Give both test files (test images and test labels) or "
                                                      "neither; “%(option)s” is missing."),
        "function_undefined": translate("messages", "The function %(expression)s is not defined at x = %(x)s; "
                                                    "choose a range where it is."),
        "function_too_large": translate("messages", "The function %(expression)s becomes too large on this "
                                                    "range for 32-bit numbers; choose a smaller range."),
        "out_of_memory": translate("messages", "There is not enough memory to load the data set %(dataset)s."),
    }


def _file_sentences() -> dict[str, str]:
    """What is wrong in a file (DataFileError); the path and line come in front."""
    return {
        "file_not_found": translate("messages", "the file does not exist."),
        "resource_missing": translate("messages", "a file that comes with nnstudio is missing; the "
                                                  "installation may be incomplete."),
        "is_folder": translate("messages", "this is a folder, not a file."),
        "unreadable": translate("messages", "the file cannot be read (%(detail)s)."),
        "file_empty": translate("messages", "the file is empty."),
        "too_large": translate("messages", "the file is too large to load: its %(size)s of text need about "
                                           "%(needed)s of memory, but only %(available)s are available."),
        "not_utf8": translate("messages", "this is not UTF-8 text (byte %(byte)s of a line cannot be read); "
                                          "is it really a CSV file?"),
        "truncated_gzip": translate("messages", "the compressed (gzip) file is cut off before its end."),
        "corrupt_gzip": translate("messages", "the compressed (gzip) data is damaged (%(detail)s)."),
        "malformed_csv": translate("messages", "this line is not valid CSV (%(detail)s)."),
        "unclosed_quote": translate("messages", "a quote (\") opened on line %(opened)s is never closed, so "
                                                "the rest of the file would be one value."),
        "single_column": translate("messages", "only one column was found; a data set needs at least one "
                                               "feature column and a label column, separated by commas, "
                                               "semicolons, |, tabs or spaces."),
        "too_few_columns": translate("messages", "a data set needs at least one feature column and a label "
                                                 "column."),
        "field_count": translate("messages", "%(expected)s fields were expected (as on line %(first_line)s), "
                                             "but there are %(found)s."),
        "missing_value": translate("messages", "column %(column)s: a value is missing (%(value)s); fill it in "
                                               "or remove the row."),
        "not_a_number": translate("messages", "column %(column)s: %(value)s is not a number."),
        "not_finite": translate("messages", "column %(column)s: %(value)s is not a finite number."),
        "missing_label": translate("messages", "column %(column)s: the label is missing."),
        "header_only": translate("messages", "the file has a header line but no data rows."),
        "label_not_integer": translate("messages", "the label %(value)s is not a whole-number class (for "
                                                   "numbers to predict, choose the task regression)."),
        "too_many_classes": translate("messages", "the label column holds %(count)s different values; is it "
                                                  "the right column, or is this a regression task?"),
        "single_class": translate("messages", "the label column holds a single class (%(value)s); "
                                              "classification needs at least two."),
        "idx_too_short": translate("messages", "the file is too short for an IDX file (%(size)s bytes)."),
        "not_idx": translate("messages", "this is not an IDX file (it starts with 0x%(magic)s)."),
        "idx_no_dimensions": translate("messages", "the IDX header declares 0 dimensions."),
        "idx_truncated_header": translate("messages", "the IDX header is cut off (%(size)s bytes; %(needed)s "
                                                      "are needed for %(dimensions)s dimensions)."),
        "idx_truncated": translate("messages", "the file is cut off: its header announces %(shape)s values of "
                                               "type %(dtype)s (%(expected)s bytes), but only %(found)s bytes "
                                               "follow."),
        "idx_extra_bytes": translate("messages", "%(extra)s unexpected bytes follow the %(shape)s values the "
                                                 "header announces."),
        "labels_single_class": translate("messages", "every label in it is %(value)s: a single class, and "
                                                     "classification needs at least two."),
        "idx_not_finite": translate("messages", "%(count)s of its values are not finite numbers (NaN or "
                                                "infinity), the first at index %(index)s."),
        "images_one_dimensional": translate("messages", "it holds a list of %(count)s values, not images; an "
                                                        "images file has at least 2 dimensions (the count, "
                                                        "then the size of each image)."),
        "labels_not_one_dimensional": translate("messages", "it holds an array of shape %(shape)s; a labels "
                                                            "file has 1 dimension."),
        "labels_not_integer": translate("messages", "the labels must be whole numbers, not %(dtype)s."),
        "count_mismatch": translate("messages", "it holds %(labels)s labels, but %(images_path)s holds "
                                                "%(images)s images."),
        "no_samples": translate("messages", "it holds no samples."),
        "negative_label": translate("messages", "it has a negative label (%(value)s)."),
        "test_shape_mismatch": translate("messages", "its samples have shape %(shape)s, but those of "
                                                     "%(train_path)s have shape %(train_shape)s."),
        "not_downloaded": translate("messages", "%(title)s is not downloaded here; download it first."),
        "malformed_table": translate("messages", "the table is damaged (%(detail)s)."),
        "column_count": translate("messages", "the table has %(found)s columns; %(expected)s were expected."),
        "bad_table_header": translate("messages", "the first line must be: number of samples, number of "
                                                  "features, class names."),
        "sample_count": translate("messages", "the table holds %(found)s samples, but its first line says "
                                              "%(expected)s."),
        "bad_class_labels": translate("messages", "the class labels must be whole numbers of 0 or more."),
        "label_without_name": translate("messages", "the label %(value)s has no class name."),
    }


def _expression_sentences() -> dict[str, str]:
    """What is wrong in a function expression; the expression and position come in front."""
    return {
        "expr_not_text": translate("messages", "the expression must be text."),
        "expr_too_long": translate("messages", "the expression is longer than %(limit)s characters."),
        "expr_empty": translate("messages", "the expression is empty."),
        "expr_number_too_large": translate("messages", "the number %(number)s is too large."),
        "expr_bad_character": translate("messages", "the character %(character)s is not allowed here."),
        "expr_unmatched_close": translate("messages", "there is a ')' without a matching '('."),
        "expr_operator_missing": translate("messages", "an operator (+ - * / ^) is missing before %(found)s."),
        "expr_unexpected": translate("messages", "%(found)s is not expected here."),
        "expr_too_deep": translate("messages", "the expression is nested too deeply."),
        "expr_ends_early": translate("messages", "the expression ends too early."),
        "expr_operand_missing": translate("messages", "a number, x, a function or '(' is missing before "
                                                      "%(found)s."),
        "expr_call_needs_paren": translate("messages", "the function %(function)s needs its argument in "
                                                       "parentheses: %(function)s(…)."),
        "expr_unknown_name": translate("messages", "%(name)s is not a known name; allowed are: %(allowed)s."),
        "expr_unclosed": translate("messages", "the '(' at position %(opening)s is never closed."),
        "expr_close_missing": translate("messages", "a ')' is expected here, but there is %(found)s."),
    }


def _download_sentences() -> dict[str, str]:
    return {
        "unknown_download": translate("messages", "There is no downloadable data set called %(name)s; the "
                                                  "downloadable ones are: %(known)s."),
        "bad_address": translate("messages", "The download address must start with http:// or https://, not "
                                             "%(url)s."),
        "cannot_create_folder": translate("messages", "The folder %(folder)s cannot be created (%(detail)s)."),
        "http_error": translate("messages", "%(url)s: the server answered with HTTP error %(status)s "
                                            "(%(reason)s)."),
        "cannot_connect": translate("messages", "%(url)s: cannot connect (%(reason)s)."),
        "interrupted": translate("messages", "%(url)s: the transfer was interrupted after %(received)s of "
                                             "%(total)s bytes."),
        "interrupted:unknown": translate("messages", "%(url)s: the transfer was interrupted after %(received)s "
                                                     "bytes."),
        "transfer_failed": translate("messages", "%(url)s: the transfer failed (%(detail)s)."),
        "checksum": translate("messages", "The file %(filename)s did not arrive intact: its MD5 checksum is "
                                          "%(actual)s but should be %(expected)s. It was not kept."),
    }


def _project_sentences() -> dict[str, str]:
    return {
        "not_object": translate("messages", "A project file holds a group of settings (a JSON object) at its "
                                            "top level."),
        "wrong_format": translate("messages", "This is not an nnstudio project: its \"format\" is %(value)s "
                                              "instead of %(expected)s."),
        "bad_version": translate("messages", "The project's \"version\" must be a whole number from 0 up — the "
                                             "file has %(value)s."),
        "newer_version": translate("messages", "The project was written by a newer nnstudio (format version "
                                               "%(version)s); this one reads versions up to %(supported)s. "
                                               "Please update nnstudio to open it."),
        "unknown_key": translate("messages", "The project has an unknown part %(key)s (a typing mistake?); "
                                             "the known parts are: %(known)s."),
        "missing_key": translate("messages", "The project has no %(key)s part."),
        "not_an_object": translate("messages", "The project's %(key)s part must be a group of settings (a JSON "
                                               "object)."),
        "dataset_no_name": translate("messages", "The project's data set entry does not name a data set."),
    }


# ---------------------------------------------------------------------------- values
def _text(value) -> str:
    """A detail as the file or the project spells it: text quoted, numbers plain."""
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if isinstance(value, float) and math.isfinite(value):
        return f"{value:g}"
    return _show(value)


def _names(values) -> str:
    return ", ".join(str(v) for v in values)


def _option_range(d) -> str:
    low, high = d.get("low"), d.get("high")
    if low is None and high is None:
        return translate("messages", "any number")
    if low is None:
        words = (translate("messages", "less than %(high)s") if d.get("high_open")
                 else translate("messages", "at most %(high)s"))
        return words % {"high": _number(high)}
    return _range_words({"low": low, "high": math.inf if high is None else high,
                         "low_open": False, "high_open": bool(d.get("high_open"))})


# details shown as they are (paths, the operating system's words, sizes as text); any
# other text is quoted the way a project file spells it
_PLAIN = {"column", "detail", "reason", "url", "folder", "images_path", "train_path", "title", "dtype",
          "magic", "type", "filename", "shape", "size", "needed", "available", "allowed", "function",
          "actual"}


def _values(err, d: dict) -> dict:
    """The placeholders' values, each formatted for a sentence."""
    values = {}
    for key, value in d.items():
        if key in ("shape", "train_shape") and isinstance(value, tuple):
            values[key] = "×".join(map(str, value)) if value else "()"
        elif key == "known":
            values[key] = _names(value)
        elif key in ("choices", "columns", "options"):
            values[key] = ", ".join(_text(v) for v in value)
        elif key in _PLAIN and isinstance(value, str):
            values[key] = value
        else:
            values[key] = _text(value)
    if err.code == "checksum":
        values["expected"] = str(d.get("expected", ""))
    if err.code == "missing_value" and d.get("value") == "":
        values["value"] = translate("messages", "an empty field")
    if "low" in d or "high" in d:
        values["range"] = _option_range(d)
    if isinstance(d.get("count"), int):
        values["last"] = str(d["count"] - 1)
    if isinstance(d.get("highest"), int):
        values["needed"] = str(d["highest"] + 1)
    values["option"] = dataset_option_title(d.get("missing") or getattr(err, "option", None) or "")
    return values


# ---------------------------------------------------------------------------- sentences
def _fill(template: str | None, err, d: dict) -> str | None:
    """The template filled with the error's details; None without a template or when the
    details have an unexpected form (the caller then shows the error's own words)."""
    if template is None:
        return None
    try:
        return template % _values(err, d)
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def data_error_text(err) -> str | None:
    """The translated sentence for a DataError; None for an error without one."""
    from nnstudio.data.errors import DataFileError, ExpressionError
    code = err.code
    d = dict(err.details)
    if isinstance(err, DataFileError):
        body = _fill(_file_sentences().get(code), err, d)
        if body is None:
            return None
        if err.line is None:
            return translate("messages", "%(file)s: %(problem)s") % {"file": err.path, "problem": body}
        return translate("messages", "%(file)s, line %(line)s: %(problem)s") % {
            "file": err.path, "line": err.line, "problem": body}
    if isinstance(err, ExpressionError):
        body = _fill(_expression_sentences().get(code), err, d)
        if body is None:
            return None
        return translate("messages", "In the expression %(expression)s at position %(position)s: %(problem)s") % {
            "expression": _show(err.expression), "position": err.position, "problem": body}
    if code == "interrupted" and d.get("total") is None:
        code = "interrupted:unknown"
    return _fill({**_option_sentences(), **_download_sentences()}.get(code), err, d)


def project_error_text(err) -> str | None:
    """The translated sentence for a ProjectError; None for an error without one."""
    return _fill(_project_sentences().get(err.code), err, dict(err.details))
