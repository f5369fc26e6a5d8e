"""split, roll, repeat, reverse_sequence, sequence_mask, meshgrid, eye, linspace, and
tf.nn.embedding_lookup, against NumPy."""

import numpy as np
import pytest

import tensorweave as tf
from tensorweave.framework.errors import InvalidArgumentError

RNG = np.random.default_rng(0)
X = RNG.standard_normal((4, 6))


def _np(t):
    return np.asarray(t)


def test_split():
    parts = tf.split(X, 3, axis=1)
    for got, want in zip(parts, np.split(X, 3, axis=1)):
        np.testing.assert_array_equal(_np(got), want)
    parts = tf.split(X, [1, -1, 2], axis=-1)
    assert [p.shape[1] for p in parts] == [1, 3, 2]
    np.testing.assert_array_equal(_np(parts[1]), X[:, 1:4])
    assert len(tf.split(X, tf.constant(2))) == 2
    with pytest.raises(InvalidArgumentError, match="evenly divide"):
        tf.split(X, 4, axis=1)
    with pytest.raises(InvalidArgumentError):
        tf.split(X, [1, 2], axis=1)


def test_split_gradient():
    x = tf.constant(X)
    with tf.GradientTape() as tape:
        tape.watch(x)
        a, b = tf.split(x, [2, 4], axis=1)
        y = tf.reduce_sum(b * 3.0)  # `a` unused: its gradient is zero
    want = np.zeros_like(X)
    want[:, 2:] = 3.0
    np.testing.assert_array_equal(_np(tape.gradient(y, x)), want)


def test_roll():
    np.testing.assert_array_equal(_np(tf.roll(X, [1, -2], [0, 1])),
                                  np.roll(X, (1, -2), (0, 1)))
    np.testing.assert_array_equal(_np(tf.roll(X, 3, -1)), np.roll(X, 3, -1))
    with pytest.raises(InvalidArgumentError):
        tf.roll(X, [1, 2], [0])


def test_repeat():
    np.testing.assert_array_equal(_np(tf.repeat(X, 2)), np.repeat(X, 2))
    np.testing.assert_array_equal(_np(tf.repeat(X, [1, 0, 2, 1], axis=0)),
                                  np.repeat(X, [1, 0, 2, 1], axis=0))
    with pytest.raises(InvalidArgumentError):
        tf.repeat(X, [1, 2], axis=0)
    x = tf.constant(X)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.repeat(x, [1, 0, 2, 1], axis=0)
    np.testing.assert_array_equal(_np(tape.gradient(y, x)),
                                  np.array([1, 0, 2, 1])[:, None] * np.ones_like(X))


def test_reverse_sequence():
    x = np.arange(24).reshape(2, 4, 3)
    out = _np(tf.reverse_sequence(x, [3, 1], seq_axis=1, batch_axis=0))
    want = x.copy()
    want[0, :3] = x[0, 2::-1]
    np.testing.assert_array_equal(out, want)
    out = _np(tf.reverse_sequence(np.transpose(x, (1, 0, 2)), [3, 1], seq_axis=0, batch_axis=1))
    np.testing.assert_array_equal(out, np.transpose(want, (1, 0, 2)))
    with pytest.raises(InvalidArgumentError):
        tf.reverse_sequence(x, [5, 1], seq_axis=1, batch_axis=0)


def test_sequence_mask():
    out = tf.sequence_mask([1, 3, 0], 4)
    assert out.dtype == tf.bool
    np.testing.assert_array_equal(_np(out), np.arange(4) < np.array([[1], [3], [0]]))
    assert tf.sequence_mask([[2], [1]]).shape == (2, 1, 2)
    assert tf.sequence_mask([2], 3, dtype=tf.float32).numpy().tolist() == [[1.0, 1.0, 0.0]]
    with pytest.raises(TypeError):
        tf.sequence_mask([1.5])


@pytest.mark.parametrize("indexing", ["xy", "ij"])
def test_meshgrid(indexing):
    a, b, c = np.arange(2), np.arange(3), np.arange(4)
    got = tf.meshgrid(a, b, c, indexing=indexing)
    for g, w in zip(got, np.meshgrid(a, b, c, indexing=indexing)):
        np.testing.assert_array_equal(_np(g), w)
    with pytest.raises(ValueError):
        tf.meshgrid(a, indexing="yx")
    with pytest.raises(InvalidArgumentError):
        tf.meshgrid(a, b.astype(np.float32))


def test_eye_and_linspace():
    np.testing.assert_array_equal(_np(tf.eye(3)), np.eye(3, dtype=np.float32))
    assert tf.eye(2, 3, batch_shape=[4], dtype=tf.int32).shape == (4, 2, 3)
    np.testing.assert_allclose(_np(tf.linspace(0.0, 1.0, 5)), np.linspace(0, 1, 5))
    assert tf.linspace(0, 1, 3).dtype == tf.float64
    out = tf.linspace([0.0, 1.0], [1.0, 3.0], 3, axis=-1)
    np.testing.assert_allclose(_np(out), [[0, 0.5, 1], [1, 2, 3]])
    start, stop = tf.constant(1.0), tf.constant(2.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([start, stop])
        y = tf.reduce_sum(tf.linspace(start, stop, 5))
    assert float(tape.gradient(y, start)) == pytest.approx(2.5)
    assert float(tape.gradient(y, stop)) == pytest.approx(2.5)


def test_embedding_lookup():
    table = tf.Variable(RNG.standard_normal((6, 3)))
    ids = tf.constant([[0, 5], [5, 5]])
    with tf.GradientTape() as tape:
        out = tf.nn.embedding_lookup(table, ids)
    np.testing.assert_array_equal(_np(out), _np(table)[_np(ids)])
    g = tape.gradient(out, table)
    assert isinstance(g, tf.IndexedSlices)
    np.testing.assert_array_equal(_np(g)[:, 0], [1, 0, 0, 0, 0, 3])
    shards = [tf.constant(_np(table)[:3]), tf.constant(_np(table)[3:])]
    np.testing.assert_array_equal(_np(tf.nn.embedding_lookup(shards, [4, 1])),
                                  _np(table)[[4, 1]])


def test_embedding_lookup_max_norm():
    table = tf.constant([[3.0, 4.0], [0.3, 0.4]])
    try:
        out = tf.nn.embedding_lookup(table, [0, 1], max_norm=1.0)
    except AttributeError as e:  # clip_by_norm needs math ops another area is adding
        pytest.skip(f"math op missing: {e}")
    np.testing.assert_allclose(_np(out), [[0.6, 0.8], [0.3, 0.4]], rtol=1e-6)


def test_ensure_shape():
    x = tf.zeros((2, 3))
    assert tf.ensure_shape(x, [None, 3]) is not None
    with pytest.raises(InvalidArgumentError, match="not compatible"):
        tf.ensure_shape(x, [None, 4])
    with pytest.raises(InvalidArgumentError):
        tf.ensure_shape(x, [2])


def test_dynamic_partition_and_stitch_round_trip():
    data = RNG.standard_normal((5, 2))
    parts = np.array([1, 0, 2, 1, 0], np.int32)
    pieces = tf.dynamic_partition(data, parts, 3)
    for i, p in enumerate(pieces):
        np.testing.assert_array_equal(_np(p), data[parts == i])
    positions = tf.dynamic_partition(np.arange(5, dtype=np.int32), parts, 3)
    np.testing.assert_array_equal(_np(tf.dynamic_stitch(positions, pieces)), data)
    with pytest.raises(InvalidArgumentError):
        tf.dynamic_partition(data, np.array([0, 0, 3, 0, 0], np.int32), 3)
    with pytest.raises(TypeError):
        tf.dynamic_partition(data, parts.astype(np.int64), 3)


def test_dynamic_stitch_last_write_wins():
    out = tf.dynamic_stitch([[0, 2], [1, 2]], [[1.0, 2.0], [3.0, 4.0]])
    assert out.numpy().tolist() == [1.0, 3.0, 4.0]
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.dynamic_stitch([[0, 1], [1]], [x, x[:1] * 3.0])
    assert tape.gradient(y, x).numpy().tolist() == [4.0, 0.0]  # x[1] was overwritten


def test_unravel_index():
    out = tf.unravel_index([5, 7, 0], [2, 4])
    np.testing.assert_array_equal(_np(out), np.stack(np.unravel_index([5, 7, 0], (2, 4))))
    assert out.dtype == tf.int32
    assert tf.unravel_index(5, [2, 4]).numpy().tolist() == [1, 1]
    with pytest.raises(InvalidArgumentError):
        tf.unravel_index(8, [2, 4])
