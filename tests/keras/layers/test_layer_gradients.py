"""Every layer with weights: its weight gradients against finite differences (float64)."""

import numpy as np
import pytest

from tensorweave import keras
from tests.keras.layers._gradcheck import check_layer_gradients

L = keras.layers
RNG = np.random.default_rng(1)

CASES = [
    (lambda: L.Dense(3, activation="tanh", dtype="float64"), (2, 4)),
    (lambda: L.Conv1D(2, 3, padding="causal", dtype="float64"), (1, 5, 2)),
    (lambda: L.Conv2D(2, 2, strides=2, padding="same", dtype="float64"), (1, 5, 5, 2)),
    (lambda: L.Conv2DTranspose(2, 2, strides=2, dtype="float64"), (1, 3, 3, 2)),
    (lambda: L.DepthwiseConv2D(2, dtype="float64"), (1, 4, 4, 2)),
    (lambda: L.SeparableConv2D(2, 2, dtype="float64"), (1, 4, 4, 2)),
    (lambda: L.BatchNormalization(dtype="float64"), (5, 3)),
    (lambda: L.LayerNormalization(dtype="float64"), (2, 4)),
    (lambda: L.PReLU(dtype="float64"), (2, 4)),
    (lambda: L.Embedding(5, 2, dtype="float64"), None),
    (lambda: L.SimpleRNN(2, dtype="float64"), (2, 3, 2)),
    (lambda: L.LSTM(2, return_sequences=True, dtype="float64"), (2, 3, 2)),
    (lambda: L.GRU(2, dtype="float64"), (2, 3, 2)),
    (lambda: L.GRU(2, reset_after=False, dtype="float64"), (2, 3, 2)),
    (lambda: L.ConvLSTM1D(1, 2, dtype="float64"), (1, 2, 3, 1)),
    (lambda: L.EinsumDense("abc,cd->abd", (None, 2), bias_axes="d",
                          dtype="float64"), (2, 3, 2)),
    (lambda: L.Attention(use_scale=True, score_mode="concat", dtype="float64"), "pair"),
]


@pytest.mark.parametrize("make,shape", CASES, ids=[str(i) for i in range(len(CASES))])
def test_weight_gradients_match_finite_differences(make, shape):
    layer = make()
    if shape is None:  # integer ids
        ids = np.array([[1, 4, 0], [2, 2, 3]])
        x = ids.astype(np.float64)
        check_layer_gradients(layer, x)
        return
    if shape == "pair":
        q = RNG.normal(size=(2, 3, 2))
        layer([q, q])
        _check_pair(layer, q)
        return
    check_layer_gradients(layer, RNG.normal(size=shape))


def test_batch_normalization_training_gradients():
    layer = L.BatchNormalization(dtype="float64")
    check_layer_gradients(layer, RNG.normal(size=(6, 3)), training=True, rtol=1e-4)


def test_multi_head_attention_gradients():
    layer = L.MultiHeadAttention(2, 2, dtype="float64")
    q = RNG.normal(size=(1, 3, 2))
    layer(q, q)

    class Self(keras.layers.Layer):
        def call(self, x):
            return layer(x, x)

    wrapper = Self(dtype="float64")
    wrapper.inner = layer
    check_layer_gradients(wrapper, q, rtol=1e-4)


def _check_pair(layer, q):
    class Pair(keras.layers.Layer):
        def call(self, x):
            return layer([x, x])

    wrapper = Pair(dtype="float64")
    wrapper.inner = layer
    check_layer_gradients(wrapper, q, rtol=1e-4)
