"""Translated texts of the data sets as the panels show them: titles, descriptions, option
tooltips and the labels of choice options.

The data layer describes its sets and options in plain English (``DatasetInfo.title`` /
``.description``, ``OptionSpec.description``) for the command line and the API. Here the
same facts are spelled out once more inside ``translate()`` so that lupdate extracts them,
keyed by data set name and option name; anything missing here (a set added later) shows the
data layer's English text instead.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication


def _tr(text: str) -> str:
    return QCoreApplication.translate("DatasetTexts", text)


def dataset_titles() -> dict[str, str]:
    return {
        "mnist": _tr("MNIST handwritten digits"), "iris": _tr("Iris flowers"),
        "digits": _tr("Optical digits (8x8)"), "wine": _tr("Wine recognition"), "circle": _tr("Circle"),
        "xor": _tr("XOR"), "gaussians": _tr("Gaussian blobs"), "spiral": _tr("Spiral"),
        "moons": _tr("Two moons"), "plane": _tr("Plane (regression)"), "function": _tr("1-D function"),
        "random": _tr("Random numbers"),
        "idx": _tr("Your IDX files"), "csv": _tr("Your CSV file"), "fashion-mnist": _tr("Fashion-MNIST"),
        "kmnist": _tr("Kuzushiji-MNIST"),
    }


def dataset_descriptions() -> dict[str, str]:
    return {
        "mnist": _tr("70 000 28×28 grey images of handwritten digits 0–9 (60 000 for training, 10 000 for "
                     "testing); pixels scaled to [0, 1]. Untick flatten to get 1×28×28 images for "
                     "convolutional networks."),
        "iris": _tr("150 flowers, 4 measurements, 3 species. The default split is the course's 100 training / "
                    "50 test samples, seeded and stratified."),
        "digits": _tr("1797 8×8 images of digits with pixel values 0–16 (scaled to [0, 1]); a small MNIST "
                      "that trains in seconds."),
        "wine": _tr("178 wines from three cultivars, 13 chemical measurements; standardized on the training "
                    "split by default (the features' scales differ a thousandfold)."),
        "circle": _tr("A disc of one class inside a ring of the other: not linearly separable, a hidden layer "
                      "draws the round boundary."),
        "xor": _tr("Points in the four quadrants; the class is the XOR of the signs of the coordinates. The "
                   "classic problem one layer cannot solve."),
        "gaussians": _tr("Blobs of points around centres on the unit circle (two by default); noise is the "
                         "spread of each blob. Linearly separable when the spread is small."),
        "spiral": _tr("Interleaved spiral arms, one per class (three by default): a hard boundary that needs "
                      "a few hidden units."),
        "moons": _tr("Two interleaving half circles."),
        "plane": _tr("A regression target on a plane: y = w1·x1 + w2·x2 + bias plus Gaussian noise, for x "
                     "uniform in [−1, 1]²."),
        "function": _tr("Samples of y = f(x) for fitting a curve with a network of one input and one output; "
                        "a preset or any expression you type."),
        "random": _tr("Inputs drawn uniformly from a range (or from the standard normal distribution) with random "
                      "class labels: any input width for "
                      "watching a forward pass (5 inputs, 3 classes by default), or tiny images for a convolution you "
                      "can read whole. Nothing to learn: the "
                      "training accuracy can climb by memorising, the test accuracy stays at chance."),
        "idx": _tr("Any MNIST-format pair of image and label files (Fashion-MNIST, KMNIST, EMNIST digits…), "
                   "plain or gzip. Without a test pair, the test ratio of the samples is held out."),
        "csv": _tr("A table of numbers, one sample a line: numeric feature columns and a label column. Header "
                   "and delimiter are detected."),
        "fashion-mnist": _tr("70 000 28×28 grey images of clothing in 10 classes, a drop-in replacement for "
                             "MNIST that is harder to learn."),
        "kmnist": _tr("70 000 28×28 images of cursive Japanese (kuzushiji) hiragana, 10 classes, in MNIST's "
                      "format."),
    }


def option_descriptions() -> dict[str, str]:
    """Option name → tooltip; ``"set:option"`` where one set's option means something else."""
    return {
        "bias": _tr("the plane's value at the origin"),
        "class_names": _tr("names of the classes 0, 1, … (empty: the numbers)"),
        "classes": _tr("number of classes"),
        "delimiter": _tr("field separator: auto (detected), comma, semicolon, tab, | or space (runs of "
                         "spaces)"),
        "features": _tr("number of inputs per sample"),
        "random:classes": _tr("number of classes (the random labels)"),
        "expression": _tr("f(x) to learn, e.g. x^3 - 2.5*x^2: numbers, x, + - * / ^ **, parentheses, sin cos "
                          "tan exp log sqrt abs tanh, pi, e (empty: the preset's)"),
        "flatten": _tr("on: each image is a vector (784 for MNIST); off: (channels, height, width) for "
                       "convolutional networks"),
        "digits:flatten": _tr("on: vectors of 64; off: 1×8×8 images for convolutional networks"),
        "header": _tr("is the first line the column names? auto (detected), yes or no"),
        "ignore": _tr("columns to leave out (names or numbers counted from 0), e.g. an id column"),
        "image": _tr("0: each sample is a row of the given number of features; 1 or more: each sample is a "
                     "one-channel square image with that many pixels a side, for convolutional networks (two "
                     "4×4 images and a 3×3 filter give im2col's 8×9 matrix)"),
        "images": _tr("the images IDX file (.gz or not)"),
        "label": _tr("the label column: its name (with a header line) or its number counted from 0 (-1: the "
                     "last); for regression, a list of columns is allowed"),
        "labels": _tr("the labels IDX file"),
        "noise": _tr("standard deviation of the noise added to each coordinate"),
        "function:noise": _tr("standard deviation of Gaussian noise added to f(x)"),
        "gaussians:noise": _tr("standard deviation of each blob"),
        "plane:noise": _tr("standard deviation of the noise added to y"),
        "normalize": _tr("feature scaling fitted on the training split: none, min–max (to [0, 1]) or "
                         "standardize (zero mean, unit variance)"),
        "path": _tr("the folder holding the four files (empty: your data folder, where downloads go)"),
        "csv:path": _tr("the CSV file (.csv, .tsv, .txt; may be .gz)"),
        "points": _tr("number of points (training + test)"),
        "function:points": _tr("number of (x, f(x)) samples (training + test)"),
        "normal": _tr("draw the inputs from the standard normal distribution (mean 0, std 1, as NumPy's randn) "
                      "instead of uniformly from the range"),
        "random:points": _tr("number of samples (training + test)"),
        "preset": _tr("a ready-made function: linear (x on [0, 1]), square (x² on [0, 3]), cubic (x³ − 2.5x² "
                      "on [0, 3]), sine (sin x on [−π, π])"),
        "range": _tr("[low, high] interval of x (empty: the preset's)"),
        "random:range": _tr("[low, high] interval the inputs are drawn from"),
        "sampling": _tr("random: x uniform on the range (seeded); grid: evenly spaced, ends included"),
        "scale": _tr("divide 8-bit pixel values by 255, giving values in [0, 1]"),
        "digits:scale": _tr("divide pixel values (0–16) by 16"),
        "seed": _tr("random seed: the same seed gives the same samples and splits"),
        "subset": _tr("how train size / test size pick samples: random (seeded, stratified by class) or "
                      "first (the first N, as the book's x_train[:300])"),
        "task": _tr("classification (labels are classes, text or integers) or regression (labels are numbers "
                    "to predict)"),
        "test_images": _tr("the test images file (optional)"),
        "test_labels": _tr("the test labels file (optional)"),
        "test_ratio": _tr("fraction of all samples held out as the test split"),
        "test_size": _tr("use only this many test samples (empty: all)"),
        "train_size": _tr("use only this many training samples (empty: all)"),
        "transpose": _tr("swap each image's rows and columns (EMNIST's IDX files store images transposed)"),
        "validation_ratio": _tr("fraction of the training samples held out as a validation split (0: none)"),
        "weights": _tr("the plane's slopes [w1, w2]"),
    }


def choice_labels() -> dict[str, dict[str, str]]:
    """Option name → {choice as the project file spells it → label in the list}. Short words
    (the tooltip explains them): a wider list would widen the side dock that holds it."""
    return {
        "normalize": {"none": _tr("none"), "minmax": _tr("min–max"), "standardize": _tr("standardize")},
        "subset": {"random": _tr("random"), "first": _tr("first N")},
        "task": {"classification": _tr("classification"), "regression": _tr("regression")},
        "header": {"auto": _tr("auto"), "yes": _tr("yes"), "no": _tr("no")},
        "delimiter": {"auto": _tr("auto"), ",": _tr(", (comma)"), ";": _tr("; (semicolon)"), "\t": _tr("tab"),
                      "|": _tr("| (bar)"), " ": _tr("space")},
        "preset": {"linear": _tr("linear"), "square": _tr("square"), "cubic": _tr("cubic"), "sine": _tr("sine")},
        "sampling": {"random": _tr("random"), "grid": _tr("grid")},
    }


def dataset_title(info) -> str:
    return dataset_titles().get(info.name, info.title)


def dataset_description(info) -> str:
    return dataset_descriptions().get(info.name, info.description)


def option_description(set_name: str, spec) -> str:
    table = option_descriptions()
    return table.get(f"{set_name}:{spec.name}", table.get(spec.name, spec.description))


def option_choice_labels(spec) -> dict:
    """The labels of a choice option's values (a value missing here shows as spelled)."""
    return choice_labels().get(spec.name, {})
