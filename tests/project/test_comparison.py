"""Variants of a project trained side by side (CURRICULUM §6, §7, §8, §10): the plans, the
turn-by-turn training and the results table."""

from __future__ import annotations

import csv
import io
import math

import numpy as np
import pytest

from nnstudio.data import load
from nnstudio.engine.errors import SpecError
from nnstudio.engine.trainer import Trainer
from nnstudio.project import comparison as C
from nnstudio.project.model import Project
from nnstudio.project.session import build_session


def iris_project(**training) -> Project:
    return Project.from_dict({
        "format": "nnstudio-project", "version": 1,
        "network": {"input_shape": [4], "loss": "cross_entropy", "layers": [
            {"type": "dense", "units": 8, "activation": "relu", "init": "he"},
            {"type": "dense", "units": 6, "activation": "tanh", "init": "xavier"},
            {"type": "dense", "units": 3, "activation": "softmax", "init": "xavier"}]},
        "optimizer": {"name": "sgd", "lr": 0.1},
        "training": {"batch_size": 20, "epochs": 3, "seed": 0, **training},
        "dataset": {"name": "iris"}})


@pytest.fixture(scope="module")
def iris():
    return load({"name": "iris"})


# ------------------------------------------------------------------ values
def test_values_from_lists_and_ranges():
    assert C.parse_values("optimizer", "sgd, momentum ,adam") == ["sgd", "momentum", "adam"]
    assert C.parse_values("lr", "0.01, 0.1") == [0.01, 0.1]
    sixteen = C.parse_values("init_std", "1e-4..1/16")          # §7's 16 weight scales, log-spaced
    assert len(sixteen) == 16 and sixteen[0] == 1e-4 and sixteen[-1] == 1.0
    assert np.allclose(np.diff(np.log10(sixteen)), 4 / 15, rtol=1e-4)
    assert C.parse_values("units", "10..50/5") == [10, 20, 30, 40, 50]   # linear for counts


@pytest.mark.parametrize("knob,text,code", [
    ("lr", "abc", "not_a_number"), ("lr", "-0.1", "out_of_range"), ("weight_decay", "-1", "out_of_range"),
    ("units", "2.5", "not_whole"), ("units", "0", "out_of_range"), ("optimizer", "sgd, lbfgs", "bad_choice"),
    ("lr", "", "no_values"), ("lr", "0.1..1/1", "bad_count"), ("lr", "0.1..1/x", "bad_count"),
    ("init_std", "0..1/4", "log_range"), ("lr", "0..1/3", "log_range"), ("colour", "red", "unknown_knob"),
    ("activation", "softmax", "bad_choice"), ("dropout", "1", "out_of_range"), ("dropout", "0.2, -0.1", "out_of_range"),
    ("rule", "adam, newton", "bad_choice")])
def test_bad_values_are_refused_with_a_code(knob, text, code):
    with pytest.raises(C.ComparisonError) as e:
        C.parse_values(knob, text)
    assert e.value.code == code
    assert knob in str(e.value)


# ------------------------------------------------------------------ plans
def test_grid_is_every_combination_first_knob_slowest():
    vs = C.grid(iris_project(), [("optimizer", ["sgd", "adam"]), ("lr", [0.01, 0.1, 1.0])])
    assert [v.values for v in vs][:4] == [(("optimizer", "sgd"), ("lr", 0.01)), (("optimizer", "sgd"), ("lr", 0.1)),
                                          (("optimizer", "sgd"), ("lr", 1.0)), (("optimizer", "adam"), ("lr", 0.01))]
    assert vs[4].project.optimizer.name == "adam" and vs[4].project.optimizer.lr == 0.1
    assert vs[4].label == "optimizer adam, lr 0.1"
    with pytest.raises(C.ComparisonError) as e:
        C.grid(iris_project(), [("lr", list(np.geomspace(1e-3, 1, 11))), ("units", list(range(1, 11)))])
    assert e.value.code == "too_many"
    with pytest.raises(C.ComparisonError):
        C.grid(iris_project(), [("lr", [0.1]), ("lr", [0.2])])


def test_hidden_layer_knobs_leave_the_output_layer_alone():
    v = C.variant(iris_project(), [("activation", "sigmoid"), ("units", 5), ("init_std", 0.01)])
    layers = v.project.network.layers
    assert [l.activation for l in layers] == ["sigmoid", "sigmoid", "softmax"]
    assert [l.units for l in layers] == [5, 5, 3]
    assert all(l.init == "normal" and l.std == 0.01 for l in layers)    # the book's weight_init_std: all


def test_batchnorm_with_and_without():
    with_bn = C.variant(iris_project(), [("batchnorm", "with")]).project.network.to_dict()["layers"]
    assert [(l["type"], l.get("activation")) for l in with_bn] == [
        ("dense", "identity"), ("batchnorm", "relu"), ("dense", "identity"), ("batchnorm", "tanh"),
        ("dense", "softmax")]
    # the activation knob then goes to the batch norms, not the linear layers before them
    both = C.variant(iris_project(), [("batchnorm", "with"), ("activation", "sigmoid")])
    assert [l.activation for l in both.project.network.layers] == ["identity", "sigmoid", "identity", "sigmoid",
                                                                     "softmax"]
    back = C.variant(Project.from_dict({**iris_project().to_dict(), "network": {
        **iris_project().to_dict()["network"], "layers": with_bn}}), [("batchnorm", "without")])
    assert back.project.network == iris_project().network


def test_rule_gives_each_update_rule_the_books_learning_rate():
    """§6's race: SGD, Momentum and AdaGrad at 0.01, Adam at 0.001, whatever the project's rate."""
    vs = C.grid(iris_project(), [("rule", ["sgd", "momentum", "adagrad", "adam"])])
    assert [(v.project.optimizer.name, v.project.optimizer.lr) for v in vs] == [
        ("sgd", 0.01), ("momentum", 0.01), ("adagrad", 0.01), ("adam", 0.001)]
    plain = C.grid(iris_project(), [("optimizer", ["sgd", "adam"])])
    assert [v.project.optimizer.lr for v in plain] == [0.1, 0.1]          # the project's one rate
    for other in (("lr", [0.1, 1.0]), ("optimizer", ["momentum", "adagrad"])):
        for axes in ([("rule", ["sgd", "adam"]), other], [other, ("rule", ["sgd", "adam"])]):
            with pytest.raises(C.ComparisonError) as e:                 # the labels would lie
                C.grid(iris_project(), axes)
            assert e.value.code == "rule_sets_lr"
    assert C.clashes("rule") == {"rule", "lr", "optimizer"} and C.clashes("lr") == {"lr", "rule"}
    assert len(C.grid(iris_project(), [("rule", ["sgd", "adam"]), ("batch_size", [10, 20])])) == 4


def test_dropout_sets_the_ratio_of_every_dropout_layer_or_adds_them_after_the_hidden_layers():
    added = C.variant(iris_project(), [("dropout", 0.2)]).project.network.to_dict()["layers"]
    assert [(l["type"], l.get("ratio")) for l in added] == [
        ("dense", None), ("dropout", 0.2), ("dense", None), ("dropout", 0.2), ("dense", None)]
    assert "scale_at" not in added[1]                                   # the editor's convention
    assert C.variant(iris_project(), [("dropout", 0.0)]).project.network == iris_project().network
    # after the batch norm that carries a hidden layer's activation, not between it and its layer
    normed = C.variant(iris_project(), [("batchnorm", "with"), ("dropout", 0.5)]).project.network.to_dict()["layers"]
    assert [l["type"] for l in normed] == ["dense", "batchnorm", "dropout", "dense", "batchnorm", "dropout", "dense"]
    # convolutions get none, whether or not a batch norm follows them, and in either order
    conv = Project.from_dict({
        "format": "nnstudio-project", "version": 1,
        "network": {"input_shape": [1, 6, 6], "loss": "cross_entropy", "layers": [
            {"type": "conv2d", "filters": 2, "kernel": 3, "activation": "relu"}, {"type": "maxpool", "size": 2},
            {"type": "flatten"}, {"type": "dense", "units": 4, "activation": "relu"},
            {"type": "dense", "units": 3, "activation": "softmax"}]},
        "optimizer": {"name": "sgd", "lr": 0.1}, "training": {"batch_size": 4}, "dataset": {"name": "iris"}})
    for values in ([("batchnorm", "with"), ("dropout", 0.2)], [("dropout", 0.2), ("batchnorm", "with")]):
        kinds = [l["type"] for l in C.variant(conv, values).project.network.to_dict()["layers"]]
        assert kinds == ["conv2d", "batchnorm", "maxpool", "flatten", "dense", "batchnorm", "dropout", "dense"], values
    # a project's own dropout layers keep their place and convention; 0 makes them pass everything
    doc = iris_project().to_dict()
    doc["network"]["layers"].insert(1, {"type": "dropout", "ratio": 0.0, "scale_at": "inference"})
    own = Project.from_dict(doc)
    for ratio in (0.0, 0.2):
        layers = C.variant(own, [("dropout", ratio)]).project.network.to_dict()["layers"]
        assert [l["type"] for l in layers] == ["dense", "dropout", "dense", "dense"]
        assert layers[1] == {"type": "dropout", "ratio": ratio, "scale_at": "inference"}


def test_a_variant_that_is_no_valid_project_names_the_field():
    base = iris_project()
    with pytest.raises(SpecError) as e:
        C.variant(base, [("batch_size", 0)])
    assert e.value.field == "training.batch_size"


def test_random_search_draws_in_the_ranges_on_a_log_scale_by_seed():
    ranges = [("lr", 1e-6, 1e-2), ("weight_decay", 1e-8, 1e-4)]
    vs = C.random_search(iris_project(), ranges, 100, seed=3)
    lrs = np.array([dict(v.values)["lr"] for v in vs])
    wds = np.array([v.project.training.weight_decay for v in vs])
    assert lrs.min() >= 1e-6 and lrs.max() <= 1e-2 and wds.min() >= 1e-8 and wds.max() <= 1e-4
    # log-uniform: as many below 1e-4 (the log middle) as above, not 99 % above
    assert 30 <= (lrs < 1e-4).sum() <= 70
    assert [v.values for v in C.random_search(iris_project(), ranges, 100, seed=3)] == [v.values for v in vs]
    assert [v.values for v in C.random_search(iris_project(), ranges, 100, seed=4)] != [v.values for v in vs]
    units = C.random_search(iris_project(), [("units", 2, 4)], 30, seed=0)
    assert {dict(v.values)["units"] for v in units} == {2, 3, 4}
    for bad, code in ((dict(trials=0), "too_many"), (dict(trials=101), "too_many")):
        with pytest.raises(C.ComparisonError) as e:
            C.random_search(iris_project(), ranges, **bad)
        assert e.value.code == code
    with pytest.raises(C.ComparisonError) as e:
        C.random_search(iris_project(), [("optimizer", 0, 1)], 3)
    assert e.value.code == "not_numeric"


def test_a_search_with_new_seeds_starts_each_trial_from_its_own_weights():
    """§8's search as the book runs it: every trial from new random weights. The seeds are drawn
    after the settings, so the settings drawn are the same with and without them."""
    ranges = [("lr", 1e-6, 1e-2), ("weight_decay", 1e-8, 1e-4)]
    plain = C.random_search(iris_project(), ranges, 30, seed=5)
    seeded = C.random_search(iris_project(), ranges, 30, seed=5, new_seeds=True)
    assert {v.project.training.seed for v in plain} == {iris_project().training.seed}
    seeds = [v.project.training.seed for v in seeded]
    assert len(set(seeds)) == 30 and all(0 <= s < C.SEARCH_SEEDS for s in seeds)
    assert [v.values[:2] for v in seeded] == [v.values for v in plain]
    assert [v.values[2] for v in seeded] == [("seed", s) for s in seeds]
    assert [v.values for v in C.random_search(iris_project(), ranges, 30, seed=5, new_seeds=True)] == \
        [v.values for v in seeded]
    # a seed already searched in its own range is not drawn twice
    own = C.random_search(iris_project(), [("lr", 1e-3, 1e-1), ("seed", 0, 9)], 20, seed=1, new_seeds=True)
    assert all(len(v.values) == 2 and 0 <= v.project.training.seed <= 9 for v in own)


# ------------------------------------------------------------------ training
def run_to_end(comparison, stop=lambda: False):
    order, losses, outcomes, evals = [], {}, {}, {}
    for p in comparison.run(stop):
        order.append(p.index)
        losses.setdefault(p.index, []).extend(p.losses)
        evals.setdefault(p.index, []).extend(p.evaluations)
        if p.outcome is not None:
            outcomes[p.index] = p.outcome
    return order, losses, outcomes, evals


def test_variants_train_in_turns_exactly_as_each_would_alone(iris):
    vs = C.grid(iris_project(epochs=5), [("optimizer", ["sgd", "momentum", "adam"])])
    comparison = C.Comparison(vs, iris, iterations=23, turn=5, evaluate_train=True)   # past the project's 5 epochs
    order, losses, outcomes, evals = run_to_end(comparison)
    assert order[:6] == [0, 1, 2, 0, 1, 2]                       # side by side, not one after another
    for i, v in enumerate(vs):
        alone = build_session(v.project.with_(training=v.project.training.__class__.from_dict(
            {**v.project.training.to_dict(), "epochs": 10})), iris).trainer
        snaps = [s for _, s in zip(range(23), alone.run())]
        assert losses[i] == [s.loss for s in snaps]              # the same numbers, to the last bit
        o = outcomes[i]
        assert o.iterations == 23 and o.diverged is None and not o.stopped and o.seconds > 0
        # iris: 100 training samples, batch 20 → epoch ends at 5, 10, 15, 20, evaluated on the test
        # split and on the whole training set (§8's gap)
        assert evals[i] == [(s.iteration, s.test_loss, s.test_accuracy, s.train_accuracy)
                            for s in snaps if s.epoch_end]
        assert [e[0] for e in evals[i]] == [5, 10, 15, 20] and all(e[3] is not None for e in evals[i])
        net = alone.network                                      # now 23 updates further, as in the comparison
        assert o.eval_accuracy == net.evaluate(iris.x_test, iris.y_test)[1]
        assert o.train_accuracy == net.evaluate(iris.x_train, iris.y_train)[1]
    assert comparison.eval_split == "test"
    # without evaluate_train (the command line's comparison) no pass over the training set
    _, _, _, plain = run_to_end(C.Comparison(vs, iris, iterations=10, turn=5))
    assert [e[0] for e in plain[0]] == [5, 10] and all(e[3] is None for e in plain[0])


def test_the_budget_is_the_comparisons_whatever_length_the_project_gives_a_run(iris):
    """A project counted in iterations (7) compared over 23 updates: each variant trains 23,
    evaluated at its epoch ends only (5, 10, 15, 20), not where the project's own run would end."""
    vs = C.grid(iris_project(iterations=7), [("optimizer", ["sgd", "adam"])])
    _, losses, outcomes, evals = run_to_end(C.Comparison(vs, iris, iterations=23, turn=5))
    assert all(len(losses[i]) == 23 and outcomes[i].iterations == 23 for i in range(2))
    assert [e[0] for e in evals[0]] == [5, 10, 15, 20]


def test_a_diverging_variant_ends_alone(iris):
    vs = C.grid(iris_project(), [("lr", [0.1, 1e35])])
    _, _, outcomes, _ = run_to_end(C.Comparison(vs, iris, iterations=40, turn=3))
    assert C.ending(outcomes[0]) == "done" and outcomes[0].iterations == 40
    assert C.ending(outcomes[1]) == "diverged" and outcomes[1].iterations < 40
    assert outcomes[1].diverged.iteration <= 40 and outcomes[1].train_accuracy is None


def test_stop_ends_every_variant_with_its_numbers_so_far(iris):
    vs = C.grid(iris_project(), [("lr", [0.01, 0.1])])
    calls = []                                     # stop() is asked before every update
    _, losses, outcomes, _ = run_to_end(C.Comparison(vs, iris, iterations=1000, turn=4),
                                        stop=lambda: calls.append(1) or len(calls) > 10)
    assert all(C.ending(o) == "stopped" for o in outcomes.values()) and len(outcomes) == 2
    # turns of 4: the first variant's 4 updates, the second's 4, then the stop (the 11th question)
    assert outcomes[0].iterations == 4 and outcomes[1].iterations == 4
    assert [len(losses[0]), len(losses[1])] == [4, 4]
    assert outcomes[0].eval_accuracy is not None and outcomes[0].train_accuracy is None   # no whole-set pass


def test_stop_all_cuts_a_numerical_update_short(iris):
    """A numerical update of a large network takes seconds: stop_all() ends it in the middle."""
    project = iris_project(gradients="numerical")
    comparison = C.Comparison(C.grid(project, [("lr", [0.1, 0.2])]), iris, iterations=100, turn=5)
    stopped = []
    original = comparison._trainer

    def trainer(v):
        t = original(v)
        forward = t.network.loss

        def loss(*a, **kw):                        # the stop arrives within the first update
            if not stopped:
                stopped.append(1)
                comparison.stop_all()
            return forward(*a, **kw)
        t.network.loss = loss
        return t
    comparison._trainer = trainer
    _, losses, outcomes, _ = run_to_end(comparison, stop=lambda: bool(stopped))
    assert [o.iterations for o in outcomes.values()] == [0, 0]
    assert all(C.ending(o) == "stopped" for o in outcomes.values())


def test_each_turn_runs_under_its_own_variants_thread_limit(iris):
    """One BLAS thread for a small batch's updates, the process's count for a large batch's,
    and the count as it was afterwards: the variants' limits never leak into one another."""
    from threadpoolctl import threadpool_info

    def blas_threads():
        return max(i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas")
    before = blas_threads()
    vs = C.grid(iris_project(), [("batch_size", [5, 100])])
    comparison = C.Comparison(vs, iris, iterations=6, turn=2)
    seen: dict[int, set] = {0: set(), 1: set()}
    original = comparison._trainer

    def trainer(v):
        t = original(v)
        forward, index = t.network.loss, len(comparison._trainers_made)
        comparison._trainers_made.append(t)
        t.network.loss = lambda *a, **kw: seen[index].add(blas_threads()) or forward(*a, **kw)
        return t
    comparison._trainers_made = []
    comparison._trainer = trainer
    list(comparison.run())
    assert seen[0] == {1}
    assert seen[1] == {before}
    assert blas_threads() == before


def test_accuracy_is_judged_on_the_validation_split_when_there_is_one():
    ds = load({"name": "iris", "validation_ratio": 0.2})
    comparison = C.Comparison(C.grid(iris_project(), [("lr", [0.1])]), ds, iterations=5)
    assert comparison.eval_split == "validation"
    *_, outcomes = run_to_end(comparison)[:3]
    net_acc = outcomes[0].eval_accuracy
    assert net_acc is not None and 0 <= net_acc <= 1


def test_a_plan_that_does_not_fit_the_data_is_refused(iris):
    wrong = Project.from_dict({**iris_project().to_dict(), "network": {
        "input_shape": [5], "loss": "cross_entropy", "layers": [{"type": "dense", "units": 3, "activation": "softmax"}]}})
    with pytest.raises(SpecError):
        C.Comparison([C.variant(wrong, [("lr", 0.1)])], iris, iterations=5)
    with pytest.raises(C.ComparisonError):
        C.Comparison([], iris, iterations=5)


# ------------------------------------------------------------------ results
def test_results_table_and_csv(iris, tmp_path):
    vs = C.grid(iris_project(), [("optimizer", ["sgd", "adam"]), ("lr", [0.1])])
    _, _, outcomes, _ = run_to_end(C.Comparison(vs, iris, iterations=10))
    path = tmp_path / "results.csv"
    C.save_results(path, vs, {0: outcomes[0]})                  # one still running
    rows = list(csv.reader(io.StringIO(path.read_text("utf-8"))))
    assert rows[0] == ["optimizer", "lr", *C.RESULT_COLUMNS]
    assert rows[1][:3] == ["sgd", "0.1", "10"] and rows[1][-1] == "done"
    assert float(rows[1][rows[0].index("eval_accuracy")]) == pytest.approx(outcomes[0].eval_accuracy)
    assert rows[2][:2] == ["adam", "0.1"] and rows[2][2:-1] == [""] * 6 and rows[2][-1] == "running"
    assert not math.isnan(float(rows[1][rows[0].index("train_loss")]))


def test_listed_weight_decay_may_be_zero_but_a_log_range_may_not_start_there():
    assert C.parse_values("weight_decay", "0, 0.01, 0.1") == [0.0, 0.01, 0.1]
    assert C.parse_values("units", "1..3/5") == [1, 2, 3]                    # each count once
    with pytest.raises(C.ComparisonError) as e:
        C.parse_values("weight_decay", "0..0.1/4")
    assert e.value.code == "log_range"


def test_a_setting_that_changes_nothing_is_refused():
    one_layer = Project.from_dict({**iris_project().to_dict(), "network": {
        "input_shape": [4], "loss": "cross_entropy", "layers": [{"type": "dense", "units": 3, "activation": "softmax"}]}})
    for knob, values in (("units", [2, 5]), ("activation", ["sigmoid", "relu"]), ("batchnorm", ["without", "with"])):
        with pytest.raises(C.ComparisonError) as e:
            C.grid(one_layer, [(knob, values)])
        assert e.value.code == "no_effect" and e.value.params["knob"] == knob
    with pytest.raises(C.ComparisonError) as e:
        C.random_search(one_layer, [("units", 2, 9)], 3)
    assert e.value.code == "no_effect"
    with pytest.raises(C.ComparisonError) as e:
        C.random_search(iris_project(), [("lr", 1e-3, 1e-1), ("lr", 1e-2, 1)], 3)
    assert e.value.code == "same_knob"


def test_float64_variants_share_one_converted_copy_of_the_data(iris):
    vs = C.grid(iris_project(dtype="float64"), [("seed", [0, 1, 2])])
    comparison = C.Comparison(vs, iris, iterations=1)
    list(comparison.run())
    xs = {id(t.x_train) for t in comparison._trainers}
    assert len(xs) == 1 and comparison._trainers[0].x_train.dtype == np.float64


def test_a_function_of_one_variable_brings_each_variants_fitted_curve():
    """CURRICULUM §10: configurations side by side; for a fit, each one's curve over x. The
    curve after a variant's last turn is its network's output along fit_x."""
    from nnstudio.project.files import load_project
    from nnstudio.project.headless import load_dataset
    from nnstudio.resources import resource_path
    base = load_project(resource_path("examples", "function_square.json"))
    data = load_dataset(base)
    variants = C.grid(base, [("units", [2, 10])])
    comparison = C.Comparison(variants, data, iterations=40)
    x = comparison.fit_x
    assert x is not None and len(x) == C.FIT_POINTS
    assert x[0] == pytest.approx(data.x_train.min()) and x[-1] == pytest.approx(data.x_train.max())
    last = {}
    for p in comparison.run():
        assert p.fit is not None and len(p.fit) == C.FIT_POINTS
        last[p.index] = p.fit
    for i, trainer in enumerate(comparison._trainers):
        expected = trainer.network.predict(x[:, None].astype(trainer.network.dtype))[:, 0]
        np.testing.assert_array_equal(np.array(last[i]), expected.astype(float))
    assert not np.allclose(last[0], last[1])              # two networks, two curves


def test_no_fitted_curve_where_the_data_is_not_a_function_of_one_variable(iris):
    assert C.fit_grid(iris) is None
    assert C.fit_grid(load({"name": "plane"})) is None          # two inputs
    assert C.fit_grid(load({"name": "function", "preset": "sine"})) is not None
