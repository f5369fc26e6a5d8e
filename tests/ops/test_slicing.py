"""Tensor.__getitem__, tf.strided_slice and tf.slice against NumPy's basic indexing."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tensorweave as tf
from tensorweave.framework.errors import InvalidArgumentError
from tensorweave.framework.op_def import REGISTRY
from tensorweave.ops._infer import Spec

X = np.arange(60, dtype=np.float64).reshape(3, 4, 5)
T = tf.constant(X)


@pytest.mark.parametrize("key", [
    1, -1, (0, 2), (slice(None), 1), (Ellipsis, 2), (Ellipsis, None), (None, 0, Ellipsis),
    (slice(None, None, -1),), (slice(1, None), slice(None, None, 2), slice(4, 0, -2)),
    (slice(-2, None), Ellipsis, slice(None, -1)), (2, Ellipsis, None, 1),
    (slice(10, 20),), (slice(-10, 2),), (0, slice(3, 1)), (None, None),
])
def test_getitem_matches_numpy(key):
    np.testing.assert_array_equal(np.asarray(T[key]), X[key])


def test_getitem_tensor_and_numpy_indices():
    np.testing.assert_array_equal(np.asarray(T[tf.constant(2)]), X[2])
    np.testing.assert_array_equal(np.asarray(T[np.int64(1), tf.constant(-1, tf.int64)]),
                                  X[1, -1])
    np.testing.assert_array_equal(np.asarray(T[:, tf.constant(1):tf.constant(3)]), X[:, 1:3])
    np.testing.assert_array_equal(np.asarray(T[[0, 2]]), X[0, 2])  # a list acts as a tuple


def test_getitem_bool_mask_and_variable():
    mask = tf.constant([True, False, True])
    np.testing.assert_array_equal(np.asarray(T[mask]), X[[0, 2]])
    v = tf.Variable(X)
    np.testing.assert_array_equal(np.asarray(v[1:, 0]), X[1:, 0])


def test_getitem_errors():
    with pytest.raises(InvalidArgumentError, match="out of bounds"):
        T[3]
    with pytest.raises(TypeError, match="valid indices"):
        T[tf.constant([0, 1])]
    with pytest.raises(TypeError, match="valid indices"):
        T[1.5]
    with pytest.raises(InvalidArgumentError, match="non-zero"):
        T[::0]
    with pytest.raises(ValueError, match="ellipses"):
        REGISTRY["StridedSlice"].infer(Spec((3, 4), tf.float32), begin=(0, 0), end=(0, 0),
                                       strides=(1, 1), begin_mask=0, end_mask=0,
                                       ellipsis_mask=3, new_axis_mask=0, shrink_axis_mask=0)


def test_getitem_gradient():
    x = tf.constant(X)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(x[1:, ::2, -1]) + tf.reduce_sum(x[0, 0] * 2.0)
    want = np.zeros_like(X)
    want[1:, ::2, -1] = 1.0
    want[0, 0] += 2.0
    np.testing.assert_array_equal(np.asarray(tape.gradient(y, x)), want)


def test_strided_slice_masks():
    out = tf.strided_slice(T, [0, 1], [2, 3], [1, 1], begin_mask=1)
    np.testing.assert_array_equal(np.asarray(out), X[:2, 1:3])
    out = tf.strided_slice(T, [1, 0], [0, 2], shrink_axis_mask=1, end_mask=0)
    np.testing.assert_array_equal(np.asarray(out), X[1, 0:2])
    out = tf.strided_slice(T, [0, 0, 0], [0, 0, 0], [1, 1, -1], ellipsis_mask=1,
                           new_axis_mask=2, begin_mask=4, end_mask=4)
    np.testing.assert_array_equal(np.asarray(out), X[..., None, ::-1])


def test_infer_on_partial_shapes():
    infer = REGISTRY["StridedSlice"].infer
    attrs = dict(begin=(0, 1), end=(0, 3), strides=(1, 1), begin_mask=1, end_mask=1,
                 ellipsis_mask=0, new_axis_mask=0, shrink_axis_mask=0)
    assert infer(Spec((None, 5, 7), tf.float32), **attrs).shape == (None, 2, 7)
    assert infer(Spec((None, 5), tf.float32), **{**attrs, "shrink_axis_mask": 2}).shape == (None,)
    assert infer(Spec(None, tf.float32), **attrs).shape is None
    dyn = dict(attrs, begin=(0, None), end=(0, None), shrink_axis_mask=2)
    assert infer(Spec((4, 5), tf.float32), **dyn).shape == (4,)


def test_slice():
    np.testing.assert_array_equal(np.asarray(tf.slice(T, [1, 0, 2], [2, -1, 2])),
                                  X[1:3, :, 2:4])
    with pytest.raises(InvalidArgumentError):
        tf.slice(T, [2, 0, 0], [2, 1, 1])
    with pytest.raises(InvalidArgumentError):
        tf.slice(T, [0, 0], [1, 1])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(-7, 7)), min_size=3, max_size=3),
       st.lists(st.one_of(st.none(), st.integers(-7, 7)), min_size=3, max_size=3),
       st.lists(st.sampled_from([None, 1, 2, -1, -3]), min_size=3, max_size=3))
def test_slices_property(starts, stops, steps):
    key = tuple(slice(a, b, c) for a, b, c in zip(starts, stops, steps))
    out = T[key]
    np.testing.assert_array_equal(np.asarray(out), X[key])
    # inference from the masks alone agrees with the real shape
    masks = sum(1 << i for i, a in enumerate(starts) if a is None), \
        sum(1 << i for i, b in enumerate(stops) if b is None)
    spec = REGISTRY["StridedSlice"].infer(
        Spec(X.shape, tf.float64), begin=tuple(a or 0 for a in starts),
        end=tuple(b or 0 for b in stops), strides=tuple(c or 1 for c in steps),
        begin_mask=masks[0], end_mask=masks[1], ellipsis_mask=0, new_axis_mask=0,
        shrink_axis_mask=0)
    assert spec.shape == X[key].shape


def test_variable_slice_assign():
    v = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
    out = v[0].assign([5.0, 6.0])
    assert out is v and v.numpy().tolist() == [[5.0, 6.0], [3.0, 4.0]]
    v[:, 1].assign(0.0)  # broadcast, as TensorFlow allows
    assert v.numpy().tolist() == [[5.0, 0.0], [3.0, 0.0]]
    v[1, ::-1].assign([8.0, 9.0])
    assert v.numpy().tolist() == [[5.0, 0.0], [9.0, 8.0]]
    with pytest.raises(InvalidArgumentError, match="broadcast"):
        v[0].assign([1.0, 2.0, 3.0])
    assert not hasattr(tf.constant([1.0])[0], "assign")


def test_variable_slice_reads_are_differentiable():
    v = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(v[1] * 3.0) + v[0, 0]
    np.testing.assert_array_equal(np.asarray(tape.gradient(y, v)), [[1.0, 0.0], [3.0, 3.0]])
