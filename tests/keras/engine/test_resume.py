"""fit resumed by BackupAndRestore after a crash continues exactly where it stopped."""

import numpy as np
import pytest

from tensorweave import keras
from tensorweave.keras.callbacks.base import Callback
from tests.keras.engine._layers import Dense


class Crash(Callback):
    def __init__(self, epoch, batch):
        super().__init__()
        self.at = (epoch, batch)
        self.epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if (self.epoch, batch) == self.at:
            raise KeyboardInterrupt("simulated crash")


def _fit(weights, x, y, callbacks):
    model = keras.Sequential([Dense(1, input_shape=(3,), name="d")], name="resume_model")
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    model.set_weights(weights)
    np.random.seed(7)
    model.fit(x, y, batch_size=8, epochs=3, shuffle=True, callbacks=callbacks, verbose=0)
    return model


def test_resume_mid_epoch_matches_uninterrupted(tmp_path):
    pytest.importorskip("h5py")
    BackupAndRestore = pytest.importorskip("tensorweave.keras.callbacks").BackupAndRestore
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 3)).astype(np.float32)
    y = rng.normal(size=(40, 1)).astype(np.float32)
    weights = keras.Sequential([Dense(1, input_shape=(3,))]).get_weights()
    reference = _fit(weights, x, y, []).get_weights()
    backup = BackupAndRestore(str(tmp_path / "backup"), save_freq=1)
    with pytest.raises(KeyboardInterrupt):
        _fit(weights, x, y, [backup, Crash(1, 2)])
    backup = BackupAndRestore(str(tmp_path / "backup"), save_freq=1)
    resumed = _fit(weights, x, y, [backup]).get_weights()
    for a, b in zip(reference, resumed):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
