"""The callback protocol of fit/evaluate/predict: Callback, CallbackList, History, ProgbarLogger."""

from __future__ import annotations

import numpy as np

from tensorweave.keras.utils.progbar import Progbar


class Callback:
    """Base class of callbacks: override the `on_*` hooks you need.

    `self.model` is set by fit/evaluate/predict, `self.params` holds verbose, epochs and steps.
    """

    def __init__(self):
        self.params: dict = {}
        self._model = None

    def set_params(self, params: dict) -> None:
        self.params = params

    def set_model(self, model) -> None:
        self._model = model

    @property
    def model(self):
        return self._model

    def on_batch_begin(self, batch, logs=None):
        """A backwards-compatible alias of on_train_batch_begin."""

    def on_batch_end(self, batch, logs=None):
        """A backwards-compatible alias of on_train_batch_end."""

    def on_epoch_begin(self, epoch, logs=None):
        """Called at the start of an epoch of fit."""

    def on_epoch_end(self, epoch, logs=None):
        """Called at the end of an epoch with its training and validation logs."""

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch, logs=None):
        """Called before each batch of evaluate (and of fit's validation)."""

    def on_test_batch_end(self, batch, logs=None):
        """Called after each batch of evaluate."""

    def on_predict_batch_begin(self, batch, logs=None):
        """Called before each batch of predict."""

    def on_predict_batch_end(self, batch, logs=None):
        """Called after each batch of predict; logs['outputs'] holds its outputs."""

    def on_train_begin(self, logs=None):
        """Called when fit starts."""

    def on_train_end(self, logs=None):
        """Called when fit ends."""

    def on_test_begin(self, logs=None):
        """Called when evaluate starts."""

    def on_test_end(self, logs=None):
        """Called when evaluate ends."""

    def on_predict_begin(self, logs=None):
        """Called when predict starts."""

    def on_predict_end(self, logs=None):
        """Called when predict ends."""


_HOOKS = ("on_batch_begin", "on_batch_end", "on_epoch_begin", "on_epoch_end",
          "on_train_batch_begin", "on_train_batch_end", "on_test_batch_begin",
          "on_test_batch_end", "on_predict_batch_begin", "on_predict_batch_end",
          "on_train_begin", "on_train_end", "on_test_begin", "on_test_end", "on_predict_begin",
          "on_predict_end")


class CallbackList(Callback):
    """Calls every hook on each callback in order; adds History and ProgbarLogger on request."""

    def __init__(self, callbacks=None, add_history: bool = False, add_progbar: bool = False,
                 model=None, **params):
        super().__init__()
        self.callbacks = list(callbacks or [])
        if add_history and not any(isinstance(c, History) for c in self.callbacks):
            self.callbacks.append(History())
        if add_progbar and not any(isinstance(c, ProgbarLogger) for c in self.callbacks):
            self.callbacks.insert(0, ProgbarLogger())
        # Only pay the per-batch Python call for callbacks that override a batch hook.
        self._batch_hooks = {name: [c for c in self.callbacks if _overrides(c, name)]
                             for name in _HOOKS}
        if model is not None:
            self.set_model(model)
        if params:
            self.set_params(params)

    def append(self, callback: Callback) -> None:
        self.callbacks.append(callback)
        for name in _HOOKS:
            if _overrides(callback, name):
                self._batch_hooks[name].append(callback)

    def set_params(self, params: dict) -> None:
        self.params = params
        for c in self.callbacks:
            c.set_params(params)

    def set_model(self, model) -> None:
        self._model = model
        for c in self.callbacks:
            c.set_model(model)

    def _call(self, name: str, *args) -> None:
        for c in self._batch_hooks[name]:
            getattr(c, name)(*args)

    def on_epoch_begin(self, epoch, logs=None):
        self._call("on_epoch_begin", epoch, logs)

    def on_epoch_end(self, epoch, logs=None):
        self._call("on_epoch_end", epoch, logs)

    def on_train_batch_begin(self, batch, logs=None):
        for c in self._batch_hooks["on_train_batch_begin"] + [
                c for c in self._batch_hooks["on_batch_begin"]
                if c not in self._batch_hooks["on_train_batch_begin"]]:
            c.on_train_batch_begin(batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        converted = None
        for c in self._batch_hooks["on_train_batch_end"] + [
                c for c in self._batch_hooks["on_batch_end"]
                if c not in self._batch_hooks["on_train_batch_end"]]:
            if isinstance(c, ProgbarLogger):
                c.on_train_batch_end(batch, logs)  # converts only when it draws
                continue
            if converted is None:
                converted = _to_python(logs)
            c.on_train_batch_end(batch, converted)

    def on_test_batch_begin(self, batch, logs=None):
        self._call("on_test_batch_begin", batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        converted = None
        for c in self._batch_hooks["on_test_batch_end"]:
            if isinstance(c, ProgbarLogger):
                c.on_test_batch_end(batch, logs)
                continue
            if converted is None:
                converted = _to_python(logs)
            c.on_test_batch_end(batch, converted)

    def on_predict_batch_begin(self, batch, logs=None):
        self._call("on_predict_batch_begin", batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._call("on_predict_batch_end", batch, logs)

    def on_train_begin(self, logs=None):
        self._call("on_train_begin", logs)

    def on_train_end(self, logs=None):
        self._call("on_train_end", logs)

    def on_test_begin(self, logs=None):
        self._call("on_test_begin", logs)

    def on_test_end(self, logs=None):
        self._call("on_test_end", logs)

    def on_predict_begin(self, logs=None):
        self._call("on_predict_begin", logs)

    def on_predict_end(self, logs=None):
        self._call("on_predict_end", logs)

    def __iter__(self):
        return iter(self.callbacks)



def _to_python(logs):
    """Batch logs as Python floats (tensors read once, here, for the callbacks that look)."""
    if not logs:
        return logs
    out = {}
    for k, v in logs.items():
        if hasattr(v, "numpy"):
            v = v.numpy()
        out[k] = float(v) if np.ndim(v) == 0 else v
    return out


def _overrides(callback, name: str) -> bool:
    method = getattr(type(callback), name, None)
    return method is not None and method is not getattr(Callback, name)


class History(Callback):
    """Records each epoch's logs: `history.history['loss']` ..., returned by fit."""

    def __init__(self):
        super().__init__()
        self.history: dict = {}
        self.epoch: list = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(v)
        if self.model is not None:
            self.model.history = self


class ProgbarLogger(Callback):
    """Prints Keras's progress bar (verbose=1) or one line per epoch (verbose=2)."""

    def __init__(self, count_mode: str | None = None):
        super().__init__()
        self.verbose = 1
        self.epochs = 1
        self.target = None
        self.progbar = None
        self._seen = 0

    def set_params(self, params: dict) -> None:
        super().set_params(params)
        self.verbose = params.get("verbose", 1)
        self.epochs = params.get("epochs", 1)
        self.target = params.get("steps")

    def _reset(self) -> None:
        self._seen = 0
        self.progbar = None

    def _bar(self) -> Progbar:
        if self.progbar is None:
            self.progbar = Progbar(self.target, verbose=self.verbose, unit_name="step")
        return self.progbar

    def on_train_begin(self, logs=None):
        self.target = self.params.get("steps")

    def on_epoch_begin(self, epoch, logs=None):
        self._reset()
        if self.verbose and self.epochs > 1:
            print(f"Epoch {epoch + 1}/{self.epochs}")

    def on_train_batch_end(self, batch, logs=None):
        self._update(batch, logs)

    def on_test_begin(self, logs=None):
        if self.model is None or not getattr(self.model, "_in_fit", False):
            self._reset()
            self.target = self.params.get("steps")

    def on_test_batch_end(self, batch, logs=None):
        if self.model is None or not getattr(self.model, "_in_fit", False):
            self._update(batch, logs)

    def on_predict_begin(self, logs=None):
        self._reset()
        self.target = self.params.get("steps")

    def on_predict_batch_end(self, batch, logs=None):
        self._seen = batch + 1
        self._bar().update(self._seen, None, finalize=False)

    def on_epoch_end(self, epoch, logs=None):
        self._finish(logs)

    def on_test_end(self, logs=None):
        if self.model is None or not getattr(self.model, "_in_fit", False):
            self._finish(logs)

    def on_predict_end(self, logs=None):
        self._finish(None)

    def _update(self, batch, logs) -> None:
        self._seen = batch + 1
        bar = self._bar()
        if self.verbose != 1 or not bar._dynamic:
            return  # nothing is drawn before the epoch ends: leave the logs unread
        values = [(k, v) for k, v in (logs or {}).items() if _is_scalar(v)]
        bar.stateful_metrics.update(k for k, _ in values)
        bar.update(self._seen, values, finalize=False)

    def _finish(self, logs) -> None:
        bar = self._bar()
        if self.target is None:
            bar.target = self._seen
            self.target = self._seen
        values = [(k, v) for k, v in (logs or {}).items() if _is_scalar(v)]
        bar.stateful_metrics.update(k for k, _ in values)
        bar.update(self._seen, values, finalize=True)


def _is_scalar(v) -> bool:
    try:
        return np.ndim(v) == 0
    except Exception:  # noqa: BLE001
        return False
