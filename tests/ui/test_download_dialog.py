"""The Download Data Set dialog against a local HTTP server on 127.0.0.1."""

from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMenu

from local_server import http_server, listing, toy_remote  # noqa: F401 - fixture
from nnstudio.data import REMOTE_SETS
from nnstudio.data.download import default_dir
from nnstudio.ui.download_dialog import DownloadDialog, open_download_dialog, present_downloads
from window_fixtures import make_window, shot  # noqa: F401 - fixture

FILES = {"one.bin": bytes(range(256)) * 600, "two.bin": b"second file" * 400}


@pytest.fixture
def dialog(qtbot, http_server):
    http_server.files.update(FILES)
    made = []

    def make(remote=None):
        dlg = DownloadDialog(remotes=[remote or toy_remote(FILES)], base_url=http_server.url)
        qtbot.addWidget(dlg)
        dlg.show()
        qtbot.waitExposed(dlg)
        made.append(dlg)
        return dlg
    yield make
    for dlg in made:
        dlg.stop()


def test_lists_the_real_sets_with_size_citation_and_license(qtbot):
    dlg = DownloadDialog()
    qtbot.addWidget(dlg)
    items = [dlg.list.item(i).text() for i in range(dlg.list.count())]
    assert items == ["Fashion-MNIST — 30.9 MB — not downloaded",
                     "Kuzushiji-MNIST — 21.2 MB — not downloaded"]
    dlg.list.setCurrentRow(1)
    text = dlg.details.text()
    assert "Clanuwat" in text and "CC BY-SA 4.0" in text and str(default_dir("kmnist")) in text
    assert dlg.download_button.isEnabled() and not dlg.cancel_button.isEnabled()


def test_download_reaches_100_percent_and_the_files_are_there(qtbot, dialog):
    dlg = dialog()
    seen, done = [], []
    dlg.progress.valueChanged.connect(seen.append)
    dlg.downloaded.connect(done.append)
    assert "not downloaded" in dlg.list.item(0).text()
    qtbot.mouseClick(dlg.download_button, Qt.LeftButton)
    assert dlg.is_running() and not dlg.download_button.isEnabled()
    qtbot.waitUntil(lambda: not dlg.is_running(), timeout=10000)
    assert done == ["toy-set"]
    assert dlg.progress.value() == 100 and seen[-1] == 100 and len(seen) > 2
    folder = default_dir("toy-set")
    assert listing(folder) == ["one.bin", "two.bin"]
    assert (folder / "two.bin").read_bytes() == FILES["two.bin"]
    assert "downloaded" in dlg.list.item(0).text() and "not" not in dlg.list.item(0).text()
    assert str(folder) in dlg.status.text() and dlg.error.text() == ""
    assert dlg.download_button.isEnabled() and not dlg.cancel_button.isEnabled()
    shot(dlg, "download-done")


def test_cancel_stops_and_leaves_nothing(qtbot, dialog, http_server):
    http_server.slow["one.bin"] = 0.02          # about a second for the first file
    dlg = dialog()
    dlg.start()
    qtbot.waitUntil(lambda: dlg.progress.value() > 0, timeout=10000)
    shot(dlg, "download-running")
    dlg.cancel_button.click()
    qtbot.waitUntil(lambda: not dlg.is_running(), timeout=10000)
    assert "cancelled" in dlg.status.text() and dlg.error.text() == ""
    assert dlg.progress.value() == 0
    assert listing(default_dir("toy-set")) == []
    assert http_server.requests == ["one.bin"]
    assert "not downloaded" in dlg.list.item(0).text()


def test_a_bad_checksum_is_shown_with_its_facts(qtbot, dialog):
    dlg = dialog(toy_remote(FILES, **{"two.bin": "0" * 32}))
    dlg.start()
    qtbot.waitUntil(lambda: not dlg.is_running(), timeout=10000)
    text = dlg.error.text()
    assert "two.bin" in text and "0" * 32 in text and "not kept" in text
    assert listing(default_dir("toy-set")) == ["one.bin"]
    shot(dlg, "download-checksum")


def test_a_missing_server_is_an_error_not_a_crash(qtbot, dialog, http_server):
    http_server.files.clear()
    dlg = dialog()
    dlg.start()
    qtbot.waitUntil(lambda: not dlg.is_running(), timeout=10000)
    assert "HTTP error 404" in dlg.error.text()
    assert listing(default_dir("toy-set")) == []


def test_closing_while_downloading_stops_the_thread(qtbot, dialog, http_server):
    http_server.slow["one.bin"] = 0.05
    dlg = dialog()
    dlg.start()
    qtbot.waitUntil(lambda: dlg.progress.value() > 0, timeout=10000)
    thread = dlg.thread
    dlg.close()
    assert thread.isFinished()
    assert listing(default_dir("toy-set")) == []


def _idx_gz(images: bool, n: int) -> bytes:
    rng = np.random.default_rng(n)
    if images:
        body = struct.pack(">HBB3I", 0, 8, 3, n, 28, 28) + rng.integers(0, 256, n * 784,
                                                                        np.uint8).tobytes()
    else:
        body = struct.pack(">HBBI", 0, 8, 1, n) + (np.arange(n) % 10).astype(np.uint8).tobytes()
    return gzip.compress(body)


def test_the_window_offers_the_set_after_its_download(qtbot, make_window, http_server,
                                                      monkeypatch):
    # the window lists the real sets; stand in for Fashion-MNIST's files with small IDX files
    names = [f.name for f in REMOTE_SETS["fashion-mnist"].files]
    files = {names[0]: _idx_gz(True, 40), names[1]: _idx_gz(False, 40),
             names[2]: _idx_gz(True, 20), names[3]: _idx_gz(False, 20)}
    http_server.files.update(files)
    monkeypatch.setitem(REMOTE_SETS, "fashion-mnist", toy_remote(files, name="fashion-mnist"))
    window = make_window()
    panel = window.dataset_panel
    assert panel.choice.findData("fashion-mnist") == -1
    action = window.actions_by_name["download_data"]
    menus = [o.title() for o in action.associatedObjects() if isinstance(o, QMenu)]
    assert menus == ["&File"] and action.text() == "&Download Data Set…"
    dlg = open_download_dialog(window, base_url=http_server.url)
    qtbot.waitExposed(dlg)
    assert dlg.list.count() == 2
    dlg.start()
    qtbot.waitUntil(lambda: not dlg.is_running(), timeout=10000)
    assert panel.choice.findData("fashion-mnist") >= 0
    assert [i.name for i in present_downloads()] == ["fashion-mnist"]
    dlg.close()
    QApplication.processEvents()
    assert panel.choose("fashion-mnist")                   # choosable, loads, fits the net
    assert panel.error.text() == ""
    assert window.doc.section("dataset") == {"name": "fashion-mnist"}
    assert window.controller.dataset({"name": "fashion-mnist"}).x_train.shape == (40, 784)


def test_closing_the_window_stops_a_running_download(qtbot, make_window, http_server):
    http_server.files.update(FILES)
    http_server.slow["one.bin"] = 0.05
    window = make_window()
    dlg = DownloadDialog(window, remotes=[toy_remote(FILES)], base_url=http_server.url)
    dlg.show()
    dlg.start()
    qtbot.waitUntil(lambda: dlg.progress.value() > 0, timeout=10000)
    thread = dlg.thread
    try:
        window.close()
        assert thread.isFinished()
    finally:
        thread.wait()                       # a failure above must not abort the whole run
    assert listing(default_dir("toy-set")) == []


def test_the_panel_button_opens_the_dialog(qtbot, make_window):
    window = make_window()
    window.dataset_panel.download_button.click()
    qtbot.waitUntil(lambda: any(isinstance(w, DownloadDialog) and w.isVisible()
                                for w in QApplication.topLevelWidgets()), timeout=5000)
    dlg = next(w for w in QApplication.topLevelWidgets() if isinstance(w, DownloadDialog))
    assert dlg.list.count() == 2 and dlg.parent() is window
    dlg.close()
