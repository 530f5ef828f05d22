"""A window-modal progress dialog for numerical gradients, which take two forward passes per
weight: seconds for a large network, run in the GUI thread between looks at the dialog."""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QProgressDialog, QWidget

# numerical gradients show their progress once they take longer than this
PROGRESS_AFTER_MS = 400


def modal_progress(parent: QWidget, text: str, title: str, total: int) -> QProgressDialog:
    """Shown only if the work lasts PROGRESS_AFTER_MS; its setValue lets Qt paint and take the
    Cancel click (the dialog is modal, so nothing else can be clicked meanwhile)."""
    dialog = QProgressDialog(text, QCoreApplication.translate("NumericalProgress", "Cancel"), 0, max(1, total),
                             parent)
    dialog.setWindowTitle(title)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(PROGRESS_AFTER_MS)
    return dialog


class NumericalProgress:
    """Callbacks for the engine's numerical gradients (asked every CHECK_EVERY entries):
    ``advance`` moves the dialog on, ``interrupted`` says whether Cancel was pressed or the
    work was made pointless meanwhile (``still_current`` false)."""

    def __init__(self, dialog: QProgressDialog, still_current: Callable[[], bool] = lambda: True) -> None:
        self.dialog = dialog
        self.still_current = still_current
        self.done = 0

    def advance(self, done: int | None = None) -> None:
        """To ``done`` of the dialog's total, or one look further when not told."""
        self.done = self.done + 1 if done is None else done
        self.dialog.setValue(min(self.done, self.dialog.maximum() - 1))

    def interrupted(self) -> bool:
        return self.dialog.wasCanceled() or not self.still_current()

    def ask(self) -> bool:
        """For work that only asks whether to stop (a traced numerical step): one look further
        on the dialog, and the answer."""
        self.advance()
        return self.interrupted()

    def close(self) -> None:
        self.dialog.close()
        self.dialog.deleteLater()
