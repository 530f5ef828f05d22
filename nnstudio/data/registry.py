"""The registry of data sets: their metadata, and ``load`` / ``list_datasets``."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from collections.abc import Callable

from nnstudio.data import csvfile, functions, random_numbers, toys, uci
from nnstudio.data.build import split_and_assemble
from nnstudio.data.dataset import Dataset, DatasetInfo, OptionSpec
from nnstudio.data.download import REMOTE_SETS, RemoteSet, default_dir, is_downloaded
from nnstudio.data.errors import DataError, DataFileError, OptionError
from nnstudio.data.images import FLATTEN, SCALE, SUBSET, TRANSPOSE, image_set, size_option
from nnstudio.data.options import (
    SEED,
    VALIDATION_RATIO,
    make_normalize,
    make_test_ratio,
    resolve,
)
from nnstudio.resources import resource_path

MNIST_FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
               "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
DIGIT_NAMES = tuple(str(i) for i in range(10))


@dataclass(frozen=True)
class _Entry:
    info: DatasetInfo
    loader: Callable[[DatasetInfo, dict[str, Any]], Dataset]


def _image_options(n_train: int, n_test: int) -> tuple[OptionSpec, ...]:
    return (FLATTEN, SCALE, size_option("train_size", n_train, "training"),
            size_option("test_size", n_test, "test"), SUBSET, SEED, VALIDATION_RATIO,
            make_normalize("none"))


# ---------------------------------------------------------------- shipped sets


def _mnist(info: DatasetInfo, options: dict[str, Any]) -> Dataset:
    folder = resource_path("data", "mnist")
    train = (folder / MNIST_FILES[0], folder / MNIST_FILES[1])
    test = (folder / MNIST_FILES[2], folder / MNIST_FILES[3])
    return image_set(info, options, train, test, DIGIT_NAMES)


def _uci(file_name: str, n_features: int | None = None):
    def loader(info: DatasetInfo, options: dict[str, Any]) -> Dataset:
        x, y, class_names = uci.read_table(resource_path("data", "uci", file_name), n_features)
        if info.name == "digits":
            if options["scale"]:
                x = x / 16.0
            if not options["flatten"]:
                x = x.reshape(-1, 1, 8, 8)
        return split_and_assemble(info, options, x.astype("float32"), y,
                                  class_names=class_names, feature_names=info.feature_names)
    return loader


def _split_info(n: int, ratio: float) -> tuple[int, int]:
    n_test = int(n * ratio + 0.5)
    return n - n_test, n_test


_UCI_LICENSE = "CC BY 4.0 (UCI Machine Learning Repository)"
IRIS_FEATURES = ("sepal length (cm)", "sepal width (cm)", "petal length (cm)",
                 "petal width (cm)")
WINE_FEATURES = ("alcohol", "malic acid", "ash", "alcalinity of ash", "magnesium",
                 "total phenols", "flavanoids", "nonflavanoid phenols", "proanthocyanins",
                 "color intensity", "hue", "OD280/OD315 of diluted wines", "proline")

_SHIPPED = (
    _Entry(DatasetInfo(
        name="mnist", title="MNIST handwritten digits", task="classification",
        input_shape=(784,), class_names=DIGIT_NAMES, size=(60000, 10000),
        citation="Y. LeCun, C. Cortes, C. J. C. Burges, The MNIST database of handwritten "
        "digits (1998)",
        license="CC BY-SA 3.0",
        description="70 000 28x28 grey images of handwritten digits 0-9 (60 000 train, "
        "10 000 test); pixels scaled to [0, 1]. flatten=false gives 1x28x28 images for conv "
        "nets.",
        options=_image_options(60000, 10000), n_outputs=10, source="shipped",
    ), _mnist),
    _Entry(DatasetInfo(
        name="iris", title="Iris flowers", task="classification", input_shape=(4,),
        class_names=("setosa", "versicolor", "virginica"), size=(100, 50),
        citation="R. A. Fisher, The use of multiple measurements in taxonomic problems, "
        "Annals of Eugenics 7 (1936)",
        license=_UCI_LICENSE,
        description="150 flowers, 4 measurements, 3 species. The default split is the "
        "course's 100 train / 50 test, seeded and stratified.",
        options=(SEED, make_test_ratio(1 / 3), VALIDATION_RATIO, make_normalize("none")),
        n_outputs=3, feature_names=IRIS_FEATURES, source="shipped",
    ), _uci("iris.csv")),
    _Entry(DatasetInfo(
        name="digits", title="Optical digits (8x8)", task="classification",
        input_shape=(64,), class_names=DIGIT_NAMES, size=_split_info(1797, 0.25),
        citation="E. Alpaydin, C. Kaynak, Optical Recognition of Handwritten Digits, UCI "
        "Machine Learning Repository (1998)",
        license=_UCI_LICENSE,
        description="1797 8x8 images of digits with pixel values 0-16 (scaled to [0, 1]); "
        "a small MNIST that trains in seconds.",
        options=(OptionSpec("flatten", "bool", True,
                            "true: 64-vectors; false: 1x8x8 images for conv nets"),
                 OptionSpec("scale", "bool", True, "divide pixel values (0-16) by 16"),
                 SEED, make_test_ratio(0.25), VALIDATION_RATIO, make_normalize("none")),
        n_outputs=10, source="shipped",
    ), _uci("digits.csv.gz", 64)),
    _Entry(DatasetInfo(
        name="wine", title="Wine recognition", task="classification", input_shape=(13,),
        class_names=("class_0", "class_1", "class_2"), size=_split_info(178, 0.25),
        citation="M. Forina et al., PARVUS - An Extendible Package for Data Exploration, "
        "Classification and Correlation (1991); Wine recognition data, UCI",
        license=_UCI_LICENSE,
        description="178 wines from three cultivars, 13 chemical measurements; standardized "
        "on the training split by default (the features' scales differ a thousandfold).",
        options=(SEED, make_test_ratio(0.25), VALIDATION_RATIO,
                 make_normalize("standardize")),
        n_outputs=3, feature_names=WINE_FEATURES, source="shipped",
    ), _uci("wine.csv")),
)

# ---------------------------------------------------------------- the learner's files


def _idx(info: DatasetInfo, options: dict[str, Any]) -> Dataset:
    if (options["test_images"] is None) != (options["test_labels"] is None):
        missing = "test_labels" if options["test_labels"] is None else "test_images"
        raise OptionError(f"data set 'idx': give both test_images and test_labels, or "
                          f"neither ({missing!r} is missing)", missing,
                          code="test_pair_incomplete", missing=missing)
    test = None
    if options["test_images"] is not None:
        test = (options["test_images"], options["test_labels"])
    return image_set(info, options, (options["images"], options["labels"]), test,
                     options["class_names"])


def _csv(info: DatasetInfo, options: dict[str, Any]) -> Dataset:
    label = options["label"]
    table = csvfile.read_csv(
        options["path"], label=label, task=options["task"], header=options["header"],
        delimiter=options["delimiter"], ignore=options["ignore"],
    )
    if options["task"] == "classification":
        kwargs = {"class_names": table.class_names}
    else:
        kwargs = {"n_outputs": table.labels.shape[1]}
    return split_and_assemble(
        info, options, table.features, table.labels, task=options["task"],
        feature_names=table.feature_names, **kwargs,
    )


_FILES = (
    _Entry(DatasetInfo(
        name="idx", title="Your IDX files", task="classification", input_shape=(),
        class_names=(), size=None, citation="", license="",
        description="Any MNIST-format image/label pair (Fashion-MNIST, KMNIST, EMNIST "
        "digits...), plain or gzip. Without a test pair, test_ratio of the samples are "
        "held out.",
        options=(
            OptionSpec("images", "path", None, "the images IDX file (.gz or not)",
                       required=True),
            OptionSpec("labels", "path", None, "the labels IDX file", required=True),
            OptionSpec("test_images", "path", None, "the test images file (optional)",
                       nullable=True),
            OptionSpec("test_labels", "path", None, "the test labels file (optional)",
                       nullable=True),
            OptionSpec("class_names", "strings", None,
                       "names of the classes 0, 1, ... (null: the numbers)", nullable=True),
            make_test_ratio(0.2), FLATTEN, SCALE, TRANSPOSE,
            size_option("train_size", None, "training"), size_option("test_size", None, "test"),
            SUBSET, SEED, VALIDATION_RATIO, make_normalize("none"),
        ),
        source="file",
    ), _idx),
    _Entry(DatasetInfo(
        name="csv", title="Your CSV file", task="classification", input_shape=(),
        class_names=(), size=None, citation="", license="",
        description="A table of numbers, one sample a line: numeric feature columns and a "
        "label column. Header and delimiter are detected.",
        options=(
            OptionSpec("path", "path", None, "the CSV file (.csv, .tsv, .txt; may be .gz)",
                       required=True),
            OptionSpec("label", "column", -1,
                       "the label column: its name (with a header line) or 0-based index "
                       "(-1: the last); for regression, a list of columns is allowed",
                       multiple=True),
            OptionSpec("task", "choice", "classification",
                       "classification (labels are classes, text or integers) or regression "
                       "(labels are numbers to predict)",
                       choices=("classification", "regression")),
            OptionSpec("header", "choice", "auto",
                       "is the first line column names? auto (detected), yes or no",
                       choices=("auto", "yes", "no")),
            OptionSpec("delimiter", "choice", "auto",
                       "field separator: auto (sniffed), ',', ';', tab, '|' or ' ' (runs of "
                       "spaces)",
                       choices=("auto", ",", ";", "\t", "|", " ")),
            OptionSpec("ignore", "columns", (), "columns to leave out (names or indices), "
                       "e.g. an id column"),
            SEED, make_test_ratio(0.2), VALIDATION_RATIO, make_normalize("none"),
        ),
        source="file",
    ), _csv),
)

# ---------------------------------------------------------------- downloaded sets


def _remote_loader(remote: RemoteSet):
    def loader(info: DatasetInfo, options: dict[str, Any]) -> Dataset:
        folder = options["path"] or default_dir(remote.name)
        if not is_downloaded(remote, folder):
            raise DataFileError(
                folder,
                f"{remote.title} is not downloaded here; download it first (nnstudio.data."
                f"download({remote.name!r}))", code="not_downloaded", title=remote.title, name=remote.name,
            )
        files = [folder / f.name for f in remote.files]
        return image_set(info, options, (files[0], files[1]), (files[2], files[3]),
                         remote.class_names)
    return loader


def _remote_entry(remote: RemoteSet) -> _Entry:
    return _Entry(DatasetInfo(
        name=remote.name, title=remote.title, task="classification", input_shape=(784,),
        class_names=remote.class_names, size=(60000, 10000), citation=remote.citation,
        license=remote.license, description=remote.description,
        options=(OptionSpec("path", "path", None,
                            "the folder holding the four files (null: the user's data "
                            "folder, where download() puts them)", nullable=True),
                 *_image_options(60000, 10000)),
        n_outputs=len(remote.class_names), source="download",
    ), _remote_loader(remote))


_REMOTE = tuple(_remote_entry(r) for r in REMOTE_SETS.values())
_GENERATED = (
    *(_Entry(info, toys.plane if info.name == "plane" else toys.classification_toy)
      for info in toys.INFOS),
    _Entry(functions.INFO, functions.function_set),
    _Entry(random_numbers.INFO, random_numbers.random_set),
)
_ALL = {e.info.name: e for e in (*_SHIPPED, *_GENERATED, *_FILES, *_REMOTE)}


def list_datasets() -> list[DatasetInfo]:
    """Every set ``load`` accepts without a download, in a stable order: shipped (mnist,
    iris, digits, wine), generated (circle, xor, gaussians, spiral, moons, plane, function,
    random),
    then the learner's files (idx, csv)."""
    return [e.info for e in (*_SHIPPED, *_GENERATED, *_FILES)]


def list_downloads() -> list[DatasetInfo]:
    """Sets that ``download`` can fetch and ``load`` then reads (fashion-mnist, kmnist)."""
    return [e.info for e in _REMOTE]


def dataset_info(name: str) -> DatasetInfo:
    """The metadata of one set by name (DataError if unknown)."""
    return _entry(name).info


def with_absolute_paths(spec: Mapping[str, Any], base_dir: os.PathLike | str | None) -> dict[str, Any]:
    """The dataset entry with its relative file paths made absolute against ``base_dir``.

    A project copied elsewhere (``nnstudio train --out``, Save As to another folder) keeps
    pointing at the same files. Nothing else is checked or changed; an unknown set name or
    a missing ``base_dir`` returns the entry as it is."""
    entry = dict(spec)
    if base_dir is None or entry.get("name") not in _ALL:
        return entry
    for option in _ALL[entry["name"]].info.options:
        value = entry.get(option.name)
        if option.kind == "path" and isinstance(value, str) and value and not Path(value).is_absolute():
            entry[option.name] = str((Path(base_dir) / value).resolve())
    return entry


def with_paths_moved(spec: Mapping[str, Any], old_dir: os.PathLike | str | None,
                     new_dir: os.PathLike | str) -> dict[str, Any]:
    """The dataset entry of a project file moving from ``old_dir`` (None: the current
    directory, as for ``load``) to ``new_dir``, its relative file paths rewritten to name the
    same files from there: relative again when the file lies under ``new_dir``, else absolute.

    Absolute paths (``~`` counts as absolute, as ``load`` expands it), other options and
    unknown set names are kept; a move within one folder changes nothing."""
    entry = dict(spec)
    old = Path(old_dir if old_dir is not None else os.getcwd()).resolve()
    new = Path(new_dir).resolve()
    if old == new or entry.get("name") not in _ALL:
        return entry
    for option in _ALL[entry["name"]].info.options:
        value = entry.get(option.name)
        if option.kind != "path" or not isinstance(value, str) or not value \
                or Path(value).expanduser().is_absolute():
            continue
        target = Path(os.path.normpath(old / value))
        try:
            entry[option.name] = target.relative_to(new).as_posix()
        except ValueError:
            entry[option.name] = str(target)
    return entry


def _entry(name: Any) -> _Entry:
    if not isinstance(name, str) or name not in _ALL:
        raise OptionError(
            f"unknown data set {name!r}; known: {', '.join(_ALL)}", "name",
            code="unknown_dataset", value=name, known=tuple(_ALL))
    return _ALL[name]


def load(spec: Mapping[str, Any] | str, *, base_dir: os.PathLike | str | None = None) -> Dataset:
    """Load the data set a project's ``dataset`` entry describes.

    ``spec`` is a mapping with ``"name"`` and that set's options (a bare name is accepted
    too). Relative paths in it are resolved against ``base_dir`` (the project's folder),
    else the current directory. Raises a DataError subclass naming what is wrong.
    """
    if isinstance(spec, str):
        spec = {"name": spec}
    if not isinstance(spec, Mapping):
        raise OptionError(f"a dataset entry must be an object with a \"name\", not "
                          f"{type(spec).__name__}", code="entry_not_object",
                          type=type(spec).__name__)
    if "name" not in spec:
        raise OptionError("the dataset entry has no \"name\"", "name", code="entry_no_name")
    entry = _entry(spec["name"])
    options = resolve(entry.info, dict(spec), Path(base_dir) if base_dir is not None else None)
    try:
        return entry.loader(entry.info, options)
    except MemoryError:
        raise DataError(f"data set {entry.info.name!r}: not enough memory to load it",
                        code="out_of_memory", dataset=entry.info.name) from None
