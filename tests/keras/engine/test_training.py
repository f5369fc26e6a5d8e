"""compile/fit/evaluate/predict and the *_on_batch methods."""

import numpy as np
import pytest

import tensorweave as tf
from tensorweave import keras
from tensorweave.keras.callbacks.base import Callback
from tests.keras.engine._layers import Dense


def _data(n=64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3)).astype(np.float32)
    y = (x @ np.array([[1.0], [-2.0], [0.5]], np.float32) + 0.3).astype(np.float32)
    return x, y


def _model(**compile_kwargs):
    model = keras.Sequential([Dense(1, input_shape=(3,))])
    kwargs = {"optimizer": keras.optimizers.SGD(0.1), "loss": "mse"}
    kwargs.update(compile_kwargs)
    model.compile(**kwargs)
    return model


class Recorder(Callback):
    def __init__(self):
        super().__init__()
        self.events = []

    def on_epoch_begin(self, epoch, logs=None):
        self.events.append(("epoch_begin", epoch))

    def on_train_batch_end(self, batch, logs=None):
        self.events.append(("batch", batch, sorted(logs)))

    def on_epoch_end(self, epoch, logs=None):
        self.events.append(("epoch_end", epoch, sorted(logs)))


class TestFit:
    @pytest.mark.parametrize("run_eagerly", [False, True])
    def test_loss_falls_and_history(self, run_eagerly):
        x, y = _data()
        model = _model(metrics=["mae"], run_eagerly=run_eagerly)
        history = model.fit(x, y, epochs=4, batch_size=16, verbose=0)
        assert sorted(history.history) == ["loss", "mae"]
        losses = history.history["loss"]
        assert len(losses) == 4 and losses[-1] < losses[0] * 0.5
        assert history.params == {"verbose": 0, "epochs": 4, "steps": 4}

    def test_traced_equals_eager(self):
        x, y = _data()
        a, b = _model(), _model(run_eagerly=True)
        b.set_weights(a.get_weights())
        ha = a.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0)
        hb = b.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0)
        np.testing.assert_allclose(ha.history["loss"], hb.history["loss"], rtol=1e-5)
        for wa, wb in zip(a.get_weights(), b.get_weights()):
            np.testing.assert_allclose(wa, wb, rtol=1e-5, atol=1e-6)

    def test_loss_is_batch_weighted_mean(self):
        x, y = _data(10)
        model = _model(optimizer=keras.optimizers.SGD(0.0))
        h = model.fit(x, y, batch_size=4, epochs=1, verbose=0, shuffle=False)
        pred = model.predict(x, verbose=0)
        assert h.history["loss"][0] == pytest.approx(float(np.mean((pred - y) ** 2)), rel=1e-5)

    def test_validation_split_and_data(self):
        x, y = _data()
        model = _model()
        h = model.fit(x, y, epochs=1, validation_split=0.25, verbose=0)
        assert sorted(h.history) == ["loss", "val_loss"]
        h = model.fit(x, y, epochs=1, validation_data=(x[:8], y[:8]), verbose=0)
        assert h.history["val_loss"][0] == pytest.approx(model.evaluate(x[:8], y[:8], verbose=0),
                                                         rel=1e-5)

    def test_callbacks_and_steps(self):
        x, y = _data(32)
        rec = Recorder()
        _model().fit(x, y, batch_size=8, epochs=2, steps_per_epoch=2, initial_epoch=0,
                     callbacks=[rec], verbose=0)
        assert rec.events[0] == ("epoch_begin", 0)
        assert [e for e in rec.events if e[0] == "batch"][0] == ("batch", 0, ["loss"])
        assert sum(1 for e in rec.events if e[0] == "batch") == 4

    def test_generator_and_py_dataset(self):
        x, y = _data(32)

        def gen():
            while True:
                for i in range(0, 32, 8):
                    yield x[i:i + 8], y[i:i + 8]

        class Seq:
            def __len__(self):
                return 4

            def __getitem__(self, i):
                return x[i * 8:(i + 1) * 8], y[i * 8:(i + 1) * 8]

            def on_epoch_end(self):
                self.ended = True

        model = _model()
        h = model.fit(gen(), steps_per_epoch=4, epochs=2, verbose=0)
        assert len(h.history["loss"]) == 2
        seq = Seq()
        model.fit(seq, epochs=1, verbose=0)
        assert seq.ended

    def test_sample_and_class_weight(self):
        x, y = _data(16)
        model = _model(optimizer=keras.optimizers.SGD(0.0))
        full = model.evaluate(x, y, verbose=0)
        sw = np.zeros(16, np.float32)
        sw[:8] = 1.0
        half = model.evaluate(x, y, sample_weight=sw, verbose=0, batch_size=16)
        pred = model.predict(x, verbose=0)
        want = np.sum((pred[:8] - y[:8]) ** 2) / 16
        assert half == pytest.approx(want, rel=1e-5) and full > 0
        labels = (x[:, 0] > 0).astype(np.int64)
        clf = keras.Sequential([Dense(2, activation="softmax", input_shape=(3,))])
        clf.compile(optimizer="sgd", loss="sparse_categorical_crossentropy",
                    metrics=["accuracy"])
        h = clf.fit(x, labels, class_weight={0: 1.0, 1: 2.0}, epochs=1, verbose=0)
        assert sorted(h.history) == ["accuracy", "loss"]

    def test_not_compiled(self):
        model = keras.Sequential([Dense(1, input_shape=(3,))])
        with pytest.raises(RuntimeError, match="compile"):
            model.fit(np.ones((2, 3)), np.ones((2, 1)), verbose=0)


class TestEvaluatePredict:
    def test_evaluate_return_forms(self):
        x, y = _data()
        model = _model(metrics=["mae"])
        values = model.evaluate(x, y, verbose=0)
        logs = model.evaluate(x, y, verbose=0, return_dict=True)
        assert values == pytest.approx([logs["loss"], logs["mae"]])
        assert model.metrics_names == ["loss", "compile_metrics"]  # as Keras 3

    def test_predict_batches_concatenate(self):
        x, _ = _data(70)
        model = _model()
        full = model.predict(x, batch_size=16, verbose=0)
        np.testing.assert_allclose(full, model(x).numpy(), rtol=1e-6)
        assert model.predict(x[:3], verbose=0).shape == (3, 1)
        assert model.predict_on_batch(x[:5]).shape == (5, 1)

    def test_on_batch(self):
        x, y = _data(8)
        model = _model()
        before = model.test_on_batch(x, y)
        after = model.train_on_batch(x, y)
        assert isinstance(before, float) and after == pytest.approx(before, rel=1e-5)
        assert model.test_on_batch(x, y) < before


class TestCustomSteps:
    def test_overridden_train_step(self):
        class Custom(keras.Model):
            def __init__(self):
                super().__init__()
                self.dense = Dense(1)
                self.tracker = keras.metrics.Mean(name="custom_loss")

            def call(self, x):
                return self.dense(x)

            def train_step(self, data):
                x, y = data
                with tf.GradientTape() as tape:
                    loss = tf.reduce_mean(tf.square(self(x, training=True) - y))
                grads = tape.gradient(loss, self.trainable_variables)
                self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
                self.tracker.update_state(loss)
                return {"custom_loss": self.tracker.result()}

            @property
            def metrics(self):
                return [self.tracker]

        x, y = _data()
        model = Custom()
        model.compile(optimizer=keras.optimizers.SGD(0.1))
        h = model.fit(x, y, epochs=3, verbose=0)
        assert h.history["custom_loss"][-1] < h.history["custom_loss"][0]


class TestProgress:
    def test_verbose_lines(self, capsys):
        x, y = _data(32)
        _model().fit(x, y, epochs=2, batch_size=16, verbose=1)
        out = capsys.readouterr().out.splitlines()
        assert out[0] == "Epoch 1/2"
        assert out[1].startswith("2/2 ━━━━━━━━━━━━━━━━━━━━ ") and " - loss: " in out[1]
        _model().fit(x, y, epochs=1, batch_size=16, verbose=2)
        line = capsys.readouterr().out.strip()
        assert line.startswith("2/2 - ") and "/step - loss: " in line


class TestMoreInputs:
    def test_dataset_input(self):
        if not hasattr(getattr(tf, "data", None), "Dataset"):
            pytest.skip("tf.data not available yet")
        x, y = _data(40)
        ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(8)
        model = _model()
        h = model.fit(ds, epochs=2, validation_data=ds, verbose=0)
        assert sorted(h.history) == ["loss", "val_loss"] and h.params["steps"] == 5
        assert model.predict(ds, verbose=0).shape == (40, 1)
        assert model.evaluate(ds, verbose=0) == pytest.approx(model.evaluate(x, y, verbose=0),
                                                              rel=1e-5)
        repeated = tf.data.Dataset.from_tensor_slices((x, y)).batch(8).repeat()
        h = model.fit(repeated, epochs=2, steps_per_epoch=3, verbose=0)
        assert len(h.history["loss"]) == 2

    def test_steps_per_execution(self):
        x, y = _data(32)
        a = _model(steps_per_execution=3)
        b = _model()
        b.set_weights(a.get_weights())
        ha = a.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
        hb = b.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
        np.testing.assert_allclose(ha.history["loss"], hb.history["loss"], rtol=1e-5)

    def test_multi_output_losses(self):
        inp = keras.Input((3,))
        out_a = Dense(1, name="out_a")(inp)
        out_b = Dense(2, name="out_b")(inp)
        model = keras.Model(inp, [out_a, out_b])
        model.compile(optimizer=keras.optimizers.SGD(0.0), loss={"out_a": "mse", "out_b": "mae"},
                      loss_weights={"out_a": 1.0, "out_b": 0.5})
        x, ya = _data(16)
        yb = np.ones((16, 2), np.float32)
        logs = model.evaluate(x, [ya, yb], verbose=0, return_dict=True)
        pa, pb = model.predict(x, verbose=0)
        want_a = np.mean((pa - ya) ** 2)
        want_b = np.mean(np.abs(pb - yb))
        assert logs["out_a_loss"] == pytest.approx(want_a, rel=1e-5)
        assert logs["out_b_loss"] == pytest.approx(want_b, rel=1e-5)
        assert logs["loss"] == pytest.approx(want_a + 0.5 * want_b, rel=1e-5)

    def test_regularization_losses_in_fit(self):
        from tensorweave.keras.engine.layer import Layer

        class Penalized(Layer):
            def build(self, shape):
                self.w = self.add_weight(shape=(shape[-1], 1), initializer="ones",
                                         regularizer=keras.regularizers.L2(0.5))

            def call(self, x):
                return tf.matmul(x, self.w)

        model = keras.Sequential([keras.Input((3,)), Penalized()])
        model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
        x = np.zeros((4, 3), np.float32)
        assert model.evaluate(x, np.zeros((4, 1), np.float32), verbose=0) == pytest.approx(1.5)


def test_predict_uses_overridden_predict_step():
    class Doubling(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = Dense(1)

        def call(self, x):
            return self.dense(x)

        def predict_step(self, data):
            return self(data[0] if isinstance(data, tuple) else data) * 2.0

    model = Doubling()
    x = np.ones((2, 3), np.float32)
    np.testing.assert_allclose(model.predict(x, verbose=0), 2 * model(x).numpy(), rtol=1e-6)


def test_keras_docs_custom_train_step_updates_compiled_metrics():
    class Custom(keras.Model):
        def train_step(self, data):
            x, y = data
            with tf.GradientTape() as tape:
                y_pred = self(x, training=True)
                loss = self.compute_loss(y=y, y_pred=y_pred)
            grads = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

    inp = keras.Input((3,))
    model = Custom(inp, Dense(1)(inp))
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse", metrics=["mae"])
    x, y = _data(32)
    history = model.fit(x, y, epochs=2, verbose=0)
    assert sorted(history.history) == ["loss", "mae"]
    assert history.history["mae"][1] < history.history["mae"][0]


def test_train_step_extra_logs_reach_history():
    class Extra(keras.Model):
        def train_step(self, data):
            logs = super().train_step(data)
            return {**logs, "answer": tf.constant(42.0)}

    inp = keras.Input((3,))
    model = Extra(inp, Dense(1)(inp))
    model.compile(optimizer="sgd", loss="mse")
    x, y = _data(16)
    history = model.fit(x, y, epochs=1, verbose=0)
    assert history.history["answer"] == [42.0] and "loss" in history.history


def test_rank_one_targets_for_one_column_outputs():
    x, y = _data(16)
    model = _model()
    flat = model.evaluate(x, y[:, 0], verbose=0)
    other = _model()
    other.set_weights(model.get_weights())
    assert flat == pytest.approx(other.evaluate(x, y, verbose=0), rel=1e-6)


def test_tf2_style_custom_train_step():
    class TF2Style(keras.Model):
        def train_step(self, data):
            x, y = data
            with tf.GradientTape() as tape:
                y_pred = self(x, training=True)
                loss = self.compiled_loss(y, y_pred, regularization_losses=self.losses)
            grads = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
            self.compiled_metrics.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

    inp = keras.Input((3,))
    model = TF2Style(inp, Dense(1)(inp))
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse", metrics=["mae"])
    x, y = _data(32)
    history = model.fit(x, y, epochs=2, verbose=0)
    assert history.history["mae"][1] < history.history["mae"][0]
    assert 0 < history.history["loss"][1] < history.history["loss"][0]
