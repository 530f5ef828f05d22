"""Cancelling download() from its progress callback keeps no partial file."""

from __future__ import annotations

import pytest

from local_server import http_server, listing, toy_remote  # noqa: F401 - fixture
from nnstudio.data import DownloadError, download
from nnstudio.data.download import DownloadCancelled

FILES = {"one.bin": bytes(range(256)) * 600, "two.bin": b"second file" * 4000}


def _cancel_after(limit: int):
    calls = []

    def progress(done: int, total: int) -> None:
        calls.append(done)
        if done >= limit:
            raise DownloadCancelled()
    return progress, calls


def test_cancel_in_the_middle_of_a_file_removes_it(http_server, tmp_path):
    http_server.files.update(FILES)
    progress, calls = _cancel_after(len(FILES["one.bin"]) // 2)
    with pytest.raises(DownloadCancelled, match="cancelled") as info:
        download(toy_remote(FILES), tmp_path / "dest", base_url=http_server.url, progress=progress)
    assert isinstance(info.value, DownloadError)
    assert 0 < calls[-1] < len(FILES["one.bin"])          # stopped inside the first file
    assert listing(tmp_path / "dest") == []               # no half file, no temporary file
    assert http_server.requests == ["one.bin"]           # the second file was never asked for


def test_cancel_in_the_second_file_keeps_the_verified_first(http_server, tmp_path):
    http_server.files.update(FILES)
    progress, calls = _cancel_after(len(FILES["one.bin"]) + 1)
    with pytest.raises(DownloadCancelled):
        download(toy_remote(FILES), tmp_path / "dest", base_url=http_server.url, progress=progress)
    assert listing(tmp_path / "dest") == ["one.bin"]
    assert (tmp_path / "dest" / "one.bin").read_bytes() == FILES["one.bin"]
    # starting again fetches only what is missing
    http_server.requests.clear()
    download(toy_remote(FILES), tmp_path / "dest", base_url=http_server.url)
    assert http_server.requests == ["two.bin"]
    assert listing(tmp_path / "dest") == ["one.bin", "two.bin"]
