"""keras.constraints: projections applied to weights after each optimizer update.

    >>> from tensorweave import keras
    >>> keras.constraints.NonNeg()([-1.0, 2.0]).numpy()
    array([0., 2.], dtype=float32)
"""

from __future__ import annotations

import tensorweave as tf
from tensorweave.keras.utils.serialization import lookup, serialize_object

_EPSILON = 1e-7  # Keras's backend.epsilon()


def _norms(w, axis):
    return tf.sqrt(tf.reduce_sum(tf.square(w), axis=axis, keepdims=True))


def _c(value, w):
    return tf.constant(value, dtype=w.dtype)


class Constraint:
    """Base class: `constraint(w)` returns the projected weights (the identity here)."""

    def __call__(self, w):
        return w

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)


class MaxNorm(Constraint):
    """Rescales weight vectors along `axis` whose L2 norm exceeds `max_value`."""

    def __init__(self, max_value=2, axis=0):
        self.max_value = max_value
        self.axis = axis

    def __call__(self, w):
        w = tf.convert_to_tensor(w)
        norms = _norms(w, self.axis)
        desired = tf.clip_by_value(norms, _c(0, w), _c(self.max_value, w))
        return w * (desired / (_c(_EPSILON, w) + norms))

    def get_config(self) -> dict:
        return {"max_value": self.max_value, "axis": self.axis}


class MinMaxNorm(Constraint):
    """Moves the norms of weight vectors along `axis` towards [min_value, max_value] by `rate`."""

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = axis

    def __call__(self, w):
        w = tf.convert_to_tensor(w)
        norms = _norms(w, self.axis)
        clipped = tf.clip_by_value(norms, _c(self.min_value, w), _c(self.max_value, w))
        desired = _c(self.rate, w) * clipped + _c(1 - self.rate, w) * norms
        return w * (desired / (_c(_EPSILON, w) + norms))

    def get_config(self) -> dict:
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                "axis": self.axis}


class NonNeg(Constraint):
    """max(w, 0)."""

    def __call__(self, w):
        w = tf.convert_to_tensor(w)
        return tf.maximum(w, _c(0, w))


class UnitNorm(Constraint):
    """Scales weight vectors along `axis` to unit L2 norm."""

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        w = tf.convert_to_tensor(w)
        return w / (_c(_EPSILON, w) + _norms(w, self.axis))

    def get_config(self) -> dict:
        return {"axis": self.axis}


ALL_OBJECTS_DICT = {cls.__name__: cls for cls in (Constraint, MaxNorm, MinMaxNorm, NonNeg,
                                                  UnitNorm)}
ALL_OBJECTS_DICT.update({"max_norm": MaxNorm, "min_max_norm": MinMaxNorm, "non_neg": NonNeg,
                         "unit_norm": UnitNorm})


def serialize(constraint: Constraint) -> dict:
    """Keras 3's dict for a constraint."""
    return serialize_object(constraint, "keras.constraints")


def deserialize(config, custom_objects: dict | None = None) -> Constraint:
    """The constraint a serialized dict (or name) describes."""
    return lookup(config, ALL_OBJECTS_DICT, "constraint", custom_objects)


def get(identifier):
    """A constraint from a name ('max_norm'), a dict, an object or a callable; None gives None."""
    if identifier is None:
        return None
    return lookup(identifier, ALL_OBJECTS_DICT, "constraint")
