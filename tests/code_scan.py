"""The error codes the source raises, read from the source itself: every ``code="..."`` literal
passed to a call. The code-table tests of the engine, data and project layers compare these with
the codes each layer declares."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Callable, Iterable

NNSTUDIO = Path(__file__).resolve().parents[1] / "nnstudio"


def callee(call: ast.Call) -> str:
    """The called name: ``SpecError`` for ``SpecError(...)`` and ``errors.SpecError(...)``."""
    f = call.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""


def code_literals(paths: Iterable[Path], keep: Callable[[Path, ast.Call], bool] = lambda path, call: True) -> set[str]:
    """The string literals given as ``code=`` to the calls ``keep`` accepts in these files."""
    found = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and keep(path, node):
                for kw in node.keywords:
                    if kw.arg == "code" and isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str):
                        found.add(kw.value.value)
    return found
