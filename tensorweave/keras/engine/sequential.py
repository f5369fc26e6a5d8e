"""keras.Sequential: a plain stack of layers, each with one input and one output.

    model = keras.Sequential([
        keras.layers.Dense(128, activation="relu", input_shape=(784,)),
        keras.layers.Dense(10),
    ])

With an input shape (a keras.Input first, or `input_shape=` on the first layer) the model is built
at once as a Functional graph, so `summary()` shows shapes; otherwise it builds on first use.
"""

from __future__ import annotations

from tensorweave.keras.engine import keras_tensor as kt
from tensorweave.keras.engine import layer as layer_module
from tensorweave.keras.engine.functional import FunctionalGraph
from tensorweave.keras.engine.input_layer import InputLayer
from tensorweave.keras.engine.layer import Layer
from tensorweave.keras.engine.training import Model


class Sequential(Model):
    """A linear stack of layers (`keras.Sequential`)."""

    def __init__(self, layers=None, trainable: bool = True, name: str | None = None, **kwargs):
        super().__init__(trainable=trainable, name=name, **kwargs)
        object.__setattr__(self, "_stack", [])
        object.__setattr__(self, "_input_layer", None)
        self.built = False
        for layer in layers or []:
            self.add(layer, rebuild=False)
        self._maybe_rebuild()

    def add(self, layer, rebuild: bool = True) -> None:
        """Appends a layer (or a keras.Input / InputLayer, which sets the input shape)."""
        if kt.is_keras_tensor(layer) and isinstance(getattr(layer.node, "layer", None),
                                                     InputLayer):
            layer = layer.node.layer
        if not isinstance(layer, Layer):
            raise ValueError("Only instances of `keras.Layer` can be added to a Sequential "
                             f"model. Received: {layer} (of type {type(layer)})")
        if isinstance(layer, InputLayer):
            if self._stack or self._input_layer is not None:
                raise ValueError(f"Sequential model '{self.name}' has already been configured "
                                 f"to use an input; you cannot add the InputLayer {layer.name}.")
            object.__setattr__(self, "_input_layer", layer)
        else:
            if any(layer is x for x in self._stack):
                raise ValueError(f"Layer {layer.name} is already in Sequential model "
                                 f"'{self.name}'.")
            if not self._stack and self._input_layer is None and \
                    layer._batch_input_shape is not None:
                object.__setattr__(self, "_input_layer", InputLayer(
                    batch_shape=layer._batch_input_shape))
            self._stack.append(layer)
            self._track_layer(layer)
        if rebuild:
            self._maybe_rebuild()

    def pop(self, rebuild: bool = True) -> Layer:
        """Removes and returns the last layer."""
        if not self._stack:
            raise TypeError("There are no layers in the model.")
        layer = self._stack.pop()
        self._layers[:] = [x for x in self._layers if x is not layer]
        layer_module._TRACK_VERSION[0] += 1
        if rebuild:
            self._maybe_rebuild()
        return layer

    def _maybe_rebuild(self) -> None:
        old = self._graph
        if old is not None:  # forget the calls of the previous build
            for node in old.nodes:
                layer = getattr(node, "layer", None)
                if layer is not None and not isinstance(layer, InputLayer):
                    layer._inbound_nodes[:] = [n for n in layer._inbound_nodes if n is not node]
        object.__setattr__(self, "_graph", None)
        self.built = False
        self._reset_functions()
        if self._input_layer is not None and self._stack:
            self._build_graph(self._input_layer.output)

    def _build_graph(self, inputs) -> None:
        x = inputs
        for layer in self._stack:
            x = layer(x)
        object.__setattr__(self, "_graph", FunctionalGraph(inputs, x))
        object.__setattr__(self, "_build_input_shape", tuple(inputs.shape.as_tuple()))
        self.built = True

    def build(self, input_shape=None) -> None:
        """Builds the stack for inputs of `input_shape` (batch size left free)."""
        if self._graph is not None:
            return
        if input_shape is None:
            raise ValueError("You must provide an `input_shape` argument.")
        if not self._stack:
            raise ValueError(f"Sequential model {self.name} cannot be built because it has no "
                             "layers. Call `model.add(layer)`.")
        shape = tuple(input_shape)
        if self._input_layer is None:
            object.__setattr__(self, "_input_layer", InputLayer(batch_shape=(None,) + shape[1:]))
        self._build_graph(self._input_layer.output)

    def _maybe_build(self, inputs) -> None:
        if self.built:
            return
        from tensorweave.keras.engine.layer import _shapes_of

        shape = _shapes_of(inputs)
        if not isinstance(shape, tuple):
            raise ValueError("Sequential models take a single input tensor, got "
                             f"{type(inputs).__name__}")
        dtype = inputs.dtype.name if hasattr(inputs, "dtype") else None
        if dtype is not None and not inputs.dtype.is_floating:
            object.__setattr__(self, "_input_layer", InputLayer(
                batch_shape=(None,) + shape[1:], dtype=dtype))
        self.build(shape)

    def call(self, inputs, training=None, mask=None):
        x = inputs
        for layer in self._stack:
            x = layer(x)
        return x

    @property
    def layers(self) -> list:
        """The stacked layers (the InputLayer is not listed, as in Keras 3)."""
        return list(self._stack)

    @property
    def input_shape(self):
        if self._input_layer is None:
            raise AttributeError(f"Sequential model '{self.name}' has no defined input shape "
                                 "yet.")
        return self._input_layer.batch_shape

    def get_config(self) -> dict:
        from tensorweave.keras.engine.functional_config import serialize_layer

        layers = []
        if self._input_layer is not None:
            layers.append(serialize_layer(self._input_layer))
        layers.extend(serialize_layer(layer) for layer in self._stack)
        from tensorweave.keras.engine.naming import serialize_policy

        config = {"name": self.name, "trainable": self.trainable,
                  "dtype": serialize_policy(self.dtype_policy), "layers": layers}
        if self._input_layer is not None:
            config["build_input_shape"] = self._input_layer.batch_shape
        return config

    @classmethod
    def from_config(cls, config: dict, custom_objects=None) -> "Sequential":
        from tensorweave.keras.engine.functional_config import deserialize_layer

        model = cls(name=config.get("name"), trainable=config.get("trainable", True))
        for item in config.get("layers", []):
            layer = deserialize_layer(item, custom_objects)
            model.add(layer, rebuild=False)
        model._maybe_rebuild()
        if not model.built and config.get("build_input_shape"):
            model.build(config["build_input_shape"])
        return model
