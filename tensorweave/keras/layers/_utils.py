"""Helpers shared by the layers: configs, argument normalization, output-length arithmetic."""

from __future__ import annotations

import tensorweave as tf
from tensorweave.framework.tensor import SymbolicTensor, Tensor
from tensorweave.keras import activations, constraints, initializers, regularizers
from tensorweave.keras.engine.naming import serialize_policy


def base_config(layer) -> dict:
    """The Layer part of a config: name, trainable, dtype.

    A first layer's `input_shape` is not part of it, as in Keras 3 (which refuses the key):
    Sequential saves that shape as an InputLayer.
    """
    return {"name": layer.name, "trainable": layer.trainable,
            "dtype": serialize_policy(layer.dtype_policy)}


def ser_init(obj):
    return None if obj is None else initializers.serialize(obj)


def ser_act(fn):
    return activations.serialize(fn)


def ser_reg(obj):
    return None if obj is None else regularizers.serialize(obj)


def ser_con(obj):
    return None if obj is None else constraints.serialize(obj)


def get_reg(identifier):
    return None if identifier is None else regularizers.get(identifier)


def get_con(identifier):
    return None if identifier is None else constraints.get(identifier)


def activity_reg_config(layer):
    reg = layer._activity_regularizer
    return None if reg is None else regularizers.serialize(reg)


def normalize_tuple(value, n: int, name: str, allow_zero: bool = False) -> tuple:
    """`value` (an int or n ints) as a tuple of n positive ints; Keras's error otherwise."""
    if isinstance(value, int):
        out = (value,) * n
    else:
        try:
            out = tuple(int(v) for v in value)
        except TypeError as e:
            raise ValueError(f"The `{name}` argument must be a tuple of {n} integers. "
                             f"Received {name}={value}") from e
        if len(out) != n:
            raise ValueError(f"The `{name}` argument must be a tuple of {n} integers. "
                             f"Received {name}={value}")
    bad = [v for v in out if v < 0 or (v == 0 and not allow_zero)]
    if bad:
        raise ValueError(f"The `{name}` argument must be a tuple of {n} integers greater than "
                         f"{'or equal to ' if allow_zero else ''}zero. Received {name}={value}")
    return out


def normalize_padding(value: str) -> str:
    padding = str(value).lower()
    if padding not in ("valid", "same", "causal"):
        raise ValueError("The `padding` argument must be a list/tuple or one of "
                         f'"valid", "same" (or "causal", only for `Conv1D). Received: {value}')
    return padding


def normalize_data_format(value) -> str:
    if value is None:
        from tensorweave.keras.engine import backend

        value = backend.image_data_format()
    value = str(value).lower()
    if value not in ("channels_first", "channels_last"):
        raise ValueError("The `data_format` argument must be one of \"channels_first\", "
                         f"\"channels_last\". Received: data_format={value}")
    return value


def conv_output_length(length, kernel: int, padding: str, stride: int, dilation: int = 1):
    """Output size of a convolution or pooling window along one axis (None stays None)."""
    if length is None:
        return None
    effective = (kernel - 1) * dilation + 1
    if padding in ("same", "causal"):
        out = (length + stride - 1) // stride
    else:
        out = (length - effective + stride) // stride
    return out


def deconv_output_length(length, kernel: int, padding: str, output_padding, stride: int,
                         dilation: int = 1):
    """Output size of a transposed convolution along one axis (Keras's rule)."""
    if length is None:
        return None
    kernel = (kernel - 1) * dilation + 1
    if output_padding is None:
        if padding == "valid":
            return length * stride + max(kernel - stride, 0)
        return length * stride
    pad = kernel // 2 if padding == "same" else 0
    return (length - 1) * stride + kernel - 2 * pad + output_padding


def is_symbolic(x) -> bool:
    return isinstance(x, SymbolicTensor)


def in_train_mode(training) -> bool | Tensor:
    """`training` as a Python bool; a symbolic boolean tensor is returned unchanged."""
    if training is None:
        return False
    if isinstance(training, (bool, int)):
        return bool(training)
    if is_symbolic(training):
        return training
    if hasattr(training, "numpy"):
        return bool(training.numpy())
    return bool(training)


def smart_cond(training, true_fn, false_fn):
    """true_fn() when training, false_fn() otherwise; tf.cond for a traced boolean tensor."""
    mode = in_train_mode(training)
    if isinstance(mode, bool):
        return true_fn() if mode else false_fn()
    return tf.cond(mode, true_fn, false_fn)


def static_shape(x) -> tuple:
    dims = x.shape.as_tuple()
    return tuple(dims) if dims is not None else None


def read(var, dtype):
    """A variable's value in the dtype of the inputs it meets (mixed precision reads float32
    weights as float16; the variable may already autocast its reads)."""
    value = var.value()
    if value.dtype != dtype:
        return tf.cast(value, dtype)
    return value
