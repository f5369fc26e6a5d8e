"""`model.save`, `keras.models.load_model`, `save_weights` / `load_weights`.

Three formats, chosen by the path as in TensorFlow 2 and Keras 3:
- `name.keras`: Keras 3's zip (config.json, metadata.json, model.weights.h5);
- `name.h5` / `name.hdf5`: the legacy single HDF5 file (model_config attribute + model_weights);
- a path without extension: a SavedModel-style folder (config.json, metadata.json and the
  weights as a checksummed tensor bundle under variables/), needing NumPy only.
Every file and folder is written under a temporary name and renamed into place.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import warnings
import zipfile

from tensorweave.keras.saving import serialization, weights_layout, weights_store
from tensorweave.util.atomic import atomic_write

KERAS_VERSION = "3.15.1"
_CONFIG, _METADATA, _WEIGHTS = "config.json", "metadata.json", "model.weights.h5"
FOLDER_FORMAT = "tensorweave-savedmodel"


def _metadata() -> str:
    return json.dumps({"keras_version": KERAS_VERSION,
                       "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")})


def _format_of(filepath: str) -> str:
    lower = filepath.lower()
    if lower.endswith(".keras"):
        return "keras"
    if lower.endswith((".h5", ".hdf5")):
        return "h5"
    return "folder"


def save_model(model, filepath, overwrite: bool = True, zipped=None, include_optimizer=True,
               **kwargs) -> None:
    """Saves architecture, weights and compile/optimizer state (`model.save`)."""
    filepath = os.fspath(filepath)
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{filepath} exists; pass overwrite=True to replace it.")
    if filepath.lower().endswith(".weights.h5"):
        raise ValueError("The filename must end in `.keras` (or be a folder) for model.save; "
                         f"got {filepath!r}. To save weights only, use model.save_weights().")
    config = json.dumps(serialization.serialize_keras_object(model))
    groups = weights_store.collect(model, include_optimizer)
    kind = _format_of(filepath) if zipped is None else ("keras" if zipped else "folder")
    if kind == "keras":
        with atomic_write(filepath) as f, zipfile.ZipFile(f, "w") as z:
            z.writestr(_METADATA, _metadata())
            z.writestr(_CONFIG, config)
            z.writestr(_WEIGHTS, weights_store.h5_bytes(groups))
    elif kind == "h5":
        from tensorweave.keras.saving import legacy_h5

        legacy_h5.save(model, filepath, config, groups)
    else:
        _save_folder(model, filepath, config, groups)


def _save_folder(model, path: str, config: str, groups: dict) -> None:
    """A SavedModel-style folder: the Keras config and weights, plus a `serving_default`
    signature (the traced forward pass) that `tf.saved_model.load` runs without Keras."""
    from tensorweave.saving import saved_model

    tensors = {f"{group}/{i}": a for group, (_, arrays) in groups.items()
               for i, a in enumerate(arrays)}
    keys = {id(v): f"{group}/{i}"
            for group, (_, variables) in weights_layout.layout(model).items()
            for i, v in enumerate(variables)}
    signatures = {}
    if getattr(model, "inputs", None):
        try:
            signatures[saved_model.DEFAULT_SIGNATURE] = saved_model._keras_serving_function(model)
        except NotImplementedError as e:
            warnings.warn(f"The model was saved without a serving signature: {e}", stacklevel=3)
    manifest, extra = saved_model.export({}, signatures, keys)
    tensors.update(extra)
    variables = {v_key: v for group, (_, vs) in weights_layout.layout(model).items()
                 for v_key, v in ((f"{group}/{i}", v) for i, v in enumerate(vs))}
    manifest["variables"].update({k: {"trainable": bool(v.trainable), "name": str(v.name)}
                                  for k, v in variables.items()})
    metadata = json.loads(_metadata())
    metadata["format"] = FOLDER_FORMAT
    saved_model.write_folder(path, manifest, tensors,
                             {_CONFIG: config, _METADATA: json.dumps(metadata)})


def load_model(filepath, custom_objects=None, compile: bool = True, safe_mode: bool = True):
    """Rebuilds a model saved by `save_model` (ours or Keras 3's `.keras`)."""
    filepath = os.fspath(filepath)
    if not os.path.exists(filepath):
        raise ValueError(f"File not found: filepath={filepath}. Please ensure the file is an "
                         "accessible `.keras` zip file or a SavedModel folder.")
    if os.path.isdir(filepath):
        return _load_folder(filepath, custom_objects, compile, safe_mode)
    if _format_of(filepath) == "h5":
        from tensorweave.keras.saving import legacy_h5

        return legacy_h5.load(filepath, custom_objects, compile, safe_mode)
    if not zipfile.is_zipfile(filepath):
        raise ValueError(f"{filepath} is not a valid .keras file (not a zip archive; truncated "
                         "or corrupt?).")
    with zipfile.ZipFile(filepath) as z:
        _refuse_escaping_entries(z, filepath)
        try:
            config = json.loads(z.read(_CONFIG))
            weights = z.read(_WEIGHTS)
        except KeyError as e:
            raise ValueError(f"{filepath} lacks {e.args[0]}: not a Keras model file.") from None
        except (zipfile.BadZipFile, ValueError, OSError) as e:
            raise ValueError(f"{filepath} is corrupt: {e}") from None
    model = _rebuild(config, custom_objects, compile, safe_mode)
    weights_store.assign(model, weights_store.read_h5(io.BytesIO(weights), filepath), filepath,
                         include_optimizer=compile)
    return model


def _refuse_escaping_entries(z: zipfile.ZipFile, filepath: str) -> None:
    for name in z.namelist():
        norm = os.path.normpath(name)
        if os.path.isabs(name) or norm.startswith("..") or "\\" in name:
            raise ValueError(f"{filepath} holds an entry that escapes its folder ({name!r}); "
                             "refusing to load it.")


def _rebuild(config, custom_objects, compile, safe_mode):
    if not compile:
        config = dict(config)
        config.pop("compile_config", None)
    return serialization.deserialize_keras_object(config, custom_objects=custom_objects,
                                                  safe_mode=safe_mode)


def _load_folder(path, custom_objects, compile, safe_mode):
    try:
        with open(os.path.join(path, _CONFIG), encoding="utf-8") as f:
            config = json.load(f)
    except FileNotFoundError:
        raise ValueError(f"{path} is a folder but not a saved Keras model (no {_CONFIG}).") \
            from None
    except ValueError as e:
        raise ValueError(f"{os.path.join(path, _CONFIG)} is corrupt: {e}") from None
    model = _rebuild(config, custom_objects, compile, safe_mode)
    weights_store.assign(model, weights_store.read_bundle(path), path, include_optimizer=compile)
    return model


def save_weights(model, filepath, overwrite: bool = True) -> None:
    """Writes the model's weights (and its optimizer's state) in Keras 3's `.weights.h5` layout."""
    filepath = os.fspath(filepath)
    if not filepath.endswith(".weights.h5"):
        raise ValueError("The filename must end in `.weights.h5`. "
                         f"Received: filepath={filepath}")
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{filepath} exists; pass overwrite=True to replace it.")
    groups = weights_store.collect(model)  # the optimizer's state too, as Keras 3
    with atomic_write(filepath) as f:
        f.write(weights_store.h5_bytes(groups))


def load_weights(model, filepath, skip_mismatch: bool = False) -> None:
    """Reads weights written by `save_weights` (ours or Keras 3's) into a built model."""
    filepath = os.fspath(filepath)
    if filepath.endswith(".keras"):
        with zipfile.ZipFile(filepath) as z:
            _refuse_escaping_entries(z, filepath)
            stored = weights_store.read_h5(io.BytesIO(z.read(_WEIGHTS)), filepath)
    elif not os.path.exists(filepath):
        raise FileNotFoundError(f"No weights file at {filepath}")
    else:
        stored = weights_store.read_h5(filepath, filepath)
    weights_store.assign(model, stored, filepath, skip_mismatch, build_optimizer=False)
