"""The engine's plain-text formulas as Qt rich text a learner can read like the book.

The engine writes formulas in Unicode ("∂E/∂W = xᵀ·δ", "Σₙ δₙ", "e⁻ᵘ", "W_col"); here the
sub- and superscript characters become real <sub>/<sup> runs, "_name" becomes a subscript,
single-letter variables are set in italics (as in printed math) and Greek letters stay as
they are. The result is HTML for a QLabel with Qt.RichText.
"""

from __future__ import annotations

import html
import re

SUPERSCRIPTS = {"ᵀ": "T", "⁻": "−", "ᵘ": "u", "ᵗ": "t", "²": "2", "³": "3", "¹": "1", "⁰": "0",
                "ⁿ": "n", "ᵏ": "k", "ⁱ": "i", "ʲ": "j", "⁺": "+"}
SUBSCRIPTS = {"₀": "0", "₁": "1", "₂": "2", "₃": "3", "₄": "4", "ₙ": "n", "ₖ": "k", "ᵢ": "i",
              "ⱼ": "j", "ₘ": "m", "ₓ": "x"}

# a lone Latin letter (optionally with a combining hat or bar): a variable, set in italics
_VARIABLE = re.compile(r"(?<![A-Za-z0-9_.])([A-Za-z][\u0302\u0304\u0305]?)(?![A-Za-z0-9(])")
_UNDERSCORE = re.compile(r"_([A-Za-z0-9]+)")


def _runs(text: str, table: dict[str, str], tag: str) -> str:
    out: list[str] = []
    run: list[str] = []
    for ch in text + "\0":
        if ch in table:
            run.append(table[ch])
            continue
        if run:
            out.append(f"<{tag}>{''.join(run)}</{tag}>")
            run = []
        if ch != "\0":
            out.append(ch)
    return "".join(out)


def _italic_variables(line: str) -> str:
    return _VARIABLE.sub(lambda m: f"<i>{m.group(1)}</i>", line)


def to_rich_text(formula: str) -> str:
    """HTML for one formula; lines stay lines."""
    lines = []
    for line in formula.split("\n"):
        line = html.escape(line, quote=False)
        line = _italic_variables(line)
        line = _UNDERSCORE.sub(lambda m: f"<sub>{m.group(1)}</sub>", line)
        line = _runs(line, SUPERSCRIPTS, "sup")
        line = _runs(line, SUBSCRIPTS, "sub")
        lines.append(line.replace("  ", "&nbsp;&nbsp;&nbsp;"))
    return "<br>".join(lines)
