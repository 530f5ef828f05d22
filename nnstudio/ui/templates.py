"""The example projects shipped in resources/examples, offered as File ▸ New from Template."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication


def _tr(text: str) -> str:
    return QCoreApplication.translate("templates", text)


def known_titles() -> dict[str, str]:
    """Menu titles of the shipped examples, by file stem (translatable)."""
    return {"activation_histograms": _tr("Activation histograms: five sigmoid layers on random inputs (σ 1)"),
            "function_cubic": _tr("Fit a function (y = x³ − 2.5x²)"),
            "function_linear": _tr("Fit a function (y = x)"),
            "function_sine": _tr("Fit a function (y = sin x)"),
            "function_square": _tr("Fit a function (y = x²)"),
            "im2col_worked": _tr("Convolution by im2col: two 4×4 images, one 3×3 filter"),
            "iris": _tr("Iris flowers"),
            "mnist_mlp": _tr("MNIST digits: two-layer network"),
            "mnist_deep": _tr("MNIST digits, 1000 samples: five hidden layers"),
            "mnist_deep_convnet": _tr("MNIST digits: deeper convolutional network (six 3×3 layers)"),
            "mnist_overfit": _tr("MNIST digits, 300 samples: overfitting, weight decay and dropout"),
            "mnist_race": _tr("MNIST digits: four hidden layers for the optimizer race and initializations"),
            "mnist_random_search": _tr("MNIST digits, 500 samples: random search for the learning rate and "
                                       "weight decay"),
            "mnist_vanishing": _tr("MNIST digits: vanishing gradients (sigmoid, σ 0.01)"),
            "simple_convnet": _tr("MNIST digits: simple convolutional network"),
            "spiral": _tr("Spiral (three classes)")}


def template_title(path: Path) -> str:
    """A shipped example's own title; any other file's name, made readable."""
    title = known_titles().get(path.stem)
    if title is None:
        words = path.stem.replace("_", " ").replace("-", " ").strip()
        title = words[:1].upper() + words[1:]
    return title


def templates() -> list[tuple[str, Path]]:
    """(title, path) of every example project, sorted by file name; [] when none ship."""
    try:
        from nnstudio.resources import resource_path
        folder = resource_path("examples")
    except (ImportError, FileNotFoundError):
        return []
    if not folder.is_dir():
        return []
    return [(template_title(path), path) for path in sorted(folder.glob("*.json"))]
