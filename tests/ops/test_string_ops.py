import numpy as np
import pytest

import tensorweave as tf


def test_basic_string_ops():
    s = tf.constant(["Hello", "wörld"])
    assert tf.strings.length(s).numpy().tolist() == [5, 6]
    assert tf.strings.length(s, unit="UTF8_CHAR").numpy().tolist() == [5, 5]
    assert tf.strings.upper(s).numpy().tolist() == [b"HELLO", "WöRLD".encode()]
    assert tf.strings.join([s, tf.constant("!")], separator="-").numpy()[0] == b"Hello-!"
    assert tf.strings.reduce_join(s, separator=",").numpy() == "Hello,wörld".encode()
    assert tf.strings.substr(tf.constant("abcdef"), 1, 3).numpy() == b"bcd"
    assert tf.strings.regex_replace(s, "l+", "L").numpy()[0] == b"HeLo"
    assert tf.strings.regex_full_match(s, "H.*").numpy().tolist() == [True, False]


def test_to_number_and_as_string():
    np.testing.assert_allclose(tf.strings.to_number(tf.constant(["1.5", "-2"])).numpy(),
                               [1.5, -2.0])
    assert tf.strings.to_number(tf.constant(["7"]), tf.int64).dtype is tf.int64
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.strings.to_number(tf.constant(["x"]))
    assert tf.strings.as_string(tf.constant([1.5])).numpy().tolist() == [b"1.500000"]
    assert tf.strings.as_string(tf.constant([True])).numpy().tolist() == [b"true"]


def test_string_ops_refuse_numbers():
    with pytest.raises(TypeError):
        tf.strings.upper(tf.constant([1]))


def test_conformance_strings():
    tf_real = pytest.importorskip("tensorflow")
    words = ["Hello", "wörld", ""]
    assert tf.strings.length(tf.constant(words)).numpy().tolist() == \
        tf_real.strings.length(words).numpy().tolist()
    assert tf.strings.reduce_join(tf.constant(words), separator="|").numpy() == \
        tf_real.strings.reduce_join(words, separator="|").numpy()
    assert tf.strings.as_string(tf.constant([1.25, 3.0])).numpy().tolist() == \
        tf_real.strings.as_string([1.25, 3.0]).numpy().tolist()
