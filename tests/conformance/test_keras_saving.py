"""Files written by tensorweave load in Keras 3 and predict the same, and the reverse."""

import os

import numpy as np
import pytest

tf_real = pytest.importorskip("tensorflow")
keras3 = pytest.importorskip("keras")
pytest.importorskip("h5py")

from tensorweave import keras  # noqa: E402

X = np.random.default_rng(1).standard_normal((5, 6)).astype("float32")


def _ours():
    model = keras.Sequential([keras.layers.Dense(8, activation="relu", input_shape=(6,)),
                              keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def _theirs():
    model = keras3.Sequential([keras3.Input((6,)),
                               keras3.layers.Dense(8, activation="relu"),
                               keras3.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def test_our_keras_file_loads_in_keras(tmp_path):
    path = os.path.join(tmp_path, "ours.keras")
    ours = _ours()
    ours.save(path)
    theirs = keras3.models.load_model(path)
    np.testing.assert_allclose(theirs.predict(X, verbose=0), ours.predict(X, verbose=0),
                               rtol=1e-5, atol=1e-6)


def test_keras_file_loads_in_tensorweave(tmp_path):
    path = os.path.join(tmp_path, "theirs.keras")
    theirs = _theirs()
    theirs.fit(X, np.array([0, 1, 2, 1, 0]), epochs=1, verbose=0)
    theirs.save(path)
    ours = keras.models.load_model(path)
    np.testing.assert_allclose(ours.predict(X, verbose=0), theirs.predict(X, verbose=0),
                               rtol=1e-5, atol=1e-6)


def test_weights_files_both_ways(tmp_path):
    path = os.path.join(tmp_path, "w.weights.h5")
    theirs = _theirs()
    theirs.save_weights(path)
    ours = _ours()
    ours.load_weights(path)
    np.testing.assert_allclose(ours.predict(X, verbose=0), theirs.predict(X, verbose=0),
                               rtol=1e-5, atol=1e-6)
    ours2 = _ours()
    path2 = os.path.join(tmp_path, "w2.weights.h5")
    ours2.save_weights(path2)
    theirs.load_weights(path2)
    np.testing.assert_allclose(theirs.predict(X, verbose=0), ours2.predict(X, verbose=0),
                               rtol=1e-5, atol=1e-6)


def test_keras_functional_model_loads(tmp_path):
    inputs = keras3.Input((6,))
    hidden = keras3.layers.Dense(4, activation="relu")(inputs)
    theirs = keras3.Model(inputs, keras3.layers.Dense(2)(hidden))
    path = os.path.join(tmp_path, "functional.keras")
    theirs.save(path)
    ours = keras.models.load_model(path)
    np.testing.assert_allclose(ours.predict(X, verbose=0), theirs.predict(X, verbose=0),
                               rtol=1e-5, atol=1e-6)
