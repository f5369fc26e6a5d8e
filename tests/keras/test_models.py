"""Sequential, Functional and subclassed models: structure, calls, summary, cloning."""

import numpy as np
import pytest

import tensorweave as tf
from tensorweave import keras
from tensorweave.keras import models
from tests.keras.engine._layers import Dense, Scale


def _seq():
    return keras.Sequential([Dense(8, activation="relu", input_shape=(4,)), Scale(), Dense(2)])


class TestSequential:
    def test_built_from_input_shape(self):
        model = _seq()
        assert model.built and len(model.layers) == 3
        assert model.output_shape == (None, 2)
        x = np.random.rand(3, 4).astype(np.float32)
        h = np.maximum(x @ model.layers[0].kernel.numpy(), 0)
        want = h @ model.layers[2].kernel.numpy()
        np.testing.assert_allclose(model(x).numpy(), want, rtol=1e-5, atol=1e-6)

    def test_deferred_build_add_pop(self):
        model = keras.Sequential()
        model.add(Dense(3))
        assert not model.built
        model(np.ones((2, 5), np.float32))
        assert model.built and model.layers[0].kernel.shape == (5, 3)
        model.add(Dense(1))
        assert model(np.ones((2, 5), np.float32)).shape == (2, 1)
        popped = model.pop()
        assert isinstance(popped, Dense) and len(model.layers) == 1

    def test_input_first_and_training_flag(self):
        model = keras.Sequential([keras.Input((4,)), Scale()])
        model(np.ones((1, 4), np.float32), training=True)
        assert model.layers[0].seen_training is True
        model(np.ones((1, 4), np.float32))
        assert not model.layers[0].seen_training

    def test_weights_and_freezing(self):
        model = _seq()
        assert len(model.weights) == 5 and len(model.trainable_weights) == 4
        model.layers[0].trainable = False
        assert len(model.trainable_weights) == 2
        ws = model.get_weights()
        model.set_weights([w + 1 for w in ws])
        np.testing.assert_allclose(model.get_weights()[1], ws[1] + 1)

    def test_summary_matches_keras_rows(self, capsys):
        model = keras.Sequential([Dense(128, activation="relu", input_shape=(784,)),
                                  Dense(10, activation="softmax")], name="seq_summary")
        model.summary()
        out = capsys.readouterr().out
        assert 'Model: "seq_summary"' in out
        assert "(None, 128)" in out and "100,480" in out and "1,290" in out
        assert " Total params: 101,770 (397.54 KB)" in out
        assert " Trainable params: 101,770 (397.54 KB)" in out
        assert " Non-trainable params: 0 (0.00 B)" in out

    def test_unbuilt_summary(self, capsys):
        keras.Sequential([Dense(3)]).summary()
        out = capsys.readouterr().out
        assert "0 (unbuilt)" in out and "?" in out


class TestFunctional:
    def test_multi_io_shared_layers(self):
        a, b = keras.Input((4,), name="a"), keras.Input((4,), name="b")
        shared = Dense(3)
        ya, yb = shared(a), shared(b)
        out = tf.concat([ya, yb], axis=-1)
        model = keras.Model(inputs=[a, b], outputs=[out, ya])
        assert [layer.name for layer in model.layers][:1] == ["a"]
        assert model.get_layer(shared.name) is shared
        xa, xb = np.ones((2, 4), np.float32), np.zeros((2, 4), np.float32)
        o, oa = model([xa, xb])
        k = shared.kernel.numpy()
        np.testing.assert_allclose(o.numpy(), np.concatenate([xa @ k, xb @ k], -1), rtol=1e-6)
        o2, _ = model({"a": xa, "b": xb})
        np.testing.assert_allclose(o2.numpy(), o.numpy())

    def test_nested_model(self):
        inner = keras.Sequential([Dense(3, input_shape=(4,))])
        x = keras.Input((4,))
        model = keras.Model(x, Dense(1)(inner(x)))
        assert model.output_shape == (None, 1)
        assert len(model.weights) == 4
        assert model(np.ones((5, 4), np.float32)).shape == (5, 1)

    def test_graph_disconnected(self):
        a, b = keras.Input((2,)), keras.Input((2,))
        with pytest.raises(ValueError, match="Graph disconnected"):
            keras.Model(a, Dense(1)(b))

    def test_wrong_input_shape(self):
        x = keras.Input((4,))
        model = keras.Model(x, Dense(1)(x))
        with pytest.raises(ValueError, match="incompatible"):
            model(np.ones((2, 5), np.float32))

    def test_summary_connected_to(self, capsys):
        a, b = keras.Input((4,), name="left"), keras.Input((3,))
        model = keras.Model([a, b], Dense(1)(tf.concat([Dense(5)(a), b], -1)))
        model.summary()
        out = capsys.readouterr().out
        assert "Connected to" in out and "left[0][0]" in out


class TestSubclassed:
    def test_subclassed_model(self):
        class Net(keras.Model):
            def __init__(self):
                super().__init__()
                self.d1 = Dense(4, activation="relu")
                self.d2 = Dense(1)

            def call(self, x, training=None):
                return self.d2(self.d1(x))

        net = Net()
        assert net.name.startswith("net")
        assert net(np.ones((2, 3), np.float32)).shape == (2, 1)
        assert len(net.trainable_weights) == 4 and len(net.layers) == 2


class TestClone:
    def test_clone_sequential_and_functional(self):
        model = _seq()
        clone = models.clone_model(model)
        assert [w.shape for w in clone.weights] == [w.shape for w in model.weights]
        assert all(a is not b for a, b in zip(clone.weights, model.weights))
        x = keras.Input((4,))
        fmodel = keras.Model(x, Dense(2)(x))
        fclone = models.clone_model(fmodel)
        assert fclone(np.ones((1, 4), np.float32)).shape == (1, 2)


class TestFeatureExtraction:
    def test_model_from_inner_layer_output(self):
        model = _seq()
        model.add(Dense(3))
        features = keras.Model(model.inputs, model.layers[0].output)
        x = np.random.rand(2, 4).astype(np.float32)
        want = np.maximum(x @ model.layers[0].kernel.numpy(), 0)
        np.testing.assert_allclose(features(x).numpy(), want, rtol=1e-5, atol=1e-6)
        assert features.layers[1] is model.layers[0]


class TestSubclassedBuild:
    def test_build_creates_sublayer_weights(self, capsys):
        class Net(keras.Model):
            def __init__(self):
                super().__init__(name="net_build")
                self.a = Dense(4)
                self.b = Dense(2)

            def call(self, x):
                return self.b(self.a(x))

        net = Net()
        net.build((None, 3))
        assert net.built and [w.shape for w in net.weights] == [(3, 4), (4,), (4, 2), (2,)]
        net.summary()
        assert "Total params: 26" in capsys.readouterr().out


def test_json_round_trip_with_keras_layers():
    layers = pytest.importorskip("tensorweave.keras.layers")
    if not hasattr(layers, "Dense"):
        pytest.skip("keras.layers.Dense not available")
    inp = keras.Input((4,), name="json_in")
    model = keras.Model(inp, layers.Dense(2, name="json_dense")(inp), name="json_model")
    clone = models.model_from_json(model.to_json())
    assert clone.name == "json_model" and clone.output_shape == (None, 2)
    assert [layer.name for layer in clone.layers] == ["json_in", "json_dense"]


def test_summary_rows_for_ops_outside_layers(capsys):
    a, b = keras.Input((4,), name="op_a"), keras.Input((3,), name="op_b")
    model = keras.Model([a, b], Dense(1, name="op_head")(tf.concat([a, b], -1)))
    model.summary()
    out = capsys.readouterr().out
    assert "concat_v2" in out and "(TFOpLambda)" in out and "concat_v2[0][0]" in out
