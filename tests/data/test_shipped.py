"""The shipped sets (MNIST, iris, digits, wine), the registry and option validation."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import numpy as np
import pytest

from nnstudio.data import (
    DataError,
    Dataset,
    DatasetInfo,
    OptionError,
    OptionSpec,
    dataset_info,
    list_datasets,
    list_downloads,
    load,
)
from nnstudio.data.idx import read_idx
from nnstudio.resources import resource_path

MNIST_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.fixture(scope="module")
def mnist() -> Dataset:
    return load({"name": "mnist"})


def test_mnist_full(mnist):
    assert mnist.name == "mnist" and mnist.task == "classification"
    assert mnist.x_train.shape == (60000, 784) and mnist.x_test.shape == (10000, 784)
    assert mnist.x_train.dtype == np.float32 and mnist.y_train.dtype == np.int64
    assert mnist.input_shape == (784,) and mnist.n_outputs == 10
    assert mnist.class_names == tuple("0123456789")
    assert np.bincount(mnist.y_train).tolist() == MNIST_TRAIN_COUNTS
    assert np.bincount(mnist.y_test).tolist() == MNIST_TEST_COUNTS
    assert mnist.x_train.min() == 0.0 and mnist.x_train.max() == 1.0
    assert mnist.x_val is None and mnist.y_val is None
    assert mnist.info.size == (60000, 10000)
    assert "LeCun" in mnist.info.citation and mnist.info.license == "CC BY-SA 3.0"
    for array in (mnist.x_train, mnist.y_train, mnist.x_test, mnist.y_test):
        assert not array.flags.writeable
    with pytest.raises(ValueError):
        mnist.x_train[0, 0] = 1.0


def test_mnist_content_matches_the_published_files():
    # md5 of the uncompressed IDX content, as listed in shared/datasets/README.md
    expected = {
        "train-images-idx3-ubyte.gz": "6bbc9ace898e44ae57da46a324031adb",
        "t10k-labels-idx1-ubyte.gz": "27ae3e4e09519cfbb04c329615203637",
    }
    import gzip

    for name, md5 in expected.items():
        raw = gzip.decompress(resource_path("data", "mnist", name).read_bytes())
        assert hashlib.md5(raw).hexdigest() == md5


def test_mnist_images_and_subsets(mnist):
    small = load({"name": "mnist", "flatten": False, "train_size": 500, "test_size": 100,
                  "subset": "first"})
    assert small.x_train.shape == (500, 1, 28, 28) and small.input_shape == (1, 28, 28)
    # "first" takes the first images, identical to the full load's
    np.testing.assert_array_equal(small.x_train.reshape(500, 784), mnist.x_train[:500])
    np.testing.assert_array_equal(small.y_test, mnist.y_test[:100])
    a = load({"name": "mnist", "train_size": 1000, "test_size": 200, "seed": 3})
    b = load({"name": "mnist", "train_size": 1000, "test_size": 200, "seed": 3})
    c = load({"name": "mnist", "train_size": 1000, "test_size": 200, "seed": 4})
    np.testing.assert_array_equal(a.x_train, b.x_train)
    assert not np.array_equal(a.y_train, c.y_train)
    # random subsets are stratified: each class within one sample of its share
    share = np.array(MNIST_TRAIN_COUNTS) / 60000 * 1000
    assert np.all(np.abs(np.bincount(a.y_train, minlength=10) - share) < 1)
    assert a.x_train.shape == (1000, 784) and a.n_test == 200


def test_mnist_validation_and_raw_pixels():
    ds = load({"name": "mnist", "train_size": 1000, "test_size": 10, "validation_ratio": 0.1,
               "scale": False})
    assert ds.n_train == 900 and ds.n_val == 100 and ds.x_val.shape == (100, 784)
    assert np.bincount(ds.y_val, minlength=10).min() >= 8
    assert ds.x_train.max() == 255.0
    assert ds.info.n_val == 100 and ds.info.size == (900, 10)


def test_mnist_options_are_range_checked():
    with pytest.raises(OptionError, match="'train_size' must be in \\[1, 60000\\]"):
        load({"name": "mnist", "train_size": 60001})
    with pytest.raises(OptionError, match="unknown option 'test_ratio'"):
        load({"name": "mnist", "test_ratio": 0.2})


def test_iris_default_split_is_100_50_stratified():
    ds = load({"name": "iris"})
    assert (ds.n_train, ds.n_test) == (100, 50)
    assert ds.x_train.shape == (100, 4) and ds.input_shape == (4,)
    assert ds.class_names == ("setosa", "versicolor", "virginica")
    assert sorted(np.bincount(ds.y_test).tolist()) == [16, 17, 17]
    assert sorted(np.bincount(ds.y_train).tolist()) == [33, 33, 34]
    assert ds.info.feature_names[2] == "petal length (cm)"
    # raw measurements (normalize defaults to none): petal length of setosa is small
    assert ds.x_train[ds.y_train == 0, 2].max() < 2.0
    # all 150 flowers, each exactly once
    everything = np.concatenate([ds.x_train, ds.x_test])
    assert len(np.unique(everything, axis=0)) == len(
        np.unique(np.loadtxt(resource_path("data", "uci", "iris.csv"), delimiter=",",
                             skiprows=1)[:, :4], axis=0))


def test_same_seed_same_split_other_seed_other_split():
    a, b = load({"name": "iris", "seed": 7}), load({"name": "iris", "seed": 7})
    np.testing.assert_array_equal(a.x_train, b.x_train)
    np.testing.assert_array_equal(a.y_test, b.y_test)
    c = load({"name": "iris", "seed": 8})
    assert not np.array_equal(a.x_test, c.x_test)


def test_validation_split_does_not_move_the_test_split():
    plain = load({"name": "iris"})
    with_val = load({"name": "iris", "validation_ratio": 0.2})
    np.testing.assert_array_equal(plain.x_test, with_val.x_test)
    assert with_val.n_train == 80 and with_val.n_val == 20
    assert sorted(np.bincount(with_val.y_val).tolist()) == [6, 7, 7]
    # the validation rows came out of the training rows
    train_rows = {bytes(r) for r in plain.x_train}
    assert all(bytes(r) in train_rows for r in with_val.x_val)


def test_wine_is_standardized_on_the_training_split():
    ds = load({"name": "wine"})
    assert ds.x_train.shape == (133, 13) and ds.n_test == 45
    np.testing.assert_allclose(ds.x_train.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(ds.x_train.std(axis=0), 1, atol=1e-4)
    assert np.abs(ds.x_test.mean(axis=0)).max() > 1e-3  # test stats are not refitted
    assert ds.normalizer.kind == "standardize"
    raw = load({"name": "wine", "normalize": "none"})
    np.testing.assert_allclose(ds.normalizer(raw.x_test), ds.x_test, rtol=1e-5, atol=1e-5)
    assert raw.x_train[:, 12].max() > 1000  # proline, in its own units


def test_minmax_is_fitted_on_train_only():
    ds = load({"name": "wine", "normalize": "minmax"})
    assert ds.x_train.min() == 0.0 and ds.x_train.max() == 1.0
    assert ds.x_test.min() >= -0.5 and ds.x_test.max() <= 1.5


def test_digits():
    ds = load({"name": "digits"})
    assert ds.n_train + ds.n_test == 1797 and ds.n_test == 449
    assert ds.x_train.shape[1:] == (64,) and ds.x_train.max() == 1.0
    images = load({"name": "digits", "flatten": False, "scale": False})
    assert images.input_shape == (1, 8, 8) and images.x_train.max() == 16.0
    assert ds.class_names == tuple("0123456789")


def test_registry_order_and_metadata():
    names = [info.name for info in list_datasets()]
    assert names == ["mnist", "iris", "digits", "wine", "circle", "xor", "gaussians",
                     "spiral", "moons", "plane", "function", "random", "idx", "csv"]
    assert [i.name for i in list_downloads()] == ["fashion-mnist", "kmnist"]
    for info in list_datasets() + list_downloads():
        assert isinstance(info, DatasetInfo)
        assert info.task in ("classification", "regression")
        assert info.title and info.description
        assert all(isinstance(o, OptionSpec) for o in info.options)
        names_of_options = [o.name for o in info.options]
        assert len(set(names_of_options)) == len(names_of_options)
        assert "seed" in names_of_options and "normalize" in names_of_options
        if info.source in ("shipped", "download"):
            assert info.citation and info.license
    iris = dataset_info("iris")
    assert iris.size == (100, 50) and iris.input_shape == (4,) and iris.n_outputs == 3
    assert iris.option("test_ratio").default == pytest.approx(1 / 3)
    assert iris.defaults()["normalize"] == "none"
    assert dataset_info("wine").defaults()["normalize"] == "standardize"
    assert dataset_info("csv").option("path").required
    with pytest.raises(KeyError):
        iris.option("points")


def test_default_sizes_in_the_registry_match_what_loads():
    for name in ("iris", "digits", "wine", "circle", "spiral", "plane", "function"):
        info = dataset_info(name)
        ds = load({"name": name})
        assert (ds.n_train, ds.n_test) == info.size, name
        assert ds.input_shape == info.input_shape, name
        assert ds.n_outputs == info.n_outputs, name
        assert ds.info.options == info.options


@pytest.mark.parametrize(
    "entry, words, option",
    [
        ({"name": "iris", "test_size": 3}, "unknown option 'test_size'", "test_size"),
        ({"name": "spiral", "pointz": 3, "nois": 1},
         "unknown options 'pointz', 'nois'; allowed:", "pointz"),
        ({"name": "iris", "test_ratio": 1.0}, "'test_ratio' must be in [0, 1)", "test_ratio"),
        ({"name": "iris", "test_ratio": -0.1}, "must be in [0, 1)", "test_ratio"),
        ({"name": "iris", "test_ratio": "half"}, "must be a number", "test_ratio"),
        ({"name": "iris", "test_ratio": float("nan")}, "must be a number", "test_ratio"),
        ({"name": "iris", "seed": True}, "'seed' must be an integer", "seed"),
        ({"name": "iris", "seed": -1}, "'seed' must be in", "seed"),
        ({"name": "iris", "seed": 1.5}, "'seed' must be an integer", "seed"),
        ({"name": "iris", "normalize": "zscore"}, "one of 'none', 'minmax', 'standardize'",
         "normalize"),
        ({"name": "mnist", "flatten": "yes"}, "'flatten' must be true or false", "flatten"),
        ({"name": "spiral", "points": 2}, "'points' must be in [4, 1e+06]", "points"),
        ({"name": "function", "range": [3, 0]}, "low < high", "range"),
        ({"name": "function", "range": [0, 1, 2]}, "a list of 2 numbers", "range"),
        ({"name": "function", "preset": "tan"}, "one of 'linear'", "preset"),
        ({"name": "plane", "weights": [1]}, "a list of 2 numbers", "weights"),
        ({"name": "idx", "images": 5, "labels": "x"}, "must be a file path", "images"),
        ({"name": "csv"}, "'path' is required", "path"),
        ({"name": "iris", "validation_ratio": 1}, "must be in [0, 1)", "validation_ratio"),
        ({"name": "mnist", "train_size": None, "test_size": 0}, "'test_size' must be in",
         "test_size"),
    ],
)
def test_bad_options_name_the_option(entry, words, option):
    with pytest.raises(OptionError) as info:
        load(entry)
    assert words in str(info.value)
    assert info.value.option == option
    assert repr(entry["name"]) in str(info.value)


def test_bad_entries():
    with pytest.raises(OptionError, match="unknown data set 'cifar'; known: mnist, iris"):
        load({"name": "cifar"})
    with pytest.raises(OptionError, match="has no \"name\""):
        load({"points": 3})
    with pytest.raises(OptionError, match="must be an object"):
        load(["mnist"])  # type: ignore[arg-type]
    with pytest.raises(OptionError, match="unknown data set 42"):
        load({"name": 42})
    assert load("iris").n_test == 50  # a bare name is fine
    with pytest.raises(OptionError, match="no training samples are left"):
        load({"name": "iris", "test_ratio": 0.99, "validation_ratio": 0.9})
    assert issubclass(OptionError, DataError) and issubclass(DataError, ValueError)


def test_the_data_package_stays_free_of_qt_and_upper_layers():
    code = ("import sys, nnstudio.data as d; d.load({'name': 'xor'}); "
            "bad = [m for m in sys.modules if m.split('.')[0] in "
            "('PySide6', 'pyqtgraph', 'superqt', 'shiboken6') or "
            "m.startswith(('nnstudio.engine', 'nnstudio.project', 'nnstudio.ui'))]; "
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_read_idx_uses_the_cache_and_gives_identical_arrays(tmp_path, monkeypatch):
    monkeypatch.setenv("NNSTUDIO_CACHE_DIR", str(tmp_path / "cache"))
    path = resource_path("data", "mnist", "t10k-labels-idx1-ubyte.gz")
    first = read_idx(path)
    entries = list((tmp_path / "cache" / "decoded").glob("*.npy"))
    assert len(entries) == 1
    second = read_idx(path)
    np.testing.assert_array_equal(first, second)
    assert second.dtype == np.uint8 and not second.flags.writeable


def test_an_option_unused_while_another_is_set_names_an_option_of_its_own_set():
    """OptionSpec.unused_when: the panel looks the other option up on every refresh."""
    from nnstudio.data import list_datasets
    pairs = {(info.name, spec.name, spec.unused_when) for info in list_datasets()
             for spec in info.options if spec.unused_when}
    assert ("random", "features", "image") in pairs
    for name, option, other in pairs:
        info = next(i for i in list_datasets() if i.name == name)
        assert other != option and other in {s.name for s in info.options}, (name, option, other)
    # and it is unused there: 1×4×4 images whatever features says
    a, b = (load({"name": "random", "image": 4, "features": f}) for f in (3, 30))
    assert a.x_train.shape[1:] == b.x_train.shape[1:] == (1, 4, 4)
    np.testing.assert_array_equal(a.x_train, b.x_train)
