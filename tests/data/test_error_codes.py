"""DataError codes: every rejection of the data layer says what kind of problem it is
(``code`` + ``details``), so the UI can say it in the learner's language, while str() —
what the command line prints — stays the English sentence it always was."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nnstudio.data import (ChecksumError, DataError, DataFileError, ExpressionError, OptionError, load,
                           parse_expression)
from code_scan import code_literals
from nnstudio.data.errors import DATA_ERROR_CODES

DATA = Path(__file__).resolve().parents[2] / "nnstudio" / "data"


def rejection(fn, *args, kind=DataError, **kwargs) -> DataError:
    with pytest.raises(kind) as info:
        fn(*args, **kwargs)
    return info.value


def test_a_value_out_of_range_carries_its_bounds_and_keeps_its_message():
    e = rejection(load, {"name": "iris", "test_ratio": 1.5}, kind=OptionError)
    assert (e.code, e.option, e.dataset, e.value, e.low, e.high, e.high_open) == (
        "option_out_of_range", "test_ratio", "iris", 1.5, 0.0, 1.0, True)
    assert str(e) == "data set 'iris': option 'test_ratio' must be in [0, 1), not 1.5"


def test_option_kinds_each_have_their_code():
    assert rejection(load, {"name": "circle", "points": 2.5}).code == "option_not_integer"
    assert rejection(load, {"name": "circle", "noise": "lots"}).code == "option_not_number"
    assert rejection(load, {"name": "mnist", "flatten": 1}).code == "option_not_bool"
    e = rejection(load, {"name": "iris", "normalize": "zscore"})
    assert (e.code, e.value, e.choices) == ("option_unknown_choice", "zscore", ("none", "minmax", "standardize"))
    assert str(e) == ("data set 'iris': option 'normalize' must be one of 'none', 'minmax', 'standardize', "
                      "not 'zscore'")
    e = rejection(load, {"name": "plane", "weights": [1.0]})
    assert (e.code, e.length) == ("option_not_numbers", 2)
    assert rejection(load, {"name": "function", "range": [3, 1]}).code == "option_empty_range"
    assert rejection(load, {"name": "iris", "seed": None}).code == "option_not_set"


def test_entry_level_codes():
    e = rejection(load, {"name": "iris", "tests": 1, "sed": 2})
    assert (e.code, e.option, e.options, e.dataset) == ("unknown_option", "tests", ("tests", "sed"), "iris")
    assert "seed" in e.known
    e = rejection(load, {"name": "irises"})
    assert (e.code, e.value) == ("unknown_dataset", "irises") and "iris" in e.known
    assert str(e).startswith("unknown data set 'irises'; known: mnist, iris")
    assert rejection(load, {"seed": 1}).code == "entry_no_name"
    assert (rejection(load, [1]).code, rejection(load, [1]).type) == ("entry_not_object", "list")
    e = rejection(load, {"name": "csv"})
    assert (e.code, e.option) == ("option_required", "path")


def test_a_bad_csv_line_names_path_line_column_and_value(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b,label\n1,2,x\n3,oops,y\n", encoding="utf-8")
    e = rejection(load, {"name": "csv", "path": str(path)}, kind=DataFileError)
    assert (e.code, e.path, e.line, e.column, e.value) == ("not_a_number", str(path), 3, "1 ('b')", "oops")
    assert str(e) == f"{path}, line 3: column 1 ('b'): 'oops' is not a number"
    path.write_text("a,b,label\n1,2,x\n3,4\n", encoding="utf-8")
    e = rejection(load, {"name": "csv", "path": str(path)}, kind=DataFileError)
    assert (e.code, e.line, e.expected, e.found, e.first_line) == ("field_count", 3, 3, 2, 1)
    path.write_text("a,b,label\n1,,x\n3,4,y\n", encoding="utf-8")
    e = rejection(load, {"name": "csv", "path": str(path)}, kind=DataFileError)
    assert (e.code, e.line, e.value) == ("missing_value", 2, "")


def test_csv_columns_and_classes(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b,label\n1,2,x\n3,4,y\n", encoding="utf-8")
    e = rejection(load, {"name": "csv", "path": str(path), "label": "lable"}, kind=OptionError)
    assert (e.code, e.option, e.column, e.columns) == ("no_such_column", "label", "lable", ("a", "b", "label"))
    e = rejection(load, {"name": "csv", "path": str(path), "label": 5}, kind=OptionError)
    assert (e.code, e.index, e.count) == ("column_out_of_range", 5, 3)
    path.write_text("a,b,label\n1,2,x\n3,4,x\n", encoding="utf-8")
    e = rejection(load, {"name": "csv", "path": str(path)}, kind=DataFileError)
    assert (e.code, e.value) == ("single_class", "x")
    e = rejection(load, {"name": "csv", "path": str(tmp_path / "nope.csv")}, kind=DataFileError)
    assert (e.code, e.line) == ("file_not_found", None)


def test_idx_and_image_codes(tmp_path, idx_pair, write_idx):
    bad = tmp_path / "bad.idx"
    bad.write_bytes(b"\x01\x02\x03\x04\x05")
    e = rejection(load, {"name": "idx", "images": str(bad), "labels": str(bad)}, kind=DataFileError)
    assert (e.code, e.magic) == ("not_idx", "01020304")
    images, labels, _, _ = idx_pair()
    e = rejection(load, {"name": "idx", "images": str(images), "labels": str(labels), "train_size": 10**6})
    assert (e.code, e.option, e.value, e.available) == ("size_too_large", "train_size", 10**6, 24)
    short = write_idx("short-labels.idx", np.zeros(5, np.uint8))
    e = rejection(load, {"name": "idx", "images": str(images), "labels": str(short)}, kind=DataFileError)
    assert (e.code, e.labels, e.images, e.path) == ("count_mismatch", 5, 30, str(short))


def test_function_expressions_name_the_position():
    e = rejection(parse_expression, "sin(x", kind=ExpressionError)
    assert (e.code, e.opening, e.position) == ("expr_unclosed", 3, 5)
    assert str(e) == "missing ')' for the '(' at position 3 at position 5"
    e = rejection(parse_expression, "2 * foo(x)", kind=ExpressionError)
    assert (e.code, e.name, e.position) == ("expr_unknown_name", "foo", 4) and "sin" in e.allowed
    assert rejection(parse_expression, "x $ 2").code == "expr_bad_character"
    assert rejection(parse_expression, "").code == "expr_empty"
    e = rejection(load, {"name": "function", "expression": "log(x)", "range": [-1, 1]}, kind=OptionError)
    assert (e.code, e.option, e.expression) == ("function_undefined", "expression", "log(x)")


def test_checksum_error_has_its_code_by_default():
    e = ChecksumError("a.gz", "00", "11")
    assert (e.code, dict(e.details)) == ("checksum", {"filename": "a.gz", "expected": "00", "actual": "11"})
    assert str(e) == "a.gz: checksum mismatch (md5 11, expected 00); the file was not kept"


def test_an_unknown_code_is_a_programming_error_and_uncoded_errors_stay_valid():
    with pytest.raises(ValueError, match="unknown DataError code"):
        DataError("x", code="no_such_code")
    assert DataError("x").code == "invalid" and str(DataError("x")) == "x"
    e = DataFileError("f.csv", "odd", 3)
    assert (e.code, str(e)) == ("invalid", "f.csv, line 3: odd")
    with pytest.raises(AttributeError):
        e.no_such_detail     # noqa: B018 - details are attributes, unknown names are not


def _raised_codes() -> set[str]:
    """Every code= literal passed to a call anywhere in nnstudio/data."""
    return code_literals(DATA.rglob("*.py"))


def test_every_raised_code_is_declared_and_every_declared_code_is_raised():
    raised = _raised_codes()
    assert raised <= set(DATA_ERROR_CODES), raised - set(DATA_ERROR_CODES)
    # "invalid" is DataError's default, "checksum" ChecksumError's
    declared = set(DATA_ERROR_CODES) - {"invalid", "checksum"}
    assert declared <= raised, declared - raised
