"""Core, convolution and pooling layers against NumPy references; shapes, configs, training."""

import numpy as np
import pytest

import tensorweave as tf
from tensorweave import keras

L = keras.layers
RNG = np.random.default_rng(0)


def _x(*shape):
    return RNG.normal(size=shape).astype("float32")


def test_dense_matches_numpy_and_has_keras_weights():
    layer = L.Dense(3, activation="relu")
    x = _x(4, 5)
    y = layer(x).numpy()
    k, b = layer.get_weights()
    np.testing.assert_allclose(y, np.maximum(x @ k + b, 0), rtol=1e-5, atol=1e-6)
    assert [w.name for w in layer.weights] == ["kernel", "bias"]
    assert layer.kernel.path == f"{layer.name}/kernel"
    np.testing.assert_array_equal(b, 0)  # zeros bias, as Keras
    limit = np.sqrt(6 / (5 + 3))  # glorot_uniform kernel
    assert np.abs(k).max() <= limit


def test_dense_on_rank3_contracts_last_axis():
    layer = L.Dense(2, use_bias=False)
    x = _x(2, 3, 4)
    np.testing.assert_allclose(layer(x).numpy(), x @ layer.get_weights()[0], rtol=1e-5)
    assert layer.compute_output_shape((None, None, 4)) == (None, None, 2)


def test_dense_refuses_bad_units_and_unknown_last_axis():
    with pytest.raises(ValueError, match="units"):
        L.Dense(0)
    with pytest.raises(ValueError):
        L.Dense(2)(keras.Input((None,)))


def test_dense_gradients_reach_weights():
    layer = L.Dense(2)
    x = _x(3, 4)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(x) ** 2)
    gk, gb = tape.gradient(loss, layer.trainable_weights)
    k, b = layer.get_weights()
    y = x @ k + b
    np.testing.assert_allclose(gk.numpy(), x.T @ (2 * y), rtol=1e-4)
    np.testing.assert_allclose(gb.numpy(), (2 * y).sum(0), rtol=1e-4)


def test_config_round_trips():
    layers = [L.Dense(4, activation="tanh", kernel_regularizer="l2", use_bias=False),
              L.Conv2D(3, (2, 3), strides=2, padding="same", activation="relu"),
              L.Conv1D(2, 3, padding="causal"), L.Conv2DTranspose(2, 3, output_padding=1,
                                                                  strides=2),
              L.DepthwiseConv2D(3, depth_multiplier=2), L.SeparableConv2D(4, 3),
              L.MaxPooling2D(3, strides=1), L.AveragePooling1D(), L.GlobalAveragePooling2D(),
              L.Dropout(0.3, noise_shape=(None, 1)), L.Flatten(), L.Reshape((2, -1)),
              L.Permute((2, 1)), L.RepeatVector(3), L.ZeroPadding2D(((1, 2), (3, 4))),
              L.Cropping2D(1), L.UpSampling2D(interpolation="bilinear"),
              L.BatchNormalization(momentum=0.9), L.LayerNormalization(axis=[1, 2]),
              L.Embedding(5, 2, mask_zero=True), L.Masking(1.0), L.GaussianNoise(0.2),
              L.SpatialDropout2D(0.1), L.Rescaling(0.5, 1.0), L.Normalization(mean=[1.0],
                                                                             variance=[4.0]),
              L.ReLU(6.0), L.LeakyReLU(0.1), L.Softmax(axis=1), L.PReLU(shared_axes=[1]),
              L.Concatenate(axis=1), L.Dot(axes=(1, 2), normalize=True), L.Activation("gelu")]
    for layer in layers:
        config = layer.get_config()
        clone = type(layer).from_config(config)
        assert clone.get_config() == config, type(layer).__name__


def test_dropout_only_in_training():
    layer = L.Dropout(0.5)
    x = np.ones((200, 10), "float32")
    np.testing.assert_array_equal(layer(x).numpy(), x)
    np.testing.assert_array_equal(layer(x, training=False).numpy(), x)
    y = layer(x, training=True).numpy()
    assert set(np.unique(y)) <= {0.0, 2.0}
    assert 0.4 < (y == 0).mean() < 0.6


def test_dropout_noise_shape_shares_draws():
    y = L.Dropout(0.5, noise_shape=(None, 1))(np.ones((50, 6), "float32"), training=True)
    y = y.numpy()
    assert all(len(set(row)) == 1 for row in y)


def test_flatten_reshape_permute_repeat():
    x = _x(2, 3, 4)
    np.testing.assert_array_equal(L.Flatten()(x).numpy(), x.reshape(2, 12))
    np.testing.assert_array_equal(L.Reshape((4, -1))(x).numpy(), x.reshape(2, 4, 3))
    np.testing.assert_array_equal(L.Permute((2, 1))(x).numpy(), x.transpose(0, 2, 1))
    v = _x(2, 4)
    np.testing.assert_array_equal(L.RepeatVector(3)(v).numpy(), np.repeat(v[:, None], 3, 1))
    assert L.Reshape((-1, 2)).compute_output_shape((None, 3, 4)) == (None, 6, 2)
    with pytest.raises(ValueError):
        L.Reshape((5, -1))(x)
    with pytest.raises(ValueError):
        L.Permute((1, 3))


def _conv2d_numpy(x, k, stride=1):
    kh, kw = k.shape[:2]
    oh = (x.shape[1] - kh) // stride + 1
    ow = (x.shape[2] - kw) // stride + 1
    out = np.zeros((x.shape[0], oh, ow, k.shape[3]))
    for i in range(oh):
        for j in range(ow):
            patch = x[:, i * stride:i * stride + kh, j * stride:j * stride + kw, :]
            out[:, i, j] = np.tensordot(patch, k, axes=([1, 2, 3], [0, 1, 2]))
    return out


def test_conv2d_matches_numpy():
    layer = L.Conv2D(4, 3, strides=2, bias_initializer="ones")
    x = _x(2, 7, 7, 3)
    y = layer(x).numpy()
    ref = _conv2d_numpy(x, layer.get_weights()[0], 2) + 1
    np.testing.assert_allclose(y, ref, rtol=1e-4, atol=1e-5)
    assert layer.compute_output_shape((None, 7, 7, 3)) == (None, 3, 3, 4)


def test_conv2d_channels_first_agrees_with_channels_last():
    last = L.Conv2D(2, 3, padding="same")
    first = L.Conv2D(2, 3, padding="same", data_format="channels_first")
    x = _x(1, 5, 5, 3)
    last(x)
    first(x.transpose(0, 3, 1, 2))
    first.set_weights(last.get_weights())
    np.testing.assert_allclose(first(x.transpose(0, 3, 1, 2)).numpy(),
                               last(x).numpy().transpose(0, 3, 1, 2), rtol=1e-4, atol=1e-5)


def test_max_and_average_pooling_match_numpy():
    x = _x(2, 4, 6, 3)
    blocks = x.reshape(2, 2, 2, 3, 2, 3)
    np.testing.assert_allclose(L.MaxPooling2D()(x).numpy(), blocks.max(axis=(2, 4)))
    np.testing.assert_allclose(L.AveragePooling2D()(x).numpy(), blocks.mean(axis=(2, 4)),
                               rtol=1e-6)
    np.testing.assert_allclose(L.GlobalMaxPooling2D()(x).numpy(), x.max(axis=(1, 2)))
    np.testing.assert_allclose(L.GlobalAveragePooling2D(keepdims=True)(x).numpy(),
                               x.mean(axis=(1, 2), keepdims=True), rtol=1e-6)


def test_padding_cropping_upsampling():
    x = _x(1, 3, 4, 2)
    np.testing.assert_array_equal(L.ZeroPadding2D(((1, 0), (2, 1)))(x).numpy(),
                                  np.pad(x, ((0, 0), (1, 0), (2, 1), (0, 0))))
    np.testing.assert_array_equal(L.Cropping2D(((1, 1), (0, 2)))(x).numpy(), x[:, 1:2, 0:2])
    np.testing.assert_array_equal(L.UpSampling2D((2, 3))(x).numpy(),
                                  x.repeat(2, axis=1).repeat(3, axis=2))
    with pytest.raises(ValueError):
        L.Cropping2D(2)(x)


def test_sequential_cnn_shapes_and_summary(capsys):
    model = keras.Sequential([
        L.Conv2D(8, 3, activation="relu", input_shape=(12, 12, 1)),
        L.MaxPooling2D(),
        L.Flatten(),
        L.Dropout(0.2),
        L.Dense(4, activation="softmax"),
    ])
    assert model.output_shape == (None, 4)
    y = model(_x(3, 12, 12, 1)).numpy()
    np.testing.assert_allclose(y.sum(1), 1, rtol=1e-5)
    assert model.count_params() == 8 * 9 + 8 + 200 * 4 + 4


def test_layers_work_inside_tf_function():
    model = keras.Sequential([L.Conv2D(2, 3, input_shape=(6, 6, 1)), L.Flatten(),
                              L.Dense(3)])
    x = _x(2, 6, 6, 1)
    traced = tf.function(lambda t: model(t, training=False))
    np.testing.assert_allclose(traced(x).numpy(), model(x).numpy(), rtol=1e-5)


def test_lambda_layer_and_its_config():
    layer = L.Lambda(lambda t, k: t * k, arguments={"k": 3.0})
    np.testing.assert_allclose(layer(np.ones((1, 2), "float32")).numpy(), [[3.0, 3.0]])
    config = layer.get_config()
    assert config["function"]["class_name"] == "__lambda__"
    with pytest.raises(ValueError, match="safe_mode"):
        L.Lambda.from_config(config)
    clone = L.Lambda.from_config(config, safe_mode=False)
    np.testing.assert_allclose(clone(np.ones((1, 2), "float32")).numpy(), [[3.0, 3.0]])


def test_mixed_precision_computes_in_float16_with_float32_weights():
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        model = keras.Sequential([L.Conv2D(4, 3, input_shape=(8, 8, 3)), L.BatchNormalization(),
                                  L.MaxPooling2D(), L.Reshape((9, 4)), L.LSTM(3),
                                  L.Dense(2)])
        x = _x(2, 8, 8, 3)
        with tf.GradientTape() as tape:
            y = model(x, training=True)
            loss = tf.reduce_sum(tf.cast(y, "float32"))
        grads = tape.gradient(loss, model.trainable_weights)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert y.dtype == tf.float16
    assert {w.dtype for w in model.weights} == {tf.float32}
    assert all(g is not None and g.dtype == tf.float32 for g in grads)
