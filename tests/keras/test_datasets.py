"""keras.datasets and get_file: the cache layout, checksums, atomic downloads, offline errors."""

import gzip
import hashlib
import io
import pickle
import tarfile

import numpy as np
import pytest

from tensorweave.keras.datasets import cifar10, fashion_mnist, mnist
from tensorweave.keras.utils import file_utils, get_file

OFFLINE = "http://127.0.0.1:9/unreachable"  # the discard port: refused at once


def _mnist_npz(path, n=5):
    rng = np.random.default_rng(0)
    np.savez(path, x_train=rng.integers(0, 256, (n, 28, 28), dtype=np.uint8),
             y_train=rng.integers(0, 10, n, dtype=np.uint8),
             x_test=rng.integers(0, 256, (2, 28, 28), dtype=np.uint8),
             y_test=rng.integers(0, 10, 2, dtype=np.uint8))


def test_mnist_from_cache_warns_on_checksum_and_keeps_file(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    (tmp_path / "datasets").mkdir()
    target = tmp_path / "datasets" / "mnist.npz"
    _mnist_npz(target)
    before = target.read_bytes()
    monkeypatch.setattr(mnist, "ORIGIN", OFFLINE)  # any download attempt would fail
    with pytest.warns(UserWarning, match="does not match the published checksum"):
        (x_train, y_train), (x_test, y_test) = mnist.load_data()
    assert x_train.dtype == np.uint8 and x_train.shape == (5, 28, 28)
    assert y_train.dtype == np.uint8 and x_test.shape == (2, 28, 28) and y_test.shape == (2,)
    assert target.read_bytes() == before  # never replaced


def test_mnist_offline_error_names_the_path(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(mnist, "ORIGIN", OFFLINE)
    with pytest.raises(OSError) as err:
        mnist.load_data()
    assert str(tmp_path / "home" / "datasets" / "mnist.npz") in str(err.value)
    assert "URL fetch failure" in str(err.value)
    # Nothing half-written is left in the cache.
    assert list((tmp_path / "home" / "datasets").iterdir()) == []


def test_mnist_rejects_a_file_without_the_keys(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    (tmp_path / "datasets").mkdir()
    np.savez(tmp_path / "datasets" / "mnist.npz", images=np.zeros(3))
    with pytest.warns(UserWarning), pytest.raises(ValueError, match="x_train"):
        mnist.load_data()


def test_get_file_downloads_checks_and_caches(tmp_path):
    src = tmp_path / "src.bin"
    src.write_bytes(b"hello tensorweave")
    digest = hashlib.sha256(b"hello tensorweave").hexdigest()
    cache = tmp_path / "cache"
    path = get_file("data.bin", origin=src.as_uri(), file_hash=digest, cache_dir=str(cache))
    assert path == str(cache / "datasets" / "data.bin")
    assert open(path, "rb").read() == b"hello tensorweave"
    src.unlink()  # cached now: no further download
    assert get_file("data.bin", origin=src.as_uri(), file_hash=digest,
                    cache_dir=str(cache)) == path
    assert file_utils.validate_file(path, digest)
    assert file_utils.validate_file(path, hashlib.md5(b"hello tensorweave").hexdigest())


def test_get_file_refuses_a_corrupt_download(tmp_path):
    src = tmp_path / "src.bin"
    src.write_bytes(b"tampered")
    with pytest.raises(ValueError, match="corrupted"):
        get_file("x.bin", origin=src.as_uri(), file_hash="0" * 64, cache_dir=str(tmp_path / "c"))
    assert not (tmp_path / "c" / "datasets" / "x.bin").exists()
    with pytest.raises(ValueError, match="origin"):
        get_file("x.bin")
    with pytest.raises(ValueError, match="Paths are no longer accepted"):
        get_file("a/b.bin", origin=src.as_uri())


def test_get_file_extracts_tar_and_refuses_escapes(tmp_path):
    archive = tmp_path / "a.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        data = b"inside"
        info = tarfile.TarInfo("folder/file.txt")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    out = get_file("a.tar.gz", origin=archive.as_uri(), extract=True,
                   cache_dir=str(tmp_path / "c"))
    assert open(f"{out}/folder/file.txt", "rb").read() == b"inside"
    evil = tmp_path / "evil.tar"
    with tarfile.open(evil, "w") as tar:
        info = tarfile.TarInfo("../escape.txt")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    with pytest.raises(ValueError, match="outside"):
        file_utils.extract_archive(str(evil), str(tmp_path / "dest"))
    assert not (tmp_path / "escape.txt").exists()


def test_fashion_mnist_reads_idx_gz(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    folder = tmp_path / "datasets" / "fashion-mnist"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(1)
    for split, n in (("train", 4), ("t10k", 3)):
        labels = rng.integers(0, 10, n, dtype=np.uint8)
        images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        with gzip.open(folder / f"{split}-labels-idx1-ubyte.gz", "wb") as f:
            f.write(b"\0" * 8 + labels.tobytes())
        with gzip.open(folder / f"{split}-images-idx3-ubyte.gz", "wb") as f:
            f.write(b"\0" * 16 + images.tobytes())
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    assert x_train.shape == (4, 28, 28) and y_test.shape == (3,) and x_test.dtype == np.uint8


def test_cifar_batches_are_read_without_running_code(tmp_path):
    good = tmp_path / "batch"
    data = np.arange(2 * 3072, dtype=np.uint8).reshape(2, 3072)
    with open(good, "wb") as f:
        pickle.dump({b"data": data, b"labels": [3, 7]}, f)
    x, y = cifar10.load_batch(str(good))
    assert x.shape == (2, 3, 32, 32) and y == [3, 7]
    np.testing.assert_array_equal(x.reshape(2, -1), data)

    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    bad = tmp_path / "bad"
    with open(bad, "wb") as f:
        pickle.dump({b"data": Evil(), b"labels": []}, f)
    with pytest.raises(pickle.UnpicklingError, match="not allowed"):
        cifar10.load_batch(str(bad))


def test_cifar100_and_boston_from_cache(tmp_path, monkeypatch):
    from tensorweave.keras.datasets import boston_housing, cifar100

    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    folder = tmp_path / "datasets" / "cifar-100-python-target" / "cifar-100-python"
    folder.mkdir(parents=True)
    for name, n in (("train", 3), ("test", 2)):
        with open(folder / name, "wb") as f:
            pickle.dump({b"data": np.zeros((n, 3072), np.uint8), b"fine_labels": list(range(n)),
                         b"coarse_labels": [0] * n}, f)
    # The archive itself is cached too (as Keras leaves it), so nothing is downloaded.
    archive = tmp_path / "datasets" / "cifar-100-python-target_archive"
    archive.write_bytes(b"")
    with pytest.warns(UserWarning, match="checksum"):
        (x_train, y_train), (x_test, y_test) = cifar100.load_data("coarse")
    assert x_train.shape == (3, 32, 32, 3) and y_train.shape == (3, 1) and y_test.shape == (2, 1)
    with pytest.raises(ValueError, match="label_mode"):
        cifar100.load_data("medium")
    np.savez(tmp_path / "datasets" / "boston_housing.npz", x=np.arange(20.0).reshape(10, 2),
             y=np.arange(10.0))
    with pytest.warns(UserWarning):
        (xt, yt), (xv, yv) = boston_housing.load_data(test_split=0.3)
    assert xt.shape == (7, 2) and xv.shape == (3, 2)
    np.testing.assert_array_equal(np.sort(np.concatenate([yt, yv])), np.arange(10.0))
