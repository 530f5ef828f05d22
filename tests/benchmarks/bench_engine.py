"""Engine speed against PyTorch CPU, measured side by side in one run (issue 2, section 5).

    .venv/bin/python tests/benchmarks/bench_engine.py [--quick] [--only TEXT] [--repeats N] [--one-thread] [--bare]

What is timed on our side is the engine *as the app runs it*: ``Trainer.run()`` with its
batch gathering, loss, backward, update, gradient and weight norms and the frozen Snapshot
of every iteration, consumed from the generator. The PyTorch side is a plain, idiomatic
training loop (gather the batch, forward, cross-entropy, backward, SGD step, ``loss.item()``)
with ``torch.set_num_threads(2)`` and float32. Both see the same MNIST images in the same
order and start from the same weights (ours copied into torch).

The machine is shared, so absolute numbers are noisy: every configuration runs torch and
ours alternately a few times and keeps the best of each; the ratio is what counts. Epoch-end
evaluation is not part of the throughput runs (they stop before the epoch ends).

With ``--bare`` the MLP rows also time the plainest float32 NumPy training loop of the same
network (``bare_rate``: the textbook lines, no gradient or weight norms, no snapshots, no
checks) beside the two: how fast NumPy and its BLAS train that network on this machine without
the engine. Where even that loop falls short of a target, most of the miss lies in the BLAS
products, which any NumPy engine runs.

The last part trains one epoch of MNIST 784-100-10 on both from the same initial weights and
batch order and compares the test accuracies (it is the same math). Without torch installed
the PyTorch columns are left empty and only our numbers are printed.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np
from threadpoolctl import threadpool_limits

from nnstudio.data import DataError, load as load_dataset
from nnstudio.engine.network import Network
from nnstudio.engine.optimizers import make_optimizer
from nnstudio.engine.spec import (Conv2dSpec, DenseSpec, FlattenSpec, NetworkSpec, OptimizerSpec,
                                  PoolSpec, TrainingSpec)
from nnstudio.engine.trainer import SMALL_BATCH, Trainer

try:
    import torch
    import torch.nn.functional as F
except ImportError:  # the benchmark still reports our own numbers
    torch = None

SEED = 0
LR = 0.01
WARMUP_STEPS = 3
# after one library has run, its idle worker threads (OpenBLAS's, torch's OpenMP pool) keep
# spinning for a moment and would steal a core from the other; wait that out before timing
SETTLE_SECONDS = 0.15
# what the throughput runs are timed by: wall time, or with --one-thread the CPU time of the
# one thread doing the work (a ratio that a busy machine barely moves)
clock = time.perf_counter


# --------------------------------------------------------------------------- data
def load_mnist() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, str]:
    """MNIST through the app's own loader (float32 rows in [0, 1], int labels); random data of
    the same shape if it cannot be loaded (throughput does not depend on the pixel values)."""
    try:
        ds = load_dataset({"name": "mnist"})
    except DataError as e:
        print(f"MNIST not available ({e}); using random data of its shape", file=sys.stderr)
        rng = np.random.default_rng(1)
        return (rng.random((60000, 784), dtype=np.float32), rng.integers(0, 10, 60000),
                rng.random((10000, 784), dtype=np.float32), rng.integers(0, 10, 10000), "random data")
    # writable copies: torch.from_numpy shares memory and warns about read-only arrays
    return (np.array(ds.x_train, dtype=np.float32).reshape(len(ds.x_train), -1), ds.y_train.astype(np.int64),
            np.array(ds.x_test, dtype=np.float32).reshape(len(ds.x_test), -1), ds.y_test.astype(np.int64),
            "MNIST")


# --------------------------------------------------------------------------- the networks
def mlp_spec(*hidden: int) -> NetworkSpec:
    layers = [DenseSpec(units=h, activation="relu") for h in hidden]
    layers.append(DenseSpec(units=10, activation="softmax"))
    return NetworkSpec(input_shape=(784,), layers=tuple(layers), loss="cross_entropy")


def simple_conv_spec() -> NetworkSpec:
    """SimpleConvNet (CURRICULUM §9): conv 30×5×5 → ReLU → 2×2 max pool → dense 100 → dense 10."""
    return NetworkSpec(input_shape=(1, 28, 28), layers=(
        Conv2dSpec(filters=30, kernel=5, activation="relu"),
        PoolSpec(size=2),
        FlattenSpec(),
        DenseSpec(units=100, activation="relu"),
        DenseSpec(units=10, activation="softmax"),
    ), loss="cross_entropy")


def torch_model(net: Network):
    """The same architecture in torch, holding a copy of our network's current weights."""
    modules = []
    for layer in net.layers:
        if layer.kind == "dense":
            W, b = layer.params["W"], layer.params["b"]
            lin = torch.nn.Linear(W.shape[0], W.shape[1])
            with torch.no_grad():
                lin.weight.copy_(torch.from_numpy(np.ascontiguousarray(W.T)))
                lin.bias.copy_(torch.from_numpy(b))
            modules.append(lin)
        elif layer.kind == "conv2d":
            W, b = layer.params["W"], layer.params["b"]
            s = layer.spec
            conv = torch.nn.Conv2d(W.shape[1], W.shape[0], s.kernel, stride=s.stride, padding=s.pad)
            with torch.no_grad():
                conv.weight.copy_(torch.from_numpy(W))
                conv.bias.copy_(torch.from_numpy(b))
            modules.append(conv)
        elif layer.kind == "maxpool":
            modules.append(torch.nn.MaxPool2d(layer.spec.size, layer.spec.step))
        elif layer.kind == "flatten":
            modules.append(torch.nn.Flatten())
        else:
            raise ValueError(f"no torch twin for {layer.kind}")
        act = getattr(layer, "act", None)
        if act is not None and act.name == "relu":
            modules.append(torch.nn.ReLU())
        elif act is not None and act.name not in ("softmax", "identity"):
            raise ValueError(f"no torch twin for {act.name}")
    # the last softmax is inside F.cross_entropy (fused, like ours)
    return torch.nn.Sequential(*modules)


def batch_order(n: int, seed: int = SEED) -> np.ndarray:
    """The first epoch's order of the Trainer (the same seed stream as Trainer.order_rng)."""
    return np.random.default_rng(np.random.SeedSequence(seed).spawn(3)[2]).permutation(n)


# --------------------------------------------------------------------------- timed runs
def rate(step: Callable[[int], object], batch: int, cap: int, budget: float) -> float:
    """Samples/s of ``step(i)`` (training on batch i) over about ``budget`` seconds, after a
    pause for the other side's idle threads and WARMUP_STEPS untimed steps; never beyond
    ``cap`` steps in all."""
    time.sleep(SETTLE_SECONDS)
    for i in range(WARMUP_STEPS):
        step(i)
    steps = 0
    start = clock()
    while True:
        step(WARMUP_STEPS + steps)
        steps += 1
        elapsed = clock() - start
        if elapsed >= budget or steps + WARMUP_STEPS >= cap:
            break
    return steps * batch / elapsed


def ours_rate(spec: NetworkSpec, x: np.ndarray, t: np.ndarray, batch: int, budget: float) -> float:
    """Training samples/s of Trainer.run(), snapshots included, over about `budget` seconds."""
    net = Network(spec, dtype="float32", seed=SEED)
    trainer = Trainer(net, make_optimizer(OptimizerSpec(name="sgd", lr=LR)),
                      TrainingSpec(batch_size=batch, epochs=1, seed=SEED), x, t, evaluate_train=False)
    run = trainer.run()
    try:                                       # never reach the epoch-end evaluation
        return rate(lambda _i: next(run), batch, trainer.steps_per_epoch - 1, budget)
    finally:
        run.close()


def torch_rate(spec: NetworkSpec, x: np.ndarray, t: np.ndarray, batch: int, budget: float) -> float:
    """Training samples/s of a plain torch loop over the same data and order."""
    model = torch_model(Network(spec, dtype="float32", seed=SEED))
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    xs = torch.from_numpy(x.reshape((len(x),) + spec.input_shape))
    ts = torch.from_numpy(t)
    order = torch.from_numpy(batch_order(len(x)))
    cap = len(x) // batch - 1

    def step(i: int) -> float:
        idx = order[i * batch:(i + 1) * batch]
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(xs[idx]), ts[idx])
        loss.backward()
        opt.step()
        return loss.item()

    return rate(step, batch, cap, budget)


def bare_loop(spec: NetworkSpec, x: np.ndarray, t: np.ndarray, batch: int):
    """The plainest NumPy training loop for an MLP spec (dense layers, ReLU, softmax with
    cross-entropy), from the Trainer's initial weights and batch order: ``step(i)`` trains on
    batch i and returns its loss; the weights are the lists returned with it."""
    net = Network(spec, dtype="float32", seed=SEED)
    Ws = [l.params["W"].copy() for l in net.layers]
    bs = [l.params["b"].copy() for l in net.layers]
    order = batch_order(len(x))
    lr = np.float32(LR)

    def step(i: int) -> float:
        idx = order[i * batch:(i + 1) * batch]
        h = x.take(idx, axis=0)
        labels = t.take(idx)
        hs = [h]                                   # each layer's input, for ∂E/∂W
        for W, b in zip(Ws, bs):
            h = h @ W + b
            if len(hs) < len(Ws):
                np.maximum(h, 0, out=h)
            hs.append(h)
        rows = np.arange(len(idx))
        shifted = h - h.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        s = e.sum(axis=1, keepdims=True)
        loss = -np.mean(shifted[rows, labels] - np.log(s[:, 0]))
        d = e / s
        d[rows, labels] -= 1
        d /= len(idx)
        for j in range(len(Ws) - 1, -1, -1):
            dW = hs[j].T @ d
            db = d.sum(axis=0)
            if j:
                d = d @ Ws[j].T
                d *= hs[j] > 0
            Ws[j] -= lr * dW
            bs[j] -= lr * db
        return float(loss)

    return step, Ws, bs


def bare_rate(spec: NetworkSpec, x: np.ndarray, t: np.ndarray, batch: int, budget: float) -> float:
    """Training samples/s of :func:`bare_loop`, with the Trainer's BLAS threads (one up to
    SMALL_BATCH) and none of its norms, snapshots or checks."""
    step, _, _ = bare_loop(spec, x, t, batch)
    with threadpool_limits(1 if batch <= SMALL_BATCH else None, user_api="blas"):
        return rate(step, batch, len(x) // batch - 1, budget)


class OtherWork:
    """How much of the machine other processes used while a row was measured: all busy CPU
    time (/proc/stat) minus this process's own. The load average cannot tell them apart
    (this benchmark's threads count in it too); a quiet row is near 0 %."""

    def __init__(self) -> None:
        self.tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        self.start = self._sample()

    @staticmethod
    def _busy_jiffies() -> int | None:
        try:
            with open("/proc/stat") as f:
                fields = [int(v) for v in f.readline().split()[1:9]]
        except (OSError, ValueError):
            return None
        return sum(fields) - fields[3] - fields[4]      # all but idle and iowait

    def _sample(self) -> tuple[int | None, float, float]:
        t = os.times()
        return self._busy_jiffies(), t.user + t.system, time.perf_counter()

    def share(self) -> float | None:
        """Other processes' CPU since construction, as a fraction of all cores' time."""
        busy0, own0, wall0 = self.start
        busy1, own1, wall1 = self._sample()
        if busy0 is None or busy1 is None:
            return None
        others = (busy1 - busy0) / self.tick - (own1 - own0)
        return max(0.0, others / ((wall1 - wall0) * (os.cpu_count() or 1)))


@dataclass(frozen=True)
class Case:
    name: str
    spec: Callable[[], NetworkSpec]
    batch: int
    target: float          # required ratio ours / torch


def cases() -> list[Case]:
    targets = {1: 2.0, 10: 2.0, 100: 1.2, 1000: 1.0}
    out = []
    for name, hidden in (("MLP 784-100-10", (100,)), ("MLP 784-256-128-10", (256, 128))):
        for batch, target in targets.items():
            out.append(Case(name, lambda hidden=hidden: mlp_spec(*hidden), batch, target))
    out.append(Case("SimpleConvNet", simple_conv_spec, 100, 0.8))
    return out


def throughput_table(x: np.ndarray, t: np.ndarray, repeats: int, budget: float, only: str = "",
                     judge: bool = True, bare: bool = False) -> list[bool]:
    """One row per configuration; ``judge`` False (the one-thread diagnostic) prints no verdicts;
    ``bare`` adds the plain NumPy loop's rate and ratio to the MLP rows (see :func:`bare_rate`)."""
    bare_head = f" {'bare NumPy':>11} {'ratio':>6}" if bare else ""
    header = (f"{'network':<20} {'batch':>5} {'ours [samples/s]':>17} {'torch [samples/s]':>18} {'ratio':>6} "
              f"{'target':>7}{bare_head}  {'others':>6}  verdict")
    print(header)
    print("-" * len(header))
    verdicts = []
    for case in cases():
        if only.lower() not in f"{case.name} {case.batch}".lower():
            continue
        spec = case.spec()
        plain = bare and case.name.startswith("MLP")
        others = OtherWork()
        best_ours = best_torch = best_bare = 0.0
        for _ in range(repeats):                 # interleaved: the load of the moment hits all
            if torch is not None:
                best_torch = max(best_torch, torch_rate(spec, x, t, case.batch, budget))
            best_ours = max(best_ours, ours_rate(spec, x, t, case.batch, budget))
            if plain:
                best_bare = max(best_bare, bare_rate(spec, x, t, case.batch, budget))
        share = others.share()
        busy = "?" if share is None else f"{100 * share:.0f} %"
        bare_cols = ""
        if bare:
            bare_ratio = f"{best_bare / best_torch:>5.2f}×" if plain and torch is not None else f"{'–':>6}"
            bare_cols = f" {best_bare:>11,.0f} {bare_ratio}" if plain else f" {'–':>11} {'–':>6}"
        if torch is None:
            print(f"{case.name:<20} {case.batch:>5} {best_ours:>17,.0f} {'–':>18} {'–':>6} {case.target:>6.1f}×"
                  f"{bare_cols}  {busy:>6}  (no torch)")
            continue
        ratio = best_ours / best_torch
        ok = ratio >= case.target
        if judge:
            verdicts.append(ok)
        verdict = ("met" if ok else "NOT MET") if judge else "(one thread: no verdict)"
        print(f"{case.name:<20} {case.batch:>5} {best_ours:>17,.0f} {best_torch:>18,.0f} {ratio:>5.2f}× "
              f"{'≥':>1}{case.target:>4.1f}×{bare_cols}  {busy:>6}  {verdict}", flush=True)
    return verdicts


# --------------------------------------------------------------------------- same math
def accuracy_check(x, t, x_test, t_test, batch: int = 100, lr: float = 0.1) -> bool:
    """One epoch of MNIST 784-100-10 from the same weights and order: test accuracies agree."""
    spec = mlp_spec(100)
    net = Network(spec, dtype="float32", seed=SEED)
    model = torch_model(net)                       # copied before our first update
    trainer = Trainer(net, make_optimizer(OptimizerSpec(name="sgd", lr=lr)),
                      TrainingSpec(batch_size=batch, epochs=1, seed=SEED), x, t, x_test, t_test,
                      evaluate_train=False)
    snaps = list(trainer.run())
    ours_first, ours_acc = snaps[0].loss, snaps[-1].test_accuracy

    opt = torch.optim.SGD(model.parameters(), lr=lr)
    xs, ts = torch.from_numpy(x), torch.from_numpy(t)
    order = torch.from_numpy(batch_order(len(x)))
    torch_first = None
    for i in range(math.ceil(len(x) / batch)):
        idx = order[i * batch:(i + 1) * batch]
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(xs[idx]), ts[idx])
        loss.backward()
        opt.step()
        if torch_first is None:
            torch_first = loss.item()
    with torch.no_grad():
        torch_acc = (model(torch.from_numpy(x_test)).argmax(1) == torch.from_numpy(t_test)).float().mean().item()

    same_start = abs(ours_first - torch_first) <= 1e-5 * max(1.0, abs(torch_first))
    same_result = abs(ours_acc - torch_acc) <= 0.005
    print(f"\none epoch, MNIST 784-100-10, SGD lr {lr}, batch {batch}, same initial weights and order:")
    print(f"  first batch loss   ours {ours_first:.6f}   torch {torch_first:.6f}   "
          f"{'same' if same_start else 'DIFFERENT (weights or order differ)'}")
    print(f"  test accuracy      ours {ours_acc:.4f}     torch {torch_acc:.4f}     "
          f"{'same within noise (≤ 0.5 points)' if same_result else 'NOT the same'}")
    return same_start and same_result


def blas_kernels() -> str:
    """Which OpenBLAS kernels NumPy runs, and whether the environment chose them: OpenBLAS
    picks them by CPU when it loads, unless OPENBLAS_CORETYPE says otherwise (this machine's
    shell sets OPENBLAS_CORETYPE=Haswell, the AVX2 kernels, on a CPU with AVX-512)."""
    from threadpoolctl import threadpool_info
    cores = sorted({i.get("architecture") or "?" for i in threadpool_info() if i["internal_api"] == "openblas"})
    if not cores:
        return "BLAS not OpenBLAS"
    forced = os.environ.get("OPENBLAS_CORETYPE")
    why = f"OPENBLAS_CORETYPE={forced} in the environment" if forced else "OpenBLAS's own choice for this CPU"
    return f"OpenBLAS kernels {', '.join(cores)}: {why}"


def _load() -> str:
    try:
        return " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="shorter runs, fewer repeats (noisier)")
    ap.add_argument("--only", default="", metavar="TEXT",
                    help="only the configurations whose 'network batch' contains TEXT (e.g. 'conv', '784-100', '10 1000'); "
                         "skips the accuracy check")
    ap.add_argument("--repeats", type=int, help="interleaved runs per configuration (best is kept)")
    ap.add_argument("--one-thread", action="store_true",
                    help="both sides on one thread, timed by that thread's CPU time: ratios a busy machine "
                         "barely moves (a diagnostic; the targets are for two threads)")
    ap.add_argument("--bare", action="store_true",
                    help="also time the plainest NumPy training loop of each MLP (no norms, no snapshots): "
                         "what NumPy and its BLAS reach on this machine")
    args = ap.parse_args(argv)
    repeats, budget = (2, 0.3) if args.quick else (5, 0.6)
    repeats = args.repeats or repeats
    x, t, x_test, t_test, source = load_mnist()
    threads = 1 if args.one_thread else 2
    if torch is not None:
        torch.set_num_threads(threads)
        torch.manual_seed(SEED)
        peer = f"PyTorch {torch.__version__} CPU, {torch.get_num_threads()} threads"
    else:
        peer = "PyTorch not installed: its columns are skipped"
    print(f"training throughput on {source}, float32, SGD; best of {repeats} interleaved runs of "
          f"~{budget:g} s each; NumPy {np.__version__} ({blas_kernels()}); {peer}\n")
    if args.one_thread:
        global clock
        clock = time.thread_time
        print("ONE THREAD each (ours: one BLAS thread), timed in CPU time of that thread: a diagnostic "
              "that a busy machine barely moves; the targets and verdicts are for the two-thread run\n")
    print(f"load average before: {_load()}\n")
    with threadpool_limits(threads, user_api="blas"):
        verdicts = throughput_table(x, t, repeats, budget, args.only, judge=not args.one_thread, bare=args.bare)
    print(f"\nload average after: {_load()} (the machine has {os.cpu_count()} cores; other work "
          "running beside the benchmark slows torch's and our threads unevenly)")
    print("others: the share of all cores that other processes used while the row ran; rows well "
          "above a few per cent measured a busy machine, and their ratios are not to be trusted")
    if args.bare:
        print("bare NumPy: the plainest float32 NumPy loop training the same MLP from the same weights and "
              "order (x @ W + b, ReLU, softmax, xᵀ·δ, W -= lr·dW; no norms, snapshots or checks). Where it "
              "falls short of a target too, the miss lies in the products NumPy's BLAS runs here, which "
              "no engine around them removes; between it and ours is what the engine adds or saves")
    if torch is not None and not args.only and not args.one_thread:
        verdicts.append(accuracy_check(x, t, x_test, t_test))
        print(f"\n{sum(verdicts)} of {len(verdicts)} targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
