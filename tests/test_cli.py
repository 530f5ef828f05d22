"""The nnstudio command: headless sub-commands, GUI dispatch, one-line errors."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from nnstudio.cli import main
from nnstudio.project.files import load_project, load_weights
from nnstudio.project.headless import load_dataset
from nnstudio.project.history import EPOCH_COLUMNS
from nnstudio.project.session import build_network
from nnstudio.resources import resource_path

IRIS = str(resource_path("examples", "iris.json"))


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def assert_one_error_line(code: int, err: str, *needles: str) -> None:
    assert code != 0
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("nnstudio: error: ")
    assert "Traceback" not in err
    for n in needles:
        assert n in lines[0], (n, lines[0])


# --------------------------------------------------------------------------- train
def test_train_writes_metrics_and_weights(tmp_path):
    out_dir = tmp_path / "run" / "nested"
    code, out, err = run("train", IRIS, "--out", str(out_dir), "--epochs", "3")
    assert code == 0, err
    assert "epoch 1/3" in err and "epoch 3/3" in err           # progress on stderr
    lines = (out_dir / "metrics.csv").read_text().splitlines()
    assert lines[0] == ",".join(EPOCH_COLUMNS)
    rows = [dict(zip(EPOCH_COLUMNS, l.split(","))) for l in lines[1:]]
    assert [r["epoch"] for r in rows] == ["1", "2", "3"]
    assert [r["iteration"] for r in rows] == ["5", "10", "15"]
    # the saved weights are the trained network: they reproduce the last test accuracy
    project = load_project(out_dir / "project.json")
    assert project.training.epochs == 3
    net = build_network(project)
    load_weights(net, out_dir / "weights.npz")
    ds = load_dataset(project)
    _, acc = net.evaluate(ds.x_test, ds.y_test)
    assert acc == pytest.approx(float(rows[-1]["test_accuracy"]), abs=1e-12)
    with np.load(out_dir / "weights.npz", allow_pickle=False) as data:
        assert sorted(data.files) == ["dense_1.W", "dense_1.b", "dense_2.W", "dense_2.b"]
    assert (out_dir / "iterations.csv").read_text().count("\n") == 16


def test_train_for_a_count_of_iterations_ends_inside_an_epoch(tmp_path):
    """Iris trains 5 updates an epoch: 12 iterations end after 2 of the third epoch's, with
    an evaluation there; the project.json written says how the run was counted."""
    code, out, err = run("train", IRIS, "--out", str(tmp_path), "--iterations", "12")
    assert code == 0, err
    assert "epoch 3/3  iter 12 " in err and "metrics.csv (3 rows)" in out
    rows = [l.split(",") for l in (tmp_path / "metrics.csv").read_text().splitlines()[1:]]
    assert [(r[0], r[1]) for r in rows] == [("1", "5"), ("2", "10"), ("3", "12")]
    assert (tmp_path / "iterations.csv").read_text().count("\n") == 13
    assert load_project(tmp_path / "project.json").training.iterations == 12
    # --epochs counts in epochs again, also for a project saved with iterations
    code, out, err = run("train", str(tmp_path / "project.json"), "--out", str(tmp_path / "e"), "--epochs", "1")
    assert code == 0, err
    assert load_project(tmp_path / "e" / "project.json").training.iterations is None
    assert (tmp_path / "e" / "metrics.csv").read_text().count("\n") == 2


def test_epochs_and_iterations_together_exit_with_usage(capsys):
    with pytest.raises(SystemExit) as info:
        run("train", IRIS, "--out", "x", "--epochs", "2", "--iterations", "3")
    assert info.value.code == 2 and "not allowed with argument" in capsys.readouterr().err


def test_train_same_seed_gives_identical_weights(tmp_path):
    for d in ("a", "b"):
        assert run("train", IRIS, "--out", str(tmp_path / d), "--epochs", "2")[0] == 0
    with np.load(tmp_path / "a" / "weights.npz") as a, np.load(tmp_path / "b" / "weights.npz") as b:
        assert all(np.array_equal(a[k], b[k]) for k in a.files)


# --------------------------------------------------------------------------- trace, gradcheck, datasets
def test_trace_writes_the_design_keys_and_a_real_sgd_step(tmp_path):
    path = tmp_path / "trace.npz"
    code, out, err = run("trace", IRIS, "--out", str(path), "--samples", "4")
    assert code == 0, err and "wrote" in out
    with np.load(path, allow_pickle=False) as t:
        assert t["input"].shape == (4, 4) and t["target"].shape == (4,)
        for key in ("loss", "param/0/W", "grad/0/W", "updated/0/W", "forward/0/out", "forward/0/pre",
                    "backward/1/dx", "param/1/b"):
            assert key in t.files, key
        ds = load_dataset(load_project(IRIS))
        np.testing.assert_array_equal(t["input"], ds.x_train[:4])
        lr = load_project(IRIS).optimizer.lr   # plain SGD: W' = W - lr * dW
        np.testing.assert_allclose(t["updated/0/W"], t["param/0/W"] - lr * t["grad/0/W"], rtol=1e-6)


def test_trace_of_a_numerical_project_holds_its_numerical_step(tmp_path):
    """A project training by numerical gradients is traced as it trains: its gradients are the
    central differences (a hair from backprop's), there is no ∂E/∂x, and the update uses them."""
    doc = json.loads(Path(IRIS).read_text())
    doc["training"]["gradients"] = "numerical"
    project = _project_file(tmp_path, json.dumps(doc))
    back, num = tmp_path / "back.npz", tmp_path / "num.npz"
    assert run("trace", IRIS, "--out", str(back), "--samples", "4")[0] == 0
    assert run("trace", project, "--out", str(num), "--samples", "4")[0] == 0
    with np.load(back, allow_pickle=False) as b, np.load(num, allow_pickle=False) as n:
        assert "backward/1/dx" in b.files and not [k for k in n.files if k.startswith("backward/")]
        for key in ("grad/0/W", "grad/1/b"):
            np.testing.assert_allclose(n[key], b[key], rtol=0.02, atol=1e-4)   # float32, h = 0.01
            assert not np.array_equal(n[key], b[key])
        lr = doc["optimizer"]["lr"]
        np.testing.assert_allclose(n["updated/0/W"], n["param/0/W"] - lr * n["grad/0/W"], rtol=1e-6)


def test_gradcheck_reports_each_parameter(tmp_path):
    code, out, err = run("gradcheck", IRIS, "--samples", "3")
    assert code == 0, err
    rows = {l.split()[0]: l.split() for l in out.splitlines()[1:5]}
    assert set(rows) == {"dense_1.W", "dense_1.b", "dense_2.W", "dense_2.b"}
    assert rows["dense_1.W"][1:3] == ["4x10", "40"]
    assert all(float(r[3]) < 1e-6 for r in rows.values())    # max relative error, float64
    assert "float64" in out and "backprop" in out and "numerical" in out


def test_gradcheck_tolerance_fails_loudly():
    code, out, err = run("gradcheck", IRIS, "--max-entries", "5", "--tolerance", "1e-300")
    assert_one_error_line(code, err, IRIS, "exceeds the tolerance")


def test_datasets_lists_the_registry():
    code, out, err = run("datasets")
    assert code == 0
    names = [l.split()[0] for l in out.splitlines() if l and not l.startswith(" ")]
    for name in ("mnist", "iris", "digits", "wine", "spiral", "function", "csv"):
        assert name in names
    assert "license" in out and "60000 train / 10000 test" in out


# --------------------------------------------------------------------------- bad input
def _project_file(tmp_path, text: str) -> str:
    p = tmp_path / "p.json"
    p.write_text(text)
    return str(p)


@pytest.mark.parametrize("command", [["train", "--out", "OUT"], ["trace", "--out", "OUT/t.npz"], ["gradcheck"]])
def test_every_command_reports_malformed_json_in_one_line(tmp_path, command):
    bad = _project_file(tmp_path, '{"format": "nnstudio-project", "version": 1, "network": {')
    argv = [command[0], bad] + [a.replace("OUT", str(tmp_path)) for a in command[1:]]
    assert_one_error_line(*run(*argv)[::2], bad, "line 1", "ends too early")


def test_bad_value(tmp_path):
    doc = json.loads(Path(IRIS).read_text())
    doc["optimizer"]["lr"] = -0.5
    bad = _project_file(tmp_path, json.dumps(doc))
    assert_one_error_line(*run("train", bad, "--out", str(tmp_path / "o"))[::2], bad, "optimizer.lr")
    assert not (tmp_path / "o" / "metrics.csv").exists()


def test_missing_file(tmp_path):
    missing = str(tmp_path / "none.json")
    assert_one_error_line(*run("gradcheck", missing)[::2], missing, "no such file")


def test_network_that_does_not_fit_the_data(tmp_path):
    doc = json.loads(Path(IRIS).read_text())
    doc["network"]["input_shape"] = [5]
    bad = _project_file(tmp_path, json.dumps(doc))
    assert_one_error_line(*run("trace", bad, "--out", str(tmp_path / "t.npz"))[::2], bad, "input_shape")


def test_bad_dataset_option(tmp_path):
    doc = json.loads(Path(IRIS).read_text())
    doc["dataset"]["test_ratio"] = 2
    bad = _project_file(tmp_path, json.dumps(doc))
    assert_one_error_line(*run("gradcheck", bad)[::2], bad, "test_ratio")


def test_unwritable_output_folder(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert_one_error_line(*run("train", IRIS, "--out", str(blocker))[::2], str(blocker), "not a folder")
    assert_one_error_line(*run("train", IRIS, "--out", str(blocker / "sub"))[::2], str(blocker / "sub"))
    assert blocker.read_text() == "not a folder"
    assert_one_error_line(*run("trace", IRIS, "--out", str(tmp_path / "no" / "t.npz"))[::2], "does not exist")
    assert_one_error_line(*run("trace", IRIS, "--out", str(tmp_path))[::2], "is a folder")


def test_divergence_is_one_line_and_keeps_metrics(tmp_path):
    doc = json.loads(Path(IRIS).read_text())
    doc["optimizer"]["lr"] = 1e30
    bad = _project_file(tmp_path, json.dumps(doc))
    code, out, err = run("train", bad, "--out", str(tmp_path / "o"))
    progress, last = err.splitlines()[:-1], err.splitlines()[-1:]
    assert all(l.startswith("epoch ") for l in progress)    # only progress lines before the error
    assert_one_error_line(code, "\n".join(last), bad, "diverged")
    assert (tmp_path / "o" / "metrics.csv").exists() and (tmp_path / "o" / "weights.npz").exists()


def test_bad_arguments_exit_with_usage():
    with pytest.raises(SystemExit) as info:
        run("train", IRIS, "--out", "x", "--epochs", "0")
    assert info.value.code == 2


# --------------------------------------------------------------------------- the GUI entry
@pytest.fixture
def fake_app(monkeypatch):
    calls = []
    module = types.ModuleType("nnstudio.ui.app")
    module.run_app = lambda project_path=None, screenshot=None: calls.append((project_path, screenshot)) or 0
    monkeypatch.setitem(sys.modules, "nnstudio.ui.app", module)
    return calls


def test_no_subcommand_opens_the_app(fake_app, monkeypatch):
    monkeypatch.setenv("DISPLAY", ":0")
    assert run()[0] == 0
    assert run(IRIS)[0] == 0
    assert run("--screenshot", "/tmp/x.png", IRIS)[0] == 0
    assert fake_app == [(None, None), (IRIS, None), (IRIS, "/tmp/x.png")]


def test_bad_project_is_reported_before_the_window_opens(fake_app, tmp_path, monkeypatch):
    monkeypatch.setenv("DISPLAY", ":0")
    bad = _project_file(tmp_path, "[]")
    assert_one_error_line(*run(bad)[::2], bad)
    assert fake_app == []


def test_headless_machine_needs_screenshot(fake_app, monkeypatch):
    for var in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    assert_one_error_line(*run()[::2], "no display", "--screenshot")
    assert run("--screenshot", "/tmp/x.png")[0] == 0
    import os
    assert os.environ["QT_QPA_PLATFORM"] == "offscreen"
    assert fake_app == [(None, "/tmp/x.png")]


# --------------------------------------------------------------------------- as a process
def test_real_process_never_imports_qt_and_prints_no_traceback(tmp_path):
    bad = _project_file(tmp_path, '{"format": "nnstudio-project",')
    code = ("import sys; from nnstudio.cli import main;"
            f"rc = main(['gradcheck', {bad!r}]); rc2 = main(['datasets']);"
            "assert not [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph', 'superqt')];"
            "sys.exit(rc)")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert p.returncode == 1, p.stderr
    assert p.stderr.splitlines() == [f"nnstudio: error: {bad}, line 1, column 31: the JSON ends too early "
                                     "(truncated file?)"]
    p = subprocess.run([sys.executable, "-m", "nnstudio", "train", bad, "--out", str(tmp_path)],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 1 and len(p.stderr.splitlines()) == 1 and "Traceback" not in p.stderr


def test_gradcheck_explains_kinks(tmp_path):
    path = Path(__file__).parent / "project" / "fixtures" / "conv_digits.json"
    code, out, err = run("gradcheck", str(path), "--samples", "2", "--tolerance", "1e-6")
    assert code == 0, err
    rows = {l.split()[0]: l.split() for l in out.splitlines()[1:5]}
    assert rows["conv2d_1.b"][6:] == ["3", "-"] and float(rows["conv2d_1.b"][3]) > 1e-3
    assert rows["conv2d_1.W"][6] == "0" and float(rows["conv2d_1.W"][7]) < 1e-6
    assert "note: 3 of the checked entries straddled a kink between w - h and w + h (h=1e-05" in out
    # the tolerance judges the entries off the kinks: above their largest error it fails
    code, out, err = run("gradcheck", str(path), "--samples", "2", "--tolerance", "1e-12")
    assert_one_error_line(code, err, str(path), "largest relative error off the kinks")


def test_gradcheck_tolerance_with_nothing_off_the_kinks_fails(tmp_path, monkeypatch):
    """When every entry straddled a kink nothing was held to the tolerance: that is no pass."""
    import nnstudio.engine.gradcheck as gc
    monkeypatch.setattr(gc.Network, "branches", lambda net: [np.random.default_rng().random(3)])
    code, out, err = run("gradcheck", IRIS, "--max-entries", "5", "--tolerance", "1e-3")
    assert_one_error_line(code, err, IRIS, "every checked entry straddled a kink")


def test_gradcheck_warns_before_a_long_check(monkeypatch):
    import nnstudio.cli as cli
    monkeypatch.setattr(cli, "LARGE_GRADCHECK", 10)
    code, out, err = run("gradcheck", IRIS, "--max-entries", "5")
    assert code == 0 and "--max-entries N samples fewer" in err


class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_on_a_terminal(tmp_path, monkeypatch):
    monkeypatch.setattr("nnstudio.cli.time.monotonic", iter(range(1, 10_000)).__next__)
    err = _Tty()
    code = main(["train", IRIS, "--out", str(tmp_path), "--epochs", "2"], stdout=io.StringIO(), stderr=err)
    assert code == 0
    text = err.getvalue()
    assert "\r[" in text and "] " in text and "iter 1/10" in text
    assert "\r\x1b[Kepoch 2/2  iter 10" in text


# --------------------------------------------------------------------------- export-plots
@pytest.fixture
def fake_export(monkeypatch, tmp_path):
    """Stands in for nnstudio.ui.export_headless: records the call, reports progress."""
    from nnstudio.ui.export import ExportError
    calls = []
    module = types.ModuleType("nnstudio.ui.export_headless")

    def export_plots(project_path, out, *, epochs=None, iterations=None, progress=None, time_limit=None):
        calls.append((project_path, out, epochs, time_limit) if iterations is None
                     else (project_path, out, epochs, iterations, time_limit))
        if str(out).endswith("readonly"):
            raise ExportError(out, "cannot write: permission denied")
        for i in range(1, 21):
            progress(i, 20)
        report = types.SimpleNamespace(folder=Path(out), written=[Path(out) / "Loss.png"] * 3,
                                       skipped=[], empty=["Fit"])
        divergence = ValueError("training diverged at iteration 3: loss became nan") if epochs == 13 else None
        return types.SimpleNamespace(report=report, divergence=divergence)
    module.export_plots = export_plots
    monkeypatch.setitem(sys.modules, "nnstudio.ui.export_headless", module)
    return calls


def test_export_plots_calls_the_ui_exporter(fake_export, tmp_path):
    code, out, err = run("export-plots", IRIS, "--out", str(tmp_path), "--epochs", "4", "--time-limit", "30")
    assert code == 0
    assert fake_export == [(IRIS, str(tmp_path), 4, 30.0)]
    assert out.splitlines() == [f"wrote 3 files into {tmp_path}", "skipped Fit: offers nothing to export"]
    assert err.count("training: iteration") == 11          # one line per tenth (0 … 10), not per iteration


def test_export_plots_takes_a_count_of_iterations(fake_export, tmp_path):
    assert run("export-plots", IRIS, "--out", str(tmp_path), "--iterations", "12")[0] == 0
    assert fake_export == [(IRIS, str(tmp_path), None, 12, None)]


def test_export_plots_errors_are_one_line(fake_export, tmp_path):
    assert_one_error_line(*run("export-plots", IRIS, "--out", str(tmp_path / "readonly"))[::2],
                          str(tmp_path / "readonly"), "permission denied")
    code, out, err = run("export-plots", IRIS, "--out", str(tmp_path), "--epochs", "13")
    assert_one_error_line(code, err.splitlines()[-1], IRIS, "diverged", "were exported")
    bad = _project_file(tmp_path, "{")
    assert_one_error_line(*run("export-plots", bad, "--out", str(tmp_path))[::2], bad)
    assert len(fake_export) == 2          # the bad project never reached the exporter


def test_export_plots_for_real(tmp_path):
    code, out, err = run("export-plots", IRIS, "--out", str(tmp_path), "--epochs", "2")
    assert code == 0, err
    assert (tmp_path / "metrics.csv").read_text().count("\n") == 3
    assert (tmp_path / "Loss.png").stat().st_size > 1000


def test_relative_data_paths_are_taken_from_the_project_folder(tmp_path, monkeypatch):
    folder = tmp_path / "course"
    folder.mkdir()
    rng = np.random.default_rng(0)
    rows = ["x1,x2,label"] + [f"{a:.3f},{b:.3f},{int(a > b)}" for a, b in rng.uniform(-1, 1, (40, 2))]
    (folder / "points.csv").write_text("\n".join(rows) + "\n")
    doc = json.loads(Path(IRIS).read_text())
    doc["network"]["input_shape"] = [2]
    doc["network"]["layers"][-1]["units"] = 2
    doc["dataset"] = {"name": "csv", "path": "points.csv"}
    (folder / "p.json").write_text(json.dumps(doc))
    monkeypatch.chdir(tmp_path)            # not the project's folder
    code, out, err = run("train", str(folder / "p.json"), "--out", str(tmp_path / "run"), "--epochs", "1")
    assert code == 0, err
    code, out, err = run("gradcheck", "course/p.json")
    assert code == 0, err
    # the settings written beside the run point at the same data: it runs again from there
    saved = json.loads((tmp_path / "run" / "project.json").read_text())
    assert saved["dataset"]["path"] == str((folder / "points.csv").resolve())
    code, out, err = run("train", str(tmp_path / "run" / "project.json"), "--out", str(tmp_path / "again"),
                         "--epochs", "1")
    assert code == 0, err


# --------------------------------------------------------------------------- compare
def test_compare_prints_the_results_and_writes_csv(tmp_path):
    table = tmp_path / "results.csv"
    code, out, err = run("compare", IRIS, "--vary", "optimizer=sgd,adam", "--vary", "lr=0.01,0.1",
                         "--iterations", "30", "--csv", str(table))
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["optimizer", "lr", "iterations", "seconds", "train_loss", "train_accuracy",
                                "eval_loss", "eval_accuracy", "ended"]
    assert [l.split()[:3] for l in lines[1:5]] == [["sgd", "0.01", "30"], ["sgd", "0.1", "30"],
                                                   ["adam", "0.01", "30"], ["adam", "0.1", "30"]]
    assert all(l.split()[-1] == "done" for l in lines[1:5])
    assert table.read_text("utf-8").splitlines()[1].startswith("sgd,0.01,30,")
    assert "4 variants × 30 updates on iris" in err and "test split" in err


def test_compare_takes_the_projects_iterations_when_it_counts_them(tmp_path):
    doc = json.loads(Path(IRIS).read_text("utf-8"))
    doc["training"]["iterations"] = 12
    path = tmp_path / "p.json"
    path.write_text(json.dumps(doc), "utf-8")
    code, out, err = run("compare", str(path), "--vary", "lr=0.1,0.2")
    assert code == 0, err
    assert "2 variants × 12 updates" in err and [l.split()[1] for l in out.splitlines()[1:3]] == ["12", "12"]
    code, out, err = run("compare", str(path), "--vary", "lr=0.1", "--iterations", "7")
    assert code == 0 and "1 variant × 7 updates" in err


def test_compare_random_search(tmp_path):
    code, out, err = run("compare", IRIS, "--search", "lr=1e-6..1e-2", "--search", "weight_decay=1e-8..1e-4",
                         "--trials", "4", "--iterations", "5", "--seed", "2", "--same-seeds")
    assert code == 0, err
    header, *rows = [l.split() for l in out.splitlines()]
    assert header[:3] == ["lr", "weight_decay", "iterations"]
    assert len(rows) == 4 and all(1e-6 <= float(r[0]) <= 1e-2 and 1e-8 <= float(r[1]) <= 1e-4 for r in rows)
    # by default, as the book's search: the same drawn values, each trial with a training seed of its own
    code, out2, err = run("compare", IRIS, "--search", "lr=1e-6..1e-2", "--search", "weight_decay=1e-8..1e-4",
                          "--trials", "4", "--iterations", "5", "--seed", "2")
    assert code == 0, err
    header, *rows2 = [l.split() for l in out2.splitlines()]
    assert header[:3] == ["lr", "weight_decay", "seed"]
    assert [r[:2] for r in rows2] == [r[:2] for r in rows]
    assert len({r[2] for r in rows2}) == 4


def test_a_diverging_variant_is_reported_without_numpys_warnings():
    """Weights of std 1e30 overflow in the first products: the table says "diverged", and
    NumPy's RuntimeWarnings on the way there do not reach the terminal."""
    import warnings
    from nnstudio.engine.products import matmul
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        code, out, err = run("compare", IRIS, "--vary", "init_std=1e30", "--iterations", "5")
        assert code == 0, err
        assert out.splitlines()[1].split()[-1] == "diverged"
        assert not caught
        with np.errstate(over="warn"):       # the same overflow outside the command is shown
            matmul(np.full((1, 2), 1e30, np.float32), np.full((2, 1), 1e30, np.float32))
    assert [w.category for w in caught] == [RuntimeWarning]


@pytest.mark.parametrize("args,needle", [
    (("--vary", "lr=abc"), "lr: 'abc' is not a number"),
    (("--vary", "speed=1"), "'speed' is not a setting"),
    (("--vary", "units=0"), "units: 0 is out of range"),
    (("--vary", "lr"), "expected KNOB=VALUES"),
    (("--search", "lr=0.1"), "expected a range LOW..HIGH"),
    (("--vary", "lr=0.1", "--same-seeds"), "--same-seeds is for a random search"),
    (("--vary", "lr=0.1", "--vary", "units=2", "--vary", "seed=1"), "at most two settings"),
])
def test_compare_bad_plans_are_one_line(args, needle):
    code, out, err = run("compare", IRIS, *args, "--iterations", "3")
    assert_one_error_line(code, err, needle)


def test_compare_checks_the_csv_folder_before_training(tmp_path):
    code, out, err = run("compare", IRIS, "--vary", "lr=0.1", "--csv", str(tmp_path / "nope" / "r.csv"))
    assert code != 0 and "does not exist" in err.splitlines()[-1]
    assert "done" not in err                                    # nothing was trained
