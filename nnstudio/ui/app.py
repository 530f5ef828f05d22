"""Starting the studio: ``run_app(project_path, screenshot)`` (the CLI calls it)."""

from __future__ import annotations

import os
import sys
import time

SETTLE_SECONDS = 0.6       # a screenshot waits this long for the first run to be built
SCREENSHOT_SIZE = (1280, 800)
LOAD_TIMEOUT_SECONDS = 30.0


def _application(lang: str | None = None):
    from PySide6.QtWidgets import QApplication

    from nnstudio.ui.translation import install_translation
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
    app.setOrganizationName("nnstudio")
    app.setApplicationName("nnstudio")
    # before any window: its texts are translated as it is built
    if install_translation(app, lang) is None:
        _note_missing_translation(lang)
    return app


def _note_missing_translation(lang: str | None) -> None:
    """One line on stderr when a language was asked for by name but cannot be shown."""
    from nnstudio.ui.translation import LANG_ENV, available_languages, requested_languages
    wanted = lang or os.environ.get(LANG_ENV)
    if wanted and requested_languages(wanted):
        have = ", ".join(["en"] + available_languages())
        print(f"nnstudio: no translation for {wanted!r} (available: {have}); the interface stays in English",
              file=sys.stderr)


def quiet_offscreen_notes() -> None:
    """The offscreen platform's harmless "does not support propagateSizeHints()" note would
    reach the terminal of every ``--screenshot`` run; other Qt messages still do."""
    from PySide6.QtCore import qInstallMessageHandler

    def handler(_mode, _context, message: str) -> None:
        if "propagateSizeHints" not in message:
            print(message, file=sys.stderr)

    qInstallMessageHandler(handler)


def _settle(app, seconds: float, until=None) -> None:
    """Process events for ``seconds``, or until ``until()`` holds (then return at once)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end and not (until is not None and until()):
        app.processEvents()
        time.sleep(0.01)


def dispose(window) -> None:
    """Delete a closed window's Qt objects while the application still exists (left to the
    interpreter's shutdown, the order of destruction can crash the process at exit)."""
    from PySide6.QtCore import QCoreApplication, QEvent
    window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.DeferredDelete)


def screenshot_problem(path: str) -> str | None:
    """Why a picture cannot be written to ``path`` (None: it can, as far as can be told)."""
    from PySide6.QtGui import QImageWriter
    target = os.path.abspath(path)
    folder = os.path.dirname(target)
    if os.path.isdir(target):
        return "is a folder; give a file name such as nnstudio.png"
    if not os.path.isdir(folder):
        return f"the folder {folder} does not exist"
    if not os.access(folder, os.W_OK):
        return f"the folder {folder} is not writable"
    formats = sorted(bytes(f).decode() for f in QImageWriter.supportedImageFormats())
    suffix = os.path.splitext(target)[1].lower().lstrip(".")
    if not suffix:
        return "has no extension to tell the picture's format; end the name in .png"
    if suffix not in formats:
        return (f"cannot write .{suffix} pictures; end the name in .png "
                f"(or one of: {', '.join(formats)})")
    return None


def run_app(project_path: str | None = None, screenshot: str | None = None, lang: str | None = None) -> int:
    """Open the main window with the project (default: MNIST 784-50-10) and run the app.

    With ``screenshot`` the app runs offscreen, lets the window settle, saves it as PNG to
    that path and returns 0 (1 when the picture could not be written). ``lang`` (e.g.
    ``"ja"``, ``"en"``) overrides $NNSTUDIO_LANG and the system's language.
    """
    if screenshot:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        quiet_offscreen_notes()
    app = _application(lang)
    if screenshot:
        problem = screenshot_problem(screenshot)
        if problem:             # said before the window renders for nothing
            print(f"nnstudio: error: {screenshot}: {problem}", file=sys.stderr)
            return 1
    from nnstudio.ui.main_window import MainWindow

    settings = None
    if screenshot:      # a picture is taken at the default layout, never the user's
        import tempfile

        from PySide6.QtCore import QSettings
        scratch = tempfile.mkdtemp(prefix="nnstudio-shot-")
        settings = QSettings(os.path.join(scratch, "settings.ini"), QSettings.IniFormat)
    window = MainWindow(settings=settings)
    if screenshot:
        window.files.show_error = lambda title, text: print(f"{title}: {text}", file=sys.stderr)
        window.resize(SCREENSHOT_SIZE[0], SCREENSHOT_SIZE[1])
    window.show()
    opened = not project_path or window.files.open(project_path)
    if screenshot:
        if not opened:
            window.files.set_modified(False)
            window.close()
            dispose(window)
            return 1
        _settle(app, SETTLE_SECONDS)
        # the data set loads in the background: picture the window once it is ready
        _settle(app, LOAD_TIMEOUT_SECONDS, until=lambda: not window.controller.is_loading())
        _settle(app, 0.2)
        window.diagram_view.fit()
        _settle(app, 0.1)
        ok = window.grab().save(screenshot)
        window.files.set_modified(False)
        window.close()
        dispose(window)
        import shutil
        shutil.rmtree(scratch, ignore_errors=True)
        if not ok:
            print(f"nnstudio: error: {screenshot}: cannot write the picture", file=sys.stderr)
        return 0 if ok else 1
    window.diagram_view.fit()
    from PySide6.QtCore import QTimer
    QTimer.singleShot(0, window.files.offer_recovery)
    code = app.exec()
    dispose(window)
    return code
