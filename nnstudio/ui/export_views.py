"""Export every view of the current run into one folder, for a report.

    report = export_all(views, "report/", project, history)

writes, per view, ``<title>.png`` / ``.svg`` / ``.csv`` (one set per export target, numbered
when a view has several; no CSV where a target has no tabular data), plus ``metrics.csv``
(and ``iterations.csv``) from the run history and ``project.json``, whose relative data
paths are rewritten to name the same files from the export folder. Every file is written
atomically. A view that cannot be rendered is skipped and named in the report; a folder that
cannot be written raises :class:`~nnstudio.ui.export.ExportError`.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from nnstudio.data import with_paths_moved
from nnstudio.project.errors import FileFormatError
from nnstudio.project.files import save_project
from nnstudio.project.history import ITERATIONS_FILE, METRICS_FILE, RunHistory, save_history, write_metrics
from nnstudio.project.model import Project

from .export import (TARGET, WRITE, ExportError, export_csv, export_png, export_svg, has_table, source_size,
                     targets_of, translate)
from .file_messages import file_reason
from .os_words import os_refusal

PROJECT_FILE = "project.json"


@dataclass
class ExportReport:
    """What export_all wrote, and what it skipped with the reason."""

    folder: Path
    written: list[Path] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    empty: list[str] = field(default_factory=list)    # views with nothing to show for this network


def file_stem(title: str) -> str:
    """A file name from a view title: letters (any script), digits, '-' and '_' only."""
    stem = re.sub(r"[^\w\-]+", "_", title.strip(), flags=re.UNICODE).strip("_")
    return stem or "view"


def _title(view, index: int) -> str:
    fn = getattr(view, "title", None)
    text = fn() if callable(fn) else ""
    return text or f"view{index + 1}"


def prepare_folder(folder: os.PathLike | str) -> Path:
    """Create the output folder (and its parents); ExportError when it cannot be."""
    out = Path(folder)
    if out.exists() and not out.is_dir():
        raise ExportError(out, translate("Export", "is a file, not a folder"), kind=TARGET)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ExportError(out, translate("Export", "cannot create the folder: {0}").format(os_refusal(err)),
                          kind=WRITE) from None
    try:                     # a folder that refuses files says so now, not after training
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as err:
        raise ExportError(out, translate("Export", "cannot write into the folder: {0}").format(os_refusal(err)),
                          kind=WRITE) from None
    return out


def export_all(views: Sequence, folder: os.PathLike | str, project: Project | None,
               history: RunHistory | None, *, data_dir: os.PathLike | str | None = None,
               scale: float = 2.0, dpi: float = 192.0,
               present: Callable[[object], None] | None = None) -> ExportReport:
    """Write every view's PNG (``scale`` × its on-screen size, ``dpi``), SVG and CSV into
    ``folder`` (created if missing), then metrics.csv and the project file. ``data_dir`` is
    the folder the project's relative data paths start from (its file's folder; None: the
    working folder, as for a project never saved). ``present(view)`` runs before each view's
    files: a window brings the view to the front and up to date (a tab behind another has no
    size of its own and draws nothing)."""
    out = prepare_folder(folder)
    report = ExportReport(out)
    used: set[str] = set()
    for i, view in enumerate(views):
        if present is not None:
            present(view)
        title = _title(view, i)
        # English names in any UI language: a course's scripts find Loss.png in every report
        stem = _unique(file_stem(getattr(view, "EXPORT_NAME", "") or title), used)
        targets = targets_of(view)
        if not targets:
            report.empty.append(title)
            continue
        for k, target in enumerate(targets):
            name = stem if len(targets) == 1 else f"{stem}-{k + 1}"
            _export_target(view, target, out, name, title, scale, dpi, report)
    if project is not None:
        project = project.with_(dataset=with_paths_moved(project.dataset, data_dir, out))
    _write_run_files(out, project, history, report)
    return report


def _unique(stem: str, used: set[str]) -> str:
    name, n = stem, 2
    while name.lower() in used:
        name = f"{stem}-{n}"
        n += 1
    used.add(name.lower())
    return name


def _export_target(view, target, out: Path, name: str, title: str, scale: float, dpi: float,
                   report: ExportReport) -> None:
    size = source_size(target)
    width, height = max(1, round(size.width() * scale)), max(1, round(size.height() * scale))
    jobs = [(".png", lambda p: export_png(target, p, width, height, dpi)),
            (".svg", lambda p: export_svg(target, p))]
    if has_table(target, view):
        jobs.append((".csv", lambda p: export_csv(target, p, view)))
    for suffix, job in jobs:
        path = out / (name + suffix)
        try:
            job(path)
        except ExportError as err:
            if err.kind == WRITE:      # the folder refuses writes: stop, do not skip
                raise
            report.skipped.append((f"{title} ({suffix[1:].upper()})", err.reason))
        else:
            report.written.append(path)


def _write_run_files(out: Path, project: Project | None, history: RunHistory | None,
                     report: ExportReport) -> None:
    try:
        if history is not None:
            save_history(history, out)
            report.written.extend([out / METRICS_FILE, out / ITERATIONS_FILE])
        else:
            write_metrics(out / METRICS_FILE, [])
            report.written.append(out / METRICS_FILE)
        if project is not None:
            save_project(project, out / PROJECT_FILE)
            report.written.append(out / PROJECT_FILE)
    except FileFormatError as err:      # ExportError's reason is the learner's sentence, not the English one
        raise ExportError(err.path, file_reason(err), kind=WRITE) from None


__all__ = ["ExportReport", "export_all", "file_stem", "PROJECT_FILE"]
