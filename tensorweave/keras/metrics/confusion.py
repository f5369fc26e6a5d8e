"""Metrics from confusion-matrix counts at thresholds: TruePositives ..., Precision, Recall, AUC.

Counts at T thresholds over N predictions come from one (T, N) comparison and two matrix
products, not a loop over thresholds.
"""

from __future__ import annotations

import numpy as np

import tensorweave as tf
from tensorweave.keras.losses import squeeze_or_expand_to_same_rank
from tensorweave.keras.metrics.base import Metric, as_float

_EPSILON = 1e-7
NEG_INF = -1e10


def _thresholds_list(thresholds, default: float):
    if thresholds is None:
        return [default], True
    if isinstance(thresholds, (int, float)):
        return [float(thresholds)], True
    values = [float(t) for t in thresholds]
    if not values:
        raise ValueError("thresholds must not be empty")
    return values, False


def _filter_top_k(y_pred, k: int):
    """y_pred with every entry outside the top k of its row set to NEG_INF (Keras's rule)."""
    values, _ = tf.math.top_k(y_pred, k=k)
    kth = tf.reduce_min(values, axis=-1, keepdims=True)
    return tf.where(y_pred >= kth, y_pred, tf.fill(tf.shape(y_pred), tf.constant(
        NEG_INF, dtype=y_pred.dtype)))


def _prepare(y_true, y_pred, sample_weight, *, top_k=None, class_id=None, multi_label=False,
             label_weights=None):
    """(labels 0/1, predictions, weights), flattened (N,) or (N, L) when multi_label.

    Sample weights are per sample (Keras expands them by a trailing axis before broadcasting).
    """
    y_pred = as_float(y_pred, tf.float32)
    y_true = as_float(y_true, tf.float32)
    y_pred, y_true = squeeze_or_expand_to_same_rank(y_pred, y_true)
    weights = None
    if sample_weight is not None:
        weights = tf.expand_dims(as_float(sample_weight, tf.float32), -1)
        _, weights = squeeze_or_expand_to_same_rank(y_true, weights, expand_rank_1=False)
    if top_k is not None:
        y_pred = _filter_top_k(y_pred, top_k)
    if class_id is not None:
        y_true = tf.gather(y_true, [class_id], axis=-1)
        y_pred = tf.gather(y_pred, [class_id], axis=-1)
    labels = tf.cast(tf.not_equal(y_true, tf.constant(0.0)), tf.float32)
    if weights is not None:
        weights = tf.broadcast_to(weights, tf.shape(y_pred))
    if label_weights is not None and not multi_label:
        lw = tf.constant(label_weights)
        weights = lw if weights is None else weights * lw
        weights = tf.broadcast_to(weights, tf.shape(y_pred))
    if multi_label:
        num_labels = y_pred.shape[-1]
        y_pred = tf.reshape(y_pred, [-1, num_labels])
        labels = tf.reshape(labels, [-1, num_labels])
        if weights is not None:
            weights = tf.reshape(weights, [-1, num_labels])
    else:
        y_pred = tf.reshape(y_pred, [-1])
        labels = tf.reshape(labels, [-1])
        if weights is not None:
            weights = tf.reshape(weights, [-1])
    return labels, y_pred, weights


def confusion_counts(labels, y_pred, weights, thresholds, multi_label=False):
    """(tp, fp, tn, fn) at each threshold: (T,) or (T, L) for multi-label inputs."""
    thr = tf.constant(np.asarray(thresholds, dtype="float32"))
    pos = labels if weights is None else labels * weights
    neg = (tf.constant(1.0) - labels) if weights is None else (tf.constant(1.0) - labels) * weights
    if multi_label:
        above = tf.cast(tf.greater(tf.expand_dims(y_pred, 0), tf.reshape(thr, [-1, 1, 1])),
                        tf.float32)                                   # (T, N, L)
        tp = tf.reduce_sum(above * tf.expand_dims(pos, 0), axis=1)
        fp = tf.reduce_sum(above * tf.expand_dims(neg, 0), axis=1)
        total_pos = tf.reduce_sum(pos, axis=0)
        total_neg = tf.reduce_sum(neg, axis=0)
    else:
        above = tf.cast(tf.greater(tf.expand_dims(y_pred, 0), tf.expand_dims(thr, 1)),
                        tf.float32)                                   # (T, N)
        tp = tf.reshape(tf.matmul(above, tf.expand_dims(pos, 1)), [-1])
        fp = tf.reshape(tf.matmul(above, tf.expand_dims(neg, 1)), [-1])
        total_pos = tf.reduce_sum(pos)
        total_neg = tf.reduce_sum(neg)
    return tp, fp, total_neg - fp, total_pos - tp


class _ConfusionMatrixConditionCount(Metric):
    _which = None

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.thresholds, self._scalar = _thresholds_list(thresholds, 0.5)
        self.accumulator = self.add_variable((len(self.thresholds),), "zeros",
                                             name="accumulator")

    def update_state(self, y_true, y_pred, sample_weight=None):
        labels, preds, weights = _prepare(y_true, y_pred, sample_weight)
        counts = dict(zip(("tp", "fp", "tn", "fn"),
                          confusion_counts(labels, preds, weights, self.thresholds)))
        self.accumulator.assign_add(as_float(counts[self._which], self.dtype))

    def result(self):
        value = self.accumulator.value()
        return tf.reshape(value, []) if self._scalar else tf.identity(value)

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype.name, "thresholds": self.init_thresholds}


class TruePositives(_ConfusionMatrixConditionCount):
    """The (weighted) number of true positives at each threshold (0.5 by default)."""

    _direction = "up"

    _which = "tp"


class FalsePositives(_ConfusionMatrixConditionCount):
    """The (weighted) number of false positives at each threshold."""

    _which = "fp"


class TrueNegatives(_ConfusionMatrixConditionCount):
    """The (weighted) number of true negatives at each threshold."""

    _direction = "up"

    _which = "tn"


class FalseNegatives(_ConfusionMatrixConditionCount):
    """The (weighted) number of false negatives at each threshold."""

    _which = "fn"


class _PrecisionRecall(Metric):
    _counts = ()
    _direction = "up"

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        default = NEG_INF if top_k is not None else 0.5
        self.thresholds, self._scalar = _thresholds_list(thresholds, default)
        for which in ("true_positives",) + self._counts:
            setattr(self, which, self.add_variable((len(self.thresholds),), "zeros", name=which))

    def update_state(self, y_true, y_pred, sample_weight=None):
        labels, preds, weights = _prepare(y_true, y_pred, sample_weight, top_k=self.top_k,
                                          class_id=self.class_id)
        tp, fp, _, fn = confusion_counts(labels, preds, weights, self.thresholds)
        self.true_positives.assign_add(tp)
        self._other().assign_add(fp if self._counts == ("false_positives",) else fn)

    def _other(self):
        return getattr(self, self._counts[0])

    def result(self):
        tp = self.true_positives.value()
        value = tf.math.divide_no_nan(tp, tp + self._other().value())
        return tf.reshape(value, []) if self._scalar else value

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype.name, "thresholds": self.init_thresholds,
                "top_k": self.top_k, "class_id": self.class_id}


class Precision(_PrecisionRecall):
    """tp / (tp + fp): how many predicted positives are positive.

    >>> round(float(Precision()([0, 1, 1, 1], [1, 0, 1, 1])), 4)
    0.6667
    """

    _counts = ("false_positives",)

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(thresholds, top_k, class_id, name or "precision", dtype)


class Recall(_PrecisionRecall):
    """tp / (tp + fn): how many positives are found."""

    _counts = ("false_negatives",)

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(thresholds, top_k, class_id, name or "recall", dtype)


class AUC(Metric):
    """Area under the ROC or precision-recall curve, from counts at `num_thresholds` thresholds
    evenly spread over [0, 1] (Riemann sums with Keras's interpolation)."""

    _direction = "up"

    def __init__(self, num_thresholds: int = 200, curve: str = "ROC",
                 summation_method: str = "interpolation", name=None, dtype=None,
                 thresholds=None, multi_label: bool = False, num_labels=None,
                 label_weights=None, from_logits: bool = False):
        super().__init__(name=name, dtype=dtype)
        curve = str(curve).upper()
        if curve not in ("ROC", "PR"):
            raise ValueError(f'Invalid AUC curve value: "{curve}". Expected values are '
                             '["ROC", "PR"]')
        summation_method = str(summation_method).lower()
        if summation_method not in ("interpolation", "minoring", "majoring"):
            raise ValueError(f'Invalid AUC summation method value: "{summation_method}". '
                             'Expected values are ["interpolation", "majoring", "minoring"]')
        if thresholds is not None:
            num_thresholds = len(thresholds) + 2
            inner = sorted(float(t) for t in thresholds)
            self._thresholds_distributed_evenly = False
        else:
            if num_thresholds <= 1:
                raise ValueError("Argument `num_thresholds` must be an integer > 1. "
                                 f"Received: num_thresholds={num_thresholds}")
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self._thresholds_distributed_evenly = True
        self.num_thresholds = num_thresholds
        self._thresholds = np.array([0.0 - _EPSILON] + inner + [1.0 + _EPSILON])
        self.curve = curve
        self.summation_method = summation_method
        self.multi_label = multi_label
        self.num_labels = num_labels
        self._init_num_labels = num_labels
        self.label_weights = None if label_weights is None else np.asarray(label_weights,
                                                                           "float32")
        self._init_label_weights = label_weights
        self._from_logits = from_logits
        self._built = False
        if not multi_label or num_labels is not None:
            self._build(num_labels if multi_label else None)

    @property
    def thresholds(self) -> list:
        return list(self._thresholds)

    def _build(self, num_labels):
        shape = (self.num_thresholds,) if num_labels is None else (self.num_thresholds,
                                                                     num_labels)
        self.num_labels = num_labels if self.multi_label else None
        for which in ("true_positives", "false_positives", "true_negatives", "false_negatives"):
            setattr(self, which, self.add_variable(shape, "zeros", name=which))
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        if not self._built:
            self._build(tf.convert_to_tensor(y_pred).shape[-1])
        y_pred = as_float(y_pred, tf.float32)
        if self._from_logits:
            y_pred = tf.math.sigmoid(y_pred)
        labels, preds, weights = _prepare(y_true, y_pred, sample_weight,
                                          multi_label=self.multi_label,
                                          label_weights=self.label_weights)
        tp, fp, tn, fn = confusion_counts(labels, preds, weights, self._thresholds,
                                          multi_label=self.multi_label)
        self.true_positives.assign_add(tp)
        self.false_positives.assign_add(fp)
        self.true_negatives.assign_add(tn)
        self.false_negatives.assign_add(fn)

    def _reduce_labels(self, by_label):
        if not self.multi_label:
            return tf.reduce_sum(by_label)
        per_label = tf.reduce_sum(by_label, axis=0)
        if self.label_weights is None:
            return tf.reduce_mean(per_label)
        w = tf.constant(self.label_weights)
        return tf.math.divide_no_nan(tf.reduce_sum(per_label * w), tf.reduce_sum(w))

    def interpolate_pr_auc(self):
        """PR-AUC with Davis & Goadrich's interpolation between thresholds."""
        tp, fp, fn = (self.true_positives.value(), self.false_positives.value(),
                      self.false_negatives.value())
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        zero = tf.zeros_like(dp)
        slope = tf.math.divide_no_nan(dtp, tf.maximum(dp, zero))
        intercept = tp[1:] - slope * p[1:]
        both = tf.logical_and(p[:-1] > zero, p[1:] > zero)
        ratio = tf.where(both, tf.math.divide_no_nan(p[:-1], tf.maximum(p[1:], zero)),
                         tf.ones_like(p[1:]))
        increment = tf.math.divide_no_nan(slope * (dtp + intercept * tf.math.log(ratio)),
                                          tf.maximum(tp[1:] + fn[1:], zero))
        return self._reduce_labels(increment)

    def result(self):
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self.interpolate_pr_auc()
        tp, fp, tn, fn = (self.true_positives.value(), self.false_positives.value(),
                          self.true_negatives.value(), self.false_negatives.value())
        recall = tf.math.divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = tf.math.divide_no_nan(fp, fp + tn), recall
        else:
            x, y = recall, tf.math.divide_no_nan(tp, tp + fp)
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / tf.constant(2.0)
        elif self.summation_method == "minoring":
            heights = tf.minimum(y[:-1], y[1:])
        else:
            heights = tf.maximum(y[:-1], y[1:])
        return self._reduce_labels((x[:-1] - x[1:]) * heights)

    def reset_state(self) -> None:
        if self._built:
            super().reset_state()

    def get_config(self) -> dict:
        config = {"name": self.name, "dtype": self.dtype.name,
                  "num_thresholds": self.num_thresholds, "curve": self.curve,
                  "summation_method": self.summation_method, "multi_label": self.multi_label,
                  "num_labels": self._init_num_labels, "label_weights": self._init_label_weights,
                  "from_logits": self._from_logits}
        if not self._thresholds_distributed_evenly:
            config["thresholds"] = [float(t) for t in self._thresholds[1:-1]]
        return config
