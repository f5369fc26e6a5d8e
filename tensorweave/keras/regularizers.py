"""keras.regularizers: weight penalties whose scalar losses layers add to the training loss.

    >>> from tensorweave import keras
    >>> float(keras.regularizers.L2(0.5)([1.0, 2.0]))
    2.5
"""

from __future__ import annotations

import math

import numpy as np

import tensorweave as tf
from tensorweave.keras.utils.serialization import lookup, serialize_object


def validate_float_arg(value, name: str) -> float:
    """`value` as a float, refusing negatives, NaN and infinity as Keras does."""
    if (not isinstance(value, (float, int, np.floating, np.integer)) or isinstance(value, bool)
            or math.isinf(value) or math.isnan(value) or value < 0):
        raise ValueError(f"Invalid value for argument {name}: expected a non-negative float."
                         f"Received: {name}={value}")
    return float(value)


def _weights(x):
    x = tf.convert_to_tensor(x)
    if not x.dtype.is_floating:
        raise ValueError(f"Regularizers need floating-point weights, got dtype {x.dtype.name}")
    return x


class Regularizer:
    """Base class: `regularizer(weights)` returns a scalar penalty."""

    def __call__(self, x):
        return 0.0

    def get_config(self) -> dict:
        raise NotImplementedError(f"{type(self).__name__} does not implement get_config().")

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)


class L1(Regularizer):
    """l1 * sum(|x|)."""

    def __init__(self, l1: float = 0.01):
        self.l1 = validate_float_arg(l1, "l1")

    def __call__(self, x):
        x = _weights(x)
        return tf.constant(self.l1, dtype=x.dtype) * tf.reduce_sum(tf.abs(x))

    def get_config(self) -> dict:
        return {"l1": float(self.l1)}


class L2(Regularizer):
    """l2 * sum(x^2)."""

    def __init__(self, l2: float = 0.01):
        self.l2 = validate_float_arg(l2, "l2")

    def __call__(self, x):
        x = _weights(x)
        return tf.constant(self.l2, dtype=x.dtype) * tf.reduce_sum(tf.square(x))

    def get_config(self) -> dict:
        return {"l2": float(self.l2)}


class L1L2(Regularizer):
    """l1 * sum(|x|) + l2 * sum(x^2)."""

    def __init__(self, l1: float = 0.0, l2: float = 0.0):
        self.l1 = validate_float_arg(l1, "l1")
        self.l2 = validate_float_arg(l2, "l2")

    def __call__(self, x):
        x = _weights(x)
        penalty = tf.constant(0.0, dtype=x.dtype)
        if self.l1:
            penalty = penalty + tf.constant(self.l1, dtype=x.dtype) * tf.reduce_sum(tf.abs(x))
        if self.l2:
            penalty = penalty + tf.constant(self.l2, dtype=x.dtype) * tf.reduce_sum(tf.square(x))
        return penalty

    def get_config(self) -> dict:
        return {"l1": float(self.l1), "l2": float(self.l2)}


class OrthogonalRegularizer(Regularizer):
    """factor * mean |cosine| between distinct rows (or columns) of a rank-2 weight."""

    def __init__(self, factor: float = 0.01, mode: str = "rows"):
        self.factor = validate_float_arg(factor, "factor")
        if mode not in ("rows", "columns"):
            raise ValueError("Invalid value for argument `mode`. Expected one of "
                             f'{{"rows", "columns"}}. Received: mode={mode}')
        self.mode = mode

    def __call__(self, x):
        x = _weights(x)
        if len(x.shape) != 2:
            raise ValueError(f"Inputs to OrthogonalRegularizer must have rank 2. Received: "
                             f"inputs.shape={x.shape}")
        axis = 1 if self.mode == "rows" else 0
        x = tf.math.l2_normalize(x, axis=axis) if hasattr(tf.math, "l2_normalize") \
            else tf.nn.l2_normalize(x, axis=axis)
        product = tf.matmul(x, x, transpose_b=True) if axis == 1 else \
            tf.matmul(x, x, transpose_a=True)
        size = int(x.shape[1 - axis])
        off_diagonal = tf.constant(1.0 - np.eye(size), dtype=x.dtype)
        pairs = size * (size - 1.0) / 2.0
        total = tf.reduce_sum(tf.abs(product * off_diagonal))
        return total * tf.constant(self.factor * 0.5 / pairs, dtype=x.dtype)

    def get_config(self) -> dict:
        return {"factor": float(self.factor), "mode": self.mode}


ALL_OBJECTS_DICT = {cls.__name__: cls for cls in (Regularizer, L1, L2, L1L2,
                                                  OrthogonalRegularizer)}
ALL_OBJECTS_DICT.update({"l1": L1, "l2": L2, "l1l2": L1L2, "l1_l2": L1L2,
                         "orthogonal_regularizer": OrthogonalRegularizer})


def l1_l2(l1: float = 0.01, l2: float = 0.01) -> L1L2:
    """An L1L2 regularizer with both penalties set (Keras's helper)."""
    return L1L2(l1=l1, l2=l2)


def serialize(regularizer: Regularizer) -> dict:
    """Keras 3's dict for a regularizer."""
    return serialize_object(regularizer, "keras.regularizers")


def deserialize(config, custom_objects: dict | None = None) -> Regularizer:
    """The regularizer a serialized dict (or name) describes."""
    return lookup(config, ALL_OBJECTS_DICT, "regularizer", custom_objects)


def get(identifier):
    """A regularizer from a name ('l2'), a dict, an object or a callable; None gives None."""
    if identifier is None:
        return None
    return lookup(identifier, ALL_OBJECTS_DICT, "regularizer")
