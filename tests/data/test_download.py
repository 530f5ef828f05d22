"""download() against a local HTTP server on 127.0.0.1: success, checksum, interruption."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from nnstudio.data import (
    ChecksumError,
    DataError,
    DataFileError,
    DownloadError,
    RemoteFile,
    RemoteSet,
    download,
    load,
)
from nnstudio.data.download import REMOTE_SETS, default_dir

from local_server import http_server, listing, toy_remote  # noqa: F401 - fixture



FILES = {"one.bin": bytes(range(256)) * 600, "two.bin": b"second file" * 10}


def test_download_verifies_and_reports_progress(http_server, tmp_path):
    http_server.files.update(FILES)
    calls = []
    folder = download(toy_remote(FILES), tmp_path / "dest", base_url=http_server.url,
                      progress=lambda done, total: calls.append((done, total)))
    assert folder == tmp_path / "dest"
    assert listing(folder) == ["one.bin", "two.bin"]
    assert (folder / "one.bin").read_bytes() == FILES["one.bin"]
    total = sum(len(b) for b in FILES.values())
    assert calls[0] == (0, total) and calls[-1] == (total, total)
    dones = [d for d, _ in calls]
    assert dones == sorted(dones) and len(calls) > 3
    assert all(t == total for _, t in calls)
    # a second call finds both files intact and fetches nothing
    http_server.requests.clear()
    download(toy_remote(FILES), folder, base_url=http_server.url)
    assert http_server.requests == []


def test_a_damaged_local_file_is_fetched_again(http_server, tmp_path):
    http_server.files.update(FILES)
    folder = tmp_path / "dest"
    folder.mkdir()
    (folder / "one.bin").write_bytes(b"not it")
    (folder / "two.bin").write_bytes(FILES["two.bin"])
    download(toy_remote(FILES), folder, base_url=http_server.url.rstrip("/"))  # no trailing slash
    assert http_server.requests == ["one.bin"]
    assert (folder / "one.bin").read_bytes() == FILES["one.bin"]


def test_wrong_checksum_keeps_nothing(http_server, tmp_path):
    http_server.files.update(FILES)
    remote = toy_remote(FILES, **{"two.bin": "0" * 32})
    with pytest.raises(ChecksumError) as info:
        download(remote, tmp_path / "dest", base_url=http_server.url)
    err = info.value
    assert err.filename == "two.bin" and err.expected == "0" * 32
    assert err.actual == hashlib.md5(FILES["two.bin"]).hexdigest()
    assert "checksum mismatch" in str(err) and isinstance(err, DownloadError)
    # the good first file stays; no trace of the bad one, no temporary file
    assert listing(tmp_path / "dest") == ["one.bin"]


def test_interrupted_transfer_leaves_no_half_file(http_server, tmp_path):
    http_server.files.update(FILES)
    http_server.cut["one.bin"] = 1000
    with pytest.raises(DownloadError, match="interrupted after 1000 of 153600 bytes"):
        download(toy_remote(FILES), tmp_path / "dest", base_url=http_server.url)
    assert listing(tmp_path / "dest") == []


def test_http_errors_and_bad_addresses(http_server, tmp_path):
    with pytest.raises(DownloadError, match="HTTP error 404"):
        download(toy_remote(FILES), tmp_path / "dest", base_url=http_server.url)
    assert listing(tmp_path / "dest") == []
    port = http_server.server_address[1]
    http_server.shutdown()
    http_server.server_close()
    with pytest.raises(DownloadError, match="cannot connect"):
        download(toy_remote(FILES), tmp_path / "dest", base_url=f"http://127.0.0.1:{port}/",
                 timeout=5)
    with pytest.raises(DownloadError, match="must start with http"):
        download(toy_remote(FILES), tmp_path / "dest", base_url="file:///etc/")
    with pytest.raises(DataError, match="no downloadable data set named 'cifar'"):
        download("cifar", tmp_path / "dest")


def test_real_sets_are_registered_with_their_published_checksums():
    fashion = REMOTE_SETS["fashion-mnist"]
    assert [f.name for f in fashion.files] == [
        "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
    assert fashion.files[0].md5 == "8d4fb7e6c68d591d4c3dfef9ec88bf0d"
    assert REMOTE_SETS["kmnist"].files[3].md5 == "7320c461ea6c1c855c0b718fb2a4b134"
    assert len(fashion.class_names) == 10 and fashion.class_names[9] == "Ankle boot"


def test_download_then_load_a_registered_set(http_server, tmp_path, write_idx, monkeypatch):
    """The whole path for "kmnist": served by the local http_server, verified, then loaded."""
    images = np.random.default_rng(0).integers(0, 256, (20, 28, 28), dtype=np.uint8)
    labels = (np.arange(20) % 10).astype(np.uint8)
    bodies = {}
    for name, array in zip(
        [f.name for f in REMOTE_SETS["kmnist"].files],
        [images, labels, images[:10], labels[:10]], strict=True,
    ):
        bodies[name] = write_idx(name, array, gz=True).read_bytes()
    http_server.files.update(bodies)
    fake = RemoteSet(
        name="kmnist", title="KMNIST", base_url=http_server.url,
        files=tuple(RemoteFile(n, hashlib.md5(b).hexdigest()) for n, b in bodies.items()),
        class_names=REMOTE_SETS["kmnist"].class_names, citation="", license="")
    with pytest.raises(DataFileError, match="not downloaded here; download it first"):
        load({"name": "kmnist"})
    calls = []
    folder = download(fake, progress=lambda d, t: calls.append((d, t)))
    assert folder == default_dir("kmnist") and folder.is_relative_to(tmp_path)
    # sizes unknown in advance: the total grows from Content-Length as files start
    assert calls[-1][0] == calls[-1][1] == sum(len(b) for b in bodies.values())
    ds = load({"name": "kmnist", "flatten": False})
    assert ds.x_train.shape == (20, 1, 28, 28) and ds.n_test == 10
    assert ds.class_names[1] == "ki" and ds.info.source == "download"
    np.testing.assert_allclose(ds.x_test[:, 0], images[:10] / 255.0, rtol=1e-6)
    elsewhere = load({"name": "kmnist", "path": str(folder)})
    np.testing.assert_array_equal(elsewhere.y_train, labels)
