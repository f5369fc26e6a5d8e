"""Ranking and counting: tf.math.top_k (tf.nn.top_k), tf.math.bincount, tf.math.confusion_matrix,
tf.histogram_fixed_width and tf.histogram_fixed_width_bins.

top_k breaks ties by the lower index, as TensorFlow does; its gradient scatters the output
gradient back to the chosen positions.
"""

from __future__ import annotations

import numpy as np

from tensorweave.framework import dtypes
from tensorweave.framework.op_def import execute, op
from tensorweave.framework.tensor import Tensor
from tensorweave.ops import _infer
from tensorweave.ops._array_util import static_int
from tensorweave.ops._convert import tensor
from tensorweave.ops.math_core import REALS, cast, check_dtype

__all__ = ["top_k", "bincount", "confusion_matrix", "histogram_fixed_width_bins",
           "histogram_fixed_width"]


# --- top_k ---------------------------------------------------------------------------------------
def _infer_top_k(x, *, k, index_type):
    if x.shape is None:
        return _infer.Spec(None, x.dtype), _infer.Spec(None, index_type)
    if not x.shape:
        raise ValueError("top_k: input must have rank >= 1, got a scalar")
    last = x.shape[-1]
    if last is not None and k > last:
        raise ValueError(f"top_k: input must have at least k={k} columns, got {last}")
    shape = tuple(x.shape[:-1]) + (k,)
    return _infer.Spec(shape, x.dtype), _infer.Spec(shape, index_type)


@op("TopKV2", infer=_infer_top_k, num_outputs=2)
def _top_k(xp, x, *, k, index_type):
    if x.ndim == 0:
        raise ValueError("input must have rank >= 1, got a scalar")
    n = x.shape[-1]
    if k > n:
        raise ValueError(f"input must have at least k={k} columns, had {n}")
    if 0 < k and 4 * k < n and not (x.dtype.kind == "f" and bool(xp.isnan(x).any())):
        indices = _top_k_candidates(xp, x, k)  # O(n) selection first, then sort only k
    else:
        indices = xp.broadcast_to(xp.arange(n), x.shape)
    indices = _sort_descending(xp, x, indices)[..., :k]
    values = xp.take_along_axis(x, indices, axis=-1)
    return values, indices.astype(index_type.np_dtype, copy=False)


def _top_k_candidates(xp, x, k):
    """The indices of the k largest entries of each row, in index order: those above the k-th
    largest value, then as many of its ties as still fit, lowest index first (TensorFlow's
    tie rule)."""
    n = x.shape[-1]
    kth = xp.partition(x, n - k, axis=-1)[..., n - k:n - k + 1]
    above = x > kth
    ties = x == kth
    room = k - above.sum(axis=-1, keepdims=True)
    if bool((ties.sum(axis=-1, keepdims=True) <= room).all()):  # the usual case: no ties to cut
        chosen = above | ties
    else:
        chosen = above | (ties & (xp.cumsum(ties, axis=-1, dtype=xp.int32) <= room))
    return xp.nonzero(chosen)[-1].reshape(x.shape[:-1] + (k,))


def _sort_descending(xp, x, indices):
    """`indices` reordered by descending x[indices], ties by lower index (a stable ascending sort
    of the reversed candidates, read backwards)."""
    values = xp.take_along_axis(x, indices, axis=-1)
    m = indices.shape[-1]
    order = (m - 1) - xp.argsort(xp.flip(values, -1), axis=-1, kind="stable")[..., ::-1]
    return xp.take_along_axis(indices, order, axis=-1)


def _infer_scatter_last(dy, indices, x):
    return _infer.Spec(x.shape, dy.dtype)


@op("TopKGrad", infer=_infer_scatter_last)
def _scatter_last(xp, dy, indices, x):
    """dy placed at `indices` along the last axis of a zero tensor shaped like x."""
    out = xp.zeros(x.shape, dtype=dy.dtype)
    n, k = x.shape[-1], indices.shape[-1]
    flat = out.reshape(-1, n)
    rows = xp.arange(flat.shape[0]).reshape(-1, 1)
    flat[rows, indices.reshape(-1, k)] = dy.reshape(-1, k)
    return out


def _infer_gather_last(g, indices):
    return _infer.Spec(indices.shape, g.dtype)


@op("GatherLastAxis", infer=_infer_gather_last)
def _gather_last(xp, g, indices):
    return xp.take_along_axis(g, indices.astype(np.int64, copy=False), axis=-1)


@_top_k.def_grad
def _top_k_grad(op, dvalues, dindices):
    x = op.inputs[0]
    indices = op.outputs[1]
    return (execute(_scatter_last, (dvalues, indices, x), {}),)


@_scatter_last.def_grad
def _scatter_last_grad(op, ddx):
    _, indices, _ = op.inputs
    return execute(_gather_last, (ddx, indices), {}), None, None


@_gather_last.def_grad
def _gather_last_grad(op, dy):
    g, indices = op.inputs
    return execute(_scatter_last, (dy, indices, g), {}), None


def top_k(input, k=1, sorted=True, index_type=dtypes.int32, name=None) -> "_TopKResult":
    """The k largest entries of the last axis and their indices, largest first, ties by the
    lower index (`tf.math.top_k`, `tf.nn.top_k`). Returns `(values, indices)`."""
    x = tensor(input)
    if x.dtype not in REALS:
        check_dtype(x, REALS, "TopKV2")
    k = static_int(k, "k", "TopKV2")
    if k < 0:
        raise ValueError(f"top_k: k must be non-negative, got {k}")
    index_type = dtypes.as_dtype(index_type)
    if index_type not in (dtypes.int16, dtypes.int32, dtypes.int64):
        raise TypeError(f"top_k: index_type must be int16, int32 or int64, got {index_type.name}")
    values, indices = execute(_top_k, (x,), {"k": k, "index_type": index_type})
    return _TopKResult(values, indices)


class _TopKResult(tuple):
    """TensorFlow's TopKV2 namedtuple: `values` and `indices`, also unpackable."""

    __slots__ = ()

    def __new__(cls, values, indices):
        return super().__new__(cls, (values, indices))

    @property
    def values(self):
        return self[0]

    @property
    def indices(self):
        return self[1]

    def __repr__(self) -> str:
        return f"TopKV2(values={self[0]!r}, indices={self[1]!r})"


# --- bincount ------------------------------------------------------------------------------------
def _infer_bincount(arr, weights=None, *, minlength, maxlength, dtype, binary_output, axis):
    out = weights.dtype if weights is not None else dtype
    if arr.shape is None:
        return _infer.Spec(None, out)
    if axis == -1 and len(arr.shape) == 2:
        return _infer.Spec((arr.shape[0], None), out)
    return _infer.Spec((None,), out)


@op("Bincount", infer=_infer_bincount, differentiable=False)
def _bincount(xp, arr, weights=None, *, minlength, maxlength, dtype, binary_output, axis):
    if arr.size and int(arr.min()) < 0:
        raise ValueError(f"Input arr must be non-negative, got {int(arr.min())}")
    size = int(arr.max()) + 1 if arr.size else 0
    if minlength is not None:
        size = max(size, minlength)
    if maxlength is not None:
        size = min(size, maxlength)
    out_dtype = weights.dtype if weights is not None else dtype.np_dtype
    per_row = axis == -1 and arr.ndim == 2
    rows = arr if per_row else arr.reshape(1, -1)
    w = None if weights is None else (weights if per_row else weights.reshape(1, -1))
    out = xp.zeros((rows.shape[0], size), dtype=out_dtype)
    keep = rows < size  # values past maxlength are dropped
    r = xp.broadcast_to(xp.arange(rows.shape[0]).reshape(-1, 1), rows.shape)[keep]
    c = rows[keep]
    if binary_output:
        out[r, c] = 1
    else:
        xp.add.at(out, (r, c), 1 if w is None else w[keep])
    return out if per_row else out[0]


def bincount(arr, weights=None, minlength=None, maxlength=None, dtype=dtypes.int32, name=None,
             axis=None, binary_output=False) -> Tensor:
    """How many times each value 0..max(arr) occurs in `arr` (summing `weights` instead where
    given), at least `minlength` and at most `maxlength` bins (`tf.math.bincount`). With
    `axis=-1` a 2-D `arr` is counted row by row."""
    arr = tensor(arr)
    if not arr.dtype.is_integer:
        raise TypeError(f"bincount: arr must be an integer tensor, got {arr.dtype.name}")
    if axis not in (None, 0, -1):
        raise ValueError(f"bincount: axis must be None, 0 or -1, got {axis}")
    if binary_output and weights is not None:
        raise ValueError("bincount: binary_output and weights cannot both be given")
    inputs = (arr,)
    if weights is not None:
        weights = tensor(weights)
        if tuple(weights.shape.as_tuple() or ()) != tuple(arr.shape.as_tuple() or ()):
            raise ValueError(f"bincount: weights shape {weights.shape} must equal arr shape "
                             f"{arr.shape}")
        inputs = (arr, weights)
    attrs = {"minlength": None if minlength is None else static_int(minlength, "minlength",
                                                                     "Bincount"),
             "maxlength": None if maxlength is None else static_int(maxlength, "maxlength",
                                                                     "Bincount"),
             "dtype": dtypes.as_dtype(dtype), "binary_output": bool(binary_output),
             "axis": -1 if axis == -1 else None}
    return execute(_bincount, inputs, attrs)


# --- confusion_matrix ----------------------------------------------------------------------------
def _infer_confusion(labels, predictions, weights=None, *, num_classes, dtype):
    return _infer.Spec((num_classes, num_classes) if num_classes is not None else (None, None),
                       dtype)


@op("ConfusionMatrix", infer=_infer_confusion, differentiable=False)
def _confusion(xp, labels, predictions, weights=None, *, num_classes, dtype):
    if labels.shape != predictions.shape:
        raise ValueError(f"labels shape {list(labels.shape)} and predictions shape "
                         f"{list(predictions.shape)} must be equal")
    if labels.size and (int(labels.min()) < 0 or int(predictions.min()) < 0):
        raise ValueError("labels and predictions must be non-negative")
    n = num_classes
    if n is None:
        n = max(int(labels.max()), int(predictions.max())) + 1 if labels.size else 0
    elif labels.size and (int(labels.max()) >= n or int(predictions.max()) >= n):
        raise ValueError(f"labels and predictions must be < num_classes={n}")
    out = xp.zeros((n, n), dtype=dtype.np_dtype)
    values = 1 if weights is None else weights.astype(dtype.np_dtype, copy=False)
    xp.add.at(out, (labels.astype(np.int64), predictions.astype(np.int64)), values)
    return out


def confusion_matrix(labels, predictions, num_classes=None, weights=None, dtype=dtypes.int32,
                     name=None) -> Tensor:
    """The `num_classes` x `num_classes` matrix whose [i, j] counts (or sums the weights of)
    the examples of label i predicted as j (`tf.math.confusion_matrix`)."""
    labels, predictions = tensor(labels), tensor(predictions)
    # TensorFlow casts float labels and predictions to int64
    labels = labels if labels.dtype.is_integer else cast(labels, dtypes.int64)
    predictions = predictions if predictions.dtype.is_integer else cast(predictions, dtypes.int64)
    for t, what in ((labels, "labels"), (predictions, "predictions")):
        if t.shape.rank not in (1, None):
            raise ValueError(f"confusion_matrix: {what} must be a vector, got shape {t.shape}")
    if labels.dtype is not predictions.dtype:
        predictions = cast(predictions, labels.dtype)
    inputs = (labels, predictions) if weights is None else (labels, predictions,
                                                             tensor(weights))
    n = None if num_classes is None else static_int(num_classes, "num_classes", "ConfusionMatrix")
    return execute(_confusion, inputs, {"num_classes": n, "dtype": dtypes.as_dtype(dtype)})


# --- histograms ----------------------------------------------------------------------------------
def _infer_histogram_bins(values, value_range, *, nbins, dtype):
    return _infer.Spec(values.shape, dtype)


@op("HistogramFixedWidthBins", infer=_infer_histogram_bins, differentiable=False)
def _histogram_bins(xp, values, value_range, *, nbins, dtype):
    lo, hi = value_range[0], value_range[1]
    if not hi > lo:
        raise ValueError(f"value_range must satisfy value_range[0] < value_range[1], got "
                         f"[{lo}, {hi}]")
    scaled = (values.astype(np.float64) - float(lo)) / (float(hi) - float(lo))
    bins = xp.floor(scaled * nbins)
    return xp.clip(bins, 0, nbins - 1).astype(dtype.np_dtype)


def _histogram_args(values, value_range, nbins, op_name):
    values = tensor(values)
    if isinstance(value_range, (list, tuple)):  # Python numbers take the values' dtype
        value_range = tensor(value_range, values.dtype if values.dtype.is_floating or all(
            isinstance(v, int) for v in value_range) else None)
    value_range = tensor(value_range)
    if value_range.dtype is not values.dtype:
        raise TypeError(f"{op_name}: value_range must have the dtype of values "
                        f"({values.dtype.name}), got {value_range.dtype.name}")
    if not (values.dtype.is_integer or values.dtype.is_floating):
        raise TypeError(f"{op_name}: values must be numbers, got {values.dtype.name}")
    nbins = static_int(nbins, "nbins", op_name)
    if nbins < 1:
        raise ValueError(f"{op_name}: nbins must be positive, got {nbins}")
    return values, value_range, nbins


def histogram_fixed_width_bins(values, value_range, nbins=100, dtype=dtypes.int32,
                               name=None) -> Tensor:
    """The bin of each value among `nbins` equal bins spanning `value_range`; values below the
    range go to bin 0, above it to the last (`tf.histogram_fixed_width_bins`)."""
    values, value_range, nbins = _histogram_args(values, value_range, nbins,
                                                 "HistogramFixedWidthBins")
    return execute(_histogram_bins, (values, value_range),
                   {"nbins": nbins, "dtype": dtypes.as_dtype(dtype)})


def histogram_fixed_width(values, value_range, nbins=100, dtype=dtypes.int32,
                          name=None) -> Tensor:
    """How many values fall in each of `nbins` equal bins spanning `value_range`, the outer bins
    also counting the values beyond it (`tf.histogram_fixed_width`)."""
    values, value_range, nbins = _histogram_args(values, value_range, nbins,
                                                 "HistogramFixedWidth")
    bins = execute(_histogram_bins, (values, value_range), {"nbins": nbins, "dtype": dtypes.int32})
    return bincount(bins, minlength=nbins, maxlength=nbins, dtype=dtype)
