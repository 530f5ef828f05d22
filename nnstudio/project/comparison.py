"""Several variants of one project trained side by side: CURRICULUM §6's optimizer race, §7's
initializations and batch norm over 16 weight scales, §8's random search over learning rate
and weight decay, §10's configurations compared.

A *knob* is one setting a variant may change (the learning rate, the update rule, every
hidden layer's activation, ...). A plan is either a grid (every combination of the values
given for one or two knobs) or a random search (values drawn in ranges, on a log scale for
rates). :class:`Comparison` trains the variants in turns, a few updates each, on one loaded
data set, so their curves grow together, and reports each one's progress and outcome.
"""

from __future__ import annotations

import copy
import csv
import io
import itertools
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence

import numpy as np

from nnstudio.data import Dataset
from nnstudio.engine.errors import DivergenceError
from nnstudio.engine.optimizers import RULES, make_optimizer
from nnstudio.engine.spec import ACTIVATIONS, INITS
from nnstudio.engine.trainer import Stop, Trainer, steps_per_epoch

from .errors import FileFormatError
from .files import write_file_atomically
from .model import Project
from .session import build_network, check_fits

#: the most variants one comparison trains (a 10 × 10 grid, or the book's 100 random trials)
MAX_VARIANTS = 100
DEFAULT_ITERATIONS = 1000   # updates per variant, where the project does not count its run in them


# --------------------------------------------------------------------------- knobs
def hidden_indices(layers: Sequence[Mapping[str, Any]]) -> list[int]:
    """Positions of the layers before the output layer (the last dense one) that carry an
    activation of their own choosing (dense, conv2d, batchnorm)."""
    out = max((i for i, l in enumerate(layers) if l.get("type") == "dense"), default=len(layers))
    return [i for i, l in enumerate(layers) if i < out and l.get("type") in ("dense", "conv2d", "batchnorm")]


def _hidden(doc: dict) -> list[dict]:
    layers = doc["network"]["layers"]
    return [layers[i] for i in hidden_indices(layers)]


def _normed(layers: Sequence[Mapping[str, Any]], i: int) -> bool:
    """Whether a batch norm follows layer i (and carries its activation: affine → BN → f)."""
    return i + 1 < len(layers) and layers[i + 1].get("type") == "batchnorm"


def _set_activation(doc: dict, value: str) -> None:
    layers = _hidden(doc)
    # where batch norm carries the activation (affine → BN → f), the affine layer stays linear
    all_layers = doc["network"]["layers"]
    carried = {id(l) for i, l in enumerate(all_layers) if _normed(all_layers, i)}
    for layer in layers:
        if id(layer) not in carried:
            layer["activation"] = value


def _set_init(doc: dict, value: str) -> None:
    for layer in doc["network"]["layers"]:
        if layer.get("type") in ("dense", "conv2d"):
            layer["init"] = value


def _set_init_std(doc: dict, value: float) -> None:
    for layer in doc["network"]["layers"]:
        if layer.get("type") in ("dense", "conv2d"):
            layer["init"], layer["std"] = "normal", value


def _set_units(doc: dict, value: int) -> None:
    for layer in _hidden(doc):
        if layer.get("type") == "dense":
            layer["units"] = value


def _set_batchnorm(doc: dict, value: str) -> None:
    """"with": a batch norm after every hidden dense or conv layer that has none, taking over
    its activation (the book's affine → batch norm → ReLU); "without": none, the activation
    back on the layer before."""
    layers = doc["network"]["layers"]
    last_dense = max((i for i, l in enumerate(layers) if l.get("type") == "dense"), default=len(layers))
    out: list[dict] = []
    for i, layer in enumerate(layers):
        if layer.get("type") == "batchnorm":
            if value == "without" and out:
                act = layer.get("activation", "identity")
                if act != "identity" and out[-1].get("activation", "identity") == "identity":
                    out[-1]["activation"] = act
                continue
        out.append(layer)
        if value == "with" and i < last_dense and layer.get("type") in ("dense", "conv2d") and not _normed(layers, i):
            act = layer.get("activation", "relu")
            layer["activation"] = "identity"
            out.append({"type": "batchnorm", "activation": act})
    doc["network"]["layers"] = out


def _set_rule(doc: dict, value: str) -> None:
    """The update rule at the learning rate the book gives it (§6's race: SGD, Momentum and
    AdaGrad at 0.01, Adam at 0.001) instead of the project's one rate."""
    doc.setdefault("optimizer", {}).update(name=value, lr=RULES[value].book_lr)


def _set_dropout(doc: dict, value: float) -> None:
    """Every dropout layer's ratio; a network without any gets one after each hidden dense
    layer (after its batch norm where it has one; convolutions get none), with the editor's
    convention, unless the value is 0. A project that keeps dropout layers of ratio 0 chooses
    their convention itself (mnist_overfit.json: the book's, scale_at "inference", §8)."""
    layers = doc["network"]["layers"]
    dropouts = [l for l in layers if l.get("type") == "dropout"]
    if dropouts or not value:
        for layer in dropouts:
            layer["ratio"] = value
        return
    after = set()
    for i in hidden_indices(layers):
        kind = layers[i].get("type")
        after_dense = i > 0 and layers[i - 1].get("type") == "dense"
        if kind == "dense" and not _normed(layers, i) or kind == "batchnorm" and after_dense:
            after.add(i)
    out: list[dict] = []
    for i, layer in enumerate(layers):
        out.append(layer)
        if i in after:
            out.append({"type": "dropout", "ratio": value})
    doc["network"]["layers"] = out


def _section(name: str, key: str) -> Callable[[dict, Any], None]:
    def apply(doc: dict, value: Any) -> None:
        doc.setdefault(name, {})[key] = value
    return apply


@dataclass(frozen=True)
class Knob:
    name: str
    kind: str                          # "float", "int" or "choice"
    apply: Callable[[dict, Any], None] = field(repr=False, compare=False)
    choices: tuple[str, ...] = ()
    log: bool = False                  # a random search draws it on a log scale
    lowest: float = -math.inf          # the smallest value it takes (a random search's bound)
    below: float = math.inf            # every value is less than this


KNOBS: dict[str, Knob] = {k.name: k for k in (
    Knob("lr", "float", _section("optimizer", "lr"), log=True, lowest=0.0),
    Knob("optimizer", "choice", _section("optimizer", "name"), choices=tuple(RULES)),
    Knob("rule", "choice", _set_rule, choices=tuple(RULES)),
    Knob("batch_size", "int", _section("training", "batch_size"), lowest=1),
    Knob("weight_decay", "float", _section("training", "weight_decay"), log=True, lowest=0.0),
    Knob("seed", "int", _section("training", "seed"), lowest=0),
    Knob("activation", "choice", _set_activation, choices=tuple(a for a in ACTIVATIONS if a != "softmax")),
    Knob("init", "choice", _set_init, choices=INITS),
    Knob("init_std", "float", _set_init_std, log=True, lowest=0.0),
    Knob("units", "int", _set_units, lowest=1),
    Knob("batchnorm", "choice", _set_batchnorm, choices=("without", "with")),
    Knob("dropout", "float", _set_dropout, lowest=0.0, below=1.0),
)}


class ComparisonError(ValueError):
    """A plan that cannot be trained. ``code`` says which rule it breaks, ``params`` the
    details (for a message in the learner's language); str() is the English fallback."""

    def __init__(self, code: str, message: str, **params: Any) -> None:
        super().__init__(message)
        self.code, self.params = code, params


def parse_values(knob: str, text: str) -> list[Any]:
    """A knob's values from text: comma-separated (``0.01, 0.1``; ``sgd, adam``), or for
    numbers ``a..b/n``, n values from a to b, evenly spaced on a log scale for a rate and
    linearly otherwise (``1e-4..1/16``: §7's 16 weight scales)."""
    k = _knob(knob)
    text = text.strip()
    if not text:
        raise ComparisonError("no_values", f"{knob}: no values given", knob=knob)
    if k.kind != "choice" and ".." in text:
        span, _, count = text.partition("/")
        lo_text, _, hi_text = span.partition("..")
        lo, hi = _number(k, lo_text, ranged=True), _number(k, hi_text, ranged=True)
        try:
            n = int(count) if count.strip() else 2
        except ValueError:
            raise ComparisonError("bad_count", f"{knob}: {count.strip()!r} is not a whole number of values",
                                  knob=knob, text=count.strip()) from None
        if not 2 <= n <= MAX_VARIANTS:
            raise ComparisonError("bad_count", f"{knob}: between 2 and {MAX_VARIANTS} values, not {n}",
                                  knob=knob, text=str(n))
        values = np.geomspace(lo, hi, n) if k.log else np.linspace(lo, hi, n)   # rates: above 0 (_number)
        # counts rounded to whole numbers once each (1..3/5 is 1, 2, 3, not 1, 2, 2, 2, 3)
        return list(dict.fromkeys(int(round(v)) if k.kind == "int" else float(f"{v:.6g}") for v in values))
    values = [part.strip() for part in text.split(",") if part.strip()]
    if k.kind == "choice":
        for v in values:
            if v not in k.choices:
                raise ComparisonError("bad_choice", f"{knob}: {v!r} is not one of {', '.join(k.choices)}",
                                      knob=knob, value=v, allowed=", ".join(k.choices))
        return values
    return [_number(k, v) for v in values]


def _knob(name: str) -> Knob:
    try:
        return KNOBS[name]
    except KeyError:
        raise ComparisonError("unknown_knob", f"{name!r} is not a setting a comparison can vary; "
                              f"allowed: {', '.join(KNOBS)}", knob=name, allowed=", ".join(KNOBS)) from None


def _number(k: Knob, text: str, ranged: bool = False) -> float | int:
    """A knob's number from text; ``ranged``: a bound of a range, which a rate's log scale
    needs above 0 (a listed weight decay may be 0)."""
    text = text.strip()
    try:
        v = float(text)
    except ValueError:
        raise ComparisonError("not_a_number", f"{k.name}: {text!r} is not a number", knob=k.name, text=text) from None
    if k.kind == "int":
        if not v.is_integer():
            raise ComparisonError("not_whole", f"{k.name}: {text!r} is not a whole number", knob=k.name, text=text)
        v = int(v)
    if not math.isfinite(v) or v < k.lowest or v >= k.below:
        raise ComparisonError("out_of_range", f"{k.name}: {text} is out of range", knob=k.name, text=text)
    if ranged and k.log and v <= 0:
        raise ComparisonError("log_range", f"{k.name}: a range on a log scale needs bounds above 0, not {text}",
                              knob=k.name, text=text)
    return v


# --------------------------------------------------------------------------- plans
@dataclass(frozen=True)
class Variant:
    values: tuple[tuple[str, Any], ...]       # (knob, value) pairs, in the plan's order
    project: Project

    @property
    def label(self) -> str:
        return ", ".join(f"{k} {shown_value(v)}" for k, v in self.values)


def shown_value(v: Any) -> str:
    """A knob's value as labels show it: rates to three digits."""
    return f"{v:.3g}" if isinstance(v, float) else str(v)


def variant(base: Project, values: Sequence[tuple[str, Any]]) -> Variant:
    """The base project with these knob values; SpecError (naming the field) where the
    result is not a valid project (units 0, an activation the loss forbids, ...)."""
    doc = copy.deepcopy(base.to_dict())
    for name, value in values:
        _knob(name).apply(doc, value)
    return Variant(tuple(values), Project.from_dict(doc))


def grid(base: Project, axes: Sequence[tuple[str, Sequence[Any]]]) -> list[Variant]:
    """Every combination of the values of one or two knobs (the first knob's values vary slowest)."""
    if not axes:
        raise ComparisonError("no_knob", "choose a setting to vary")
    names = [name for name, _ in axes]
    _check_names(names)
    count = math.prod(len(values) for _, values in axes)
    if count > MAX_VARIANTS:
        raise ComparisonError("too_many", f"{count} variants; at most {MAX_VARIANTS}", count=count,
                              most=MAX_VARIANTS)
    for name, values in axes:
        _check_effect(base, name, values)
    return [variant(base, tuple(zip(names, combo))) for combo in itertools.product(*(v for _, v in axes))]


#: per knob, the other knobs a plan cannot vary with it: ``rule`` sets the update rule and its
#: learning rate, so labels naming another rate or rule would not say what trained
CLASHES: dict[str, frozenset[str]] = {"rule": frozenset({"lr", "optimizer"}),
                                      "lr": frozenset({"rule"}), "optimizer": frozenset({"rule"})}


def clashes(name: str) -> frozenset[str]:
    """The knobs that cannot be varied in one plan with ``name``, ``name`` itself included."""
    return CLASHES.get(name, frozenset()) | {name}


def _check_names(names: Sequence[str]) -> None:
    """The knobs of one plan: each once, and not the learning rate or the update rule beside
    ``rule`` (see CLASHES)."""
    if len(set(names)) != len(names):
        raise ComparisonError("same_knob", f"{names[0]} is chosen twice", knob=names[0])
    if "rule" in names and CLASHES["rule"] & set(names):
        raise ComparisonError("rule_sets_lr", "rule sets each update rule's learning rate itself: "
                              "neither lr nor optimizer can be varied beside it", knob="rule")


def _check_effect(base: Project, name: str, values: Sequence[Any]) -> None:
    """ComparisonError("no_effect") where every value of a knob gives the same project (a
    hidden-layer knob on a network without hidden layers): its variants would only repeat."""
    if len(values) > 1 and len({repr(variant(base, [(name, v)]).project) for v in values}) == 1:
        raise ComparisonError("no_effect", f"{name} changes nothing in this network", knob=name)


#: a search with new seeds draws each trial a different training seed below this (short
#: enough to read in the results table, plenty for its at most MAX_VARIANTS trials)
SEARCH_SEEDS = 10_000


def random_search(base: Project, ranges: Sequence[tuple[str, float, float]], trials: int,
                  seed: int = 0, new_seeds: bool = False) -> list[Variant]:
    """``trials`` variants with each knob drawn uniformly in [low, high], on a log scale for
    rates (lr, weight decay, init std): §8's search draws lr in 1e-6…1e-2 and weight decay in
    1e-8…1e-4. With ``new_seeds`` each trial also draws its own training seed (its initial
    weights and batch order), as each trial of the book's search starts from new random
    weights; otherwise all start from the project's, and differ only in the drawn values."""
    if not ranges:
        raise ComparisonError("no_knob", "choose a setting to vary")
    if not 1 <= trials <= MAX_VARIANTS:
        raise ComparisonError("too_many", f"{trials} trials; from 1 to {MAX_VARIANTS}", count=trials,
                              most=MAX_VARIANTS)
    _check_names([name for name, _, _ in ranges])
    rng = np.random.default_rng(seed)
    drawn: list[list[tuple[str, Any]]] = [[] for _ in range(trials)]
    for name, low, high in ranges:
        k = _knob(name)
        if k.kind == "choice":
            raise ComparisonError("not_numeric", f"{name} has no range to draw from", knob=name)
        low, high = sorted((_number(k, str(low), ranged=True), _number(k, str(high), ranged=True)))
        if k.log:
            values = np.exp(rng.uniform(math.log(low), math.log(high), trials))
        elif k.kind == "int":
            values = rng.integers(int(low), int(high) + 1, trials)
        else:
            values = rng.uniform(low, high, trials)
        for row, v in zip(drawn, values):
            row.append((name, int(v) if k.kind == "int" else float(v)))
        _check_effect(base, name, [low, high])
    if new_seeds and "seed" not in (name for name, _, _ in ranges):
        for row, v in zip(drawn, rng.choice(SEARCH_SEEDS, trials, replace=False)):
            row.append(("seed", int(v)))
    return [variant(base, row) for row in drawn]


# --------------------------------------------------------------------------- training
@dataclass(frozen=True)
class Outcome:
    """How a variant ended: its last numbers, or where it diverged."""
    iterations: int
    seconds: float                         # spent training (the trainer's own clock)
    train_loss: float | None = None
    train_accuracy: float | None = None
    eval_loss: float | None = None         # on the comparison's evaluation split
    eval_accuracy: float | None = None
    diverged: DivergenceError | None = None
    stopped: bool = False                  # cut short by a stop


@dataclass(frozen=True)
class Progress:
    """What happened to one variant in one turn: its batch losses by iteration, the
    evaluations at epoch ends (iteration, loss and accuracy on the evaluation split, accuracy
    on the whole training set where the comparison evaluates it: §8's gap between the two),
    its outcome when it ended, and for a one-variable function its output along
    :attr:`Comparison.fit_x` after the turn."""
    index: int
    iterations: tuple[int, ...]
    losses: tuple[float, ...]
    evaluations: tuple[tuple[int, float, float | None, float | None], ...] = ()
    outcome: Outcome | None = None
    fit: tuple[float, ...] | None = None


FIT_POINTS = 200


def fit_grid(dataset: Dataset) -> np.ndarray | None:
    """FIT_POINTS inputs evenly across the training inputs, where the data is a function of one
    variable (regression, one input, one output: CURRICULUM §10); else None."""
    if not dataset.one_variable_function or not dataset.n_train:
        return None
    x = np.asarray(dataset.x_train, dtype=np.float64)[:, 0]
    lo, hi = float(x.min()), float(x.max())
    return np.linspace(lo, hi, FIT_POINTS) if lo < hi else None


class Comparison:
    """Trains ``variants`` on ``dataset`` for ``iterations`` updates each, in turns of
    ``turn`` updates. Accuracy is judged on the validation split when the data set has one
    (hyper-parameters are chosen there, §8), else on the test split (:attr:`eval_split`).
    ``evaluate_train``: the whole training set is evaluated at every epoch end too (a pass over
    it per variant and epoch), for the accuracy curves beside the evaluation split's."""

    def __init__(self, variants: Sequence[Variant], dataset: Dataset, iterations: int, turn: int = 20,
                 evaluate_train: bool = False) -> None:
        if not variants:
            raise ComparisonError("no_variants", "nothing to train")
        if len(variants) > MAX_VARIANTS:
            raise ComparisonError("too_many", f"{len(variants)} variants; at most {MAX_VARIANTS}",
                                  count=len(variants), most=MAX_VARIANTS)
        if iterations < 1:
            raise ComparisonError("no_iterations", "train at least one update")
        for v in variants:
            check_fits(v.project, dataset)
        self.variants = tuple(variants)
        self.dataset = dataset
        self.iterations = int(iterations)
        self.turn = max(1, int(turn))
        self.evaluate_train = evaluate_train
        has_val = dataset.x_val is not None and len(dataset.x_val)
        self.eval_split = "validation" if has_val else "test"
        self.x_eval, self.t_eval = (dataset.x_val, dataset.y_val) if has_val else (dataset.x_test, dataset.y_test)
        self._converted: dict[np.dtype, tuple[np.ndarray, ...]] = {}
        self._trainers: list[Trainer] = []
        self.fit_x = fit_grid(dataset)

    def _data(self, dtype) -> tuple[np.ndarray, ...]:
        """The training and evaluation arrays in a network's dtype, converted once for all the
        variants (a float64 copy of MNIST per variant would be 370 MB each)."""
        key = np.dtype(dtype)
        if key not in self._converted:
            ds = self.dataset

            def conv(a):
                return a if a is None or a.dtype.kind in "iu" else np.asarray(a, dtype=key)
            self._converted[key] = (conv(ds.x_train), conv(ds.y_train), conv(self.x_eval), conv(self.t_eval))
        return self._converted[key]

    def _trainer(self, v: Variant) -> Trainer:
        network = build_network(v.project)
        x, t, x_eval, t_eval = self._data(network.dtype)
        steps = steps_per_epoch(len(x), v.project.training.batch_size)
        # the comparison's own budget, whatever length the project gives a run (its run would
        # end, and be evaluated, at the project's count of iterations)
        spec = v.project.with_length(epochs=math.ceil(self.iterations / steps)).training
        return Trainer(network, make_optimizer(v.project.optimizer), spec, x, t, x_eval, t_eval,
                       evaluate_train=self.evaluate_train)

    def stop_all(self) -> None:
        """Thread-safe: end the run at once, a numerical update in the middle included (with
        the ``stop`` given to :meth:`run` saying True from now on)."""
        for trainer in self._trainers:
            trainer.post(Stop())

    def run(self, stop: Callable[[], bool] = lambda: False) -> Iterator[Progress]:
        """One Progress per variant and turn, until every variant has its outcome; ``stop()``
        (asked before every update) ends them all early: their outcomes say ``stopped`` and
        hold the evaluation split's numbers only (the whole training set would keep a closing
        window waiting). Each turn runs under its variant's BLAS thread limit."""
        trainers = self._trainers = [self._trainer(v) for v in self.variants]
        runs = [t.run(own_thread_limit=False) for t in trainers]
        active = list(range(len(runs)))
        try:
            while active:
                for i in list(active):
                    its, losses, evals = [], [], []
                    outcome, snap = None, None
                    try:
                        with trainers[i].blas_threads():
                            for _ in range(self.turn):
                                if stop():
                                    break
                                snap = next(runs[i], None)
                                if snap is None:
                                    break
                                its.append(snap.iteration)
                                losses.append(snap.data_loss)       # as the table: weight decay's term left out
                                if snap.epoch_end and snap.test_loss is not None:
                                    evals.append((snap.iteration, snap.test_loss, snap.test_accuracy,
                                                  snap.train_accuracy))
                                if snap.iteration >= self.iterations:
                                    break
                    except DivergenceError as err:
                        outcome = Outcome(trainers[i].iteration, trainers[i].elapsed, diverged=err)
                    if outcome is None and stop():
                        yield Progress(i, tuple(its), tuple(losses), tuple(evals), fit=self._fit(trainers[i]))
                        for j in active:
                            yield Progress(j, (), (), outcome=self._outcome(trainers[j], stopped=True))
                        return
                    if outcome is None and (trainers[i].iteration >= self.iterations or snap is None):
                        outcome = self._outcome(trainers[i])
                    if outcome is not None:
                        active.remove(i)
                        runs[i].close()
                    fit = self._fit(trainers[i]) if outcome is None or outcome.diverged is None else None
                    yield Progress(i, tuple(its), tuple(losses), tuple(evals), outcome, fit)
        finally:
            for r in runs:
                r.close()

    def _fit(self, trainer: Trainer) -> tuple[float, ...] | None:
        """The network's output along fit_x (None where there is no curve to draw)."""
        if self.fit_x is None:
            return None
        net = trainer.network
        return tuple(float(v) for v in net.predict(self.fit_x[:, None].astype(net.dtype))[:, 0])

    def _outcome(self, trainer: Trainer, stopped: bool = False) -> Outcome:
        """The variant's final numbers: the whole training set (not when stopped) and the
        evaluation split."""
        net = trainer.network
        train_loss, train_acc = (None, None) if stopped else net.evaluate(trainer.x_train, trainer.t_train)
        eval_loss, eval_acc = net.evaluate(trainer.x_test, trainer.t_test)
        return Outcome(trainer.iteration, trainer.elapsed, train_loss, train_acc, eval_loss, eval_acc, stopped=stopped)


# --------------------------------------------------------------------------- results
RESULT_COLUMNS = ("iterations", "seconds", "train_loss", "train_accuracy", "eval_loss", "eval_accuracy", "ended")


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


def ending(outcome: Outcome | None) -> str:
    """"done", "stopped", "diverged" or "running" (no outcome yet)."""
    if outcome is None:
        return "running"
    return "diverged" if outcome.diverged is not None else "stopped" if outcome.stopped else "done"


def results_rows(variants: Sequence[Variant], outcomes: Mapping[int, Outcome]) -> list[list[str]]:
    """A header and one row per variant: its knob values, then RESULT_COLUMNS (the losses and
    accuracies at the end; eval_ on the comparison's evaluation split)."""
    knobs = list(dict.fromkeys(k for v in variants for k, _ in v.values))
    rows = [knobs + list(RESULT_COLUMNS)]
    for i, v in enumerate(variants):
        values = dict(v.values)
        o = outcomes.get(i)
        numbers = [None] * 6 if o is None else [o.iterations, o.seconds, o.train_loss, o.train_accuracy,
                                                 o.eval_loss, o.eval_accuracy]
        rows.append([_cell(values.get(k)) for k in knobs] + [_cell(n) for n in numbers] + [ending(o)])
    return rows


def results_csv(variants: Sequence[Variant], outcomes: Mapping[int, Outcome]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(results_rows(variants, outcomes))
    return buffer.getvalue().encode("utf-8")


def save_results(path: os.PathLike | str, variants: Sequence[Variant], outcomes: Mapping[int, Outcome]) -> None:
    """The results table as CSV, written atomically (FileFormatError saying why it could not be)."""
    write_file_atomically(Path(path), results_csv(variants, outcomes), FileFormatError)


__all__ = ["Comparison", "ComparisonError", "KNOBS", "Knob", "MAX_VARIANTS", "Outcome", "Progress",
           "RESULT_COLUMNS", "SEARCH_SEEDS", "Variant", "ending", "grid", "parse_values", "random_search",
           "results_csv", "results_rows", "save_results", "shown_value", "variant"]
