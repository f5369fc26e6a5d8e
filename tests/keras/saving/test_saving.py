import json
import os
import zipfile

import numpy as np
import pytest

import tensorweave as tf
from tensorweave import keras

pytest.importorskip("h5py")
RNG = np.random.default_rng(0)


def make_model(dropout=0.2):
    model = keras.Sequential([
        keras.layers.Dense(8, activation="relu", input_shape=(4,)),
        keras.layers.Dropout(dropout),
        keras.layers.Dense(3, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def trained_model(dropout=0.2):
    model = make_model(dropout)
    x = RNG.standard_normal((32, 4)).astype("float32")
    y = RNG.integers(0, 3, 32)
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    return model, x, y


@pytest.mark.parametrize("name", ["model.keras", "model.h5", "model_dir"])
def test_round_trip_predicts_the_same(tmp_path, name):
    model, x, _ = trained_model()
    path = str(tmp_path / name)
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6, atol=1e-6)
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]


def test_keras_file_layout(tmp_path):
    model, _, _ = trained_model()
    path = str(tmp_path / "m.keras")
    model.save(path)
    with zipfile.ZipFile(path) as z:
        assert set(z.namelist()) == {"config.json", "metadata.json", "model.weights.h5"}
        config = json.loads(z.read("config.json"))
    assert config["class_name"] == "Sequential"
    assert [layer["class_name"] for layer in config["config"]["layers"]][-2:] == ["Dropout",
                                                                                  "Dense"]


def test_training_resumes_exactly(tmp_path):
    model, x, y = trained_model(dropout=0.0)  # no dropout: both steps see the same batch math
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    model.reset_metrics()  # fit's running means are not part of the saved state
    a = model.train_on_batch(x, y)
    b = loaded.train_on_batch(x, y)
    np.testing.assert_allclose(np.ravel(a), np.ravel(b), rtol=1e-5)
    for v, w in zip(model.weights, loaded.weights):
        np.testing.assert_allclose(v.numpy(), w.numpy(), rtol=1e-5, atol=1e-6)


def test_weights_round_trip_and_mismatch(tmp_path):
    model, x, _ = trained_model()
    path = str(tmp_path / "w.weights.h5")
    model.save_weights(path)
    other = make_model()
    other.load_weights(path)
    np.testing.assert_allclose(other.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6)
    wrong = keras.Sequential([keras.layers.Dense(5, input_shape=(4,)),
                              keras.layers.Dense(3)])
    with pytest.raises(ValueError, match="shape mismatch|expects"):
        wrong.load_weights(path)
    with pytest.raises(ValueError, match=".weights.h5"):
        model.save_weights(str(tmp_path / "w.h5"))


def test_corrupt_and_hostile_files(tmp_path):
    bad = tmp_path / "bad.keras"
    bad.write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="bad.keras"):
        keras.models.load_model(str(bad))
    hostile = tmp_path / "hostile.keras"
    with zipfile.ZipFile(hostile, "w") as z:
        z.writestr("../escape.txt", "x")
        z.writestr("config.json", "{}")
    with pytest.raises(ValueError, match="escapes"):
        keras.models.load_model(str(hostile))
    with pytest.raises(ValueError, match="not found|File not found"):
        keras.models.load_model(str(tmp_path / "missing.keras"))


def test_folder_save_replaces_atomically(tmp_path):
    model, x, _ = trained_model()
    path = str(tmp_path / "m")
    model.save(path)
    model.save(path)
    assert sorted(os.listdir(tmp_path)) == ["m"]
    assert os.path.exists(os.path.join(path, "variables", "variables.index"))


def test_custom_layer_needs_registration(tmp_path):
    @keras.saving.register_keras_serializable(package="tests")
    class Doubler(keras.layers.Layer):
        def call(self, inputs):
            return inputs * 2.0

    model = keras.Sequential([keras.layers.Dense(2, input_shape=(3,)), Doubler()])
    path = str(tmp_path / "c.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    x = np.ones((1, 3), "float32")
    np.testing.assert_allclose(loaded(x).numpy(), model(x).numpy())
    assert type(loaded.layers[-1]) is Doubler


def test_lambda_layers_need_unsafe_mode(tmp_path):
    model = keras.Sequential([keras.layers.Dense(2, input_shape=(3,)),
                              keras.layers.Lambda(lambda t: t + 1.0)])
    path = str(tmp_path / "l.keras")
    model.save(path)
    with pytest.raises(ValueError, match="safe_mode|lambda"):
        keras.models.load_model(path)
    loaded = keras.models.load_model(path, safe_mode=False)
    x = np.ones((1, 3), "float32")
    np.testing.assert_allclose(loaded(x).numpy(), model(x).numpy())


def test_weights_file_carries_the_optimizer_state(tmp_path):
    import h5py

    model, x, _ = trained_model()
    path = str(tmp_path / "w.weights.h5")
    model.save_weights(path)
    with h5py.File(path) as f:
        assert "optimizer/vars" in f
    fresh = make_model()
    with pytest.warns(UserWarning, match="Skipping variable loading for optimizer"):
        fresh.load_weights(path)  # its optimizer is not built: weights only, as Keras
    fresh.optimizer.build(fresh.trainable_variables)
    fresh.load_weights(path)
    assert int(fresh.optimizer.iterations.numpy()) == int(model.optimizer.iterations.numpy())
