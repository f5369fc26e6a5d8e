import numpy as np
import pytest

import tensorweave as tf


@pytest.mark.parametrize("value,dtype", [
    (7, tf.int32), (7.0, tf.float32), (True, tf.bool), ([1, 2], tf.int32), ([1, 2.5], tf.float32),
    (2**40, tf.int64), ("a", tf.string), (b"a", tf.string), (1j, tf.complex128),
    (np.float64(1), tf.float64), (np.arange(3, dtype=np.int16), tf.int16), ([], tf.float32),
])
def test_python_and_numpy_dtype_rules(value, dtype):
    assert tf.constant(value).dtype is dtype


def test_constant_shape_fill_and_reshape():
    assert tf.constant(0, shape=[2, 3]).numpy().tolist() == [[0] * 3] * 2
    assert tf.constant([1, 2, 3, 4], shape=(2, 2)).shape == (2, 2)
    with pytest.raises(TypeError):
        tf.constant([1, 2, 3], shape=(2, 2))


def test_convert_to_tensor_respects_dtype():
    t = tf.constant([1, 2])
    assert tf.convert_to_tensor(t) is t
    with pytest.raises(ValueError):
        tf.convert_to_tensor(t, dtype=tf.float32)
    assert tf.convert_to_tensor([1, 2], dtype=tf.float32).dtype is tf.float32
    assert tf.convert_to_tensor(1, dtype_hint=tf.float32).dtype is tf.float32
    with pytest.raises(TypeError):
        tf.convert_to_tensor(1.5, dtype=tf.int32)


def test_ragged_list_is_refused():
    with pytest.raises(ValueError):
        tf.constant([[1, 2], [3]])


def test_strings_are_bytes():
    t = tf.constant(["ab", "c"])
    assert t.dtype is tf.string and t.numpy().tolist() == [b"ab", b"c"]


def test_python_floats_are_refused_for_integer_dtypes():
    import pytest as _pytest

    for make in (tf.constant, tf.convert_to_tensor):
        with _pytest.raises(TypeError, match="Cannot convert 1.0 to EagerTensor of dtype int32"):
            make(1.0, dtype=tf.int32)
    assert tf.constant(-1, dtype=tf.uint8).numpy() == 255  # tf.constant wraps ints, as TF


def test_scalar_string_str():
    assert str(tf.constant(b"b")) == "tf.Tensor(b'b', shape=(), dtype=string)"
