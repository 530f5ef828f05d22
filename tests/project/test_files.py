"""Project and weight files: round trips, atomic saves, and every kind of bad input."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from nnstudio.project import errors as E
from nnstudio.project.errors import ProjectFileError, WeightsFileError
from nnstudio.project.files import load_project, load_weights, save_project, save_weights
from nnstudio.project.model import VERSION, Project, default_project
from nnstudio.project.session import build_network

FIXTURES = Path(__file__).parent / "fixtures"


def _doc(**changes):
    doc = default_project().to_dict()
    doc.update(changes)
    return doc


def _write(path: Path, text: str | bytes) -> Path:
    (path.write_bytes if isinstance(text, bytes) else path.write_text)(text)
    return path


def _bn_project() -> Project:
    return Project.from_dict({
        "format": "nnstudio-project", "version": 1,
        "network": {"input_shape": [6], "loss": "cross_entropy",
                    "layers": [{"type": "dense", "units": 5, "activation": "relu", "init": "he"},
                               {"type": "batchnorm"},
                               {"type": "dropout", "ratio": 0.2},
                               {"type": "dense", "units": 3, "activation": "softmax", "init": "xavier"}]},
        "optimizer": {"name": "adam", "lr": 0.01},
        "training": {"batch_size": 4, "epochs": 2, "seed": 3, "dtype": "float64", "weight_decay": 0.01},
        "dataset": {"name": "iris", "normalize": "standardize"},
    })


def _trained(project: Project, seed_shift: int = 0):
    """A network whose weights and batch-norm buffers moved away from their initial values."""
    net = build_network(project)
    rng = np.random.default_rng(seed_shift)
    x = rng.normal(size=(8, *project.network.input_shape))
    t = rng.integers(0, project.network.output_size, size=8)
    from nnstudio.engine.optimizers import make_optimizer
    opt = make_optimizer(project.optimizer)
    for _ in range(3):
        net.loss(x, t, train=True)
        net.backward()
        opt.step(net.parameters(), net.gradients())
    return net


# --------------------------------------------------------------------------- round trips
def test_project_round_trip_gives_equal_settings(tmp_path):
    project = _bn_project()
    path = tmp_path / "p.json"
    save_project(project, path)
    again = load_project(path)
    assert again == project
    assert again.to_dict() == project.to_dict()
    doc = json.loads(path.read_text("utf-8"))
    assert doc["format"] == "nnstudio-project" and doc["version"] == VERSION
    assert doc["training"]["weight_decay"] == 0.01


def test_weights_round_trip_is_bit_identical_including_batchnorm_buffers(tmp_path):
    project = _bn_project()
    net = _trained(project)
    state = net.state_dict()
    assert any(k.endswith("running_mean") or "running" in k for k in state), state.keys()
    path = tmp_path / "w.npz"
    save_weights(net, path)
    other = build_network(project.with_(training=project.training.__class__(seed=99, dtype="float64")))
    assert not np.array_equal(other.state_dict()["dense_1.W"], state["dense_1.W"])
    load_weights(other, path)
    loaded = other.state_dict()
    assert loaded.keys() == state.keys()
    for k in state:
        assert loaded[k].dtype == state[k].dtype
        assert loaded[k].tobytes() == state[k].tobytes(), k
    with np.load(path, allow_pickle=False) as data:   # the file itself needs no pickle
        assert sorted(data.files) == sorted(state)


def test_version_0_fixture_is_migrated():
    project = load_project(FIXTURES / "project_v0.json")
    assert project.optimizer.name == "momentum"
    assert project.optimizer.lr == 0.05 and project.optimizer.momentum == 0.8
    assert project.training.batch_size == 20 and project.training.epochs == 30
    assert project.training.seed == 7
    assert project.network.loss == "cross_entropy"
    assert project.to_dict()["version"] == VERSION


def test_utf8_bom_and_non_ascii_dataset_values_are_fine(tmp_path):
    doc = _doc(dataset={"name": "csv", "path": "データ.csv"})
    path = _write(tmp_path / "p.json", b"\xef\xbb\xbf" + json.dumps(doc, ensure_ascii=False).encode())
    assert load_project(path).dataset["path"] == "データ.csv"


# --------------------------------------------------------------------------- bad project input
def _load_error(path) -> ProjectFileError:
    with pytest.raises(ProjectFileError) as info:
        load_project(path)
    assert str(path) in str(info.value)
    return info.value


def test_missing_file(tmp_path):
    assert _load_error(tmp_path / "nope.json").kind == E.MISSING


def test_directory(tmp_path):
    e = _load_error(tmp_path)
    assert e.kind == E.DIRECTORY and "folder" in e.reason


def test_not_utf8(tmp_path):
    e = _load_error(_write(tmp_path / "p.json", b'{"format": "\xff\xfe nnstudio"}'))
    assert e.kind == E.ENCODING and "UTF-8" in e.reason


def test_empty_file(tmp_path):
    assert _load_error(_write(tmp_path / "p.json", "  \n")).kind == E.SYNTAX


def test_truncated_json_gives_line_and_column(tmp_path):
    text = json.dumps(_doc(), indent=2)
    e = _load_error(_write(tmp_path / "p.json", text[: len(text) // 2]))
    assert e.kind == E.SYNTAX and "truncated" in e.reason
    assert e.line is not None and e.line > 1 and e.column is not None
    assert f"line {e.line}" in str(e)


def test_malformed_json_names_line_and_column(tmp_path):
    text = '{\n  "format": "nnstudio-project",\n  "version": 1,,\n}'
    e = _load_error(_write(tmp_path / "p.json", text))
    assert (e.kind, e.line, e.column) == (E.SYNTAX, 3, 16)
    assert "malformed JSON" in e.reason


def test_top_level_not_an_object(tmp_path):
    e = _load_error(_write(tmp_path / "p.json", "[1, 2]"))
    assert e.kind == E.INVALID and "object" in e.reason


@pytest.mark.parametrize("mutate, field", [
    (lambda d: d["network"]["layers"][0].update(units="fifty"), "network.layers[0].units"),
    (lambda d: d["training"].update(batch_size=[100]), "training.batch_size"),
    (lambda d: d.update(optimizer="sgd"), "optimizer"),
    (lambda d: d["optimizer"].update(lr=-1), "optimizer.lr"),
])
def test_wrong_types_and_values_name_the_field(tmp_path, mutate, field):
    doc = _doc()
    mutate(doc)
    e = _load_error(_write(tmp_path / "p.json", json.dumps(doc)))
    assert e.kind == E.INVALID and e.field == field and field in str(e)


@pytest.mark.parametrize("mutate, name", [
    (lambda d: d.update(colour="red"), "colour"),
    (lambda d: d["network"]["layers"][0].update(neurons=5), "neurons"),
    (lambda d: d["training"].update(epoch=5), "epoch"),
])
def test_unknown_keys_are_named(tmp_path, mutate, name):
    doc = _doc()
    mutate(doc)
    e = _load_error(_write(tmp_path / "p.json", json.dumps(doc)))
    assert e.kind == E.INVALID and name in str(e)


def test_newer_version_is_refused_politely(tmp_path):
    e = _load_error(_write(tmp_path / "p.json", json.dumps(_doc(version=VERSION + 1))))
    assert e.kind == E.NEWER and e.field == "version"
    assert "newer nnstudio" in e.reason and "update" in e.reason


# --------------------------------------------------------------------------- atomic saves
def _no_temp_files(folder: Path) -> bool:
    return not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_failed_save_leaves_previous_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "p.json"
    save_project(default_project(), path)
    before = path.read_bytes()

    def no_space(fd):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(ProjectFileError) as info:
        save_project(_bn_project(), path)
    assert info.value.kind == E.IO and "no space left" in info.value.reason
    assert path.read_bytes() == before
    assert _no_temp_files(tmp_path)


def test_read_only_target_folder(tmp_path, monkeypatch):
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "p.json"
    save_project(default_project(), path)
    before = path.read_bytes()
    if os.geteuid() == 0:   # root ignores permission bits: simulate what the kernel would say
        def denied(*args, **kwargs):
            raise PermissionError(13, "Permission denied")
        monkeypatch.setattr("tempfile.mkstemp", denied)
    else:
        folder.chmod(0o555)
    try:
        with pytest.raises(ProjectFileError) as info:
            save_project(_bn_project(), path)
    finally:
        folder.chmod(0o755)
    assert info.value.kind == E.PERMISSION and "permission denied" in info.value.reason
    assert path.read_bytes() == before
    assert _no_temp_files(folder)


def test_save_to_a_folder_or_into_a_missing_folder(tmp_path):
    with pytest.raises(ProjectFileError) as info:
        save_project(default_project(), tmp_path)
    assert info.value.kind == E.DIRECTORY
    with pytest.raises(ProjectFileError) as info:
        save_project(default_project(), tmp_path / "no" / "p.json")
    assert info.value.kind == E.MISSING and "does not exist" in info.value.reason


# --------------------------------------------------------------------------- bad weights
@pytest.fixture
def net():
    return build_network(default_project())


def _weights_error(net, path) -> WeightsFileError:
    before = net.state_dict()
    with pytest.raises(WeightsFileError) as info:
        load_weights(net, path)
    after = net.state_dict()
    assert all(np.array_equal(before[k], after[k]) for k in before), "network changed by a failed load"
    return info.value


def test_npz_with_object_arrays_is_refused(net, tmp_path):
    path = tmp_path / "evil.npz"
    state = net.state_dict()
    state["dense_1.W"] = np.array([{"payload": 1}, None], dtype=object)
    np.savez(path, **state)
    e = _weights_error(net, path)
    assert e.kind == E.PICKLE and "Python objects" in e.reason


def test_file_that_is_not_an_npz(net, tmp_path):
    e = _weights_error(net, _write(tmp_path / "w.npz", "this is text, not a zip archive\n"))
    assert e.kind == E.NOT_NPZ


def test_single_npy_file_is_not_an_npz(net, tmp_path):
    np.save(tmp_path / "w.npy", np.zeros(3))
    assert _weights_error(net, tmp_path / "w.npy").kind == E.NOT_NPZ


@pytest.mark.parametrize("member, data", [("hello.txt", b"hi"), ("dense_1.W.npy", b"not an array"),
                                          ("folder/", b"")])
def test_a_zip_with_something_else_than_arrays_is_refused(net, tmp_path, member, data):
    """np.load hands such members back as raw bytes; they used to end in an AttributeError."""
    import zipfile
    path = tmp_path / "w.npz"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(member, data)
    e = _weights_error(net, path)
    assert e.kind == E.NOT_NPZ and member in e.reason and "not a NumPy array" in e.reason


def _npy_header(shape, dtype="<f8") -> bytes:
    import io
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": dtype, "fortran_order": False, "shape": shape})
    return buf.getvalue()


def test_an_npz_announcing_huge_arrays_is_refused_before_unpacking(net, tmp_path, monkeypatch):
    """A few hundred bytes can announce a 298 GiB array (MemoryError before), and a small
    compressed file can unpack to gigabytes: the claimed sizes are checked first."""
    import zipfile
    from nnstudio.engine import io as array_io
    path = tmp_path / "w.npz"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("dense_1.W.npy", _npy_header((200000, 200000)) + b"\0" * 64)
    e = _weights_error(net, path)
    assert e.kind == E.NOT_NPZ and "298.0 GiB" in e.reason and "dense_1.W" in e.reason
    # the limit counts all members together; a real file under it still loads
    save_weights(net, tmp_path / "ok.npz")
    monkeypatch.setattr(array_io, "MAX_NPZ_BYTES", 784 * 50 * 4 + 100)
    assert "GiB" in _weights_error(net, tmp_path / "ok.npz").reason
    monkeypatch.setattr(array_io, "MAX_NPZ_BYTES", 2 * 1024 ** 3)
    load_weights(net, tmp_path / "ok.npz")


def test_saving_onto_a_pipe_or_device_is_refused_and_leaves_it(tmp_path, net):
    """The rename of an atomic write would put a plain file where a device was (as root, even
    /dev/null); a named pipe stands in for one here."""
    fifo = tmp_path / "pipe.npz"
    os.mkfifo(fifo)
    with pytest.raises(WeightsFileError) as info:
        save_weights(net, fifo)
    assert "not a regular file" in info.value.reason
    import stat
    assert stat.S_ISFIFO(fifo.stat().st_mode) and _no_temp_files(tmp_path)


def test_weights_directory_and_missing_file(net, tmp_path):
    assert _weights_error(net, tmp_path).kind == E.DIRECTORY
    assert _weights_error(net, tmp_path / "none.npz").kind == E.MISSING


def test_shape_mismatch_names_parameter_and_both_shapes(net, tmp_path):
    wide = default_project().to_dict()
    wide["network"]["layers"][0]["units"] = 60
    other = build_network(Project.from_dict(wide))
    save_weights(other, tmp_path / "w.npz")
    e = _weights_error(net, tmp_path / "w.npz")
    assert e.kind == E.MISMATCH
    assert (e.parameter, e.got, e.expected) == ("dense_1.W", (784, 60), (784, 50))
    assert "dense_1.W" in str(e) and "(784, 60)" in str(e) and "(784, 50)" in str(e)


def test_weights_of_a_different_network(net, tmp_path):
    np.savez(tmp_path / "w.npz", **{"conv2d_1.W": np.zeros((2, 1, 3, 3))})
    e = _weights_error(net, tmp_path / "w.npz")
    assert e.kind == E.MISMATCH and "dense_1" in str(e)


def test_non_numeric_arrays_are_refused(net, tmp_path):
    state = net.state_dict()
    state["dense_1.b"] = np.array(["a"] * 50)
    np.savez(tmp_path / "w.npz", **state)
    e = _weights_error(net, tmp_path / "w.npz")
    assert e.kind == E.INVALID and e.parameter == "dense_1.b"


def test_failed_weights_save_keeps_the_old_file(net, tmp_path, monkeypatch):
    path = tmp_path / "w.npz"
    save_weights(net, path)
    before = path.read_bytes()
    monkeypatch.setattr(os, "replace", lambda *a: (_ for _ in ()).throw(PermissionError(13, "Permission denied")))
    with pytest.raises(WeightsFileError) as info:
        save_weights(_trained(default_project()), path)
    assert info.value.kind == E.PERMISSION
    assert path.read_bytes() == before and _no_temp_files(tmp_path)


def test_a_plain_pickle_is_refused_without_running_it(net, tmp_path):
    import pickle
    path = tmp_path / "w.npz"
    path.write_bytes(pickle.dumps({"dense_1.W": [1, 2]}))
    e = _weights_error(net, path)
    assert e.kind == E.PICKLE and "refuses" in e.reason


def test_saved_files_get_ordinary_permissions(tmp_path, net):
    """Atomic writes go through a private temporary file; the result must not stay 0600."""
    mask = os.umask(0o022)
    os.umask(mask)
    save_project(default_project(), tmp_path / "p.json")
    save_weights(net, tmp_path / "w.npz")
    for name in ("p.json", "w.npz"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o666 & ~mask
    (tmp_path / "p.json").chmod(0o640)
    save_project(_bn_project(), tmp_path / "p.json")     # replacing keeps the file's permissions
    assert (tmp_path / "p.json").stat().st_mode & 0o777 == 0o640


def _iris_doc():
    from nnstudio.resources import resource_path
    return json.loads(resource_path("examples", "iris.json").read_text("utf-8"))


def test_an_integer_of_thousands_of_digits_is_malformed_json(tmp_path):
    """json.loads raises a plain ValueError past 4300 digits; it used to escape uncaught."""
    text = json.dumps(_iris_doc()).replace('"lr": 0.1', '"lr": ' + "9" * 5000)
    assert "9" * 5000 in text
    with pytest.raises(ProjectFileError) as info:
        load_project(_write(tmp_path / "p.json", text))
    assert info.value.kind == E.SYNTAX and "thousands of digits" in info.value.reason
    assert info.value.code == "json_huge_number"


@pytest.mark.parametrize("where, text, what, code", [
    ("dataset.class_names.0", "\ud800", "unpaired surrogate", "text_surrogate"),
    ("dataset.path", "good\u0000.csv", "NUL character", "text_nul"),
])
def test_text_that_cannot_be_saved_or_opened_is_refused_on_reading(tmp_path, where, text, what, code):
    """JSON escapes allow an unpaired surrogate (saving then failed with a UnicodeEncodeError)
    and a NUL (a path with one raised ValueError in the window)."""
    doc = _iris_doc()
    if where == "dataset.path":
        doc["dataset"] = {"name": "csv", "path": text}
    else:
        doc["dataset"]["class_names"] = [text, "b", "c"]
    with pytest.raises(ProjectFileError) as info:
        load_project(_write(tmp_path / "p.json", json.dumps(doc)))
    assert info.value.kind == E.INVALID and info.value.field == where and what in info.value.reason
    assert info.value.code == code


def test_an_npz_array_member_is_told_by_its_magic_and_a_damaged_stream_is_typed(net, tmp_path):
    """np.load reads an array member whatever its name; a broken deflate stream raised zlib's
    own error past load_npz (review)."""
    import zipfile
    from nnstudio.engine.io import load_npz
    path = tmp_path / "named.npz"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("a", _npy_header((3,)) + np.arange(3, dtype="<f8").tobytes())
    assert np.array_equal(load_npz(path)["a"], [0.0, 1.0, 2.0])
    save_weights(net, tmp_path / "w.npz")
    data = bytearray((tmp_path / "w.npz").read_bytes())
    with zipfile.ZipFile(tmp_path / "w.npz") as z:
        info = z.infolist()[0]
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for i in range(start + 10, start + 40):
        data[i] ^= 0xFF                                 # scramble the compressed bytes
    (tmp_path / "w.npz").write_bytes(bytes(data))
    e = _weights_error(net, tmp_path / "w.npz")
    assert e.kind == E.NOT_NPZ


def test_a_bad_key_is_shown_printable(tmp_path):
    doc = _iris_doc()
    doc["training"]["a\u0000b"] = 1
    with pytest.raises(ProjectFileError) as info:
        load_project(_write(tmp_path / "p.json", json.dumps(doc)))
    assert "\x00" not in str(info.value) and "'a\\x00b'" in info.value.field
