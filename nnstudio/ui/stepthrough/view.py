"""The step-through view: one training step, one operation at a time.

The window calls :meth:`StepThroughView.enter` after pausing training: the view records one
real training step on the chosen samples (``trainer.traced_step``, in the GUI thread while
the worker is parked), then only moves an index through the recorded trace. Per operation
it shows the formula, the NumPy code and every array; the diagram follows through
``layerFocused``. Leaving step mode hands control back: training continues from the
weights this step already updated.
"""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QKeyEvent
from PySide6.QtWidgets import (QDoubleSpinBox, QLabel, QLineEdit, QListWidget, QListWidgetItem,
                               QMessageBox, QPushButton, QSplitter, QTabWidget,
                               QToolButton, QVBoxLayout, QWidget)

from nnstudio.engine.errors import EngineError
from nnstudio.engine.gradcheck import CHECK_EVERY, Interrupted
from nnstudio.engine.recording import Phase
from nnstudio.engine.spec import Conv2dSpec, PoolSpec
from nnstudio.engine.trace import Trace
from nnstudio.ui.flow_row import FlowRow
from nnstudio.project.errors import FileFormatError
from nnstudio.ui.file_messages import ask_save_path, file_error_text
from nnstudio.ui.messages import describe_error

from .captions import op_title, phase_title
from .collapse_panel import CollapsePanel
from .export import export_png, export_trace
from .gradcheck_panel import GradCheckPanel
from .navigation import TraceNavigator
from .operation_panel import PHASE_COLORS, OperationPanel, param_of
from .progress import NumericalProgress, modal_progress
from .samples import SampleChoiceError, parse_samples
from .tensor_panel import TensorPanel

BREAK_ROWS = 6     # the breakpoint list shows this many layers before it scrolls


def shape_text(shape: tuple[int, ...]) -> str:
    return "×".join(str(s) for s in shape)


def edge_shapes(trace: Trace) -> dict[int, str]:
    """Shape of the array entering each layer i, batch first, as text for the diagram's
    edges ("3×784"); key len(layers) is the network's output."""
    shapes = {0: shape_text(trace.input.shape)}
    for i, out in enumerate(trace.outputs):
        shapes[i + 1] = shape_text(out.shape)
    return shapes


def window_of(spec):
    """(kernel, stride, pad, per channel) of a conv or pooling layer spec, else None."""
    if isinstance(spec, Conv2dSpec):
        return (spec.kernel, spec.stride, spec.pad, False)
    if isinstance(spec, PoolSpec):
        return (spec.size, spec.step, 0, True)
    return None


def samples_text(indices: list[int]) -> str:
    """[0, 1, 2, 7] → "0-2, 7" (what the samples field shows after a step)."""
    parts: list[str] = []
    start = prev = None
    for i in indices + [None]:
        if start is not None and (i is None or i != prev + 1):
            parts.append(str(start) if start == prev else f"{start}-{prev}")
            start = None
        if i is not None and start is None:
            start = i
        prev = i
    return ", ".join(parts)


class StepThroughView(QWidget):
    layerFocused = Signal(object)   # layer index, or None
    edgeShapes = Signal(object)     # {layer index: shape text of its input} or None
    entered = Signal()              # a step was recorded and is shown
    left = Signal()                 # step mode ended: training may continue

    def __init__(self, controller: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.trace: Trace | None = None
        self._recording = False          # a step is being recorded (a numerical one lets events in)
        self._windows: list = []
        self._rows: list[int] = []       # the op list's row of each operation (headings between)
        self.state = "idle"
        self.nav = TraceNavigator(self)
        self.nav.moved.connect(self._on_moved)
        self.timer = QTimer(self)
        self.timer.timeout.connect(self._tick)
        self._build()
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        # a pause parks the worker only after its current step: snapshots tell when
        for name, slot in (("runStarted", self._on_run_started), ("stateChanged", self._on_state),
                           ("snapshots", lambda _batch: self._update_enabled())):
            sig = getattr(controller, name, None)
            if sig is not None:
                sig.connect(slot)
        self._update_enabled()

    # ------------------------------------------------------------------ building
    def _button(self, text: str, tip: str, slot) -> QPushButton:
        b = QPushButton(text)
        b.setToolTip(tip)
        b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        b.clicked.connect(slot)
        return b

    def _build(self) -> None:
        self.samples = QLineEdit("0")
        self.samples.setToolTip(self.tr("Training samples for the step: 0, or 0-3, or 1, 5, 9"))
        self.samples.setMaximumWidth(140)
        self.record_button = self._button(self.tr("Record a step"), self.tr(
            "Run one real training step on these samples and record every operation"), self._on_record)
        self.status = QLabel()
        self.status.setWordWrap(True)
        # both rows of buttons wrap in a narrow window instead of forcing the step-through (and
        # with it the window's middle column) wider, which squeezed the side panels
        top = FlowRow(self)
        top.add(QLabel(self.tr("Samples:")))
        top.add(self.samples)
        top.add(self.record_button)

        self.prev_button = self._button("◀ " + self.tr("Previous"), self.tr("Previous operation (←)"),
                                        self.nav.previous)
        self.next_button = self._button(self.tr("Next") + " ▶", self.tr("Next operation (→)"), self.nav.next)
        self.play_button = QToolButton()
        self.play_button.setText(self.tr("Play"))
        self.play_button.setCheckable(True)
        self.play_button.setToolTip(self.tr("Play through the operations; stops at breakpoints (space)"))
        self.play_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.play_button.toggled.connect(self._on_play)
        self.speed = QDoubleSpinBox()
        self.speed.setRange(0.25, 20)
        self.speed.setValue(2)
        self.speed.setSingleStep(0.5)
        self.speed.setSuffix(self.tr(" ops/s"))
        self.speed.valueChanged.connect(self._apply_speed)
        self.continue_button = self._button(self.tr("To breakpoint") + " ▶▶", self.tr(
            "Jump to the next operation of a layer with a breakpoint (Page Down)"), self.nav.continue_)
        nav = FlowRow(self)
        for w in (self.prev_button, self.next_button, self.play_button, self.speed, self.continue_button):
            nav.add(w)
        self.phase_buttons = {}
        for phase in Phase:
            b = self._button(phase_title(phase), self.tr("Jump to the first operation of this phase"),
                             lambda _=False, p=phase: self.nav.jump_to_phase(p))
            self.phase_buttons[phase] = b
            nav.add(b)
        self.export_trace_button = self._button(self.tr("Export trace…"), self.tr(
            "Save every array of this step as a .npz file for a notebook"), self._on_export_trace)
        self.export_png_button = self._button(self.tr("Save view as PNG…"), self.tr(
            "Save what is on screen as a picture"), self._on_export_png)
        self.leave_button = self._button(self.tr("Leave step mode"), self.tr(
            "Training continues from the weights this step updated"), self.leave)
        for w in (self.export_trace_button, self.export_png_button, self.leave_button):
            top.add(w)

        self.op_list = QListWidget()
        self.op_list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        # long operation names wrap onto a second line instead of hiding behind a scroll bar
        self.op_list.setWordWrap(True)
        self.op_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.op_list.currentRowChanged.connect(self._on_row)
        self.break_list = QListWidget()
        self.break_list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.break_list.itemChanged.connect(self._on_break_item)
        self._break_row = self.break_list.fontMetrics().height()     # a row's height, until one is shown
        self._fit_break_list()
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(QLabel(self.tr("Operations")))
        ll.addWidget(self.op_list, 1)
        ll.addWidget(QLabel(self.tr("Breakpoints (stop at these layers)")))
        ll.addWidget(self.break_list)

        self.op_panel = OperationPanel()
        self.tensors = TensorPanel()
        page = QWidget()
        pl = QVBoxLayout(page)
        pl.setContentsMargins(0, 0, 0, 0)
        pl.addWidget(self.op_panel)
        pl.addWidget(self.tensors, 1)
        self.gradcheck = GradCheckPanel()
        self.gradcheck.csv_button.clicked.connect(self._on_export_gradcheck)
        self.collapse = CollapsePanel()
        self.tabs = QTabWidget()
        self.tabs.addTab(page, self.tr("Operation"))
        self.tabs.addTab(self.gradcheck, self.tr("Numerical vs backprop"))
        self.tabs.addTab(self.collapse, self.tr("Collapse without activations"))

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(self.tabs)
        split.setStretchFactor(1, 1)
        split.setSizes([280, 1000])

        layout = QVBoxLayout(self)
        layout.addWidget(top)
        layout.addWidget(self.status)
        layout.addWidget(nav)
        layout.addWidget(split, 1)
        self.status.setText(self.tr("Pause training, pick samples and record a step."))

    # ------------------------------------------------------------------ view contract
    def title(self) -> str:
        return self.tr("Step through")

    def caption(self) -> str:
        return self.tr("One training step, operation by operation: formula, code and numbers")

    @property
    def active(self) -> bool:
        return self.trace is not None

    def enter(self, sample_indices) -> bool:
        """Record one training step on ``sample_indices`` (training samples) and show it.

        Works only while the training worker is parked (paused or not started) or its run has
        ended; returns False, with the reason in the status line, when no step could be recorded.
        """
        session = getattr(self.controller, "session", None)
        if session is None:
            self.status.setText(self.tr("No run yet: start or reset training first."))
            return False
        if not self.controller.network_is_quiet:
            # the worker is still training this network (a pause takes effect between steps)
            self.status.setText(self.tr("Training is still running: pause it (or wait for it to finish) first."))
            return False
        trainer = session.trainer
        idx = [int(i) for i in sample_indices]
        n = len(trainer.x_train)
        bad = [i for i in idx if not 0 <= i < n]
        if not idx or bad:
            self.status.setText(self.tr("Sample {0} does not exist: the training set has samples 0 to {1}.")
                                .format(bad[0] if bad else "", n - 1))
            return False
        if self._recording:
            return False            # asked again while a numerical step's dialog lets events in
        self._stop_play()
        progress = self._numerical_progress(session) if trainer.numerical else None
        self._recording = True
        try:
            trace = trainer.traced_step(trainer.x_train[idx], trainer.t_train[idx],
                                        interrupted=progress.ask if progress else None)
        except Interrupted:
            self.status.setText(self.tr("Recording stopped before the step was done: the weights are as they were."))
            return False
        except (EngineError, ValueError, FloatingPointError) as e:
            self.status.setText(self.tr("The step could not be recorded: {0}").format(describe_error(e)))
            return False
        finally:
            self._recording = False
            if progress is not None:
                progress.close()
        self.controller.report_recorded_step()
        from .source import StepSource
        source = StepSource.from_trace(trace, session.network)
        self.trace = trace
        self._windows = [window_of(layer.spec) for layer in session.network.layers]
        self.samples.setText(samples_text(idx))
        self._fill_lists(trace)
        self.gradcheck.set_source(source)
        self.collapse.set_source(source)
        what = self.tr("sample {0}").format(idx[0]) if len(idx) == 1 else \
            self.tr("{0} samples").format(len(idx))
        text = self.tr(
            "One real training step on {0}: {1} operations, loss {2:.4g}. The weights are already "
            "updated; leaving step mode continues training from them.").format(what, len(trace), trace.loss)
        if trainer.numerical:
            text += " " + self.tr("As this project trains, the gradients are numerical (central differences).")
        self.status.setText(text)
        self.nav.set_trace(trace)
        self.edgeShapes.emit(edge_shapes(trace))
        self._update_enabled()
        self.setFocus()
        self.entered.emit()
        return True

    def _numerical_progress(self, session) -> NumericalProgress:
        """A progress dialog for a step's numerical gradients (two forward passes per weight: a
        large network takes seconds), shown if it lasts; Cancel ends the step undone, as does
        a new run replacing this one meanwhile."""
        total = sum(math.ceil(p.size / CHECK_EVERY) for p in session.network.parameters().values())
        dialog = modal_progress(self, self.tr("Taking the numerical gradient of every parameter…"),
                                self.tr("Step through"), total)
        return NumericalProgress(dialog, lambda: self.controller.session is session)

    def leave(self) -> None:
        self._stop_play()
        was_active = self.trace is not None
        self.trace = None
        self.nav.set_trace(None)
        self.op_list.clear()
        self.break_list.clear()
        self._fit_break_list()
        self.op_panel.clear()
        self.tensors.clear()
        self.gradcheck.set_source(None)
        self.collapse.set_source(None)
        self.status.setText(self.tr("Pause training, pick samples and record a step."))
        self._update_enabled()
        self.layerFocused.emit(None)
        self.edgeShapes.emit(None)
        if was_active:
            self.left.emit()

    # ------------------------------------------------------------------ lists
    def _fill_lists(self, trace: Trace) -> None:
        """The operations under a heading per phase (Forward, Loss, Backward, Update), so each
        row leaves the phase out and a narrow list keeps the operation's name whole. A heading
        is not an operation: clicking it goes to its phase's first one."""
        self.op_list.blockSignals(True)
        self.op_list.clear()
        self._rows = []
        phase = None
        bold = QFont(self.op_list.font())
        bold.setBold(True)
        for i, e in enumerate(trace.events):
            if e.phase != phase:
                phase = e.phase
                heading = QListWidgetItem(phase_title(phase))
                heading.setFont(bold)
                heading.setForeground(QColor(PHASE_COLORS.get(phase.value, "#333")))
                heading.setFlags(Qt.ItemFlag.ItemIsEnabled)        # not selectable
                heading.setData(Qt.ItemDataRole.UserRole, i)
                self.op_list.addItem(heading)
            param = param_of(e)
            label = f"{i + 1}. {op_title(e.op)}" if not e.layer_name else \
                f"{i + 1}. {e.layer_name} · {op_title(e.op)}"
            if param:
                label += f" ({param.rsplit('.', 1)[-1]})"
            item = QListWidgetItem(label)
            item.setToolTip(f"{phase_title(e.phase)} · {label}")
            item.setData(Qt.ItemDataRole.UserRole, i)
            self._rows.append(self.op_list.count())
            self.op_list.addItem(item)
        self.op_list.blockSignals(False)
        self.break_list.blockSignals(True)
        self.break_list.clear()
        for i, name in enumerate(trace.layer_names):
            item = QListWidgetItem(f"{i + 1}. {name}")
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if i in self.nav.breakpoints else Qt.CheckState.Unchecked)
            item.setData(Qt.ItemDataRole.UserRole, i)
            self.break_list.addItem(item)
        self.break_list.blockSignals(False)
        self._fit_break_list()
        self.nav.breakpoints &= set(range(len(trace.layer_names)))

    def _fit_break_list(self) -> None:
        """The breakpoint list as tall as its layers, up to BREAK_ROWS rows (then it scrolls):
        the height it does not need goes to the operations above it. Empty, one row."""
        if self.break_list.count():
            self._break_row = self.break_list.sizeHintForRow(0)
        rows = min(max(self.break_list.count(), 1), BREAK_ROWS)
        self.break_list.setFixedHeight(rows * self._break_row + 2 * self.break_list.frameWidth() + 2)

    def set_breakpoint(self, layer: int, on: bool = True) -> None:
        item = self.break_list.item(layer)
        if item is not None:
            item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
        else:
            self.nav.set_breakpoint(layer, on)

    def _on_break_item(self, item: QListWidgetItem) -> None:
        self.nav.set_breakpoint(int(item.data(Qt.ItemDataRole.UserRole)),
                                item.checkState() == Qt.CheckState.Checked)

    def op_row(self, index: int) -> int:
        """The list row of operation ``index`` (the phase headings take rows too)."""
        return self._rows[index]

    def _select_row(self, index: int) -> None:
        """Highlight operation ``index`` in the list without moving there again."""
        self.op_list.blockSignals(True)
        self.op_list.setCurrentRow(self.op_row(index))
        self.op_list.blockSignals(False)

    def _on_row(self, row: int) -> None:
        item = self.op_list.item(row) if row >= 0 else None
        if item is not None and not self.nav.go(int(item.data(Qt.ItemDataRole.UserRole))):
            # the heading of the phase whose first operation is shown: back to that operation's row
            self._select_row(self.nav.index)

    # ------------------------------------------------------------------ moving
    def _on_moved(self, index: int) -> None:
        e = self.nav.event
        if e is None:
            return
        self.op_panel.show_event(e, index, len(self.nav))
        self.tensors.show_event(e, self._windows[e.layer] if e.layer is not None else None)
        self._select_row(index)
        param = param_of(e)
        if param is None and e.layer_name and "dW" in e.tensors:
            param = f"{e.layer_name}.W"
        if param:
            self.gradcheck.select(param)
        self._update_enabled()
        self.layerFocused.emit(e.layer)

    def _on_play(self, on: bool) -> None:
        if on and self.trace is not None:
            self.play_button.setText(self.tr("Pause"))
            self._apply_speed()
            self.timer.start()
        else:
            self._stop_play()

    def _apply_speed(self) -> None:
        self.timer.setInterval(int(1000 / self.speed.value()))

    def _stop_play(self) -> None:
        self.timer.stop()
        self.play_button.blockSignals(True)
        self.play_button.setChecked(False)
        self.play_button.blockSignals(False)
        self.play_button.setText(self.tr("Play"))

    def _tick(self) -> None:
        moved = self.nav.next()
        if not moved or self.nav.at_end or self.nav.is_break(self.nav.index):
            self._stop_play()

    def toggle_play(self) -> None:
        self.play_button.setChecked(not self.play_button.isChecked())

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt's name)
        actions = {Qt.Key.Key_Right: self.nav.next, Qt.Key.Key_Left: self.nav.previous,
                   Qt.Key.Key_Home: self.nav.first, Qt.Key.Key_End: self.nav.last,
                   Qt.Key.Key_PageDown: self.nav.continue_, Qt.Key.Key_Space: self.toggle_play}
        action = actions.get(Qt.Key(event.key()))
        if action is None or self.trace is None:
            super().keyPressEvent(event)
            return
        action()
        event.accept()

    def _update_enabled(self) -> None:
        on = self.trace is not None
        quiet = self.controller.network_is_quiet
        self.record_button.setEnabled(quiet)
        self.samples.setEnabled(quiet)
        self.prev_button.setEnabled(on and not self.nav.at_start)
        self.next_button.setEnabled(on and not self.nav.at_end)
        for w in (self.play_button, self.continue_button, self.export_trace_button, self.export_png_button,
                  self.leave_button, *self.phase_buttons.values()):
            w.setEnabled(on)

    # ------------------------------------------------------------------ controller
    def _on_record(self) -> None:
        session = getattr(self.controller, "session", None)
        if session is None:
            self.status.setText(self.tr("No run yet: start or reset training first."))
            return
        try:
            idx = parse_samples(self.samples.text(), len(session.trainer.x_train))
        except SampleChoiceError as e:
            messages = {
                "syntax": self.tr("“{0}” is not a sample number; write 0, 0-3 or 1, 5, 9.").format(e.text),
                "range": self.tr("“{0}” is outside the training set (samples 0 to {1}).").format(e.text, e.limit),
                "count": self.tr("At most {0} samples in one step.").format(e.limit),
                "empty": self.tr("Write which samples to use, e.g. 0 or 0-3."),
            }
            self.status.setText(messages[e.reason])
            return
        self.enter(idx)

    def _on_run_started(self, _session: Any) -> None:
        if self.trace is not None:
            self.leave()
        self._update_enabled()      # a new run's worker starts parked: a step may be recorded now

    def _on_state(self, state: str) -> None:
        self.state = state
        self._update_enabled()

    # ------------------------------------------------------------------ export
    def export_trace_to(self, path: str) -> None:
        if self.trace is not None:
            export_trace(self.trace, path)

    def export_png_to(self, path: str) -> None:
        export_png(self, path)

    def _save(self, caption: str, filt: str, suffix: str, write) -> None:
        path = ask_save_path(self, caption, filt, suffix)
        if path is None:
            return
        try:
            write(path)
        except FileFormatError as e:            # where and why, in the learner's words
            self._not_saved(caption, file_error_text(e))
        except (OSError, EngineError) as e:
            self._not_saved(caption, self.tr("Could not save {0}: {1}").format(path, describe_error(e)))
        else:
            self.status.setText(self.tr("Saved {0}").format(path))

    def _not_saved(self, caption: str, text: str) -> None:
        self.status.setText("")                 # not an earlier "Saved …" beside the failure
        self.show_warning(caption, text)

    def show_warning(self, caption: str, text: str) -> None:
        """The warning box (tests replace this)."""
        QMessageBox.warning(self, caption, text)

    def _on_export_trace(self) -> None:
        self._save(self.tr("Export trace"), self.tr("Trace (*.npz)"), ".npz", self.export_trace_to)

    def _on_export_png(self) -> None:
        self._save(self.tr("Save view as PNG"), self.tr("PNG image (*.png)"), ".png", self.export_png_to)

    def _on_export_gradcheck(self) -> None:
        if self.gradcheck.report is None:         # nothing checked (the button is disabled then)
            return
        self._save(self.tr("Save table as CSV"), self.tr("CSV table (*.csv)"), ".csv", self.gradcheck.write_csv)
