"""sort, argsort, unique(_with_counts) and searchsorted against NumPy."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tensorweave as tf
from tensorweave.framework.errors import InvalidArgumentError


def _np(t):
    return np.asarray(t)


@settings(max_examples=40, deadline=None)
@given(hnp.arrays(np.int32, hnp.array_shapes(min_dims=1, max_dims=3, max_side=5),
                  elements=st.integers(-3, 3)), st.booleans())
def test_sort_and_argsort_property(x, descending):
    direction = "DESCENDING" if descending else "ASCENDING"
    got = _np(tf.sort(x, axis=-1, direction=direction))
    want = np.sort(x, axis=-1)
    np.testing.assert_array_equal(got, want[..., ::-1] if descending else want)
    order = _np(tf.argsort(x, direction=direction))
    assert order.dtype == np.int32
    np.testing.assert_array_equal(np.take_along_axis(x, order, -1), got)
    if not descending:
        np.testing.assert_array_equal(order, np.argsort(x, -1, kind="stable"))


def test_descending_ties_keep_order_and_axis():
    assert tf.argsort([1, 3, 1, 3], direction="DESCENDING").numpy().tolist() == [1, 3, 0, 2]
    x = np.array([[3.0, 1.0], [0.0, 5.0]])
    np.testing.assert_array_equal(_np(tf.sort(x, axis=0)), np.sort(x, axis=0))
    with pytest.raises(InvalidArgumentError):
        tf.sort(x, direction="UP")
    with pytest.raises(TypeError):
        tf.sort([True, False])


def test_sort_gradient():
    x = tf.constant([3.0, 1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.sort(x) * tf.constant([1.0, 10.0, 100.0])
    np.testing.assert_array_equal(_np(tape.gradient(y, x)), [100.0, 1.0, 10.0])


def test_unique():
    y, idx = tf.unique([1, 1, 3, 2, 3])
    assert y.numpy().tolist() == [1, 3, 2] and idx.numpy().tolist() == [0, 0, 1, 2, 1]
    assert idx.dtype == tf.int32
    y, idx, count = tf.unique_with_counts(tf.constant([2.5, -1.0, 2.5]), out_idx=tf.int64)
    assert y.numpy().tolist() == [2.5, -1.0] and count.numpy().tolist() == [2, 1]
    assert idx.dtype == tf.int64 and count.dtype == tf.int64
    assert tf.unique(tf.zeros((0,), tf.int32)).y.shape == (0,)
    with pytest.raises(InvalidArgumentError):
        tf.unique([[1, 2]])


def test_searchsorted():
    seq = np.array([1.0, 2.0, 2.0, 3.0])
    vals = np.array([0.0, 2.0, 2.5, 9.0])
    for side in ("left", "right"):
        np.testing.assert_array_equal(_np(tf.searchsorted(seq, vals, side=side)),
                                      np.searchsorted(seq, vals, side=side))
    seq2 = np.sort(np.random.default_rng(0).standard_normal((3, 5)), -1)
    vals2 = np.random.default_rng(1).standard_normal((3, 2))
    out = _np(tf.searchsorted(seq2, vals2, out_type=tf.int64))
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out, [np.searchsorted(s, v) for s, v in zip(seq2, vals2)])
    with pytest.raises(InvalidArgumentError):
        tf.searchsorted(seq, vals, side="middle")


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 3), st.integers(0, 6), st.integers(0, 5), st.sampled_from(["left", "right"]),
       st.integers(0, 2**31 - 1))
def test_batched_searchsorted_property(batch, n, m, side, seed):
    rng = np.random.default_rng(seed)
    seq = np.sort(rng.integers(0, 4, (batch, 2, n)), -1).astype(np.float32)
    vals = rng.integers(-1, 5, (batch, 2, m)).astype(np.float32)
    want = np.zeros((batch * 2, m), np.int64)
    for i, (s, v) in enumerate(zip(seq.reshape(batch * 2, n), vals.reshape(batch * 2, m))):
        want[i] = np.searchsorted(s, v, side=side)
    want = want.reshape(batch, 2, m)
    np.testing.assert_array_equal(_np(tf.searchsorted(seq, vals, side=side)), want)
