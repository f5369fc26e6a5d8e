"""StringLookup / IntegerLookup: indices, adapt ordering, round trips, use in a model."""

import numpy as np
import pytest

import tensorweave as tf
from tensorweave import keras

L = keras.layers


def test_string_lookup_indices_and_inverse_round_trip():
    layer = L.StringLookup(vocabulary=["cat", "dog"])
    ids = layer(np.array([["dog", "cat", "emu"]])).numpy()
    np.testing.assert_array_equal(ids, [[2, 1, 0]])
    back = L.StringLookup(vocabulary=["cat", "dog"], invert=True)(ids).numpy()
    np.testing.assert_array_equal(back, [[b"dog", b"cat", b"[UNK]"]])


def test_adapt_orders_by_frequency_and_respects_max_tokens():
    layer = L.IntegerLookup(max_tokens=3)
    layer.adapt(np.array([4, 4, 4, 2, 2, 9]))
    assert layer.get_vocabulary() == [-1, 4, 2]
    assert layer.vocabulary_size() == 3


def test_lookup_config_round_trip_and_errors():
    layer = L.StringLookup(vocabulary=["a", "b"], mask_token="", output_mode="multi_hot")
    clone = L.StringLookup.from_config(layer.get_config())
    x = np.array([["a", "", "b"]])
    np.testing.assert_array_equal(clone(x).numpy(), layer(x).numpy())
    with pytest.raises(ValueError, match="repeated"):
        L.StringLookup(vocabulary=["a", "a"])
    with pytest.raises(NotImplementedError):
        L.StringLookup(num_oov_indices=2)
    with pytest.raises(ValueError, match="integer"):
        L.IntegerLookup(vocabulary=[1])(np.array([1.5]))


def test_integer_lookup_in_a_traced_model():
    lookup = L.IntegerLookup(vocabulary=[10, 20, 30])
    model = keras.Sequential([keras.Input((2,), dtype="int64"), lookup,
                              L.Embedding(4, 2), L.Flatten(), L.Dense(1)])
    x = np.array([[10, 30], [99, 20]])
    traced = tf.function(lambda t: model(t))
    np.testing.assert_allclose(traced(tf.constant(x)).numpy(), model(x).numpy(), rtol=1e-6)


def test_adapted_vocabulary_survives_config_round_trip():
    layer = L.StringLookup()
    layer.adapt(np.array(["b", "a", "b"]))
    clone = L.StringLookup.from_config(layer.get_config())
    assert clone.get_vocabulary() == layer.get_vocabulary() == ["[UNK]", "b", "a"]
