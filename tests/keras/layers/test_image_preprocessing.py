"""Image preprocessing and augmentation layers: inference is the identity, training transforms."""

import numpy as np
import pytest

import tensorweave as tf
from tensorweave import keras
from tensorweave.keras.layers.image_preprocessing import transform

L = keras.layers
RNG = np.random.default_rng(5)
X = RNG.random((4, 6, 6, 2)).astype("float32")


@pytest.mark.parametrize("layer", [L.RandomFlip(), L.RandomRotation(0.2), L.RandomZoom(0.2),
                                   L.RandomTranslation(0.2, 0.2), L.RandomContrast(0.5),
                                   L.RandomBrightness(0.2, value_range=(0, 1))])
def test_augmentations_are_identity_in_inference(layer):
    np.testing.assert_array_equal(layer(X, training=False).numpy(), X)
    assert layer(X, training=True).shape == X.shape
    # As in Keras 3, a bare call (training unset) augments.
    assert not all(np.array_equal(layer(X).numpy(), X) for _ in range(3))


def test_random_flip_flips_whole_images():
    y = L.RandomFlip("horizontal")(X, training=True).numpy()
    for a, b in zip(y, X):
        assert np.array_equal(a, b) or np.array_equal(a, b[:, ::-1])


def test_random_crop_and_center_crop():
    crop = L.RandomCrop(3, 4)
    y = crop(X, training=True).numpy()
    assert y.shape == (4, 3, 4, 2)
    found = any(np.array_equal(y[0], X[0, i:i + 3, j:j + 4]) for i in range(4) for j in range(3))
    assert found
    np.testing.assert_array_equal(crop(X, training=False).numpy(), X[:, 1:4, 1:5])


def test_transform_identity_and_quarter_turn():
    identity = np.tile([[1, 0, 0, 0, 1, 0, 0, 0]], (4, 1)).astype("float32")
    np.testing.assert_allclose(transform(tf.constant(X), identity).numpy(), X, rtol=1e-6)
    y = L.RandomRotation((0.25, 0.25))(X, training=True).numpy()
    np.testing.assert_allclose(y, np.rot90(X, k=1, axes=(1, 2)), atol=1e-4)


def test_augmentation_inside_a_trained_model():
    model = keras.Sequential([L.RandomFlip(input_shape=(6, 6, 2)), L.RandomRotation(0.1),
                              L.Rescaling(2.0), L.Flatten(), L.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(X, np.ones((4, 1), "float32"), epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert model.predict(X, verbose=0).shape == (4, 1)
