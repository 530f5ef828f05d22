"""The gradient view's verdict as the sentence a learner reads: the curriculum's networks
(CURRICULUM §7, the book's ch. 6.2) after real SGD updates on real MNIST digits, weight decay,
a settled network over many redraws, advice the network does not already follow, and the
detail it asks for (activations, never weight copies).

The rule and the measurements behind it are in nnstudio.engine.analysis (gradient_verdict,
VerdictWatch); the cases are shared with tests/engine/test_analysis.py (tests/verdict_cases.py)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from nnstudio.engine.analysis import RECENT, SHARE_MEASUREMENTS, saturated_share
from nnstudio.engine.trainer import Pause, Step
from nnstudio.project.session import build_session
from nnstudio.ui.views.base import fixed_samples
from nnstudio.ui.views.gradients import GradientsView, times
from nnstudio.ui.views.weights import WeightsView

from gradient_view_fixtures import deep_session, vanishing_view
from test_views_support import FakeController, iris_session, project, shown, snapshot
from verdict_cases import CURRICULUM, book_net, digits, kind_changes, mnist_network, settled_project  # noqa: F401

DOCKED = (690, 260)      # a view in the bottom dock of the 1280×800 window
OPENINGS = {"saturated": "Saturated units: ", "vanishing": "Vanishing gradients: ", "ok": "Healthy: ",
            "tiny": "Tiny gradients: ", "exploding": "Exploding gradients: ", "zero": "All gradients are"}


@pytest.fixture
def ctl():
    return FakeController()


def kind_of(text: str) -> str:
    return next(kind for kind, opening in OPENINGS.items() if text.startswith(opening))


def verdict_after_training(qtbot, ctl, digits, layers, lr=0.01, weight_decay=0.0):
    """Train the real network RECENT updates with the view on screen; (view, snapshots)."""
    view = shown(qtbot, GradientsView(ctl), size=DOCKED)
    ctl.start(build_session(project(mnist_network(layers), {"name": "mnist"}, lr=lr, batch_size=100,
                                    weight_decay=weight_decay), dataset=digits))
    snaps = ctl.train(RECENT)
    view._redraw_now()
    return view, snaps


def factor_in(text: str) -> float:
    """The N of "… N× smaller …" in a verdict sentence."""
    return float(re.search(r"([\d,.]+)× (?:smaller|larger)", text).group(1).replace(",", ""))


@pytest.mark.parametrize("case", list(CURRICULUM))
def test_curriculum_networks_read_their_verdict(qtbot, ctl, digits, case):
    layers, lr, kind = CURRICULUM[case]
    view, _ = verdict_after_training(qtbot, ctl, digits, layers, lr)
    assert kind_of(view.verdict.text()) == kind, view.verdict.text()


def test_sigmoid_std_1_names_its_most_saturated_layer(qtbot, ctl, digits):
    view, snaps = verdict_after_training(qtbot, ctl, digits, book_net("sigmoid", "normal", std=1.0))
    text = view.verdict.text()
    assert "Healthy" not in text
    # the share it names is the mean of the measurements: the initial weights', then the
    # training batches' the view asked for
    fresh = [s for s in snaps if s.activations is not None]
    assert fresh, "the view asks for activations of a sigmoid network"
    shares = view.saturation
    for name, _act in view.bounded:
        measured = [saturated_share("sigmoid", s.activations[name]) for s in fresh][-SHARE_MEASUREMENTS:]
        assert min(measured) - 0.05 <= shares[name] <= max(measured) + 0.05
    worst = max(shares, key=shares.get)
    assert f"{100 * shares[worst]:.0f}% of {worst}'s sigmoid outputs are pressed against 0 and 1" in text
    assert shares[worst] > 0.6                               # measured 0.67 (dense_1)
    assert text.endswith("Try smaller initial weights (Xavier initialization).")   # it is std 1


def test_vanishing_factors_are_the_measured_ones(qtbot, ctl, digits):
    view, _ = verdict_after_training(qtbot, ctl, digits, book_net("sigmoid", "normal"))
    assert factor_in(view.verdict.text()) >= 1_000_000       # measured ≈ 32,000,000
    assert "pressed against" not in view.verdict.text()      # piled at 0.5, not saturated
    view, _ = verdict_after_training(qtbot, FakeController(), digits, book_net("sigmoid", "xavier"))
    assert 100 <= factor_in(view.verdict.text()) <= 3000     # measured ≈ 650
    assert "pressed against" not in view.verdict.text()


def test_relu_he_reads_healthy_with_its_factor(qtbot, ctl, digits):
    view, _ = verdict_after_training(qtbot, ctl, digits, book_net("relu", "he"))
    text = view.verdict.text()
    assert text.startswith("Healthy: the first layer's gradients are "), text
    assert "larger" in text and 1.5 <= factor_in(text) <= 10     # measured ≈ 3
    assert view.needs_detail is False and view.saturation == {}  # nothing can saturate


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
    assert text.endswith("(Judged without weight decay, which the curves and bars include.)"), text


@pytest.mark.parametrize("name", ["xor", "moons"])
def test_a_settled_network_keeps_one_verdict_over_many_redraws(qtbot, ctl, name):
    """XOR (Xavier sigmoid, SGD 1.0) and moons (He ReLU, Adam) learn their sets; 40 deliveries
    of 50 updates, each with activations, each redrawn: the verdict changes kind at most once
    and ends healthy (it switched between healthy and saturated or tiny dozens of times), and
    never advises an initialization the network already has."""
    view = shown(qtbot, GradientsView(ctl), size=DOCKED)
    ctl.start(build_session(settled_project(name)))
    kinds, texts = [], []
    for _ in range(40):
        ctl.train(50, per_batch=50, detail_every=50)
        view._redraw_now()
        texts.append(view.verdict.text())
        kinds.append(kind_of(texts[-1]))
    assert kind_changes(kinds) <= 1, kinds
    assert kinds[-1] == "ok", texts[-1]
    assert not any("Xavier initialization" in t or "He initialization" in t for t in texts)


def test_saturation_advice_fits_the_layers_initialization(qtbot, ctl):
    """A saturated Xavier layer is told to scale its inputs, not to use Xavier; a layer with
    plain normal weights is told to use Xavier."""
    view = shown(qtbot, GradientsView(ctl), size=DOCKED)
    ctl.start(deep_session())                                 # Xavier sigmoid layers
    names = [name for _, name in view.layers]
    saturated = {name: [[0.0, 1.0] * 20] for name, _ in view.bounded}
    ctl.snapshots.emit(tuple(snapshot(i, 1.0, grad_norms={f"{n}.W": 0.3 for n in names}, activations=saturated)
                             for i in range(1, RECENT + 1)))
    view._redraw_now()
    text = view.verdict.text()
    assert text.startswith("Saturated units: ") and "already starts with Xavier" in text, text
    assert "Xavier initialization" not in text
    view.inits["dense_1"] = "normal"
    view._redraw_now()
    assert view.verdict.text().endswith("Try smaller initial weights (Xavier initialization)."), view.verdict.text()


def test_tiny_gradients_of_a_he_network_ask_for_a_larger_learning_rate(qtbot, ctl):
    view = shown(qtbot, GradientsView(ctl), size=DOCKED)
    ctl.start(iris_session())                                 # He ReLU, Xavier softmax
    norms = {"dense_1.W": 2e-4, "dense_2.W": 3e-4}
    ctl.snapshots.emit(tuple(snapshot(i, 1.1, grad_norms=norms) for i in range(1, 2 * RECENT + 1)))
    view._redraw_now()
    text = view.verdict.text()
    assert text.startswith("Tiny gradients: ") and text.endswith("Try a larger learning rate."), text


def test_saturation_is_known_before_the_first_activations_arrive(qtbot, ctl, digits):
    """At the first update the verdict already reads the initial weights' saturation (as
    the histogram view does: the first 1000 training samples for a dense network this small)."""
    view = shown(qtbot, GradientsView(ctl), size=DOCKED)
    net = mnist_network(book_net("sigmoid", "normal", std=1.0))
    ctl.start(build_session(project(net, {"name": "mnist"}, lr=0.01, batch_size=100), dataset=digits))
    x = fixed_samples(view.session)
    assert len(x) == 1000
    np.testing.assert_array_equal(x, digits.x_train[:1000])
    view.session.network.forward(x)        # the same initial weights
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
    assert "Try ReLU with He initialization, or batch normalization." in text
    assert text.endswith(f"Also, {100 * share:.0f}% of dense_1's sigmoid outputs are pressed against 0 and 1, "
                         "where the slope is almost 0."), text


def test_the_view_asks_for_activations_never_for_weights(qtbot, ctl, digits):
    view, snaps = verdict_after_training(qtbot, ctl, digits, book_net("sigmoid", "normal", std=1.0))
    assert ctl.asked and set(ctl.asked) == {(False, True)}
    assert any(s.activations is not None for s in snaps) and all(s.weights is None for s in snaps)
    ctl.session.trainer.post(Pause())                  # a single step: the worker parks after it
    ctl.session.trainer.post(Step(1))
    assert ctl.train(1, per_batch=1)[0].paused
    ctl.stateChanged.emit("paused")
    assert view.weights is None                        # no copy of the network's weights either


def test_a_weights_view_still_gets_weights_beside_it(qtbot, ctl, digits):
    """The detail rate is shared by a controller's views: the gradient view's request for
    activations alone must not use up the weights view's turn."""
    grads = shown(qtbot, GradientsView(ctl), size=DOCKED)           # connected first
    weights = shown(qtbot, WeightsView(ctl), size=DOCKED)
    net = mnist_network(book_net("sigmoid", "xavier", hidden=1))
    ctl.start(build_session(project(net, {"name": "mnist"}, lr=0.01, batch_size=100), dataset=digits))
    snaps = ctl.train(10)
    assert ctl.asked[:2] == [(False, True), (True, True)], ctl.asked
    assert weights.weights is not None and any(s.weights is not None for s in snaps)
    assert set(grads.saturation) == {"dense_1"}
