import numpy as np
import pytest

import tensorweave as tf


def test_repr_and_str_as_tensorflow():
    t = tf.constant([1, 2])
    assert repr(t) == "<tf.Tensor: shape=(2,), dtype=int32, numpy=array([1, 2], dtype=int32)>"
    assert str(t) == "tf.Tensor([1 2], shape=(2,), dtype=int32)"
    assert repr(tf.constant(1.0)) == "<tf.Tensor: shape=(), dtype=float32, numpy=1.0>"


def test_numpy_interop():
    t = tf.constant([[1.0, 2.0]])
    assert isinstance(t.numpy(), np.ndarray) and np.asarray(t).shape == (1, 2)
    assert tf.constant(7).numpy() == 7 and np.ndim(tf.constant(7).numpy()) == 0
    assert t.ndim == 2 and t.device.endswith("CPU:0")


def test_python_protocols():
    t = tf.constant([3, 4])
    assert len(t) == 2 and [int(x) for x in t] == [3, 4]
    assert int(tf.constant(5)) == 5 and float(tf.constant(2.5)) == 2.5
    assert [0, 1, 2, 3][tf.constant(2)] == 2
    assert bool(tf.constant(True))
    with pytest.raises(TypeError):
        len(tf.constant(1))
    with pytest.raises(TypeError):
        hash(t)
    assert {t.ref(): 1}[t.ref()] == 1


def test_int_plus_float_refused():
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.constant(1) + tf.constant(1.0)
    with pytest.raises(TypeError):
        tf.constant([1, 2]) + 1.5


def test_shape_error_names_op_shapes_and_line():
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        tf.constant([1.0, 2.0]) + tf.constant([1.0, 2.0, 3.0])
    message = str(info.value)
    assert "AddV2" in message and "[2]" in message and "[3]" in message
    assert "test_tensor.py" in message


def test_reflected_operators_with_numpy_scalars():
    t = tf.constant([1.0, 2.0])
    out = np.float32(2) * t
    assert isinstance(out, tf.Tensor) and out.numpy().tolist() == [2.0, 4.0]
    assert (1.0 - t).numpy().tolist() == [0.0, -1.0]
