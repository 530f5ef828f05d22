"""Translated, learner-facing messages built from the engine's and data layer's typed errors."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication


def _tr(text: str) -> str:
    return QCoreApplication.translate("messages", text)


def describe_error(err: BaseException, short: bool = False) -> str:
    """One readable sentence for a SpecError, DivergenceError, data error or other failure.

    ``short``: name only the setting (``units``), for a message shown on its own layer.
    """
    from nnstudio.engine.errors import DivergenceError, SpecError
    if isinstance(err, SpecError):
        detail = err.reason or _tr("got %s") % repr(err.value)
        field = err.field.rsplit(".", 1)[-1] if short and "layers[" in err.field else err.field
        return _tr("%(field)s: %(detail)s. Allowed: %(allowed)s.").replace("%(field)s", field) \
            .replace("%(detail)s", detail).replace("%(allowed)s", err.allowed)
    if isinstance(err, DivergenceError):
        return divergence_message(err)
    return str(err) or type(err).__name__


def divergence_message(err) -> str:
    return (_tr("Training diverged at iteration %(iteration)s: %(where)s became %(value)s.")
            .replace("%(iteration)s", str(err.iteration)).replace("%(where)s", err.where)
            .replace("%(value)s", str(err.value)))


def divergence_hint() -> str:
    return _tr("The steps were too large. Lower the learning rate (for example to a tenth) "
               "and press Reset, then Play.")
