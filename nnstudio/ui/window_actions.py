"""The main window's actions, menus and toolbar (standard shortcuts where Qt has one)."""

from __future__ import annotations

import re

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QLabel, QSlider, QStyle, QToolBar

from nnstudio.ui.compare_window import open_compare_window
from nnstudio.ui.download_dialog import open_download_dialog

#: seconds waited after each iteration, from the slowest speed (0) to full speed (last)
SPEED_DELAYS = (2.0, 1.0, 0.5, 0.25, 0.1, 0.05, 0.02, 0.01, 0.003, 0.0)


def _tr(text: str) -> str:
    return QCoreApplication.translate("MainWindow", text)


def icon_text(text: str) -> str:
    """A menu text without its mnemonic, for a toolbar button: "&Play" → "Play" (Qt drops the
    "&" itself) and the Japanese "再生(&P)" → "再生" (Qt would leave "(P)")."""
    return re.sub(r"\s*\(&[^)]\)", "", text).replace("&&", "\0").replace("&", "").replace("\0", "&")


def _action(window, name: str, text: str, slot, keys=(), icon=None, tip: str = "") -> QAction:
    action = QAction(text, window)
    action.setIconText(icon_text(text))
    if keys:
        action.setShortcuts([QKeySequence(k) for k in keys])
    if icon is not None:
        action.setIcon(window.style().standardIcon(icon))
    if tip:
        action.setToolTip(tip)
        action.setStatusTip(tip)
    action.triggered.connect(slot)
    window.actions_by_name[name] = action
    return action


def _with_fallback(standard, keys: str) -> list:
    """The platform's standard shortcut plus ``keys`` (Windows and bare X11 have no Quit
    key of their own), without listing one sequence twice (Qt would call it ambiguous)."""
    sequences = [QKeySequence(standard), QKeySequence(keys)]
    return [s for i, s in enumerate(sequences) if not s.isEmpty() and s not in sequences[:i]]


def build_actions(window) -> None:
    """Create ``window.actions_by_name`` and the File/Edit/View/Run/Help menus and toolbar."""
    w = window
    sp = QStyle.StandardPixmap
    # File (New, Open, Save… are the project-files helper's)
    _action(w, "download_data", _tr("&Download Data Set…"), lambda: open_download_dialog(w),
            tip=_tr("Download Fashion-MNIST or KMNIST into your data folder"))
    _action(w, "quit", _tr("&Quit"), w.close, _with_fallback(QKeySequence.Quit, "Ctrl+Q"))
    # Edit
    _action(w, "undo", _tr("&Undo"), w.editor.undo, [QKeySequence.Undo])
    _action(w, "redo", _tr("&Redo"), w.editor.redo, _with_fallback(QKeySequence.Redo, "Ctrl+Shift+Z"))
    # Run
    _action(w, "play", _tr("&Play"), w.controller.play, ["F5"], sp.SP_MediaPlay,
            _tr("Train (F5)"))
    _action(w, "pause", _tr("P&ause"), w.controller.pause, ["F6"], sp.SP_MediaPause,
            _tr("Pause training (F6)"))
    _action(w, "step", _tr("&Step"), lambda: w.controller.step(), ["F10"], sp.SP_MediaSeekForward,
            _tr("Train one iteration (F10)"))
    _action(w, "step_epoch", _tr("Step &Epoch"), w.controller.step_epoch, ["F9"],
            sp.SP_MediaSkipForward, _tr("Train to the end of this epoch (F9)"))
    _action(w, "reset", _tr("&Reset"), w.reset_run, ["Ctrl+R"], sp.SP_BrowserReload,
            _tr("Start again from the same initial weights (Ctrl+R)"))
    _action(w, "step_mode", _tr("Step &Through One Update"), w.enter_step_mode, ["F11"])
    _action(w, "compare", _tr("&Compare Variants…"), lambda: open_compare_window(w),
            tip=_tr("Train variants of this project side by side (settings, ranges) and compare them"))
    # Help
    _action(w, "about", _tr("&About nnstudio"), w.show_about)
    _action(w, "about_qt", _tr("About &Qt"), QApplication.aboutQt)

    a = w.actions_by_name
    bar = w.menuBar()
    file_menu = bar.addMenu(_tr("&File"))
    for i, action in enumerate(w.files.file_actions()):
        if action is None:
            file_menu.addSeparator()
        else:
            file_menu.addAction(action)
        if i == 0:
            w.templates_menu = file_menu.addMenu(_tr("New from &Template"))
    file_menu.addSeparator()
    file_menu.addAction(a["download_data"])
    w.dataset_panel.download_button.clicked.connect(a["download_data"].trigger)
    file_menu.addSeparator()
    file_menu.addAction(a["quit"])

    edit_menu = bar.addMenu(_tr("&Edit"))
    edit_menu.addAction(a["undo"])
    edit_menu.addAction(a["redo"])
    edit_menu.addSeparator()
    diagram = w.diagram_view.actions_by_name
    for name in ("add_before", "add_after", "delete", "move_left", "move_right"):
        edit_menu.addAction(diagram[name])

    w.view_menu = bar.addMenu(_tr("&View"))
    for name in ("zoom_in", "zoom_out", "fit"):
        w.view_menu.addAction(diagram[name])
    w.view_menu.addSeparator()

    run_menu = bar.addMenu(_tr("&Run"))
    for name in ("play", "pause", "step", "step_epoch", "reset"):
        run_menu.addAction(a[name])
    run_menu.addSeparator()
    run_menu.addAction(a["step_mode"])
    run_menu.addAction(a["compare"])

    help_menu = bar.addMenu(_tr("&Help"))
    help_menu.addAction(a["about"])
    help_menu.addAction(a["about_qt"])

    toolbar = QToolBar(_tr("Training"), w)
    toolbar.setObjectName("training_toolbar")
    toolbar.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
    for name in ("play", "pause", "step", "step_epoch", "reset"):
        toolbar.addAction(a[name])
    toolbar.addSeparator()
    toolbar.addWidget(QLabel(_tr(" Speed ")))
    speed = QSlider(Qt.Horizontal)
    speed.setRange(0, len(SPEED_DELAYS) - 1)
    speed.setValue(len(SPEED_DELAYS) - 1)
    speed.setMaximumWidth(140)
    speed.setToolTip(_tr("Slow training down to watch it (right: full speed)"))
    speed.setAccessibleName(_tr("Training speed"))
    speed.valueChanged.connect(lambda v: w.controller.set_delay(SPEED_DELAYS[v]))
    toolbar.addWidget(speed)
    w.speed_slider = speed
    w.addToolBar(toolbar)
    w.toolbar = toolbar
