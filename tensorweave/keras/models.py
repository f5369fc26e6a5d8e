"""keras.models: Sequential, Model, clone_model, load_model, model_from_json."""

from __future__ import annotations

import json

from tensorweave.keras.engine.sequential import Sequential
from tensorweave.keras.engine.training import Model

__all__ = ["Model", "Sequential", "clone_model", "load_model", "model_from_config",
           "model_from_json", "save_model"]


def load_model(filepath, custom_objects=None, compile: bool = True, safe_mode: bool = True):
    """Loads a model saved by `model.save` (a .keras file, an .h5 file or a folder)."""
    try:
        from tensorweave.keras import saving
    except ImportError as e:
        raise NotImplementedError("keras.models.load_model needs tensorweave.keras.saving, "
                                  "which is not available") from e
    return saving.load_model(filepath, custom_objects=custom_objects, compile=compile,
                             safe_mode=safe_mode)


def save_model(model, filepath, overwrite: bool = True, **kwargs) -> None:
    """Saves `model` (same as `model.save(filepath)`)."""
    model.save(filepath, overwrite=overwrite, **kwargs)


def model_from_config(config: dict, custom_objects=None):
    """A model (or layer) from a serialized config dict."""
    from tensorweave.keras.saving.serialization import deserialize_keras_object

    return deserialize_keras_object(config, custom_objects=custom_objects)


def model_from_json(json_string: str, custom_objects=None):
    """A model from `model.to_json()`."""
    return model_from_config(json.loads(json_string), custom_objects=custom_objects)


def clone_model(model, input_tensors=None, clone_function=None, call_function=None,
                recursive: bool = False, **kwargs):
    """A new model with the same architecture and freshly initialized weights.

    Sequential and Functional models are rebuilt from their configs (layers recreated by
    `clone_function`, by default `layer.__class__.from_config(layer.get_config())`).
    """
    if kwargs:
        raise ValueError(f"Unexpected keyword arguments: {list(kwargs)}")
    if call_function is not None:
        raise NotImplementedError("clone_model(call_function=...) is not supported by "
                                  "tensorweave")

    def clone_layer(layer):
        if clone_function is not None:
            return clone_function(layer)
        if recursive and isinstance(layer, (Sequential, Model)):
            return clone_model(layer, recursive=True)
        return type(layer).from_config(layer.get_config())

    if isinstance(model, Sequential):
        layers = [clone_layer(layer) for layer in model.layers]
        if input_tensors is not None:
            inputs = input_tensors[0] if isinstance(input_tensors, (list, tuple)) else \
                input_tensors
            return Sequential([inputs] + layers, name=model.name)
        new = Sequential(name=model.name)
        if model._input_layer is not None:
            from tensorweave.keras.engine.input_layer import InputLayer

            new.add(InputLayer(batch_shape=model._input_layer.batch_shape,
                               dtype=model._input_layer.dtype), rebuild=False)
        for layer in layers:
            new.add(layer, rebuild=False)
        new._maybe_rebuild()
        return new
    if getattr(model, "_graph", None) is None:
        raise ValueError("Expected `model` argument to be a functional `Model` instance, but "
                         f"got a subclassed model instead: {model}")
    return _clone_functional(model, input_tensors, clone_layer)


def _clone_functional(model, input_tensors, clone_layer):
    from tensorweave.framework.tensor import SymbolicTensor
    from tensorweave.keras.engine import keras_tensor as kt
    from tensorweave.keras.engine.input_layer import Input, InputLayer
    from tensorweave.util import nest

    graph = model._graph
    values = {}
    if input_tensors is not None:
        for old, new in zip(graph.flat_inputs, nest.flatten(input_tensors)):
            values[id(old)] = new
    else:
        for old in graph.flat_inputs:
            layer = old.node.layer
            values[id(old)] = Input(batch_shape=layer.batch_shape, dtype=layer.dtype,
                                    name=layer.name)
    clones = {}

    def lookup(x):
        return values[id(x)] if isinstance(x, SymbolicTensor) else x

    from tensorweave.framework.op_def import execute

    for node in graph.nodes:
        if isinstance(node, kt.InputNode):
            continue
        if isinstance(node, kt.LayerNode):
            layer = node.layer
            if isinstance(layer, InputLayer):
                continue
            if id(layer) not in clones:
                clones[id(layer)] = clone_layer(layer)
            args = nest.map_structure(lookup, node.call_args)
            kwargs = nest.map_structure(lookup, node.call_kwargs)
            result = clones[id(layer)](*args, **kwargs)
            flat = [x for x in nest.flatten(result) if isinstance(x, SymbolicTensor)]
        elif isinstance(node, kt.OpNode):
            result = execute(node.op, tuple(lookup(x) for x in node.inputs), node.attrs)
            flat = list(result) if isinstance(result, tuple) else [result]
        else:
            flat = [node.var.value()]
        for old, new in zip(node.outputs, flat):
            values[id(old)] = new
    inputs = nest.pack_sequence_as(graph.inputs, [values[id(t)] for t in graph.flat_inputs])
    outputs = nest.pack_sequence_as(graph.outputs, [values[id(t)] for t in graph.flat_outputs])
    return Model(inputs, outputs, name=model.name)
