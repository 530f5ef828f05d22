"""The optimizer and training panel.

The optimizer shows only the hyperparameters its update rule uses (``RULES[name].hyper``)
with the rule's formula. The learning rate may change while training: that edit is not
guarded (no reset asked) and the window passes it to the controller, effective at the next
step. Batch size has three modes: online (1), mini-batch (n) and full batch (all samples);
back to mini-batch restores the mini-batch size the panel showed last.

The project file stores only ``training.batch_size`` (an int, DESIGN.md), so "full batch" is
the batch size equal to the training-set size. The panel remembers that mode
(:attr:`TrainingPanel.full_batch`) so that, when the learner picks another data set, the
batch size follows the new training-set size in the same undo step as the data-set choice
(the data-set panel's fit asks for it); a saved full-batch project holds its set's size and
so still trains full batch when reopened.

A run is as long as "Run length" says: a number of epochs, or of iterations (updates, the
book's ``iters_num``: ``training.iterations``); the caption under it gives the other count.
Switching the unit keeps about the same run (5 epochs of 600 updates become 3,000 iterations;
back, the iterations rounded up to whole epochs).
"""

from __future__ import annotations

import math
from typing import Callable

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import QFormLayout, QGroupBox, QLabel, QVBoxLayout, QWidget

from nnstudio.engine.optimizers import RULES
from nnstudio.engine.spec import DTYPES, GRADIENT_METHODS, OptimizerSpec
from nnstudio.engine.trainer import steps_per_epoch
from nnstudio.project.document import ProjectDocument
from nnstudio.ui.commands import Editor
from nnstudio.ui.diagram.describe import total_parameter_count
from nnstudio.ui.mathtext import to_rich_text
from nnstudio.ui.views.base import MutedCaption

from .option_widgets import ChoiceEditor, NumberEditor

# hyperparameter → (minimum, maximum, decimals), ranges as OptimizerSpec validates them
HYPER = {"momentum": (0.0, 0.9999, 4), "rho": (0.0, 0.9999, 4), "beta1": (0.0, 0.9999, 4),
         "beta2": (0.0, 0.99999, 5), "eps": (1e-12, 1.0, 12)}
BATCH_MODES = ("online", "minibatch", "full")
LENGTH_UNITS = ("epochs", "iterations")
MAX_LENGTH = {"epochs": 100_000, "iterations": 100_000_000}


LR_HINT_RATIO = 10.0   # the book's η for the rule is named when η is further off than this factor


def _tr(text: str) -> str:
    return QCoreApplication.translate("TrainingPanel", text)


def gradient_titles() -> dict[str, str]:
    return {"backprop": _tr("backpropagation"), "numerical": _tr("numerical")}


def hyper_labels() -> dict[str, str]:
    return {"momentum": _tr("Momentum α"), "rho": _tr("Decay ρ"), "beta1": _tr("β₁"),
            "beta2": _tr("β₂"), "eps": _tr("ε")}


class TrainingPanel(QWidget):
    """``train_size()`` gives the number of training samples (for full batch), or None."""

    learningRateChanged = Signal(float)

    def __init__(self, doc: ProjectDocument, editor: Editor,
                 train_size: Callable[[], int | None] = lambda: None, parent=None) -> None:
        super().__init__(parent)
        self.doc, self.editor, self.train_size = doc, editor, train_size
        self._mode = "minibatch"     # the feeding mode shown, kept while the set's size is unknown
        self._pending_full = False   # full batch picked before the set's size was known
        self._minibatch: int | None = None   # the last mini-batch size shown: mini-batch again restores it
        layout = QVBoxLayout(self)

        opt_box = QGroupBox(_tr("Optimizer"))
        self.opt_form = QFormLayout(opt_box)
        self.optimizer = ChoiceEditor(tuple(RULES), {k: r.title for k, r in RULES.items()})
        self.optimizer.edited.connect(self._set_optimizer)
        self.opt_form.addRow(_tr("Update rule"), self.optimizer)
        self.lr = NumberEditor("float", 1e-9, 1e6, scientific=True)
        self.lr.edited.connect(self._set_lr)
        self.opt_form.addRow(_tr("Learning rate η"), self.lr)
        self.hyper = {}
        labels = hyper_labels()
        for name, (lo, hi, decimals) in HYPER.items():
            editor_ = NumberEditor("float", lo, hi, decimals=decimals, log_steps=True,
                                   scientific=name == "eps")
            editor_.edited.connect(lambda v, n=name: self._update("optimizer", **{n: v}))
            self.opt_form.addRow(labels[name], editor_)
            self.hyper[name] = editor_
        self.formula = QLabel()
        self.formula.setWordWrap(True)
        self.formula.setTextFormat(Qt.TextFormat.RichText)
        self.opt_form.addRow(self.formula)
        # each rule's usual η: switching SGD's 0.1 to Adam unchanged makes Adam look broken
        self.lr_hint = MutedCaption("")
        self.lr_hint.setTextFormat(Qt.TextFormat.RichText)
        self.lr_hint.linkActivated.connect(lambda _link: self._use_book_lr())
        self.opt_form.addRow(self.lr_hint)
        layout.addWidget(opt_box)

        train_box = QGroupBox(_tr("Training"))
        form = QFormLayout(train_box)
        self.batch_mode = ChoiceEditor(BATCH_MODES, {"online": _tr("online (1 sample)"),
                                                     "minibatch": _tr("mini-batch"),
                                                     "full": _tr("full batch")})
        self.batch_mode.edited.connect(self._set_batch_mode)
        form.addRow(_tr("Feeding"), self.batch_mode)
        self.batch_size = NumberEditor("int", 1, 1_000_000)
        self.batch_size.edited.connect(lambda v: self._update("training", batch_size=v))
        form.addRow(_tr("Batch size"), self.batch_size)
        # how long a run is: epochs, or iterations (updates) as the book's iters_num
        # (two rows: the count beside its unit would widen the whole dock)
        self.length_unit = ChoiceEditor(LENGTH_UNITS, {"epochs": _tr("in epochs"), "iterations": _tr("in iterations")})
        self.length_unit.edited.connect(self._set_length_unit)
        form.addRow(_tr("Run length"), self.length_unit)
        self.length = NumberEditor("int", 1, MAX_LENGTH["iterations"])
        self.length.edited.connect(self._set_length)
        form.addRow(_tr("Epochs"), self.length)
        self.length_note = MutedCaption("")
        self.length_note.setWordWrap(True)
        form.addRow(self.length_note)
        self.seed = NumberEditor("int", 0, 2**31 - 1)
        self.seed.edited.connect(lambda v: self._update("training", seed=v))
        form.addRow(_tr("Seed"), self.seed)
        self.dtype = ChoiceEditor(DTYPES)
        self.dtype.edited.connect(lambda v: self._update("training", dtype=v))
        form.addRow(_tr("Precision"), self.dtype)
        self.l2 = NumberEditor("float", 0.0, 100.0, decimals=6, log_steps=True)
        self.l2.edited.connect(lambda v: self._update("training", weight_decay=v))
        form.addRow(_tr("L2 weight decay λ"), self.l2)
        self.l1 = NumberEditor("float", 0.0, 100.0, decimals=6, log_steps=True)
        self.l1.edited.connect(lambda v: self._update("training", l1=v))
        form.addRow(_tr("L1"), self.l1)
        self.gradients = ChoiceEditor(GRADIENT_METHODS, gradient_titles())
        self.gradients.edited.connect(lambda v: self._update("training", gradients=v))
        form.addRow(_tr("Gradients"), self.gradients)
        self.gradients_cost = MutedCaption("")
        form.addRow(self.gradients_cost)
        self.train_form = form
        layout.addWidget(train_box)
        layout.addStretch(1)
        doc.sectionChanged.connect(lambda name: name in ("optimizer", "training") and self.refresh())
        doc.reloaded.connect(self._reloaded)
        doc.changed.connect(self._show_gradients_cost)      # layers drawn or edited: another count
        self.refresh()

    # ------------------------------------------------------------------ showing
    def refresh(self) -> None:
        opt = self.doc.section("optimizer")
        defaults = OptimizerSpec()
        name = opt.get("name", "sgd")
        rule = RULES.get(name, RULES["sgd"])
        self.optimizer.set_value(name)
        self.lr.set_value(opt.get("lr", defaults.lr))
        for key, widget in self.hyper.items():
            widget.set_value(opt.get(key, getattr(defaults, key)))
            self.opt_form.setRowVisible(widget, key in rule.hyper)
        self.formula.setText(to_rich_text(rule.formula))
        # only far off: the book's own MNIST net trains SGD at 0.1, ten times its class's default
        far = not 1 / LR_HINT_RATIO <= opt.get("lr", defaults.lr) / rule.book_lr <= LR_HINT_RATIO
        self.opt_form.setRowVisible(self.lr_hint, far)
        self.lr_hint.setText(_tr("The book's η for {0}: {1:g}.").format(rule.title, rule.book_lr)
                             + " <a href='use'>" + _tr("Use it") + "</a>")
        train = self.doc.section("training")
        batch = train.get("batch_size", 100)
        n = self.train_size()
        if self._pending_full and n is not None:
            self._pending_full = False          # the learner's pick, now that the size is known
            if self._mode == "full" and batch != n and self.editor.update_section("training", batch_size=n):
                return                          # the edit refreshed the panel
        self._mode = mode = batch_mode(batch, n, self._mode)
        if mode == "minibatch":
            self._minibatch = batch
        self.batch_mode.set_value(mode)
        self.batch_size.set_value(batch)
        self.batch_size.setEnabled(mode == "minibatch")
        self.batch_size.setToolTip(_tr("Full batch: every training sample in each step; this number follows "
                                       "the training-set size when you choose another data set")
                                   if mode == "full" else "")
        unit = "iterations" if train.get("iterations") is not None else "epochs"
        self.length_unit.set_value(unit)
        self.length.box.blockSignals(True)        # a lower maximum clamps the value shown: no edit
        self.length.box.setMaximum(MAX_LENGTH[unit])
        self.length.box.blockSignals(False)
        self.length.set_value(train.get(unit, 5))
        self.train_form.labelForField(self.length).setText(_tr("Iterations") if unit == "iterations" else _tr("Epochs"))
        # the other unit's count needs the updates an epoch: not while the set is unknown
        self.length_unit.setEnabled(self._steps_per_epoch(train, n) is not None)
        self._show_length_note(train, n)
        self.seed.set_value(train.get("seed", 0))
        self.dtype.set_value(train.get("dtype", "float32"))
        self.l2.set_value(train.get("weight_decay", 0.0))
        self.l1.set_value(train.get("l1", 0.0))
        self.gradients.set_value(train.get("gradients", "backprop"))
        self._show_gradients_cost()

    def _steps_per_epoch(self, train: dict, n: int | None) -> int | None:
        """Updates in one epoch (the book's iter_per_epoch), once the set's size is known."""
        return steps_per_epoch(n, train.get("batch_size", 100)) if n else None

    def _show_length_note(self, train: dict, n: int | None) -> None:
        """Epochs and iterations side by side: how many updates a run of epochs makes, or how
        many epochs a run of iterations spans."""
        steps = self._steps_per_epoch(train, n)
        self.train_form.setRowVisible(self.length_note, steps is not None)
        if steps is None:
            return
        if steps == 1:
            per_epoch = _tr("one iteration an epoch (full batch: all %s samples)") % f"{n:,}"
        else:
            per_epoch = _tr("%s iterations an epoch (%s samples, batch %s)") % (
                f"{steps:,}", f"{n:,}", f"{min(train.get('batch_size', 100), n):,}")
        iterations = train.get("iterations")
        if iterations is None:
            total = steps * train.get("epochs", 5)
            text = (_tr("one iteration in all: %s.") % per_epoch if total == 1
                    else _tr("%s iterations in all: %s.") % (f"{total:,}", per_epoch))
        elif iterations < steps:
            text = _tr("part of one epoch: %s.") % per_epoch
        elif iterations % steps:
            text = _tr("%s epochs, the last one ended early: %s.") % (f"{iterations / steps:,.2f}", per_epoch)
        elif iterations == steps:
            text = _tr("one epoch: %s.") % per_epoch
        else:
            text = _tr("%s epochs: %s.") % (f"{iterations // steps:,}", per_epoch)
        self.length_note.setText(text)

    def _set_length(self, value: int) -> None:
        if self.length_unit.value() == "iterations":
            self._update("training", iterations=value)
        else:
            self._update("training", epochs=value)

    def _set_length_unit(self, unit: str) -> None:
        """The other unit for about the same run: 5 epochs of 600 updates become 3,000
        iterations, and 2,000 iterations of 469 become 5 epochs (rounded up)."""
        train = self.doc.section("training")
        steps = self._steps_per_epoch(train, self.train_size())
        by_iterations = train.get("iterations") is not None
        if steps is None or by_iterations == (unit == "iterations"):
            self.refresh()          # the unit shown already, or no count to convert with
        elif unit == "iterations":
            self._update("training", iterations=min(train.get("epochs", 5) * steps, MAX_LENGTH["iterations"]))
        else:
            self._update("training", iterations=None,
                         epochs=min(math.ceil(train["iterations"] / steps), MAX_LENGTH["epochs"]))

    def _show_gradients_cost(self) -> None:
        """Under "numerical": what one update costs, for the network as drawn."""
        numerical = self.doc.section("training").get("gradients") == "numerical"
        self.train_form.setRowVisible(self.gradients_cost, numerical)
        if not numerical:
            return
        count = total_parameter_count(self.doc.input_shape, [layer.data for layer in self.doc.layers])
        if count is None:
            text = _tr("Central differences: two forward passes for each parameter entry in every "
                       "update, where backprop needs one forward and one backward pass: slow, on purpose.")
        else:
            text = _tr("Central differences: two forward passes for each of the %s parameter entries, "
                       "%s passes in every update, where backprop needs one forward and one backward "
                       "pass. Watch the samples/s.") % (f"{count:,}", f"{2 * count:,}")
        self.gradients_cost.setText(text)

    def _reloaded(self) -> None:
        self._mode = "minibatch"     # another project: its own batch size says the mode
        self._pending_full = False
        self._minibatch = None
        self.refresh()

    # ------------------------------------------------------------------ edits
    def _update(self, section: str, **changes) -> None:
        """One edit; refused (the learner kept the run: "Reset training?" No), the fields show
        the project's values again (they kept the refused ones: a learner pressed Play
        believing the batch size was the one shown)."""
        if not self.editor.update_section(section, **changes):
            self.refresh()

    def _set_optimizer(self, name: str) -> None:
        self.editor.update_section("optimizer", name=name)
        self.refresh()

    def _use_book_lr(self) -> None:
        rule = RULES.get(self.doc.section("optimizer").get("name", "sgd"), RULES["sgd"])
        self._set_lr(rule.book_lr)
        self.refresh()

    def _set_lr(self, lr: float) -> None:
        if not (lr > 0 and math.isfinite(lr)):
            self.refresh()
            return
        if self.editor.update_section("optimizer", guarded=False, lr=lr):
            self.learningRateChanged.emit(lr)

    @property
    def full_batch(self) -> bool:
        """The learner's feeding mode is "full batch" (the batch size is to follow the
        training-set size when the data set changes)."""
        return self._mode == "full"

    def _set_batch_mode(self, mode: str) -> None:
        n = self.train_size()
        if mode == "online":
            size = 1
        elif mode == "full":
            size = n if n else self.doc.section("training").get("batch_size", 100)
        elif self._minibatch is not None and 1 < self._minibatch and (n is None or self._minibatch < n):
            size = self._minibatch           # back to the learner's own mini-batch size
        else:
            size = min(100, n - 1) if n and n > 2 else 100
        previous, self._mode = self._mode, mode
        self._pending_full = mode == "full" and not n     # the set is still loading: size it then
        if not self.editor.update_section("training", batch_size=size):
            if not self._pending_full:
                self._mode = previous
            self.refresh()


def batch_mode(batch: int, n: int | None, shown: str) -> str:
    """The feeding mode of ``batch`` for ``n`` training samples: online, full (the batch
    holds every sample) or minibatch. While ``n`` is unknown (the set is loading) a shown
    full-batch mode stays."""
    if batch == 1 and n != 1:
        return "online"
    if n is None:
        return "full" if shown == "full" else "minibatch"
    return "full" if batch >= n else "minibatch"
