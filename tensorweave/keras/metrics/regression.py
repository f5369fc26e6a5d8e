"""Metrics that average a per-sample error or loss: regression errors, cross entropies, hinges."""

from __future__ import annotations

import tensorweave as tf
from tensorweave.keras import losses
from tensorweave.keras.losses import squeeze_or_expand_to_same_rank
from tensorweave.keras.metrics.base import as_float
from tensorweave.keras.metrics.reduction import Mean, MeanMetricWrapper


def cosine_similarity(y_true, y_pred, axis: int = -1):
    """sum(l2_normalize(y_true) * l2_normalize(y_pred)) over `axis` (1 is best)."""
    return -losses.cosine_similarity(y_true, y_pred, axis=axis)


def _wrapper(cls_name: str, fn, default_name: str, params: dict, doc: str):
    """A MeanMetricWrapper subclass with Keras's constructor (name, dtype, then `params`)."""
    def __init__(self, name=default_name, dtype=None, **kwargs):
        unknown = set(kwargs) - set(params)
        if unknown:
            raise TypeError(f"{cls_name}() got unexpected keyword arguments {sorted(unknown)}")
        values = {**params, **kwargs}
        MeanMetricWrapper.__init__(self, fn, name=name, dtype=dtype, **values)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype.name, **self._fn_kwargs}

    def from_config(cls, config):
        return cls(**config)

    return type(cls_name, (MeanMetricWrapper,), {
        "__init__": __init__, "get_config": get_config, "from_config": classmethod(from_config),
        "__doc__": doc, "__module__": __name__})


MeanSquaredError = _wrapper("MeanSquaredError", losses.mean_squared_error, "mean_squared_error",
                            {}, "Mean of (y_true - y_pred)^2.")
MeanAbsoluteError = _wrapper("MeanAbsoluteError", losses.mean_absolute_error,
                             "mean_absolute_error", {}, "Mean of |y_true - y_pred|.")
MeanAbsolutePercentageError = _wrapper(
    "MeanAbsolutePercentageError", losses.mean_absolute_percentage_error,
    "mean_absolute_percentage_error", {}, "Mean of 100 * |error| / |y_true|.")
MeanSquaredLogarithmicError = _wrapper(
    "MeanSquaredLogarithmicError", losses.mean_squared_logarithmic_error,
    "mean_squared_logarithmic_error", {}, "Mean squared error of log(1 + y).")
CosineSimilarity = _wrapper("CosineSimilarity", cosine_similarity, "cosine_similarity",
                            {"axis": -1}, "Mean cosine similarity along `axis`.")
CosineSimilarity._direction = "up"
LogCoshError = _wrapper("LogCoshError", losses.log_cosh, "logcosh", {},
                        "Mean of log(cosh(error)).")
BinaryCrossentropy = _wrapper("BinaryCrossentropy", losses.binary_crossentropy,
                              "binary_crossentropy", {"from_logits": False,
                                                      "label_smoothing": 0}, "Mean binary CE.")
CategoricalCrossentropy = _wrapper(
    "CategoricalCrossentropy", losses.categorical_crossentropy, "categorical_crossentropy",
    {"from_logits": False, "label_smoothing": 0, "axis": -1}, "Mean categorical CE.")
SparseCategoricalCrossentropy = _wrapper(
    "SparseCategoricalCrossentropy", losses.sparse_categorical_crossentropy,
    "sparse_categorical_crossentropy",
    {"from_logits": False, "ignore_class": None, "axis": -1},
    "Mean sparse categorical CE.")
KLDivergence = _wrapper("KLDivergence", losses.kl_divergence, "kl_divergence", {},
                        "Mean Kullback-Leibler divergence.")
Poisson = _wrapper("Poisson", losses.poisson, "poisson", {}, "Mean Poisson loss.")
Hinge = _wrapper("Hinge", losses.hinge, "hinge", {}, "Mean hinge loss.")
SquaredHinge = _wrapper("SquaredHinge", losses.squared_hinge, "squared_hinge", {},
                        "Mean squared hinge loss.")
CategoricalHinge = _wrapper("CategoricalHinge", losses.categorical_hinge, "categorical_hinge",
                            {}, "Mean categorical hinge loss.")


class RootMeanSquaredError(Mean):
    """sqrt(mean((y_true - y_pred)^2)) over every value seen."""

    def __init__(self, name: str = "root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = as_float(y_pred, self.dtype)
        y_true = as_float(y_true, self.dtype)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return super().update_state(tf.square(y_pred - y_true), sample_weight=sample_weight)

    def result(self):
        return tf.sqrt(tf.math.divide_no_nan(self.total.value(), self.count.value()))
