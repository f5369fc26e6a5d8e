"""keras.Model: a Layer with training (compile/fit/...), built three ways.

- Functional: `Model(inputs, outputs)` from keras.Input tensors and layer calls on them;
- Sequential (sequential.py): a stack of layers;
- subclassing: `class MyModel(keras.Model)` with layers as attributes and a `call`.

    inputs = keras.Input(shape=(784,))
    x = keras.layers.Dense(64, activation="relu")(inputs)
    model = keras.Model(inputs, keras.layers.Dense(10)(x))
"""

from __future__ import annotations

from tensorweave.keras.engine import keras_tensor as kt
from tensorweave.keras.engine.functional import FunctionalGraph
from tensorweave.keras.engine.layer import Layer
from tensorweave.keras.engine.naming import to_snake_case, unique_name
from tensorweave.keras.engine.trainer import Trainer
from tensorweave.util import nest


class Model(Trainer, Layer):
    """Groups layers into an object with training and inference features (`keras.Model`)."""

    def __init__(self, *args, **kwargs):
        inputs = kwargs.pop("inputs", None)
        outputs = kwargs.pop("outputs", None)
        if args and inputs is None:
            inputs, args = args[0], args[1:]
        if args and outputs is None:
            outputs, args = args[0], args[1:]
        if args:
            raise TypeError(f"Model() got unexpected positional arguments: {args}")
        functional = inputs is not None or outputs is not None
        if functional and (inputs is None or outputs is None):
            raise ValueError("A functional Model needs both `inputs` and `outputs`.")
        name = kwargs.pop("name", None)
        if name is None:
            base = "functional" if functional and type(self) is Model else \
                to_snake_case(type(self).__name__)
            name = unique_name(base)
        Layer.__init__(self, name=name, **kwargs)
        self._init_trainer()
        object.__setattr__(self, "_graph", None)
        object.__setattr__(self, "_tracked_metrics", [])
        if functional:
            self._init_graph(inputs, outputs)

    def __setattr__(self, name: str, value) -> None:
        from tensorweave.keras.metrics import Metric

        if isinstance(value, Metric) and self.__dict__.get("_tracking"):
            tracked = self.__dict__.setdefault("_tracked_metrics", [])
            if all(value is not m for m in tracked):
                tracked.append(value)
        super().__setattr__(name, value)

    # --- functional ----------------------------------------------------------------------------
    def _init_graph(self, inputs, outputs) -> None:
        if isinstance(inputs, dict) or isinstance(outputs, dict):
            pass
        elif isinstance(inputs, list) and len(inputs) == 1 and not isinstance(outputs, list):
            inputs = inputs[0]
        graph = FunctionalGraph(inputs, outputs)
        object.__setattr__(self, "_graph", graph)
        for layer in graph.layers:
            self._track_layer(layer)
        self.built = True
        object.__setattr__(self, "_build_input_shape", nest.map_structure(
            lambda t: tuple(t.shape.as_tuple()), inputs))

    @property
    def _is_graph_network(self) -> bool:
        return self._graph is not None

    @property
    def inputs(self):
        if self._graph is None:
            return None
        return list(self._graph.flat_inputs)

    @property
    def outputs(self):
        if self._graph is None:
            return None
        return list(self._graph.flat_outputs)

    @property
    def input(self):
        self._require_graph("input")
        return self._graph.inputs

    @property
    def output(self):
        self._require_graph("output")
        return self._graph.outputs

    @property
    def input_shape(self):
        self._require_graph("input_shape")
        return nest.map_structure(lambda t: tuple(t.shape.as_tuple()), self._graph.inputs)

    @property
    def output_shape(self):
        self._require_graph("output_shape")
        return nest.map_structure(lambda t: tuple(t.shape.as_tuple()), self._graph.outputs)

    @property
    def input_names(self) -> list:
        return [t.node.layer.name if hasattr(t.node, "layer") else t.name
                for t in self._graph.flat_inputs] if self._graph else []

    @property
    def output_names(self) -> list:
        if self._graph is None:
            return []
        names = []
        for t in self._graph.flat_outputs:
            layer = getattr(t.node, "layer", None)
            names.append(layer.name if layer is not None else t.node.name)
        if isinstance(self._graph.outputs, dict):
            return sorted(self._graph.outputs)
        return names

    def _require_graph(self, what: str) -> None:
        if self._graph is None:
            raise AttributeError(f"Model '{self.name}' has no `{what}`: it is not a functional "
                                 "model (or a Sequential model without an input shape yet).")

    @property
    def layers(self) -> list:
        if self._graph is not None:
            return list(self._graph.layers)
        return list(self._layers)

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        """The layer called `name`, or at position `index` of `layers`."""
        if index is not None and name is not None:
            raise ValueError("Provide only a layer name or a layer index. Received: "
                             f"index={index}, name={name}.")
        layers = self.layers
        if index is not None:
            if len(layers) <= index:
                raise ValueError(f"Was asked to retrieve layer at index {index} but model only "
                                 f"has {len(layers)} layers.")
            return layers[index]
        if name is not None:
            for layer in layers:
                if layer.name == name:
                    return layer
            raise ValueError(f"No such layer: {name}. Existing layers are: "
                             f"{[layer.name for layer in layers]}.")
        raise ValueError("Provide either a layer name or layer index at `get_layer`.")

    def call(self, inputs, training=None, mask=None):
        if self._graph is None:
            raise NotImplementedError(
                f"Model {type(self).__name__} has no `call()`: subclasses of keras.Model must "
                "implement `call()`, or be built with keras.Model(inputs, outputs).")
        return self._graph.run(self._standardize_inputs(inputs))

    def _standardize_inputs(self, inputs) -> list:
        """One tensor per model input, matched by structure or by input name, in input dtypes."""
        graph = self._graph
        expected = graph.flat_inputs
        if isinstance(inputs, dict) and not isinstance(graph.inputs, dict):
            names = self.input_names
            missing = [n for n in names if n not in inputs]
            if missing:
                raise ValueError(f"Missing data for input '{missing[0]}'. You passed a data "
                                 f"dictionary with keys {list(inputs)}. Expected the following "
                                 f"keys: {names}")
            flat = [inputs[n] for n in names]
        else:
            flat = nest.flatten(inputs)
        if len(flat) != len(expected):
            raise ValueError(f'Layer "{self.name}" expects {len(expected)} input(s), but it '
                             f"received {len(flat)} input tensors. Inputs received: {inputs}")
        out = []
        for i, (value, sym) in enumerate(zip(flat, expected)):
            out.append(_adjust_input(value, sym, i, self.name))
        return out

    # --- summary and saving --------------------------------------------------------------------
    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None) -> None:
        """Prints the layer table: name (type), output shape, parameter count, totals."""
        from tensorweave.keras.engine.summary import print_summary

        print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn,
                      expand_nested=expand_nested, show_trainable=show_trainable,
                      layer_range=layer_range)

    def save(self, filepath, overwrite: bool = True, **kwargs) -> None:
        """Saves the model (architecture, weights, optimizer) through keras.saving."""
        from tensorweave.keras import saving

        saving.save_model(self, filepath, overwrite=overwrite, **kwargs)

    def save_weights(self, filepath, overwrite: bool = True, **kwargs) -> None:
        from tensorweave.keras import saving

        if hasattr(saving, "save_weights"):
            return saving.save_weights(self, filepath, overwrite=overwrite, **kwargs)
        from tensorweave.keras.saving import saving_api

        return saving_api.save_weights(self, filepath, overwrite=overwrite, **kwargs)

    def load_weights(self, filepath, skip_mismatch: bool = False, **kwargs):
        from tensorweave.keras import saving

        if hasattr(saving, "load_weights"):
            return saving.load_weights(self, filepath, skip_mismatch=skip_mismatch, **kwargs)
        from tensorweave.keras.saving import saving_api

        return saving_api.load_weights(self, filepath, skip_mismatch=skip_mismatch, **kwargs)

    def to_json(self, **kwargs) -> str:
        """The model's architecture as JSON (keras.models.model_from_json reads it back)."""
        import json

        from tensorweave.keras.saving.serialization import serialize_keras_object

        return json.dumps(serialize_keras_object(self), default=_json_default, **kwargs)

    def get_config(self) -> dict:
        if self._graph is not None:
            from tensorweave.keras.engine.functional_config import functional_config

            return functional_config(self)
        return Layer.get_config(self)

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        if "layers" in config and "input_layers" in config:
            from tensorweave.keras.engine.functional_config import functional_from_config

            return functional_from_config(cls, config, custom_objects)
        return super().from_config(config)


def _json_default(obj):
    if hasattr(obj, "tolist"):
        return obj.tolist()
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


def _adjust_input(value, sym, index: int, model_name: str):
    """Converts `value` to the Input's dtype and fixes a missing/extra trailing unit axis."""
    import numpy as np

    import tensorweave as tf

    if not hasattr(value, "shape") or isinstance(value, np.ndarray):
        value = tf.convert_to_tensor(np.asarray(value))
    if kt.is_keras_tensor(value):
        return value
    want = sym.dtype
    if value.dtype != want and (value.dtype.is_floating or value.dtype.is_integer) and (
            want.is_floating or want.is_integer):
        value = tf.cast(value, want)
    expected = sym.shape.as_tuple()
    shape = value.shape.as_tuple()
    if expected is not None and shape is not None:
        if len(shape) == len(expected) - 1 and expected[-1] == 1:
            value = tf.expand_dims(value, -1)
        elif len(shape) == len(expected) + 1 and shape[-1] == 1:
            value = tf.squeeze(value, -1)
        shape = value.shape.as_tuple()
        if len(shape) != len(expected) or any(
                e is not None and g is not None and e != g for e, g in zip(expected, shape)):
            raise ValueError(f'Input {index} of layer "{model_name}" is incompatible with the '
                             f"layer: expected shape={expected}, found shape={shape}")
    return value
