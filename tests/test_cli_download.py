"""``nnstudio download`` against a local HTTP server on 127.0.0.1."""

from __future__ import annotations

import io
import json

import pytest

from local_server import http_server, listing, toy_remote  # noqa: F401 - fixture
from nnstudio.cli import main
from nnstudio.data import REMOTE_SETS, load
from nnstudio.data.download import default_dir

FILES = {"one.bin": bytes(range(256)) * 600, "two.bin": b"second file" * 100}
TOTAL = sum(len(b) for b in FILES.values())


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def run(*argv: str, err: io.StringIO | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), err if err is not None else io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def _one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.startswith("nnstudio: error:")]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


@pytest.fixture
def toy(monkeypatch, http_server):
    http_server.files.update(FILES)
    remote = toy_remote(FILES)
    monkeypatch.setitem(REMOTE_SETS, remote.name, remote)
    return remote


def test_download_into_the_data_folder_with_a_bar_and_how_to_use_it(toy, http_server):
    code, out, err = run("download", "toy-set", "--base-url", http_server.url)
    assert code == 0, err
    folder = default_dir("toy-set")
    assert listing(folder) == ["one.bin", "two.bin"]
    assert (folder / "one.bin").read_bytes() == FILES["one.bin"]
    bars = [line for line in err.splitlines() if line.startswith("[")]
    assert bars[0].startswith("[" + "-" * 30 + "]   0%")
    assert bars[-1].startswith("[" + "#" * 30 + "] 100%")
    assert f"{TOTAL / 1e6:.1f} of {TOTAL / 1e6:.1f} MB" in bars[-1]
    assert str(folder) in out
    assert '{"name": "toy-set"}' in out and "Data Set panel" in out


def test_on_a_terminal_the_bar_is_redrawn_in_place(toy, http_server, tmp_path):
    terminal = _Terminal()
    code, out, err = run("download", "toy-set", "--base-url", http_server.url,
                         "--dest", str(tmp_path / "here"), err=terminal)
    assert code == 0, err
    assert "\r\033[K[" in err and err.endswith("100%  0.2 of 0.2 MB\n")
    # a folder of one's own: the entry says where
    entry = json.loads(out.split("dataset entry ")[1].split("\n")[0])
    assert entry == {"name": "toy-set", "path": str(tmp_path / "here")}
    assert listing(tmp_path / "here") == ["one.bin", "two.bin"]


def test_wrong_checksum_exits_1_and_keeps_nothing(http_server, tmp_path):
    # the real set's names and published checksums, but the server sends other bytes
    fashion = REMOTE_SETS["fashion-mnist"]
    http_server.files.update({f.name: b"not the real file" for f in fashion.files})
    code, out, err = run("download", "fashion-mnist", "--dest", str(tmp_path / "f"),
                         "--base-url", http_server.url)
    assert code == 1 and out == ""
    line = _one_error_line(err)
    assert "train-images-idx3-ubyte.gz: checksum mismatch" in line
    assert fashion.files[0].md5 in line
    assert listing(tmp_path / "f") == []
    with pytest.raises(Exception, match="not downloaded"):
        load({"name": "fashion-mnist", "path": str(tmp_path / "f")})


def test_interrupted_transfer_exits_1_and_leaves_no_half_file(toy, http_server, tmp_path):
    http_server.cut["two.bin"] = 500
    code, out, err = run("download", "toy-set", "--dest", str(tmp_path / "d"),
                         "--base-url", http_server.url)
    assert code == 1 and out == ""
    assert "interrupted after 500 of 1100 bytes" in _one_error_line(err)
    assert listing(tmp_path / "d") == ["one.bin"]            # the verified first file stays


def test_unknown_name_lists_the_available_sets(tmp_path):
    code, out, err = run("download", "cifar10", "--dest", str(tmp_path / "c"))
    assert code == 1 and out == ""
    line = _one_error_line(err)
    assert "'cifar10'" in line and "fashion-mnist, kmnist" in line
    assert not (tmp_path / "c").exists()


def test_a_server_that_is_not_there_is_one_line(http_server, toy, tmp_path):
    port = http_server.server_address[1]
    http_server.shutdown()
    http_server.server_close()
    code, _, err = run("download", "toy-set", "--dest", str(tmp_path / "d"),
                       "--base-url", f"http://127.0.0.1:{port}/")
    assert code == 1 and "cannot connect" in _one_error_line(err)
    code, _, err = run("download", "toy-set", "--base-url", "ftp://example.org/")
    assert code == 1 and "must start with http" in _one_error_line(err)
