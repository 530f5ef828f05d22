"""IDX files: decoding, every validation error, and the "idx" data set."""

from __future__ import annotations

import gzip
import os
import struct

import numpy as np
import pytest

from nnstudio.data import DataFileError, OptionError, load, read_idx


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, ">i2", ">i4", ">f4", ">f8"])
@pytest.mark.parametrize("gz", [False, True])
def test_read_every_type(write_idx, dtype, gz):
    array = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype)
    if np.dtype(dtype) == np.uint8:
        array = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    path = write_idx("a.idx", array, gz=gz)
    result = read_idx(path, use_cache=False)
    assert result.shape == (2, 3, 4)
    assert result.dtype.kind == np.dtype(dtype).kind
    assert result.dtype.isnative
    np.testing.assert_array_equal(result, array)
    assert not result.flags.writeable


@pytest.mark.parametrize("dtype", [">f4", ">f8"])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_or_infinite_values_are_refused(write_idx, dtype, bad):
    """As the CSV reader does; training on them only said the loss diverged."""
    array = np.zeros((3, 2, 2), dtype=dtype)
    array[1, 0, 1] = bad
    array[2, 1, 1] = bad
    with pytest.raises(DataFileError) as info:
        read_idx(write_idx("nan.idx", array), use_cache=False)
    e = info.value
    assert e.code == "idx_not_finite" and e.details["count"] == 2 and e.details["index"] == (1, 0, 1)
    assert "NaN or infinite" in str(e) and "nan.idx" in str(e)


def _raw(path, data: bytes):
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    "data, words",
    [
        (b"", "too short"),
        (b"\x00\x00", "too short"),
        (b"PK\x03\x04" + b"\x00" * 20, "not an IDX file: magic number 0x504b0304"),
        (struct.pack(">HBB", 1, 8, 1) + b"\x00" * 8, "not an IDX file"),
        (struct.pack(">HBB", 0, 0x07, 1) + struct.pack(">I", 1) + b"\x00", "not an IDX file"),
        (struct.pack(">HBB", 0, 8, 0), "0 dimensions"),
        (struct.pack(">HBB", 0, 8, 3) + struct.pack(">I", 2), "truncated IDX header"),
        (struct.pack(">HBBII", 0, 8, 2, 3, 4) + b"\x00" * 11,
         "truncated: the header announces 3x4 values of type uint8 (12 bytes) but only 11"),
        (struct.pack(">HBBI", 0, 0x0C, 1, 3) + b"\x00" * 8, "(12 bytes) but only 8"),
        (struct.pack(">HBBI", 0, 8, 1, 3) + b"\x00" * 5, "2 unexpected bytes after"),
    ],
)
def test_malformed_files(tmp_path, data, words):
    path = _raw(tmp_path / "bad.idx", data)
    with pytest.raises(DataFileError) as info:
        read_idx(path, use_cache=False)
    assert words in str(info.value)
    assert info.value.path == str(path)
    assert str(path) in str(info.value)


def test_truncated_and_corrupt_gzip(tmp_path, write_idx):
    good = write_idx("good.gz", (np.arange(5000) % 256).astype(np.uint8).reshape(50, 100), gz=True)
    data = good.read_bytes()
    truncated = _raw(tmp_path / "truncated.gz", data[: len(data) // 2])
    with pytest.raises(DataFileError, match="truncated gzip"):
        read_idx(truncated, use_cache=False)
    corrupt = bytearray(data)
    corrupt[-8] ^= 0xFF  # the CRC no longer matches
    corrupt_path = _raw(tmp_path / "corrupt.gz", bytes(corrupt))
    with pytest.raises(DataFileError, match="corrupt gzip"):
        read_idx(corrupt_path, use_cache=False)
    # a gzip that holds a truncated IDX body is reported as truncated IDX
    body = gzip.decompress(data)[:-10]
    inner = _raw(tmp_path / "inner.gz", gzip.compress(body))
    with pytest.raises(DataFileError, match="truncated: the header announces 50x100"):
        read_idx(inner, use_cache=False)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(DataFileError, match="file not found"):
        read_idx(tmp_path / "nope.idx")
    with pytest.raises(DataFileError, match="is a folder"):
        read_idx(tmp_path)


# ---------------------------------------------------------------- the "idx" data set


def test_idx_set_with_test_pair(idx_pair, tmp_path):
    images, labels, raw_x, raw_y = idx_pair("train", n=30)
    t_images, t_labels, raw_tx, raw_ty = idx_pair("test", n=12, gz=True, seed=1)
    ds = load({"name": "idx", "images": str(images), "labels": str(labels),
               "test_images": str(t_images), "test_labels": str(t_labels)})
    assert ds.task == "classification"
    assert ds.input_shape == (12,)
    assert ds.x_train.shape == (30, 12) and ds.x_test.shape == (12, 12)
    assert ds.x_train.dtype == np.float32 and ds.y_train.dtype == np.int64
    assert ds.n_outputs == 3 and ds.class_names == ("0", "1", "2")
    # the order of a given test set is kept; pixels are scaled by 255
    np.testing.assert_allclose(ds.x_test, raw_tx.reshape(12, -1) / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(ds.y_test, raw_ty)
    np.testing.assert_array_equal(ds.y_train, raw_y)
    assert ds.info.size == (30, 12) and ds.info.source == "file"


def test_idx_set_split_by_ratio_and_options(idx_pair):
    images, labels, raw_x, raw_y = idx_pair("train", n=30)
    spec = {"name": "idx", "images": str(images), "labels": str(labels), "test_ratio": 0.2,
            "flatten": False, "scale": False, "class_names": ["a", "b", "c"]}
    ds = load(spec)
    assert ds.x_train.shape == (24, 1, 4, 3) and ds.x_test.shape == (6, 1, 4, 3)
    assert np.bincount(ds.y_test).tolist() == [2, 2, 2]  # stratified
    assert ds.class_names == ("a", "b", "c")
    assert ds.x_train.max() > 1.0  # not scaled
    # every sample lands in exactly one part, unchanged
    all_x = np.concatenate([ds.x_train, ds.x_test]).reshape(30, -1)
    assert sorted(map(bytes, all_x.astype(np.uint8))) == sorted(map(bytes, raw_x.reshape(30, -1)))
    again = load(spec)
    np.testing.assert_array_equal(again.x_test, ds.x_test)
    transposed = load({**spec, "transpose": True})
    assert transposed.input_shape == (1, 3, 4)


def test_idx_relative_paths_use_base_dir(idx_pair, tmp_path):
    idx_pair("train", n=9)
    ds = load({"name": "idx", "images": "train-images", "labels": "train-labels"},
              base_dir=tmp_path)
    assert ds.n_train + ds.n_test == 9


def test_idx_subsets(idx_pair):
    images, labels, raw_x, raw_y = idx_pair("train", n=30)
    base = {"name": "idx", "images": str(images), "labels": str(labels), "test_ratio": 0.0}
    first = load({**base, "train_size": 5, "subset": "first"})
    np.testing.assert_array_equal(first.y_train, load(base).y_train[:5])
    random = load({**base, "train_size": 6})
    assert np.bincount(random.y_train).tolist() == [2, 2, 2]
    with pytest.raises(OptionError, match="'train_size' is 31 but only 30"):
        load({**base, "train_size": 31})


def test_idx_pair_errors(tmp_path, write_idx, idx_pair):
    images, labels, raw_x, raw_y = idx_pair("train", n=30)
    short_labels = write_idx("short-labels", raw_y[:29])
    with pytest.raises(DataFileError, match="holds 29 labels but .* holds 30 images"):
        load({"name": "idx", "images": str(images), "labels": str(short_labels)})
    float_labels = write_idx("float-labels", raw_y.astype(">f4"))
    with pytest.raises(DataFileError, match="labels must be integers"):
        load({"name": "idx", "images": str(images), "labels": str(float_labels)})
    two_d_labels = write_idx("2d-labels", raw_y.reshape(10, 3))
    with pytest.raises(DataFileError, match="a labels file has 1 dimension"):
        load({"name": "idx", "images": str(images), "labels": str(two_d_labels)})
    flat_images = write_idx("flat-images", raw_y)
    with pytest.raises(DataFileError, match="at least 2 dimensions"):
        load({"name": "idx", "images": str(flat_images), "labels": str(labels)})
    negative = write_idx("neg-labels", (raw_y.astype(np.int8) - 1))
    with pytest.raises(DataFileError, match="negative label"):
        load({"name": "idx", "images": str(images), "labels": str(negative)})
    other = write_idx("other-images", np.zeros((5, 2, 2), np.uint8))
    other_labels = write_idx("other-labels", np.zeros(5, np.uint8))
    with pytest.raises(DataFileError, match=r"samples of shape \(2, 2\)"):
        load({"name": "idx", "images": str(images), "labels": str(labels),
              "test_images": str(other), "test_labels": str(other_labels)})
    with pytest.raises(OptionError, match="give both test_images and test_labels") as info:
        load({"name": "idx", "images": str(images), "labels": str(labels),
              "test_images": str(images)})
    assert info.value.option == "test_labels"
    with pytest.raises(OptionError, match="2 class names given but the labels go up to 2"):
        load({"name": "idx", "images": str(images), "labels": str(labels),
              "class_names": ["a", "b"]})
    with pytest.raises(OptionError, match="'images' is required"):
        load({"name": "idx", "labels": str(labels)})
    with pytest.raises(DataFileError, match="file not found"):
        load({"name": "idx", "images": str(tmp_path / "missing"), "labels": str(labels)})


def test_wrong_magic_through_load_names_the_file(tmp_path, idx_pair):
    images, labels, *_ = idx_pair("train", n=6)
    bogus = tmp_path / "bogus"
    bogus.write_bytes(b"\x12\x34\x56\x78" + os.urandom(16))
    with pytest.raises(DataFileError) as info:
        load({"name": "idx", "images": str(bogus), "labels": str(labels)})
    assert str(bogus) in str(info.value) and "magic number 0x12345678" in str(info.value)


def test_training_labels_of_a_single_class_are_refused(write_idx, tmp_path):
    """As a CSV file's: the set trained to a loss of 0 with the one output unit it advised."""
    images = np.zeros((6, 4, 4), dtype=np.uint8)
    write_idx("train-images", images)
    labels = write_idx("train-labels", np.full(6, 3, dtype=np.uint8))
    with pytest.raises(DataFileError) as info:
        load({"name": "idx", "images": str(tmp_path / "train-images"), "labels": str(labels)})
    assert info.value.code == "labels_single_class" and info.value.details["value"] == "3"
