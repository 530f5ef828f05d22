"""The "Download Data Set…" dialog: fetch Fashion-MNIST or KMNIST into the user's data folder.

The list shows each downloadable set with its size, citation, license and whether it is
already here. Download runs ``nnstudio.data.download`` in a worker QThread; its progress
callback emits a signal that feeds the progress bar on the GUI thread. Cancel makes the
callback raise ``DownloadCancelled``, which stops the transfer and keeps no partial file.
Errors are shown in the dialog with the facts of the typed error. ``downloaded(name)`` is
emitted after a success so the Data Set panel can offer the new set.
"""

from __future__ import annotations

import threading
from typing import Sequence

from PySide6.QtCore import QCoreApplication, QEvent, Qt, QThread, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
)

from nnstudio.data import REMOTE_SETS, ChecksumError, RemoteSet, download, list_downloads
from nnstudio.data.download import DownloadCancelled, default_dir, is_downloaded
from nnstudio.ui.dataset_texts import dataset_description, dataset_title
from nnstudio.ui.messages import describe_error


def _tr(text: str) -> str:
    return QCoreApplication.translate("DownloadDialog", text)


def present_downloads() -> list:
    """DatasetInfo of the downloadable sets whose files are in the user's data folder."""
    return [info for info in list_downloads()
            if info.name in REMOTE_SETS and is_downloaded(REMOTE_SETS[info.name],
                                                          default_dir(info.name))]


def _megabytes(remote: RemoteSet) -> float:
    return sum(f.size or 0 for f in remote.files) / 1e6


class DownloadThread(QThread):
    """Runs one ``download``; ``progressed(done, total)``, then ``succeeded(folder)`` or
    ``failed(error)`` (the exception object; DownloadCancelled after ``cancel()``)."""

    progressed = Signal(object, object)
    succeeded = Signal(str)
    failed = Signal(object)

    def __init__(self, remote: RemoteSet, base_url: str | None, parent=None) -> None:
        super().__init__(parent)
        self.remote, self.base_url = remote, base_url
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    def _progress(self, done: int, total: int) -> None:
        if self._cancel.is_set() or self.isInterruptionRequested():
            raise DownloadCancelled()
        self.progressed.emit(done, total)

    def run(self) -> None:
        try:
            folder = download(self.remote, progress=self._progress, base_url=self.base_url)
        except Exception as err:  # noqa: BLE001 - every failure is shown in the dialog
            self.failed.emit(err)
        else:
            self.succeeded.emit(str(folder))


class DownloadDialog(QDialog):
    """``remotes`` defaults to the sets of ``list_downloads()``; ``base_url`` replaces their
    own addresses (a mirror; the tests' local server)."""

    downloaded = Signal(str)

    def __init__(self, parent=None, remotes: Sequence[RemoteSet] | None = None,
                 base_url: str | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_tr("Download Data Set"))
        if remotes is None:
            remotes = [REMOTE_SETS[i.name] for i in list_downloads() if i.name in REMOTE_SETS]
        self.remotes = list(remotes)
        self.base_url = base_url
        self.thread: DownloadThread | None = None
        layout = QVBoxLayout(self)
        intro = QLabel(_tr("These data sets are in MNIST's format but are not shipped with "
                           "nnstudio. Downloading needs an Internet connection; every file's "
                           "checksum is verified, and nothing half-finished is kept."))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.list = QListWidget()
        self.list.currentRowChanged.connect(lambda _row: self._show_details())
        layout.addWidget(self.list)
        self.details = QLabel()
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.details.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        layout.addWidget(self.details)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        layout.addWidget(self.progress)
        self.status = QLabel()
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #B00020;")
        self.error.setTextInteractionFlags(Qt.TextSelectableByMouse)
        layout.addWidget(self.error)
        buttons = QDialogButtonBox()
        self.download_button = QPushButton(_tr("&Download"))
        self.cancel_button = QPushButton(_tr("&Cancel Download"))
        self.close_button = QPushButton(_tr("Close"))
        buttons.addButton(self.download_button, QDialogButtonBox.ActionRole)
        buttons.addButton(self.cancel_button, QDialogButtonBox.ActionRole)
        buttons.addButton(self.close_button, QDialogButtonBox.RejectRole)
        self.download_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button.clicked.connect(self.reject)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self.resize(580, 370)
        self._fill()
        rows = max(len(self.remotes), 2) + 1          # room for the sets, not a big empty box
        self.list.setFixedHeight(rows * self.list.sizeHintForRow(0) + 2 * self.list.frameWidth() + 4)
        self.list.setCurrentRow(0)
        self._set_running(False)
        if parent is not None:
            parent.installEventFilter(self)    # the window closing stops the download first

    # ------------------------------------------------------------------ showing
    def _fill(self) -> None:
        row = max(self.list.currentRow(), 0)
        self.list.clear()
        for remote in self.remotes:
            here = is_downloaded(remote, default_dir(remote.name))
            state = _tr("downloaded") if here else _tr("not downloaded")
            item = QListWidgetItem(_tr("%s — %.1f MB — %s") % (dataset_title(remote), _megabytes(remote),
                                                               state))
            item.setData(Qt.UserRole, remote.name)
            self.list.addItem(item)
        if self.remotes:
            self.list.setCurrentRow(min(row, len(self.remotes) - 1))

    def current(self) -> RemoteSet | None:
        row = self.list.currentRow()
        return self.remotes[row] if 0 <= row < len(self.remotes) else None

    def _show_details(self) -> None:
        remote = self.current()
        if remote is None:
            self.details.setText(_tr("No data set can be downloaded."))
            return
        folder = default_dir(remote.name)
        here = is_downloaded(remote, folder)
        lines = [
            dataset_description(remote),
            _tr("Cite: %s") % remote.citation,
            _tr("License: %s") % remote.license,
            (_tr("Already in %s; choose it in the Data Set panel.") if here
             else _tr("Will be saved in %s.")) % folder,
        ]
        self.details.setText("\n".join(line for line in lines if line))
        if self.thread is None:
            self.download_button.setText(_tr("&Check Again") if here else _tr("&Download"))

    def _set_running(self, running: bool) -> None:
        self.download_button.setEnabled(not running and self.current() is not None)
        self.list.setEnabled(not running)
        self.cancel_button.setEnabled(running)

    # ------------------------------------------------------------------ running
    def start(self) -> None:
        remote = self.current()
        if remote is None or self.thread is not None:
            return
        self.error.setText("")
        self.progress.setValue(0)
        self.status.setText(_tr("Connecting to %s…") % (self.base_url or remote.base_url))
        thread = DownloadThread(remote, self.base_url, self)
        thread.progressed.connect(self._on_progress)
        thread.succeeded.connect(self._on_success)
        thread.failed.connect(self._on_failure)
        thread.finished.connect(self._on_finished)
        self.thread = thread
        self._set_running(True)
        thread.start()

    def cancel(self) -> None:
        if self.thread is not None:
            self.thread.cancel()
            self.status.setText(_tr("Cancelling…"))

    def _on_progress(self, done: int, total: int) -> None:
        if total:
            self.progress.setValue(round(100 * done / total))
            self.status.setText(_tr("%.1f of %.1f MB") % (done / 1e6, total / 1e6))

    def _on_success(self, folder: str) -> None:
        remote = self.thread.remote
        self.progress.setValue(100)
        self.status.setText(_tr("%s is in %s. Choose it in the Data Set panel, or put "
                                "{\"name\": \"%s\"} in a project.")
                            % (dataset_title(remote), folder, remote.name))
        self.downloaded.emit(remote.name)

    def _on_failure(self, err: Exception) -> None:
        self.progress.setValue(0)
        self.status.setText("")
        if isinstance(err, DownloadCancelled):
            self.status.setText(_tr("Download cancelled; no partial file was kept."))
        elif isinstance(err, ChecksumError):
            self.error.setText(
                _tr("The file %s did not arrive intact: its MD5 checksum is %s but should be "
                    "%s. It was not kept. Try again later or from another mirror.")
                % (err.filename, err.actual, err.expected))
        else:
            self.error.setText(_tr("The download failed: %s. Nothing half-finished was kept.")
                               % describe_error(err).rstrip("."))

    def _on_finished(self) -> None:
        thread, self.thread = self.thread, None
        if thread is not None:
            thread.deleteLater()
        self._fill()
        self._set_running(False)

    def is_running(self) -> bool:
        return self.thread is not None

    # ------------------------------------------------------------------ closing
    def stop(self) -> None:
        """Cancel a running download and wait for its thread (it stops at the next piece)."""
        if self.thread is not None:
            self.thread.cancel()
            self.thread.requestInterruption()
            self.thread.wait()

    def reject(self) -> None:
        self.stop()
        super().reject()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt API
        if watched is self.parent() and event.type() == QEvent.Close:
            self.stop()                          # never destroy a running thread with the window
        return super().eventFilter(watched, event)

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt API
        self.stop()
        super().closeEvent(event)


def open_download_dialog(window, base_url: str | None = None) -> DownloadDialog:
    """Show the dialog for ``window``; a finished download refreshes its Data Set panel."""
    dialog = DownloadDialog(window, base_url=base_url)
    dialog.setAttribute(Qt.WA_DeleteOnClose)
    panel = getattr(window, "dataset_panel", None)
    if panel is not None:
        dialog.downloaded.connect(lambda _name: panel.add_datasets(present_downloads()))
    dialog.open()
    return dialog
