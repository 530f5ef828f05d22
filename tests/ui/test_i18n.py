"""The translation pipeline: lupdate → resources/i18n/nnstudio_ja.ts (kept up to date) →
.qm compiled at run time → the interface and the error sentences in Japanese."""

from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication

from nnstudio.ui import translation
from nnstudio.ui.dataset_texts import dataset_title
from nnstudio.ui.window_actions import icon_text
from nnstudio.ui.translation import install_translation, requested_languages
from window_fixtures import make_window  # noqa: F401 - fixture

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "resources" / "i18n" / "nnstudio_ja.ts"


def ts_texts(path: Path) -> set[tuple[str, str]]:
    """(context, source) of the current (not vanished / obsolete) messages of a .ts file."""
    found = set()
    for context in ET.parse(path).getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            kind = message.find("translation").get("type")
            if kind not in ("vanished", "obsolete"):
                found.add((name, message.findtext("source")))
    return found


@pytest.fixture
def english_after(qapp):
    yield qapp
    install_translation(qapp, "en")
    assert QCoreApplication.translate("MainWindow", "&File") == "&File"


def test_committed_translation_source_is_up_to_date(tmp_path):
    run = subprocess.run(["bash", str(ROOT / "scripts" / "update_translations.sh"), "--out", str(tmp_path), "ja"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    fresh, committed = ts_texts(tmp_path / "nnstudio_ja.ts"), ts_texts(COMMITTED)
    assert len(fresh) >= len(committed) > 600        # 333 before the _tr helpers became visible
    assert fresh == committed, ("run scripts/update_translations.sh and commit resources/i18n: "
                                f"new {sorted(fresh - committed)[:5]}, gone {sorted(committed - fresh)[:5]}")
    # the helpers' texts are there, e.g. the menus and the plain error sentences
    assert ("", "&File") in fresh and ("messages", "the number of units") in fresh


def test_japanese_menus_and_error_sentences(english_after):
    assert install_translation(english_after, "ja") == "ja"
    from nnstudio.ui import labels, window_actions
    assert window_actions._tr("&File") == "ファイル(&F)"        # a helper of context "MainWindow"
    assert labels.layer_type_titles()["dense"] == "全結合"
    from nnstudio.engine.spec import NetworkSpec
    from nnstudio.ui.messages import describe_error
    with pytest.raises(Exception) as info:
        NetworkSpec.from_dict({"input_shape": [4], "layers": [
            {"type": "dense", "units": 0}, {"type": "dense", "units": 3, "activation": "softmax"}]})
    assert describe_error(info.value) == "レイヤー1（全結合）：ユニット数は1以上にしてください（入力値：0）。"
    assert QCoreApplication.translate("MainWindow", "&Quit") == "終了(&Q)"
    # a text without a translation stays as written
    assert QCoreApplication.translate("MainWindow", "a text nobody translated") == "a text nobody translated"


def test_the_window_menus_follow_the_language(english_after, make_window):
    install_translation(english_after, "ja")
    w = make_window(wait_for_run=False)
    titles = [a.text() for a in w.menuBar().actions()]
    assert titles[:2] == ["ファイル(&F)", "編集(&E)"] and "ヘルプ(&H)" in titles
    # toolbar buttons carry no mnemonic: "再生", not "再生(P)"
    buttons = [a.iconText() for a in w.toolbar.actions() if a.text()]
    assert buttons[0] == icon_text(w.actions_by_name["play"].text()) and "(" not in "".join(buttons[:5])
    assert all("&" not in b for b in buttons[:5])
    # the about box names the data sets as the data-set panel does
    from nnstudio.data import list_datasets
    from nnstudio.ui.about import about_text
    text = about_text(list_datasets())
    assert "MNIST handwritten digits" not in text and dataset_title(next(
        d for d in list_datasets() if d.name == "mnist")) in text


def test_icon_text_drops_the_mnemonic():
    assert icon_text("&Play") == "Play"
    assert icon_text("再生(&P)") == "再生"
    assert icon_text("Step &Epoch") == "Step Epoch"
    assert icon_text("Save && Quit") == "Save & Quit"


def test_language_choice(monkeypatch):
    monkeypatch.setenv("NNSTUDIO_LANG", "ja_JP.UTF-8")
    assert requested_languages() == ["ja_JP", "ja"]
    assert requested_languages("en") == []                   # --lang beats the environment
    assert requested_languages("de-AT") == ["de_AT", "de"]
    monkeypatch.setenv("NNSTUDIO_LANG", "C")
    assert requested_languages() == []


def test_a_language_without_translation_keeps_english(english_after):
    assert install_translation(english_after, "xx") is None
    assert QCoreApplication.translate("MainWindow", "&File") == "&File"


TS = """<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="eo">
<context><name>MainWindow</name>
<message><source>&amp;Help</source><translation>%s</translation></message>
</context>
</TS>
"""


def test_an_edited_translation_is_compiled_again(english_after, tmp_path, monkeypatch):
    monkeypatch.setattr(translation, "i18n_dir", lambda: tmp_path)
    ts = tmp_path / "nnstudio_eo.ts"
    ts.write_text(TS % "&amp;Helpo", encoding="utf-8")
    assert install_translation(english_after, "eo") == "eo"
    assert QCoreApplication.translate("MainWindow", "&Help") == "&Helpo"
    first = translation.compiled_translation("eo")
    ts.write_text(TS % "&amp;Helpu", encoding="utf-8")          # a translator saved a change
    install_translation(english_after, "eo")
    assert QCoreApplication.translate("MainWindow", "&Help") == "&Helpu"
    assert translation.compiled_translation("eo") != first and first.is_file()
    assert not list(first.parent.glob("*.part.qm"))              # no half-written files left
    monkeypatch.setattr(translation, "lrelease_program", lambda: None)
    ts.write_text(TS % "&amp;Helpi", encoding="utf-8")
    assert install_translation(english_after, "eo") is None       # nothing to compile with: English
    assert QCoreApplication.translate("MainWindow", "&Help") == "&Help"


def test_every_data_set_option_has_a_translatable_title():
    from nnstudio.data import list_datasets
    from nnstudio.ui.labels import dataset_option_titles
    names = {o.name for d in list_datasets() for o in d.options}
    assert names <= set(dataset_option_titles()), names - set(dataset_option_titles())


def test_cli_lang_option(monkeypatch):
    from nnstudio.cli import gui_parser
    assert gui_parser().parse_args(["--lang", "ja"]).lang == "ja"


def test_a_shipped_qm_serves_when_nothing_can_compile(english_after, tmp_path, monkeypatch):
    monkeypatch.setattr(translation, "i18n_dir", lambda: tmp_path)
    ts = tmp_path / "nnstudio_eo.ts"
    ts.write_text(TS % "&amp;Helpo", encoding="utf-8")
    subprocess.run([translation.lrelease_program(), "-silent", str(ts), "-qm", str(ts.with_suffix(".qm"))],
                   check=True)
    assert translation.compiled_translation("eo") == ts.with_suffix(".qm")     # as new as its .ts
    ts.write_text(TS % "&amp;Helpu", encoding="utf-8")
    import os
    os.utime(ts, (ts.stat().st_mtime + 10,) * 2)         # a bundle's copy may leave the .ts newer
    monkeypatch.setattr(translation, "lrelease_program", lambda: None)
    assert install_translation(english_after, "eo") == "eo"
    assert QCoreApplication.translate("MainWindow", "&Help") == "&Helpo"


def test_without_a_cache_or_readable_ts_the_shipped_qm_serves(english_after, tmp_path, monkeypatch):
    """No user cache (NNSTUDIO_CACHE_DIR=""): nothing is compiled into a shared folder; a frozen
    bundle trusts its own .qm whatever the file times; an unreadable .ts falls back, no crash."""
    import os
    monkeypatch.setattr(translation, "i18n_dir", lambda: tmp_path)
    ts = tmp_path / "nnstudio_eo.ts"
    ts.write_text(TS % "&amp;Helpo", encoding="utf-8")
    qm = ts.with_suffix(".qm")
    subprocess.run([translation.lrelease_program(), "-silent", str(ts), "-qm", str(qm)], check=True)
    os.utime(ts, (qm.stat().st_mtime + 10,) * 2)                  # the .ts looks newer
    monkeypatch.setenv("NNSTUDIO_CACHE_DIR", "")
    compiled = []
    monkeypatch.setattr(translation, "_compile", lambda *a: compiled.append(a) or False)
    assert translation.compiled_translation("eo") == qm and not compiled
    monkeypatch.setattr(translation.sys, "frozen", True, raising=False)
    monkeypatch.setenv("NNSTUDIO_CACHE_DIR", str(tmp_path / "cache"))
    assert translation.compiled_translation("eo") == qm and not compiled
    monkeypatch.delattr(translation.sys, "frozen")
    monkeypatch.setattr(type(ts), "read_bytes", lambda self: (_ for _ in ()).throw(PermissionError(self)))
    assert translation.compiled_translation("eo") == qm and not compiled


def test_a_language_asked_for_but_missing_is_named_on_stderr(english_after, capsys):
    from nnstudio.ui.app import _application
    _application("xx")
    assert capsys.readouterr().err == ("nnstudio: no translation for 'xx' (available: en, ja); "
                                       "the interface stays in English\n")
    _application("ja")
    assert capsys.readouterr().err == ""
    assert QCoreApplication.translate("MainWindow", "&Edit") == "編集(&E)"
    _application("en")
    assert capsys.readouterr().err == ""


def test_no_resources_folder_means_english(english_after, monkeypatch):
    import nnstudio.resources as resources

    def missing(*parts):
        raise FileNotFoundError("nnstudio's resources folder was not found")
    monkeypatch.setattr(resources, "resource_path", missing)
    assert translation.available_languages() == []
    assert install_translation(english_after, "ja") is None


# %(name)s, %s, %1 and str.format's {0}, {name} and {0:.3g}
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sdifr]|%%|%[sdifrn]|%\d+|\{\w*(?::[^{}]*)?\}")


def test_every_translation_keeps_the_placeholders_of_its_source():
    """A translation that drops or misspells %(name)s / %s / {0} / {name} would fail or show
    raw text when the program fills it in (a named {name} was not checked)."""
    checked = 0
    for context in ET.parse(COMMITTED).getroot().iter("context"):
        for message in context.iter("message"):
            text = message.findtext("translation")
            if text:
                source = message.findtext("source")
                assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(source)), (source, text)
                checked += 1
    assert checked >= 70          # the menus and the error sentences of messages.py


def test_the_placeholder_check_catches_a_broken_translation():
    assert sorted(PLACEHOLDER.findall("%(setting)sは%(minimum)s以上")) != \
        sorted(PLACEHOLDER.findall("%(setting)s must be at least %(minimum)s — you entered %(value)s."))
    assert sorted(PLACEHOLDER.findall("列 {colum}：「{value}」")) != \
        sorted(PLACEHOLDER.findall("column {column}: “{value}” is not a number"))
    assert PLACEHOLDER.findall("{0:.3g} of {1}") == ["{0:.3g}", "{1}"]


def _mnemonic(text: str) -> str | None:
    match = re.search(r"&([^&])", text.replace("&&", ""))
    return match.group(1).lower() if match else None


@pytest.mark.parametrize("language", ["en", "ja"])
def test_no_two_entries_of_a_menu_share_a_mnemonic(english_after, make_window, language):
    """Alt+R in the Edit menu was both Redo and Move Layer Right (やり直す(&R), 右へ移動(&R))."""
    install_translation(english_after, language)
    w = make_window(wait_for_run=False)
    for menu_action in w.menuBar().actions():
        keys = [(_mnemonic(a.text()), a.text()) for a in menu_action.menu().actions()
                if not a.isSeparator() and a.isVisible()]
        letters = [k for k, _ in keys if k]
        assert len(letters) == len(set(letters)), (menu_action.text(), keys)


def test_file_reasons_are_in_the_learners_language(english_after, tmp_path):
    """A cut-off project file said 「理由：the JSON ends too early (truncated file?)」 in the
    Japanese window: the file layer now names its reasons by code, the UI words them."""
    from nnstudio.project.errors import FileFormatError
    from nnstudio.project.files import load_project, save_project
    from nnstudio.project.model import default_project
    from nnstudio.ui.file_messages import file_error_text, file_reasons
    cut = tmp_path / "cut.json"
    cut.write_text('{"format": "nnstudio-project", "version": 1, "netw')
    with pytest.raises(FileFormatError) as truncated:
        load_project(cut)
    with pytest.raises(FileFormatError) as no_folder:
        save_project(default_project(), tmp_path / "gone" / "x.json")
    assert truncated.value.code == "json_truncated" and no_folder.value.code == "no_folder"
    english = file_error_text(truncated.value)
    assert "the JSON ends too early" in english
    # a save into a missing folder: not "“x.json” does not exist" (the file is yet to be written)
    assert file_error_text(no_folder.value).startswith("The folder for “x.json” does not exist.")
    install_translation(english_after, "ja")
    for err in (truncated.value, no_folder.value):
        text = file_error_text(err)
        why = next(line for line in text.splitlines() if line.startswith("理由"))
        assert not re.search(r"[a-z]{4,}", why.replace(str(tmp_path / "gone"), "")), why     # (JSON may stay)
    # every coded reason has its sentence, and each fills from the parameters its code carries
    assert set(file_reasons()) >= {"json_truncated", "no_folder", "os_write", "newer_version"}


def test_common_json_mistakes_are_worded_for_the_learner(english_after, tmp_path):
    from nnstudio.project.errors import FileFormatError
    from nnstudio.project.files import load_project
    from nnstudio.ui.file_messages import file_error_text
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "nnstudio-project" "version": 1}')
    with pytest.raises(FileFormatError) as info:
        load_project(bad)
    assert "a comma is missing" in file_error_text(info.value)
    install_translation(english_after, "ja")
    assert "Expecting" not in file_error_text(info.value)


def _raised_file_codes() -> set[str]:
    """Every reason code the file layer gives a FileFormatError: the literal ``code=`` of each
    raise (either branch of a conditional too), the literals assigned to ``code`` or returned
    in a tuple for one (snake_case), and the tables that name codes (the os_… ones, load_npz's,
    the per-file-kind ones)."""
    import ast
    from nnstudio.project import errors as E
    from nnstudio.project import files

    def literals(node) -> set[str]:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return {node.value}
        if isinstance(node, ast.IfExp):
            return literals(node.body) | literals(node.orelse)
        return set()
    found: set[str] = set()
    for name in ("files.py", "history.py", "recovery.py"):
        tree = ast.parse((ROOT / "nnstudio" / "project" / name).read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                for kw in node.keywords:
                    if kw.arg == "code":
                        found |= literals(kw.value)
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name) and target.id == "code":
                        found |= literals(node.value)
                    elif isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                        for t, v in zip(target.elts, node.value.elts):
                            if isinstance(t, ast.Name) and t.id == "code":
                                found |= literals(v)
            elif isinstance(node, ast.Return) and isinstance(node.value, ast.Tuple):
                found |= {text for v in node.value.elts for text in literals(v)
                          if re.fullmatch(r"[a-z]+(_[a-z0-9]+)+", text)}
    found |= {"os_" + code for code in E.DOINGS.values()}
    found |= {code for _, code in files._ARRAY_ERRORS.values()}
    found |= {code for pair in files._FILE_NOUN_CODES.values() for code in pair}
    return found


def test_every_reason_of_the_file_layer_has_a_sentence_in_each_language(english_after):
    """A code without a sentence shows the English reason in every language: each code the
    project layer raises for project, weights, run-history and recovery files is in
    file_reasons(), and the Japanese one is translated with the same {names}."""
    from nnstudio.ui.file_messages import file_reasons
    from nnstudio.ui.os_words import os_problems
    codes = _raised_file_codes()
    assert len(codes) > 40 and {"npz_damaged", "csv_not_number", "not_recovery_file", "os_read", "text_nul"} <= codes
    english = {**file_reasons(), **os_problems()}
    assert codes <= set(file_reasons()), sorted(codes - set(file_reasons()))
    install_translation(english_after, "ja")
    japanese = {**file_reasons(), **os_problems()}
    for code, text in english.items():
        assert japanese[code] != text, f"{code} is not translated: {text}"
        assert sorted(re.findall(r"\{\w*\}", japanese[code])) == sorted(re.findall(r"\{\w*\}", text)), code


def test_an_export_folders_refusal_is_worded_in_the_learners_language(english_after, tmp_path, monkeypatch):
    """The export folder's and a plot file's refusals said "permission denied" in a Japanese window."""
    import tempfile
    from nnstudio.ui import export
    from nnstudio.ui.export import ExportError
    from nnstudio.ui.export_views import prepare_folder
    from nnstudio.ui.os_words import os_problems

    def refuse(*a, **kw):
        raise PermissionError(13, "Permission denied")

    install_translation(english_after, "ja")
    monkeypatch.setattr(tempfile, "TemporaryFile", refuse)
    with pytest.raises(ExportError) as folder:
        prepare_folder(tmp_path)
    monkeypatch.setattr(export, "atomic_write_bytes", refuse)
    with pytest.raises(ExportError) as file:
        export.write_bytes(tmp_path / "Loss.png", b"png")
    denied = os_problems()["EACCES"]
    assert denied != "permission denied"
    for err in (folder.value, file.value):
        assert denied in err.reason and "Permission" not in err.reason and "permission" not in err.reason
    # a refusal without words of its own keeps the system's
    assert export.os_refusal(OSError(5000, "Strange refusal")) == "strange refusal"
