"""KerasVariable: a tf.Variable that knows its layer path, regularizer and Keras-style name."""

from __future__ import annotations

import threading

from tensorweave.framework.variables import Variable


class _Autocast(threading.local):
    """The compute dtype of the layer being called under a mixed policy (None otherwise)."""

    def __init__(self):
        self.dtype = None


AUTOCAST = _Autocast()


class KerasVariable(Variable):
    """A layer weight: `name` is the short name ('kernel'), `path` the full one ('dense/kernel').

    It is a tf.Variable in every other respect (tapes, optimizers and checkpoints see one).
    """

    def __init__(self, initial_value, *, trainable: bool = True, name: str = "variable",
                 dtype=None, constraint=None, path: str | None = None, regularizer=None,
                 overwrite_with_gradient: bool = False, aggregation: str = "none",
                 autocast: bool = True):
        super().__init__(initial_value, trainable=trainable, name=name, dtype=dtype,
                         constraint=constraint)
        self.path = path or name
        self.regularizer = regularizer
        self.overwrite_with_gradient = overwrite_with_gradient
        self.keras_aggregation = aggregation
        self.autocast = autocast

    def value(self):
        """The value; cast to the compute dtype inside a mixed-precision layer's call."""
        t = super().value()
        target = AUTOCAST.dtype
        if target is not None and self.autocast and self._dtype.is_floating and \
                self._dtype.name != target:
            import tensorweave as tf

            return tf.cast(t, target)
        return t

    read_value = value

    @property
    def name(self) -> str:
        return self._name

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self._trainable = bool(value)

    def __repr__(self) -> str:
        return (f"<KerasVariable shape={self.shape.as_tuple()}, dtype={self.dtype.name}, "
                f"path={self.path}>")
