"""keras.callbacks: each callback driven through its hooks on a small stand-in model, and with
fit where the engine is available."""

import csv
import json
import math
import os

import numpy as np
import pytest

import tensorweave as tf
from tensorweave.keras import callbacks, optimizers


class FakeModel:
    """What callbacks use of a model: weights, optimizer, stop flag, save/load."""

    def __init__(self):
        self.w = np.zeros(2)
        self.optimizer = optimizers.SGD(0.1)
        self.stop_training = False
        self.built = True
        self.metrics = []
        self.trainable_variables = []
        self.saved = []

    def get_weights(self):
        return [self.w.copy()]

    def set_weights(self, weights):
        self.w = weights[0].copy()

    def save(self, path, overwrite=True):
        self.saved.append(path)
        with open(path, "w") as f:
            f.write(json.dumps(self.w.tolist()))

    save_weights = save

    def load_weights(self, path):
        with open(path) as f:
            self.w = np.array(json.load(f))


def _drive(cb, model, epoch_logs, batches=0):
    cb.set_model(model)
    cb.on_train_begin()
    for epoch, logs in enumerate(epoch_logs):
        cb.on_epoch_begin(epoch)
        for b in range(batches):
            cb.on_train_batch_end(b, {"loss": 1.0})
        model.w = model.w + 1
        cb.on_epoch_end(epoch, dict(logs))
        if model.stop_training:
            break
    cb.on_train_end()


def test_early_stopping_patience_and_restore():
    model = FakeModel()
    es = callbacks.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    losses = [1.0, 0.5, 0.6, 0.7, 0.4]
    _drive(es, model, [{"val_loss": v} for v in losses])
    assert es.stopped_epoch == 3 and model.stop_training
    # Restored to the end of epoch 1 (weights were 2 then).
    np.testing.assert_array_equal(model.w, [2.0, 2.0])


def test_early_stopping_min_delta_mode_and_missing_metric():
    model = FakeModel()
    es = callbacks.EarlyStopping(monitor="val_accuracy", patience=1, min_delta=0.1)
    _drive(es, model, [{"val_accuracy": v} for v in (0.5, 0.55, 0.9)])
    assert es.stopped_epoch == 1  # +0.05 is not an improvement of at least 0.1
    es = callbacks.EarlyStopping(monitor="val_auc")
    with pytest.warns(UserWarning, match="not available"):
        _drive(es, FakeModel(), [{"loss": 1.0}])
    with pytest.raises(ValueError, match="maximized or minimized"):
        _drive(callbacks.EarlyStopping(monitor="mystery"), FakeModel(), [{"mystery": 1.0}])


def test_reduce_lr_on_plateau():
    model = FakeModel()
    cb = callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1, min_lr=0.03,
                                     cooldown=1)
    logs = [{"loss": 1.0}, {"loss": 1.0}, {"loss": 1.0}, {"loss": 1.0}, {"loss": 1.0}]
    cb.set_model(model)
    cb.on_train_begin()
    seen = []
    for epoch, log in enumerate(logs):
        cb.on_epoch_end(epoch, log)
        seen.append(round(float(model.optimizer.learning_rate.numpy()), 6))
    # Keras decrements the cooldown before testing it, so cooldown=1 delays nothing here.
    assert seen == [0.1, 0.05, 0.03, 0.03, 0.03]
    with pytest.raises(ValueError, match="factor"):
        callbacks.ReduceLROnPlateau(factor=1.5)


def test_learning_rate_scheduler():
    model = FakeModel()
    cb = callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5 if epoch else lr)
    cb.set_model(model)
    for epoch in range(3):
        cb.on_epoch_begin(epoch)
        logs = {}
        cb.on_epoch_end(epoch, logs)
    assert logs["learning_rate"] == pytest.approx(0.025)
    cb = callbacks.LearningRateScheduler(lambda epoch: 0.01 * (epoch + 1))
    cb.set_model(model)
    cb.on_epoch_begin(4)
    assert float(model.optimizer.learning_rate.numpy()) == pytest.approx(0.05)
    bad = callbacks.LearningRateScheduler(lambda epoch: "fast")
    bad.set_model(model)
    with pytest.raises(ValueError, match="float"):
        bad.on_epoch_begin(0)


def test_csv_logger_rows_and_append(tmp_path):
    path = tmp_path / "log.csv"
    model = FakeModel()
    cb = callbacks.CSVLogger(path)
    _drive(cb, model, [{"loss": 0.5, "accuracy": 0.7}, {"loss": 0.25, "accuracy": 0.9}])
    rows = list(csv.reader(open(path)))
    assert rows[0] == ["epoch", "accuracy", "loss", "val_accuracy", "val_loss"]
    assert rows[1] == ["0", "0.7", "0.5", "NA", "NA"] and rows[2][0] == "1"
    again = callbacks.CSVLogger(path, append=True, separator=",")
    _drive(again, model, [{"loss": 0.1, "accuracy": 1.0}])
    rows = list(csv.reader(open(path)))
    assert len(rows) == 4 and rows[3][:3] == ["0", "1.0", "0.1"]  # no second header
    fresh = callbacks.CSVLogger(path)
    _drive(fresh, model, [{"loss": 0.3}])
    assert len(list(csv.reader(open(path)))) == 2


def test_terminate_on_nan_and_lambda():
    model = FakeModel()
    cb = callbacks.TerminateOnNaN()
    cb.set_model(model)
    cb.on_train_batch_end(0, {"loss": 1.0})
    assert not model.stop_training
    cb.on_train_batch_end(1, {"loss": math.nan})
    assert model.stop_training
    events = []
    lam = callbacks.LambdaCallback(on_epoch_end=lambda e, logs: events.append(("epoch", e)),
                                   on_batch_end=lambda b, logs: events.append(("batch", b)),
                                   on_train_end=lambda logs: events.append("end"))
    _drive(lam, FakeModel(), [{}], batches=2)
    assert events == [("batch", 0), ("batch", 1), ("epoch", 0), "end"]
    with pytest.raises(ValueError, match="unknown"):
        callbacks.LambdaCallback(on_epoch_middle=print)


def test_model_checkpoint_templates_and_best_only(tmp_path):
    model = FakeModel()
    path = str(tmp_path / "ck-{epoch:02d}-{val_loss:.2f}.keras")
    cb = callbacks.ModelCheckpoint(path, monitor="val_loss", save_best_only=True)
    _drive(cb, model, [{"val_loss": v} for v in (0.9, 0.95, 0.5)])
    assert [os.path.basename(p) for p in model.saved] == ["ck-01-0.90.keras",
                                                          "ck-03-0.50.keras"]
    model = FakeModel()
    cb = callbacks.ModelCheckpoint(str(tmp_path / "w-{epoch}-{batch}.weights.h5"),
                                   save_weights_only=True, save_freq=3)
    _drive(cb, model, [{}, {}], batches=2)
    assert [os.path.basename(p) for p in model.saved] == ["w-2-1.weights.h5"]
    with pytest.raises(ValueError, match=".weights.h5"):
        callbacks.ModelCheckpoint("x.keras", save_weights_only=True)
    with pytest.raises(ValueError, match=".keras"):
        callbacks.ModelCheckpoint("model.ckpt")
    with pytest.raises(ValueError, match="save_freq"):
        callbacks.ModelCheckpoint("m.keras", save_freq="sometimes")


def test_backup_and_restore_resumes_epoch_and_step(tmp_path):
    backup = tmp_path / "backup"
    model = FakeModel()
    model.optimizer.iterations.assign(7)
    model.optimizer.learning_rate.assign(0.5)
    cb = callbacks.BackupAndRestore(backup, save_freq=2, delete_checkpoint=True)
    cb.set_model(model)
    cb.on_train_begin()
    cb.on_epoch_begin(0)
    for b in range(3):
        cb.on_train_batch_end(b, {})
    model.w = model.w + 5
    cb.on_epoch_end(0, {})
    cb.on_epoch_begin(1)
    cb.on_train_batch_end(0, {})  # due: the 4th batch since the last save
    meta = json.load(open(backup / "training_metadata.json"))
    assert meta == {"epoch": 1, "batch": 0}
    # "Killed" here; a new fit restores weights and the position.
    fresh = FakeModel()
    again = callbacks.BackupAndRestore(backup)
    again.set_model(fresh)
    again.on_train_begin()
    np.testing.assert_array_equal(fresh.w, [5.0, 5.0])
    assert fresh._initial_epoch == 1 and fresh._initial_step == 1
    # The optimizer's state came back too (its step count and learning rate here).
    assert [float(np.asarray(v)) for v in fresh.optimizer.variables] == [
        float(np.asarray(v)) for v in model.optimizer.variables]
    again.on_train_end()
    assert not backup.exists()


def test_backup_and_restore_epoch_mode_and_previous_copy(tmp_path):
    backup = tmp_path / "b"
    model = FakeModel()
    cb = callbacks.BackupAndRestore(str(backup), double_checkpoint=True)
    cb.set_model(model)
    cb.on_train_begin()
    for epoch in range(2):
        cb.on_epoch_begin(epoch)
        model.w = model.w + 1
        cb.on_epoch_end(epoch, {})
    assert json.load(open(backup / "training_metadata.json")) == {"epoch": 2, "batch": -1}
    assert json.load(open(backup / "training_metadata.json.bkp")) == {"epoch": 1, "batch": -1}
    open(backup / "latest.weights.h5", "w").write("not json")  # a torn latest backup
    fresh = FakeModel()
    restore = callbacks.BackupAndRestore(str(backup))
    restore.set_model(fresh)
    with pytest.warns(UserWarning, match="previous"):
        restore.on_train_begin()
    assert fresh._initial_epoch == 1 and fresh._initial_step == 0


def test_fit_with_callbacks_if_engine_available(tmp_path):
    keras = tf.keras
    model = keras.Sequential([keras.layers.Dense(1, input_shape=(2,))])
    model.compile(optimizer="sgd", loss="mse")
    x = np.random.default_rng(0).normal(size=(16, 2)).astype("float32")
    y = x.sum(-1, keepdims=True)
    log = tmp_path / "fit.csv"
    history = model.fit(x, y, epochs=4, verbose=0, validation_data=(x, y), callbacks=[
        callbacks.CSVLogger(log), callbacks.EarlyStopping(patience=10),
        callbacks.ReduceLROnPlateau(patience=10)])
    assert len(history.history["loss"]) == 4
    assert len(list(csv.reader(open(log)))) == 5


class _Crash(callbacks.Callback):
    def __init__(self, at_epoch, at_batch):
        super().__init__()
        self.at = (at_epoch, at_batch)
        self.epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if (self.epoch, batch) == self.at:
            raise KeyboardInterrupt("killed")


def test_backup_and_restore_resumes_a_killed_fit_exactly(tmp_path):
    keras = tf.keras
    from tensorweave.keras.utils import set_random_seed

    rng = np.random.default_rng(0)
    x = rng.normal(size=(24, 3)).astype("float32")
    y = (x @ np.array([[1.0], [-2.0], [0.5]], dtype="float32")).astype("float32")

    def run(extra_callbacks, backup_dir):
        set_random_seed(0)
        model = keras.Sequential([keras.layers.Dense(4, activation="tanh", input_shape=(3,)),
                                  keras.layers.Dense(1)])
        model.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse")
        cbs = [callbacks.BackupAndRestore(backup_dir, save_freq=1)] + extra_callbacks
        model.fit(x, y, batch_size=6, epochs=3, verbose=0, shuffle=True, callbacks=cbs)
        return model

    reference = run([], str(tmp_path / "ref"))
    backup = str(tmp_path / "backup")
    with pytest.raises(KeyboardInterrupt):
        run([_Crash(1, 2)], backup)
    resumed = run([], backup)
    for a, b in zip(resumed.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert int(resumed.optimizer.iterations.numpy()) == 12


def test_model_checkpoint_with_fit_saves_loadable_files(tmp_path):
    keras = tf.keras
    rng = np.random.default_rng(1)
    x = rng.normal(size=(16, 2)).astype("float32")
    y = x.sum(-1, keepdims=True)
    model = keras.Sequential([keras.layers.Dense(1, input_shape=(2,))])
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    best = str(tmp_path / "best.keras")
    weights = str(tmp_path / "w-{epoch:02d}.weights.h5")
    model.fit(x, y, epochs=3, verbose=0, validation_data=(x, y), callbacks=[
        callbacks.ModelCheckpoint(best, save_best_only=True),
        callbacks.ModelCheckpoint(weights, save_weights_only=True)])
    assert sorted(os.listdir(tmp_path)) == ["best.keras", "w-01.weights.h5", "w-02.weights.h5",
                                            "w-03.weights.h5"]
    restored = keras.models.load_model(best)
    np.testing.assert_allclose(restored.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6)
    other = keras.Sequential([keras.layers.Dense(1, input_shape=(2,))])
    other.load_weights(str(tmp_path / "w-03.weights.h5"))
    np.testing.assert_allclose(other.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6)
