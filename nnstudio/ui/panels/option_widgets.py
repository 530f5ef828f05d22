"""One editor widget per kind of value, each with ``value()`` / ``set_value()`` / ``edited``.

Number boxes carry their limits (an out-of-range number cannot be typed) and commit on
Enter or focus loss. Text kinds (paths, vectors, column lists) are parsed on commit; a
value that does not parse is flagged at once in red with the reason and not applied.
"""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import (QAbstractSpinBox, QCheckBox, QComboBox, QDoubleSpinBox,
                               QFileDialog, QHBoxLayout, QLineEdit, QPushButton, QSpinBox,
                               QWidget)

INT_LIMIT = 2**31 - 1


def _tr(text: str) -> str:
    return QCoreApplication.translate("options", text)


class ScientificSpinBox(QDoubleSpinBox):
    """A double spin box that shows and accepts 1e-08 style numbers (ε, tiny rates)."""

    def __init__(self) -> None:
        super().__init__()
        self.setDecimals(15)

    def textFromValue(self, value: float) -> str:  # noqa: N802 - Qt API
        return f"{value:.6g}"

    def valueFromText(self, text: str) -> float:  # noqa: N802 - Qt API
        try:
            return float(text)
        except ValueError:
            return self.value()

    def validate(self, text: str, pos: int):
        try:
            value = float(text)
        except ValueError:
            return QValidator.Intermediate, text, pos
        if self.minimum() <= value <= self.maximum():
            return QValidator.Acceptable, text, pos
        return QValidator.Intermediate, text, pos


class ValueEditor(QWidget):
    """Base: a row widget that emits ``edited(value)`` once per committed change."""

    edited = Signal(object)

    def value(self) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def set_value(self, value: Any) -> None:  # pragma: no cover - overridden
        raise NotImplementedError


class NumberEditor(ValueEditor):
    """int or float in [minimum, maximum]; ``nullable`` adds "all"/"auto" below the minimum."""

    def __init__(self, kind: str, minimum: float | None, maximum: float | None, *,
                 nullable: bool = False, null_text: str = "", decimals: int = 4,
                 exclusive_max: bool = False, log_steps: bool = False,
                 scientific: bool = False) -> None:
        super().__init__()
        self.kind, self.nullable = kind, nullable
        lo = -INT_LIMIT if minimum is None else minimum
        hi = INT_LIMIT if maximum is None else maximum
        if kind == "int":
            box: QAbstractSpinBox = QSpinBox()
            lo, hi = int(max(lo, -INT_LIMIT)), int(min(hi, INT_LIMIT))
        elif scientific:
            box = ScientificSpinBox()
            box.setStepType(QAbstractSpinBox.AdaptiveDecimalStepType)
        else:
            box = QDoubleSpinBox()
            box.setDecimals(decimals)
            if exclusive_max:
                hi = hi - 10 ** -decimals
            if log_steps:
                box.setStepType(QAbstractSpinBox.AdaptiveDecimalStepType)
        self.null_value = lo - 1 if nullable and kind == "int" else None
        box.setRange(self.null_value if self.null_value is not None else lo, hi)
        if self.null_value is not None:
            box.setSpecialValueText(null_text or _tr("all"))
        box.setKeyboardTracking(False)
        box.valueChanged.connect(lambda _v: self.edited.emit(self.value()))
        self.box = box
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(box)

    def value(self) -> Any:
        v = self.box.value()
        if self.null_value is not None and v == self.null_value:
            return None
        return int(v) if self.kind == "int" else float(v)

    def set_value(self, value: Any) -> None:
        self.box.blockSignals(True)
        if value is None and self.null_value is not None:
            self.box.setValue(self.null_value)
        elif value is not None:
            self.box.setValue(value)
        self.box.blockSignals(False)


class BoolEditor(ValueEditor):
    def __init__(self) -> None:
        super().__init__()
        self.check = QCheckBox()
        self.check.toggled.connect(lambda v: self.edited.emit(bool(v)))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.check)

    def value(self) -> bool:
        return self.check.isChecked()

    def set_value(self, value: Any) -> None:
        self.check.blockSignals(True)
        self.check.setChecked(bool(value))
        self.check.blockSignals(False)


class ChoiceEditor(ValueEditor):
    def __init__(self, choices, labels: dict | None = None) -> None:
        super().__init__()
        self.combo = QComboBox()
        for choice in choices:
            self.combo.addItem((labels or {}).get(choice, str(choice)), choice)
        self.combo.activated.connect(lambda _i: self.edited.emit(self.combo.currentData()))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.combo)

    def value(self) -> Any:
        return self.combo.currentData()

    def set_value(self, value: Any) -> None:
        self.combo.blockSignals(True)
        self.combo.setCurrentIndex(max(0, self.combo.findData(value)))
        self.combo.blockSignals(False)


class TextEditor(ValueEditor):
    """Free text and the list kinds. ``parse`` turns the text into the value or raises
    ValueError with the reason, shown in red until the text is fixed."""

    def __init__(self, kind: str, *, nullable: bool = False, length: int | None = None,
                 browse: bool = False) -> None:
        super().__init__()
        self.kind, self.nullable, self.length = kind, nullable, length
        self.line = QLineEdit()
        self.line.editingFinished.connect(self._commit)
        self.line.textEdited.connect(lambda _t: self._flag(None))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.line)
        if browse:
            button = QPushButton(_tr("Browse…"))
            button.clicked.connect(self._browse)
            layout.addWidget(button)
        self.error: str | None = None

    def parse(self, text: str) -> Any:
        text = text.strip()
        if not text:
            if self.nullable or self.kind in ("columns", "strings"):
                return None if self.nullable else []
            raise ValueError(_tr("a value is needed"))
        if self.kind in ("str", "path"):
            return text
        parts = [p.strip() for p in text.strip("[]").split(",") if p.strip()]
        if self.kind in ("range", "vector"):
            try:
                numbers = [float(p) for p in parts]
            except ValueError:
                raise ValueError(_tr("numbers separated by commas, e.g. 0, 3")) from None
            if not all(math.isfinite(n) for n in numbers):
                raise ValueError(_tr("finite numbers only"))
            want = 2 if self.kind == "range" else self.length
            if want is not None and len(numbers) != want:
                raise ValueError(_tr("exactly %s numbers") % want)
            if self.kind == "range" and numbers[0] >= numbers[1]:
                raise ValueError(_tr("the low end must be below the high end"))
            return numbers
        refs = [int(p) if p.lstrip("-").isdigit() else p for p in parts]
        if self.kind == "column":
            return refs[0] if len(refs) == 1 else refs
        return refs

    def _flag(self, reason: str | None) -> None:
        self.error = reason
        self.line.setStyleSheet("" if reason is None else "border: 2px solid #B00020;")
        self.line.setToolTip(reason or "")

    def _commit(self) -> None:
        try:
            value = self.parse(self.line.text())
        except ValueError as err:
            self._flag(str(err))
            return
        self._flag(None)
        self.edited.emit(value)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, _tr("Choose a file"))
        if path:
            self.line.setText(path)
            self._commit()

    def value(self) -> Any:
        return self.parse(self.line.text())

    def set_value(self, value: Any) -> None:
        self.line.setText(self.text_of(value))
        self._flag(None)

    def set_placeholder(self, value: Any) -> None:
        """What an empty box stands for (a function preset's expression and range), in grey."""
        self.line.setPlaceholderText(self.text_of(value))

    @staticmethod
    def text_of(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, (list, tuple)):
            return ", ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in value)
        return str(value)


def editor_for_option(spec, labels: dict | None = None) -> ValueEditor:
    """The editor of one data-set option (an ``OptionSpec``); ``labels``: the shown text of
    a choice option's values (translated by the caller), else tab and space named."""
    if spec.kind in ("int", "float"):
        return NumberEditor(spec.kind, spec.minimum, spec.maximum, nullable=spec.nullable,
                            exclusive_max=spec.exclusive_max)
    if spec.kind == "bool":
        return BoolEditor()
    if spec.kind == "choice":
        return ChoiceEditor(spec.choices, labels or {"\t": _tr("tab"), " ": _tr("space")})
    return TextEditor(spec.kind, nullable=spec.nullable, length=spec.length,
                      browse=spec.kind == "path")


__all__ = ["BoolEditor", "ChoiceEditor", "NumberEditor", "TextEditor", "ValueEditor",
           "editor_for_option"]
