"""CSVLogger, LearningRateScheduler, TerminateOnNaN and LambdaCallback."""

from __future__ import annotations

import collections.abc
import csv
import io
import math
import os

import numpy as np

from tensorweave.keras.callbacks.base import Callback


class CSVLogger(Callback):
    """Writes each epoch's logs as a row of a CSV file.

    Each row reaches the file as one append of a whole line (O_APPEND, then fsync), so a crash
    or a concurrent reader never sees half a row.
    """

    def __init__(self, filename, separator: str = ",", append: bool = False):
        super().__init__()
        self.sep = separator
        self.filename = os.fspath(filename)
        self.append = append
        self.keys = None
        self.append_header = True

    def on_train_begin(self, logs=None):
        if self.append and os.path.exists(self.filename):
            with open(self.filename, encoding="utf-8") as f:
                self.append_header = not bool(len(f.readline()))
        else:
            directory = os.path.dirname(os.path.abspath(self.filename))
            os.makedirs(directory, exist_ok=True)
            # A fresh log: truncate (atomically, by replacing the file).
            tmp = f"{self.filename}.tmp{os.getpid()}"
            with open(tmp, "w", encoding="utf-8"):
                pass
            os.replace(tmp, self.filename)
            self.append_header = True
        self.keys = None

    def _write(self, rows: list) -> None:
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=self.sep, lineterminator="\n")
        writer.writerows(rows)
        data = buffer.getvalue().encode("utf-8")
        fd = os.open(self.filename, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)

    @staticmethod
    def _value(v):
        if isinstance(v, str):
            return v
        if isinstance(v, np.ndarray) and v.ndim == 0:
            return v.item()
        if isinstance(v, collections.abc.Iterable):
            return f"[{', '.join(map(str, v))}]"
        return v

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        rows = []
        if self.keys is None:
            self.keys = sorted(logs.keys())
            if self.keys and not any(k.startswith("val_") for k in self.keys):
                self.keys.extend([f"val_{k}" for k in self.keys])
            if self.append_header:
                rows.append(["epoch"] + self.keys)
        rows.append([epoch] + [self._value(logs.get(k, "NA")) for k in self.keys])
        self._write(rows)

    def on_train_end(self, logs=None):
        self.keys = None


class LearningRateScheduler(Callback):
    """Sets the learning rate at the start of each epoch to `schedule(epoch, lr)` (or
    `schedule(epoch)`)."""

    def __init__(self, schedule, verbose: int = 0):
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = self.model.optimizer
        if not hasattr(optimizer, "learning_rate"):
            raise ValueError('Optimizer must have a "learning_rate" attribute.')
        try:
            lr = float(np.asarray(optimizer.learning_rate))
            lr = self.schedule(epoch, lr)
        except TypeError:  # a schedule of the epoch alone
            lr = self.schedule(epoch)
        if not isinstance(lr, (float, np.floating, int, np.integer)) and not (
                hasattr(lr, "numpy") or isinstance(lr, np.ndarray)):
            raise ValueError(f"The output of the `schedule` function should be a float. Got: "
                             f"{lr}")
        optimizer.learning_rate = float(np.asarray(lr))
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to "
                  f"{float(np.asarray(lr))}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = float(np.asarray(self.model.optimizer.learning_rate))


class TerminateOnNaN(Callback):
    """Stops training as soon as a batch's loss is NaN or infinite."""

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None:
            value = float(np.asarray(loss))
            if math.isnan(value) or math.isinf(value):
                print(f"Batch {batch}: Invalid loss, terminating training")
                self.model.stop_training = True


class LambdaCallback(Callback):
    """A callback from plain functions: `on_epoch_end=lambda epoch, logs: ...` and so on.

    Epoch hooks take (epoch, logs), batch hooks (batch, logs), train hooks (logs).
    """

    _NAMES = ("on_epoch_begin", "on_epoch_end", "on_train_begin", "on_train_end",
              "on_train_batch_begin", "on_train_batch_end", "on_batch_begin", "on_batch_end",
              "on_test_begin", "on_test_end", "on_test_batch_begin", "on_test_batch_end",
              "on_predict_begin", "on_predict_end", "on_predict_batch_begin",
              "on_predict_batch_end")

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None,
                 on_train_end=None, on_train_batch_begin=None, on_train_batch_end=None,
                 **kwargs):
        super().__init__()
        given = dict(on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end,
                     on_train_begin=on_train_begin, on_train_end=on_train_end,
                     on_train_batch_begin=on_train_batch_begin,
                     on_train_batch_end=on_train_batch_end, **kwargs)
        unknown = set(given) - set(self._NAMES)
        if unknown:
            raise ValueError(f"LambdaCallback got unknown hooks {sorted(unknown)}")
        self._fns = {k: v for k, v in given.items() if v is not None}

    def _fire(self, name, *args):
        fn = self._fns.get(name)
        if fn is not None:
            fn(*args)

    def on_epoch_begin(self, epoch, logs=None):
        self._fire("on_epoch_begin", epoch, logs)

    def on_epoch_end(self, epoch, logs=None):
        self._fire("on_epoch_end", epoch, logs)

    def on_train_begin(self, logs=None):
        self._fire("on_train_begin", logs)

    def on_train_end(self, logs=None):
        self._fire("on_train_end", logs)

    def on_train_batch_begin(self, batch, logs=None):
        self._fire("on_train_batch_begin", batch, logs)
        self._fire("on_batch_begin", batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        self._fire("on_train_batch_end", batch, logs)
        self._fire("on_batch_end", batch, logs)

    def on_test_begin(self, logs=None):
        self._fire("on_test_begin", logs)

    def on_test_end(self, logs=None):
        self._fire("on_test_end", logs)

    def on_test_batch_begin(self, batch, logs=None):
        self._fire("on_test_batch_begin", batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        self._fire("on_test_batch_end", batch, logs)

    def on_predict_begin(self, logs=None):
        self._fire("on_predict_begin", logs)

    def on_predict_end(self, logs=None):
        self._fire("on_predict_end", logs)

    def on_predict_batch_begin(self, batch, logs=None):
        self._fire("on_predict_batch_begin", batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._fire("on_predict_batch_end", batch, logs)
