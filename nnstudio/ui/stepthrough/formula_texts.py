"""The step-through's formulas with their words in the interface language.

The engine records each operation's formula as plain text (``TraceEvent.formula``), mostly
symbols, some with a few English words ("z = max over each k×k window"). Those formulas are
spelled out once more here inside ``translate()`` so that lupdate extracts them, keyed by the
engine's exact text; a formula not listed (only symbols, or one the engine adds later) is shown
as the engine wrote it. tests/ui/test_formula_texts.py runs the engine's layers, activations,
losses and regularization and checks that every formula with words is listed here.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication


def _tr(text: str) -> str:
    return QCoreApplication.translate("FormulaTexts", text)


def formula_texts() -> dict[str, str]:
    """The engine's formulas with words → their text in the interface language."""
    return {
        "x: a batch of samples, one per row": _tr("x: a batch of samples, one per row"),
        "E += ½λ Σ W² + λ₁ Σ |W|  (weights only, not biases)":
            _tr("E += ½λ Σ W² + λ₁ Σ |W|  (weights only, not biases)"),
        "z = 1 if u > 0 else 0": _tr("z = 1 if u > 0 else 0"),
        "z = u if u > 0 else 0.01·u": _tr("z = u if u > 0 else 0.01·u"),
        "δ = ∂E/∂z ⊙ f′(u),  f′(u) = 0 (for u ≠ 0)": _tr("δ = ∂E/∂z ⊙ f′(u),  f′(u) = 0 (for u ≠ 0)"),
        "δ = ∂E/∂z ⊙ f′(u),  f′(u) = 1 if u > 0 else 0": _tr("δ = ∂E/∂z ⊙ f′(u),  f′(u) = 1 if u > 0 else 0"),
        "δ = ∂E/∂z ⊙ f′(u),  f′(u) = 1 if u > 0 else 0.01": _tr("δ = ∂E/∂z ⊙ f′(u),  f′(u) = 1 if u > 0 else 0.01"),
        "μ = mean(x), σ² = var(x) over the batch;  x̂ = (x − μ)/√(σ² + ε);  u = γ·x̂ + β":
            _tr("μ = mean(x), σ² = var(x) over the batch;  x̂ = (x − μ)/√(σ² + ε);  u = γ·x̂ + β"),
        "z = x reshaped to (N, C·H·W)": _tr("z = x reshaped to (N, C·H·W)"),
        "∂E/∂x = ∂E/∂z reshaped to x's shape": _tr("∂E/∂x = ∂E/∂z reshaped to x's shape"),
        "col = im2col(x)  (one row per window, C·kh·kw columns)":
            _tr("col = im2col(x)  (one row per window, C·kh·kw columns)"),
        "u = col·W_colᵀ + b  (reshaped to N×F×OH×OW)": _tr("u = col·W_colᵀ + b  (reshaped to N×F×OH×OW)"),
        "∂E/∂x = col2im(∂E/∂col)  (overlapping windows add up)":
            _tr("∂E/∂x = col2im(∂E/∂col)  (overlapping windows add up)"),
        "z = max over each k×k window": _tr("z = max over each k×k window"),
        "z = mean over each k×k window": _tr("z = mean over each k×k window"),
        "∂E/∂x = ∂E/∂z at each window's maximum, 0 elsewhere":
            _tr("∂E/∂x = ∂E/∂z at each window's maximum, 0 elsewhere"),
        "∂E/∂x = ∂E/∂z / k² spread over each window": _tr("∂E/∂x = ∂E/∂z / k² spread over each window"),
    }


def formula_text(formula: str) -> str:
    """``formula`` in the interface language (the engine's text when it has no entry). Looked
    up afresh each time (17 lookups, once per operation shown), so a language switched while
    the studio runs shows at the next operation."""
    return formula_texts().get(formula, formula)
