"""Numerical differentiation and the gradient check: backprop against central differences.

The numerical gradient of a parameter entry is (E(w + h) − E(w − h)) / 2h: two full
forward passes per entry, which is why backprop exists. The check reports, per parameter,
the largest relative error |a − n| / max(|a| + |n|, tiny), the mean absolute difference (the
book's measure) and the time each method took.

Where w − h and w + h lie on two sides of a kink (a ReLU's, leaky ReLU's or step's input
changing sign, another element winning a max pooling window, an L1 weight changing sign) the
central difference mixes the two sides (their slopes' mean, or a step's jump over 2h), while
backprop rightly takes one side's derivative: such an entry disagrees by a lot although nothing
is wrong. Blank MNIST pixels under a zero bias put a convolution's outputs exactly on ReLU's
kink. The check watches the branches each forward pass took (Network.branches) and marks those
entries, so that a verdict can leave them out and say how many there were.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .network import Network
from .recording import Phase

# how a recorded formula writes a parameter (the names of the trace's arrays stay as they are)
SYMBOLS = {"gamma": "γ", "beta": "β"}
DEFAULT_H = 1e-4   # the book's step; in float64 use 1e-5 … 1e-6 for tighter agreement
# how many entries numerical_gradient differentiates between two looks at ``interrupted``
CHECK_EVERY = 16
# backprop is timed as the fastest of this many passes: the first pays for first-call costs
# (allocations, caches), which made a small network's backprop, 7 ms cold against 0.2 ms warm,
# look slower than its numerical gradient's thirty entries (1.4 ms)
BACKPROP_TIMINGS = 3


class OwnTime:
    """Seconds a computation took of its own: wall time since creation minus the time spent
    inside the callbacks it was handed through :meth:`around` (a window's progress dialog
    processes events there, for as long as the user takes to move it)."""

    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.outside = 0.0

    def around(self, callback: Callable | None) -> Callable | None:
        if callback is None:
            return None

        def timed(*args):
            t0 = time.perf_counter()
            try:
                return callback(*args)
            finally:
                self.outside += time.perf_counter() - t0
        return timed

    def seconds(self) -> float:
        return time.perf_counter() - self.start - self.outside


class Interrupted(Exception):
    """numerical_gradient stopped because ``interrupted()`` said so (the entry it was on is
    restored)."""


def default_step(dtype) -> float:
    """The central difference's h for a network of this dtype: small in float64; in float32
    the loss carries about 1e-7 of rounding, which a small h would divide into noise."""
    return 1e-5 if np.dtype(dtype) == np.float64 else 1e-2


def numerical_gradient(f: Callable[[], float], x: np.ndarray, h: float = DEFAULT_H,
                       indices: np.ndarray | None = None,
                       interrupted: Callable[[], bool] | None = None,
                       progress: Callable[[int], None] | None = None) -> np.ndarray:
    """Central differences of f() with respect to the entries of x (perturbed in place and
    restored). With ``indices`` (flat positions) only those entries are computed; the others
    stay NaN. Every CHECK_EVERY entries ``progress(n)`` hears how many are done and
    ``interrupted`` is asked; True raises Interrupted. f runs twice per entry, at w + h and
    then at w − h, entry after entry in the order of ``indices``."""
    grad = np.full(x.shape, np.nan if indices is not None else 0.0, dtype=np.float64)
    flat = x.reshape(-1)
    gflat = grad.reshape(-1)
    todo = range(flat.size) if indices is None else indices
    for n, i in enumerate(todo):
        if n % CHECK_EVERY == 0:
            if progress is not None:
                progress(n)
            if interrupted is not None and interrupted():
                raise Interrupted
        old = flat[i]
        try:
            flat[i] = old + h
            fp = f()
            flat[i] = old - h
            fm = f()
        finally:
            flat[i] = old
        gflat[i] = (fp - fm) / (2 * h)
    return grad


def numerical_gradients(net: Network, x: np.ndarray, t: np.ndarray, h: float | None = None,
                        interrupted: Callable[[], bool] | None = None) -> dict[str, np.ndarray]:
    """∂L/∂p of the data loss on (x, t) for every parameter by central differences: training
    with numerical gradients (the book's first, slow way; 2 forward passes per entry). Dropout
    keeps the masks of the last forward pass; batch norm's running statistics are put back as
    they were. Float64 arrays by qualified name; Interrupted when ``interrupted()`` says so."""
    if h is None:
        h = default_step(net.dtype)
    buffers = net.buffer_state()

    def f() -> float:
        net.loss(x, t, train=True)
        return net.last_data_loss

    try:
        with net.frozen_masks():
            return {name: numerical_gradient(f, p, h, interrupted=interrupted)
                    for name, p in net.parameters().items()}
    finally:
        net.restore_buffers(buffers)


def numerical_backward(net: Network, x: np.ndarray, t: np.ndarray, interrupted: Callable[[], bool] | None = None,
                       rec=None, undo: tuple | None = None) -> None:
    """Training's backward pass done the book's first way: the layers' gradients (``grads``)
    are the central differences of the data loss on (x, t) after the forward pass that gave
    it, with weight decay and L1 added as backprop adds them; the layers' outputs are those of
    the unperturbed weights again afterwards. With ``rec`` each parameter's gradient is one
    recorded operation. Interrupted leaves the weights as they were, and the network's random
    state as ``undo`` (Network.random_state() before that forward pass) has it."""
    h = default_step(net.dtype)
    try:
        grads = numerical_gradients(net, x, t, h, interrupted=interrupted)
    except Interrupted:
        if undo is not None:
            net.restore_random_state(undo)
        raise
    kept = net.buffer_state()
    with net.frozen_masks():              # the layers' outputs of the unperturbed weights again
        net.loss(x, t, train=True)
    net.restore_buffers(kept)
    for layer, names in net.named_layers():
        layer.products.clear()
        layer.grads.clear()
        for k, p in layer.params.items():
            g = layer.grads[k] = grads[names[k]].astype(p.dtype)
            if rec is not None:
                s = SYMBOLS.get(k, k)       # symbols only: a formula with words needs a translation
                rec(Phase.BACKWARD, layer, "numerical_gradient",
                    f"∂E/∂{s} ≈ (E({s} + h) − E({s} − h)) / 2h,  h = {h:g}",
                    f"d{k} = numerical_gradient(lambda: data_loss(x, t), {k}, h={h:g})",
                    note=names[k], **{k: p, f"d{k}": g})
    net.add_regularization_gradients(rec=rec)


@dataclass(frozen=True)
class ParamCheck:
    name: str
    shape: tuple[int, ...]
    checked: int                 # entries compared
    max_rel_error: float
    mean_abs_diff: float
    backprop: np.ndarray         # the analytic gradient entries compared
    numerical: np.ndarray        # the numerical gradient entries compared
    indices: np.ndarray          # flat positions of the compared entries
    numerical_seconds: float
    nonzero: int                 # entries of the whole parameter whose backprop gradient is not 0
    crossed: np.ndarray          # per compared entry: its central difference straddled a kink

    @property
    def kinks(self) -> int:
        """How many compared entries straddled a kink."""
        return int(np.count_nonzero(self.crossed))

    @property
    def smooth_max_rel_error(self) -> float:
        """The largest relative error among the entries that did not straddle a kink: the
        figure that says whether backprop is right. NaN only when every entry straddled one;
        a NaN among the judged entries (a gradient that is NaN) counts as an infinite error."""
        return self._max_rel_error(~self.crossed)

    @property
    def kink_max_rel_error(self) -> float:
        """The largest relative error among the entries that straddled a kink (NaN without any)."""
        return self._max_rel_error(self.crossed)

    def _max_rel_error(self, where: np.ndarray) -> float:
        rel = relative_error(self.backprop[where], self.numerical[where])
        return float(np.where(np.isnan(rel), np.inf, rel).max()) if rel.size else float("nan")


@dataclass(frozen=True)
class GradCheckReport:
    params: tuple[ParamCheck, ...]
    backprop_seconds: float

    @property
    def max_rel_error(self) -> float:
        return max(p.max_rel_error for p in self.params)

    @property
    def smooth_max_rel_error(self) -> float:
        """The largest relative error off the kinks (NaN when every entry straddled one)."""
        judged = [e for p in self.params if not math.isnan(e := p.smooth_max_rel_error)]
        return max(judged, default=float("nan"))

    @property
    def kinks(self) -> int:
        return sum(p.kinks for p in self.params)

    def by_name(self) -> dict[str, ParamCheck]:
        return {p.name: p for p in self.params}


# below this size both gradients count as zero: the error is then measured absolutely
# (a bias in front of batch norm has a true gradient of exactly 0)
REL_FLOOR = 1e-8


def relative_error(a: np.ndarray, n: np.ndarray) -> np.ndarray:
    """|a − n| / (|a| + |n|), or the absolute |a − n| where |a| + |n| < REL_FLOOR.

    (Dividing such entries by REL_FLOOR instead would turn the numerical gradient's rounding
    noise, ~1e-11 in float64, into a "relative error" of ~1e-3 for a true zero.)
    """
    diff = np.abs(a - n)
    size = np.abs(a) + np.abs(n)
    return np.where(size < REL_FLOOR, diff, diff / np.maximum(size, REL_FLOOR))


ZERO_SHARE = 4    # a sample keeps one entry in this many for those backprop says are 0


def entries_to_check(size: int, max_entries: int | None, sample: int | None = None) -> int:
    """How many entries of a parameter of ``size`` entries gradient_check compares: all of
    them up to ``max_entries`` (None: no limit), else ``sample`` (default max_entries)."""
    if max_entries is None or size <= max_entries:
        return size
    return min(size, sample or max_entries)


def sample_entries(grad: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """n flat positions of a parameter to check, sorted and drawn at random: most among the
    entries whose backprop gradient is not 0, one in ZERO_SHARE among those it says are 0.
    A draw from all of MNIST's first-layer weights is mostly zeros (the border pixels are 0
    in every image), which test little; but a backprop that wrongly gives 0 (a lost path, a
    wrong mask) shows only among the zeros, so they keep their share."""
    flat = grad.reshape(-1)
    n = min(n, flat.size)
    live, zeros = np.flatnonzero(flat), np.flatnonzero(flat == 0)
    share = -(-n // ZERO_SHARE) if len(zeros) else 0         # ceil(n / ZERO_SHARE)
    n_zero = min(len(zeros), max(n - len(live), share))
    picked = [rng.choice(live, size=n - n_zero, replace=False), rng.choice(zeros, size=n_zero, replace=False)]
    return np.sort(np.concatenate(picked))


def gradient_check(net: Network, x: np.ndarray, t: np.ndarray, *, names: list[str] | None = None,
                   max_entries: int | None = None, sample: int | None = None, h: float | None = None,
                   seed: int = 0, interrupted: Callable[[], bool] | None = None,
                   progress: Callable[[int], None] | None = None) -> GradCheckReport:
    """Compare backprop with central differences on a training-mode forward pass.

    Dropout masks are frozen during the check so that every forward pass computes the same
    function. A parameter with more than ``max_entries`` entries (None: no limit) is checked
    on a sample of ``sample`` of them (default max_entries; see entries_to_check and
    sample_entries). ``interrupted`` is asked every CHECK_EVERY entries, True raising
    Interrupted; ``progress(n)`` is told the entries done so far, as often. Batch norm's
    running statistics are restored afterwards, also when interrupted. Entries whose two
    passes straddled a kink are marked in ``ParamCheck.crossed`` (see the module text).
    """
    if h is None:
        h = default_step(net.dtype)
    rng = np.random.default_rng(seed)
    buffers = net.buffer_state()
    params = net.parameters()
    todo = names if names is not None else list(params)
    l1_weights = set(net.weight_names())
    try:
        with net.frozen_masks():
            backprop_seconds = float("inf")
            for _ in range(BACKPROP_TIMINGS):       # the same gradients each time (masks frozen)
                t0 = time.perf_counter()
                net.loss(x, t, train=True)
                net.backward()
                backprop_seconds = min(backprop_seconds, time.perf_counter() - t0)
            grads = {k: v.copy() for k, v in net.gradients().items()}
            base = net.branches()
            moved: list[bool] = []      # per forward pass: it took another side of a kink

            def f() -> float:
                loss = net.loss(x, t, train=True)
                moved.append(any(not np.array_equal(a, b) for a, b in zip(net.branches(), base)))
                return loss

            results = []
            checked = 0
            for name in todo:
                p, grad = params[name], grads[name]
                n = entries_to_check(p.size, max_entries, sample)
                idx = np.arange(p.size) if n == p.size else sample_entries(grad, n, rng)
                clock = OwnTime()       # the numerical gradient's own time, not the caller's
                told = None if progress is None else (lambda done, before=checked: progress(before + done))
                moved.clear()
                num = numerical_gradient(f, p, h, indices=idx, interrupted=clock.around(interrupted),
                                         progress=clock.around(told)).reshape(-1)[idx]
                secs = clock.seconds()
                # numerical_gradient runs f twice per entry, w + h then w − h, in the order of idx
                crossed = np.array(moved, dtype=bool).reshape(len(idx), 2).any(axis=1)
                if net.l1 and name in l1_weights:       # |w| has its kink at w = 0
                    w = np.abs(p.reshape(-1)[idx])
                    crossed |= (w > 0) & (w < h)
                checked += len(idx)
                ana = grad.reshape(-1)[idx].astype(np.float64)
                rel = relative_error(ana, num)
                results.append(ParamCheck(name, p.shape, len(idx), float(rel.max()),
                                          float(np.abs(ana - num).mean()), ana, num, idx, secs,
                                          int(np.count_nonzero(grad)), crossed))
    finally:
        # the numerical passes moved batch norm's running statistics: put them back
        net.restore_buffers(buffers)
    return GradCheckReport(tuple(results), backprop_seconds)
