"""The legacy single-file HDF5 format (`model.save('model.h5')`), as Keras writes it.

Root attributes `model_config` and `training_config` (JSON), `model_weights/<layer>/...` with
`weight_names` per layer, and `optimizer_weights` with the optimizer's variables in order.
"""

from __future__ import annotations

import io
import json

import numpy as np

from tensorweave.keras.saving import serialization, weights_store
from tensorweave.util.atomic import atomic_write


def _short(var) -> str:
    return str(var.name).split("/")[-1].split(":")[0]


def save(model, filepath: str, config: str, groups: dict) -> None:
    h5py = weights_store._h5py()
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        from tensorweave.keras.saving.saving_api import KERAS_VERSION

        config_dict = json.loads(config)
        compile_config = config_dict.pop("compile_config", None)
        f.attrs["backend"] = "tensorflow"
        f.attrs["keras_version"] = KERAS_VERSION
        f.attrs["model_config"] = json.dumps(config_dict)
        if compile_config:
            f.attrs["training_config"] = json.dumps(compile_config)
        weights = f.create_group("model_weights")
        weights.attrs["backend"] = "tensorflow"
        weights.attrs["keras_version"] = KERAS_VERSION
        weights.attrs["layer_names"] = np.array([layer.name for layer in model.layers],
                                                dtype=h5py.string_dtype())
        for layer in model.layers:
            g = weights.create_group(layer.name)
            names = [f"{model.name}/{layer.name}/{_short(v)}" for v in layer.weights]
            g.attrs["weight_names"] = np.array(_dedupe(names), dtype=h5py.string_dtype())
            for name, var in zip(_dedupe(names), layer.weights):
                g.create_dataset(name, data=np.asarray(var.numpy()))
        optimizer_group = groups.get("optimizer/vars")
        if optimizer_group:
            name, arrays = optimizer_group
            g = f.create_group("optimizer_weights")
            names = [f"{name}/{i}" for i in range(len(arrays))]
            g.attrs["weight_names"] = np.array(names, dtype=h5py.string_dtype())
            for n, a in zip(names, arrays):
                g.create_dataset(n, data=a)
    with atomic_write(filepath) as out:
        out.write(buffer.getvalue())


def _dedupe(names):
    seen, out = {}, []
    for n in names:
        k = seen.get(n, 0)
        seen[n] = k + 1
        out.append(n if k == 0 else f"{n}_{k}")
    return out


def load(filepath: str, custom_objects, compile: bool, safe_mode: bool):
    h5py = weights_store._h5py()
    try:
        f = h5py.File(filepath, "r")
    except OSError as e:
        raise ValueError(f"{filepath} is not a readable HDF5 file (truncated or corrupt?): {e}") \
            from None
    with f:
        if "model_config" not in f.attrs:
            raise ValueError(f"No model config found in the file at {filepath}.")
        config = json.loads(_text(f.attrs["model_config"]))
        if compile and "training_config" in f.attrs:
            config["compile_config"] = json.loads(_text(f.attrs["training_config"]))
        model = serialization.deserialize_keras_object(config, custom_objects=custom_objects,
                                                       safe_mode=safe_mode)
        weights = f["model_weights"]
        saved_layers = [_text(n) for n in weights.attrs["layer_names"]]
        layers = [layer for layer in model.layers if layer.weights]
        saved_with_weights = [n for n in saved_layers
                              if len(weights[n].attrs.get("weight_names", [])) > 0]
        if len(layers) != len(saved_with_weights):
            raise ValueError(f"{filepath}: the model has {len(layers)} layers with weights, the "
                             f"file {len(saved_with_weights)}.")
        plan = []
        for layer, name in zip(layers, saved_with_weights):
            g = weights[name]
            arrays = [np.asarray(g[_text(n)]) for n in g.attrs["weight_names"]]
            if len(arrays) != len(layer.weights):
                raise ValueError(f"{filepath}: layer {layer.name!r} expects "
                                 f"{len(layer.weights)} weights, the file has {len(arrays)}.")
            for var, array in zip(layer.weights, arrays):
                if tuple(var.shape.as_list()) != array.shape:
                    raise ValueError(f"{filepath}: shape mismatch for {var.name!r} of layer "
                                     f"{layer.name!r}: {tuple(var.shape.as_list())} vs "
                                     f"{array.shape}.")
                plan.append((var, array))
        for var, array in plan:
            var.assign(array.astype(var.dtype.as_numpy_dtype, copy=False))
        if compile and "optimizer_weights" in f and getattr(model, "optimizer", None) is not None:
            g = f["optimizer_weights"]
            arrays = [np.asarray(g[_text(n)]) for n in g.attrs["weight_names"]]
            weights_store.assign(model, {"optimizer/vars": arrays}, filepath, skip_mismatch=True)
    return model


def _text(value) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)
