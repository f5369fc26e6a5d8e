"""Sum, Mean and MeanMetricWrapper (the mean of a per-sample function such as a loss)."""

from __future__ import annotations

import tensorweave as tf
from tensorweave.keras.losses import squeeze_or_expand_to_same_rank
from tensorweave.keras.metrics.base import Metric, as_float


def reduce_to_samplewise_values(values, sample_weight, reduce_fn, dtype):
    """(values reduced to one per sample, weighted; the per-sample weights), as Keras does."""
    values = as_float(values, dtype)
    if sample_weight is not None:
        sample_weight = as_float(sample_weight, dtype)
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        weight_ndim, values_ndim = len(sample_weight.shape), len(values.shape)
        if values_ndim > weight_ndim:
            values = reduce_fn(values, axis=list(range(weight_ndim, values_ndim)))
        sample_weight = tf.broadcast_to(sample_weight, tf.shape(values)) \
            if sample_weight.shape != values.shape else sample_weight
        values = values * sample_weight
        if weight_ndim > 1:
            sample_weight = reduce_fn(sample_weight, axis=list(range(1, weight_ndim)))
    if len(values.shape) > 1:
        values = reduce_fn(values, axis=list(range(1, len(values.shape))))
    return values, sample_weight


def _count(values, dtype):
    """The number of samples in `values` (its first dimension) as a scalar of `dtype`."""
    if len(values.shape) == 0:
        return tf.constant(1.0, dtype=dtype)
    n = values.shape[0]
    if n is not None:
        return tf.constant(float(n), dtype=dtype)
    return tf.cast(tf.gather(tf.shape(values), 0), dtype)


class Sum(Metric):
    """The (weighted) sum of all values seen."""

    def __init__(self, name: str = "sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable((), "zeros", name="total")

    def update_state(self, values, sample_weight=None):
        values, _ = reduce_to_samplewise_values(values, sample_weight, tf.reduce_sum, self.dtype)
        self.total.assign_add(tf.reduce_sum(values))

    def result(self):
        return tf.identity(self.total.value())


class Mean(Metric):
    """The (weighted) mean of all values seen: total / count."""

    def __init__(self, name: str = "mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable((), "zeros", name="total")
        self.count = self.add_variable((), "zeros", name="count")

    def update_state(self, values, sample_weight=None):
        values, sample_weight = reduce_to_samplewise_values(values, sample_weight,
                                                            tf.reduce_mean, self.dtype)
        self.total.assign_add(tf.reduce_sum(values))
        if sample_weight is not None:
            self.count.assign_add(tf.reduce_sum(sample_weight))
        else:
            self.count.assign_add(_count(values, self.dtype))

    def result(self):
        return tf.math.divide_no_nan(self.total.value(), self.count.value())


class MeanMetricWrapper(Mean):
    """The mean of `fn(y_true, y_pred, **kwargs)` over all samples seen."""

    def __init__(self, fn, name: str | None = None, dtype=None, **kwargs):
        super().__init__(name=name or getattr(fn, "__name__", None) or "mean_metric_wrapper",
                         dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        return super().update_state(values, sample_weight=sample_weight)

    def get_config(self) -> dict:
        fn = self._fn
        name = getattr(fn, "__name__", None)
        return {**super().get_config(), "fn": name if name else fn, **self._fn_kwargs}

    @classmethod
    def from_config(cls, config: dict):
        config = dict(config)
        fn = config.pop("fn", None)
        if isinstance(fn, str):
            from tensorweave.keras import metrics

            fn = metrics.ALL_FUNCTIONS.get(fn) or metrics.get(fn)
        if fn is None:
            return cls(**config)
        return cls(fn, **config)
