"""Reading and writing a model's weights as {group path: [arrays]} in HDF5 or a tensor bundle."""

from __future__ import annotations

import io
import os
import warnings

import numpy as np

from tensorweave.keras.saving import weights_layout


def _h5py():
    try:
        import h5py
    except ImportError:
        raise ImportError("Keras weight files (.keras, .weights.h5, .h5) need h5py: "
                          "pip install 'tensorweave[h5]'") from None
    return h5py


def collect(model, include_optimizer: bool = True) -> dict:
    """{group: (name, [numpy arrays])} of the model's state."""
    return {group: (name, [np.asarray(v.numpy()) for v in variables])
            for group, (name, variables) in weights_layout.layout(model, include_optimizer).items()}


def write_h5(target, groups: dict) -> None:
    """Writes the groups into an HDF5 file (a path or a binary file object)."""
    h5py = _h5py()
    with h5py.File(target, "w") as f:
        for group, (name, arrays) in groups.items():
            g = f.require_group(group)
            g.attrs["name"] = name
            for i, array in enumerate(arrays):
                g.create_dataset(str(i), data=array)


def read_h5(source, description: str) -> dict:
    """{group: [arrays]} from an HDF5 weights file (a path or a binary file object)."""
    h5py = _h5py()
    groups: dict = {}
    try:
        with h5py.File(source, "r") as f:
            def visit(name, obj):
                if isinstance(obj, h5py.Group) and name.split("/")[-1] == "vars":
                    keys = sorted(obj.keys(), key=int)
                    groups[name] = [np.asarray(obj[k]) for k in keys]
            f.visititems(visit)
    except OSError as e:
        raise ValueError(f"{description} is not a readable HDF5 weights file (truncated or "
                         f"corrupt?): {e}") from None
    return groups


def h5_bytes(groups: dict) -> bytes:
    buffer = io.BytesIO()
    write_h5(buffer, groups)
    return buffer.getvalue()


def assign(model, stored: dict, description: str, skip_mismatch: bool = False,
           include_optimizer: bool = True, build_optimizer: bool = True) -> None:
    """Assigns stored arrays to the model's variables, checking structure and shapes first.

    The optimizer's state is restored when its variables match the saved ones; otherwise it is
    skipped with a warning, as Keras does (a model's weights never depend on it).
    """
    optimizer = getattr(model, "optimizer", None)
    if build_optimizer and include_optimizer and "optimizer/vars" in stored and \
            optimizer is not None and \
            not isinstance(optimizer, str) and hasattr(optimizer, "build") and \
            not getattr(optimizer, "built", True):
        optimizer.build(model.trainable_variables)
    plan = []
    for group, (name, variables) in weights_layout.layout(model, include_optimizer).items():
        arrays = stored.get(group)
        if arrays is None:
            if variables and not skip_mismatch and group != "optimizer/vars":
                raise ValueError(f"{description} has no weights for {group!r} ({name}, "
                                 f"{len(variables)} variables): the file was saved from a "
                                 "different architecture.")
            continue
        if len(arrays) != len(variables):
            if group == "optimizer/vars":
                warnings.warn(f"Skipping variable loading for optimizer '{name}', because it has "
                              f"{len(variables)} variables whereas the saved optimizer has "
                              f"{len(arrays)} variables.", stacklevel=3)
                continue
            if skip_mismatch:
                continue
            raise ValueError(f"{description}: layer {name!r} ({group}) expects "
                             f"{len(variables)} weights, but the saved layer has {len(arrays)}.")
        for var, array in zip(variables, arrays):
            if tuple(var.shape.as_list()) != array.shape:
                if skip_mismatch:
                    break
                raise ValueError(f"{description}: shape mismatch for {group} ({name}) variable "
                                 f"{var.name!r}: the model has {tuple(var.shape.as_list())}, "
                                 f"the file has {array.shape}.")
        else:
            plan.extend(zip(variables, arrays))
    for var, array in plan:
        var.assign(array.astype(var.dtype.as_numpy_dtype, copy=False))


def read_bundle(directory: str) -> dict:
    """{group: [arrays]} from a SavedModel-style folder's `variables/` bundle."""
    from tensorweave.saving import tensor_bundle

    reader = tensor_bundle.BundleReader(os.path.join(directory, "variables", "variables"))
    groups: dict = {}
    for key in reader.keys():
        group, index = key.rsplit("/", 1)
        groups.setdefault(group, {})[int(index)] = reader.get(key)
    return {g: [items[i] for i in sorted(items)] for g, items in groups.items()}
