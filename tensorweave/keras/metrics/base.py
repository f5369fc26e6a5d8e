"""The Metric base class: state in non-trainable tf.Variables, updated with assign/assign_add so
that `update_state` works eagerly and inside tf.function traces alike."""

from __future__ import annotations

import collections
import re

import tensorweave as tf
from tensorweave.framework.context import init_scope
from tensorweave.keras import initializers

_NAME_UIDS: collections.defaultdict = collections.defaultdict(int)


def to_snake_case(name: str) -> str:
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def auto_name(prefix: str) -> str:
    """Keras's default object names: 'auc', then 'auc_1', 'auc_2' ..."""
    name = to_snake_case(prefix)
    count = _NAME_UIDS[name]
    _NAME_UIDS[name] += 1
    return name if count == 0 else f"{name}_{count}"


def as_float(x, dtype):
    """`x` as a tensor of `dtype` (casting tensors, converting Python and NumPy values)."""
    t = tf.convert_to_tensor(x)
    return t if t.dtype == dtype else tf.cast(t, dtype)


class Metric:
    """Base class of metrics: `update_state(...)` accumulates, `result()` reads,
    `reset_state()` clears, and calling the metric does update then result.

    >>> from tensorweave.keras.metrics import Mean
    >>> m = Mean()
    >>> m.update_state([1.0, 3.0]); float(m.result())
    2.0
    """

    # Which way is better ("up" or "down"), for callbacks monitoring in mode="auto".
    _direction = "down"

    def __init__(self, dtype=None, name: str | None = None):
        self.name = name or auto_name(type(self).__name__)
        self._dtype = tf.as_dtype(dtype or "float32")
        self._variables: list = []
        self._metrics: list = []

    def __setattr__(self, name, value):
        if isinstance(value, Metric) and name != "_metrics" and "_metrics" in self.__dict__:
            self._metrics.append(value)
        super().__setattr__(name, value)

    @property
    def dtype(self):
        return self._dtype

    def add_variable(self, shape, initializer="zeros", dtype=None, aggregation="sum",
                     name: str | None = None):
        """A non-trainable state variable of this metric, reset to zeros by `reset_state`."""
        if "_variables" not in self.__dict__:
            raise RuntimeError("You forgot to call `super().__init__()` in the `__init__()` "
                               "method. Go add it!")
        init = initializers.get(initializer)
        dtype = tf.as_dtype(dtype or self._dtype)
        # Created outside any trace: a metric first used in a tf.function owns real variables.
        with init_scope():
            var = tf.Variable(init(tuple(shape), dtype=dtype), trainable=False,
                              name=f"{self.name}/{name or 'variable'}",
                              synchronization=tf.VariableSynchronization.ON_READ,
                              aggregation=_AGGREGATIONS.get(aggregation, aggregation))
        self._variables.append(var)
        return var

    def add_weight(self, shape=(), initializer=None, dtype=None, name=None):
        """Keras 2's name for `add_variable`."""
        return self.add_variable(shape, initializer or "zeros", dtype=dtype, name=name)

    @property
    def variables(self) -> list:
        out = list(self._variables)
        for metric in self._metrics:
            out.extend(metric.variables)
        return out

    @property
    def weights(self) -> list:
        return self.variables

    def update_state(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must implement update_state().")

    def result(self):
        raise NotImplementedError(f"{type(self).__name__} must implement result().")

    def reset_state(self) -> None:
        """Sets every state variable back to zeros."""
        for v in self.variables:
            v.assign(tf.zeros(v.shape, dtype=v.dtype))

    def reset_states(self) -> None:
        """The Keras 2 name of `reset_state` (TensorFlow 2 programs call it)."""
        self.reset_state()

    def __call__(self, *args, **kwargs):
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self._dtype.name}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"

    __str__ = __repr__


_AGGREGATIONS = {"sum": tf.VariableAggregation.SUM, "mean": tf.VariableAggregation.MEAN,
                 "none": tf.VariableAggregation.NONE, None: tf.VariableAggregation.NONE,
                 "only_first_replica": tf.VariableAggregation.ONLY_FIRST_REPLICA}
