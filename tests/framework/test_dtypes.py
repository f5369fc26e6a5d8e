import numpy as np
import pytest

import tensorweave as tf
from tensorweave.framework import dtypes


def test_names_and_equality():
    assert tf.float32 == np.float32 and tf.float32 == "float32"
    assert tf.as_dtype(np.dtype("int64")) is tf.int64
    assert tf.as_dtype("double") is tf.float64
    assert tf.float32 != tf.float64
    assert repr(tf.int32) == "tf.int32"
    assert tf.as_dtype(tf.float16.as_datatype_enum) is tf.float16


@pytest.mark.parametrize("d", [tf.float16, tf.float32, tf.float64])
def test_float_properties(d):
    assert d.is_floating and not d.is_integer and d.max == float(np.finfo(d.np_dtype).max)


def test_integer_properties():
    assert tf.uint8.is_unsigned and tf.uint8.is_integer and tf.uint8.max == 255
    assert tf.int8.min == -128
    assert tf.bool.is_bool and tf.complex64.real_dtype is tf.float32


def test_bfloat16_round_trip():
    pytest.importorskip("ml_dtypes")
    t = tf.constant([1.5, 2.0], dtype=tf.bfloat16)
    assert t.dtype is tf.bfloat16
    assert t.numpy().astype(np.float32).tolist() == [1.5, 2.0]


def test_unknown_type_raises():
    with pytest.raises(TypeError):
        dtypes.as_dtype(object())
