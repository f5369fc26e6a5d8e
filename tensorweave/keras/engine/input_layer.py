"""keras.Input and keras.layers.InputLayer: where Functional models start."""

from __future__ import annotations

from tensorweave.framework import dtypes
from tensorweave.keras.engine import keras_tensor as kt
from tensorweave.keras.engine.layer import Layer
from tensorweave.keras.engine.naming import unique_name


class InputLayer(Layer):
    """The layer behind `keras.Input`: it holds the symbolic input tensor and has no weights."""

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None,
                 input_tensor=None, optional: bool = False, name=None, **kwargs):
        if "input_shape" in kwargs:  # Keras 2 spelling
            shape = kwargs.pop("input_shape")
        if "batch_input_shape" in kwargs:
            batch_shape = kwargs.pop("batch_input_shape")
        if kwargs.pop("ragged", False):
            raise NotImplementedError("InputLayer(ragged=True): ragged inputs are not "
                                      "supported by tensorweave's Keras engine")
        if sparse:
            raise NotImplementedError("InputLayer(sparse=True): sparse inputs are not "
                                      "supported by tensorweave's Keras engine")
        super().__init__(name=name or unique_name("input_layer"), dtype=dtype, **kwargs)
        if shape is not None and batch_shape is not None:
            raise ValueError("You cannot pass both `shape` and `batch_shape` at the same time.")
        if batch_size is not None and batch_shape is not None:
            raise ValueError("You cannot pass both `batch_size` and `batch_shape` at the same "
                             "time.")
        if input_tensor is not None:
            if not kt.is_keras_tensor(input_tensor):
                raise ValueError("Argument `input_tensor` must be a KerasTensor. Received: "
                                 f"input_tensor={input_tensor!r}")
            batch_shape = tuple(input_tensor.shape.as_tuple())
        if shape is None and batch_shape is None:
            raise ValueError("You must pass a `shape` argument.")
        if shape is not None:
            if isinstance(shape, int):
                shape = (shape,)
            batch_shape = (batch_size,) + tuple(shape)
        self._batch_shape = tuple(None if d is None else int(d) for d in batch_shape)
        self._input_dtype = dtypes.as_dtype(dtype if dtype is not None else "float32").name
        self.sparse = False
        self.optional = optional
        if input_tensor is None:
            node = kt.InputNode(self)
            input_tensor = kt.KERAS_GRAPH.tensor(node, 0, self._batch_shape, self._input_dtype)
            node.outputs = (input_tensor,)
        self._input_tensor = input_tensor
        self._inbound_nodes.append(input_tensor.node)
        self.built = True

    @property
    def batch_shape(self) -> tuple:
        return self._batch_shape

    @property
    def dtype(self) -> str:
        return self._input_dtype

    @property
    def output(self):
        return self._input_tensor

    def call(self, inputs):
        return inputs

    def get_config(self) -> dict:
        return {"batch_shape": self._batch_shape, "dtype": self._input_dtype,
                "sparse": self.sparse, "ragged": False, "name": self.name,
                "optional": self.optional}


def Input(shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, name=None,
          tensor=None, optional: bool = False):
    """A Keras symbolic tensor: the start of a Functional model.

    >>> x = Input(shape=(784,))
    >>> x.shape
    TensorShape([None, 784])
    """
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse,
                       batch_shape=batch_shape, name=name, input_tensor=tensor,
                       optional=optional)
    return layer.output
