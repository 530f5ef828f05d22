"""Update rules against hand-computed updates, learning-rate changes, optimizer state, and the
book's optimizer paths on f(x, y) = x²/20 + y² (CURRICULUM §6)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnstudio.engine.optimizers import RULES, make_optimizer
from nnstudio.engine.spec import OptimizerSpec

W0 = [0.5, -1.0, 2.0]
GRADS = [[0.2, -0.4, 1.0], [-0.1, 0.3, 0.5], [0.05, 0.0, -2.0], [0.3, -0.2, 0.1]]


def run_engine(spec: OptimizerSpec, lrs=None):
    opt = make_optimizer(spec)
    params = {"layer.W": np.array(W0)}
    live = params["layer.W"]
    history = []
    for k, g in enumerate(GRADS):
        if lrs is not None:
            opt.lr = lrs[k]
        opt.step(params, {"layer.W": np.array(g)})
        history.append(params["layer.W"].copy())
    assert params["layer.W"] is live  # updated in place
    return opt, np.array(history)


def reference(update, lrs):
    """Apply ``update(w, g, state, lr, t)`` element by element in plain Python floats."""
    out = []
    for i in range(len(W0)):
        w, state, traj = W0[i], {}, []
        for t, g in enumerate(GRADS, start=1):
            w = update(w, g[i], state, lrs[t - 1], t)
            traj.append(w)
        out.append(traj)
    return np.array(out).T


def sgd(w, g, s, lr, t):
    return w - lr * g


def momentum(alpha):
    def rule(w, g, s, lr, t):
        s["v"] = alpha * s.get("v", 0.0) - lr * g
        return w + s["v"]
    return rule


def nesterov(alpha):
    def rule(w, g, s, lr, t):
        s["v"] = alpha * s.get("v", 0.0) - lr * g
        return w + alpha * alpha * s["v"] - (1 + alpha) * lr * g
    return rule


def adagrad(eps):
    def rule(w, g, s, lr, t):
        s["h"] = s.get("h", 0.0) + g * g
        return w - lr * g / (math.sqrt(s["h"]) + eps)
    return rule


def rmsprop(rho, eps):
    def rule(w, g, s, lr, t):
        s["h"] = rho * s.get("h", 0.0) + (1 - rho) * g * g
        return w - lr * g / (math.sqrt(s["h"]) + eps)
    return rule


def adam(b1, b2, eps):
    def rule(w, g, s, lr, t):
        s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
        s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g * g
        m_hat = s["m"] / (1 - b1 ** t)
        v_hat = s["v"] / (1 - b2 ** t)
        return w - lr * m_hat / (math.sqrt(v_hat) + eps)
    return rule


CASES = [
    (OptimizerSpec(name="sgd", lr=0.1), sgd),
    (OptimizerSpec(name="momentum", lr=0.1, momentum=0.9), momentum(0.9)),
    (OptimizerSpec(name="momentum", lr=0.05, momentum=0.5), momentum(0.5)),
    (OptimizerSpec(name="nesterov", lr=0.1, momentum=0.9), nesterov(0.9)),
    (OptimizerSpec(name="adagrad", lr=0.5, eps=1e-8), adagrad(1e-8)),
    (OptimizerSpec(name="rmsprop", lr=0.01, rho=0.99, eps=1e-8), rmsprop(0.99, 1e-8)),
    (OptimizerSpec(name="rmsprop", lr=0.1, rho=0.9, eps=1e-3), rmsprop(0.9, 1e-3)),
    (OptimizerSpec(name="adam", lr=0.001), adam(0.9, 0.999, 1e-8)),
    (OptimizerSpec(name="adam", lr=0.3, beta1=0.5, beta2=0.9, eps=0.1), adam(0.5, 0.9, 0.1)),
]


@pytest.mark.parametrize("spec,rule", CASES, ids=[f"{s.name}-{s.lr}" for s, _ in CASES])
def test_update_rule_against_hand_computation(spec, rule):
    _, got = run_engine(spec)
    np.testing.assert_allclose(got, reference(rule, [spec.lr] * len(GRADS)), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("spec,rule", CASES[::2], ids=[f"{s.name}-{s.lr}" for s, _ in CASES[::2]])
def test_changing_lr_between_steps(spec, rule):
    lrs = [spec.lr, spec.lr * 3, spec.lr / 10, spec.lr]
    opt, got = run_engine(spec, lrs)
    np.testing.assert_allclose(got, reference(rule, lrs), rtol=1e-12, atol=1e-15)
    assert opt.lr == spec.lr


def test_sgd_numbers():
    _, got = run_engine(OptimizerSpec(name="sgd", lr=0.1))
    np.testing.assert_allclose(got[0], [0.48, -0.96, 1.9])
    np.testing.assert_allclose(got[1], [0.49, -0.99, 1.85])
    np.testing.assert_allclose(got[2], [0.485, -0.99, 2.05])


def test_momentum_numbers():
    _, got = run_engine(OptimizerSpec(name="momentum", lr=0.1, momentum=0.9))
    # v1 = −0.1·g1 = [−0.02, 0.04, −0.1];  v2 = 0.9·v1 − 0.1·g2 = [−0.008, 0.006, −0.14]
    np.testing.assert_allclose(got[0], [0.48, -0.96, 1.9])
    np.testing.assert_allclose(got[1], [0.472, -0.954, 1.76])


def test_adam_first_step_is_lr_times_the_gradient_sign():
    _, got = run_engine(OptimizerSpec(name="adam", lr=0.01, eps=1e-12))
    np.testing.assert_allclose(got[0], np.array(W0) - 0.01 * np.sign(GRADS[0]), rtol=1e-9)


def test_state_of_holds_the_documented_state():
    expected_state = {"sgd": (), "momentum": ("v",), "nesterov": ("v",), "adagrad": ("h",),
                      "rmsprop": ("h",), "adam": ("m", "v")}
    for name, state in expected_state.items():
        opt = make_optimizer(OptimizerSpec(name=name, lr=0.1))
        assert opt.rule.state == state
        assert opt.state_of("layer.W") == {}           # nothing before the first step
        params = {"layer.W": np.array(W0), "layer.b": np.zeros(2)}
        opt.step(params, {"layer.W": np.array(GRADS[0]), "layer.b": np.array([1.0, -1.0])})
        s = opt.state_of("layer.W")
        assert tuple(sorted(s)) == tuple(sorted(state))
        assert all(a.shape == (3,) for a in s.values()) and opt.state_of("layer.b").keys() == s.keys()
        assert opt.state_of("other.W") == {}


def test_state_contents_after_four_steps():
    g1, g2 = np.array(GRADS[0]), np.array(GRADS[1])
    opt, _ = run_engine(OptimizerSpec(name="adam", lr=0.1, beta1=0.9, beta2=0.999))
    # after four steps the moments are the exponential averages of the four gradients
    G = np.array(GRADS)
    m = sum(0.1 * 0.9 ** (3 - k) * G[k] for k in range(4))
    v = sum(0.001 * 0.999 ** (3 - k) * G[k] ** 2 for k in range(4))
    np.testing.assert_allclose(opt.state_of("layer.W")["m"], m, rtol=1e-12)
    np.testing.assert_allclose(opt.state_of("layer.W")["v"], v, rtol=1e-12)
    assert opt.t == 4
    opt, _ = run_engine(OptimizerSpec(name="adagrad", lr=0.1))
    np.testing.assert_allclose(opt.state_of("layer.W")["h"], (G ** 2).sum(axis=0), rtol=1e-12)
    opt, _ = run_engine(OptimizerSpec(name="momentum", lr=0.1, momentum=0.9))
    v1 = -0.1 * g1
    v2 = 0.9 * v1 - 0.1 * g2
    v4 = 0.9 * (0.9 * v2 - 0.1 * G[2]) - 0.1 * G[3]
    np.testing.assert_allclose(opt.state_of("layer.W")["v"], v4, rtol=1e-12)


def test_rules_carry_formula_and_code_for_the_ui():
    assert set(RULES) == {"sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"}
    for rule in RULES.values():
        assert rule.title and rule.formula and rule.code and "lr" in rule.hyper
        for s in rule.state:
            assert s in rule.code


def test_float32_parameters_stay_float32():
    for name in RULES:
        opt = make_optimizer(OptimizerSpec(name=name, lr=0.1))
        p = {"w": np.ones(3, dtype=np.float32)}
        opt.step(p, {"w": np.full(3, 0.5, dtype=np.float32)})
        assert p["w"].dtype == np.float32


# ------------------------------------------------------------------ the book's paths on x²/20 + y²
def path(name, lr, steps=30):
    opt = make_optimizer(OptimizerSpec(name=name, lr=lr))
    p = {"x": np.array(-7.0), "y": np.array(2.0)}
    points = [(-7.0, 2.0)]
    for _ in range(steps):
        opt.step(p, {"x": p["x"] / 10, "y": 2 * p["y"]})
        points.append((float(p["x"]), float(p["y"])))
    return np.array(points)


@pytest.fixture(scope="module")
def paths():
    return {"sgd": path("sgd", 0.95), "momentum": path("momentum", 0.1),
            "adagrad": path("adagrad", 1.5), "adam": path("adam", 0.3)}


def test_sgd_zigzags_in_y_and_crawls_in_x(paths):
    p = paths["sgd"]
    # y ← y − 0.95·2y = −0.9·y: the sign flips at every step; x ← 0.905·x never crosses 0
    assert np.all(np.sign(p[1:, 1]) != np.sign(p[:-1, 1]))
    assert np.all(p[:, 0] < 0) and np.all(np.diff(p[:, 0]) > 0)
    assert p[-1, 0] == pytest.approx(-7 * 0.905 ** 30, rel=1e-12)
    assert p[-1, 1] == pytest.approx(2 * 0.9 ** 30, rel=1e-12)


def test_adagrad_and_adam_end_nearer_the_minimum_than_sgd(paths):
    dist = {k: float(np.hypot(*v[-1])) for k, v in paths.items()}
    assert dist["adagrad"] < dist["adam"] < dist["sgd"]
    assert dist["adagrad"] < 0.2


def test_adagrad_damps_y_at_once_and_never_zigzags(paths):
    p = paths["adagrad"]
    assert p[1, 1] == pytest.approx(0.5, abs=1e-6)     # 2 − 1.5·4/√16
    assert np.all(p[:, 1] >= 0) and np.all(np.diff(p[:, 1]) <= 0)


def test_momentum_rolls_past_the_minimum_in_x(paths):
    p = paths["momentum"]
    assert p[:, 0].max() > 0.5                          # overshoots x = 0 like a rolling ball
    ys = np.sign(p[:, 1])
    assert 0 < np.count_nonzero(ys[1:] != ys[:-1]) < 10  # a few swings in y, not one per step


def test_adam_first_step_moves_lr_along_each_axis(paths):
    np.testing.assert_allclose(paths["adam"][1], [-7 + 0.3, 2 - 0.3], atol=1e-6)


# the rules whose NumPy lines in RULES are exactly what the engine computes (Adam folds its
# bias corrections into the step size and Nesterov adds its two terms to W one after the
# other: those are checked against the hand computation above instead)
EXACT = [OptimizerSpec(name="sgd", lr=0.1), OptimizerSpec(name="momentum", lr=0.05, momentum=0.9),
         OptimizerSpec(name="adagrad", lr=0.5, eps=1e-7),
         OptimizerSpec(name="rmsprop", lr=0.01, rho=0.9, eps=1e-7)]


@pytest.mark.parametrize("spec", EXACT, ids=[s.name for s in EXACT])
def test_float32_update_is_bit_identical_to_the_rules_numpy_lines(spec):
    """The update writes its products into reused work arrays; the numbers must be exactly
    those of the rule's own code, run with fresh temporaries."""
    gen = np.random.default_rng(3)
    opt = make_optimizer(spec)
    w = gen.standard_normal((40, 7)).astype(np.float32)
    ns = {"np": np, "W": w.copy(), "lr": spec.lr, "momentum": spec.momentum, "rho": spec.rho,
          "eps": spec.eps, **{s: np.zeros_like(w) for s in RULES[spec.name].state}}
    for k in range(5):
        g = gen.standard_normal(w.shape).astype(np.float32)
        opt.step({"p": w}, {"p": g})
        ns["dW"] = g
        exec(RULES[spec.name].code, ns)
        assert w.dtype == np.float32
        assert np.array_equal(w, ns["W"]), f"step {k + 1}"
        for s in RULES[spec.name].state:
            assert np.array_equal(opt.state_of("p")[s], ns[s])


def test_work_arrays_follow_a_parameter_that_changes_shape():
    """The same name with a new shape (another network's parameter) gets a fitting work array."""
    opt = make_optimizer(OptimizerSpec(name="sgd", lr=0.5))
    a = np.ones((3, 2))
    opt.step({"p": a}, {"p": np.ones((3, 2))})
    b = np.ones(4, dtype=np.float32)
    opt.step({"p": b}, {"p": np.full(4, 2.0, dtype=np.float32)})
    assert np.array_equal(a, np.full((3, 2), 0.5)) and np.array_equal(b, np.zeros(4))
