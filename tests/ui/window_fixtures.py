"""A main-window factory for the window tests: private settings, no blocking dialogs, and a
check that every window it made is closed (and its worker thread gone) afterwards."""

import os

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QScrollArea

from nnstudio.ui.main_window import MainWindow
from ui_helpers import small_project


@pytest.fixture
def make_window(qtbot, tmp_path):
    made = []

    def make(project=None, settings_path=None, show=True, loader=None, wait_for_run=True):
        settings = QSettings(str(settings_path or tmp_path / "settings.ini"), QSettings.IniFormat)
        window = MainWindow(project or small_project(epochs=2000), settings=settings, loader=loader)
        window.files.ask_save_changes = lambda: "discard"
        window.files.show_error = lambda title, text: pytest.fail(f"unexpected error box: {title}: {text}")
        window.infos = []                    # information boxes, never shown modally in a test
        window.files.show_info = lambda title, text: window.infos.append((title, text))
        window.asked = []
        window.ask_reset = lambda: window.asked.append(True) or window.answer
        window.answer = True
        made.append(window)
        if show:
            window.show()
            qtbot.waitExposed(window)
        if wait_for_run:
            qtbot.waitUntil(lambda: window.controller.session is not None, timeout=5000)
        return window

    yield make
    for window in made:
        if window.isVisible():
            window.close()
    QApplication.processEvents()            # checks queued before the close must not restart
    for window in made:
        assert window.controller.session is None, "the window left a run behind"
        assert not window.controller.is_loading(), "the window left a data load behind"
    leaked = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
    assert not leaked, f"windows left open: {leaked}"
    for window in made:
        window.deleteLater()
    QApplication.processEvents()


def shot(window, name):
    """Render the window (a painting smoke test); with $NNSTUDIO_SHOTS set, also save it there
    as nnstudio-<name>.png for a person to look at (never into a shared folder by default)."""
    QApplication.processEvents()
    image = window.grab()
    assert not image.isNull()
    folder = os.environ.get("NNSTUDIO_SHOTS")
    if folder:
        os.makedirs(folder, exist_ok=True)
        image.save(os.path.join(folder, f"nnstudio-{name}.png"))


def dock_content(dock):
    """The view or panel a dock shows, inside its scroll area if it has one."""
    widget = dock.widget()
    return widget.widget() if isinstance(widget, QScrollArea) else widget


def docked_view(window, qtbot, view_type, size=(1024, 700)):
    """The window at ``size`` with the dock holding a ``view_type`` view raised; the view once
    it is on screen."""
    window.resize(*size)
    dock = next(d for d in window.docks.values() if isinstance(dock_content(d), view_type))
    dock.show()
    dock.raise_()
    view = dock_content(dock)
    qtbot.waitUntil(lambda: view.isVisible() and not view.visibleRegion().isEmpty(), timeout=15000)
    return view


def iteration_text(window):
    return window.status.iteration.text()
