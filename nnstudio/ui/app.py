"""Starting the studio: ``run_app(project_path, screenshot)`` (the CLI calls it)."""

from __future__ import annotations

import os
import sys
import time

SETTLE_SECONDS = 0.6       # a screenshot waits this long for the first run to be built


def _application():
    from PySide6.QtWidgets import QApplication
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
    app.setOrganizationName("nnstudio")
    app.setApplicationName("nnstudio")
    return app


def _settle(app, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def run_app(project_path: str | None = None, screenshot: str | None = None) -> int:
    """Open the main window with the project (default: MNIST 784-50-10) and run the app.

    With ``screenshot`` the app runs offscreen, lets the window settle, saves it as PNG to
    that path and returns 0 (1 when the picture could not be written).
    """
    if screenshot:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = _application()
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QMessageBox

    from nnstudio.project.model import default_project
    from nnstudio.ui import project_files
    from nnstudio.ui.main_window import MainWindow

    project, error = None, None
    if project_path:
        try:
            project = project_files.read_project(project_path)
        except (OSError, ValueError) as err:
            error = err
    window = MainWindow(project or default_project(), path=project_path if project else None)
    window.show()
    if error is not None:
        message = QCoreApplication.translate("app", "%s cannot be opened: %s") % (project_path, error)
        if screenshot:
            print(message, file=sys.stderr)
        else:
            QMessageBox.warning(window, QCoreApplication.translate("app", "Cannot open the project"),
                                message)
    if screenshot:
        _settle(app, SETTLE_SECONDS)
        window.diagram_view.fit()
        _settle(app, 0.1)
        ok = window.grab().save(screenshot)
        window.undo_stack.setClean()
        window.close()
        app.processEvents()
        if not ok:
            print(f"cannot write {screenshot}", file=sys.stderr)
        return 0 if ok else 1
    window.diagram_view.fit()
    return app.exec()
