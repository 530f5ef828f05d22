"""Plain-word messages for the data layer's and the project model's typed errors: one
sentence per DataError / ProjectError code, path, line and position kept, str() for an
uncoded error, and the same sentences in Japanese once the translation is loaded."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QCoreApplication

from nnstudio.data import (ChecksumError, DataError, DataFileError, DownloadError, ExpressionError, OptionError,
                           load, parse_expression)
from nnstudio.data.errors import DATA_ERROR_CODES
from nnstudio.project.model import PROJECT_ERROR_CODES, Project, ProjectError, default_project
from nnstudio.ui import data_messages
from nnstudio.ui.messages import describe_error
from language_fixtures import japanese  # noqa: F401 - fixture

# a plausible value for each detail an error of some code carries
SAMPLE_DETAILS = {
    "type": "list", "value": 7, "known": ("iris", "mnist"), "dataset": "iris", "options": ("tst",),
    "choices": ("none", "minmax"), "length": 2, "low": 0.0, "high": 1.0, "high_open": True,
    "column": "1 ('b')", "columns": ("a", "b"), "index": 5, "count": 3, "available": 24, "given": 2,
    "highest": 4, "missing": "test_labels", "expression": "log(x)", "x": -0.5, "detail": "Permission denied",
    "size": "12 MB", "needed": "60 MB", "byte": 17, "expected": 3, "found": 2, "first_line": 1,
    "magic": "01020304", "dimensions": 3, "shape": (28, 28), "dtype": "float32", "extra": 4, "labels": 5,
    "images": 30, "images_path": "/d/train-images", "train_path": "/d/train-images", "train_shape": (28, 28),
    "title": "Fashion-MNIST", "name": "foo", "limit": 500, "number": "1e999", "character": "$",
    "function": "sin", "allowed": "x, pi, e, sin", "opening": 3, "opened": 2, "url": "http://example.org/a.gz",
    "status": 404, "reason": "Not Found", "received": 10, "total": 100, "folder": "/d", "filename": "a.gz",
    "actual": "11", "version": 9, "supported": 1, "key": "netwrok",
}


@pytest.fixture(autouse=True)
def app(qapp):
    return qapp


def kind_of(code: str):
    if code in data_messages._file_sentences():
        return DataFileError
    if code in data_messages._expression_sentences():
        return ExpressionError
    if code == "checksum":
        return ChecksumError
    if code in data_messages._download_sentences():
        return DownloadError
    return OptionError


def sample_error(code: str) -> DataError:
    details = {k: SAMPLE_DETAILS[k] for k in DATA_ERROR_CODES[code]}
    kind = kind_of(code)
    if kind is DataFileError:
        return DataFileError("/data/t.csv", "English reason", 3, code=code, **details)
    if kind is ExpressionError:
        return ExpressionError("English reason", "2 $ x", 2, code=code, **details)
    if kind is ChecksumError:
        return ChecksumError("a.gz", "00", "11")
    if kind is DownloadError:
        return DownloadError("English reason", code=code, **details)
    return OptionError("English reason", "test_ratio", code=code, **details)


@pytest.mark.parametrize("code", sorted(set(DATA_ERROR_CODES) - {"invalid"}))
def test_every_data_code_has_its_own_sentence(code):
    err = sample_error(code)
    text = describe_error(err)
    assert text != str(err) and "English reason" not in text
    assert "%(" not in text and text.endswith((".", "?"))
    if isinstance(err, DataFileError):
        assert text.startswith("/data/t.csv, line 3: ")
    if isinstance(err, ExpressionError):
        assert text.startswith('In the expression "2 $ x" at position 2: ')


def test_each_code_has_exactly_one_sentence_table():
    tables = [data_messages._option_sentences(), data_messages._file_sentences(),
              data_messages._expression_sentences(), data_messages._download_sentences()]
    for code in set(DATA_ERROR_CODES) - {"invalid"}:
        assert sum(code in t for t in tables) == 1, code
    assert set().union(*tables) - {"interrupted:unknown"} <= set(DATA_ERROR_CODES)


@pytest.mark.parametrize("code", sorted(set(PROJECT_ERROR_CODES) - {"invalid"}))
def test_every_project_code_has_its_own_sentence(code):
    err = ProjectError("field", "English reason", code=code,
                       **{k: SAMPLE_DETAILS[k] for k in PROJECT_ERROR_CODES[code]})
    text = describe_error(err)
    assert "English reason" not in text and "%(" not in text and text.endswith(".")


def test_uncoded_errors_and_unexpected_details_fall_back_to_their_own_words():
    assert describe_error(DataError("one_hot: labels must be integers")) == "one_hot: labels must be integers"
    odd = OptionError("English reason", "seed", code="option_not_numbers")       # no length given
    assert describe_error(odd) == "English reason"
    odd = OptionError("English reason", "normalize", code="option_unknown_choice", dataset="iris", value="z",
                      choices=None)                                                 # not a list
    assert describe_error(odd) == "English reason"
    odd = OptionError("English reason", "seed", code="option_out_of_range", dataset="iris", value=-1, low=0,
                      high="many", high_open=False)
    assert describe_error(odd) == "English reason"
    assert describe_error(ProjectError("x", "y")) == "x: y"


def test_a_bad_csv_line_keeps_path_line_column_and_value(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b,label\n1,2,x\n3,oops,y\n", encoding="utf-8")
    with pytest.raises(DataFileError) as info:
        load({"name": "csv", "path": str(path)})
    assert describe_error(info.value) == f"{path}, line 3: column 1 ('b'): \"oops\" is not a number."
    path.write_text("a,b,label\n1,,x\n3,4,y\n", encoding="utf-8")
    with pytest.raises(DataFileError) as info:
        load({"name": "csv", "path": str(path)})
    assert describe_error(info.value) == (f"{path}, line 2: column 1 ('b'): a value is missing (an empty field); "
                                          "fill it in or remove the row.")


def test_option_sentences_use_the_panels_option_titles():
    with pytest.raises(OptionError) as info:
        load({"name": "iris", "test_ratio": 1.5})
    assert describe_error(info.value) == ("The option “test ratio” must be at least 0 and less than 1 "
                                          "— the project has 1.5.")
    with pytest.raises(OptionError) as info:
        load({"name": "mnist", "train_size": 0})
    assert describe_error(info.value) == "The option “train size” must be between 1 and 60000 — the project has 0."
    with pytest.raises(OptionError) as info:
        load({"name": "iris", "normalize": "zscore"})
    assert describe_error(info.value) == ('"zscore" is not a choice for the option “normalize”; choose one of: '
                                          '"none", "minmax", "standardize".')


def test_expression_sentences_keep_the_position():
    with pytest.raises(ExpressionError) as info:
        parse_expression("sin(x")
    assert describe_error(info.value) == ("In the expression \"sin(x\" at position 5: the '(' at position 3 is "
                                          "never closed.")
    with pytest.raises(ExpressionError) as info:
        parse_expression("x + foo")
    assert describe_error(info.value).startswith('In the expression "x + foo" at position 4: "foo" is not a known '
                                                 'name; allowed are: x, pi, e, ')


def test_project_sentences():
    doc = default_project().to_dict()
    doc["netwrok"] = {}
    with pytest.raises(ProjectError) as info:
        Project.from_dict(doc)
    assert describe_error(info.value) == ('The project has an unknown part "netwrok" (a typing mistake?); the known '
                                          'parts are: dataset, format, network, optimizer, training, version.')


def test_a_project_file_error_words_its_reason_from_the_typed_cause(tmp_path):
    from nnstudio.project.files import load_project
    from nnstudio.ui.file_messages import file_error_text
    doc = default_project().to_dict()
    doc["format"] = "other"
    path = tmp_path / "p.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ValueError) as info:
        load_project(path)
    text = file_error_text(info.value)
    assert 'Why: This is not an nnstudio project: its "format" is "other" instead of "nnstudio-project".' in text
    assert f"File: {path}" in text and "Entry: format" in text


def test_data_and_project_errors_in_japanese(japanese, tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b,label\n1,2,x\n3,oops,y\n", encoding="utf-8")
    with pytest.raises(DataFileError) as info:
        load({"name": "csv", "path": str(path)})
    text = describe_error(info.value)
    assert text == f"{path}、3行目：列 1 ('b')：\"oops\" は数値ではありません。"
    with pytest.raises(OptionError) as info:
        load({"name": "iris", "test_ratio": 1.5})
    assert describe_error(info.value) == "オプション「テスト割合」は0以上1未満にしてください（プロジェクトの値：1.5）。"
    doc = default_project().to_dict()
    doc["netwrok"] = {}
    with pytest.raises(ProjectError) as info:
        Project.from_dict(doc)
    text = describe_error(info.value)
    assert text.startswith("プロジェクトに不明な項目 \"netwrok\" があります")
    # every sentence of every code is translated, placeholders kept
    untranslated = []
    for code in sorted(set(DATA_ERROR_CODES) - {"invalid"}):
        text = describe_error(sample_error(code))
        if not any("\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" for ch in text):
            untranslated.append(code)
    assert not untranslated
    assert QCoreApplication.translate("messages", "the file is empty.") != "the file is empty."


def test_whole_number_bounds_are_written_out():
    """A seed's bound is 4294967295, not 4.29497e+09 (":g" rounded it)."""
    with pytest.raises(OptionError) as info:
        load({"name": "iris", "seed": 2 ** 32})
    assert describe_error(info.value) == ("The option “seed” must be between 0 and 4294967295 — the project "
                                          "has 4294967296.")
