"""keras.losses: Keras 3's losses, as functions (per-sample values) and as Loss objects
(weighted and reduced to a scalar).

    >>> from tensorweave import keras
    >>> float(keras.losses.MeanSquaredError()([[0.0, 1.0]], [[1.0, 1.0]]))
    0.5

Reductions: "sum_over_batch_size" (the default; the weighted sum divided by the number of loss
values), "sum", "mean" (as sum_over_batch_size), "mean_with_sample_weight" (divided by the sum
of the weights) and "none"/None (no reduction).
"""

from __future__ import annotations

import math
import re
import warnings
from typing import Callable

import tensorweave as tf
from tensorweave.keras import activations
from tensorweave.keras.utils.serialization import lookup, serialize_object

EPSILON = 1e-7  # Keras's backend.epsilon(): probabilities are clipped to [eps, 1 - eps]
REDUCTIONS = ("sum_over_batch_size", "sum", None, "none", "mean", "mean_with_sample_weight")


# --- helpers -------------------------------------------------------------------------------------
def _as(x, dtype):
    """`x` as a tensor of `dtype`, casting as Keras's ops.convert_to_tensor(x, dtype) does."""
    t = tf.convert_to_tensor(x)
    return t if t.dtype == dtype else tf.cast(t, dtype)


def _pred(y_pred):
    t = tf.convert_to_tensor(y_pred)
    return t if t.dtype.is_floating else tf.cast(t, tf.float32)


def _c(value, like):
    return tf.constant(value, dtype=like.dtype)


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1: bool = True) -> tuple:
    """Makes ranks equal when they differ by one trailing axis of size 1 (Keras's rule)."""
    r1, r2 = len(x1.shape), len(x2.shape)
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = tf.expand_dims(x2, -1)
        else:
            x1 = tf.squeeze(x1, -1)
    elif r2 == r1 + 1 and x2.shape[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = tf.expand_dims(x1, -1)
        else:
            x2 = tf.squeeze(x2, -1)
    return x1, x2


def _pair(y_true, y_pred):
    y_pred = _pred(y_pred)
    y_true = _as(y_true, y_pred.dtype)
    return squeeze_or_expand_to_same_rank(y_true, y_pred)


def _num_elements(values):
    shape = values.shape.as_list() if values.shape.rank is not None else None
    if shape is not None and None not in shape:
        return _c(float(math.prod(shape)), values)
    return tf.cast(tf.size(values), values.dtype)


def _num_classes(y):
    n = y.shape[-1]
    if n is not None:
        return _c(float(n), y)
    return tf.cast(tf.gather(tf.shape(y), tf.rank(y) - 1), y.dtype)


class Reduction:
    """tf.keras 2's names for the reductions (Keras 3 takes the strings directly); AUTO means
    the default, sum_over_batch_size."""

    AUTO = "auto"
    NONE = "none"
    SUM = "sum"
    SUM_OVER_BATCH_SIZE = "sum_over_batch_size"

    @classmethod
    def all(cls) -> tuple:
        return (cls.AUTO, cls.NONE, cls.SUM, cls.SUM_OVER_BATCH_SIZE)

    @classmethod
    def validate(cls, key) -> None:
        if key not in cls.all():
            raise ValueError(f'Invalid Reduction Key: {key}. Expected keys are "{cls.all()}"')


def standardize_reduction(reduction) -> str | None:
    if reduction == Reduction.AUTO:
        return "sum_over_batch_size"
    if reduction not in REDUCTIONS:
        raise ValueError(f"Invalid value for argument `reduction`. Expected one of "
                         f"{set(REDUCTIONS)}. Received: reduction={reduction}")
    return reduction


def reduce_weighted_values(values, sample_weight=None, reduction="sum_over_batch_size",
                           dtype=None) -> tf.Tensor:
    """Weights per-sample loss values and reduces them (Keras's `reduce_weighted_values`)."""
    reduction = standardize_reduction(reduction)
    values = _as(values, dtype) if dtype is not None else tf.convert_to_tensor(values)
    if sample_weight is not None:
        sample_weight = _as(sample_weight, values.dtype)
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        values = values * sample_weight
    if reduction is None or reduction == "none" or values.shape.rank == 0 \
            or values.shape.as_list() == [0]:
        return values
    loss = tf.reduce_sum(values)
    if reduction == "sum":
        return loss
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        divisor = tf.reduce_sum(tf.broadcast_to(sample_weight, tf.shape(values)))
    else:
        divisor = _num_elements(values)
    return tf.math.divide_no_nan(loss, divisor)


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


# --- loss functions: per-sample values ------------------------------------------------------------
def mean_squared_error(y_true, y_pred) -> tf.Tensor:
    """mean((y_true - y_pred)^2) over the last axis."""
    y_true, y_pred = _pair(y_true, y_pred)
    return tf.reduce_mean(tf.square(y_true - y_pred), axis=-1)


def mean_absolute_error(y_true, y_pred) -> tf.Tensor:
    """mean(|y_true - y_pred|) over the last axis."""
    y_true, y_pred = _pair(y_true, y_pred)
    return tf.reduce_mean(tf.abs(y_true - y_pred), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred) -> tf.Tensor:
    """100 * mean(|y_true - y_pred| / max(|y_true|, eps)) over the last axis."""
    y_true, y_pred = _pair(y_true, y_pred)
    diff = tf.abs((y_true - y_pred) / tf.maximum(tf.abs(y_true), _c(EPSILON, y_pred)))
    return _c(100.0, y_pred) * tf.reduce_mean(diff, axis=-1)


def mean_squared_logarithmic_error(y_true, y_pred) -> tf.Tensor:
    """mean((log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1))^2) over the last axis."""
    y_true, y_pred = _pair(y_true, y_pred)
    eps, one = _c(EPSILON, y_pred), _c(1.0, y_pred)
    first = tf.math.log(tf.maximum(y_pred, eps) + one)
    second = tf.math.log(tf.maximum(y_true, eps) + one)
    return tf.reduce_mean(tf.square(first - second), axis=-1)


def _l2_normalize(x, axis):
    squares = tf.reduce_sum(tf.square(x), axis=axis, keepdims=True)
    return x * tf.math.rsqrt(tf.maximum(squares, _c(1e-12, x)))


def cosine_similarity(y_true, y_pred, axis: int = -1) -> tf.Tensor:
    """-sum(l2_normalize(y_true) * l2_normalize(y_pred)) over `axis` (so -1 is best)."""
    y_true, y_pred = _pair(y_true, y_pred)
    return -tf.reduce_sum(_l2_normalize(y_true, axis) * _l2_normalize(y_pred, axis), axis=axis)


def huber(y_true, y_pred, delta: float = 1.0) -> tf.Tensor:
    """0.5 e^2 where |e| <= delta, else delta (|e| - 0.5 delta); mean over the last axis."""
    y_true, y_pred = _pair(y_true, y_pred)
    d, half = _c(delta, y_pred), _c(0.5, y_pred)
    error = y_pred - y_true
    abs_error = tf.abs(error)
    return tf.reduce_mean(tf.where(abs_error <= d, half * tf.square(error),
                                   d * abs_error - half * tf.square(d)), axis=-1)


def log_cosh(y_true, y_pred) -> tf.Tensor:
    """mean(log(cosh(y_pred - y_true))) over the last axis, computed without overflow."""
    y_true, y_pred = _pair(y_true, y_pred)
    x = y_pred - y_true
    return tf.reduce_mean(x + tf.math.softplus(x * _c(-2.0, x)) - _c(math.log(2.0), x), axis=-1)


def _hinge_labels(y_true):
    """0/1 labels become -1/1 (Keras converts only when every label is 0 or 1)."""
    is_binary = tf.reduce_all(tf.logical_or(tf.equal(y_true, _c(0, y_true)),
                                            tf.equal(y_true, _c(1, y_true))))
    return tf.where(is_binary, _c(2.0, y_true) * y_true - _c(1.0, y_true), y_true)


def hinge(y_true, y_pred) -> tf.Tensor:
    """mean(max(1 - y_true * y_pred, 0)) over the last axis; 0/1 labels are made -1/1."""
    y_pred = _pred(y_pred)
    y_true = _hinge_labels(_as(y_true, y_pred.dtype))
    return tf.reduce_mean(tf.maximum(_c(1.0, y_pred) - y_true * y_pred, _c(0.0, y_pred)), axis=-1)


def squared_hinge(y_true, y_pred) -> tf.Tensor:
    """mean(max(1 - y_true * y_pred, 0)^2) over the last axis; 0/1 labels are made -1/1."""
    y_pred = _pred(y_pred)
    y_true = _hinge_labels(_as(y_true, y_pred.dtype))
    margin = tf.maximum(_c(1.0, y_pred) - y_true * y_pred, _c(0.0, y_pred))
    return tf.reduce_mean(tf.square(margin), axis=-1)


def categorical_hinge(y_true, y_pred) -> tf.Tensor:
    """max(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0)."""
    y_pred = _pred(y_pred)
    y_true = _as(y_true, y_pred.dtype)
    pos = tf.reduce_sum(y_true * y_pred, axis=-1)
    neg = tf.reduce_max((_c(1.0, y_pred) - y_true) * y_pred, axis=-1)
    return tf.maximum(neg - pos + _c(1.0, y_pred), _c(0.0, y_pred))


def kl_divergence(y_true, y_pred) -> tf.Tensor:
    """sum(y_true * log(y_true / y_pred)) over the last axis, both clipped to [eps, 1]."""
    y_pred = _pred(y_pred)
    y_true = _as(y_true, y_pred.dtype)
    eps, one = _c(EPSILON, y_pred), _c(1.0, y_pred)
    y_true = tf.clip_by_value(y_true, eps, one)
    y_pred = tf.clip_by_value(y_pred, eps, one)
    return tf.reduce_sum(y_true * tf.math.log(y_true / y_pred), axis=-1)


def poisson(y_true, y_pred) -> tf.Tensor:
    """mean(y_pred - y_true * log(y_pred + eps)) over the last axis."""
    y_pred = _pred(y_pred)
    y_true = _as(y_true, y_pred.dtype)
    return tf.reduce_mean(y_pred - y_true * tf.math.log(y_pred + _c(EPSILON, y_pred)), axis=-1)


def _logits_or(output, from_logits: bool, fn_name: str):
    """(tensor, from_logits): a softmax/sigmoid activation's logits when it made `output`."""
    logits = activations.logits_of(output)
    if logits is None:
        return output, from_logits
    if from_logits:
        warnings.warn(f'"`{fn_name}` received `from_logits=True`, but the `output` argument was '
                      "produced by an activation and thus does not represent logits. Was this "
                      "intended?", stacklevel=3)
    return logits, True


def _check_same_shape(target, output, fn_name):
    if len(target.shape) != len(output.shape):
        raise ValueError(f"{fn_name}: arguments `target` and `output` must have the same rank "
                         f"(ndim). Received: target.shape={target.shape}, "
                         f"output.shape={output.shape}")
    for a, b in zip(target.shape.as_list(), output.shape.as_list()):
        if a is not None and b is not None and a != b:
            raise ValueError(f"{fn_name}: arguments `target` and `output` must have the same "
                             f"shape. Received: target.shape={target.shape}, "
                             f"output.shape={output.shape}")


def _softmax_xent(target, output, from_logits: bool, axis: int):
    output, from_logits = _logits_or(output, from_logits, "categorical_crossentropy")
    if from_logits:
        return tf.nn.softmax_cross_entropy_with_logits(labels=target, logits=output, axis=axis)
    output = output / tf.reduce_sum(output, axis=axis, keepdims=True)
    output = tf.clip_by_value(output, _c(EPSILON, output), _c(1.0 - EPSILON, output))
    return -tf.reduce_sum(target * tf.math.log(output), axis=axis)


def categorical_crossentropy(y_true, y_pred, from_logits: bool = False,
                             label_smoothing: float = 0.0, axis: int = -1) -> tf.Tensor:
    """-sum(y_true * log(y_pred)) over `axis`, y_pred normalized and clipped to [eps, 1-eps]."""
    if isinstance(axis, bool):
        raise ValueError(f"`axis` must be of type `int`. Received: axis={axis} of type "
                         f"{type(axis)}")
    y_pred = _pred(y_pred)
    y_true = _as(y_true, y_pred.dtype)
    _check_same_shape(y_true, y_pred, "categorical_crossentropy")
    if y_pred.shape[-1] == 1:
        warnings.warn("In loss categorical_crossentropy, expected y_pred.shape to be "
                      f"(batch_size, num_classes) with num_classes > 1. Received: "
                      f"y_pred.shape={y_pred.shape}. Consider using 'binary_crossentropy' if "
                      "you only have 2 classes.", SyntaxWarning, stacklevel=2)
    if label_smoothing:
        y_true = y_true * _c(1.0 - label_smoothing, y_pred) + _c(label_smoothing, y_pred) / \
            _num_classes(y_true)
    return _softmax_xent(y_true, y_pred, from_logits, axis)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits: bool = False,
                                    ignore_class: int | None = None, axis: int = -1) -> tf.Tensor:
    """-log(y_pred[y_true]) for integer labels; probabilities clipped to [eps, 1-eps]."""
    y_pred = _pred(y_pred)
    if axis != -1 and axis != len(y_pred.shape) - 1:
        raise ValueError(f"Only axis=-1 is currently supported. Received: axis={axis}")
    y_true = tf.convert_to_tensor(y_true)
    if len(y_true.shape) == len(y_pred.shape) and y_true.shape[-1] == 1:
        y_true = tf.squeeze(y_true, -1)
    if len(y_true.shape) != len(y_pred.shape) - 1:
        raise ValueError("sparse_categorical_crossentropy: argument `output` must have rank "
                         f"(ndim) `target.ndim + 1`. Received: target.shape={y_true.shape}, "
                         f"output.shape={y_pred.shape}")
    for a, b in zip(y_true.shape.as_list(), y_pred.shape.as_list()[:-1]):
        if a is not None and b is not None and a != b:
            raise ValueError("sparse_categorical_crossentropy: arguments `target` and `output` "
                             "must have the same shape up until the last dimension: "
                             f"target.shape={y_true.shape}, output.shape={y_pred.shape}")
    valid = None
    if ignore_class is not None:
        valid = tf.not_equal(y_true, _c(ignore_class, y_true))
        y_true = tf.where(valid, y_true, tf.zeros_like(y_true))
    labels = y_true if y_true.dtype in (tf.int32, tf.int64) else tf.cast(y_true, tf.int64)
    output, from_logits = _logits_or(y_pred, from_logits, "sparse_categorical_crossentropy")
    if not from_logits:
        output = tf.math.log(tf.clip_by_value(output, _c(EPSILON, output),
                                              _c(1.0 - EPSILON, output)))
    result = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=output)
    if valid is not None:
        result = tf.where(valid, result, tf.zeros_like(result))
    return result


def _binary_xent(target, output, from_logits: bool):
    _check_same_shape(target, output, "binary_crossentropy")
    output, from_logits = _logits_or(output, from_logits, "binary_crossentropy")
    if from_logits:
        return tf.nn.sigmoid_cross_entropy_with_logits(labels=target, logits=output)
    one = _c(1.0, output)
    output = tf.clip_by_value(output, _c(EPSILON, output), _c(1.0 - EPSILON, output))
    return -(target * tf.math.log(output) + (one - target) * tf.math.log(one - output))


def binary_crossentropy(y_true, y_pred, from_logits: bool = False, label_smoothing: float = 0.0,
                        axis: int = -1) -> tf.Tensor:
    """mean(-(y log p + (1 - y) log(1 - p))) over `axis`, p clipped to [eps, 1-eps]."""
    y_pred = _pred(y_pred)
    y_true = _as(y_true, y_pred.dtype)
    if label_smoothing:
        y_true = y_true * _c(1.0 - label_smoothing, y_pred) + _c(0.5 * label_smoothing, y_pred)
    return tf.reduce_mean(_binary_xent(y_true, y_pred, from_logits), axis=axis)


def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing: bool = False,
                              alpha: float = 0.25, gamma: float = 2.0, from_logits: bool = False,
                              label_smoothing: float = 0.0, axis: int = -1) -> tf.Tensor:
    """Binary cross entropy down-weighted by (1 - p_t)^gamma (Lin et al., 2017)."""
    y_pred = _pred(y_pred)
    y_true = _as(y_true, y_pred.dtype)
    one = _c(1.0, y_pred)
    if label_smoothing:
        y_true = y_true * _c(1.0 - label_smoothing, y_pred) + _c(0.5 * label_smoothing, y_pred)
    if from_logits:
        y_pred = activations.sigmoid(y_pred)  # remembers the logits: bce uses them, as Keras
    bce = _binary_xent(y_true, y_pred, False)
    p_t = y_true * y_pred + (one - y_true) * (one - y_pred)
    focal = tf.pow(one - p_t, _c(gamma, y_pred)) * bce
    if apply_class_balancing:
        focal = (y_true * _c(alpha, y_pred) + (one - y_true) * _c(1.0 - alpha, y_pred)) * focal
    return tf.reduce_mean(focal, axis=axis)


def categorical_focal_crossentropy(y_true, y_pred, alpha: float = 0.25, gamma: float = 2.0,
                                   from_logits: bool = False, label_smoothing: float = 0.0,
                                   axis: int = -1) -> tf.Tensor:
    """Categorical cross entropy weighted by alpha * (1 - p)^gamma per class."""
    y_pred = _pred(y_pred)
    y_true = _as(y_true, y_pred.dtype)
    if label_smoothing:
        y_true = y_true * _c(1.0 - label_smoothing, y_pred) + _c(label_smoothing, y_pred) / \
            _num_classes(y_true)
    if from_logits:
        y_pred = tf.nn.softmax(y_pred, axis=axis)
    output = y_pred / tf.reduce_sum(y_pred, axis=axis, keepdims=True)
    output = tf.clip_by_value(output, _c(EPSILON, output), _c(1.0 - EPSILON, output))
    cce = -y_true * tf.math.log(output)
    weight = tf.pow(_c(1.0, output) - output, _c(gamma, output)) * _c(alpha, output)
    return tf.reduce_sum(weight * cce, axis=axis)


def dice(y_true, y_pred, axis=None) -> tf.Tensor:
    """1 - 2 sum(y_true * y_pred) / (sum(y_true) + sum(y_pred) + eps), over `axis`."""
    y_pred = _pred(y_pred)
    y_true = _as(y_true, y_pred.dtype)
    inter = tf.reduce_sum(y_true * y_pred, axis=axis)
    union = tf.reduce_sum(y_true, axis=axis) + tf.reduce_sum(y_pred, axis=axis)
    return _c(1.0, y_pred) - _c(2.0, y_pred) * inter / (union + _c(EPSILON, y_pred))


def tversky(y_true, y_pred, alpha: float = 0.5, beta: float = 0.5, axis=None) -> tf.Tensor:
    """1 - TP / (TP + alpha FP + beta FN), over `axis` (Dice when alpha = beta = 0.5)."""
    y_pred = _pred(y_pred)
    y_true = _as(y_true, y_pred.dtype)
    one = _c(1.0, y_pred)
    tp = tf.reduce_sum(y_true * y_pred, axis=axis)
    fp = tf.reduce_sum((one - y_pred) * y_true, axis=axis)
    fn = tf.reduce_sum(y_pred * (one - y_true), axis=axis)
    return one - tp / (tp + _c(alpha, y_pred) * fp + _c(beta, y_pred) * fn
                       + _c(EPSILON, y_pred))


# --- Loss objects ---------------------------------------------------------------------------------
class Loss:
    """Base class: subclasses implement `call(y_true, y_pred)` returning per-sample losses;
    `__call__` converts both to `dtype` (float32), weights and reduces."""

    def __init__(self, name: str | None = None, reduction="sum_over_batch_size", dtype=None):
        self.name = name or _snake(type(self).__name__)
        self.reduction = standardize_reduction(reduction)
        self._dtype = tf.as_dtype(dtype or "float32")

    @property
    def dtype(self):
        return self._dtype

    def __call__(self, y_true, y_pred, sample_weight=None):
        y_pred = tf.nest.map_structure(lambda x: _keep_logits(x, self._dtype), y_pred)
        y_true = tf.nest.map_structure(lambda x: _as(x, self._dtype), y_true)
        with tf.name_scope(self.name):
            losses = self.call(y_true, y_pred)
            return reduce_weighted_values(losses, sample_weight, self.reduction, self._dtype)

    def call(self, y_true, y_pred):
        raise NotImplementedError(f"{type(self).__name__} must implement call(y_true, y_pred)")

    def get_config(self) -> dict:
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)


def _keep_logits(x, dtype):
    """Casts `x` to `dtype`, carrying over the logits an activation recorded for it."""
    t = _as(x, dtype)
    if t is not x and not isinstance(x, tf.Variable):
        logits = activations.logits_of(x)
        if logits is not None:
            activations._remember_logits(t, _as(logits, dtype))
    return t


class LossFunctionWrapper(Loss):
    """A Loss that calls `fn(y_true, y_pred, **kwargs)` for the per-sample values."""

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(name=name or getattr(fn, "__name__", None), reduction=reduction,
                         dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self) -> dict:
        return {**super().get_config(), **self._fn_kwargs}

    def __repr__(self) -> str:
        return f"<LossFunctionWrapper({self.fn}, kwargs={self._fn_kwargs})>"


def _wrapper_class(cls_name: str, fn, default_name: str, params: dict, doc: str):
    """A LossFunctionWrapper subclass with Keras's constructor signature for `fn`."""
    def __init__(self, *args, reduction="sum_over_batch_size", name=default_name, dtype=None,
                 **kwargs):
        if len(args) > len(params):
            raise TypeError(f"{cls_name}() takes at most {len(params)} positional arguments")
        unknown = set(kwargs) - set(params)
        if unknown:
            raise TypeError(f"{cls_name}() got unexpected keyword arguments {sorted(unknown)}")
        values = dict(params)
        values.update(zip(params, args))
        values.update(kwargs)
        LossFunctionWrapper.__init__(self, fn, reduction=reduction, name=name, dtype=dtype,
                                     **values)

    def from_config(cls, config):
        return cls(**config)

    return type(cls_name, (LossFunctionWrapper,), {
        "__init__": __init__, "from_config": classmethod(from_config), "__doc__": doc,
        "__module__": __name__})


_XENT = {"from_logits": False, "label_smoothing": 0.0, "axis": -1}
MeanSquaredError = _wrapper_class("MeanSquaredError", mean_squared_error, "mean_squared_error",
                                  {}, "Mean of squared errors.")
MeanAbsoluteError = _wrapper_class("MeanAbsoluteError", mean_absolute_error,
                                   "mean_absolute_error", {}, "Mean of absolute errors.")
MeanAbsolutePercentageError = _wrapper_class(
    "MeanAbsolutePercentageError", mean_absolute_percentage_error,
    "mean_absolute_percentage_error", {}, "100 * mean(|error| / |y_true|).")
MeanSquaredLogarithmicError = _wrapper_class(
    "MeanSquaredLogarithmicError", mean_squared_logarithmic_error,
    "mean_squared_logarithmic_error", {}, "Mean squared error of log(1 + y).")
CosineSimilarity = _wrapper_class("CosineSimilarity", cosine_similarity, "cosine_similarity",
                                  {"axis": -1}, "Negative cosine similarity along `axis`.")
Huber = _wrapper_class("Huber", huber, "huber_loss", {"delta": 1.0},
                       "Quadratic for small errors, linear beyond `delta`.")
LogCosh = _wrapper_class("LogCosh", log_cosh, "log_cosh", {}, "log(cosh(error)).")
Hinge = _wrapper_class("Hinge", hinge, "hinge", {}, "max(1 - y_true * y_pred, 0).")
SquaredHinge = _wrapper_class("SquaredHinge", squared_hinge, "squared_hinge", {},
                              "max(1 - y_true * y_pred, 0)^2.")
CategoricalHinge = _wrapper_class("CategoricalHinge", categorical_hinge, "categorical_hinge", {},
                                  "max(neg - pos + 1, 0) for one-hot labels.")
KLDivergence = _wrapper_class("KLDivergence", kl_divergence, "kl_divergence", {},
                              "Kullback-Leibler divergence of y_pred from y_true.")
Poisson = _wrapper_class("Poisson", poisson, "poisson", {}, "y_pred - y_true * log(y_pred).")
BinaryCrossentropy = _wrapper_class("BinaryCrossentropy", binary_crossentropy,
                                    "binary_crossentropy", dict(_XENT),
                                    "Cross entropy of 0/1 labels and probabilities (or logits).")
BinaryFocalCrossentropy = _wrapper_class(
    "BinaryFocalCrossentropy", binary_focal_crossentropy, "binary_focal_crossentropy",
    {"apply_class_balancing": False, "alpha": 0.25, "gamma": 2.0, **_XENT},
    "Binary cross entropy focused on hard examples.")
CategoricalCrossentropy = _wrapper_class(
    "CategoricalCrossentropy", categorical_crossentropy, "categorical_crossentropy",
    dict(_XENT), "Cross entropy of one-hot labels and probabilities (or logits).")
CategoricalFocalCrossentropy = _wrapper_class(
    "CategoricalFocalCrossentropy", categorical_focal_crossentropy,
    "categorical_focal_crossentropy", {"alpha": 0.25, "gamma": 2.0, **_XENT},
    "Categorical cross entropy focused on hard examples.")
SparseCategoricalCrossentropy = _wrapper_class(
    "SparseCategoricalCrossentropy", sparse_categorical_crossentropy,
    "sparse_categorical_crossentropy", {"from_logits": False, "ignore_class": None},
    "Cross entropy of integer labels and probabilities (or logits).")

Dice = _wrapper_class("Dice", dice, "dice", {"axis": None}, "Dice loss for segmentation.")
Tversky = _wrapper_class("Tversky", tversky, "tversky", {"alpha": 0.5, "beta": 0.5, "axis": None},
                         "Tversky loss: Dice with separate weights for FP and FN.")

# Keras's short names.
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh
bce = BCE = binary_crossentropy

_CLASSES = [Loss, LossFunctionWrapper, MeanSquaredError, MeanAbsoluteError,
            MeanAbsolutePercentageError, MeanSquaredLogarithmicError, CosineSimilarity, Huber,
            LogCosh, Hinge, SquaredHinge, CategoricalHinge, KLDivergence, Poisson,
            BinaryCrossentropy, BinaryFocalCrossentropy, CategoricalCrossentropy,
            CategoricalFocalCrossentropy, SparseCategoricalCrossentropy, Dice, Tversky]
_FUNCTIONS = ["mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error",
              "mean_squared_logarithmic_error", "cosine_similarity", "huber", "log_cosh",
              "logcosh", "hinge", "squared_hinge", "categorical_hinge", "kl_divergence",
              "kullback_leibler_divergence", "poisson", "binary_crossentropy",
              "binary_focal_crossentropy", "categorical_crossentropy",
              "categorical_focal_crossentropy", "sparse_categorical_crossentropy", "dice",
              "tversky", "mse", "MSE",
              "mae", "MAE", "mape", "MAPE", "msle", "MSLE", "kld", "KLD", "bce", "BCE"]
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in _CLASSES}
ALL_OBJECTS_DICT.update({name: globals()[name] for name in _FUNCTIONS})


def serialize(loss) -> dict | str:
    """Keras 3's dict for a Loss object; a built-in function serializes to its name."""
    if isinstance(loss, Loss):
        return serialize_object(loss, "keras.losses")
    name = getattr(loss, "__name__", None)
    if name in ALL_OBJECTS_DICT:
        return {"module": "builtins", "class_name": "function", "config": name,
                "registered_name": "function"}
    raise ValueError(f"Could not serialize loss {loss!r}")


def deserialize(config, custom_objects: dict | None = None) -> Loss | Callable:
    """The loss a serialized dict or a name describes."""
    if isinstance(config, dict) and config.get("class_name") == "function":
        config = config["config"]
    return lookup(config, ALL_OBJECTS_DICT, "loss", custom_objects)


def get(identifier) -> Loss | Callable | None:
    """A loss from a name ('mse' gives the function, 'MeanSquaredError' an object), a dict or a
    callable; None gives None."""
    if identifier is None:
        return None
    return deserialize(identifier) if isinstance(identifier, (str, dict)) else \
        lookup(identifier, ALL_OBJECTS_DICT, "loss")
