"""The data and project errors as a learner meets them in the window: a project with a bad
data-set option, a CSV with a bad line, a project file with an unknown part — in English and
in Japanese. Screenshots are saved only where $NNSTUDIO_SHOTS points (see window_fixtures.shot)."""

from __future__ import annotations

import json
import os

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox

from nnstudio.ui.file_messages import show_message
from nnstudio.ui.translation import install_translation
from ui_helpers import small_project
from window_fixtures import make_window, shot  # noqa: F401 - fixture

CSV = "a,b,c,d,label\n1,2,3,4,x\n5,6,7,8,y\n1,2,oops,4,x\n5,6,7,8,y\n"


@pytest.fixture(params=["en", "ja"])
def language(request, qapp):
    if request.param == "ja":
        assert install_translation(qapp, "ja") == "ja"
    yield request.param
    install_translation(qapp, "en")


def refused(window, qtbot):
    qtbot.waitUntil(lambda: window.dataset_panel.error.text() != "", timeout=15000)
    QApplication.processEvents()
    assert not window.actions_by_name["play"].isEnabled()
    return window.dataset_panel.error.text()


def test_a_bad_data_set_option_is_explained_in_the_panel(make_window, qtbot, language):
    project = small_project().with_(dataset={"name": "iris", "test_ratio": 1.5})
    w = make_window(project, wait_for_run=False)
    text = refused(w, qtbot)
    if language == "en":
        assert text == ("The data set cannot be loaded: The option “test ratio” must be at least 0 and less than 1 "
                        "— the project has 1.5.")
    else:
        assert text == "データセットを読み込めません：オプション「テスト割合」は0以上1未満にしてください（プロジェクトの値：1.5）。"
    assert w.actions_by_name["play"].toolTip() == text
    w.dataset_panel.window().resize(1200, 800)
    shot(w, f"s3err_option_{language}")
    shot(w.dataset_panel, f"s3err_option_panel_{language}")


def test_a_csv_with_a_bad_line_names_file_line_and_column(make_window, qtbot, tmp_path, language):
    path = tmp_path / "flowers.csv"
    path.write_text(CSV, encoding="utf-8")
    w = make_window(small_project().with_(dataset={"name": "csv", "path": str(path)}), wait_for_run=False)
    text = refused(w, qtbot)
    if language == "en":
        assert text.endswith(f"{path}, line 4: column 2 ('c'): \"oops\" is not a number.")
    else:
        assert text == f"データセットを読み込めません：{path}、4行目：列 2 ('c')：\"oops\" は数値ではありません。"
    shot(w.dataset_panel, f"s3err_csv_panel_{language}")


def test_a_project_file_with_an_unknown_part_is_explained(make_window, qtbot, tmp_path, language):
    doc = small_project().to_dict()
    doc["netwrok"] = doc.pop("network")
    path = tmp_path / "typo.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    w = make_window(wait_for_run=False)
    errors = []
    w.files.show_error = lambda title, text: errors.append((title, text))
    assert not w.files.open(path)
    [(title, text)] = errors
    if language == "en":
        assert title == "Could not open the project"
        assert "Why: The project has an unknown part \"netwrok\" (a typing mistake?)" in text
    else:
        assert title == "プロジェクトを開けませんでした"
        assert "理由：プロジェクトに不明な項目 \"netwrok\" があります（入力ミスでは？）" in text
    assert f"{path}" in text
    seen = []
    original = QMessageBox.exec
    QMessageBox.exec = lambda box: seen.append(box.grab()) or 0     # the box as it would pop up, not modal
    try:
        show_message(w, QMessageBox.Icon.Warning, title, text)
    finally:
        QMessageBox.exec = original
    assert seen and not seen[0].isNull()
    folder = os.environ.get("NNSTUDIO_SHOTS")
    if folder:
        seen[0].save(os.path.join(folder, f"nnstudio-s3err_open_box_{language}.png"))


def test_a_mistyped_function_expression_names_its_position(make_window, qtbot, language):
    project = small_project(n_in=1, n_out=1).with_(dataset={"name": "function", "expression": "2 sin(x"})
    w = make_window(project, wait_for_run=False)
    text = refused(w, qtbot)
    if language == "en":
        assert text == ("The data set cannot be loaded: In the expression \"2 sin(x\" at position 7: the '(' at "
                        "position 5 is never closed.")
    else:
        assert text == "データセットを読み込めません：式 \"2 sin(x\" の位置 7：位置 5 の '(' が閉じられていません。"
    assert w.dataset_panel.editors["expression"].toolTip().startswith(
        "f(x) to learn" if language == "en" else "学習する f(x)")
    shot(w.dataset_panel, f"s3err_expression_panel_{language}")
