"""Autosave for crash recovery: where the file lives, writing it, finding one after a crash.

Plain Python; the UI calls it from a timer::

    slot = Autosave()                      # this process's slot
    slot.write(project, original_path=p, network=net)   # every minute while modified
    slot.discard()                         # after a successful save or a clean close

    for left in find_leftovers():          # at start-up
        if left.project is not None and user_agrees:
            project = left.project; left.load_weights(network)
        left.discard()

Each running nnstudio writes ``autosave-<pid>.json`` (and ``autosave-<pid>.npz`` with the
weights when given) into :func:`recovery_dir`. A file whose process is no longer running
was left behind by a crash; files of other running instances are left alone. Both files are
written atomically (temporary file, then rename), the JSON last, so a crash mid-write leaves
the previous autosave, never half a file.
"""

from __future__ import annotations

import json
import math
import os
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from nnstudio.engine.network import Network

from . import errors as E
from .errors import FileFormatError, ProjectFileError
from .files import (load_weights, parse_json_bytes, project_from_document, read_file_bytes, save_weights,
                    write_file_atomically)
from .model import Project

FORMAT = "nnstudio-autosave"
VERSION = 1
_NAME = re.compile(r"^autosave-(\d+)\.json$")


def recovery_dir() -> Path:
    """``$NNSTUDIO_HOME/recovery`` when NNSTUDIO_HOME is set, else ``recovery`` in the user's
    data folder (Linux: ``$XDG_DATA_HOME/nnstudio``, macOS: ``~/Library/Application
    Support/nnstudio``, Windows: ``%LOCALAPPDATA%\\nnstudio``). Not created here."""
    home = os.environ.get("NNSTUDIO_HOME")
    if home:
        return Path(home) / "recovery"
    from nnstudio.data.paths import user_data_dir
    return user_data_dir() / "recovery"


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if sys.platform.startswith("win"):
        return False   # os.kill(pid, 0) would terminate the process on Windows
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True    # exists, owned by someone else
    except OSError:
        return False
    return True


def process_identity(pid: int) -> str | None:
    """What tells a process apart from a later one that got the same pid (after a reboot or
    pid wrap-around): the boot id and the process's start time, on Linux; None elsewhere."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        stat_line = Path(f"/proc/{pid}/stat").read_text()
        start = stat_line.rpartition(")")[2].split()[19]   # field 22: starttime
    except (OSError, IndexError):
        return None
    return f"{boot}:{start}"


def _owner_running(pid: int, identity: str | None) -> bool:
    """Is the process that wrote an autosave still running?"""
    if pid == os.getpid():
        return True
    if not _process_alive(pid):
        return False
    return identity is None or process_identity(pid) in (None, identity)


class Autosave:
    """The autosave slot of one running app (keyed by its process id)."""

    def __init__(self, folder: os.PathLike | str | None = None, pid: int | None = None):
        self.folder = Path(folder) if folder is not None else recovery_dir()
        self.pid = os.getpid() if pid is None else int(pid)

    @property
    def path(self) -> Path:
        return self.folder / f"autosave-{self.pid}.json"

    @property
    def weights_path(self) -> Path:
        return self.folder / f"autosave-{self.pid}.npz"

    def write(self, project: Project, *, original_path: os.PathLike | str | None = None,
              network: Network | None = None) -> Path:
        """Save the project (and the network's weights) into the slot; ProjectFileError /
        WeightsFileError say why when the folder cannot be written."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise ProjectFileError(self.folder, **E.os_error(err, "create the recovery folder")) from None
        if network is not None:
            save_weights(network, self.weights_path)
        else:
            self.weights_path.unlink(missing_ok=True)
        doc = {"format": FORMAT, "version": VERSION, "saved_at": time.time(),
               "original_path": None if original_path is None else os.fspath(original_path),
               "has_weights": network is not None, "process": process_identity(self.pid),
               "project": project.to_dict()}
        data = (json.dumps(doc, indent=1, ensure_ascii=False) + "\n").encode("utf-8")
        write_file_atomically(self.path, data)
        return self.path

    def exists(self) -> bool:
        return self.path.is_file()

    def discard(self) -> None:
        """Remove the slot's files (after a save or a clean exit); missing files are fine."""
        _remove(self.path, self.weights_path)


def _remove(*paths: Path) -> None:
    for p in paths:
        try:
            p.unlink(missing_ok=True)
        except OSError:
            pass   # a recovery file we cannot delete is harmless; never fail a clean exit


@dataclass(frozen=True)
class Recovered:
    """A recovery file left behind by a crashed nnstudio.

    ``project`` is None when the file could not be read; ``error`` then says why.
    """

    path: Path
    pid: int
    project: Project | None
    original_path: str | None
    saved_at: float | None
    weights_path: Path | None
    error: FileFormatError | None = None

    def load_weights(self, network: Network) -> bool:
        """Load the autosaved weights into ``network``; False when there are none."""
        if self.weights_path is None:
            return False
        load_weights(network, self.weights_path)
        return True

    def discard(self) -> None:
        _remove(self.path, self.path.with_suffix(".npz"))


def _read(path: Path, pid: int) -> Recovered:
    weights = path.with_suffix(".npz")
    try:
        doc = parse_json_bytes(read_file_bytes(path), path, "recovery")
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise ProjectFileError(path, "is not an nnstudio recovery file", kind=E.INVALID,
                                   code="not_recovery_file")
        version = doc.get("version")
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            shown = repr(version)[:40]
            raise ProjectFileError(path, f"has no recovery format version nnstudio knows (got {shown})",
                                   kind=E.INVALID, field="version", code="recovery_bad_version",
                                   params={"value": shown})
        if version > VERSION:
            raise ProjectFileError(path, f"was written by a newer nnstudio (recovery format version {version}); "
                                         f"this one reads versions up to {VERSION}", kind=E.NEWER, field="version",
                                   code="recovery_newer", params={"version": version, "newest": VERSION})
        if not isinstance(doc.get("project"), dict):
            raise ProjectFileError(path, "holds no project", kind=E.INVALID, field="project",
                                   code="recovery_no_project")
        project = project_from_document(doc["project"], path)
    except FileFormatError as err:
        return Recovered(path, pid, None, None, None, None, err)
    saved_at = doc.get("saved_at")
    original = doc.get("original_path")
    return Recovered(path, pid, project,
                     original if isinstance(original, str) else None,
                     _seconds(saved_at),
                     weights if doc.get("has_weights") and weights.is_file() else None)


def _seconds(value) -> float | None:
    """A saved time as seconds since the epoch; None for anything else: a text, a bool, NaN, or
    a number past any date (float() raised OverflowError out of find_leftovers for a huge
    integer; the window cannot show a date past the year 30000 either)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        seconds = float(value)
    except OverflowError:
        return None
    return seconds if math.isfinite(seconds) and abs(seconds) < 1e12 else None


def _recorded_identity(path: Path) -> str | None:
    try:
        doc = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    value = doc.get("process") if isinstance(doc, dict) else None
    return value if isinstance(value, str) else None


def find_leftovers(folder: os.PathLike | str | None = None) -> list[Recovered]:
    """Recovery files whose writer is no longer running (crashed), newest first. Files of
    other running nnstudio instances are left out; a pid reused by an unrelated process
    after a reboot does not hide a leftover (the writer's identity is recorded)."""
    folder = Path(folder) if folder is not None else recovery_dir()
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        m = _NAME.match(path.name)
        if not m or not path.is_file():
            continue
        pid = int(m.group(1))
        if not _owner_running(pid, _recorded_identity(path)):
            found.append(_read(path, pid))
    found.sort(key=lambda r: (r.saved_at or 0.0, r.path.name), reverse=True)
    return found
