"""The gradient view's verdict on the curriculum's own networks (CURRICULUM §7, the book's
ch. 6.2), read back from the label a learner reads, after real SGD updates on real MNIST
digits; and the activation-bar panel titles, which must fit their panels in a 1024×700 window.

The rule and the measurements behind it are in nnstudio.engine.analysis (gradient_verdict)."""

from __future__ import annotations

import re

import pytest

from nnstudio.data import load
from nnstudio.engine.analysis import RECENT, saturated_share
from nnstudio.project.session import build_session
from nnstudio.ui.views.gradients import GradientsView, times

from test_views_final import vanishing_view
from test_views_support import FakeController, project, shown, snapshot

DOCKED = (690, 260)      # a view in the bottom dock of the 1280×800 window


@pytest.fixture(scope="module")
def digits():
    with pytest.MonkeyPatch.context() as mp:      # (module fixtures run before the per-test folders)
        mp.setenv("NNSTUDIO_CACHE_DIR", "")       # no decoded-data cache in the user's home
        return load({"name": "mnist", "train_size": 2000, "test_size": 100})


@pytest.fixture
def ctl():
    return FakeController()


def layer(units, activation, init, std=0.01):
    return {"type": "dense", "units": units, "activation": activation, "init": init, "std": std}


def book_net(activation, init, std=0.01):
    """The book's initialisation study: 5 hidden layers × 100 units, softmax over the digits."""
    return [layer(100, activation, init, std) for _ in range(5)] + [layer(10, "softmax", init, std)]


def verdict_after_training(qtbot, ctl, digits, layers, lr=0.01, weight_decay=0.0):
    """Train the real network RECENT updates with the view on screen; (view, snapshots)."""
    view = shown(qtbot, GradientsView(ctl), size=DOCKED)
    net = {"input_shape": [784], "layers": layers, "loss": "cross_entropy"}
    ctl.start(build_session(project(net, {"name": "mnist"}, lr=lr, batch_size=100, weight_decay=weight_decay),
                            dataset=digits))
    snaps = ctl.train(RECENT)
    view._redraw_now()
    return view, snaps


def factor_in(text: str) -> float:
    """The N of "… N× smaller …" in a verdict sentence."""
    return float(re.search(r"([\d,.]+)× (?:smaller|larger)", text).group(1).replace(",", ""))


def test_sigmoid_std_1_is_called_saturated_not_healthy(qtbot, ctl, digits):
    view, snaps = verdict_after_training(qtbot, ctl, digits, book_net("sigmoid", "normal", std=1.0))
    text = view.verdict.text()
    assert text.startswith("Saturated units: "), text
    assert "Healthy" not in text
    # the share it names is the most saturated layer's, from the real training batch
    fresh = [s for s in snaps if s.activations is not None]
    assert fresh, "the view asks for activations of a sigmoid network"
    shares = {name: saturated_share("sigmoid", fresh[-1].activations[name]) for name, _ in view.bounded}
    assert view.saturation == pytest.approx(shares)
    worst = max(shares, key=shares.get)
    assert f"{100 * shares[worst]:.0f}% of {worst}'s sigmoid outputs are pressed against 0 and 1" in text
    assert shares[worst] > 0.6                               # measured 0.67 (dense_1)


def test_sigmoid_std_001_is_called_vanishing(qtbot, ctl, digits):
    view, _ = verdict_after_training(qtbot, ctl, digits, book_net("sigmoid", "normal"))
    text = view.verdict.text()
    assert text.startswith("Vanishing gradients: the first layer's gradients are "), text
    assert factor_in(text) >= 1_000_000                      # measured ≈ 32,000,000
    assert "pressed against" not in text                     # piled at 0.5, not saturated


def test_weight_decay_does_not_hide_vanishing_gradients(qtbot, ctl, digits):
    """λ = 0.1 adds 0.1·W to every ∂E/∂W: the whole gradients' ratio is about 0.5 (measured
    0.50…0.65), but the data loss's own still vanishes, and the verdict reads that one."""
    view, snaps = verdict_after_training(qtbot, ctl, digits, book_net("sigmoid", "normal"), weight_decay=0.1)
    text = view.verdict.text()
    assert text.startswith("Vanishing gradients: the first layer's gradients are "), text
    assert factor_in(text) >= 1_000_000
    first, last = (f"{name}.W" for name in (view.layers[0][1], view.layers[-1][1]))
    whole = snaps[-1].grad_norms[first] / snaps[-1].grad_norms[last]
    assert whole > 0.1                                       # the decay term alone looks healthy
    assert view.series[0].last[1] == pytest.approx(snaps[-1].grad_norms[first])   # the curves: whole


def test_sigmoid_xavier_is_called_vanishing(qtbot, ctl, digits):
    view, _ = verdict_after_training(qtbot, ctl, digits, book_net("sigmoid", "xavier"))
    text = view.verdict.text()
    assert text.startswith("Vanishing gradients"), text
    assert 100 <= factor_in(text) <= 3000                    # measured ≈ 650
    assert "pressed against" not in text


def test_relu_he_is_called_healthy(qtbot, ctl, digits):
    view, _ = verdict_after_training(qtbot, ctl, digits, book_net("relu", "he"))
    text = view.verdict.text()
    assert text.startswith("Healthy: the first layer's gradients are "), text
    assert "larger" in text and 1.5 <= factor_in(text) <= 10     # measured ≈ 3
    assert view.needs_detail is False and view.saturation == {}  # nothing can saturate


def test_relu_std_001_is_called_tiny(qtbot, ctl, digits):
    view, _ = verdict_after_training(qtbot, ctl, digits, book_net("relu", "normal"))
    assert view.verdict.text().startswith("Tiny gradients: even the largest is only "), view.verdict.text()


def test_shallow_mnist_he_is_healthy_not_vanishing(qtbot, ctl, digits):
    layers = [layer(50, "relu", "he"), layer(10, "softmax", "xavier")]
    view, _ = verdict_after_training(qtbot, ctl, digits, layers, lr=0.1)
    text = view.verdict.text()
    assert text.startswith("Healthy"), text
    assert "Vanishing" not in text


def test_saturation_is_known_before_the_first_activations_arrive(qtbot, ctl, digits):
    """At the first update the verdict already reads the initial weights' saturation (as
    the histogram view does: the first 200 training samples)."""
    view = shown(qtbot, GradientsView(ctl), size=DOCKED)
    net = {"input_shape": [784], "layers": book_net("sigmoid", "normal", std=1.0), "loss": "cross_entropy"}
    ctl.start(build_session(project(net, {"name": "mnist"}, lr=0.01, batch_size=100), dataset=digits))
    view.session.network.forward(digits.x_train[:200])        # the same initial weights
    expected = saturated_share("sigmoid", view.session.network.layers[0].out)
    assert view.saturation["dense_1"] == pytest.approx(expected)
    ctl.train(1, per_batch=1)
    view._redraw_now()
    assert view.verdict.text().startswith("Saturated units")


@pytest.mark.parametrize("factor, text", [(2.54, "2.5"), (9.96, "10"), (12.3, "12"), (650.4, "650"),
                                          (1234, "1,200"), (3.2e7, "32,000,000"), (1e15, "10¹⁵")])
def test_factors_read_as_plain_numbers(factor, text):
    assert times(factor) == text


def test_a_gradient_that_is_no_number_is_called_exploding_at_once(qtbot, ctl, digits):
    view, _ = verdict_after_training(qtbot, ctl, digits, book_net("relu", "he"))
    names = [name for _, name in view.layers]
    norms = {f"{name}.W": 0.5 for name in names}
    norms[f"{names[0]}.W"] = float("nan")
    ctl.snapshots.emit((snapshot(RECENT + 1, 1.0, grad_norms=norms),))      # one update among 20
    view._redraw_now()
    assert view.verdict.text().startswith("Exploding gradients: a gradient is no longer a finite number")


def test_a_vanishing_verdict_names_saturation_too(qtbot, ctl):
    """Raw iris measurements (up to 7.9 cm) into Xavier sigmoid layers: the first layer starts
    with about a quarter of its outputs at 0 or 1, and the verdict says so beside the ratio."""
    view = vanishing_view(qtbot, ctl, DOCKED)          # gradients ×100 smaller per layer
    share = view.saturation["dense_1"]
    assert share >= 0.25
    text = view.verdict.text()
    assert text.startswith("Vanishing gradients: the first layer's gradients are 1,000,000× smaller"), text
    assert text.endswith(f"Also, {100 * share:.0f}% of dense_1's sigmoid outputs are pressed against 0 and 1, "
                         "where the slope is almost 0."), text
