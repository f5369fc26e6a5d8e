"""Segment reductions, top_k, bincount, confusion_matrix, einsum and tensordot against NumPy."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tensorweave as tf
from tensorweave.framework.errors import InvalidArgumentError

REDUCE = {"sum": np.sum, "mean": np.mean, "max": np.max, "min": np.min, "prod": np.prod}


def _reference(data, ids, n, kind, empty):
    out = np.full((n,) + data.shape[ids.ndim:], empty, data.dtype)
    flat_ids = ids.reshape(-1)
    rows = data.reshape((flat_ids.size,) + data.shape[ids.ndim:])
    for s in range(n):
        members = rows[flat_ids == s]
        if len(members):
            out[s] = REDUCE[kind](members, axis=0)
    return out


@settings(max_examples=30, deadline=None)
@given(ids=hnp.arrays(np.int32, st.integers(1, 8), elements=st.integers(0, 4)),
       kind=st.sampled_from(sorted(REDUCE)), data=st.data())
def test_sorted_segments_match_a_loop(ids, kind, data):
    ids = np.sort(ids)
    values = data.draw(hnp.arrays(np.float64, (ids.size, 2), elements=st.floats(-5, 5)))
    out = getattr(tf.math, f"segment_{kind}")(values, ids)
    empty = 1.0 if kind == "prod" else 0.0
    np.testing.assert_allclose(out.numpy(), _reference(values, ids, ids[-1] + 1, kind, empty))


@settings(max_examples=30, deadline=None)
@given(ids=hnp.arrays(np.int32, st.integers(1, 8), elements=st.integers(-1, 4)),
       kind=st.sampled_from(sorted(REDUCE)), data=st.data())
def test_unsorted_segments_match_a_loop(ids, kind, data):
    values = data.draw(hnp.arrays(np.float32, (ids.size, 3), elements=st.floats(-5, 5,
                                                                                 width=32)))
    out = getattr(tf.math, f"unsorted_segment_{kind}")(values, ids, 5)
    empty = {"sum": 0, "mean": 0, "prod": 1, "max": np.finfo(np.float32).min,
             "min": np.finfo(np.float32).max}[kind]
    np.testing.assert_allclose(out.numpy(), _reference(values, ids, 5, kind, empty), rtol=1e-6)


def test_segments_with_multidimensional_ids_and_integers():
    data = np.arange(12, dtype=np.int32).reshape(2, 3, 2)
    ids = np.array([[0, 1, 0], [1, -1, 2]], np.int32)
    out = tf.math.unsorted_segment_sum(data, ids, 3)
    assert out.dtype is tf.int32
    np.testing.assert_array_equal(out.numpy(), _reference(data, ids, 3, "sum", 0))
    assert tf.math.segment_mean(np.array([1, 2, 4], np.int32), [0, 0, 1]).numpy().tolist() == \
        [1, 4]


def test_segment_errors():
    with pytest.raises(InvalidArgumentError, match="increasing"):
        tf.math.segment_sum([1.0, 2.0], [1, 0])
    with pytest.raises(InvalidArgumentError, match="out of range"):
        tf.math.unsorted_segment_sum([1.0, 2.0], [0, 5], 2)
    with pytest.raises(TypeError):
        tf.math.segment_sum([1.0], [0.0])


def test_unsorted_segment_mean_and_sqrt_n_gradients():
    x = tf.constant([[1.0], [2.0], [3.0]], tf.float64)
    ids = tf.constant([0, 0, 1])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        m = tf.reduce_sum(tf.math.unsorted_segment_mean(x, ids, 3))
        s = tf.reduce_sum(tf.math.unsorted_segment_sqrt_n(x, ids, 3))
    np.testing.assert_allclose(tape.gradient(m, x).numpy().ravel(), [0.5, 0.5, 1.0])
    np.testing.assert_allclose(tape.gradient(s, x).numpy().ravel(),
                               [1 / np.sqrt(2), 1 / np.sqrt(2), 1.0])


def test_top_k():
    x = np.array([[1.0, 3.0, 3.0, 2.0], [5.0, 4.0, 6.0, 4.0]], np.float32)
    values, indices = tf.math.top_k(x, k=3)
    np.testing.assert_array_equal(values.numpy(), [[3, 3, 2], [6, 5, 4]])
    np.testing.assert_array_equal(indices.numpy(), [[1, 2, 3], [2, 0, 1]])  # ties: lower first
    r = tf.nn.top_k(tf.constant([3, 1, 2]), k=1)
    assert r.values.numpy().tolist() == [3] and r.indices.dtype is tf.int32
    assert tf.math.top_k(x, k=0).values.shape == (2, 0)
    with pytest.raises(ValueError):
        tf.math.top_k(x, k=-1)
    with pytest.raises(InvalidArgumentError):
        tf.math.top_k(x, k=5)


def test_top_k_second_derivative_passes_through():
    x = tf.constant([[1.0, 4.0, 2.0]], tf.float64)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = tf.reduce_sum(tf.square(tf.math.top_k(x, 2).values))
        g = inner.gradient(y, x)
        z = tf.reduce_sum(g * g)
    np.testing.assert_allclose(g.numpy(), [[0, 8, 4]])
    np.testing.assert_allclose(outer.gradient(z, x).numpy(), [[0, 32, 16]])


def test_bincount():
    arr = np.array([1, 1, 4, 0], np.int32)
    np.testing.assert_array_equal(tf.math.bincount(arr).numpy(), np.bincount(arr))
    w = np.array([0.5, 0.25, 2.0, 1.0], np.float32)
    out = tf.math.bincount(arr, weights=w, minlength=7)
    assert out.dtype is tf.float32
    np.testing.assert_allclose(out.numpy(), np.bincount(arr, w, minlength=7))
    np.testing.assert_array_equal(tf.math.bincount(arr, maxlength=2).numpy(), [1, 2])
    np.testing.assert_array_equal(tf.math.bincount(arr, binary_output=True).numpy(),
                                  [1, 1, 0, 0, 1])
    rows = tf.math.bincount(np.array([[1, 2], [0, 0]], np.int32), axis=-1)
    np.testing.assert_array_equal(rows.numpy(), [[0, 1, 1], [2, 0, 0]])
    assert tf.math.bincount(arr, dtype=tf.int64).dtype is tf.int64
    with pytest.raises(InvalidArgumentError, match="non-negative"):
        tf.math.bincount(np.array([-1], np.int32))


def test_confusion_matrix():
    out = tf.math.confusion_matrix([1, 2, 4], [2, 2, 4])
    expected = np.zeros((5, 5), np.int32)
    expected[1, 2] = expected[2, 2] = expected[4, 4] = 1
    np.testing.assert_array_equal(out.numpy(), expected)
    w = tf.math.confusion_matrix([0, 1, 1], [1, 1, 1], num_classes=2, weights=[2.0, 3.0, 4.0],
                                 dtype=tf.float32)
    np.testing.assert_array_equal(w.numpy(), [[0, 2], [0, 7]])
    with pytest.raises(InvalidArgumentError):
        tf.math.confusion_matrix([0, 3], [0, 1], num_classes=2)


@pytest.mark.parametrize("equation,shapes", [
    ("ij,jk->ik", [(2, 3), (3, 4)]), ("ij,jk", [(2, 3), (3, 4)]), ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]), ("...i,...i->...", [(2, 1, 3), (4, 3)]), ("ij,k->ijk", [(2, 2), (3,)]),
    ("bij,bkj->bik", [(2, 3, 4), (2, 5, 4)]),
])
def test_einsum_matches_numpy(equation, shapes):
    rng = np.random.default_rng(1)
    xs = [rng.standard_normal(s) for s in shapes]
    out = tf.einsum(equation, *xs)
    np.testing.assert_allclose(out.numpy(), np.einsum(equation, *xs), rtol=1e-12)


def test_einsum_errors_and_trace_gradient():
    with pytest.raises(InvalidArgumentError):
        tf.einsum("ij,jk->ik", np.ones((2, 3)), np.ones((4, 2)))
    with pytest.raises(TypeError):
        tf.einsum("ij,jk->ik", np.ones((2, 3)), np.ones((3, 2), np.float32))
    x = tf.constant(np.arange(9.0).reshape(3, 3))
    with tf.GradientTape() as tape:  # a trace: its gradient is the identity
        tape.watch(x)
        y = tf.einsum("ii->", x)
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), np.eye(3))


def test_tensordot_forms():
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal((2, 3, 4)), rng.standard_normal((4, 3, 5))
    np.testing.assert_allclose(tf.tensordot(a, b, [[1, 2], [1, 0]]).numpy(),
                               np.tensordot(a, b, [[1, 2], [1, 0]]))
    np.testing.assert_allclose(tf.tensordot(a, b[:, :, 0].T, 2).numpy(),
                               np.tensordot(a, b[:, :, 0].T, 2))
    assert tf.tensordot(a, b, 0).shape == (2, 3, 4, 4, 3, 5)
    with pytest.raises(ValueError):
        tf.tensordot(a, b, [[0], [0]])
    with pytest.raises(ValueError):
        tf.tensordot(a, b, 4)


@settings(max_examples=40, deadline=None)
@given(x=hnp.arrays(np.int32, st.tuples(st.integers(1, 3), st.integers(1, 60)),
                    elements=st.integers(0, 4)), data=st.data())
def test_top_k_matches_a_stable_sort_with_many_ties(x, data):
    # small k on long rows takes the partition path; ties must still go to the lower index
    k = data.draw(st.integers(0, x.shape[-1]))
    values, indices = tf.math.top_k(x, k)
    order = np.argsort(-x, axis=-1, kind="stable")[..., :k]
    np.testing.assert_array_equal(indices.numpy(), order)
    np.testing.assert_array_equal(values.numpy(), np.take_along_axis(x, order, -1))


@pytest.mark.parametrize("kind", sorted(REDUCE))
def test_many_segments_and_wide_rows_take_the_other_paths(kind):
    # > 256 segments go through reduceat, > 32 columns skip the bincount sums
    rng = np.random.default_rng(5)
    ids = rng.integers(-1, 400, 1500).astype(np.int32)
    data = rng.uniform(0.5, 1.5, (1500, 2))
    out = getattr(tf.math, f"unsorted_segment_{kind}")(data, ids, 400)
    empty = {"sum": 0, "mean": 0, "prod": 1, "max": np.finfo(np.float64).min,
             "min": np.finfo(np.float64).max}[kind]
    np.testing.assert_allclose(out.numpy(), _reference(data, ids, 400, kind, empty), rtol=1e-10)
    wide = rng.integers(-5, 5, (40, 50)).astype(np.int64)
    sorted_ids = np.sort(rng.integers(0, 6, 40)).astype(np.int32)
    out = getattr(tf.math, f"segment_{kind}")(wide, sorted_ids)
    expected = _reference(wide, sorted_ids, sorted_ids[-1] + 1, kind, 1 if kind == "prod" else 0)
    np.testing.assert_array_equal(out.numpy(), expected)
