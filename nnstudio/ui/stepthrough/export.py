"""Export of a step: the trace .npz of DESIGN.md and a PNG of what is on screen, both
written atomically (a crash never leaves half a file)."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from pathlib import Path

from nnstudio.engine.io import atomic_write_bytes
from nnstudio.engine.trace import Trace, save_trace
from nnstudio.project.errors import FileFormatError
from nnstudio.project.files import guarded_write
from nnstudio.ui.export import png_of


def export_trace(trace: Trace, path: str) -> None:
    """FileFormatError (with its code for the window's sentence) when it cannot be written."""
    guarded_write(Path(path), lambda: save_trace(trace, path), FileFormatError)


def png_bytes(widget: QWidget) -> bytes:
    data = png_of(widget.grab().toImage())
    if data is None:
        raise OSError("could not encode the view as PNG")
    return data


def export_png(widget: QWidget, path: str) -> None:
    data = png_bytes(widget)
    guarded_write(Path(path), lambda: atomic_write_bytes(path, lambda f: f.write(data)), FileFormatError)
