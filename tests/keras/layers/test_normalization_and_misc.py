"""BatchNormalization/LayerNormalization, embedding and masking, noise layers, preprocessing and
merging layers against NumPy."""

import numpy as np
import pytest

import tensorweave as tf
from tensorweave import keras
from tensorweave.keras.engine import keras_tensor as kt

L = keras.layers
RNG = np.random.default_rng(2)


def _x(*shape):
    return RNG.normal(size=shape).astype("float32")


def test_batch_norm_training_uses_batch_stats_and_updates_moving_ones():
    layer = L.BatchNormalization()
    x = _x(8, 3) * 2 + 1
    y = layer(x, training=True).numpy()
    mean, var = x.mean(0), x.var(0)
    np.testing.assert_allclose(y, (x - mean) / np.sqrt(var + 1e-3), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(layer.moving_mean.numpy(), 0.01 * mean, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(layer.moving_variance.numpy(), 0.99 + 0.01 * var, rtol=1e-5)
    assert [w.name for w in layer.trainable_weights] == ["gamma", "beta"]
    assert [w.name for w in layer.non_trainable_weights] == ["moving_mean", "moving_variance"]


def test_batch_norm_inference_uses_moving_stats_and_frozen_layer_too():
    layer = L.BatchNormalization(epsilon=0.0)
    x = _x(4, 2)
    layer(x)
    layer.set_weights([np.array([2.0, 1.0]), np.array([0.5, 0.0]), np.array([1.0, -1.0]),
                       np.array([4.0, 1.0])])
    expected = (x - [1.0, -1.0]) / [2.0, 1.0] * [2.0, 1.0] + [0.5, 0.0]
    np.testing.assert_allclose(layer(x).numpy(), expected, rtol=1e-5, atol=1e-6)
    layer.trainable = False  # Keras: a frozen BatchNormalization runs in inference mode
    np.testing.assert_allclose(layer(x, training=True).numpy(), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(layer.moving_mean.numpy(), [1.0, -1.0])


def test_batch_norm_on_conv_features_and_inside_tf_function():
    layer = L.BatchNormalization(momentum=0.5)
    x = _x(2, 3, 3, 4)
    step = tf.function(lambda t: layer(t, training=True))
    step(x)
    np.testing.assert_allclose(layer.moving_mean.numpy(), 0.5 * x.mean((0, 1, 2)), rtol=1e-4,
                               atol=1e-6)


def test_layer_norm_matches_numpy():
    x = _x(3, 5)
    y = L.LayerNormalization(epsilon=1e-5)(x).numpy()
    ref = (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-5)
    np.testing.assert_allclose(y, ref, rtol=1e-4, atol=1e-5)


def test_embedding_lookup_mask_and_gradient_rows():
    layer = L.Embedding(6, 2, mask_zero=True)
    ids = np.array([[1, 2, 0], [5, 0, 0]])
    y = layer(ids)
    np.testing.assert_array_equal(y.numpy(), layer.get_weights()[0][ids])
    np.testing.assert_array_equal(kt.get_mask(y).numpy(), ids != 0)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(ids))
    grad = tf.convert_to_tensor(tape.gradient(loss, layer.embeddings)).numpy()
    np.testing.assert_array_equal(grad[:, 0], np.bincount(ids.ravel(), minlength=6))
    assert np.abs(layer.get_weights()[0]).max() <= 0.05  # Keras's uniform(-0.05, 0.05)


def test_masking_zeroes_and_masks_timesteps():
    x = _x(2, 3, 2)
    x[0, 1] = 0.0
    y = L.Masking()(x)
    np.testing.assert_array_equal(kt.get_mask(y).numpy(), [[True, False, True]] * 1 +
                                  [[True, True, True]])
    np.testing.assert_array_equal(y.numpy(), x)


def test_gaussian_noise_and_spatial_dropout_only_in_training():
    x = np.ones((4, 5, 5, 6), "float32")
    for layer in (L.GaussianNoise(0.5), L.GaussianDropout(0.3), L.SpatialDropout2D(0.5)):
        np.testing.assert_array_equal(layer(x).numpy(), x)
        assert not np.array_equal(layer(x, training=True).numpy(), x)
    y = L.SpatialDropout2D(0.5)(x, training=True).numpy()
    # a whole feature map is kept or dropped
    per_map = y.reshape(4, 25, 6)
    assert np.all(per_map.min(1) == per_map.max(1))


def test_rescaling_and_normalization():
    x = np.arange(6, dtype="float64").reshape(3, 2)
    np.testing.assert_allclose(L.Rescaling(1 / 255.0)(x).numpy(), x / 255.0, rtol=1e-6)
    layer = L.Normalization()
    layer.adapt(x)
    np.testing.assert_allclose(layer(x).numpy(), (x - x.mean(0)) / x.std(0), rtol=1e-5)
    np.testing.assert_allclose(L.Normalization(mean=2.0, variance=4.0)(x).numpy(),
                               (x - 2.0) / 2.0, rtol=1e-6)
    inverse = L.Normalization(mean=2.0, variance=4.0, invert=True)
    np.testing.assert_allclose(inverse(np.zeros((1, 2))).numpy(), [[2.0, 2.0]])
    batches = [x[:1], x[1:]]
    streamed = L.Normalization()
    streamed.adapt(iter(batches))
    np.testing.assert_allclose(streamed.adapt_mean.numpy(), x.mean(0), rtol=1e-6)
    np.testing.assert_allclose(streamed.adapt_variance.numpy(), x.var(0), rtol=1e-6)


def test_merging_layers_and_errors():
    a, b = _x(2, 3), _x(2, 3)
    np.testing.assert_allclose(L.add([a, b]).numpy(), a + b, rtol=1e-6)
    np.testing.assert_allclose(L.subtract([a, b]).numpy(), a - b, rtol=1e-6)
    np.testing.assert_allclose(L.average([a, b]).numpy(), (a + b) / 2, rtol=1e-6)
    np.testing.assert_allclose(L.concatenate([a, b], axis=0).numpy(), np.concatenate([a, b]))
    np.testing.assert_allclose(L.dot([a, b], axes=1).numpy(), (a * b).sum(1, keepdims=True),
                               rtol=1e-5)
    with pytest.raises(ValueError):
        L.Add()(a)
    with pytest.raises(ValueError):
        L.Concatenate()([keras.Input((3, 2)), keras.Input((4, 5))])


def test_activation_layers():
    x = _x(3, 4)
    np.testing.assert_allclose(L.ReLU(max_value=0.5)(x).numpy(), np.clip(x, 0, 0.5))
    np.testing.assert_allclose(L.LeakyReLU()(x).numpy(), np.where(x > 0, x, 0.3 * x),
                               rtol=1e-6)
    e = np.exp(x - x.max(1, keepdims=True))
    np.testing.assert_allclose(L.Softmax()(x).numpy(), e / e.sum(1, keepdims=True), rtol=1e-5)
    masked = L.Softmax()(x, mask=np.array([[True, True, False, False]] * 3)).numpy()
    np.testing.assert_array_equal(masked[:, 2:], 0)
    np.testing.assert_allclose(masked.sum(1), 1, rtol=1e-5)


def test_alpha_dropout_keeps_selu_moments_and_is_identity_in_inference():
    x = RNG.normal(size=(20000, 4)).astype("float32")
    layer = L.AlphaDropout(0.3)
    np.testing.assert_array_equal(layer(x).numpy(), x)
    y = layer(x, training=True).numpy()
    assert abs(y.mean()) < 0.03 and abs(y.std() - 1) < 0.03
    assert not np.allclose(y, x)


def test_category_encoding_refuses_out_of_range_ids():
    with pytest.raises(ValueError, match="num_tokens"):
        L.CategoryEncoding(3)(np.array([[0, 5]]))


def test_layers_serialize_and_deserialize():
    config = L.serialize(L.Conv2D(3, 2, name="c"))
    assert config["class_name"] == "Conv2D" and config["module"] == "keras.layers"
    layer = L.deserialize(config)
    assert isinstance(layer, L.Conv2D) and layer.name == "c" and layer.kernel_size == (2, 2)


def test_discretization_buckets_and_adapt():
    layer = L.Discretization(bin_boundaries=[0.0, 1.0])
    np.testing.assert_array_equal(layer(np.array([-2.0, 0.0, 0.5, 1.0, 7.0])).numpy(),
                                  [0, 1, 1, 2, 2])
    learned = L.Discretization(num_bins=2)
    learned.adapt(np.arange(100, dtype="float32"))
    assert len(learned.bin_boundaries) == 1 and 45 <= learned.bin_boundaries[0] <= 55
    with pytest.raises(ValueError, match="adapt"):
        L.Discretization(num_bins=3)(np.array([1.0]))
    clone = L.Discretization.from_config(layer.get_config())
    assert clone.bin_boundaries == [0.0, 1.0]


def test_batch_norm_with_a_traced_boolean_training_flag():
    layer = L.BatchNormalization(momentum=0.0)
    x = _x(6, 2) + 3.0
    step = tf.function(lambda t, flag: layer(t, training=flag))
    inference = step(x, tf.constant(False)).numpy()
    np.testing.assert_allclose(inference, x / np.sqrt(1 + 1e-3), rtol=1e-5)
    np.testing.assert_allclose(layer.moving_mean.numpy(), [0.0, 0.0])
    trained = step(x, tf.constant(True)).numpy()
    np.testing.assert_allclose(trained.mean(0), 0.0, atol=1e-5)
    np.testing.assert_allclose(layer.moving_mean.numpy(), x.mean(0), rtol=1e-5)
