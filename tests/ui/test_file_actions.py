"""ProjectFiles: save/open round trips, modified marker, close prompt, recent files, bad input."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QWidget

from nnstudio.project.files import load_project, save_project
from nnstudio.project.history import RunHistory, run_folder
from nnstudio.project.model import Project, default_project
from nnstudio.project.recovery import Autosave
from nnstudio.project.session import build_network
from nnstudio.ui import file_actions as fa
from nnstudio.ui.file_actions import ProjectFiles
from language_fixtures import japanese  # noqa: F401 - fixture


class Host:
    """Stands in for the main window: holds the project, weights and history."""

    def __init__(self):
        self.project = default_project()
        self.weights = None
        self.history = RunHistory()
        self.set_calls = 0

    def set_project(self, project):
        self.project = project
        self.set_calls += 1

    def set_weights(self, weights):
        self.weights = dict(weights)

    def set_history(self, history):
        self.history = history


class Dialogs:
    """Records what ProjectFiles would have shown; answers what the test scripted."""

    def __init__(self):
        self.errors: list[tuple[str, str]] = []
        self.infos: list[tuple[str, str]] = []
        self.answers: dict[str, list] = {}

    def install(self, files: ProjectFiles):
        files.show_error = lambda title, text: self.errors.append((title, text))
        files.show_info = lambda title, text: self.infos.append((title, text))
        for name in ("ask_open_path", "ask_save_path", "ask_weights_path", "ask_folder",
                     "ask_save_changes", "ask_recover"):
            setattr(files, name, self._answer(name))

    def _answer(self, name):
        def answer(*_args):
            queue = self.answers.get(name)
            if not queue:
                raise AssertionError(f"unexpected dialog {name}")
            return queue.pop(0)
        return answer


def make_files(qtbot, tmp_path, host=None, **kw):
    widget = QWidget()
    qtbot.addWidget(widget)
    host = host or Host()
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    files = ProjectFiles(lambda: host.project, host.set_project,
                         get_weights=lambda: host.weights, set_weights=host.set_weights,
                         get_history=lambda: host.history, set_history=host.set_history,
                         parent=widget, settings=settings,
                         autosave=kw.pop("autosave", Autosave(tmp_path / "recovery")), **kw)
    dialogs = Dialogs()
    dialogs.install(files)
    files._keep = widget
    return files, host, dialogs


@pytest.fixture
def env(qtbot, tmp_path):
    return make_files(qtbot, tmp_path)


def trained_like(project: Project) -> dict[str, np.ndarray]:
    net = build_network(project)
    rng = np.random.default_rng(1)
    return {k: (v + rng.normal(size=v.shape)).astype(v.dtype) for k, v in net.state_dict().items()}


def other_project(lr=0.05) -> Project:
    doc = default_project().to_dict()
    doc["optimizer"] = {"name": "momentum", "lr": lr, "momentum": 0.8}
    doc["training"]["batch_size"] = 50
    return Project.from_dict(doc)


def test_save_open_round_trip_with_weights_and_history(env, tmp_path):
    files, host, dlg = env
    host.project = other_project()
    host.weights = trained_like(host.project)
    host.history = RunHistory(iterations=[(1, 1, 2.3, 2.25, 0.05, 0.01), (2, 1, 1.9, 1.85, 0.05, 0.02)],
                              epochs=[(1, 2, 1.8, 0.4, 1.9, 0.38, 0.05, 0.02)])
    files.mark_modified()
    path = tmp_path / "mine.json"
    dlg.answers["ask_save_path"] = [str(path)]
    assert files.save() is True
    assert not files.modified and files.path == str(path)
    assert files.title() == "mine.json — nnstudio"
    saved_project, saved_weights, saved_history = host.project, host.weights, host.history

    assert files.new() is True
    assert host.project == default_project() and files.path is None
    host.weights = None
    assert files.open(str(path)) is True
    assert host.project == saved_project
    assert host.project.to_dict() == saved_project.to_dict()
    assert host.weights.keys() == saved_weights.keys()
    for k, v in saved_weights.items():
        assert host.weights[k].dtype == v.dtype
        assert host.weights[k].tobytes() == v.tobytes()
    assert host.history.epochs == saved_history.epochs
    assert host.history.iterations == saved_history.iterations
    assert files.recent_files()[0] == str(path)
    assert dlg.errors == []


def test_modified_marker_and_title_signal(env, qtbot, tmp_path):
    files, host, dlg = env
    titles = []
    files.titleChanged.connect(titles.append)
    assert files.title() == "Untitled — nnstudio"
    files.mark_modified()
    assert titles[-1] == "Untitled* — nnstudio"
    save_project(host.project, tmp_path / "a.json")
    dlg.answers["ask_save_changes"] = [fa.DISCARD]
    assert files.open(tmp_path / "a.json")
    assert titles[-1] == "a.json — nnstudio"
    files.mark_modified()
    assert titles[-1] == "a.json* — nnstudio"
    assert files.save()
    assert titles[-1] == "a.json — nnstudio"


def test_close_prompt_paths(env, tmp_path):
    files, host, dlg = env
    assert files.maybe_save() is True            # nothing to save: no prompt
    files.mark_modified()
    dlg.answers["ask_save_changes"] = [fa.CANCEL]
    assert files.maybe_save() is False and files.modified
    dlg.answers["ask_save_changes"] = [fa.SAVE]
    dlg.answers["ask_save_path"] = [None]         # the save dialog was cancelled
    assert files.maybe_save() is False and files.modified
    dlg.answers["ask_save_changes"] = [fa.SAVE]
    dlg.answers["ask_save_path"] = [str(tmp_path / "kept.json")]
    assert files.maybe_save() is True and not files.modified
    assert load_project(tmp_path / "kept.json") == host.project
    files.mark_modified()
    dlg.answers["ask_save_changes"] = [fa.DISCARD]
    before = (tmp_path / "kept.json").read_bytes()
    host.project = other_project()
    assert files.maybe_save() is True
    assert (tmp_path / "kept.json").read_bytes() == before


def _deny_replace(monkeypatch):
    def deny(*_a, **_k):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(os, "replace", deny)


def test_failed_save_says_why_and_keeps_old_file(env, tmp_path, monkeypatch):
    files, host, dlg = env
    path = tmp_path / "p.json"
    dlg.answers["ask_save_path"] = [str(path)]
    assert files.save()
    old = path.read_bytes()
    host.project = other_project()
    files.mark_modified()
    _deny_replace(monkeypatch)                     # the rename of the finished temp file fails
    assert files.save() is False
    monkeypatch.undo()
    assert path.read_bytes() == old
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
    assert files.modified
    title, text = dlg.errors[-1]
    assert title == "Could not save the project"
    assert "permission" in text.lower() and "p.json" in text


def test_read_only_folder(env, tmp_path, monkeypatch):
    files, host, dlg = env
    folder = tmp_path / "ro"
    folder.mkdir()
    os.chmod(folder, 0o500)
    try:
        if os.access(folder, os.W_OK):             # root: chmod does not stop writes
            _deny_replace(monkeypatch)
        assert files.save_as(folder / "x.json") is False
    finally:
        os.chmod(folder, 0o700)
    assert list(folder.iterdir()) == []
    assert "permission" in dlg.errors[-1][1].lower()
    assert files.path is None


BAD_PROJECTS = {
    "truncated.json": (b'{"format": "nnstudio-project", "version": 1, "network": {"input_sh', "damaged"),
    "types.json": (json.dumps({"format": "nnstudio-project", "version": 1,
                               "network": {"input_shape": "many", "layers": [], "loss": "sse"}}).encode(),
                   "cannot use"),
    "unknown.json": (json.dumps({**default_project().to_dict(), "colour": "blue"}).encode(), "colour"),
    "newer.json": (json.dumps({**default_project().to_dict(), "version": 99}).encode(), "newer version"),
    "binary.json": (b"\xff\xfe\x00garbage", "UTF-8"),
}


@pytest.mark.parametrize("name", sorted(BAD_PROJECTS))
def test_bad_project_files_leave_the_open_project_untouched(env, tmp_path, name):
    files, host, dlg = env
    data, expected = BAD_PROJECTS[name]
    (tmp_path / name).write_bytes(data)
    files.mark_modified()
    before, calls = host.project, host.set_calls
    assert files.open(tmp_path / name) is False
    assert host.project is before and host.set_calls == calls
    assert files.modified and files.path is None
    title, text = dlg.errors[-1]
    assert title == "Could not open the project"
    assert expected in text and name in text


def test_directory_and_missing_file(env, tmp_path):
    files, host, dlg = env
    before = host.project
    assert files.open(tmp_path) is False
    assert "is a folder" in dlg.errors[-1][1]
    assert files.open(tmp_path / "gone.json") is False
    assert "does not exist" in dlg.errors[-1][1]
    assert host.project is before


def test_import_weights_bad_inputs(env, tmp_path):
    files, host, dlg = env
    host.weights = None
    obj = tmp_path / "objects.npz"
    np.savez(obj, **{"dense_1.W": np.array([{"a": 1}], dtype=object)})
    (tmp_path / "text.npz").write_text("not a zip")
    small = other_project().to_dict()
    small["network"]["layers"][0]["units"] = 20
    np.savez(tmp_path / "other.npz", **build_network(Project.from_dict(small)).state_dict())
    cases = {obj: "Python objects", tmp_path / "text.npz": "not a weights file",
             tmp_path: "is a folder", tmp_path / "other.npz": "(784, 20)"}
    for path, expected in cases.items():
        assert files.import_weights(path) is False
        title, text = dlg.errors[-1]
        assert title == "Could not import the weights"
        assert expected in text, text
        assert host.weights is None
    mismatch = dlg.errors[-1][1]
    assert "dense_1.W" in mismatch and "(784, 50)" in mismatch
    good = tmp_path / "good.npz"
    weights = trained_like(host.project)
    np.savez(good, **weights)
    assert files.import_weights(good) is True and files.modified
    assert all(host.weights[k].tobytes() == v.tobytes() for k, v in weights.items())


def test_bad_weights_beside_a_good_project_still_open_it(env, tmp_path):
    files, host, dlg = env
    path = tmp_path / "p.json"
    save_project(other_project(), path)
    run_folder(path).mkdir()
    (run_folder(path) / "weights.npz").write_bytes(b"PK\x03\x04broken")
    assert files.open(path) is True
    assert host.project == other_project() and host.weights is None
    assert dlg.errors[-1][0] == "The project opened without part of its run"


def test_recent_files_max_pruned_and_persistent(env, qtbot, tmp_path):
    files, host, dlg = env
    paths = []
    for i in range(10):
        p = tmp_path / f"p{i}.json"
        save_project(host.project, p)
        assert files.open(p)
        paths.append(str(p))
    assert files.recent_files() == paths[::-1][:8]
    texts = [a.text() for a in files.recent_menu.actions() if a.data()]
    assert texts[0] == "&1 p9.json" and len(texts) == 8
    # a reopened file moves to the front without a duplicate
    assert files.open(paths[5])
    assert files.recent_files()[:2] == [paths[5], paths[9]] and len(files.recent_files()) == 8
    os.remove(paths[9])
    assert files.open_recent(paths[9]) is False
    assert paths[9] not in files.recent_files()
    assert "no longer exists" in dlg.errors[-1][1]
    again, _, _ = make_files(qtbot, tmp_path)          # same settings file, new instance
    assert again.recent_files() == files.recent_files()
    files.clear_recent()
    assert files.recent_files() == []


def test_autosave_timer_writes_recovery_file_while_modified(qtbot, tmp_path):
    files, host, dlg = make_files(qtbot, tmp_path, autosave_seconds=0.05)
    slot = files._autosave
    assert not files.timer.isActive()
    host.project = other_project(lr=0.02)
    host.weights = trained_like(host.project)
    files.mark_modified()
    assert files.timer.isActive()
    qtbot.waitUntil(slot.path.exists, timeout=3000)
    doc = json.loads(slot.path.read_text())
    assert Project.from_dict(doc["project"]) == host.project
    dlg.answers["ask_save_path"] = [str(tmp_path / "s.json")]
    assert files.save()
    assert not files.timer.isActive() and not slot.path.exists()


CRASH = """
import os, sys
from nnstudio.project.model import Project, default_project
from nnstudio.project.recovery import Autosave
doc = default_project().to_dict(); doc["optimizer"] = {"name": "adam", "lr": 0.001}
Autosave(sys.argv[1]).write(Project.from_dict(doc), original_path=sys.argv[2])
os._exit(3)   # dies without cleaning up
"""


def _crash(tmp_path, original) -> None:
    import subprocess
    import sys
    proc = subprocess.run([sys.executable, "-c", CRASH, str(tmp_path / "recovery"), str(original)],
                          timeout=60)
    assert proc.returncode == 3
    assert len(list((tmp_path / "recovery").glob("autosave-*.json"))) == 1


@pytest.mark.parametrize("answer", [fa.RECOVER, fa.DISCARD, fa.LATER])
def test_recovery_after_a_crash(qtbot, tmp_path, answer):
    original = tmp_path / "lesson.json"
    _crash(tmp_path, original)
    files, host, dlg = make_files(qtbot, tmp_path)
    dlg.answers["ask_recover"] = [answer]
    before = host.project
    assert files.offer_recovery() is (answer == fa.RECOVER)
    leftovers = [p for p in (tmp_path / "recovery").glob("autosave-*.json") if p != files._autosave.path]
    if answer == fa.RECOVER:
        assert host.project.optimizer.name == "adam" and host.project.optimizer.lr == 0.001
        assert files.modified and files.path == str(original)
        assert files.title() == "lesson.json* — nnstudio"
        assert leftovers == [] and files._autosave.path.exists()
    else:
        assert host.project is before and not files.modified
        assert len(leftovers) == (0 if answer == fa.DISCARD else 1)
    assert dlg.errors == []


def test_unreadable_recovery_file_is_explained(qtbot, tmp_path):
    folder = tmp_path / "recovery"
    folder.mkdir()
    (folder / "autosave-999999999.json").write_text("{ half")
    files, host, dlg = make_files(qtbot, tmp_path)
    assert files.offer_recovery() is False
    assert dlg.errors and "autosave-999999999.json" in dlg.errors[-1][1]
    assert not (folder / "autosave-999999999.json").exists()


def test_actions_trigger_dialog_paths(env, tmp_path):
    files, host, dlg = env
    save_project(other_project(), tmp_path / "o.json")
    dlg.answers["ask_open_path"] = [str(tmp_path / "o.json")]
    files.open_action.trigger()
    assert host.project == other_project()
    dlg.answers["ask_open_path"] = [None]            # cancelled: nothing happens
    files.open_action.trigger()
    assert files.path == str(tmp_path / "o.json")
    assert [a.text() if a else None for a in files.file_actions()][:2] == ["&New", "&Open…"]
    assert not files.export_all_action.isEnabled()   # no views were given


def test_message_box_shows_headline_and_details(qtbot, tmp_path):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox
    from nnstudio.ui.file_messages import show_message
    seen = {}

    def close_it():
        box = QApplication.activeModalWidget()
        seen["text"], seen["info"] = box.text(), box.informativeText()
        box.accept()

    QTimer.singleShot(50, close_it)
    show_message(None, QMessageBox.Icon.Warning, "Could not open", "“a.json” is damaged.\n\nLine 2\nWhy: cut off")
    assert seen == {"text": "“a.json” is damaged.", "info": "Line 2\nWhy: cut off"}


def test_recent_menu_entry_opens_the_file(env, tmp_path):
    files, host, dlg = env
    save_project(other_project(), tmp_path / "r.json")
    files._add_recent(str(tmp_path / "r.json"))
    files.recent_menu.aboutToShow.emit()
    entry = [a for a in files.recent_menu.actions() if a.data()][0]
    assert entry.toolTip() == str(tmp_path / "r.json")
    entry.trigger()
    assert host.project == other_project() and files.path == str(tmp_path / "r.json")


def _click_later(text_of_button):
    """Click the button with this text in the next modal dialog."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    def click():
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        [button] = [b for b in box.buttons() if b.text().replace("&", "") == text_of_button]
        button.click()

    QTimer.singleShot(50, click)


@pytest.mark.parametrize("button, answer", [("Save", fa.SAVE), ("Discard", fa.DISCARD), ("Cancel", fa.CANCEL)])
def test_real_close_prompt_buttons(qtbot, tmp_path, button, answer):
    widget = QWidget()
    qtbot.addWidget(widget)
    files = ProjectFiles(default_project, lambda p: None, parent=widget,
                         settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat),
                         autosave=Autosave(tmp_path / "rec"))
    _click_later(button)
    assert files.ask_save_changes() == answer


@pytest.mark.parametrize("button, answer", [("Recover", fa.RECOVER), ("Discard", fa.DISCARD),
                                            ("Ask Me Later", fa.LATER)])
def test_real_recovery_prompt_buttons(qtbot, tmp_path, button, answer):
    from nnstudio.project.recovery import Recovered
    widget = QWidget()
    qtbot.addWidget(widget)
    files = ProjectFiles(default_project, lambda p: None, parent=widget,
                         settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat),
                         autosave=Autosave(tmp_path / "rec"))
    left = Recovered(tmp_path / "autosave-1.json", 1, default_project(), "/x/lesson.json", 1.7e9, None)
    _click_later(button)
    assert files.ask_recover(left) == answer


def test_a_bad_metrics_line_is_named_without_a_column(qapp, tmp_path):
    """A CSV row knows its line, not a column: the details said 'Line 2, column ?'."""
    from nnstudio.project.history import load_history
    from nnstudio.project.errors import FileFormatError
    from nnstudio.ui.file_messages import file_error_text
    (tmp_path / "metrics.csv").write_text("epoch,iteration,train_loss,train_accuracy,test_loss,test_accuracy,lr,"
                                          "seconds\n1,x,0.5,0.9,0.5,0.9,0.1,1.0\n")
    with pytest.raises(FileFormatError) as info:
        load_history(tmp_path)
    text = file_error_text(info.value)
    assert "Line 2\n" in text and "column ?" not in text


# ------------------------------------------------------------------ relative data paths
def _csv_project(tmp_path):
    """A project in course/ whose data set is course/data/xor.csv, named relative to it."""
    course = tmp_path.resolve() / "course"
    (course / "data").mkdir(parents=True)
    (course / "data" / "xor.csv").write_text("a,b,label\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n")
    project = default_project().with_(dataset={"name": "csv", "path": "data/xor.csv"})
    save_project(project, course / "p.json")
    return course, project


def test_save_as_into_another_folder_keeps_naming_the_same_data_file(qtbot, tmp_path):
    """Save As kept "data/xor.csv", and the copy then looked for elsewhere/data/xor.csv."""
    from nnstudio.data import load
    course, _ = _csv_project(tmp_path)
    files, host, dialogs = make_files(qtbot, tmp_path)
    assert files.open(course / "p.json")
    elsewhere = tmp_path.resolve() / "elsewhere"
    elsewhere.mkdir()
    assert files.save_as(elsewhere / "copy.json") and dialogs.errors == []
    copy = load_project(elsewhere / "copy.json")
    assert copy.dataset["path"] == str(course / "data" / "xor.csv")
    assert len(load(dict(copy.dataset), base_dir=elsewhere).x_train) > 0      # the copy opens
    assert host.project.dataset["path"] == copy.dataset["path"]               # and so does the open one
    assert load_project(course / "p.json").dataset["path"] == "data/xor.csv"  # the original is untouched
    # from the original into the folder above: relative again, now through course/
    assert files.open(course / "p.json")
    assert files.save_as(tmp_path.resolve() / "up.json")
    assert load_project(tmp_path / "up.json").dataset["path"] == "course/data/xor.csv"
    assert files.save()
    assert load_project(tmp_path / "up.json").dataset["path"] == "course/data/xor.csv"


def test_save_as_tells_the_window_which_folders_the_data_paths_moved_between(qtbot, tmp_path):
    course, _ = _csv_project(tmp_path)
    moves = []
    files, host, _ = make_files(qtbot, tmp_path, data_moved=lambda old, new: moves.append((old, new)))
    assert files.open(course / "p.json")
    calls = host.set_calls
    assert files.save_as(course / "same-folder.json") and moves == []
    assert files.save_as(tmp_path / "p.json")
    assert moves == [(str(course), str(tmp_path))] and host.set_calls == calls    # not replaced


# ------------------------------------------------------------------ reasons in the learner's language
def _why(text: str) -> str:
    """The reason line of a file message (「理由：…」 in Japanese, "Why: …" in English)."""
    return next(line for line in text.splitlines() if line.startswith(("理由", "Why")))


def _cut_weights(tmp_path: Path, project: Project) -> Path:
    from nnstudio.project.files import save_weights
    save_weights(build_network(project), tmp_path / "whole.npz")
    data = (tmp_path / "whole.npz").read_bytes()
    (tmp_path / "cut.npz").write_bytes(data[:len(data) // 2])
    return tmp_path / "cut.npz"


def _weights_with(tmp_path: Path, project: Project, change) -> Path:
    state = build_network(project).state_dict()
    change(state)
    np.savez(tmp_path / "changed.npz", **state)
    return tmp_path / "changed.npz"


@pytest.mark.parametrize("make, code, japanese_reason", [
    (_cut_weights, "npz_damaged", "壊れているか途中で途切れています。アーカイブを展開できません"),
    (lambda tmp, p: _weights_with(tmp, p, lambda s: s.pop("dense_1.W")), "npz_missing_parameter",
     "このネットワークのパラメータがファイルにありません（1 個、最初は dense_1.W）"),
    (lambda tmp, p: _weights_with(tmp, p, lambda s: s.update(extra=np.zeros(2))), "npz_extra_parameter",
     "extra はこのネットワークのパラメータではありません"),
    (lambda tmp, p: _weights_with(tmp, p, lambda s: s.update({"dense_1.b": np.array(["a"] * 50)})),
     "npz_not_numbers", "配列「dense_1.b」の値は数値ではなく <U1 です"),
], ids=["cut-off", "missing", "extra", "text"])
def test_a_bad_weights_file_is_explained_in_the_learners_language(env, tmp_path, japanese, make, code,
                                                                  japanese_reason):
    """A cut-off .npz said 「理由：is not a valid .npz file (File is not a zip file)」 in the
    Japanese window: the reasons of a weights file are named by code and worded by the window."""
    from nnstudio.project.errors import WeightsFileError
    from nnstudio.project.files import load_weights
    files, host, dlg = env
    path = make(tmp_path, host.project)
    with pytest.raises(WeightsFileError) as info:
        load_weights(build_network(host.project), path)
    assert info.value.code == code
    assert files.import_weights(path) is False
    title, text = dlg.errors[-1]
    assert title == "重みを読み込めませんでした"
    assert japanese_reason in _why(text)
    assert info.value.reason not in text


METRICS_HEADER = "epoch,iteration,train_loss,train_accuracy,test_loss,test_accuracy,lr,seconds\n"


@pytest.mark.parametrize("metrics, code, japanese_reason", [
    (METRICS_HEADER + "1,20,0.5,0.9,0.5,0.9,fast,1.0\n", "csv_not_number", "列 lr：「fast」は数値ではありません"),
    (METRICS_HEADER + "1.5,20,0.5,0.9,0.5,0.9,0.1,1.0\n", "csv_not_integer", "列 epoch：「1.5」は整数ではありません"),
    (METRICS_HEADER.replace("lr", "rate"), "csv_columns", "列が epoch, iteration, train_loss"),
    (METRICS_HEADER + "1,20,0.5\n", "csv_values", "この行には値が 3 個あります。正しくは 8 個です"),
    ("x" * 200_000 + "\n", "csv_malformed", "nnstudio が読める CSV の表ではありません"),   # escaped as csv.Error
], ids=["not-a-number", "not-whole", "columns", "values", "no-table"])
def test_a_bad_run_history_is_explained_in_the_learners_language(env, tmp_path, japanese, metrics, code,
                                                                 japanese_reason):
    """A metrics.csv with a bad value said 「理由：column lr: 'fast' is not a number」 in the
    Japanese window; one that is no table at all (a field past csv's limit) raised csv.Error
    out of File ▸ Open."""
    from nnstudio.project.errors import HistoryFileError
    from nnstudio.project.history import load_history
    files, host, dlg = env
    path = tmp_path / "p.json"
    save_project(other_project(), path)
    run_folder(path).mkdir()
    (run_folder(path) / "metrics.csv").write_text(metrics)
    with pytest.raises(HistoryFileError) as info:
        load_history(run_folder(path))
    assert info.value.code == code
    assert files.open(path) is True                 # the project opens without its curves
    title, text = dlg.errors[-1]
    assert title == "プロジェクトは開きましたが、学習の記録の一部がありません"
    assert japanese_reason in _why(text)
    assert info.value.reason not in text and "is not" not in text


def _cut_recovery_file(path: Path) -> None:
    Autosave(path.parent, pid=999999999).write(other_project())
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])


def _recovery_doc_with(path: Path, **changes) -> None:
    Autosave(path.parent, pid=999999999).write(other_project())
    doc = json.loads(path.read_text("utf-8"))
    doc.update(changes)
    path.write_text(json.dumps(doc))


@pytest.mark.parametrize("spoil, code, japanese_reason", [
    (_cut_recovery_file, "json_truncated", "JSON が途中で終わっています"),
    (lambda path: path.write_bytes(b'{"format": "nnstudio-autosave", "version": 1, "project": "\xff"}'),
     "recovery_not_utf8", "復元用ファイルは UTF-8 で保存した JSON です"),
    (lambda path: _recovery_doc_with(path, format="something-else"), "not_recovery_file",
     "nnstudio の復元用ファイルではありません"),
    (lambda path: _recovery_doc_with(path, version=7), "recovery_newer",
     "新しい nnstudio で保存されています（復元用ファイルの形式バージョン 7）"),
    (lambda path: _recovery_doc_with(path, project=None), "recovery_no_project", "プロジェクトが入っていません"),
], ids=["cut-off", "not-utf8", "not-recovery", "newer", "no-project"])
def test_an_unreadable_recovery_file_is_explained_in_the_learners_language(qtbot, tmp_path, japanese, spoil, code,
                                                                           japanese_reason):
    """A recovery file that could not be read said 「理由：is not a readable recovery file
    (Expecting ',' delimiter: line 1 column 30 (char 29))」 in the Japanese window."""
    from nnstudio.project.recovery import find_leftovers
    folder = tmp_path / "recovery"
    folder.mkdir()
    path = folder / "autosave-999999999.json"
    spoil(path)
    [left] = find_leftovers(folder)
    assert left.project is None and left.error.code == code
    files, host, dlg = make_files(qtbot, tmp_path)
    assert files.offer_recovery() is False
    title, text = dlg.errors[-1]
    assert title == "復元用ファイルを読み込めませんでした"
    assert japanese_reason in _why(text)
    assert left.error.reason not in text
    assert not path.exists()


def test_a_failed_autosave_says_why_in_the_learners_language(qtbot, tmp_path, japanese):
    """The status bar said 「自動保存に失敗しました：cannot create the recovery folder: …」."""
    (tmp_path / "blocker").write_text("a file where the recovery folder's parent should be")
    files, host, dlg = make_files(qtbot, tmp_path, autosave=Autosave(tmp_path / "blocker" / "recovery"))
    shown = []
    files.statusMessage.connect(shown.append)
    files.mark_modified()
    assert files.autosave_now() is False
    assert shown[-1] == "自動保存に失敗しました：復元用フォルダーを作成できません：パスの途中がフォルダーではなくファイルです"


def test_the_systems_refusal_is_worded_in_the_learners_language(env, tmp_path, japanese, monkeypatch):
    """A full disk while saving the run said 「理由：書き込めません：no space left on device」."""
    import errno
    files, host, dlg = env
    host.history = RunHistory(epochs=[(1, 2, 1.8, 0.4, 1.9, 0.38, 0.05, 0.02)])
    replace = os.replace

    def full_disk(src, dst, *args, **kw):
        if str(dst).endswith(".csv"):
            raise OSError(errno.ENOSPC, "No space left on device")
        return replace(src, dst, *args, **kw)
    monkeypatch.setattr(os, "replace", full_disk)
    assert files.save_as(tmp_path / "p.json") is False
    title, text = dlg.errors[-1]
    assert title == "プロジェクトは保存しましたが、学習の記録は保存できませんでした" and "metrics.csv" in text
    assert _why(text) == "理由：書き込めません：ディスクがいっぱいです"
