"""Splits, normalization, one-hot, the Dataset value type and the decoded-data cache."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.data import DataError, Dataset, Normalizer, dataset_info, one_hot
from nnstudio.data import cache
from nnstudio.data.idx import read_idx
from nnstudio.data.preprocess import choose, rng_for, round_count, split


def test_one_hot():
    out = one_hot(np.array([2, 0, 1, 2]), 3)
    assert out.dtype == np.float32 and out.shape == (4, 3)
    np.testing.assert_array_equal(out, [[0, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]])
    assert one_hot(np.array([], dtype=np.int64), 2).shape == (0, 2)
    assert one_hot(np.array([1.0, 0.0]), 2, dtype=np.float64).dtype == np.float64
    with pytest.raises(DataError, match="label 3 is outside 0..2"):
        one_hot(np.array([0, 3]), 3)
    with pytest.raises(DataError, match="label -1 is outside"):
        one_hot(np.array([-1]), 3)
    with pytest.raises(DataError, match="must be integers"):
        one_hot(np.array([0.5]), 3)
    with pytest.raises(DataError, match="one-dimensional"):
        one_hot(np.zeros((2, 2), int), 3)
    with pytest.raises(DataError, match="at least 1"):
        one_hot(np.array([0]), 0)


def test_stratified_split_keeps_class_shares_exactly():
    labels = np.repeat([0, 1, 2], [50, 30, 20])
    keep, held = split(100, 0.25, rng_for(0, 1), labels)
    assert len(held) == 25 and len(keep) == 75
    assert np.bincount(labels[held]).tolist() == [13, 7, 5]  # 12.5, 7.5, 5 rounded to 25
    assert sorted(np.concatenate([keep, held]).tolist()) == list(range(100))
    # shuffled, not sorted by class
    assert not np.all(np.diff(labels[keep]) >= 0)


def test_split_reproducible_and_seed_dependent():
    labels = np.arange(60) % 4
    a = split(60, 0.3, rng_for(11, 1), labels)
    b = split(60, 0.3, rng_for(11, 1), labels)
    c = split(60, 0.3, rng_for(12, 1), labels)
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(np.sort(a[1]), np.sort(c[1]))
    plain = split(60, 0.3, rng_for(11, 1))
    assert len(plain[1]) == 18


def test_rounding_and_edges():
    assert round_count(150, 1 / 3) == 50
    assert round_count(5, 0.5) == 3  # halves up, not to even
    assert round_count(10, 0.0) == 0
    taken, rest = choose(10, 0, rng_for(0, 0), np.arange(10) % 2)
    assert len(taken) == 0 and len(rest) == 10
    with pytest.raises(DataError, match="cannot take 11 of 10"):
        choose(10, 11, rng_for(0, 0))


def test_normalizer():
    x = np.array([[1.0, 5.0, 2.0], [3.0, 5.0, 4.0], [5.0, 5.0, 9.0]], dtype=np.float32)
    mm = Normalizer.fit("minmax", x)
    out = mm(x)
    np.testing.assert_allclose(out[:, 0], [0, 0.5, 1])
    np.testing.assert_array_equal(out[:, 1], [0, 0, 0])  # constant column: 0, not NaN
    st = Normalizer.fit("standardize", x)
    z = st(x)
    assert z.dtype == np.float32
    np.testing.assert_allclose(z.mean(axis=0), 0, atol=1e-6)
    np.testing.assert_allclose(z.std(axis=0), [1, 0, 1], atol=1e-6)
    assert Normalizer.fit("none", x)(x) is not None
    np.testing.assert_array_equal(Normalizer.fit("none", x)(x), x)
    with pytest.raises(DataError, match="normalize must be one of"):
        Normalizer.fit("l2", x)
    with pytest.raises(DataError, match="empty training split"):
        Normalizer.fit("minmax", x[:0])
    assert not st.shift.flags.writeable


def _tiny(**changes):
    fields = dict(
        name="t", task="classification",
        x_train=np.zeros((4, 2), np.float32), y_train=np.array([0, 1, 0, 1]),
        x_test=np.zeros((2, 2), np.float32), y_test=np.array([1, 0]),
        input_shape=(2,), n_outputs=2, class_names=("a", "b"), info=dataset_info("xor"),
    )
    fields.update(changes)
    return Dataset(**fields)


def test_dataset_validates_and_freezes():
    ds = _tiny()
    assert not ds.x_train.flags.writeable and not ds.y_test.flags.writeable
    with pytest.raises(AttributeError):
        ds.name = "other"  # type: ignore[misc]
    assert "train=4, test=2" in repr(ds)
    with pytest.raises(ValueError, match="x_train must be float32"):
        _tiny(x_train=np.zeros((4, 2)))
    with pytest.raises(ValueError, match="expected"):
        _tiny(x_train=np.zeros((4, 3), np.float32))
    with pytest.raises(ValueError, match="4 rows but y_train has 3"):
        _tiny(y_train=np.array([0, 1, 0]))
    with pytest.raises(ValueError, match="labels outside 0..1"):
        _tiny(y_test=np.array([2, 0]))
    with pytest.raises(ValueError, match="both be set"):
        _tiny(x_val=np.zeros((1, 2), np.float32))
    with pytest.raises(ValueError, match="task must be"):
        _tiny(task="clustering")


def test_cache_serves_by_content_and_ignores_damage(tmp_path, monkeypatch, write_idx):
    monkeypatch.setenv("NNSTUDIO_CACHE_DIR", str(tmp_path / "c"))
    path = write_idx("a.gz", np.arange(12, dtype=np.uint8).reshape(3, 4), gz=True)
    first = read_idx(path)
    entries = list((tmp_path / "c" / "decoded").iterdir())
    assert len(entries) == 1 and entries[0].suffix == ".npy"  # no temporary file left
    # a changed source (same name, same size) gets its own entry, never the stale one
    write_idx("a.gz", (np.arange(12, dtype=np.uint8) + 1).reshape(3, 4), gz=True)
    changed = read_idx(path)
    np.testing.assert_array_equal(changed, first + 1)
    assert len(list((tmp_path / "c" / "decoded").iterdir())) == 2
    # a damaged entry is a miss, and is rewritten
    for entry in (tmp_path / "c" / "decoded").iterdir():
        entry.write_bytes(b"garbage")
    np.testing.assert_array_equal(read_idx(path), first + 1)
    assert cache.clear() == 2
    # an empty NNSTUDIO_CACHE_DIR turns the cache off
    monkeypatch.setenv("NNSTUDIO_CACHE_DIR", "")
    assert cache.content_key(b"abc") is None
    np.testing.assert_array_equal(read_idx(path), first + 1)


def test_cache_write_failure_is_harmless(tmp_path, monkeypatch, write_idx):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    monkeypatch.setenv("NNSTUDIO_CACHE_DIR", str(blocker))
    path = write_idx("b", np.ones((2, 2), np.uint8))
    np.testing.assert_array_equal(read_idx(path), np.ones((2, 2)))
