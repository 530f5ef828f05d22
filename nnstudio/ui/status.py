"""The status bar's training read-out: epoch, iteration, samples/s, loss, progress."""

from __future__ import annotations

import math

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QFrame, QLabel, QProgressBar, QStatusBar


def _tr(text: str) -> str:
    return QCoreApplication.translate("TrainingStatus", text)


def state_titles() -> dict[str, str]:
    return {"idle": _tr("Ready"), "running": _tr("Training"), "paused": _tr("Paused"),
            "finished": _tr("Finished"), "diverged": _tr("Diverged")}


class TrainingStatus:
    """Owns permanent widgets in a QStatusBar and fills them from snapshots."""

    def __init__(self, bar: QStatusBar) -> None:
        self.state = QLabel()
        self.epoch = QLabel()
        self.iteration = QLabel()
        self.speed = QLabel()
        self.loss = QLabel()
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(180)
        self.progress.setTextVisible(True)
        # a line between a long temporary message (clipped at the read-out) and the read-out,
        # so the message never runs into "Ready"
        self.separator = QFrame()
        self.separator.setFrameShape(QFrame.Shape.VLine)
        self.separator.setFrameShadow(QFrame.Shadow.Sunken)
        self.state.setContentsMargins(6, 0, 0, 0)
        for widget in (self.separator, self.state, self.epoch, self.iteration, self.speed, self.loss, self.progress):
            bar.addPermanentWidget(widget)
        self.clear(None)
        self.set_state("idle")

    def set_state(self, state: str) -> None:
        self.state.setText(state_titles().get(state, state))

    def clear(self, session) -> None:
        """A new run: where its trainer starts (zeros, or where a resumed run stopped), with
        its totals; all zeros without a run."""
        trainer = session.trainer if session is not None else None
        epochs, total = (trainer.end_epoch, trainer.total_iterations) if trainer is not None else (0, 0)
        epoch, iteration = (trainer.epoch, trainer.iteration) if trainer is not None else (0, 0)
        self.epoch.setText(_tr("Epoch %s/%s") % (epoch, epochs))
        self.iteration.setText(_tr("Iteration %s/%s") % (iteration, total))
        self.speed.setText(_tr("— samples/s"))
        self.loss.setText(_tr("Loss —"))
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(iteration)

    def show(self, snap) -> None:
        self.epoch.setText(_tr("Epoch %s/%s") % (snap.epoch, snap.end_epoch))
        self.iteration.setText(_tr("Iteration %s/%s") % (snap.iteration, snap.total_iterations))
        rate = snap.samples / snap.elapsed if snap.elapsed > 0 else 0.0
        self.speed.setText(_tr("%s samples/s") % f"{rate:,.0f}")
        if snap.loss != snap.data_loss and math.isfinite(snap.data_loss):   # weight decay, L1
            self.loss.setText(_tr("Loss %s + weight penalty %s") % (f"{snap.data_loss:.4f}",
                                                                    f"{snap.loss - snap.data_loss:.4g}"))
        else:
            self.loss.setText(_tr("Loss %s") % f"{snap.loss:.4f}")
        self.progress.setRange(0, max(1, snap.total_iterations))
        self.progress.setValue(snap.iteration)
