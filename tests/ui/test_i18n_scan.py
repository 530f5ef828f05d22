"""Every user-visible string of the ui is extractable for translators.

pyside6-lupdate finds a text only as a literal inside a call it recognises (tr, _tr through
the alias in scripts/update_translations.sh, translate). This scan of nnstudio/ui's syntax
trees rejects (i) a literal with letters handed straight to a Qt text setter or widget
constructor, and (ii) a tr()/translate() call whose text is not a literal (lupdate cannot
see a variable or an f-string)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

UI = Path(__file__).resolve().parents[2] / "nnstudio" / "ui"

# methods whose string arguments a user reads
TEXT_METHODS = {
    "setText", "setToolTip", "setStatusTip", "setWindowTitle", "setPlaceholderText", "setTitle",
    "setWhatsThis", "setLabelText", "showMessage", "addMenu", "addAction", "setTabText", "addTab",
    "insertTab", "setItemText", "setSpecialValueText", "setInformativeText", "setDetailedText",
    "setHeaderLabels", "setHorizontalHeaderLabels", "setVerticalHeaderLabels", "setAccessibleName",
    "setButtonText", "setHtml", "setPlainText", "addRow", "addItem", "addItems", "insertItem",
    "setLabel", "TextItem", "LabelItem",        # pyqtgraph: axis labels, texts in a plot
}
# pyqtgraph items whose name= is their legend entry (their positional arguments are data)
PLOT_CALLS = {"plot", "PlotDataItem", "PlotCurveItem", "ScatterPlotItem", "BarGraphItem", "addLegendItem"}
AXES = {"left", "right", "top", "bottom"}       # pyqtgraph's setLabel("left", text): a position
# widgets / actions whose constructor takes their text
TEXT_CLASSES = {
    "QAction", "QLabel", "QPushButton", "QCheckBox", "QGroupBox", "QRadioButton", "QToolButton",
    "QMenu", "QDockWidget", "QCommandLinkButton", "QProgressDialog", "QMessageBox",
}
TEXT_KEYWORDS = {"text", "title", "tip", "toolTip", "statusTip", "label", "name"}   # name: a legend entry
MESSAGE_BOX = {"information", "warning", "critical", "question", "about"}
TR_NAMES = {"tr", "_tr", "translate", "QT_TR_NOOP", "QT_TRANSLATE_NOOP"}

# what is not a word for a reader: markup, placeholders, entities
_NOT_WORDS = re.compile(r"<[^>]*>|&[a-z]+;|%\([a-z_]+\)[sdifr]|%[sdifr]|%\d|\{[^}]*\}|\\[nt]")


def _has_words(text: str) -> bool:
    return bool(re.search(r"[A-Za-z]{2,}", _NOT_WORDS.sub(" ", text)))


def _literal_texts(node: ast.AST) -> list[str]:
    """The literal text pieces an argument expression shows as they are."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):      # an f-string, its {fields} as placeholders
        return ["".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)]
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mod, ast.Add)):
        return _literal_texts(node.left) + (_literal_texts(node.right) if isinstance(node.op, ast.Add) else [])
    if isinstance(node, ast.IfExp):
        return _literal_texts(node.body) + _literal_texts(node.orelse)
    return []


def _callee(node: ast.Call) -> tuple[str, str | None]:
    """(name, owner): ``QMessageBox.warning`` → ("warning", "QMessageBox"), ``f`` → ("f", None)."""
    f = node.func
    if isinstance(f, ast.Attribute):
        owner = f.value.id if isinstance(f.value, ast.Name) else None
        return f.attr, owner
    if isinstance(f, ast.Name):
        return f.id, None
    return "", None


def _tr_wrappers(tree: ast.AST) -> set[ast.AST]:
    """The bodies of helpers that forward a text to translate (def _tr(text), tr = lambda ...)."""
    bodies: set[ast.AST] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name in TR_NAMES:
            bodies.update(ast.walk(node))
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Lambda) and any(
                isinstance(t, ast.Name) and t.id in TR_NAMES for t in node.targets):
            bodies.update(ast.walk(node.value))
    return bodies


def scan_source(source: str, filename: str = "<source>") -> list[str]:
    """Problems in one module's source, each as 'file:line: what'."""
    tree = ast.parse(source, filename)
    wrappers = _tr_wrappers(tree)
    problems = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name, owner = _callee(node)
        where = f"{filename}:{node.lineno}"
        two_args = name in ("translate", "QT_TRANSLATE_NOOP")
        qt_call = not two_args or owner in (None, "QCoreApplication", "QApplication", "QGuiApplication")
        if name in TR_NAMES and node not in wrappers and qt_call and (len(node.args) >= 2 or not two_args):
            text_index = 1 if two_args else 0      # (str.translate / painter.translate: one argument)
            args = node.args
            if len(args) > text_index and not (isinstance(args[text_index], ast.Constant)
                                              and isinstance(args[text_index].value, str)):
                problems.append(f"{where}: {name}() of a non-literal text lupdate cannot extract")
            if two_args and not isinstance(args[0], ast.Constant):
                problems.append(f"{where}: {name}() with a non-literal context")
            continue
        shown = (name in TEXT_METHODS or (name in TEXT_CLASSES and owner is None)
                 or (owner == "QMessageBox" and name in MESSAGE_BOX) or name in PLOT_CALLS)
        if not shown:
            continue
        positional = [] if name in PLOT_CALLS else list(node.args)
        if name in ("addItem", "insertItem"):      # (index,) text, then the item's data: not shown
            positional = positional[1:2] if name == "insertItem" else positional[:1]
        for arg in positional + [k.value for k in node.keywords if k.arg in TEXT_KEYWORDS]:
            if isinstance(arg, (ast.List, ast.Tuple)):
                pieces = [t for e in arg.elts for t in _literal_texts(e)]
            else:
                pieces = _literal_texts(arg)
            for text in pieces:
                if _has_words(text) and not (name == "setLabel" and text in AXES):
                    problems.append(f"{where}: {text!r} reaches {name}() without tr()")
    return problems


def scan_ui() -> list[str]:
    problems = []
    for path in sorted(UI.rglob("*.py")):
        problems += scan_source(path.read_text(encoding="utf-8"), str(path.relative_to(UI.parents[1])))
    return problems


def test_every_visible_text_in_the_ui_goes_through_tr():
    problems = scan_ui()
    assert not problems, "texts translators never see:\n" + "\n".join(problems)


def test_the_scan_catches_untranslated_texts():
    bad = '''
from PySide6.QtWidgets import QLabel, QMessageBox
def build(self, w, name, n):
    QLabel("Learning rate")
    w.setToolTip("Lower it when the loss jumps")
    w.setText(f"Epoch {n} done")
    w.setWindowTitle("Export %s" % name)
    menu.addAction(icon, "Save As…")
    QMessageBox.warning(w, "Oops", self.tr("fine"))
    _tr(name)
    QCoreApplication.translate("Ctx", f"Hello {name}")
    combo.addItem("Raw pixels", "raw")
    plot.setLabel("left", "loss")
    plot.plot(x, y, name="each batch")
'''
    problems = scan_source(bad)
    for expected in ("'Learning rate'", "'Lower it", "'Epoch ", "'Export %s'", "'Save As…'", "'Oops'",
                     "_tr() of a non-literal", "translate() of a non-literal", "'Raw pixels'", "'loss'",
                     "'each batch'"):
        assert any(expected in p for p in problems), (expected, problems)
    assert len(problems) == 11, problems


def test_the_scan_accepts_translated_and_wordless_texts():
    good = '''
def _tr(text):
    return QCoreApplication.translate("MainWindow", text)
tr = lambda text: QCoreApplication.translate("View", text)
def build(self, w, n):
    QLabel(_tr("Learning rate"))
    w.setToolTip(self.tr("Lower it when the loss jumps"))
    w.setText(_tr("Epoch %s done") % n)
    w.setText("%s / %s" % (n, n))
    w.setText("<b>%(value)s</b>")
    w.setText("")
    QMessageBox.warning(w, tr("Oops"), QCoreApplication.translate("Ctx", "Cannot save"))
    w.setObjectName("learning_rate")
    combo.addItem(self.tr("Raw pixels"), "raw")
    plot.setLabel("left", self.tr("loss"))
'''
    assert scan_source(good) == []
