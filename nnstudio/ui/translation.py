"""Loading the interface language: ``install_translation(app, lang)``.

The texts come from ``resources/i18n/nnstudio_<lang>.ts`` (made by
``scripts/update_translations.sh`` with pyside6-lupdate, filled in by translators with Qt
Linguist). Qt reads only the compiled ``.qm`` form; it is taken, in this order, from

1. ``resources/i18n/nnstudio_<lang>.qm`` when it is at least as new as the .ts (compiled by
   ``packaging/build.sh``: the desktop bundle ships it, having no lrelease);
2. the user's cache folder (``<cache>/i18n/nnstudio_<lang>-<hash of the .ts>.qm``), compiled
   there with pyside6-lrelease the first time a .ts is used (again after every change);
3. an older ``resources/i18n/nnstudio_<lang>.qm`` when nothing can compile.

The language is the ``lang`` argument (``nnstudio --lang ja``), else the environment
variable ``NNSTUDIO_LANG``, else the system's UI languages; ``en`` (or ``C``) means the
original English texts. A missing translation is never an error: the texts stay English.

Contexts: a module-level helper ``_tr("text")`` is a tr() spelling lupdate recognises
(``-tr-function-alias tr+=_tr``), but lupdate files such calls under the unnamed context
``""`` while the helpers translate in a named one ("MainWindow", "labels", ...).
:class:`StudioTranslator` therefore looks a text up in its own context first, then in the
unnamed one.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator

LANG_ENV = "NNSTUDIO_LANG"
ENGLISH = ("en", "c", "posix")
_installed: list[QTranslator] = []


class StudioTranslator(QTranslator):
    """A QTranslator that falls back to the unnamed context of the modules' _tr() texts."""

    def translate(self, context, source_text, disambiguation=None, n=-1):
        text = super().translate(context, source_text, disambiguation, n)
        if not text and context:
            text = super().translate("", source_text, disambiguation, n)
        return text or None     # None (a null string): Qt keeps the source text


def i18n_dir() -> Path | None:
    """``resources/i18n``; None when the resources folder itself is missing."""
    from nnstudio.resources import resource_path
    try:
        return resource_path("i18n")
    except FileNotFoundError:
        return None


def available_languages() -> list[str]:
    """Languages with a translation (.ts or .qm), e.g. ``["ja"]``."""
    folder = i18n_dir()
    if folder is None or not folder.is_dir():
        return []
    return sorted({p.stem.split("_", 1)[1] for p in folder.glob("nnstudio_*.*") if p.suffix in (".ts", ".qm")})


def requested_languages(lang: str | None = None) -> list[str]:
    """The languages to try, best first: ``lang``, else $NNSTUDIO_LANG, else the system's
    (``ja-JP`` gives ``ja_JP`` then ``ja``). Empty for English."""
    choice = lang or os.environ.get(LANG_ENV)
    names = [choice] if choice else QLocale.system().uiLanguages()
    out: list[str] = []
    for name in names:
        name = name.replace("-", "_").split(".", 1)[0]
        if name.lower() in ENGLISH or name.lower().startswith("en_"):
            break                                # English before any other: the source texts
        for candidate in (name, name.split("_", 1)[0]):
            if candidate and candidate not in out:
                out.append(candidate)
    return out


def lrelease_program() -> str | None:
    """pyside6-lrelease (or the lrelease inside the PySide6 package), None if absent."""
    import PySide6
    bundled = Path(PySide6.__file__).resolve().parent / ("lrelease.exe" if sys.platform == "win32" else "lrelease")
    if bundled.is_file():
        return str(bundled)
    return shutil.which("pyside6-lrelease") or shutil.which("lrelease")


def _cache_dir() -> Path | None:
    """Where compiled translations are kept; None when the user has no cache (or turned it
    off): then nothing is compiled into a shared folder another user could write to."""
    from nnstudio.data.paths import user_cache_dir
    base = user_cache_dir()
    return base / "i18n" if base is not None else None


def compiled_translation(lang: str) -> Path | None:
    """The .qm file for ``lang`` (compiling the .ts if needed), None when there is none."""
    folder = i18n_dir()
    if folder is None:
        return None
    ts = folder / f"nnstudio_{lang}.ts"
    shipped = ts.with_suffix(".qm")
    if not ts.is_file():
        return shipped if shipped.is_file() else None        # a bundle may ship only the .qm
    if shipped.is_file() and (getattr(sys, "frozen", False) or shipped.stat().st_mtime >= ts.stat().st_mtime):
        return shipped          # a bundle's file times say nothing: its .qm was built from its .ts
    fallback = shipped if shipped.is_file() else None         # an older compiled form beats none
    cache = _cache_dir()
    try:
        digest = hashlib.sha1(ts.read_bytes(), usedforsecurity=False).hexdigest()[:12]
    except OSError:
        return fallback
    if cache is None:
        return fallback
    cached = cache / f"nnstudio_{lang}-{digest}.qm"
    if cached.is_file() or _compile(ts, cached):
        return cached
    return fallback


def _compile(ts: Path, qm: Path) -> bool:
    """lrelease ``ts`` into ``qm`` (through a temporary name: never a half-written .qm)."""
    program = lrelease_program()
    if program is None:
        return False
    partial = qm.with_name(f"{qm.stem}.{os.getpid()}.part.qm")
    try:
        qm.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([program, "-silent", str(ts), "-qm", str(partial)], check=True,
                       capture_output=True, timeout=60)
        os.replace(partial, qm)
    except (OSError, subprocess.SubprocessError):
        partial.unlink(missing_ok=True)
        return False
    return True


def install_translation(app, lang: str | None = None) -> str | None:
    """Install the translators of the chosen language (and Qt's own, for the standard
    dialogs' buttons); remove any installed before. Returns the language used or None."""
    for translator in _installed:
        app.removeTranslator(translator)
    _installed.clear()
    for candidate in requested_languages(lang):
        qm = compiled_translation(candidate)
        if qm is None:
            continue
        studio = StudioTranslator(app)
        if not studio.load(str(qm)):
            continue
        app.installTranslator(studio)
        _installed.append(studio)
        qt = QTranslator(app)
        if qt.load(f"qtbase_{candidate}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
            app.installTranslator(qt)
            _installed.append(qt)
        return candidate
    return None
