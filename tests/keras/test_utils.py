"""keras.utils: to_categorical, normalize, pad_sequences, set_random_seed, PyDataset."""

import random

import numpy as np
import pytest

import tensorweave as tf
from tensorweave.keras import utils


def test_to_categorical():
    np.testing.assert_array_equal(utils.to_categorical([0, 2, 1], 3), np.eye(3)[[0, 2, 1]])
    out = utils.to_categorical(np.array([[1], [0]]))
    assert out.shape == (2, 2)  # the trailing 1 is replaced by the class axis
    assert utils.to_categorical(np.array([[1, 2], [0, 1]])).shape == (2, 2, 3)
    assert utils.to_categorical(tf.constant([1, 0]), 2).tolist() == [[0, 1], [1, 0]]
    with pytest.raises(ValueError, match="out of range"):
        utils.to_categorical([3], 3)
    with pytest.raises(ValueError, match="non-negative"):
        utils.to_categorical([-1], 3)
    with pytest.raises(ValueError, match="whole numbers"):
        utils.to_categorical([0.5], 3)


def test_normalize():
    x = np.array([[3.0, 4.0], [0.0, 0.0]])
    np.testing.assert_allclose(utils.normalize(x), [[0.6, 0.8], [0.0, 0.0]])
    np.testing.assert_allclose(utils.normalize(x, order=1), [[3 / 7, 4 / 7], [0.0, 0.0]])
    t = utils.normalize(tf.constant(x.astype("float32")))
    assert t.dtype == tf.float32
    np.testing.assert_allclose(t.numpy(), [[0.6, 0.8], [0.0, 0.0]], rtol=1e-6)


def test_pad_sequences():
    seqs = [[1, 2, 3], [4], []]
    np.testing.assert_array_equal(utils.pad_sequences(seqs),
                                  [[1, 2, 3], [0, 0, 4], [0, 0, 0]])
    np.testing.assert_array_equal(utils.pad_sequences(seqs, maxlen=2, padding="post",
                                                      truncating="post", value=-1),
                                  [[1, 2], [4, -1], [-1, -1]])
    np.testing.assert_array_equal(utils.pad_sequences(seqs, maxlen=2), [[2, 3], [0, 4], [0, 0]])
    with pytest.raises(ValueError, match="Padding"):
        utils.pad_sequences(seqs, padding="middle")


def test_set_random_seed_repeats_python_numpy_and_tf():
    def draw():
        return (random.random(), np.random.rand(), float(tf.random.uniform(()).numpy()))

    utils.set_random_seed(42)
    first = draw()
    utils.set_random_seed(42)
    assert draw() == first
    utils.set_random_seed(43)
    assert draw() != first
    with pytest.raises(ValueError, match="integer"):
        utils.set_random_seed(1.5)


def test_py_dataset_protocol():
    class Batches(utils.PyDataset):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.epochs = 0

        def __len__(self):
            return 3

        def __getitem__(self, i):
            return np.full((2, 1), i), np.full((2,), i)

        def on_epoch_end(self):
            self.epochs += 1

    ds = Batches(workers=2)
    assert ds.num_batches == 3 and ds.workers == 2 and not ds.use_multiprocessing
    assert [int(x[0, 0]) for x, _ in ds] == [0, 1, 2]
    assert utils.Sequence is utils.PyDataset

    class Endless(utils.PyDataset):
        def __getitem__(self, i):
            return i

    assert Endless().num_batches is None
    with pytest.raises(NotImplementedError):
        utils.PyDataset()[0]


def test_plot_model_says_what_is_missing():
    with pytest.raises(NotImplementedError, match="Graphviz"):
        utils.plot_model(object())


def test_progbar_is_exported():
    from tensorweave.keras.utils.progbar import Progbar

    assert utils.Progbar is Progbar


def test_timeseries_dataset_from_array():
    data = np.arange(20, dtype="float32").reshape(10, 2)
    targets = np.arange(100, 110)
    ds = utils.timeseries_dataset_from_array(data, targets, sequence_length=3, sampling_rate=2,
                                             sequence_stride=2, batch_size=2)
    batches = [(x.numpy(), y.numpy()) for x, y in ds]
    # Windows start at 0, 2 (a window spans 5 steps: 10 - 4 = 6 starts, every second one).
    assert [len(x) for x, _ in batches] == [2, 1]
    np.testing.assert_array_equal(batches[0][0][1], data[[2, 4, 6]])
    np.testing.assert_array_equal(np.concatenate([y for _, y in batches]), [100, 102, 104])
    shuffled = utils.timeseries_dataset_from_array(data, None, sequence_length=2, shuffle=True,
                                                   seed=3, batch_size=None)
    starts = sorted(int(w.numpy()[0, 0]) // 2 for w in shuffled)
    assert starts == list(range(9))
    with pytest.raises(ValueError, match="sampling_rate"):
        utils.timeseries_dataset_from_array(data, None, 2, sampling_rate=0)


def test_split_dataset():
    x = np.arange(20).reshape(10, 2)
    y = np.arange(10)
    left, right = utils.split_dataset((x, y), left_size=0.7, shuffle=True, seed=1)
    lx = np.stack([a.numpy() for a, _ in left])
    rx = np.stack([a.numpy() for a, _ in right])
    assert len(lx) == 7 and len(rx) == 3
    np.testing.assert_array_equal(np.sort(np.concatenate([lx[:, 0], rx[:, 0]])), x[:, 0])
    left, right = utils.split_dataset(tf.data.Dataset.from_tensor_slices(y), right_size=2)
    assert [int(v) for v in right] == [8, 9] and len(list(left)) == 8
    with pytest.raises(ValueError, match="At least one"):
        utils.split_dataset(y)
    with pytest.raises(ValueError, match="left_size"):
        utils.split_dataset(y, left_size=1.5)
    with pytest.raises(ValueError, match="sum"):
        utils.split_dataset(y, left_size=0.6, right_size=0.6)
