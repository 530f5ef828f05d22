"""Data sets for nnstudio: shipped, generated, and the learner's own. NumPy + stdlib only.

    from nnstudio.data import load, list_datasets
    ds = load({"name": "mnist"})             # a project's "dataset" entry
    ds.x_train, ds.y_train, ds.x_test, ds.y_test, ds.x_val, ds.y_val

x arrays are float32 ``(N, *input_shape)``; y arrays are int64 class indices ``(N,)`` for
classification (``one_hot(y, n)`` makes one-hot rows) and float32 ``(N, n_outputs)`` for
regression. All arrays are read-only. Unknown options and bad values raise an OptionError
naming them; every error is a DataError (a ValueError).

Options common to every set
---------------------------
seed              int >= 0, default 0. The same seed gives the same samples, splits and
                  subsets. Generation, the test split, the validation split and
                  subsampling use separate streams derived from it, so changing
                  validation_ratio does not change the test split.
test_ratio        fraction of all samples held out for testing, in [0, 1); stratified by
                  class. Not for mnist / fashion-mnist / kmnist (fixed test sets), nor for
                  idx when a test pair is given.
validation_ratio  fraction of the *training* samples held out as x_val/y_val, [0, 1),
                  default 0 (no validation split); stratified by class.
normalize         "none" | "minmax" | "standardize", fitted on the final training split
                  only and applied to train, validation and test (``ds.normalizer``).

The sets and their own options (defaults in brackets)
-----------------------------------------------------
mnist     60 000 / 10 000 28x28 digits, pixels / 255. flatten [true] -> (784,), false ->
          (1, 28, 28); scale [true]; train_size [null = 60000], test_size [null = 10000];
          subset ["random" (seeded, stratified) | "first"]; normalize ["none"].
iris      150 x 4, 3 species; test_ratio [1/3] = the 100 / 50 split.
digits    1797 8x8 digits; flatten [true] -> (64,) or (1, 8, 8); scale [true, / 16];
          test_ratio [0.25].
wine      178 x 13, 3 classes; normalize ["standardize"]; test_ratio [0.25].
circle, xor, moons        2-D, 2 classes; points [200], noise [0.05; moons 0.1],
                          test_ratio [0.25].
gaussians                 points [200], noise [0.35: each blob's spread], classes [2].
spiral                    points [300], noise [0.05], classes [3].
random    no pattern: features [5] uniform on range [[0, 1]], labels among classes [3];
          points [100]; image [0; n: 1×n×n images instead of features]; test_ratio [0.2].
plane     regression y = w.x + bias + noise: points [200], noise [0.05],
          weights [[0.5, -1.0]], bias [0.25].
function  regression y = f(x): preset ["square"; "linear" x on [0, 1], "square" x^2 on
          [0, 3], "cubic" x^3 - 2.5x^2 on [0, 3], "sine" sin x on [-pi, pi]];
          expression [the preset's], range [the preset's], points [200], noise [0],
          sampling ["random" | "grid"], test_ratio [0.2]. ``ds.target`` is the parsed
          expression; ``parse_expression`` parses one for a plot.
idx       images, labels (paths, required; gz or not); test_images, test_labels
          [null: split by test_ratio 0.2]; class_names [null: "0", "1", ...]; flatten,
          scale, train_size, test_size, subset as mnist; transpose [false] (EMNIST).
csv       path (required); label [-1: last column; name or 0-based index]; task
          ["classification" | "regression"]; header ["auto" | "yes" | "no"]; delimiter
          ["auto" | "," | ";" | "\\t" | "|" | " "]; ignore [[] columns]; test_ratio [0.2].
fashion-mnist, kmnist     after ``download(name)``: options as mnist, plus path [null: the
                          user's data folder].

Relative paths are resolved against ``load(..., base_dir=...)`` (the project's folder).
``DatasetInfo.options`` lists each option with its kind, default, range and description for
building a panel.
"""

from nnstudio.data.dataset import Dataset, DatasetInfo, OptionSpec
from nnstudio.data.download import REMOTE_SETS, RemoteFile, RemoteSet, download
from nnstudio.data.errors import (
    ChecksumError,
    DataError,
    DataFileError,
    DownloadError,
    ExpressionError,
    OptionError,
)
from nnstudio.data.expression import Expression, parse_expression
from nnstudio.data.functions import FUNCTION_PRESETS
from nnstudio.data.idx import read_idx
from nnstudio.data.preprocess import Normalizer, one_hot
from nnstudio.data.registry import (dataset_info, list_datasets, list_downloads, load, with_absolute_paths,
                                     with_paths_moved)

__all__ = [
    "ChecksumError",
    "DataError",
    "DataFileError",
    "Dataset",
    "DatasetInfo",
    "DownloadError",
    "Expression",
    "ExpressionError",
    "FUNCTION_PRESETS",
    "Normalizer",
    "OptionError",
    "OptionSpec",
    "REMOTE_SETS",
    "RemoteFile",
    "RemoteSet",
    "dataset_info",
    "download",
    "list_datasets",
    "list_downloads",
    "load",
    "one_hot",
    "parse_expression",
    "read_idx",
    "with_absolute_paths",
    "with_paths_moved",
]
