"""File menu behaviour the main window owns: New, Open…, Save, Save As…, Open Recent, Import
weights…, Export all views…, the modified marker, the close prompt, autosave and recovery.

    files = ProjectFiles(get_project, set_project, get_weights=..., set_weights=...,
                         get_history=..., set_history=..., get_views=..., parent=window)
    files.titleChanged.connect(window.setWindowTitle)
    for action in files.file_actions(): file_menu.addAction(action)   # or pick them one by one
    file_menu.insertMenu(files.save_action, files.recent_menu)
    document_changed.connect(files.mark_modified)
    files.offer_recovery()                        # once, after the window is shown
    # closeEvent: if files.maybe_save(): files.shutdown(); accept() else ignore()

A project ``x.json`` keeps its run beside it in ``x.run/`` (weights.npz, metrics.csv,
iterations.csv; see nnstudio.project.history). A save into another folder rewrites the data
set's relative file paths to name the same files from there (``with_paths_moved``) and hands
both folders to ``data_moved``, so that the window's document follows. Every dialog goes
through a small method (``ask_*``, ``show_error``, ``show_info``) that tests replace, so no
modal dialog blocks.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any, Callable, ContextManager, Mapping

import numpy as np
from PySide6.QtCore import QDateTime, QLocale, QObject, QSettings, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox, QWidget

from nnstudio.data import with_paths_moved
from nnstudio.project import errors as E
from nnstudio.project.errors import FileFormatError
from nnstudio.project.files import load_project, load_weights, save_project, save_weights
from nnstudio.project.history import (ITERATIONS_FILE, METRICS_FILE, WEIGHTS_FILE, RunHistory, load_history,
                                      run_folder, save_history)
from nnstudio.project.model import Project, default_project
from nnstudio.project.recovery import Autosave, Recovered, find_leftovers
from nnstudio.project.session import build_network

from .export import ExportError
from .export_views import export_all
from .file_messages import export_error_text, file_error_text, file_reason, show_message

MAX_RECENT = 8
RECENT_KEY = "files/recent"
SAVE, DISCARD, CANCEL = "save", "discard", "cancel"
RECOVER, LATER = "recover", "later"

Weights = Mapping[str, np.ndarray]


class _State:
    """What save_weights / Autosave.write need from a network: its state_dict()."""

    def __init__(self, state: Weights):
        self._state = state

    def state_dict(self) -> dict[str, np.ndarray]:
        return dict(self._state)


class ProjectFiles(QObject):
    """Open/save/recover the window's project through callables, never its internals."""

    titleChanged = Signal(str)       # "name* — nnstudio"
    modifiedChanged = Signal(bool)
    pathChanged = Signal(object)     # str | None
    recentChanged = Signal(list)
    statusMessage = Signal(str)      # short notes for the status bar (autosave problems, exports)

    def __init__(self, get_project: Callable[[], Project], set_project: Callable[[Project], None], *,
                 get_weights: Callable[[], Weights | None] | None = None,
                 set_weights: Callable[[Weights], None] | None = None,
                 get_history: Callable[[], RunHistory | None] | None = None,
                 set_history: Callable[[RunHistory], None] | None = None,
                 get_views: Callable[[], list] | None = None,
                 present_views: Callable[[], ContextManager[Callable[[Any], None]]] | None = None,
                 data_moved: Callable[[str | None, str], None] | None = None,
                 new_project: Callable[[], Project] = default_project,
                 parent: QWidget | None = None, settings: QSettings | None = None,
                 autosave: Autosave | None = None, autosave_seconds: float = 60.0):
        super().__init__(parent)
        self._widget = parent
        self._get_project, self._set_project = get_project, set_project
        self._get_weights, self._set_weights = get_weights, set_weights
        self._get_history, self._set_history = get_history, set_history
        self._get_views, self._new_project = get_views, new_project
        # Export All Views: a context in which present(view) brings each view to the front
        self._present_views = present_views
        # (old folder or None, new folder) when a save puts the project into another folder
        self._data_moved = data_moved
        self._settings = settings if settings is not None else QSettings()
        self._autosave = autosave if autosave is not None else Autosave()
        self._path: str | None = None
        self._modified = False
        self.timer = QTimer(self)
        self.timer.setInterval(int(autosave_seconds * 1000))
        self.timer.timeout.connect(self.autosave_now)
        self._make_actions()

    # ------------------------------------------------------------------ actions
    def _action(self, text: str, slot, shortcut=None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda _=False: slot())
        return action

    def _make_actions(self) -> None:
        self.new_action = self._action(self.tr("&New"), self.new, QKeySequence.StandardKey.New)
        self.open_action = self._action(self.tr("&Open…"), self.open, QKeySequence.StandardKey.Open)
        self.save_action = self._action(self.tr("&Save"), self.save, QKeySequence.StandardKey.Save)
        self.save_as_action = self._action(self.tr("Save &As…"), self.save_as, QKeySequence.StandardKey.SaveAs)
        self.import_weights_action = self._action(self.tr("&Import Weights…"), self.import_weights)
        self.import_weights_action.setEnabled(self._set_weights is not None)
        self.export_all_action = self._action(self.tr("&Export All Views…"), self.export_all_views)
        self.export_all_action.setEnabled(self._get_views is not None)
        self.recent_menu = QMenu(self.tr("Open &Recent"), self._widget)
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self._fill_recent_menu()

    def file_actions(self) -> list[QAction]:
        """The File menu in order (None marks a separator); Open Recent is ``recent_menu``."""
        return [self.new_action, self.open_action, self.recent_menu.menuAction(), None,
                self.save_action, self.save_as_action, None, self.import_weights_action,
                self.export_all_action]

    # ------------------------------------------------------------------ state
    @property
    def path(self) -> str | None:
        return self._path

    @property
    def modified(self) -> bool:
        return self._modified

    def title(self) -> str:
        name = Path(self._path).name if self._path else self.tr("Untitled")
        return self.tr("{0}{1} — nnstudio").format(name, "*" if self._modified else "")

    def set_modified(self, modified: bool = True) -> None:
        modified = bool(modified)
        if modified:
            if not self.timer.isActive():
                self.timer.start()
        else:
            self.timer.stop()
        if modified != self._modified:
            self._modified = modified
            self.modifiedChanged.emit(modified)
            self.titleChanged.emit(self.title())

    def mark_modified(self, *_args: Any) -> None:
        """Slot for any "the project changed" signal."""
        self.set_modified(True)

    def _set_path(self, path: str | None) -> None:
        path = None if path is None else os.fspath(path)
        if path != self._path:
            self._path = path
            self.pathChanged.emit(path)
            self.titleChanged.emit(self.title())

    # ------------------------------------------------------------------ dialogs (tests replace these)
    def ask_open_path(self) -> str | None:
        path, _ = QFileDialog.getOpenFileName(self._widget, self.tr("Open Project"), self._start_dir(),
                                              self.tr("nnstudio projects (*.json *.nnproj);;All files (*)"))
        return path or None

    def ask_save_path(self, suggested: str) -> str | None:
        path, _ = QFileDialog.getSaveFileName(self._widget, self.tr("Save Project As"), suggested,
                                              self.tr("nnstudio projects (*.json);;All files (*)"))
        return path or None

    def ask_weights_path(self) -> str | None:
        path, _ = QFileDialog.getOpenFileName(self._widget, self.tr("Import Weights"), self._start_dir(),
                                              self.tr("Weights (*.npz);;All files (*)"))
        return path or None

    def ask_folder(self) -> str | None:
        path = QFileDialog.getExistingDirectory(self._widget, self.tr("Export All Views Into"), self._start_dir())
        return path or None

    def ask_save_changes(self) -> str:
        """SAVE, DISCARD or CANCEL."""
        box = QMessageBox(QMessageBox.Icon.Warning, self.tr("Unsaved changes"),
                          self.tr("“{0}” has changes that are not saved. Save them?").format(self._display_name()),
                          QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                          | QMessageBox.StandardButton.Cancel, self._widget)
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        answer = box.exec()
        return {QMessageBox.StandardButton.Save: SAVE,
                QMessageBox.StandardButton.Discard: DISCARD}.get(QMessageBox.StandardButton(answer), CANCEL)

    def ask_recover(self, left: Recovered) -> str:
        """RECOVER, DISCARD or LATER for a recovery file left by a crash."""
        name = Path(left.original_path).name if left.original_path else self.tr("Untitled")
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("Recover unsaved work?"),
                          self.tr("nnstudio did not close normally. Unsaved changes to “{0}” were kept. "
                                  "Recover them?").format(name), QMessageBox.StandardButton.NoButton, self._widget)
        if left.saved_at is not None:
            when = QDateTime.fromSecsSinceEpoch(int(left.saved_at))
            box.setInformativeText(self.tr("Last autosaved: {0}").format(
                QLocale().toString(when, QLocale.FormatType.ShortFormat)))
        recover = box.addButton(self.tr("Recover"), QMessageBox.ButtonRole.AcceptRole)
        discard = box.addButton(self.tr("Discard"), QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(self.tr("Ask Me Later"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(recover)
        box.exec()
        clicked = box.clickedButton()
        return RECOVER if clicked is recover else DISCARD if clicked is discard else LATER

    def show_error(self, title: str, text: str) -> None:
        show_message(self._widget, QMessageBox.Icon.Warning, title, text)

    def show_info(self, title: str, text: str) -> None:
        show_message(self._widget, QMessageBox.Icon.Information, title, text)

    def _folder(self) -> str | None:
        """The folder the project's relative data paths start from (None: the working folder,
        for a project never saved)."""
        return os.path.dirname(os.path.abspath(self._path)) if self._path else None

    def _start_dir(self) -> str:
        if self._path:
            return str(Path(self._path).parent)
        recent = self.recent_files()
        return str(Path(recent[0]).parent) if recent else str(Path.home())

    def _display_name(self) -> str:
        return Path(self._path).name if self._path else self.tr("Untitled")

    # ------------------------------------------------------------------ new / open
    def maybe_save(self) -> bool:
        """Before the project is replaced or the window closes: True to go on."""
        if not self._modified:
            return True
        answer = self.ask_save_changes()
        if answer == SAVE:
            return self.save()
        return answer == DISCARD

    def new(self) -> bool:
        if not self.maybe_save():
            return False
        self._set_project(self._new_project())
        if self._set_history is not None:
            self._set_history(RunHistory())
        self._became_clean(None)
        return True

    def open(self, path: str | os.PathLike | None = None) -> bool:
        """Open a project (asking for the file when none is given). A bad file is explained
        and the open project stays as it was."""
        if path is None:
            path = self.ask_open_path()
            if not path:
                return False
        path = os.fspath(path)
        try:
            project = load_project(path)
        except FileFormatError as err:
            self.show_error(self.tr("Could not open the project"), file_error_text(err))
            return False
        weights, history, problems = self._read_run(path, project)
        if not self.maybe_save():
            return False
        self._set_project(project)
        if weights is not None:
            self._set_weights(weights)
        if history is not None:
            self._set_history(history)
        self._became_clean(path)
        self._add_recent(path)
        for err in problems:
            self.show_error(self.tr("The project opened without part of its run"), file_error_text(err))
        return True

    def _read_run(self, path: str, project: Project):
        """Weights and history saved beside the project (None where absent) and the errors."""
        folder = run_folder(path)
        weights = history = None
        problems: list[FileFormatError] = []
        if self._set_weights is not None and (folder / WEIGHTS_FILE).exists():
            try:
                weights = self._checked_weights(folder / WEIGHTS_FILE, project)
            except FileFormatError as err:
                problems.append(err)
        if self._set_history is not None and folder.is_dir() and (folder / "metrics.csv").exists():
            try:
                history = load_history(folder)
            except FileFormatError as err:
                problems.append(err)
        return weights, history, problems

    @staticmethod
    def _checked_weights(path: Path | str, project: Project) -> dict[str, np.ndarray]:
        """The weights of ``path`` loaded into a fresh network of ``project`` (so every name
        and shape is checked); WeightsFileError names a mismatching parameter."""
        network = build_network(project)
        load_weights(network, path)
        return network.state_dict()

    def _became_clean(self, path: str | None) -> None:
        self._autosave.discard()
        self._set_path(path)
        self.set_modified(False)
        self.titleChanged.emit(self.title())

    # ------------------------------------------------------------------ save
    def save(self) -> bool:
        if self._path is None:
            return self.save_as()
        return self._save_to(self._path)

    def save_as(self, path: str | os.PathLike | None = None) -> bool:
        if path is None:
            suggested = self._path or str(Path(self._start_dir()) / (self.tr("untitled") + ".json"))
            path = self.ask_save_path(suggested)
            if not path:
                return False
        return self._save_to(os.fspath(path))

    def _save_to(self, path: str) -> bool:
        """Write the project (and its run) atomically; on failure say why, keep the old file."""
        project = self._get_project()
        old_dir, new_dir = self._folder(), os.path.dirname(os.path.abspath(path))
        moved = project.with_(dataset=with_paths_moved(project.dataset, old_dir, new_dir))
        try:
            save_project(moved, path)
        except FileFormatError as err:
            self.show_error(self.tr("Could not save the project"), file_error_text(err))
            return False
        # before pathChanged: the project in memory names the same files as the saved copy
        if self._data_moved is not None:
            if old_dir != new_dir:
                self._data_moved(old_dir, new_dir)
        elif dict(moved.dataset) != dict(project.dataset):
            self._set_project(moved)
        self._set_path(path)
        self._add_recent(path)
        try:
            self._save_run(path)
        except FileFormatError as err:
            self.show_error(self.tr("The project was saved, but not its run"), file_error_text(err))
            self.set_modified(True)
            return False
        self._autosave.discard()
        self.set_modified(False)
        self.statusMessage.emit(self.tr("Saved {0}").format(path))
        return True

    def _save_run(self, path: str) -> None:
        weights = self._get_weights() if self._get_weights is not None else None
        history = self._get_history() if self._get_history is not None else None
        has_history = history is not None and (history.epochs or history.iterations)
        folder = run_folder(path)
        # what is not written now must not survive from an older save: reopening would pair
        # this project with another run's weights or curves
        stale = ([] if weights is not None else [WEIGHTS_FILE]) + \
            ([] if has_history else [METRICS_FILE, ITERATIONS_FILE])
        for name in stale:
            try:
                (folder / name).unlink()
            except FileNotFoundError:
                pass
            except OSError as err:
                raise E.FileFormatError(folder / name, **E.os_error(err, "remove the old file")) from None
        if weights is None and not has_history:
            return
        try:
            folder.mkdir(exist_ok=True)
        except OSError as err:
            raise E.FileFormatError(folder, **E.os_error(err, "create the folder")) from None
        if weights is not None:
            save_weights(_State(weights), folder / WEIGHTS_FILE)
        if has_history:
            save_history(history, folder)

    # ------------------------------------------------------------------ recent files
    def recent_files(self) -> list[str]:
        value = self._settings.value(RECENT_KEY, [])
        if isinstance(value, str):
            value = [value] if value else []
        return [str(v) for v in (value or [])][:MAX_RECENT]

    def _store_recent(self, paths: list[str]) -> None:
        self._settings.setValue(RECENT_KEY, paths[:MAX_RECENT])
        self._settings.sync()
        self._fill_recent_menu()
        self.recentChanged.emit(paths[:MAX_RECENT])

    def _add_recent(self, path: str) -> None:
        full = os.path.abspath(path)
        paths = [p for p in self.recent_files() if os.path.abspath(p) != full]
        self._store_recent([full, *paths])

    def clear_recent(self) -> None:
        self._store_recent([])

    def open_recent(self, path: str) -> bool:
        if not os.path.isfile(path):
            self._store_recent([p for p in self.recent_files() if p != path])
            self.show_error(self.tr("File not found"),
                            self.tr("“{0}” no longer exists; it was removed from the recent files.").format(path))
            return False
        return self.open(path)

    def _fill_recent_menu(self) -> None:
        menu = self.recent_menu
        menu.clear()
        paths = self.recent_files()
        for i, path in enumerate(paths, start=1):
            action = menu.addAction(self.tr("&{0} {1}").format(i, Path(path).name))
            action.setToolTip(path)
            action.setData(path)
            action.triggered.connect(lambda _=False, p=path: self.open_recent(p))
        if paths:
            menu.addSeparator()
        clear = menu.addAction(self.tr("Clear List"))
        clear.setEnabled(bool(paths))
        clear.triggered.connect(lambda _=False: self.clear_recent())

    # ------------------------------------------------------------------ weights
    def import_weights(self, path: str | os.PathLike | None = None) -> bool:
        """Load a weights .npz into the current network; a mismatch names the parameter."""
        if self._set_weights is None:
            return False
        if path is None:
            path = self.ask_weights_path()
            if not path:
                return False
        try:
            weights = self._checked_weights(path, self._get_project())
        except FileFormatError as err:
            self.show_error(self.tr("Could not import the weights"), file_error_text(err))
            return False
        self._set_weights(weights)
        self.set_modified(True)
        return True

    # ------------------------------------------------------------------ autosave and recovery
    def autosave_now(self) -> bool:
        """Write the recovery file (while modified); problems go to the status bar."""
        if not self._modified:
            return False
        weights = self._get_weights() if self._get_weights is not None else None
        try:
            self._autosave.write(self._get_project(), original_path=self._path,
                                 network=None if weights is None else _State(weights))
        except FileFormatError as err:
            self.statusMessage.emit(self.tr("Autosave failed: {0}").format(file_reason(err)))
            return False
        return True

    def offer_recovery(self) -> bool:
        """At start-up: offer each recovery file a crash left behind; True when one was restored."""
        for left in find_leftovers(self._autosave.folder):
            if left.project is None:
                self.show_error(self.tr("A recovery file could not be read"),
                                file_error_text(left.error) + "\n" + self.tr("It has been removed."))
                left.discard()
                continue
            answer = self.ask_recover(left)
            if answer == DISCARD:
                left.discard()
            elif answer == RECOVER:
                self._recover(left)
                return True
        return False

    def _recover(self, left: Recovered) -> None:
        self._set_project(left.project)
        if self._set_weights is not None and left.weights_path is not None:
            try:
                self._set_weights(self._checked_weights(left.weights_path, left.project))
            except FileFormatError as err:
                self.show_error(self.tr("The recovered project has no weights"), file_error_text(err))
        self._set_path(left.original_path)
        self.set_modified(True)
        self.titleChanged.emit(self.title())
        if self.autosave_now():       # our own slot holds it now; only then drop the old one
            left.discard()

    def shutdown(self) -> None:
        """On a clean close (after maybe_save): stop autosaving and remove the recovery file."""
        self.timer.stop()
        self._autosave.discard()

    # ------------------------------------------------------------------ export
    def export_all_views(self, folder: str | os.PathLike | None = None) -> bool:
        if self._get_views is None:
            return False
        if folder is None:
            folder = self.ask_folder()
            if not folder:
                return False
        history = self._get_history() if self._get_history is not None else None
        presenting = self._present_views() if self._present_views is not None else contextlib.nullcontext()
        try:
            with presenting as present:
                report = export_all(self._get_views(), folder, self._get_project(), history,
                                    data_dir=self._folder(), present=present)
        except ExportError as err:
            self.show_error(self.tr("Could not export the views"), export_error_text(err))
            return False
        self.statusMessage.emit(self.tr("Exported {0} files to {1}").format(len(report.written), report.folder))
        if report.skipped:
            lines = "\n".join(f"• {name}: {why}" for name, why in report.skipped)
            self.show_info(self.tr("Some views were not exported"), lines)
        return True
