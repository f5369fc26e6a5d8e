"""KerasVariable: a tf.Variable that knows its layer path, regularizer and Keras-style name."""

from __future__ import annotations

from tensorweave.framework.variables import Variable


class KerasVariable(Variable):
    """A layer weight: `name` is the short name ('kernel'), `path` the full one ('dense/kernel').

    It is a tf.Variable in every other respect (tapes, optimizers and checkpoints see one).
    """

    def __init__(self, initial_value, *, trainable: bool = True, name: str = "variable",
                 dtype=None, constraint=None, path: str | None = None, regularizer=None,
                 overwrite_with_gradient: bool = False, aggregation: str = "none"):
        super().__init__(initial_value, trainable=trainable, name=name, dtype=dtype,
                         constraint=constraint)
        self.path = path or name
        self.regularizer = regularizer
        self.overwrite_with_gradient = overwrite_with_gradient
        self.keras_aggregation = aggregation

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
