"""Array ops against NumPy: shapes, joining, tiling, padding, filling, where, gather/scatter."""

import numpy as np
import pytest

import tensorweave as tf
from tensorweave.framework.errors import InvalidArgumentError
from tensorweave.framework.op_def import REGISTRY
from tensorweave.ops._infer import Spec

RNG = np.random.default_rng(0)
A = RNG.standard_normal((2, 3, 4)).astype(np.float32)


def _np(t):
    return np.asarray(t)


class TestShapes:
    def test_reshape(self):
        np.testing.assert_array_equal(_np(tf.reshape(A, [6, -1])), A.reshape(6, -1))
        np.testing.assert_array_equal(_np(tf.reshape(A, tf.constant([4, 6]))), A.reshape(4, 6))
        assert tf.reshape(tf.constant(3.0), [1, 1]).shape == (1, 1)

    def test_reshape_errors(self):
        with pytest.raises(InvalidArgumentError, match="24 values"):
            tf.reshape(A, [5, 5])
        with pytest.raises(ValueError, match="only one dimension can be -1"):
            REGISTRY["Reshape"].infer(Spec((2, 3), tf.float32), shape=(-1, -1))

    def test_expand_dims_squeeze(self):
        assert tf.expand_dims(A, 0).shape == (1, 2, 3, 4)
        assert tf.expand_dims(A, -1).shape == (2, 3, 4, 1)
        with pytest.raises(InvalidArgumentError):
            tf.expand_dims(A, 5)
        x = tf.zeros((1, 2, 1, 3))
        assert tf.squeeze(x).shape == (2, 3)
        assert tf.squeeze(x, [2]).shape == (1, 2, 3)
        assert tf.squeeze(x, axis=-2).shape == (1, 2, 3)
        with pytest.raises(InvalidArgumentError, match="Can not squeeze dim"):
            tf.squeeze(x, 1)

    def test_shape_size_rank(self):
        s = tf.shape(A)
        assert s.dtype == tf.int32 and s.numpy().tolist() == [2, 3, 4]
        assert tf.shape(A, out_type=tf.int64).dtype == tf.int64
        assert int(tf.size(A)) == 24 and int(tf.rank(A)) == 3
        assert [t.numpy().tolist() for t in tf.shape_n([A, A[0]])] == [[2, 3, 4], [3, 4]]
        infer = REGISTRY["Shape"].infer(Spec((None, None), tf.float32), out_type=tf.int32)
        assert infer == Spec((2,), tf.int32)

    def test_transpose_and_tile(self):
        np.testing.assert_array_equal(_np(tf.transpose(A)), A.T)
        np.testing.assert_array_equal(_np(tf.tile(A, [1, 2, 3])), np.tile(A, (1, 2, 3)))
        with pytest.raises(InvalidArgumentError):
            tf.tile(A, [2, 2])

    def test_broadcast_to(self):
        np.testing.assert_array_equal(_np(tf.broadcast_to([1, 2, 3], [2, 3])),
                                      np.broadcast_to([1, 2, 3], (2, 3)))
        with pytest.raises(InvalidArgumentError):
            tf.broadcast_to([1, 2, 3], [2, 2])
        assert tf.broadcast_static_shape(tf.TensorShape([None, 1]),
                                         tf.TensorShape([3])).as_list() == [None, 3]
        assert tf.broadcast_dynamic_shape([2, 1], [3]).numpy().tolist() == [2, 3]


class TestJoin:
    def test_concat(self):
        b = RNG.standard_normal((2, 1, 4)).astype(np.float32)
        np.testing.assert_array_equal(_np(tf.concat([A, b], 1)), np.concatenate([A, b], 1))
        np.testing.assert_array_equal(_np(tf.concat([A, A], -1)), np.concatenate([A, A], -1))
        with pytest.raises(InvalidArgumentError, match="dimension"):
            tf.concat([A, b], 0)
        with pytest.raises(TypeError):
            tf.concat([tf.zeros(2), tf.zeros(2, tf.int32)], 0)

    def test_stack_unstack(self):
        np.testing.assert_array_equal(_np(tf.stack([A, A], 1)), np.stack([A, A], 1))
        parts = tf.unstack(A, axis=2)
        assert len(parts) == 4
        np.testing.assert_array_equal(_np(parts[1]), A[:, :, 1])
        with pytest.raises(InvalidArgumentError):
            tf.stack([tf.zeros(2), tf.zeros(3)])

    def test_reverse(self):
        np.testing.assert_array_equal(_np(tf.reverse(A, [0, -1])), A[::-1, :, ::-1])
        with pytest.raises(InvalidArgumentError, match="duplicates"):
            tf.reverse(A, [0, -3])


class TestPad:
    @pytest.mark.parametrize("mode", ["CONSTANT", "REFLECT", "SYMMETRIC"])
    def test_modes_match_numpy(self, mode):
        x = RNG.standard_normal((3, 4))
        pads = [[1, 2], [2, 1]]
        np_mode = {"CONSTANT": "constant", "REFLECT": "reflect", "SYMMETRIC": "symmetric"}[mode]
        np.testing.assert_array_equal(_np(tf.pad(x, pads, mode)), np.pad(x, pads, np_mode))

    def test_constant_value_and_errors(self):
        out = tf.pad(tf.constant([1, 2]), [[1, 1]], constant_values=7)
        assert out.numpy().tolist() == [7, 1, 2, 7] and out.dtype == tf.int32
        with pytest.raises(InvalidArgumentError):
            tf.pad(tf.zeros((2, 2)), [[1, 1]])
        with pytest.raises(InvalidArgumentError, match="REFLECT"):
            tf.pad(tf.zeros((2, 2)), [[2, 0], [0, 0]], "REFLECT")
        with pytest.raises(InvalidArgumentError, match="mode"):
            tf.pad(tf.zeros(2), [[1, 1]], "EDGE")

    def test_mirror_gradient_folds_borders(self):
        x = tf.constant([1.0, 2.0, 3.0])
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.pad(x, [[2, 1]], "REFLECT")  # [3, 2, 1, 2, 3, 2]
        np.testing.assert_array_equal(_np(tape.gradient(y, x)), [1.0, 3.0, 2.0])


class TestFill:
    def test_fill_zeros_ones(self):
        assert tf.fill([2, 3], 9).dtype == tf.int32
        np.testing.assert_array_equal(_np(tf.fill((2,), 0.5)), [0.5, 0.5])
        z = tf.zeros([2, 3])
        assert z.dtype == tf.float32 and not _np(z).any()
        o = tf.ones(tf.TensorShape([2]), tf.int64)
        assert o.dtype == tf.int64 and _np(o).tolist() == [1, 1]
        assert tf.zeros((), tf.bool).numpy() == np.False_
        with pytest.raises(InvalidArgumentError):
            tf.zeros([-1, 2])

    def test_one_hot(self):
        out = tf.one_hot([0, 2, -1, 5], 3)
        np.testing.assert_array_equal(_np(out), np.eye(3, dtype=np.float32)[[0, 2, 0, 0]] *
                                      np.array([[1], [1], [0], [0]], np.float32))
        out = tf.one_hot([[1, 0]], 2, on_value=5, off_value=-1, axis=0)
        assert out.dtype == tf.int32 and out.shape == (2, 1, 2)
        np.testing.assert_array_equal(_np(out)[:, 0, :], [[-1, 5], [5, -1]])
        assert tf.one_hot([1], 2, dtype=tf.float64).dtype == tf.float64

    def test_range(self):
        assert tf.range(5).numpy().tolist() == list(range(5)) and tf.range(5).dtype == tf.int32
        np.testing.assert_allclose(_np(tf.range(1.0, 2.0, 0.25)), [1.0, 1.25, 1.5, 1.75])
        assert tf.range(1.0, 5).dtype == tf.float32
        assert tf.range(5, 0, -2).numpy().tolist() == [5, 3, 1]
        assert tf.range(tf.constant(3, tf.int64)).dtype == tf.int64
        assert tf.range(3, dtype=tf.float64).dtype == tf.float64
        with pytest.raises(InvalidArgumentError):
            tf.range(5, 1)
        with pytest.raises(InvalidArgumentError):
            tf.range(0, 5, 0)


class TestWhere:
    def test_select(self):
        c = A > 0
        np.testing.assert_array_equal(_np(tf.where(c, A, tf.zeros_like(A))), np.where(c, A, 0))
        out = tf.where([True, False], [1.0, 2.0], 0.0)
        assert out.numpy().tolist() == [1.0, 0.0]
        with pytest.raises(ValueError):
            tf.where([True], [1.0])

    def test_coordinates(self):
        c = A > 0
        out = tf.where(c)
        assert out.dtype == tf.int64
        np.testing.assert_array_equal(_np(out), np.argwhere(c))
        assert tf.where(tf.zeros((0, 2), tf.bool)).shape == (0, 2)
        assert REGISTRY["Where"].infer(Spec((None, 3), tf.bool)) == Spec((None, 2), tf.int64)

    def test_select_gradient(self):
        x, y = tf.constant([1.0, 2.0]), tf.constant(3.0)
        with tf.GradientTape(persistent=True) as tape:
            tape.watch([x, y])
            z = tf.where([True, False], x, y)
        assert tape.gradient(z, x).numpy().tolist() == [1.0, 0.0]
        assert float(tape.gradient(z, y)) == 1.0


def test_stop_gradient_and_identity_n():
    x = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * tf.stop_gradient(x * x)
    assert float(tape.gradient(y, x)) == 4.0
    a, b = tf.identity_n([x, tf.constant([1, 2])])
    assert float(a) == 2.0 and b.numpy().tolist() == [1, 2]


def test_string_tensors():
    s = tf.constant(["a", "b", "c", "d"])
    assert tf.reshape(s, [2, 2])[1, 0].numpy() == b"c"  # a scalar string, not a bare bytes
    assert tf.gather(s, 3).numpy() == b"d" and tf.unstack(s)[0].numpy() == b"a"
    assert tf.pad(s[:1], [[1, 1]]).numpy().tolist() == [b"", b"a", b""]
    assert tf.concat([s[:1], tf.fill([1], "z")], 0).numpy().tolist() == [b"a", b"z"]
    assert tf.zeros([1], tf.string).numpy().tolist() == [b""]
    assert tf.where([True, False], s[:2], s[2:]).numpy().tolist() == [b"a", b"d"]
