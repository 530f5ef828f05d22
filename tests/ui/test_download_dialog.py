"""The Download Data Set dialog against a local HTTP server on 127.0.0.1."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from local_server import http_server, listing, toy_remote  # noqa: F401 - fixture
from nnstudio.data import REMOTE_SETS
from nnstudio.data.download import default_dir
from nnstudio.ui.download_dialog import DownloadDialog, open_download_dialog, present_downloads
from window_fixtures import make_window  # noqa: F401 - fixture

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
    dlg.grab().save("/tmp/nnstudio-download-done.png")


def test_cancel_stops_and_leaves_nothing(qtbot, dialog, http_server):
    http_server.slow["one.bin"] = 0.02          # about a second for the first file
    dlg = dialog()
    dlg.start()
    qtbot.waitUntil(lambda: dlg.progress.value() > 0, timeout=10000)
    dlg.grab().save("/tmp/nnstudio-download-running.png")
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
    dlg.grab().save("/tmp/nnstudio-download-checksum.png")


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


def test_the_window_offers_the_set_after_its_download(qtbot, make_window, http_server,
                                                      monkeypatch):
    # the window lists the real sets; stand in for Fashion-MNIST's files with our own
    fake = toy_remote({f.name: b"x" * 2000 for f in REMOTE_SETS["fashion-mnist"].files},
                      name="fashion-mnist")
    http_server.files.update({f.name: b"x" * 2000 for f in fake.files})
    monkeypatch.setitem(REMOTE_SETS, "fashion-mnist", fake)
    window = make_window()
    panel = window.dataset_panel
    assert panel.choice.findData("fashion-mnist") == -1
    assert "Download" in window.actions_by_name["download_data"].text()
    dlg = open_download_dialog(window, base_url=http_server.url)
    qtbot.waitExposed(dlg)
    assert dlg.list.count() == 2
    dlg.start()
    qtbot.waitUntil(lambda: not dlg.is_running(), timeout=10000)
    assert panel.choice.findData("fashion-mnist") >= 0
    assert [i.name for i in present_downloads()] == ["fashion-mnist"]
    dlg.close()
    QApplication.processEvents()
