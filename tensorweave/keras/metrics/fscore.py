"""FBetaScore, F1Score and R2Score: metrics whose state has one entry per class (built from the
first batch's shape)."""

from __future__ import annotations

import warnings

import tensorweave as tf
from tensorweave.keras.losses import squeeze_or_expand_to_same_rank
from tensorweave.keras.metrics.base import Metric, as_float

_EPSILON = 1e-7


class FBetaScore(Metric):
    """F-beta per class: (1 + beta^2) * precision * recall / (beta^2 * precision + recall).

    Predictions are made 0/1 by `threshold` (or, without one, by being a row's maximum).
    `average`: None (one score per class), 'micro', 'macro' or 'weighted' (by support).
    """

    _direction = "up"

    def __init__(self, average=None, beta: float = 1.0, threshold=None, name="fbeta_score",
                 dtype=None):
        super().__init__(name=name, dtype=dtype)
        if average not in (None, "micro", "macro", "weighted"):
            raise ValueError("Invalid `average` argument value. Expected one of: {None, "
                             f"'micro', 'macro', 'weighted'}}. Received: average={average}")
        if not isinstance(beta, float) or beta <= 0.0:
            raise ValueError("Invalid `beta` argument value. It should be a Python float "
                             f"greater than 0. Received: beta={beta}")
        if threshold is not None and (not isinstance(threshold, float)
                                      or not 0.0 < threshold <= 1.0):
            raise ValueError("Invalid `threshold` argument value. It should be a Python float "
                             f"in the range ]0, 1]. Received: threshold={threshold}")
        self.average = average
        self.beta = beta
        self.threshold = threshold
        self.axis = None if average == "micro" else 0
        self._built = False

    def _build(self, num_classes):
        shape = () if self.average == "micro" else (num_classes,)
        for name in ("true_positives", "false_positives", "false_negatives",
                     "intermediate_weights"):
            setattr(self, name, self.add_variable(shape, "zeros", name=name))
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = as_float(y_true, self.dtype)
        y_pred = as_float(y_pred, self.dtype)
        if len(y_pred.shape) != 2 or y_pred.shape[-1] is None:
            raise ValueError("FBetaScore expects 2D inputs with shape (batch_size, "
                             f"output_dim) and a known output_dim. Received: "
                             f"y_pred.shape={y_pred.shape}")
        if not self._built:
            self._build(y_pred.shape[-1])
        if self.threshold is None:
            top = tf.reduce_max(y_pred, axis=-1, keepdims=True)
            predicted = tf.cast(tf.greater_equal(y_pred, top), self.dtype)
        else:
            predicted = tf.cast(tf.greater(y_pred, tf.constant(self.threshold, self.dtype)),
                                self.dtype)
        one = tf.constant(1.0, self.dtype)
        weight = None if sample_weight is None else tf.expand_dims(
            as_float(sample_weight, self.dtype), 1)

        def weighted_sum(values):
            if weight is not None:
                values = values * weight
            return tf.reduce_sum(values, axis=self.axis)

        self.true_positives.assign_add(weighted_sum(predicted * y_true))
        self.false_positives.assign_add(weighted_sum(predicted * (one - y_true)))
        self.false_negatives.assign_add(weighted_sum((one - predicted) * y_true))
        self.intermediate_weights.assign_add(weighted_sum(y_true))

    def result(self):
        if not self._built:
            return tf.constant(0.0, self.dtype)
        eps = tf.constant(_EPSILON, self.dtype)
        tp = self.true_positives.value()
        precision = tp / (tp + self.false_positives.value() + eps)
        recall = tp / (tp + self.false_negatives.value() + eps)
        b2 = tf.constant(self.beta ** 2, self.dtype)
        score = precision * recall / (b2 * precision + recall + eps) * (tf.constant(
            1.0, self.dtype) + b2)
        if self.average == "weighted":
            w = self.intermediate_weights.value()
            return tf.reduce_sum(score * (w / (tf.reduce_sum(w) + eps)))
        if self.average is not None:
            return tf.reduce_mean(score)
        return score

    def reset_state(self) -> None:
        if self._built:
            super().reset_state()

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype.name, "average": self.average,
                "beta": self.beta, "threshold": self.threshold}


class F1Score(FBetaScore):
    """F1: the harmonic mean of precision and recall (FBetaScore with beta=1)."""

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["beta"]
        return config


class R2Score(Metric):
    """The coefficient of determination 1 - SS_res / SS_tot, per output, aggregated by
    'uniform_average', 'variance_weighted_average' or not at all (None); `num_regressors`
    gives the adjusted R^2."""

    _direction = "up"

    def __init__(self, class_aggregation="uniform_average", num_regressors: int = 0,
                 name="r2_score", dtype=None):
        super().__init__(name=name, dtype=dtype)
        if class_aggregation not in (None, "uniform_average", "variance_weighted_average"):
            raise ValueError("Invalid value for argument `class_aggregation`. Expected one of "
                             "(None, 'uniform_average', 'variance_weighted_average'). Received: "
                             f"class_aggregation={class_aggregation}")
        if num_regressors < 0:
            raise ValueError("Invalid value for argument `num_regressors`. Expected a value "
                             f">= 0. Received: num_regressors={num_regressors}")
        self.class_aggregation = class_aggregation
        self.num_regressors = num_regressors
        self.num_samples = self.add_variable((), "zeros", name="num_samples")
        self._built = False

    def _build(self, y_true_shape, y_pred_shape):
        if len(y_pred_shape) != 2 or len(y_true_shape) != 2 or y_pred_shape[-1] is None:
            raise ValueError("R2Score expects 2D inputs with shape (batch_size, output_dim), "
                             "with output_dim fully defined (not None). Received input shapes: "
                             f"y_pred.shape={y_pred_shape} and y_true.shape={y_true_shape}.")
        n = y_pred_shape[-1]
        self.squared_sum = self.add_variable((n,), "zeros", name="squared_sum")
        self.sum = self.add_variable((n,), "zeros", name="sum")
        self.total_mse = self.add_variable((n,), "zeros", name="residual")
        self.count = self.add_variable((n,), "zeros", name="count")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = as_float(y_true, self.dtype)
        y_pred = as_float(y_pred, self.dtype)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        if not self._built:
            self._build(y_true.shape, y_pred.shape)
        weight = as_float(1.0 if sample_weight is None else sample_weight, self.dtype)
        if len(weight.shape) == 1:
            weight = tf.expand_dims(weight, 1)
        weight = tf.broadcast_to(weight, tf.shape(y_true))
        weighted = y_true * weight
        self.sum.assign_add(tf.reduce_sum(weighted, axis=0))
        self.squared_sum.assign_add(tf.reduce_sum(y_true * weighted, axis=0))
        self.total_mse.assign_add(tf.reduce_sum(tf.square(y_true - y_pred) * weight, axis=0))
        self.count.assign_add(tf.reduce_sum(weight, axis=0))
        self.num_samples.assign_add(tf.cast(tf.size(y_true), self.dtype))

    def result(self):
        total_sum = self.sum.value()
        mean = total_sum / self.count.value()
        total = self.squared_sum.value() - total_sum * mean
        raw = tf.constant(1.0, self.dtype) - self.total_mse.value() / total
        raw = tf.where(tf.math.is_inf(raw), tf.zeros_like(raw), raw)
        if self.class_aggregation == "uniform_average":
            r2 = tf.reduce_mean(raw)
        elif self.class_aggregation == "variance_weighted_average":
            r2 = tf.reduce_sum(total * raw) / tf.reduce_sum(total)
        else:
            r2 = raw
        if self.num_regressors:
            n = float(self.num_samples.numpy()) if tf.executing_eagerly() else None
            if n is not None and self.num_regressors > n - 1:
                warnings.warn(f"More independent predictors ({self.num_regressors}) than "
                              f"datapoints in the sample ({n}). Returning the plain R^2.",
                              stacklevel=2)
            elif n is not None and self.num_regressors == n - 1:
                warnings.warn("Division by zero in the adjusted R^2 (num_regressors == "
                              "num_samples - 1). Returning the plain R^2.", stacklevel=2)
            else:
                samples = self.num_samples.value()
                one = tf.constant(1.0, self.dtype)
                r2 = one - (one - r2) * (samples - one) / (
                    samples - tf.constant(float(self.num_regressors), self.dtype) - one)
        return r2

    def reset_state(self) -> None:
        self.num_samples.assign(tf.zeros((), self.dtype))
        if self._built:
            for v in (self.squared_sum, self.sum, self.total_mse, self.count):
                v.assign(tf.zeros(v.shape, v.dtype))

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype.name,
                "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}
