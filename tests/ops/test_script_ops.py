"""tf.py_function, tf.numpy_function, tf.Assert, control_dependencies, group, tuple and
get_static_value, eagerly and traced."""

import numpy as np
import pytest

import tensorweave as tf


def test_py_and_numpy_function_run_at_every_call():
    calls = []

    def sort(a):
        calls.append(1)
        return np.sort(a)

    f = tf.function(lambda x: tf.numpy_function(sort, [x], tf.float32) * 2.0)
    assert f(tf.constant([3.0, 1.0])).numpy().tolist() == [2.0, 6.0]
    assert f(tf.constant([5.0, 4.0])).numpy().tolist() == [8.0, 10.0]
    assert len(calls) == 2
    out = f.get_concrete_function(tf.constant([1.0, 2.0])).outputs[0]
    assert out.shape.rank is None  # unknown, as TensorFlow says
    g = tf.function(lambda x: tf.py_function(lambda t: (t + 1, t * 2), [x],
                                             [tf.float32, tf.float32]))
    a, b = g(tf.constant(2.0))
    assert (float(a), float(b)) == (3.0, 4.0)
    assert int(tf.py_function(lambda t: t * 2, [tf.constant(3)], tf.int32)) == 6


def test_assert_eager_and_traced():
    @tf.function
    def positive(x):
        tf.Assert(tf.reduce_all(x > 0), ["x must be positive:", x])
        return x

    assert positive(tf.constant([1.0])).numpy().tolist() == [1.0]
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"assertion failed: \[x must be positive:\] \[-1 2\]"):
        positive(tf.constant([-1.0, 2.0]))
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.Assert(tf.constant(False), [tf.constant(1)])


def test_control_dependencies_group_tuple_static_value():
    v = tf.Variable(0)

    @tf.function
    def f(x):
        update = v.assign_add(1)
        with tf.control_dependencies([update]):
            y = tf.identity(x) + v.read_value()
        tf.group(update, y)
        tf.no_op()
        assert tf.get_static_value(tf.constant(2) * 3) == 6
        assert tf.get_static_value(x) is None
        return tf.tuple([y, x])

    y, x = f(tf.constant(10))
    assert int(y) == 11 and int(x) == 10
    assert tf.get_static_value(tf.constant([1, 2])).tolist() == [1, 2]
    with pytest.raises(TypeError):
        tf.control_dependencies([object()])
