"""Generated sets: the 2-D toys, the regression plane and the 1-D functions."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnstudio.data import ExpressionError, FUNCTION_PRESETS, OptionError, load

TOYS = ["circle", "xor", "gaussians", "spiral", "moons"]


def _all(ds):
    return (np.concatenate([ds.x_train, ds.x_test]),
            np.concatenate([ds.y_train, ds.y_test]))


@pytest.mark.parametrize("name", TOYS)
def test_toy_shapes_balance_and_reproducibility(name):
    ds = load({"name": name, "points": 403, "seed": 5})
    assert ds.task == "classification" and ds.input_shape == (2,)
    assert ds.x_train.dtype == np.float32 and ds.y_train.dtype == np.int64
    assert ds.n_train + ds.n_test == 403 and ds.n_test == 101
    x, y = _all(ds)
    counts = np.bincount(y)
    assert counts.max() - counts.min() <= 1  # equal shares
    assert len(ds.class_names) == ds.n_outputs == len(counts)
    again = load({"name": name, "points": 403, "seed": 5})
    np.testing.assert_array_equal(again.x_train, ds.x_train)
    other = load({"name": name, "points": 403, "seed": 6})
    assert not np.array_equal(other.x_train, ds.x_train)
    assert ds.info.feature_names == ("x1", "x2") and ds.info.source == "generated"


def test_circle_geometry_without_noise():
    x, y = _all(load({"name": "circle", "noise": 0.0, "points": 500}))
    r = np.hypot(x[:, 0], x[:, 1])
    assert r[y == 0].max() <= 0.5 + 1e-6
    assert r[y == 1].min() >= 0.7 - 1e-6 and r[y == 1].max() <= 1.0 + 1e-6
    assert load({"name": "circle"}).class_names == ("inner", "outer")


def test_xor_labels_follow_the_signs():
    x, y = _all(load({"name": "xor", "noise": 0.0, "points": 400}))
    np.testing.assert_array_equal(y, (np.sign(x[:, 0]) != np.sign(x[:, 1])).astype(int))
    assert np.abs(x).min() >= 0.05 - 1e-6 and np.abs(x).max() <= 1.0 + 1e-6


def test_noise_moves_points():
    clean = load({"name": "xor", "noise": 0.0, "seed": 2})
    noisy = load({"name": "xor", "noise": 0.3, "seed": 2})
    x, y = _all(noisy)
    sign_rule = (np.sign(x[:, 0]) != np.sign(x[:, 1])).astype(int)
    assert np.any(sign_rule != y)  # some points were pushed across an axis
    assert not np.array_equal(clean.x_train, noisy.x_train)


def test_gaussians_and_spiral_classes():
    ds = load({"name": "gaussians", "classes": 4, "noise": 0.01, "points": 400})
    x, y = _all(ds)
    assert ds.n_outputs == 4 and ds.class_names == ("0", "1", "2", "3")
    for c in range(4):  # each blob sits at its centre on the unit circle
        centre = x[y == c].mean(axis=0)
        assert abs(np.hypot(*centre) - 1.0) < 0.01
    spiral = load({"name": "spiral", "classes": 5, "noise": 0.0, "points": 500})
    xs, ys = _all(spiral)
    assert spiral.n_outputs == 5 and np.bincount(ys).tolist() == [100] * 5
    assert np.hypot(xs[:, 0], xs[:, 1]).max() <= 1.0 + 1e-6


def test_moons_shape():
    x, y = _all(load({"name": "moons", "noise": 0.0, "points": 300}))
    upper = x[y == 0] + np.array([0.5, 0.25])
    np.testing.assert_allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0, atol=1e-6)
    assert (upper[:, 1] >= -1e-6).all()


def test_plane_regression():
    ds = load({"name": "plane", "noise": 0.0, "weights": [2.0, -1.0], "bias": 0.5})
    assert ds.task == "regression" and ds.n_outputs == 1 and ds.class_names == ()
    assert ds.y_train.shape == (ds.n_train, 1) and ds.y_train.dtype == np.float32
    np.testing.assert_allclose(ds.y_train[:, 0], ds.x_train @ [2.0, -1.0] + 0.5, atol=1e-5)
    np.testing.assert_allclose(ds.target(np.array([[1.0, 1.0]])), [1.5])


@pytest.mark.parametrize("preset", sorted(FUNCTION_PRESETS))
def test_function_presets(preset):
    text, (lo, hi) = FUNCTION_PRESETS[preset]
    ds = load({"name": "function", "preset": preset})
    assert ds.task == "regression" and ds.input_shape == (1,) and ds.n_outputs == 1
    x = np.concatenate([ds.x_train, ds.x_test])[:, 0]
    y = np.concatenate([ds.y_train, ds.y_test])[:, 0]
    assert x.min() >= lo - 1e-6 and x.max() <= hi + 1e-6
    np.testing.assert_allclose(y, ds.target(x.astype(np.float64)), rtol=1e-5, atol=1e-5)
    assert ds.target.text == text
    assert ds.options["expression"] == text and ds.options["range"] == (lo, hi)


def test_function_preset_values():
    assert FUNCTION_PRESETS["cubic"] == ("x^3 - 2.5*x^2", (0.0, 3.0))
    assert FUNCTION_PRESETS["sine"][1] == (-math.pi, math.pi)
    ds = load({"name": "function", "expression": "x^3 - 2.5*x^2", "range": [0, 3],
               "points": 7, "sampling": "grid", "test_ratio": 0.0})
    x = np.sort(ds.x_train[:, 0])
    np.testing.assert_allclose(x, np.linspace(0, 3, 7), atol=1e-6)
    np.testing.assert_allclose(np.sort(ds.y_train[:, 0]), np.sort(x**3 - 2.5 * x**2), atol=1e-5)


def test_function_noise_and_seed():
    a = load({"name": "function", "noise": 0.1, "seed": 1})
    b = load({"name": "function", "noise": 0.1, "seed": 1})
    np.testing.assert_array_equal(a.y_train, b.y_train)
    residual = a.y_train[:, 0] - a.target(a.x_train[:, 0].astype(np.float64))
    assert 0.05 < residual.std() < 0.2


def test_function_errors():
    with pytest.raises(ExpressionError) as info:
        load({"name": "function", "expression": "x^2 + __import__('os')"})
    assert info.value.position == 6
    with pytest.raises(OptionError, match="is not defined at x = ") as info:
        load({"name": "function", "expression": "log(x)", "range": [-1, 1]})
    assert info.value.option == "expression"
    with pytest.raises(OptionError, match="too large for float32"):
        load({"name": "function", "expression": "exp(x)", "range": [0, 500]})


def test_random_numbers_give_any_input_width_and_class_count():
    """CURRICULUM §1's worked shapes: 5 inputs → 3 outputs by default; 3 inputs and 4 classes
    for the 3 → 10 → 5 → 4 network. Uniform in the range, seeded, labels with no pattern."""
    d = load({"name": "random"})
    assert d.input_shape == (5,) and d.n_outputs == 3 and d.task == "classification"
    assert len(d.x_train) + len(d.x_test) == 100 and len(d.x_test) == 20
    assert d.x_train.dtype == np.float32 and 0 <= d.x_train.min() and d.x_train.max() < 1
    assert d.info.feature_names == ("x1", "x2", "x3", "x4", "x5")
    e = load({"name": "random", "features": 3, "classes": 4, "range": [-10, 10], "points": 2000})
    assert e.input_shape == (3,) and e.n_outputs == 4 and e.class_names == ("0", "1", "2", "3")
    assert -10 <= e.x_train.min() < -9.9 and 9.9 < e.x_train.max() <= 10
    counts = np.bincount(np.concatenate([e.y_train, e.y_test]), minlength=4)
    assert counts.min() > 400                              # every class drawn, about evenly
    np.testing.assert_array_equal(e.x_train, load({"name": "random", "features": 3, "classes": 4,
                                                   "range": [-10, 10], "points": 2000}).x_train)
    with pytest.raises(OptionError):
        load({"name": "random", "features": 0})


def test_random_numbers_from_the_standard_normal_distribution():
    """CURRICULUM §7's histograms feed 1000 samples of 100 standard normal numbers (randn);
    ``range`` is then not used."""
    d = load({"name": "random", "normal": True, "features": 100, "points": 1250})
    x = d.x_train
    assert x.shape == (1000, 100) and x.dtype == np.float32
    assert abs(float(x.mean())) < 0.02 and abs(float(x.std()) - 1) < 0.02
    assert x.min() < -3.5 and x.max() > 3.5                 # tails, not a bounded range
    assert np.mean(x < 0) == pytest.approx(0.5, abs=0.01)
    np.testing.assert_array_equal(x, load({"name": "random", "normal": True, "features": 100, "points": 1250,
                                           "range": [5, 6]}).x_train)


def test_random_images_for_a_convolution_small_enough_to_read():
    """CURRICULUM §9's worked example: two 1×4×4 images (half of four points held out)."""
    d = load({"name": "random", "image": 4, "points": 4, "test_ratio": 0.5, "classes": 2})
    assert d.input_shape == (1, 4, 4) and d.x_train.shape == (2, 1, 4, 4) and d.x_test.shape == (2, 1, 4, 4)
    assert 0 <= d.x_train.min() and d.x_train.max() < 1 and d.info.feature_names == ()
    flat = load({"name": "random", "image": 0, "features": 16, "points": 4, "test_ratio": 0.5, "classes": 2})
    assert flat.input_shape == (16,)
    with pytest.raises(OptionError):
        load({"name": "random", "image": -1})
