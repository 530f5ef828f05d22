"""Crash recovery: the autosave slot, detection of a file left behind, discarding it."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import numpy as np
import pytest

from nnstudio.project import errors as E
from nnstudio.project.model import default_project
from nnstudio.project.recovery import Autosave, find_leftovers, recovery_dir
from nnstudio.project.session import build_network


def _dead_pid() -> int:
    """The pid of a process that has certainly exited."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_recovery_dir_follows_nnstudio_home(monkeypatch, tmp_path):
    monkeypatch.setenv("NNSTUDIO_HOME", str(tmp_path))
    assert recovery_dir() == tmp_path / "recovery"
    monkeypatch.delenv("NNSTUDIO_HOME")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("NNSTUDIO_DATA_DIR", raising=False)
    if sys.platform.startswith("linux"):
        assert recovery_dir() == tmp_path / "xdg" / "nnstudio" / "recovery"


def test_own_autosave_is_not_a_leftover(tmp_path):
    slot = Autosave(tmp_path)
    slot.write(default_project())
    assert slot.exists()
    assert find_leftovers(tmp_path) == []


def test_crashed_session_is_found_with_project_and_weights(tmp_path):
    project = default_project()
    net = build_network(project)
    net.parameters()["dense_1.W"][0, 0] = 42.0
    crashed = Autosave(tmp_path, pid=_dead_pid())
    crashed.write(project, original_path="/home/me/mnist.json", network=net)
    [left] = find_leftovers(tmp_path)
    assert left.error is None
    assert left.project == project
    assert left.original_path == "/home/me/mnist.json"
    assert left.saved_at is not None
    fresh = build_network(project)
    assert left.load_weights(fresh)
    assert fresh.parameters()["dense_1.W"][0, 0] == 42.0
    left.discard()
    assert find_leftovers(tmp_path) == [] and not any(tmp_path.iterdir())


def test_a_crash_in_a_real_process_leaves_a_recoverable_file(tmp_path):
    code = ("import os; from nnstudio.project.recovery import Autosave;"
            "from nnstudio.project.model import default_project;"
            f"Autosave({str(tmp_path)!r}).write(default_project()); os._exit(1)")
    subprocess.run([sys.executable, "-c", code], check=False, timeout=60)
    [left] = find_leftovers(tmp_path)
    assert left.project == default_project() and left.weights_path is None
    assert left.load_weights(build_network(default_project())) is False


def test_rewriting_replaces_and_dropping_weights_removes_them(tmp_path):
    slot = Autosave(tmp_path, pid=_dead_pid())
    slot.write(default_project(), network=build_network(default_project()))
    assert slot.weights_path.exists()
    changed = default_project().with_(optimizer=default_project().optimizer.__class__(name="adam", lr=0.001))
    slot.write(changed)
    assert not slot.weights_path.exists()
    [left] = find_leftovers(tmp_path)
    assert left.project.optimizer.name == "adam"


def test_clean_exit_discards(tmp_path):
    slot = Autosave(tmp_path, pid=_dead_pid())
    slot.write(default_project(), network=build_network(default_project()))
    slot.discard()
    assert not slot.exists() and not slot.weights_path.exists()
    slot.discard()   # twice is fine


def test_unreadable_leftover_is_reported_not_raised(tmp_path):
    (tmp_path / f"autosave-{_dead_pid()}.json").write_text('{"format": "nnstudio-autosave", "ver')
    [left] = find_leftovers(tmp_path)
    assert left.project is None and left.error.kind == E.SYNTAX
    left.discard()
    assert not any(tmp_path.iterdir())


def test_newest_first_and_unrelated_files_ignored(tmp_path, monkeypatch):
    import nnstudio.project.recovery as recovery
    a, b = Autosave(tmp_path, pid=_dead_pid()), Autosave(tmp_path, pid=_dead_pid())
    monkeypatch.setattr(recovery.time, "time", lambda: 200.0)
    b.write(default_project())
    monkeypatch.setattr(recovery.time, "time", lambda: 100.0)
    a.write(default_project())
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "autosave-x.json").write_text("{}")
    found = find_leftovers(tmp_path)
    assert [(r.pid, r.saved_at) for r in found] == [(b.pid, 200.0), (a.pid, 100.0)]


def test_missing_folder_has_no_leftovers(tmp_path):
    assert find_leftovers(tmp_path / "nothing") == []


def test_unwritable_recovery_folder_raises_typed_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(E.FileFormatError):
        Autosave(blocker / "recovery").write(default_project())


def test_other_running_instance_is_left_alone_but_a_reused_pid_is_not(tmp_path):
    """A live process with the recorded identity owns its file; the same pid with another
    identity (a new process after a reboot) means the writer is gone."""
    import json as _json
    from nnstudio.project.recovery import process_identity
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        other = Autosave(tmp_path, pid=proc.pid)
        other.write(default_project())
        if sys.platform.startswith("linux"):
            assert _json.loads(other.path.read_text())["process"] == process_identity(proc.pid)
        assert find_leftovers(tmp_path) == []                 # still running: not a leftover
        doc = _json.loads(other.path.read_text())
        doc["process"] = "another-boot:12345"
        other.path.write_text(_json.dumps(doc))
        if sys.platform.startswith("linux"):
            [left] = find_leftovers(tmp_path)
            assert left.pid == proc.pid and left.project == default_project()
    finally:
        proc.kill()
        proc.wait()
    assert len(find_leftovers(tmp_path)) == 1                # and once it has exited, certainly


@pytest.mark.parametrize("saved_at", ["10" + "0" * 400, "NaN", "1e300", "true", '"yesterday"'])
def test_a_recovery_file_with_a_strange_time_is_still_offered(tmp_path, saved_at):
    """float() of a huge integer raised OverflowError out of find_leftovers (at start-up); NaN
    or a time past any date could not be shown by the window."""
    slot = Autosave(tmp_path, pid=_dead_pid())
    slot.write(default_project())
    slot.path.write_text(re.sub(r'"saved_at": [^,]+', f'"saved_at": {saved_at}', slot.path.read_text()))
    [left] = find_leftovers(tmp_path)
    assert left.project == default_project() and left.saved_at is None


def test_a_number_of_thousands_of_digits_in_a_recovery_file_is_reported_not_raised(tmp_path):
    """json.loads raises a plain ValueError past 4300 digits; it escaped find_leftovers."""
    slot = Autosave(tmp_path, pid=_dead_pid())
    slot.write(default_project())
    slot.path.write_text(re.sub(r'"saved_at": [^,]+', '"saved_at": ' + "9" * 5000, slot.path.read_text()))
    [left] = find_leftovers(tmp_path)
    assert left.project is None and left.error.code == "json_huge_number" and left.error.kind == E.SYNTAX
