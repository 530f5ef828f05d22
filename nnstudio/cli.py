"""The ``nnstudio`` command.

    nnstudio [PROJECT]                         open the studio (optionally a project file)
    nnstudio --screenshot OUT.png [PROJECT]    render the window offscreen into a PNG
    nnstudio train PROJECT --out DIR [--epochs N | --iterations N]
    nnstudio trace PROJECT --out trace.npz [--samples N]
    nnstudio gradcheck PROJECT [--samples 3] [--max-entries N] [--tolerance T]
    nnstudio datasets
    nnstudio download NAME [--dest DIR] [--base-url URL]
    nnstudio export-plots PROJECT --out DIR [--epochs N | --iterations N] [--time-limit S]
    nnstudio compare PROJECT (--vary KNOB=VALUES [--vary ...] | --search KNOB=LOW..HIGH [...])
                     [--iterations N] [--trials N] [--seed S] [--same-seeds] [--csv FILE]

The sub-commands except export-plots (which renders the views offscreen) never import Qt. Any bad input (a missing or malformed project, bad
values, data that does not fit, an unwritable folder) ends with a non-zero status and one
line ``nnstudio: error: <file>: <what>`` on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
import warnings
from typing import Sequence, TextIO

from nnstudio import __version__

PROG = "nnstudio"
COMMANDS = ("train", "trace", "gradcheck", "datasets", "download", "export-plots", "compare")
EXIT_ERROR = 1
EXIT_INTERRUPTED = 130
LARGE_GRADCHECK = 100_000   # entries; above this gradcheck warns that it will take a while


class CommandError(Exception):
    """One line for stderr: ``<file>: <what>`` (file optional)."""

    def __init__(self, message: str, file: str | None = None):
        self.file = file
        super().__init__(f"{file}: {message}" if file else message)


# --------------------------------------------------------------------------- parsers
def _whole_number(minimum: int):
    """An argparse type: a whole number of at least ``minimum``."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        return value
    return parse


_positive = _whole_number(1)
_non_negative = _whole_number(0)


def _positive_number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {value}")
    return value


def gui_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=PROG, description="A desktop studio for learning how neural networks work from the inside.",
        epilog="headless commands (no window; '%(prog)s COMMAND --help' for each): "
               "train, trace, gradcheck, datasets, download, export-plots")
    p.add_argument("project", nargs="?", metavar="PROJECT", help="project file (.json) to open")
    p.add_argument("--screenshot", metavar="PNG",
                   help="render the window offscreen into this PNG and exit (works without a display)")
    p.add_argument("--lang", metavar="LANG",
                   help="interface language, e.g. ja or en (default: $NNSTUDIO_LANG, else the system's)")
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return p


def _length_arguments(parser: argparse.ArgumentParser) -> None:
    """--epochs and --iterations, one or neither: how long to train instead of the project's length."""
    length = parser.add_mutually_exclusive_group()
    length.add_argument("--epochs", type=_positive, metavar="N", help="train N epochs instead of the project's length")
    length.add_argument("--iterations", type=_positive, metavar="N",
                        help="train N updates (mini-batches) instead of the project's length")


def tools_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=PROG)
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    t = sub.add_parser("train", help="train a project and write metrics.csv and weights.npz",
                       description="Train a project without the window. Writes into DIR: metrics.csv "
                                   "(one row per epoch), iterations.csv (one row per iteration), "
                                   "weights.npz (no pickle) and project.json (the settings used).")
    t.add_argument("project", metavar="PROJECT")
    t.add_argument("--out", required=True, metavar="DIR", help="output folder (created if missing)")
    _length_arguments(t)
    r = sub.add_parser("trace", help="record one training step as a trace .npz",
                       description="Record one training step (forward, loss, backward, update) on the "
                                   "first N training samples and save every tensor as a .npz.")
    r.add_argument("project", metavar="PROJECT")
    r.add_argument("--out", required=True, metavar="FILE", help="the trace .npz to write")
    r.add_argument("--samples", type=_positive, default=1, metavar="N", help="batch size of the step [1]")
    g = sub.add_parser("gradcheck", help="compare backprop with numerical gradients (float64)",
                       description="Per parameter: the largest relative error and the mean absolute "
                                   "difference between backprop and central differences, in float64, "
                                   "with the time each method took.")
    g.add_argument("project", metavar="PROJECT")
    g.add_argument("--samples", type=_positive, default=3, metavar="N", help="training samples used [3]")
    g.add_argument("--max-entries", type=_positive, metavar="N",
                   help="check at most N randomly chosen entries per parameter, three in four "
                        "among those backprop moves [all]")
    g.add_argument("--tolerance", type=_positive_number, metavar="T",
                   help="exit with status 1 when any relative error off the kinks exceeds T "
                        "(entries whose central difference straddled a kink are counted, not judged)")
    sub.add_parser("datasets", help="list the data sets with their metadata")
    d = sub.add_parser("download", help="download Fashion-MNIST or KMNIST into your data folder",
                       description="Download a data set in MNIST's format (fashion-mnist, kmnist), "
                                   "checking every file's published checksum; a failed or interrupted "
                                   "download keeps no partial file. Then use it in a project with "
                                   "the dataset entry {\"name\": NAME}.")
    d.add_argument("name", metavar="NAME", help="the set to download ('nnstudio datasets' lists them)")
    d.add_argument("--dest", metavar="DIR",
                   help="put the files here instead of your data folder (then give the project "
                        "a \"path\")")
    d.add_argument("--base-url", metavar="URL", help="download from this mirror instead")
    x = sub.add_parser("export-plots", help="train offscreen and export every view (PNG, SVG, CSV)",
                       description="Train the project offscreen (no display needed; this command does "
                                   "start Qt) and write every view of the run as PNG, SVG and CSV into "
                                   "DIR, with metrics.csv and project.json — for reports and CI.")
    x.add_argument("project", metavar="PROJECT")
    x.add_argument("--out", required=True, metavar="DIR", help="output folder (created if missing)")
    _length_arguments(x)
    x.add_argument("--time-limit", type=_positive_number, metavar="SECONDS",
                   help="stop training after this long and export what was reached")
    c = sub.add_parser("compare", help="train variants of a project side by side and compare their results",
                       description="Train variants of PROJECT in turns and print each one's final losses and "
                                   "accuracies. --vary takes one or two settings with their values (every "
                                   "combination is trained): 'optimizer=sgd,momentum,adagrad,adam' (at the "
                                   "project's learning rate; 'rule=...' gives each the book's), "
                                   "'lr=0.001,0.01,0.1', or a range 'init_std=1e-4..1/16' (16 values, log-spaced "
                                   "for rates). --search draws --trials random values in ranges instead "
                                   "('lr=1e-6..1e-2'). Settings: " + ", ".join(_knob_names()) + ".")
    c.add_argument("project", metavar="PROJECT")
    how = c.add_mutually_exclusive_group(required=True)
    how.add_argument("--vary", action="append", metavar="KNOB=VALUES", help="a setting and its values (up to two)")
    how.add_argument("--search", action="append", metavar="KNOB=LOW..HIGH", help="a setting and its range")
    c.add_argument("--iterations", type=_positive, metavar="N",
                   help="updates per variant [the project's iterations where it counts them, else 1000]")
    c.add_argument("--trials", type=_positive, default=20, metavar="N", help="random-search trials [20]")
    c.add_argument("--seed", type=_non_negative, default=0, metavar="S", help="random-search seed [0]")
    c.add_argument("--same-seeds", action="store_true",
                   help="every trial of a search starts from the project's training seed (its initial weights "
                        "and batch order) and differs only in the drawn settings; by default each draws its "
                        "own, as each trial of the book's search starts from new weights (a seed searched in "
                        "its own range is drawn there)")
    c.add_argument("--csv", metavar="FILE", help="also write the results table as CSV")
    return p


def _knob_names() -> list[str]:
    from nnstudio.project.comparison import KNOBS
    return list(KNOBS)


# --------------------------------------------------------------------------- helpers
def _load(path: str):
    from nnstudio.project.files import load_project
    return load_project(path)


def _base_dir(path: str) -> str:
    return os.path.dirname(os.path.abspath(path))


def _fmt(x: float | None, spec: str = ".4f") -> str:
    return "-" if x is None else format(x, spec)


class Progress:
    """A one-line progress bar on a terminal; one line per epoch elsewhere (logs, CI).

    Call it with training snapshots, or use ``transfer(done, total)`` as a download's
    progress callback (on a terminal the bar is redrawn; elsewhere one bar line is written
    per tenth of the way)."""

    def __init__(self, stream: TextIO, width: int = 30):
        self.stream = stream
        self.width = width
        self.tty = stream.isatty()
        self._last_draw = 0.0
        self._last_tenth = -1

    def _bar(self, fraction: float) -> str:
        done = int(self.width * min(max(fraction, 0.0), 1.0))
        return "[" + "#" * done + "-" * (self.width - done) + f"] {fraction:4.0%}"

    def transfer(self, done: int, total: int) -> None:
        fraction = done / total if total else 0.0
        text = f"{self._bar(fraction)}  {done / 1e6:.1f} of {total / 1e6:.1f} MB"
        if self.tty:
            finished = total and done >= total
            if not finished and time.monotonic() - self._last_draw < 0.1:
                return
            self._last_draw = time.monotonic()
            self.stream.write(f"\r\033[K{text}" + ("\n" if finished else ""))
        else:
            tenth = int(10 * fraction)
            if tenth == self._last_tenth:
                return
            self._last_tenth = tenth
            self.stream.write(text + "\n")
        self.stream.flush()

    def __call__(self, snap) -> None:
        if snap.epoch_end:
            self.stream.write(("\r\033[K" if self.tty else "")
                              + f"epoch {snap.epoch}/{snap.end_epoch}  iter {snap.iteration}  loss {snap.loss:.4f}  "
                              f"train acc {_fmt(snap.train_accuracy)}  test loss {_fmt(snap.test_loss)}  "
                              f"test acc {_fmt(snap.test_accuracy)}  {snap.elapsed:.1f} s\n")
        elif self.tty and time.monotonic() - self._last_draw >= 0.1:
            self._last_draw = time.monotonic()
            self.stream.write(f"\r{self._bar(snap.progress)}  epoch {snap.epoch}  "
                              f"iter {snap.iteration}/{snap.total_iterations}  loss {snap.loss:.4f}")
        else:
            return
        self.stream.flush()


# --------------------------------------------------------------------------- commands
def cmd_train(args, out: TextIO, err: TextIO) -> int:
    from nnstudio.project.headless import train_project
    project = _load(args.project)
    result = train_project(project, args.out, base_dir=_base_dir(args.project), epochs=args.epochs,
                           iterations=args.iterations, on_snapshot=Progress(err))
    epochs = result.history.epochs
    print(f"wrote {result.folder}: metrics.csv ({len(epochs)} rows), iterations.csv, weights.npz, "
          f"project.json", file=out)
    if result.diverged is not None:
        raise CommandError(f"{result.diverged} (metrics so far were written)", args.project)
    if result.interrupted:
        print(f"{PROG}: interrupted; the metrics and weights so far were written", file=err)
        return EXIT_INTERRUPTED
    return 0


def cmd_trace(args, out: TextIO, err: TextIO) -> int:
    from nnstudio.project.headless import trace_project
    trace = trace_project(_load(args.project), args.out, base_dir=_base_dir(args.project),
                          samples=args.samples)
    print(f"wrote {args.out}: {len(trace.arrays())} arrays, {len(trace)} recorded operations over "
          f"{len(trace.layer_names)} layers ({', '.join(trace.layer_names)}); loss {trace.loss:.6g} "
          f"on {args.samples} sample(s)", file=out)
    return 0


def _error(rel: float) -> str:
    """A relative error for the table; "-" where every entry straddled a kink (NaN)."""
    return "-" if math.isnan(rel) else f"{rel:.3e}"


def cmd_gradcheck(args, out: TextIO, err: TextIO) -> int:
    from nnstudio.engine.gradcheck import entries_to_check
    from nnstudio.project.headless import gradcheck_project
    from nnstudio.project.session import build_network
    project = _load(args.project)
    net = build_network(project)
    entries = sum(entries_to_check(p.size, args.max_entries) for p in net.parameters().values())
    if entries > LARGE_GRADCHECK:
        print(f"{PROG}: checking {entries} entries takes {2 * entries} forward passes; "
              "--max-entries N samples fewer", file=err)
    result = gradcheck_project(project, base_dir=_base_dir(args.project),
                               samples=args.samples, max_entries=args.max_entries)
    report = result.report
    rows = [("parameter", "shape", "checked", "max rel error", "mean |diff|", "numerical s", "at kinks",
             "max rel error off kinks")]
    for p in report.params:
        rows.append((p.name, "x".join(map(str, p.shape)), str(p.checked), f"{p.max_rel_error:.3e}",
                     f"{p.mean_abs_diff:.3e}", f"{p.numerical_seconds:.3f}", str(p.kinks),
                     _error(p.smooth_max_rel_error)))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))), file=out)
    numerical = sum(p.numerical_seconds for p in report.params)
    print(f"float64, {args.samples} sample(s): backprop {report.backprop_seconds:.6f} s for all "
          f"parameters, numerical {numerical:.3f} s; largest relative error {report.max_rel_error:.3e}",
          file=out)
    if report.kinks:
        print(f"note: {report.kinks} of the checked entries straddled a kink between w - h and w + h "
              f"(h={result.h:g}: a ReLU, leaky ReLU or step input changed sign, another element won a max "
              "pooling window, or an L1 weight changed sign). There the central difference mixes the two "
              "sides while backprop takes the side the pass is on, so their errors do not "
              "mean backprop is wrong (zero biases on blank pixels are the usual cause). Off the kinks "
              f"the largest relative error is {_error(report.smooth_max_rel_error)}", file=out)
    if args.tolerance is not None and math.isnan(report.smooth_max_rel_error):
        raise CommandError("every checked entry straddled a kink, so none could be held to the tolerance; "
                           "check more samples (--samples) or weights after some training", args.project)
    if args.tolerance is not None and report.smooth_max_rel_error > args.tolerance:
        raise CommandError(f"largest relative error off the kinks {report.smooth_max_rel_error:.3e} "
                           f"exceeds the tolerance {args.tolerance:g}", args.project)
    return 0


def cmd_datasets(args, out: TextIO, err: TextIO) -> int:
    from nnstudio.data import list_datasets, list_downloads
    shown = {info.name for info in list_datasets()}
    extra = [info for info in list_downloads() if info.name not in shown]
    for info in list_datasets() + extra:
        shape = "x".join(map(str, info.input_shape)) if info.input_shape else "from file"
        size = f"{info.size[0]} train / {info.size[1]} test" if info.size else "from file"
        classes = f"{info.n_outputs} classes" if info.task == "classification" else f"{info.n_outputs} output(s)"
        if info.task == "classification" and not info.n_outputs:
            classes = "classes from file"
        print(f"{info.name:<14} {info.title} — {info.task}, input {shape}, {classes}, {size} "
              f"[{info.source}]", file=out)
        print(f"{'':<14} {info.description}", file=out)
        print(f"{'':<14} source: {info.citation}; license: {info.license}", file=out)
        options = ", ".join(o.name for o in info.options)
        print(f"{'':<14} options: {options}", file=out)
    return 0


def cmd_download(args, out: TextIO, err: TextIO) -> int:
    from nnstudio.data import REMOTE_SETS, download
    remote = REMOTE_SETS.get(args.name)
    if remote is None:
        raise CommandError(f"no downloadable data set named {args.name!r}; choose one of: "
                           f"{', '.join(REMOTE_SETS)}")
    dest = os.path.abspath(args.dest) if args.dest is not None else None
    print(f"downloading {remote.title} ({len(remote.files)} files) from "
          f"{args.base_url or remote.base_url}", file=err, flush=True)
    folder = download(remote, dest, progress=Progress(err).transfer, base_url=args.base_url)
    entry = {"name": remote.name} if dest is None else {"name": remote.name, "path": str(folder)}
    print(f"downloaded {remote.title} into {folder} (checksums verified)", file=out)
    where = f", or choose {remote.title} in the window's Data Set panel" if dest is None else ""
    print(f"use it in a project with the dataset entry {json.dumps(entry)}{where}", file=out)
    print(f"cite: {remote.citation}; license: {remote.license}", file=out)
    return 0


def cmd_export_plots(args, out: TextIO, err: TextIO) -> int:
    _load(args.project)   # a bad project file is reported before Qt starts
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    try:
        from nnstudio.ui.export import ExportError
        from nnstudio.ui.export_headless import export_plots
    except ImportError as e:
        raise CommandError(f"the views cannot be rendered: {e} (see README.md, 'System libraries')") from None
    shown = {"last": -1}

    def progress(iteration: int, total: int) -> None:
        tenth = 10 * iteration // max(total, 1)
        if tenth != shown["last"]:
            shown["last"] = tenth
            print(f"training: iteration {iteration}/{total}", file=err, flush=True)
    try:
        result = export_plots(args.project, args.out, epochs=args.epochs, iterations=args.iterations,
                              progress=progress,
                              time_limit=args.time_limit)
    except ExportError as e:
        raise CommandError(e.reason, e.path) from None
    report = result.report
    print(f"wrote {len(report.written)} files into {report.folder}", file=out)
    for title, why in report.skipped:
        print(f"skipped {title}: {why}", file=out)
    for title in report.empty:
        print(f"skipped {title}: offers nothing to export", file=out)
    if result.divergence is not None:
        raise CommandError(f"{result.divergence} (the views up to that point were exported)", args.project)
    return 0


def _plan_item(text: str) -> tuple[str, str]:
    knob, sep, values = text.partition("=")
    if not sep or not knob.strip():
        raise CommandError(f"{text!r}: expected KNOB=VALUES, e.g. lr=0.01,0.1")
    return knob.strip(), values


def cmd_compare(args, out: TextIO, err: TextIO) -> int:
    from nnstudio.project import comparison as C
    from nnstudio.project.headless import load_dataset
    project = _load(args.project)
    if args.vary:
        if len(args.vary) > 2:
            raise CommandError("--vary takes at most two settings")
        if args.same_seeds:
            raise CommandError("--same-seeds is for a random search (--search)")
        variants = C.grid(project, [(k, C.parse_values(k, v)) for k, v in map(_plan_item, args.vary)])
    else:
        ranges = []
        for knob, span in map(_plan_item, args.search):
            low, sep, high = span.partition("..")
            if not sep:
                raise CommandError(f"{knob}: expected a range LOW..HIGH, got {span!r}")
            ranges.append((knob, low, high))
        variants = C.random_search(project, ranges, args.trials, args.seed, new_seeds=not args.same_seeds)
    dataset = load_dataset(project, _base_dir(args.project))
    if args.iterations is None:
        args.iterations = project.training.iterations or C.DEFAULT_ITERATIONS
    comparison = C.Comparison(variants, dataset, args.iterations)
    outcomes: dict[int, C.Outcome] = {}
    if args.csv:           # a folder that cannot take it is said now, not after the training
        C.save_results(args.csv, variants, outcomes)
    count = f"{len(variants)} variant{'s' if len(variants) != 1 else ''}"
    print(f"{count} × {args.iterations} updates on {dataset.name}; accuracy on the "
          f"{comparison.eval_split} split", file=err)
    try:
        for progress in comparison.run():
            if progress.outcome is not None:
                outcomes[progress.index] = progress.outcome
                print(f"  {len(outcomes)}/{len(variants)}  {variants[progress.index].label}: "
                      f"{C.ending(progress.outcome)}", file=err)
    except KeyboardInterrupt:
        if args.csv:
            C.save_results(args.csv, variants, outcomes)
        print(f"{PROG}: interrupted" + ("; the results so far were written" if args.csv else ""), file=err)
        return EXIT_INTERRUPTED
    rows = C.results_rows(variants, outcomes)
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(c.rjust(w) for c, w in zip(r, widths)), file=out)
    if args.csv:
        C.save_results(args.csv, variants, outcomes)
        print(f"wrote {args.csv}", file=out)
    return 0


HANDLERS = {"train": cmd_train, "trace": cmd_trace, "gradcheck": cmd_gradcheck, "datasets": cmd_datasets,
            "download": cmd_download,
            "export-plots": cmd_export_plots, "compare": cmd_compare}


def open_gui(args, err: TextIO) -> int:
    if args.project is not None:
        _load(args.project)   # a bad file is reported here, in one line, before Qt starts
    headless = not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
                    or os.environ.get("QT_QPA_PLATFORM") or sys.platform in ("win32", "darwin"))
    if headless:
        if args.screenshot is None:
            raise CommandError("no display found (DISPLAY and WAYLAND_DISPLAY are unset); to render the "
                               "window without one use 'nnstudio --screenshot OUT.png [PROJECT]', or run "
                               "under xvfb-run, or set QT_QPA_PLATFORM=offscreen")
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    try:
        from nnstudio.ui.app import run_app
    except ImportError as e:
        raise CommandError(f"the window cannot start: {e} (see README.md, 'System libraries')") from None
    if args.lang:
        os.environ["NNSTUDIO_LANG"] = args.lang     # read by nnstudio.ui.translation
    return int(run_app(args.project, args.screenshot) or 0)


# --------------------------------------------------------------------------- entry point
def _error_line(e: BaseException, project: str | None) -> str:
    """``<file>: <what>``: errors that name their file already start with it."""
    from nnstudio.project.errors import FileFormatError
    path = getattr(e, "path", None)
    if isinstance(e, (CommandError, FileFormatError)) or (path and str(e).startswith(str(path))):
        return str(e)
    return f"{project}: {e}" if project else str(e)


def main(argv: Sequence[str] | None = None, *, stdout: TextIO | None = None,
         stderr: TextIO | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    tools = bool(argv) and argv[0] in COMMANDS
    args = (tools_parser() if tools else gui_parser()).parse_args(argv)
    from nnstudio.data import DataError
    from nnstudio.engine.errors import EngineError
    from nnstudio.project.errors import FileFormatError
    from nnstudio.project.model import ProjectError
    try:
        if not tools:
            return open_gui(args, err)
        with warnings.catch_warnings():
            # a run that diverges says so itself (a DivergenceError, "diverged" in a comparison):
            # NumPy's overflow warnings on its way there would only clutter the terminal
            warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"nnstudio\.engine(\.|$)")
            return HANDLERS[args.command](args, out, err)
    except BrokenPipeError:
        # the reader went away (``nnstudio datasets | head``): stop quietly, like other tools
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return 141
    except (CommandError, FileFormatError, ProjectError, EngineError, DataError, OSError, ValueError) as e:
        print(f"{PROG}: error: {_error_line(e, getattr(args, 'project', None))}", file=err)
        return EXIT_ERROR
    except MemoryError:
        print(f"{PROG}: error: not enough memory (a smaller network, batch or data set may fit)", file=err)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=err)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    raise SystemExit(main())
