import json
import os

import numpy as np
import pytest

import tensorweave as tf

X = np.array([[1.0, -1.0], [2.0, 0.5]], np.float32)


class Affine(tf.Module):
    def __init__(self):
        super().__init__()
        self.w = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
        self.b = tf.Variable([0.5, -0.5])
        self.steps = tf.Variable(0, trainable=False)

    @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32, name="x")])
    def __call__(self, x):
        return tf.nn.relu(tf.matmul(x, self.w) + self.b)

    @tf.function
    def scaled(self, x, k=2.0):
        self.steps.assign_add(1)
        return {"y": x * k, "total": tf.reduce_sum(x)}


def test_functions_signatures_and_variables_round_trip(tmp_path):
    m = Affine()
    m.scaled(tf.constant([1.0, 2.0]))
    path = str(tmp_path / "sm")
    tf.saved_model.save(m, path)
    loaded = tf.saved_model.load(path)
    np.testing.assert_allclose(loaded(X).numpy(), m(X).numpy())
    out = loaded.scaled(tf.constant([1.0, 2.0]))
    np.testing.assert_allclose(out["y"].numpy(), [2.0, 4.0])
    assert float(out["total"].numpy()) == 3.0
    assert int(loaded.steps.numpy()) == 2  # the saved value (1), then this call's assign_add
    served = loaded.signatures["serving_default"](x=tf.constant(X))
    np.testing.assert_allclose(served["output_0"].numpy(), m(X).numpy())
    np.testing.assert_allclose(loaded.w.numpy(), m.w.numpy())
    assert len(loaded.trainable_variables) == 2


def test_saved_variables_are_live(tmp_path):
    m = Affine()
    tf.saved_model.save(m, str(tmp_path / "sm"))
    loaded = tf.saved_model.load(str(tmp_path / "sm"))
    loaded.w.assign(np.zeros((2, 2), np.float32))
    np.testing.assert_allclose(loaded(X).numpy(), np.maximum(0, np.zeros((2, 2)) + [0.5, -0.5]))


def test_untraced_shapes_are_refused(tmp_path):
    m = Affine()
    m.scaled(tf.constant([1.0, 2.0]))
    tf.saved_model.save(m, str(tmp_path / "sm"))
    loaded = tf.saved_model.load(str(tmp_path / "sm"))
    with pytest.raises(ValueError, match="Could not find a saved trace"):
        loaded.scaled(tf.constant([[1.0]]))


def test_format_is_json_and_a_bundle(tmp_path):
    tf.saved_model.save(Affine(), str(tmp_path / "sm"))
    files = sorted(os.listdir(tmp_path / "sm"))
    assert files == ["saved_model.json", "variables"]
    with open(tmp_path / "sm" / "saved_model.json") as f:
        manifest = json.load(f)
    assert "serving_default" in manifest["signatures"]


def test_missing_and_corrupt(tmp_path):
    with pytest.raises(OSError, match="SavedModel file does not exist"):
        tf.saved_model.load(str(tmp_path / "nothing"))
    path = tmp_path / "sm"
    tf.saved_model.save(Affine(), str(path))
    (path / "saved_model.json").write_text("{broken")
    with pytest.raises(ValueError, match="corrupt"):
        tf.saved_model.load(str(path))


def test_keras_model_folder_serves_without_keras(tmp_path):
    from tensorweave import keras

    model = keras.Sequential([keras.layers.Dense(4, activation="relu", input_shape=(2,)),
                              keras.layers.Dense(3)])
    path = str(tmp_path / "model")
    model.save(path)
    loaded = tf.saved_model.load(path)
    (out,) = loaded.signatures["serving_default"](tf.constant(X)).values()
    np.testing.assert_allclose(out.numpy(), model(X).numpy(), rtol=1e-6)
