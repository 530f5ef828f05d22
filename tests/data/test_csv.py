"""The learner's CSV files: detection, label handling and every kind of bad input."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from nnstudio.data import DataFileError, OptionError, load
from nnstudio.data import csvfile
from nnstudio.data.csvfile import read_csv

IRIS_LIKE = """sepal_length,sepal_width,petal_length,petal_width,species
5.1,3.5,1.4,0.2,setosa
4.9,3.0,1.4,0.2,setosa
7.0,3.2,4.7,1.4,versicolor
6.4,3.2,4.5,1.5,versicolor
6.3,3.3,6.0,2.5,virginica
5.8,2.7,5.1,1.9,virginica
"""


def test_header_name_label_and_string_classes(write_text):
    path = write_text("iris.csv", IRIS_LIKE)
    table = read_csv(path, label="species")
    assert table.has_header and table.delimiter == ","
    assert table.feature_names == ("sepal_length", "sepal_width", "petal_length", "petal_width")
    assert table.class_names == ("setosa", "versicolor", "virginica")  # sorted
    np.testing.assert_array_equal(table.labels, [0, 0, 1, 1, 2, 2])
    assert table.features.dtype == np.float32 and table.features.shape == (6, 4)
    np.testing.assert_allclose(table.features[2], [7.0, 3.2, 4.7, 1.4], rtol=1e-6)


def test_load_csv_set(write_text):
    path = write_text("iris.csv", IRIS_LIKE * 1 + "\n".join(IRIS_LIKE.splitlines()[1:]) + "\n")
    ds = load({"name": "csv", "path": str(path), "label": "species", "test_ratio": 1 / 3})
    assert ds.task == "classification"
    assert ds.input_shape == (4,) and ds.n_outputs == 3
    assert ds.n_train == 8 and ds.n_test == 4
    assert ds.info.feature_names[0] == "sepal_length"
    assert sorted(np.bincount(ds.y_test).tolist()) == [1, 1, 2]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|", " ", "   "])
def test_delimiter_sniffing(write_text, delimiter):
    rows = ["1.5{d}2{d}0", "3{d}4.25{d}1", "5{d}6{d}0", "7{d}8{d}1"]
    path = write_text("data.txt", "\n".join(r.format(d=delimiter) for r in rows) + "\n")
    table = read_csv(path)
    assert not table.has_header
    assert table.delimiter == (" " if delimiter.startswith(" ") else delimiter)
    np.testing.assert_allclose(table.features, [[1.5, 2], [3, 4.25], [5, 6], [7, 8]])
    np.testing.assert_array_equal(table.labels, [0, 1, 0, 1])
    assert table.class_names == ("0", "1")


def test_explicit_delimiter_and_header_override(write_text):
    path = write_text("d.csv", "1;2;0\n3;4;1\n")
    table = read_csv(path, delimiter=";", header="no")
    assert table.features.shape == (2, 2)
    # forcing a header consumes the first line as names
    table = read_csv(path, delimiter=";", header="yes", label=0, task="regression")
    assert table.features.shape == (1, 2) and table.label_names == ("1",)


def test_label_by_index_and_integer_classes(write_text):
    path = write_text("d.csv", "3,0.5,1.0\n1,0.25,2.0\n3,0.75,3.0\n2,1.0,4.0\n")
    table = read_csv(path, label=0)
    # integer labels map through their sorted values: 1, 2, 3 -> 0, 1, 2
    assert table.class_names == ("1", "2", "3")
    np.testing.assert_array_equal(table.labels, [2, 0, 2, 1])
    assert table.feature_names == ("1", "2")  # column indices without a header
    table = read_csv(path, label=-3)
    np.testing.assert_array_equal(table.labels, [2, 0, 2, 1])


def test_regression_several_targets_and_ignore(write_text):
    text = "id,a,b,y1,y2\nr1,1,2,0.5,-1\nr2,3,4,1.5,-2\nr3,5,6,2.5,-3\n"
    path = write_text("reg.csv", text)
    table = read_csv(path, label=("y1", "y2"), task="regression", ignore=("id",))
    assert table.labels.dtype == np.float32 and table.labels.shape == (3, 2)
    np.testing.assert_allclose(table.labels[:, 1], [-1, -2, -3])
    assert table.feature_names == ("a", "b")
    ds = load({"name": "csv", "path": str(path), "label": ["y1", "y2"], "task": "regression",
               "ignore": ["id"], "test_ratio": 0.0})
    assert ds.task == "regression" and ds.n_outputs == 2
    assert ds.y_train.shape == (3, 2) and ds.y_train.dtype == np.float32


def test_bom_blank_lines_quotes_and_gzip(tmp_path, write_text):
    text = '\ufeff"x 1","x 2",label\n\n1,"2",cat\n\n3,4,dog\n'
    path = write_text("bom.csv", text)
    table = read_csv(path)
    assert table.feature_names == ("x 1", "x 2")
    assert table.class_names == ("cat", "dog")
    gz = tmp_path / "data.csv.gz"
    gz.write_bytes(gzip.compress(IRIS_LIKE.encode()))
    assert read_csv(gz, label="species").features.shape == (6, 4)


@pytest.mark.parametrize(
    "text, line, words",
    [
        ("a,b,label\n1,2,x\n3,4\n", 3, "expected 3 fields (as on line 1), found 2"),
        ("a,b,label\n1,2,x\n3,4,y,5\n", 3, "found 4"),
        ("a,b,label\n1,2,x\n3,abc,y\n", 3, "column 1 ('b'): 'abc' is not a number"),
        ("a,b,label\n1,2,x\n3,,y\n", 3, "missing value (an empty field, NaN)"),
        ("a,b,label\n1,2,x\n3,NaN,y\n", 3, "missing value ('NaN', NaN)"),
        ("a,b,label\n1,2,x\nNA,1,y\n", 3, "column 0 ('a'): missing value ('NA'"),
        ("a,b,label\n1,2,x\n3,inf,y\n", 3, "'inf' is not a finite number"),
        ("a,b,label\n1,2,x\n3,4,\n", 3, "missing label"),
        ("1,2,0\n3,4,1\n5,6,1.5\n", 3, "label '1.5' is not an integer class"),
        ("1,2,0\n3,4,1\n\n\n5,6,x,9\n", 5, "found 4"),
        ("a,b,label\n1,2,x\n3,4,\"y\n", 3, 'a quote (") opened on line 3 is never closed'),
        ("a,b,label\n1,2,x\n\"3\"4,5,y\n", 3, "malformed CSV"),
        ("\"1\"2,3,x\n1,2,y\n", 1, "malformed CSV"),
    ],
)
def test_bad_rows_name_their_line(write_text, text, line, words):
    path = write_text("bad.csv", text)
    with pytest.raises(DataFileError) as info:
        read_csv(path)
    assert info.value.line == line
    assert words in str(info.value)
    assert f"{path}, line {line}:" in str(info.value)


@pytest.mark.parametrize(
    "text, words",
    [
        ("", "the file is empty"),
        ("\n\n  \n", "blank lines only"),
        ("a,b,label\n", "has a header line but no data rows"),
        ("1\n2\n3\n", "found a single column"),
        ("1,2,0\n3,4,0\n", "a single class ('0')"),
    ],
)
def test_empty_and_degenerate_files(write_text, text, words):
    path = write_text("bad.csv", text)
    with pytest.raises(DataFileError, match=None) as info:
        read_csv(path)
    assert words in str(info.value)


def test_not_text_and_not_found(tmp_path):
    binary = tmp_path / "image.csv"
    binary.write_bytes(b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4)
    with pytest.raises(DataFileError, match="not UTF-8 text"):
        read_csv(binary)
    with pytest.raises(DataFileError, match="file not found"):
        read_csv(tmp_path / "missing.csv")
    with pytest.raises(DataFileError, match="is a folder"):
        read_csv(tmp_path)
    truncated = tmp_path / "t.csv.gz"
    rows = IRIS_LIKE.split("\n", 1)[1]
    truncated.write_bytes(gzip.compress((IRIS_LIKE + rows * 50).encode())[:-30])
    with pytest.raises(DataFileError, match="truncated gzip"):
        read_csv(truncated, label="species")


def test_label_option_errors(write_text):
    with_header = write_text("h.csv", IRIS_LIKE)
    no_header = write_text("n.csv", "1,2,0\n3,4,1\n")
    with pytest.raises(OptionError, match="no column named 'kind'; the columns are"):
        read_csv(with_header, label="kind")
    with pytest.raises(OptionError, match="has no header line; give a 0-based column index"):
        read_csv(no_header, label="species")
    with pytest.raises(OptionError, match="column index 3 is out of range for 3 columns"):
        read_csv(no_header, label=3)
    with pytest.raises(OptionError, match="exactly one label column"):
        read_csv(no_header, label=(0, 1))
    with pytest.raises(OptionError, match="no feature columns"):
        read_csv(no_header, label=2, ignore=(0, 1))
    with pytest.raises(OptionError, match="option 'label' must be a column name or"):
        load({"name": "csv", "path": str(no_header), "label": 1.5})
    with pytest.raises(OptionError, match="option 'delimiter' must be one of"):
        load({"name": "csv", "path": str(no_header), "delimiter": "::"})


def test_too_large_for_memory_is_refused(write_text, monkeypatch):
    path = write_text("big.csv", IRIS_LIKE)
    size = path.stat().st_size
    with pytest.raises(DataFileError, match="too large to load") as info:
        read_csv(path, label="species", memory_limit=size)
    assert "is available" in str(info.value)
    assert read_csv(path, label="species", memory_limit=size * 100).features.shape == (6, 4)
    # through load, the limit comes from available_memory()
    monkeypatch.setattr(csvfile, "available_memory", lambda: size)
    with pytest.raises(DataFileError, match="too large to load"):
        load({"name": "csv", "path": str(path), "label": "species"})
    monkeypatch.setattr(csvfile, "available_memory", lambda: None)  # unknown: no check
    assert load({"name": "csv", "path": str(path), "label": "species"}).n_train == 5


def test_available_memory_is_a_sensible_number():
    available = csvfile.available_memory()
    assert available is None or 2**20 < available < 2**50


def test_wide_header_detection_rules(write_text):
    # a header is detected from any column with text above numbers
    path = write_text("h.csv", "x,2,label\n1,2,a\n3,4,b\n")
    assert read_csv(path).has_header
    # text over text (a string label column) alone is not evidence of a header
    path = write_text("n.csv", "1,2,a\n3,4,b\n")
    assert not read_csv(path).has_header


def test_old_mac_line_endings_read_like_any_other(write_text):
    """Lines ended by CR alone: the delimiter detection saw one long line ('needs at least one
    feature column')."""
    path = write_text("cr.csv", "x1,x2,label\r0.1,0.2,0\r0.3,0.1,1\r0.5,0.5,0\r0.2,0.9,1\r")
    ds = load({"name": "csv", "path": str(path), "test_ratio": 0.25})
    assert ds.x_train.shape[1] == 2 and len(ds.x_train) + len(ds.x_test) == 4


@pytest.mark.parametrize("text, line", [
    ('x1,x2,label\n"0.1,0.2,0\n0.3,0.1,1\n0.5,0.5,0\n0.2,0.9,1\n', 2),     # before the delimiter shows
    ('x1,x2,label\n0.1,0.2,0\n"0.3,0.1,1\n0.5,0.5,0\n0.2,0.9,1\n', 3),     # after it
])
def test_a_quote_never_closed_is_named_with_its_line(write_text, text, line):
    """It swallowed the rest of the file: 'found a single column' or 'unexpected end of data'."""
    with pytest.raises(DataFileError) as info:
        load({"name": "csv", "path": str(write_text("q.csv", text))})
    e = info.value
    assert e.code == "unclosed_quote" and e.details["opened"] == line and "never closed" in str(e)


def test_many_short_rows_count_in_the_memory_estimate(write_text):
    """Each row costs about 100 bytes beyond its text (its label string and list slot): 15
    million rows of '0,0,0' (90 MB) peaked at 1.8 GB, past the 4× the text alone promised."""
    path = write_text("short.csv", "a,b,label\n" + "0,1,0\n1,0,1\n" * 50000)
    size = path.stat().st_size
    with pytest.raises(DataFileError) as info:
        read_csv(path, memory_limit=size * 10)                 # 4× the text would pass
    assert info.value.code == "too_large"
    assert read_csv(path, memory_limit=size * 25).features.shape == (100000, 2)


def test_literal_quotes_in_unquoted_fields_are_not_an_unclosed_quote(write_text):
    """5'11" is text to the csv reader; only a quote starting a field opens one (review)."""
    with pytest.raises(DataFileError) as info:
        load({"name": "csv", "path": str(write_text("h.csv", "height\n5'11\"\n6'0\"\n6'2\"\n"))})
    assert info.value.code == "single_column"
    path = write_text("ok.csv", 'a,b,label\n1,2,"say ""hi""\n, there"\n3,4,x\n5,6,"y"\n7,8,x\n')
    assert read_csv(path).features.shape == (4, 2)
