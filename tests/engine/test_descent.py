"""The update rules on the book's surface f(x, y) = x²/20 + y² (CURRICULUM §6)."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.engine.descent import BOOK_RATES, level_ellipse, optimizer_path, surface, surface_gradient


def test_first_steps_by_hand_from_the_books_start():
    """From (−7, 2) the gradient is (x/10, 2y) = (−0.7, 4)."""
    np.testing.assert_allclose(surface_gradient(np.array([-7.0, 2.0])), [-0.7, 4.0])
    first = {name: optimizer_path(name, lr, steps=1)[1] for name, lr in BOOK_RATES.items()}
    np.testing.assert_allclose(first["sgd"], [-7 + 0.95 * 0.7, 2 - 0.95 * 4])        # (−6.335, −1.8)
    np.testing.assert_allclose(first["momentum"], [-7 + 0.1 * 0.7, 2 - 0.1 * 4])     # v = −η·g at first
    # AdaGrad, RMSProp and Adam take a first step of about η in each direction (sign of −g)
    np.testing.assert_allclose(first["adagrad"], [-7 + 1.5, 2 - 1.5], atol=1e-6)
    np.testing.assert_allclose(first["adam"], [-7 + 0.3, 2 - 0.3], atol=1e-6)


def test_the_books_picture_sgd_zig_zags_and_every_rule_gets_near_the_minimum():
    paths = {name: optimizer_path(name, lr) for name, lr in BOOK_RATES.items()}
    assert all(len(p) == 31 for p in paths.values())
    signs = np.sign(paths["sgd"][1:11, 1])
    assert np.all(signs[1:] == -signs[:-1]), "plain SGD crosses the valley at every step"
    for name, p in paths.items():
        assert surface(*p[-1]) < 0.2 * surface(*p[0]), name
    with pytest.raises(ValueError):
        optimizer_path("newton", 0.1)


def test_a_contour_is_the_level_set():
    x, y = level_ellipse(3.0)
    np.testing.assert_allclose(surface(x, y), 3.0, rtol=1e-12)


def test_a_rate_too_large_diverges_and_the_path_stops_there():
    """SGD multiplies y by (1 − 2η) each step: η = 10 runs away; the path ends at its first
    point beyond ESCAPE instead of filling with inf and NaN (review)."""
    from nnstudio.engine.descent import ESCAPE
    path = optimizer_path("sgd", 10.0, steps=500)
    assert len(path) < 501 and np.all(np.isfinite(path))
    assert np.abs(path[-1]).max() > ESCAPE and np.abs(path[-2]).max() <= ESCAPE
