"""The loops behind fit, evaluate and predict: epochs, steps, callbacks, validation."""

from __future__ import annotations

import numpy as np

from tensorweave.framework.tensor import Tensor
from tensorweave.keras.callbacks.base import CallbackList
from tensorweave.keras.engine import data_adapter
from tensorweave.keras.engine.trainer import logs_to_python, ordered_values
from tensorweave.keras.utils.progbar import Progbar
from tensorweave.util import nest


def _verbose(verbose) -> int:
    return 1 if verbose == "auto" else int(verbose)


def _chunks(iterator, n: int):
    """Groups an epoch's (step, batch) pairs into lists of up to `n` batches."""
    group, first = [], None
    for step, batch in iterator:
        if not group:
            first = step
        group.append(batch)
        if len(group) == n:
            yield first, group
            group = []
    if group:
        yield first, group


def _callbacks(model, callbacks, verbose, epochs, steps):
    if isinstance(callbacks, CallbackList):
        cbs = callbacks
    else:
        cbs = CallbackList(callbacks, add_history=True, add_progbar=verbose != 0, model=model)
    cbs.set_model(model)
    cbs.set_params({"verbose": verbose, "epochs": epochs, "steps": steps})
    return cbs


def run_fit(model, x, y, batch_size, epochs, verbose, callbacks, validation_split,
            validation_data, shuffle, class_weight, sample_weight, initial_epoch,
            steps_per_epoch, validation_steps, validation_batch_size, validation_freq):
    model._assert_compiled("fit")
    verbose = _verbose(verbose)
    if validation_split and validation_data is None:
        (x, y, sample_weight), validation_data = data_adapter.train_validation_split(
            (x, y, sample_weight), validation_split)
    if class_weight is not None and not isinstance(class_weight, dict):
        raise ValueError(f"`class_weight` must be a dict of class index to weight, got "
                         f"{class_weight!r}")
    data = data_adapter.EpochIterator(x, y, sample_weight, batch_size=batch_size,
                                      steps_per_epoch=steps_per_epoch, shuffle=shuffle,
                                      class_weight=class_weight)
    val_data = None
    if validation_data is not None:
        if data_adapter.is_dataset(validation_data) or data_adapter.is_py_dataset(
                validation_data) or data_adapter._is_iterator(validation_data):
            vx, vy, vsw = validation_data, None, None
        else:
            vx, vy, vsw = data_adapter.unpack_x_y_sample_weight(validation_data)
        val_data = data_adapter.EpochIterator(vx, vy, vsw, steps_per_epoch=validation_steps,
                                              batch_size=validation_batch_size or batch_size,
                                              shuffle=False)
    cbs = _callbacks(model, callbacks, verbose, epochs, data.num_batches)
    train_function = model.make_train_function()
    n_exec = model.steps_per_execution
    object.__setattr__(model, "stop_training", False)
    object.__setattr__(model, "_in_fit", True)
    cbs.on_train_begin()
    # BackupAndRestore sets these in on_train_begin to resume where a killed fit stopped.
    initial_epoch = max(initial_epoch, getattr(model, "_initial_epoch", None) or 0)
    skip = getattr(model, "_initial_step", None) or 0
    object.__setattr__(model, "_initial_epoch", None)
    object.__setattr__(model, "_initial_step", None)
    training_logs = None
    first = True
    try:
        for epoch in range(initial_epoch, epochs):
            model.reset_metrics()
            cbs.on_epoch_begin(epoch)
            logs = None
            last = -1
            for step, batches in _chunks(data.epoch(epoch, skip), n_exec):
                if first:
                    model._symbolic_build(batches[0])
                    first = False
                cbs.on_train_batch_begin(step)
                logs = train_function(batches)
                last = step + len(batches) - 1
                cbs.on_train_batch_end(last, logs)
                if model.stop_training:
                    break
            resumed, skip = skip > 0, 0
            if last < 0 and logs is None and not resumed:
                if data.exhausted:
                    break
                raise ValueError("The training data produced no batch: it is empty.")
            epoch_logs = dict(sorted(_metrics_or_logs(model, logs).items()))
            if val_data is not None and _should_validate(epoch, validation_freq):
                val_logs = run_evaluate(model, val_data, None, None, 0, None, None, None, True,
                                        _internal=cbs)
                epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
            cbs.on_epoch_end(epoch, epoch_logs)
            training_logs = epoch_logs
            if model.stop_training or data.exhausted:
                break
    finally:
        object.__setattr__(model, "_in_fit", False)
    cbs.on_train_end(training_logs)
    history = next((c for c in cbs if type(c).__name__ == "History"), None)
    return history if history is not None else model.history


def _flat_logs(logs) -> dict:
    out = {}
    for k, v in (logs or {}).items():
        if isinstance(v, dict):
            out.update(_flat_logs(v))
        else:
            out[k] = v
    return out


def _metrics_or_logs(model, step_logs) -> dict:
    """The metrics' results when the step returned exactly them (Keras's rule), else its logs."""
    results = logs_to_python(model.get_metrics_result())
    step = _flat_logs(step_logs)
    if step_logs is None or set(step) == set(results):
        return results
    return logs_to_python(step)


def _should_validate(epoch: int, freq) -> bool:
    if isinstance(freq, int):
        return (epoch + 1) % freq == 0
    return epoch + 1 in freq


def run_evaluate(model, x, y, batch_size, verbose, sample_weight, steps, callbacks,
                 return_dict, _internal=None, **kwargs):
    model._assert_compiled("evaluate")
    if kwargs:
        raise ValueError(f"Invalid keyword arguments: {kwargs}")
    data = x if isinstance(x, data_adapter.EpochIterator) else data_adapter.EpochIterator(
        x, y, sample_weight, batch_size=batch_size, steps_per_epoch=steps, shuffle=False)
    verbose = _verbose(verbose) if verbose is not None else 0
    if _internal is not None:
        cbs = _internal
    else:
        cbs = _callbacks(model, callbacks, verbose, 1, data.num_batches)
    test_function = model.make_test_function()
    model.reset_metrics()
    cbs.on_test_begin()
    logs = None
    for step, batches in _chunks(data.epoch(), model.steps_per_execution):
        if not model.built:
            model._symbolic_build(batches[0])
        cbs.on_test_batch_begin(step)
        logs = test_function(batches)
        cbs.on_test_batch_end(step + len(batches) - 1, logs)
    logs = dict(sorted(_metrics_or_logs(model, logs).items()))
    cbs.on_test_end(logs)
    if return_dict:
        return logs
    return ordered_values(model, logs)


def run_predict(model, x, batch_size, verbose, steps, callbacks):
    verbose = _verbose(verbose)
    from tensorweave.keras.engine.trainer import Trainer

    plain_step = type(model).predict_step is Trainer.predict_step
    if plain_step and steps is None and not callbacks and (
            batch_size is None or _rows(x) <= batch_size):
        # Small in-memory input: one direct call, no iterator, callbacks or progress bar.
        batch = data_adapter.single_batch(x)
        if batch is not None and _rows(x) <= (batch_size or 32):
            bar = Progbar(1, verbose=verbose) if verbose else None
            out = nest.map_structure(_numpy, model(batch, training=False))
            if bar is not None:
                bar.update(1, finalize=True)  # Keras prints its one-step bar here too
            return out
    data = data_adapter.EpochIterator(x, batch_size=batch_size, steps_per_epoch=steps,
                                      shuffle=False)
    cbs = _callbacks(model, callbacks, verbose, 1, data.num_batches)
    predict_function = model.make_predict_function()
    cbs.on_predict_begin()
    outputs = []
    for step, batches in _chunks(data.epoch(), model.steps_per_execution):
        if not model.built:
            model._symbolic_build(batches[0])
        cbs.on_predict_batch_begin(step)
        results = predict_function(batches)
        for r in results:
            outputs.append(nest.map_structure(_numpy, r))
        cbs.on_predict_batch_end(step + len(batches) - 1, {"outputs": results[-1]})
    cbs.on_predict_end()
    if not outputs:
        raise ValueError("Unexpected result of `predict_function` (Empty batch_outputs). "
                         "Please use `Model.compile(..., run_eagerly=True)`, or `tf.config."
                         "run_functions_eagerly(True)` for more information of where went "
                         "wrong, or file a issue/bug to `tf.keras`.")
    return nest.map_structure(lambda *parts: np.concatenate(parts, axis=0), *outputs)


def _rows(x) -> int:
    flat = nest.flatten(x)
    first = flat[0] if flat else None
    if isinstance(first, (np.ndarray, Tensor)) and getattr(first, "ndim", 0):
        return int(first.shape[0])
    return 1 << 30


def _numpy(t):
    return np.asarray(t.numpy()) if hasattr(t, "numpy") else np.asarray(t)
