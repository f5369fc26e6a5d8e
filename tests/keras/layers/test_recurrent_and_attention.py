"""RNN layers against a NumPy LSTM/GRU, masks, states, wrappers and attention."""

import numpy as np
import pytest

import tensorweave as tf
from tensorweave import keras

L = keras.layers
RNG = np.random.default_rng(4)


def _sigmoid(v):
    return 1 / (1 + np.exp(-v))


def _numpy_lstm(x, k, rk, b):
    n = rk.shape[0]
    h = np.zeros((x.shape[0], n))
    c = np.zeros_like(h)
    outs = []
    for t in range(x.shape[1]):
        z = x[:, t] @ k + h @ rk + b
        i, f, g, o = (z[:, j * n:(j + 1) * n] for j in range(4))
        c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
        h = _sigmoid(o) * np.tanh(c)
        outs.append(h)
    return np.stack(outs, 1), h, c


def test_lstm_matches_numpy_and_keras_layout():
    layer = L.LSTM(3, return_sequences=True, return_state=True)
    x = RNG.normal(size=(2, 4, 5)).astype("float32")
    seq, h, c = layer(x)
    k, rk, b = layer.get_weights()
    assert k.shape == (5, 12) and rk.shape == (3, 12) and b.shape == (12,)
    np.testing.assert_array_equal(b, [0] * 3 + [1] * 3 + [0] * 6)  # unit_forget_bias
    ref_seq, ref_h, ref_c = _numpy_lstm(x, k, rk, b)
    np.testing.assert_allclose(seq.numpy(), ref_seq, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(h.numpy(), ref_h, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(c.numpy(), ref_c, rtol=1e-4, atol=1e-5)


def test_masked_steps_keep_the_previous_state():
    layer = L.GRU(2, return_sequences=True)
    x = RNG.normal(size=(1, 4, 3)).astype("float32")
    mask = np.array([[True, True, False, False]])
    seq = layer(x, mask=mask).numpy()
    np.testing.assert_allclose(seq[:, 2], seq[:, 1])
    np.testing.assert_allclose(seq[:, 3], seq[:, 1])
    short = layer(x[:, :2]).numpy()
    np.testing.assert_allclose(seq[:, 1], short[:, 1], rtol=1e-5)


def test_go_backwards_reads_reversed_sequence():
    fwd = L.SimpleRNN(2)
    x = RNG.normal(size=(2, 3, 2)).astype("float32")
    fwd(x)
    bwd = L.SimpleRNN(2, go_backwards=True)
    bwd(x)
    bwd.set_weights(fwd.get_weights())
    np.testing.assert_allclose(bwd(x).numpy(), fwd(x[:, ::-1]).numpy(), rtol=1e-5)


def test_initial_state_and_stateful():
    layer = L.SimpleRNN(2, return_state=True)
    x = RNG.normal(size=(1, 3, 2)).astype("float32")
    out, state = layer(x)
    out2, _ = layer(x, initial_state=[state])
    stateful = L.SimpleRNN(2, stateful=True)
    stateful(x[:, :1])
    stateful.set_weights(layer.get_weights())
    stateful.reset_states()
    for t in range(3):
        last = stateful(x[:, t:t + 1])
    np.testing.assert_allclose(last.numpy(), out.numpy(), rtol=1e-5)
    stateful.reset_states()
    np.testing.assert_allclose(stateful(x).numpy(), out.numpy(), rtol=1e-5)
    assert not np.allclose(out2.numpy(), out.numpy())


def test_rnn_with_custom_cell_and_stacked_cells():
    class MinimalCell(keras.layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.state_size = units

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")

        def call(self, inputs, states):
            out = tf.matmul(inputs, self.kernel) + states[0]
            return out, [out]

    x = RNG.normal(size=(2, 3, 4)).astype("float32")
    layer = L.RNN(MinimalCell(2))
    y = layer(x).numpy()
    k = layer.get_weights()[0]
    np.testing.assert_allclose(y, (x @ k).sum(1), rtol=1e-5)
    stacked = L.RNN([L.SimpleRNNCell(3), L.LSTMCell(2)])
    assert stacked(x).shape == (2, 2)
    assert len(stacked.weights) == 6


def test_rnn_configs_round_trip_and_symbolic_shapes():
    for layer in (L.LSTM(4, return_sequences=True, dropout=0.1), L.GRU(3, reset_after=False),
                  L.SimpleRNN(2, go_backwards=True),
                  L.Bidirectional(L.LSTM(2, return_sequences=True), merge_mode="sum"),
                  L.TimeDistributed(L.Dense(3)), L.MultiHeadAttention(2, 4, dropout=0.1),
                  L.Attention(use_scale=True)):
        config = layer.get_config()
        assert type(layer).from_config(config).get_config() == config
    inputs = keras.Input((None, 5))
    assert L.LSTM(4, return_sequences=True)(inputs).shape.as_tuple() == (None, None, 4)
    assert L.Bidirectional(L.GRU(3))(keras.Input((6, 2))).shape.as_tuple() == (None, 6)


def test_recurrent_dropout_only_in_training():
    layer = L.LSTM(3, dropout=0.5, recurrent_dropout=0.5)
    x = RNG.normal(size=(4, 3, 2)).astype("float32")
    np.testing.assert_array_equal(layer(x).numpy(), layer(x).numpy())
    assert not np.allclose(layer(x, training=True).numpy(), layer(x).numpy())


def test_lstm_model_trains_in_fit():
    model = keras.Sequential([L.Embedding(10, 4, mask_zero=True), L.LSTM(5), L.Dense(1)])
    ids = RNG.integers(0, 10, size=(16, 6))
    target = (ids.sum(1, keepdims=True) / 30.0).astype("float32")
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse")
    history = model.fit(ids, target, epochs=4, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_time_distributed_applies_layer_per_step():
    dense = L.Dense(2)
    layer = L.TimeDistributed(dense)
    x = RNG.normal(size=(2, 3, 4)).astype("float32")
    y = layer(x).numpy()
    k, b = dense.get_weights()
    np.testing.assert_allclose(y, x @ k + b, rtol=1e-5)


def test_multi_head_attention_causal_scores_and_numpy_reference():
    layer = L.MultiHeadAttention(num_heads=1, key_dim=2, use_bias=False)
    x = RNG.normal(size=(1, 3, 2)).astype("float32")
    out, scores = layer(x, x, return_attention_scores=True, use_causal_mask=True)
    s = scores.numpy()[0, 0]
    np.testing.assert_allclose(np.triu(s, 1), 0, atol=1e-7)
    np.testing.assert_allclose(s.sum(-1), 1, rtol=1e-5)
    wq, wk, wv, wo = (w for w in layer.get_weights())
    q = x[0] @ wq[:, 0] / np.sqrt(2)
    k = x[0] @ wk[:, 0]
    logits = q @ k.T + np.triu(np.full((3, 3), -1e9), 1)
    ref = np.exp(logits - logits.max(-1, keepdims=True))
    ref /= ref.sum(-1, keepdims=True)
    np.testing.assert_allclose(s, ref, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(out.numpy()[0], ref @ (x[0] @ wv[:, 0]) @ wo[0], rtol=1e-4,
                               atol=1e-6)


def test_attention_needs_a_list():
    with pytest.raises(ValueError, match="list"):
        L.Attention()(np.ones((1, 2, 3), "float32"))
