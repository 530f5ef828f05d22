"""The data-set panel's summary counts the samples training uses, not the set's listed sizes."""

from PySide6.QtWidgets import QApplication

from nnstudio.data import list_datasets
from nnstudio.project.document import ProjectDocument
from nnstudio.ui.commands import Editor
from nnstudio.ui.panels import DatasetPanel
from ui_helpers import small_project
from window_fixtures import make_window  # noqa: F401 - fixture


def mnist_project():
    return small_project(dataset="mnist", n_in=784, n_out=10, batch_size=100)


def sizes_line(w):
    return w.dataset_panel.summary.text().splitlines()[-1]


def wait_for_train_size(w, qtbot, n):
    qtbot.waitUntil(lambda: w.controller.session is not None and not w.loading and not w._sync_pending
                    and len(w.controller.session.dataset.x_train) == n, timeout=15000)
    QApplication.processEvents()


def test_the_summary_counts_the_train_size_and_validation_split_in_use(make_window, qtbot):
    """MNIST with train size 300 still said "60000 training / 10000 test samples"."""
    w = make_window(mnist_project(), wait_for_run=False)
    wait_for_train_size(w, qtbot, 60000)
    assert sizes_line(w) == "60000 training / 10000 test samples"
    assert w.dataset_panel.set_option("train_size", 300)
    assert "60000" not in w.dataset_panel.summary.text()        # not the listed size while it loads
    wait_for_train_size(w, qtbot, 300)
    assert sizes_line(w) == "300 training / 10000 test samples"
    assert w.dataset_panel.set_option("test_size", 500)
    assert w.dataset_panel.set_option("validation_ratio", 0.1)
    wait_for_train_size(w, qtbot, 270)
    session = w.controller.session
    assert len(session.dataset.x_val) == 30 and len(session.dataset.x_test) == 500
    assert sizes_line(w) == "270 training / 30 validation / 500 test samples"
    w.editor.undo()
    w.editor.undo()
    w.editor.undo()                                              # MNIST as listed again
    wait_for_train_size(w, qtbot, 60000)
    assert sizes_line(w) == "60000 training / 10000 test samples"


def test_without_a_loaded_set_the_listed_sizes_show_only_for_default_options(qtbot):
    doc = ProjectDocument(mnist_project())
    panel = DatasetPanel(doc, Editor(doc), list_datasets())
    qtbot.addWidget(panel)
    assert panel.summary.text().endswith("60000 training / 10000 test samples")
    assert panel.set_option("train_size", 300)
    assert "test samples" not in panel.summary.text()     # MNIST as listed is not this set


def test_a_function_presets_expression_and_range_show_in_their_empty_boxes(make_window, qtbot):
    """The range box stayed blank for every preset: [0, 3] or [−π, π] showed only on the fit's axis."""
    from nnstudio.project.files import load_project
    from pathlib import Path
    w = make_window(load_project(Path(__file__).parents[2] / "resources/examples/function_square.json"),
                    wait_for_run=False)
    qtbot.waitUntil(lambda: w.controller.session is not None and not w.loading and not w._sync_pending,
                    timeout=15000)
    QApplication.processEvents()
    editors = w.dataset_panel.editors
    assert editors["range"].line.text() == "" and editors["range"].line.placeholderText() == "0, 3"
    assert editors["expression"].line.placeholderText() == "x^2"
    assert w.dataset_panel.set_option("preset", "sine")
    qtbot.waitUntil(lambda: w.controller.session is not None and not w.loading and not w._sync_pending
                    and w.dataset_panel.editors["range"].line.placeholderText() == "-3.14159, 3.14159",
                    timeout=15000)


def test_random_features_are_greyed_out_while_image_is_set(qtbot):
    """With ``image`` set the random set makes n×n images and ignores ``features``: the box
    stayed editable, and a learner typing 20 there saw nothing change."""
    doc = ProjectDocument(small_project(dataset="random", n_in=5))
    panel = DatasetPanel(doc, Editor(doc), list_datasets())
    qtbot.addWidget(panel)
    features = panel.editors["features"]
    label = panel.options.labelForField(features)
    assert features.isEnabled() and label.isEnabled()
    assert "Not used" not in features.toolTip()
    assert panel.set_option("image", 4)
    assert not features.isEnabled() and not label.isEnabled()
    assert "Not used while image side is set." in features.toolTip() and label.toolTip() == features.toolTip()
    assert panel.editors["image"].isEnabled() and panel.editors["classes"].isEnabled()
    panel.editor.undo()
    assert doc.section("dataset").get("image", 0) == 0
    assert features.isEnabled() and "Not used" not in features.toolTip()
