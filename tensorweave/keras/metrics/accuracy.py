"""Accuracy metrics: the fraction of predictions that match their labels."""

from __future__ import annotations

import tensorweave as tf
from tensorweave.keras.losses import squeeze_or_expand_to_same_rank
from tensorweave.keras.metrics.base import as_float
from tensorweave.keras.metrics.reduction import MeanMetricWrapper

_FLOATX = tf.float32


def _float_pred(y_pred):
    t = tf.convert_to_tensor(y_pred)
    return t if t.dtype.is_floating else tf.cast(t, _FLOATX)


def accuracy(y_true, y_pred) -> tf.Tensor:
    """1.0 where y_true == y_pred exactly, else 0.0."""
    y_pred = tf.convert_to_tensor(y_pred)
    y_true = as_float(y_true, y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return tf.cast(tf.equal(y_true, y_pred), _FLOATX)


def binary_accuracy(y_true, y_pred, threshold: float = 0.5) -> tf.Tensor:
    """1.0 where (y_pred > threshold) equals the 0/1 label."""
    y_pred = _float_pred(y_pred)
    y_true = as_float(y_true, y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    predicted = tf.cast(tf.greater(y_pred, tf.constant(threshold, dtype=y_pred.dtype)),
                        y_true.dtype)
    return tf.cast(tf.equal(y_true, predicted), _FLOATX)


def categorical_accuracy(y_true, y_pred) -> tf.Tensor:
    """1.0 where argmax(y_pred) equals argmax(y_true) (one-hot labels)."""
    y_pred = tf.convert_to_tensor(y_pred)
    y_true = tf.convert_to_tensor(y_true)
    return tf.cast(tf.equal(tf.argmax(y_true, axis=-1), tf.argmax(y_pred, axis=-1)), _FLOATX)


def sparse_categorical_accuracy(y_true, y_pred) -> tf.Tensor:
    """1.0 where argmax(y_pred) equals the integer label."""
    y_pred = tf.convert_to_tensor(y_pred)
    y_true = tf.convert_to_tensor(y_true)
    if len(y_true.shape) == len(y_pred.shape) and y_true.shape[-1] == 1:
        y_true = tf.squeeze(y_true, -1)
    predicted = tf.argmax(y_pred, axis=-1)
    if y_true.dtype.is_integer:
        # Integer labels compare as integers: exact and without a float cast of the batch.
        y_true = y_true if y_true.dtype == tf.int64 else tf.cast(y_true, tf.int64)
    else:
        predicted = tf.cast(predicted, y_true.dtype)
    return tf.cast(tf.equal(y_true, predicted), _FLOATX)


def _flatten_to_2d(y_pred):
    if len(y_pred.shape) > 2:
        return tf.reshape(y_pred, [-1, y_pred.shape[-1]])
    return y_pred


def _in_top_k(labels, y_pred, k, out_shape):
    y_pred = _flatten_to_2d(_float_pred(y_pred))
    labels = tf.reshape(labels, [-1]) if len(labels.shape) > 1 else labels
    matches = tf.cast(tf.nn.in_top_k(tf.cast(labels, tf.int32), tf.cast(y_pred, tf.float32), k),
                      _FLOATX)
    if len(out_shape) > 1:
        matches = tf.reshape(matches, out_shape)
    return matches


def top_k_categorical_accuracy(y_true, y_pred, k: int = 5) -> tf.Tensor:
    """1.0 where the one-hot label's class is among the k largest predictions."""
    labels = tf.argmax(tf.convert_to_tensor(y_true), axis=-1)
    return _in_top_k(labels, y_pred, k, labels.shape.as_list())


def sparse_top_k_categorical_accuracy(y_true, y_pred, k: int = 5, from_sorted_ids=False):
    """1.0 where the integer label is among the k largest predictions (or, with
    `from_sorted_ids`, among the first k ids of `y_pred`)."""
    y_true = tf.convert_to_tensor(y_true)
    y_pred = tf.convert_to_tensor(y_pred)
    if len(y_true.shape) == len(y_pred.shape) and y_true.shape[-1] == 1:
        y_true = tf.squeeze(y_true, -1)
    if from_sorted_ids:
        ids = y_pred[..., :k] if k < (y_pred.shape[-1] or k + 1) else y_pred
        hit = tf.equal(tf.expand_dims(tf.cast(y_true, ids.dtype), -1), ids)
        return tf.cast(tf.reduce_any(hit, axis=-1), _FLOATX)
    return _in_top_k(y_true, y_pred, k, y_true.shape.as_list())


class Accuracy(MeanMetricWrapper):
    """How often predictions equal labels exactly."""

    _direction = "up"

    def __init__(self, name: str = "accuracy", dtype=None):
        super().__init__(accuracy, name=name, dtype=dtype)

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype.name}


class BinaryAccuracy(MeanMetricWrapper):
    """How often thresholded predictions match 0/1 labels."""

    _direction = "up"

    def __init__(self, name: str = "binary_accuracy", dtype=None, threshold: float = 0.5):
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype.name, "threshold": self.threshold}


class CategoricalAccuracy(MeanMetricWrapper):
    """How often argmax(y_pred) matches one-hot labels."""

    _direction = "up"

    def __init__(self, name: str = "categorical_accuracy", dtype=None):
        super().__init__(categorical_accuracy, name=name, dtype=dtype)

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype.name}


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often argmax(y_pred) matches integer labels.

    >>> m = SparseCategoricalAccuracy()
    >>> float(m([1, 0], [[0.1, 0.9], [0.3, 0.7]]))
    0.5
    """

    _direction = "up"

    def __init__(self, name: str = "sparse_categorical_accuracy", dtype=None):
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype.name}


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot label is among the top `k` predictions."""

    _direction = "up"

    def __init__(self, k: int = 5, name: str = "top_k_categorical_accuracy", dtype=None):
        super().__init__(top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype.name, "k": self.k}


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer label is among the top `k` predictions."""

    _direction = "up"

    def __init__(self, k: int = 5, name: str = "sparse_top_k_categorical_accuracy", dtype=None,
                 from_sorted_ids: bool = False):
        super().__init__(sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k,
                         from_sorted_ids=from_sorted_ids)
        self.k = k
        self.from_sorted_ids = from_sorted_ids

    def get_config(self) -> dict:
        config = {"name": self.name, "dtype": self.dtype.name, "k": self.k}
        if self.from_sorted_ids:
            config["from_sorted_ids"] = True
        return config
