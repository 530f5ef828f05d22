"""The data sets' titles, descriptions, option tooltips and choice labels reach the panels
through translate() (keyed by set and option), the data layer's English only as a fallback."""

from __future__ import annotations

import pytest

from nnstudio.data import dataset_info, list_datasets, list_downloads
from nnstudio.ui import dataset_texts
from language_fixtures import japanese  # noqa: F401 - fixture

ALL = list_datasets() + list_downloads()


@pytest.fixture(autouse=True)
def app(qapp):
    return qapp


def test_every_set_option_and_choice_has_its_own_text():
    titles, descriptions = dataset_texts.dataset_titles(), dataset_texts.dataset_descriptions()
    assert {d.name for d in ALL} <= set(titles) and {d.name for d in ALL} <= set(descriptions)
    table, labels = dataset_texts.option_descriptions(), dataset_texts.choice_labels()
    for info in ALL:
        for spec in info.options:
            assert f"{info.name}:{spec.name}" in table or spec.name in table, (info.name, spec.name)
            if spec.kind == "choice":
                assert set(spec.choices) <= set(labels[spec.name]), spec.name


def test_set_specific_tooltips_and_the_english_fallback():
    digits, mnist = dataset_info("digits"), dataset_info("mnist")
    flatten = {s.name: s for s in digits.options}["flatten"]
    assert dataset_texts.option_description("digits", flatten).startswith("on: vectors of 64")
    flatten = {s.name: s for s in mnist.options}["flatten"]
    assert dataset_texts.option_description("mnist", flatten).startswith("on: each image is a vector")

    class Unknown:
        name, kind, title, description = "brand_new", "int", "Brand new", "a set added later"
    assert dataset_texts.option_description("mnist", Unknown) == "a set added later"
    assert dataset_texts.dataset_title(Unknown) == "Brand new"
    assert dataset_texts.dataset_description(Unknown) == "a set added later"


def panel_for(name, qtbot):
    from nnstudio.project.document import ProjectDocument
    from nnstudio.project.model import default_project
    from nnstudio.ui.commands import Editor
    from nnstudio.ui.panels import DatasetPanel
    doc = ProjectDocument(default_project())
    doc.set_section("dataset", {"name": name})
    panel = DatasetPanel(doc, Editor(doc), ALL)
    qtbot.addWidget(panel)
    return panel


def test_the_panel_shows_the_translated_texts(japanese, qtbot):
    panel = panel_for("csv", qtbot)
    assert panel.choice.currentText() == "自分のCSVファイル"
    assert panel.summary.text().startswith("数値の表")
    task = panel.editors["task"].combo
    assert [task.itemText(i) for i in range(task.count())] == ["分類", "回帰"]
    assert [task.itemData(i) for i in range(task.count())] == ["classification", "regression"]   # values kept
    assert panel.editors["path"].toolTip().startswith("CSVファイル")
    normalize = panel.editors["normalize"].combo
    assert normalize.itemText(0) == "なし" and normalize.itemData(2) == "standardize"


def test_in_english_the_panel_reads_as_before(qtbot):
    panel = panel_for("csv", qtbot)
    assert panel.choice.currentText() == "Your CSV file"
    delimiter = panel.editors["delimiter"].combo
    assert [delimiter.itemText(i) for i in range(delimiter.count())] == [
        "auto", ", (comma)", "; (semicolon)", "tab", "| (bar)", "space"]
    assert panel.editors["label"].toolTip().startswith("the label column: its name")
