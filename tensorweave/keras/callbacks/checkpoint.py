"""ModelCheckpoint and BackupAndRestore: saving during fit, and resuming a fit that died."""

from __future__ import annotations

import json
import os
import shutil
import warnings

import numpy as np

from tensorweave.keras.callbacks.base import Callback
from tensorweave.keras.callbacks.monitor import MonitorCallback, _scalar
from tensorweave.util.atomic import atomic_write


def _check_save_freq(save_freq):
    if save_freq != "epoch" and not (isinstance(save_freq, int) and save_freq > 0):
        raise ValueError(f"Unrecognized save_freq: {save_freq}. Expected save_freq are 'epoch' "
                         "or integer values")


class _BatchCounter:
    """Counts batches across epochs to decide when an integer `save_freq` is due."""

    def __init__(self, save_freq):
        self.save_freq = save_freq
        self.since_last = 0
        self.last_batch = None

    def due(self, batch: int) -> bool:
        if self.save_freq == "epoch":
            return False
        if self.last_batch is None or batch <= self.last_batch:
            added = batch + 1  # a new epoch started
        else:
            added = batch - self.last_batch
        self.since_last += added
        self.last_batch = batch
        if self.since_last >= self.save_freq:
            self.since_last = 0
            return True
        return False


class ModelCheckpoint(MonitorCallback):
    """Saves the model (or only its weights) during fit.

    `filepath` may hold `{epoch}`, `{batch}` and any logged name (`{val_loss:.2f}`); with
    `save_best_only`, only an improvement of `monitor` is saved. Paths end in `.keras` (or
    `.h5`) for whole models and in `.weights.h5` for weights, as in Keras 3.
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", save_freq="epoch",
                 initial_value_threshold=None):
        super().__init__(monitor, mode, initial_value_threshold)
        self.verbose = verbose
        self.filepath = os.fspath(filepath)
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        _check_save_freq(save_freq)
        self.save_freq = save_freq
        self._counter = _BatchCounter(save_freq)
        self._current_epoch = 0
        if save_weights_only and not self.filepath.endswith(".weights.h5"):
            raise ValueError("When using `save_weights_only=True` in `ModelCheckpoint`, the "
                             "filepath provided must end in `.weights.h5` (Keras weights "
                             f"format). Received: filepath={self.filepath}")
        if not save_weights_only and not self.filepath.endswith((".keras", ".h5")):
            raise ValueError("The filepath provided must end in `.keras` (Keras model format). "
                             f"Received: filepath={self.filepath}")

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self._counter.due(batch):
            self._save_model(self._current_epoch, batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None and self.save_best_only:
            self._set_monitor_op()
        if self.save_freq == "epoch":
            self._save_model(epoch, None, logs)

    def _file_path(self, epoch, batch, logs) -> str:
        logs = dict(logs or {})
        try:
            if batch is None or "batch" in logs:
                return self.filepath.format(epoch=epoch + 1, **logs)
            return self.filepath.format(epoch=epoch + 1, batch=batch + 1, **logs)
        except KeyError as e:
            raise KeyError(f'Failed to format this callback filepath: "{self.filepath}". '
                           f"Reason: {e}") from e

    def _should_save(self, epoch, logs, filepath) -> bool:
        if not self.save_best_only:
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: saving model to {filepath}")
            return True
        current = (logs or {}).get(self.monitor)
        if current is None:
            warnings.warn(f"Can save best model only with {self.monitor} available.",
                          stacklevel=2)
            return True
        if np.ndim(np.asarray(current)) > 0:
            warnings.warn("Can save best model only when `monitor` is a scalar value. Received: "
                          f"{current}. Falling back to `save_best_only=False`.", stacklevel=2)
            return True
        current = _scalar(current)
        best = "None" if self.best is None else f"{self.best:.5f}"
        if self._is_improvement(current, self.best):
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {best} to "
                      f"{current:.5f}, saving model to {filepath}")
            self.best = current
            return True
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best}")
        return False

    def _save_model(self, epoch, batch, logs) -> None:
        if self.save_best_only and self.monitor_op is None:
            self._set_monitor_op()
        filepath = self._file_path(epoch, batch, logs)
        if not self._should_save(epoch, logs, filepath):
            return
        directory = os.path.dirname(filepath)
        if directory:
            os.makedirs(directory, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)


class BackupAndRestore(Callback):
    """Backs up the training state so that a fit killed part-way resumes where it stopped.

    The weights (model and optimizer, through `model.save_weights`) go to
    `backup_dir/latest.weights.h5` and the position to `training_metadata.json`, each written
    atomically; `double_checkpoint` keeps the previous pair too. A later fit with the same
    callback restores them in `on_train_begin` and sets `model._initial_epoch` (and
    `model._initial_step` for a backup taken mid-epoch, `save_freq=<int>`), which fit honours.
    The backup is deleted when fit ends normally (`delete_checkpoint`).
    """

    def __init__(self, backup_dir, save_freq="epoch", double_checkpoint=False,
                 delete_checkpoint=True):
        super().__init__()
        if not backup_dir:
            raise ValueError("Empty `backup_dir` argument passed")
        if save_freq != "epoch" and not isinstance(save_freq, int):
            raise ValueError(f"Invalid value for argument `save_freq`. Received: "
                             f"save_freq={save_freq}. Expected either 'epoch' or an integer "
                             "value.")
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.double_checkpoint = double_checkpoint
        self.delete_checkpoint = delete_checkpoint
        self._weights_path = os.path.join(self.backup_dir, "latest.weights.h5")
        self._metadata_path = os.path.join(self.backup_dir, "training_metadata.json")
        self._optimizer_path = os.path.join(self.backup_dir, "optimizer.npz")
        self._prev_weights_path = self._weights_path + ".bkp"
        self._prev_metadata_path = self._metadata_path + ".bkp"
        self._prev_optimizer_path = self._optimizer_path + ".bkp"
        self._counter = _BatchCounter(save_freq)
        self._current_epoch = 0
        self._last_batch = -1

    def on_train_begin(self, logs=None):
        try:
            self._load()
        except (OSError, ValueError) as e:
            if not os.path.exists(self._prev_weights_path):
                raise
            warnings.warn(f"The latest backup in {self.backup_dir} could not be read ({e}); "
                          "restoring the previous one.", stacklevel=2)
            shutil.copyfile(self._prev_weights_path, self._weights_path)
            for prev, latest in ((self._prev_metadata_path, self._metadata_path),
                                 (self._prev_optimizer_path, self._optimizer_path)):
                if os.path.exists(prev):
                    shutil.copyfile(prev, latest)
                elif os.path.exists(latest):
                    os.remove(latest)
            self._load()

    def _load(self) -> None:
        if not getattr(self.model, "built", True):
            raise ValueError("To use the BackupAndRestore callback, you model must be built "
                             f"before you call `fit()`. Model {self.model} is unbuilt. You can "
                             "build it beforehand by calling it on a batch of data.")
        optimizer = getattr(self.model, "optimizer", None)
        if os.path.exists(self._weights_path):
            if optimizer is not None and not getattr(optimizer, "built", True):
                optimizer.build(self.model.trainable_variables)
            self.model.load_weights(self._weights_path)
        if os.path.exists(self._optimizer_path) and hasattr(optimizer, "load_own_variables"):
            # The optimizer's state (step, slots) is kept beside the weights: a resumed fit
            # continues the same Adam moments, not fresh ones.
            if not getattr(optimizer, "built", True):
                optimizer.build(self.model.trainable_variables)
            with np.load(self._optimizer_path, allow_pickle=False) as f:
                optimizer.load_own_variables({k: f[k] for k in f.files})
        if os.path.exists(self._metadata_path):
            with open(self._metadata_path, encoding="utf-8") as f:
                meta = json.load(f)
            self._current_epoch = int(meta["epoch"])
            step = int(meta.get("batch", -1)) + 1
            self.model._initial_epoch = self._current_epoch
            self.model._initial_step = step if step > 0 else 0

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        self._last_batch = batch
        if self._counter.due(batch):
            self._save(self._current_epoch, batch)

    def on_epoch_end(self, epoch, logs=None):
        self._current_epoch = epoch + 1
        self._last_batch = -1
        if self.save_freq == "epoch":
            self._save(epoch + 1, -1)

    def _save(self, epoch: int, batch: int) -> None:
        os.makedirs(self.backup_dir, exist_ok=True)
        if self.double_checkpoint:
            for src, dst in ((self._weights_path, self._prev_weights_path),
                             (self._metadata_path, self._prev_metadata_path),
                             (self._optimizer_path, self._prev_optimizer_path)):
                if os.path.exists(src):
                    shutil.copyfile(src, dst)
        # Weights first, then the metadata that points into them: a crash in between leaves
        # the newer weights with the older position, which resumes no later than it should.
        tmp = os.path.join(self.backup_dir, ".partial.weights.h5")
        self.model.save_weights(tmp, overwrite=True)
        os.replace(tmp, self._weights_path)
        optimizer = getattr(self.model, "optimizer", None)
        if hasattr(optimizer, "save_own_variables"):
            store: dict = {}
            optimizer.save_own_variables(store)
            with atomic_write(self._optimizer_path) as f:
                np.savez(f, **{k: np.asarray(v) for k, v in store.items()})
        with atomic_write(self._metadata_path, "w") as f:
            json.dump({"epoch": epoch, "batch": batch}, f)

    def on_train_end(self, logs=None):
        if self.delete_checkpoint and os.path.exists(self.backup_dir):
            shutil.rmtree(self.backup_dir)
