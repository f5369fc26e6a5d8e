"""compile, fit, evaluate, predict and the *_on_batch methods of keras.Model.

The step methods (`train_step`, `test_step`, `predict_step`) are plain Python that users may
override; `make_*_function` wraps them in tf.function (unless `run_eagerly`) so a step runs as one
traced graph. Logs are metric results, turned into Python floats only where they are shown or kept.
"""

from __future__ import annotations

import warnings

import numpy as np

from tensorweave.framework.tensor import Tensor
from tensorweave.keras.engine import data_adapter
from tensorweave.keras.engine.compile_utils import CompileLoss, CompileMetrics
from tensorweave.util import nest


def _tf():
    import tensorweave as tf

    return tf


class Trainer:
    """The training half of keras.Model (mixed into Model)."""

    def _init_trainer(self) -> None:
        set_ = object.__setattr__
        set_(self, "optimizer", None)
        set_(self, "compiled", False)
        set_(self, "loss", None)
        set_(self, "_compile_loss", None)
        set_(self, "_compile_metrics", None)
        set_(self, "_loss_tracker", None)
        set_(self, "_run_eagerly", False)
        set_(self, "_jit_compile", False)
        set_(self, "steps_per_execution", 1)
        set_(self, "train_function", None)
        set_(self, "test_function", None)
        set_(self, "predict_function", None)
        set_(self, "stop_training", False)
        set_(self, "history", None)
        set_(self, "_in_fit", False)

    # --- compile -------------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None,
                weighted_metrics=None, run_eagerly: bool = False, steps_per_execution: int = 1,
                jit_compile="auto", auto_scale_loss: bool = True) -> None:
        """Configures the model for training (optimizer, loss and metrics by object or name)."""
        from tensorweave.keras import metrics as metrics_module
        from tensorweave.keras import optimizers

        set_ = object.__setattr__
        set_(self, "optimizer", optimizers.get(optimizer) if optimizer is not None else None)
        set_(self, "loss", loss)
        names = getattr(self, "output_names", None)
        set_(self, "_compile_loss", CompileLoss(loss, loss_weights, names) if loss is not None
             else None)
        set_(self, "_compile_metrics", CompileMetrics(metrics, weighted_metrics, names)
             if metrics is not None or weighted_metrics is not None else None)
        set_(self, "_loss_tracker", metrics_module.Mean(name="loss"))
        set_(self, "_run_eagerly", bool(run_eagerly))
        set_(self, "_jit_compile", bool(jit_compile) if jit_compile != "auto" else False)
        if int(steps_per_execution) < 1:
            raise ValueError(f"steps_per_execution must be >= 1, got {steps_per_execution}")
        set_(self, "steps_per_execution", int(steps_per_execution))
        set_(self, "compiled", True)
        self._reset_functions()

    def _reset_functions(self) -> None:
        for name in ("train_function", "test_function", "predict_function"):
            object.__setattr__(self, name, None)

    @property
    def run_eagerly(self) -> bool:
        return self._run_eagerly

    @run_eagerly.setter
    def run_eagerly(self, value: bool) -> None:
        object.__setattr__(self, "_run_eagerly", bool(value))
        self._reset_functions()

    @property
    def jit_compile(self) -> bool:
        return self._jit_compile

    @jit_compile.setter
    def jit_compile(self, value: bool) -> None:
        object.__setattr__(self, "_jit_compile", bool(value))
        self._reset_functions()

    @property
    def metrics(self) -> list:
        """The loss tracker, the compiled metrics, then metrics tracked by the model's layers."""
        out = []
        if self._loss_tracker is not None:
            out.append(self._loss_tracker)
        if self._compile_loss is not None:
            out.extend(self._compile_loss.trackers)
        if self._compile_metrics is not None:
            out.append(self._compile_metrics)
        for layer in self._flatten_layers(include_self=True):
            for m in layer.__dict__.get("_tracked_metrics", ()):
                if all(m is not x for x in out):
                    out.append(m)
        return out

    @property
    def compiled_loss(self):
        """TF 2 Keras's `compiled_loss(y, y_pred, sample_weight, regularization_losses)`."""
        compile_loss, tracker = self._compile_loss, self._loss_tracker

        def compiled_loss(y_true, y_pred, sample_weight=None, regularization_losses=None):
            tf = _tf()
            total = compile_loss(y_true, y_pred, sample_weight) if compile_loss is not None \
                else tf.constant(0.0)
            if regularization_losses:
                total = total + tf.cast(tf.add_n(list(regularization_losses)), total.dtype)
            if tracker is not None:  # TF 2 Keras tracked the loss here
                tracker.update_state(total, sample_weight=_batch_size(y_pred))
            return total

        return compiled_loss

    @property
    def compiled_metrics(self):
        """TF 2 Keras's `compiled_metrics` (`update_state(y, y_pred, sample_weight)`)."""
        return self._compile_metrics

    @property
    def metrics_names(self) -> list:
        return [m.name for m in self.metrics]

    def reset_metrics(self) -> None:
        for m in self.metrics:
            m.reset_state()

    # --- the steps -----------------------------------------------------------------------------
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The compiled loss of (y, y_pred) plus the model's own losses (regularizers ...)."""
        tf = _tf()
        total = None
        if self._compile_loss is not None and y is not None:
            total = self._compile_loss(y, y_pred, sample_weight)
        extra = self.losses
        if extra:
            extra_sum = tf.add_n([tf.cast(v, "float32") if v.dtype != tf.float32 else v
                                  for v in extra])
            total = extra_sum if total is None else total + tf.cast(extra_sum, total.dtype)
        if total is None:
            if self._compile_loss is None:
                raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`.")
            total = tf.constant(0.0)
        return total

    def compute_metrics(self, x, y, y_pred, sample_weight=None) -> dict:
        """Updates the compiled metrics and returns every metric's result."""
        if self._compile_metrics is not None and y is not None:
            self._compile_metrics.update_state(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def get_metrics_result(self) -> dict:
        logs = {}
        for m in self.metrics:
            result = m.result()
            if isinstance(result, dict):
                logs.update(result)
            else:
                logs[m.name] = result
        return logs

    def train_step(self, data) -> dict:
        """One optimization step on a batch: forward, loss, gradients, update, metrics."""
        tf = _tf()
        x, y, sample_weight = data_adapter.unpack_x_y_sample_weight(data)
        with tf.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight,
                                     training=True)
        self._loss_tracker.update_state(loss, sample_weight=_batch_size(x))
        weights = self.trainable_weights
        if weights:
            grads = tape.gradient(loss, weights)
            self.optimizer.apply_gradients(zip(grads, weights))
        else:
            warnings.warn("The model does not have any trainable weights.", stacklevel=2)
        return self.compute_metrics(x, y, y_pred, sample_weight=sample_weight)

    def test_step(self, data) -> dict:
        """One evaluation step on a batch: forward, loss and metrics."""
        x, y, sample_weight = data_adapter.unpack_x_y_sample_weight(data)
        y_pred = self(x, training=False)
        loss = self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight,
                                 training=False)
        self._loss_tracker.update_state(loss, sample_weight=_batch_size(x))
        return self.compute_metrics(x, y, y_pred, sample_weight=sample_weight)

    def predict_step(self, data):
        """The model's outputs on a batch."""
        x, _, _ = data_adapter.unpack_x_y_sample_weight(data)
        return self(x, training=False)

    # --- step functions ------------------------------------------------------------------------
    def _wrap(self, fn):
        if self._run_eagerly:
            return fn
        tf = _tf()
        function = getattr(tf, "function", None)
        if function is None:
            return fn
        kwargs = {"reduce_retracing": True}
        if self._jit_compile:
            kwargs["jit_compile"] = True
        traced = function(fn, **kwargs)
        state = {"first": True}

        def call(batches):
            if state["first"]:
                # Every model has its own step function by design: not "tf.function in a loop".
                state["first"] = False
                with warnings.catch_warnings():
                    warnings.filterwarnings("ignore", message=r".*tf\.function objects wrapping "
                                            r"Trainer\.", category=RuntimeWarning)
                    return traced(batches)
            return traced(batches)

        call.python_function = fn
        call.traced = traced
        return call

    def make_train_function(self, force: bool = False):
        if self.train_function is not None and not force:
            return self.train_function

        def multi_step(batches):
            logs = None
            for batch in batches:
                logs = self.train_step(batch)
            return logs

        object.__setattr__(self, "train_function", self._wrap(multi_step))
        return self.train_function

    def make_test_function(self, force: bool = False):
        if self.test_function is not None and not force:
            return self.test_function

        def multi_step(batches):
            logs = None
            for batch in batches:
                logs = self.test_step(batch)
            return logs

        object.__setattr__(self, "test_function", self._wrap(multi_step))
        return self.test_function

    def make_predict_function(self, force: bool = False):
        if self.predict_function is not None and not force:
            return self.predict_function

        def multi_step(batches):
            return [self.predict_step(batch) for batch in batches]

        object.__setattr__(self, "predict_function", self._wrap(multi_step))
        return self.predict_function

    def _assert_compiled(self, what: str) -> None:
        if not self.compiled or self.optimizer is None and what == "fit":
            raise RuntimeError("You must call `compile()` before using the model for "
                               f"`{what}()`.")

    def _symbolic_build(self, batch) -> None:
        """Builds an unbuilt model (and its optimizer slots) from the first batch, eagerly."""
        x, _, _ = data_adapter.unpack_x_y_sample_weight(batch)
        if not self.built:
            self._maybe_build(x)
        if self.optimizer is not None and not getattr(self.optimizer, "built", True):
            self.optimizer.build(self.trainable_variables)

    # --- fit -----------------------------------------------------------------------------------
    def fit(self, x=None, y=None, batch_size=None, epochs: int = 1, verbose="auto",
            callbacks=None, validation_split: float = 0.0, validation_data=None,
            shuffle=True, class_weight=None, sample_weight=None, initial_epoch: int = 0,
            steps_per_epoch=None, validation_steps=None, validation_batch_size=None,
            validation_freq: int = 1):
        """Trains the model for `epochs` epochs; returns a History of the epoch logs."""
        from tensorweave.keras.engine.fit_loop import run_fit

        return run_fit(self, x, y, batch_size, epochs, verbose, callbacks, validation_split,
                       validation_data, shuffle, class_weight, sample_weight, initial_epoch,
                       steps_per_epoch, validation_steps, validation_batch_size,
                       validation_freq)

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict: bool = False, **kwargs):
        """The loss and metrics on the data: a scalar, a list, or a dict with return_dict."""
        from tensorweave.keras.engine.fit_loop import run_evaluate

        return run_evaluate(self, x, y, batch_size, verbose, sample_weight, steps, callbacks,
                            return_dict, **kwargs)

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """The model's outputs on the data, as NumPy arrays (batches concatenated)."""
        from tensorweave.keras.engine.fit_loop import run_predict

        return run_predict(self, x, batch_size, verbose, steps, callbacks)

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None,
                       return_dict: bool = False):
        """One training step on one batch; the metrics after it."""
        self._assert_compiled("train_on_batch")
        batch = _single(x, y, sample_weight, class_weight)
        self._symbolic_build(batch)
        logs = self.make_train_function()([batch])
        return _finish_logs(self, logs, return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict: bool = False):
        """The loss and metrics on one batch (metrics reset first)."""
        self._assert_compiled("test_on_batch")
        self.reset_metrics()
        batch = _single(x, y, sample_weight, None)
        logs = self.make_test_function()([batch])
        return _finish_logs(self, logs, return_dict)

    def predict_on_batch(self, x):
        """The model's outputs on one batch, as NumPy arrays."""
        batch = _single(x, None, None, None)
        outputs = self.predict_step(batch)
        return nest.map_structure(lambda t: np.asarray(t), outputs)


def _batch_size(x):
    tf = _tf()
    first = nest.flatten(x)[0]
    n = first.shape[0] if first.shape.rank else None
    if n is not None:
        return float(n)
    return tf.cast(tf.shape(first)[0], "float32")


def _single(x, y, sample_weight, class_weight):
    it = data_adapter.EpochIterator(x, y, sample_weight, batch_size=None, shuffle=False,
                                    class_weight=class_weight)
    if it._kind == "arrays":
        it.batch_size = max(it._n, 1)
        it._batches_per_pass = 1
        it.num_batches = 1
    for _, batch in it.epoch():
        return batch
    raise ValueError("Empty batch")


def logs_to_python(logs) -> dict:
    out = {}
    for k, v in (logs or {}).items():
        if isinstance(v, dict):
            out.update(logs_to_python(v))
            continue
        if isinstance(v, Tensor) or hasattr(v, "numpy"):
            v = v.numpy()
        if isinstance(v, np.ndarray) and v.ndim == 0:
            v = v[()]
        out[k] = float(v) if np.ndim(v) == 0 else v
    return out


def _finish_logs(model, logs, return_dict: bool):
    logs = logs_to_python(logs)
    if return_dict:
        return dict(sorted(logs.items()))
    return ordered_values(model, logs)


def ordered_values(model, logs: dict):
    """Log values in `model.metrics` order (a dict-valued metric gives its entries in order),
    then any others; one value alone is returned as a scalar, as Keras does."""
    keys = []
    for m in model.metrics:
        sub = getattr(m, "metrics", None) if isinstance(getattr(m, "metrics", None), list) \
            else None
        if sub is not None and sub and isinstance(sub[0], tuple):
            keys.extend(metric.name for metric, _, _ in sub)
        else:
            keys.append(m.name)
    values = [logs[k] for k in keys if k in logs]
    values += [v for k, v in logs.items() if k not in keys]
    return values[0] if len(values) == 1 else values

