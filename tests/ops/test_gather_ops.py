"""gather (and its sparse gradient), gather_nd, scatter_nd, tensor_scatter_nd_*, boolean_mask,
tf.IndexedSlices and the tape's handling of sparse gradients."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tensorweave as tf
from tensorweave.framework.errors import InvalidArgumentError

RNG = np.random.default_rng(0)
P = RNG.standard_normal((4, 3, 2))


def _np(t):
    return np.asarray(t)


class TestGather:
    def test_axes(self):
        idx = np.array([[3, 0], [1, 1]])
        np.testing.assert_array_equal(_np(tf.gather(P, idx)), P[idx])
        np.testing.assert_array_equal(_np(tf.gather(P, idx % 3, axis=1)),
                                      np.take(P, idx % 3, axis=1))
        np.testing.assert_array_equal(_np(tf.gather(P, [1], axis=-1)), P[..., [1]])
        assert tf.gather(P, 2).shape == (3, 2)

    def test_batch_dims(self):
        idx = np.array([[2, 0, 0], [1, 1, 2], [0, 0, 0], [2, 1, 0]])
        out = tf.gather(P, idx, axis=1, batch_dims=1)
        want = np.stack([P[b][idx[b]] for b in range(4)])
        np.testing.assert_array_equal(_np(out), want)
        out = tf.gather(P, idx[:, :2] % 2, axis=2, batch_dims=1)
        want = np.stack([np.take(P[b], idx[b, :2] % 2, axis=1) for b in range(4)])
        np.testing.assert_array_equal(_np(out), want)
        assert tf.gather(P, idx, batch_dims=-1, axis=1).shape == (4, 3, 2)

    def test_errors(self):
        with pytest.raises(InvalidArgumentError, match="not in"):
            tf.gather(P, [4])
        with pytest.raises(InvalidArgumentError):
            tf.gather(P, [-1])
        with pytest.raises(TypeError):
            tf.gather(P, [0.5])

    def test_gradient_is_indexed_slices(self):
        x = tf.constant(P)
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.gather(x, [[0, 3], [3, 3]])
        g = tape.gradient(y, x, output_gradients=tf.ones_like(y) * 2.0)
        assert isinstance(g, tf.IndexedSlices)
        assert g.values.shape == (4, 3, 2) and g.indices.numpy().tolist() == [0, 3, 3, 3]
        want = np.zeros_like(P)
        want[0] = 2.0
        want[3] = 6.0
        np.testing.assert_array_equal(_np(tf.convert_to_tensor(g)), want)

    def test_sparse_gradients_accumulate_and_densify(self):
        v = tf.Variable(np.ones((5, 2)))
        with tf.GradientTape() as tape:
            a = tf.gather(v, [0, 1])
            b = tf.gather(v, [1, 4])
            y = tf.reduce_sum(a) + tf.reduce_sum(b * 3.0)
        g = tape.gradient(y, v)
        assert isinstance(g, tf.IndexedSlices) and g.indices.numpy().tolist() == [1, 4, 0, 1]
        np.testing.assert_array_equal(_np(g), [[1, 1], [4, 4], [0, 0], [0, 0], [3, 3]])
        x = tf.constant(np.ones((3, 2)))
        with tf.GradientTape() as tape:  # sparse + dense, and sparse through a later op
            tape.watch(x)
            y = tf.reduce_sum(tf.gather(x * 2.0, [2])) + tf.reduce_sum(x)
        np.testing.assert_array_equal(_np(tape.gradient(y, x)), [[1, 1], [1, 1], [3, 3]])

    def test_dense_gradient_for_other_axes(self):
        x = tf.constant(P)
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.gather(x, [2, 2, 0], axis=1)
        g = tape.gradient(y, x)
        want = np.zeros_like(P)
        want[:, 2] = 2.0
        want[:, 0] = 1.0
        np.testing.assert_array_equal(_np(g), want)


class TestIndexedSlices:
    def test_fields_and_conversion(self):
        s = tf.IndexedSlices(tf.constant([[1.0, 2.0], [3.0, 4.0]]), tf.constant([2, 0]),
                             tf.constant([3, 2]))
        assert s.dtype == tf.float32 and s.shape == (3, 2)
        np.testing.assert_array_equal(_np(tf.convert_to_tensor(s)), [[3, 4], [0, 0], [1, 2]])
        np.testing.assert_array_equal(_np(tf.constant(1.0) * tf.convert_to_tensor(-s))[0],
                                      [-3.0, -4.0])
        assert "IndexedSlices" in repr(s)
        with pytest.raises(ValueError):
            tf.convert_to_tensor(tf.IndexedSlices(s.values, s.indices))


class TestNd:
    def test_gather_nd(self):
        idx = np.array([[0, 1], [3, 2]])
        np.testing.assert_array_equal(_np(tf.gather_nd(P, idx)), P[idx[:, 0], idx[:, 1]])
        np.testing.assert_array_equal(_np(tf.gather_nd(P, [[1]])), P[[1]])
        idx = np.array([[[1], [0]], [[2], [2]], [[0], [0]], [[1], [2]]])
        out = tf.gather_nd(P, idx, batch_dims=1)
        want = np.stack([P[b][idx[b, :, 0]] for b in range(4)])
        np.testing.assert_array_equal(_np(out), want)
        with pytest.raises(InvalidArgumentError):
            tf.gather_nd(P, [[4, 0]])

    def test_scatter_nd_adds_duplicates(self):
        out = tf.scatter_nd([[1], [1], [3]], tf.constant([1.0, 2.0, 5.0]), [4])
        assert out.numpy().tolist() == [0.0, 3.0, 0.0, 5.0]
        out = tf.scatter_nd([[0, 1]], tf.constant([[7]]), tf.constant([2, 2, 1]))
        assert out.shape == (2, 2, 1) and int(out[0, 1, 0]) == 7

    def test_tensor_scatter_family(self):
        base = tf.constant([1.0, 2.0, 3.0, 4.0])
        idx = [[1], [3]]
        up = tf.constant([10.0, -10.0])
        assert tf.tensor_scatter_nd_update(base, idx, up).numpy().tolist() == [1, 10, 3, -10]
        assert tf.tensor_scatter_nd_add(base, idx, up).numpy().tolist() == [1, 12, 3, -6]
        assert tf.tensor_scatter_nd_sub(base, idx, up).numpy().tolist() == [1, -8, 3, 14]
        assert tf.tensor_scatter_nd_max(base, idx, up).numpy().tolist() == [1, 10, 3, 4]
        assert tf.tensor_scatter_nd_min(base, idx, up).numpy().tolist() == [1, 2, 3, -10]
        with pytest.raises(InvalidArgumentError, match="updates must have shape"):
            tf.tensor_scatter_nd_update(base, idx, tf.constant([1.0]))
        with pytest.raises(InvalidArgumentError):
            tf.tensor_scatter_nd_update(base, [[1], [3]], tf.constant([1, 2]))

    def test_variable_scatter_methods(self):
        v = tf.Variable([1.0, 2.0, 3.0])
        v.scatter_nd_update([[0]], [9.0])
        v.scatter_nd_add([[2]], [1.0])
        assert v.numpy().tolist() == [9.0, 2.0, 4.0]


class TestBooleanMask:
    def test_masks(self):
        m = P[:, :, 0] > 0
        np.testing.assert_array_equal(_np(tf.boolean_mask(P, m)), P[m])
        m1 = np.array([True, False, True])
        np.testing.assert_array_equal(_np(tf.boolean_mask(P, m1, axis=1)), P[:, m1])
        m2 = P[0] > 0  # two mask dims after a leading one
        np.testing.assert_array_equal(_np(tf.boolean_mask(P, m2, axis=1)), P[:, m2])
        with pytest.raises(ValueError):
            tf.boolean_mask(P, [True, False])
        with pytest.raises(TypeError):
            tf.boolean_mask(P, [1, 0, 1, 0])

    def test_gradient(self):
        x = tf.constant(P)
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.reduce_sum(tf.boolean_mask(x, P > 0))
        np.testing.assert_array_equal(_np(tape.gradient(y, x)), (P > 0).astype(np.float64))


@settings(max_examples=50, deadline=None)
@given(st.data())
def test_gather_property(data):
    """Any axis and batch_dims against a per-batch NumPy take, and the dense gradient against
    NumPy's add.at."""
    rank = data.draw(st.integers(1, 4))
    shape = tuple(data.draw(st.lists(st.integers(1, 3), min_size=rank, max_size=rank)))
    b = data.draw(st.integers(0, rank - 1))
    axis = data.draw(st.integers(b, rank - 1))
    extra = tuple(data.draw(st.lists(st.integers(0, 2), max_size=2)))
    idx = np.asarray(data.draw(hnp.arrays(np.int32, shape[:b] + extra,
                                          elements=st.integers(0, shape[axis] - 1))))
    params = np.arange(np.prod(shape), dtype=np.float64).reshape(shape)

    def reference(p, i, bd):
        if bd == 0:
            return np.take(p, i, axis=axis - (b - bd))
        return np.stack([reference(p[k], i[k], bd - 1) for k in range(p.shape[0])])

    want = reference(params, idx, b)
    got = tf.gather(params, idx, axis=axis, batch_dims=b)
    np.testing.assert_array_equal(_np(got), want)
    x = tf.constant(params)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.gather(x, idx, axis=axis, batch_dims=b)
    g = _np(tf.convert_to_tensor(tape.gradient(y, x, output_gradients=tf.ones_like(y))))
    counts = np.zeros_like(params)
    flat = np.arange(params.size).reshape(shape)
    np.add.at(counts.reshape(-1), reference(flat, idx, b).reshape(-1), 1.0)
    np.testing.assert_array_equal(g, counts)
