"""Segment reductions: tf.math.segment_{sum,mean,max,min,prod} (sorted ids) and
tf.math.unsorted_segment_{sum,mean,max,min,prod,sqrt_n}.

Row i of `data` (or the block `data[i1, .., ik]` for k-dimensional ids) goes to segment
`segment_ids[i]`. Sorted segment ops output `segment_ids[-1] + 1` segments; unsorted ones
`num_segments`, dropping negative ids, as TensorFlow does. Empty segments hold 0 for sum, mean and
the sorted max/min, 1 for prod, and the dtype's lowest (highest) finite value for unsorted max
(min).
"""

from __future__ import annotations

import numpy as np

from tensorweave.framework import dtypes
from tensorweave.framework.op_def import execute, op
from tensorweave.framework.tensor import Tensor
from tensorweave.ops import _infer
from tensorweave.ops._array_util import static_int
from tensorweave.ops._convert import tensor
from tensorweave.ops.array_ops import expand_dims, where
from tensorweave.ops.binary_ops import equal, greater_equal, maximum
from tensorweave.ops.gather_ops import gather
from tensorweave.ops.math_core import (NUMBERS, REALS, cast, check_dtype, divide, multiply,
                                       ones_like, zeros_like)
from tensorweave.ops.unary_ops import sqrt

__all__ = ["segment_sum", "segment_mean", "segment_max", "segment_min", "segment_prod",
           "unsorted_segment_sum", "unsorted_segment_mean", "unsorted_segment_max",
           "unsorted_segment_min", "unsorted_segment_prod", "unsorted_segment_sqrt_n"]

_INDEX = frozenset({dtypes.int32, dtypes.int64})


# --- kernels -------------------------------------------------------------------------------------
def _identity(kind: str, dtype, sorted_: bool):
    """What an empty segment holds."""
    if kind in ("sum", "mean") or (sorted_ and kind in ("max", "min")):
        return 0
    if kind == "prod":
        return 1
    if dtype.kind == "f":  # TensorFlow's lowest/highest finite value, not -inf/inf
        info = np.finfo(dtype)
        return info.min if kind == "max" else info.max
    info = np.iinfo(dtype)
    return info.min if kind == "max" else info.max


_UFUNCS = {"sum": "add", "mean": "add", "max": "maximum", "min": "minimum", "prod": "multiply"}
_REDUCERS = {"sum": lambda xp, a, dt: xp.sum(a, axis=0, dtype=dt),
             "mean": lambda xp, a, dt: xp.sum(a, axis=0, dtype=dt),
             "prod": lambda xp, a, dt: xp.prod(a, axis=0, dtype=dt),
             "max": lambda xp, a, dt: xp.max(a, axis=0),
             "min": lambda xp, a, dt: xp.min(a, axis=0)}
_FEW_RUNS = 256  # below this many segments a Python loop over slices beats reduceat
_FEW_COLUMNS = 32  # up to this many values per row, float sums go through bincount


def _segment_reduce(xp, data, ids, n, kind, sorted_):
    if tuple(data.shape[:ids.ndim]) != tuple(ids.shape):
        raise ValueError(f"segment_ids shape {list(ids.shape)} must be a prefix of data shape "
                         f"{list(data.shape)}")
    inner = data.shape[ids.ndim:]
    flat_ids = ids.reshape(-1)
    rows = data.reshape((flat_ids.shape[0],) + tuple(inner))
    if flat_ids.size and int(flat_ids.max()) >= n:
        raise ValueError(f"segment id {int(flat_ids.max())} is out of range [0, {n})")
    keep = flat_ids >= 0  # unsorted ops drop negative ids
    if not bool(keep.all()):
        flat_ids, rows = flat_ids[keep], rows[keep]
    out = xp.full((n,) + tuple(inner), _identity(kind, data.dtype, sorted_), dtype=data.dtype)
    if not flat_ids.size:
        return out
    ufunc = getattr(xp, _UFUNCS[kind])
    columns = rows[0].size
    if kind in ("sum", "mean") and data.dtype.kind == "f" and columns <= _FEW_COLUMNS:
        # a weighted bincount per column: no sort at all, and summed in float64
        flat_rows = rows.reshape(flat_ids.shape[0], columns)
        sums = xp.stack([xp.bincount(flat_ids, weights=flat_rows[:, c], minlength=n)
                         for c in range(columns)], axis=-1)
        out = sums.reshape(out.shape).astype(data.dtype)
    else:
        out = _sorted_runs(xp, out, flat_ids, rows, kind, sorted_, data.dtype, ufunc, n)
    if kind == "mean":
        counts = xp.maximum(xp.bincount(flat_ids, minlength=n), 1)
        counts = counts.reshape((n,) + (1,) * len(inner))
        if data.dtype.kind in "fc":
            out = (out / counts).astype(data.dtype, copy=False)
        else:  # integer means truncate toward zero, as TensorFlow's kernels divide in C
            out = (xp.sign(out) * (xp.abs(out) // counts)).astype(data.dtype, copy=False)
    return out


def _sorted_runs(xp, out, flat_ids, rows, kind, sorted_, dtype, ufunc, n):
    """Sorts the rows by segment, then reduces each run of rows: a few runs one contiguous slice
    at a time, many runs with reduceat (both far faster than scattering with ufunc.at)."""
    if not sorted_:
        order = xp.argsort(flat_ids)
        flat_ids, rows = flat_ids[order], rows[order]
    starts = xp.flatnonzero(xp.concatenate([xp.ones(1, dtype=bool),
                                            flat_ids[1:] != flat_ids[:-1]]))
    if starts.shape[0] <= _FEW_RUNS:
        bounds = starts.tolist() + [flat_ids.shape[0]]
        reduce = _REDUCERS[kind]
        out[flat_ids[starts]] = xp.stack([reduce(xp, rows[a:b], dtype)
                                          for a, b in zip(bounds[:-1], bounds[1:])])
    elif hasattr(ufunc, "reduceat"):
        out[flat_ids[starts]] = ufunc.reduceat(rows, starts, axis=0, dtype=dtype)
    else:
        if sorted_ and kind in ("max", "min"):  # empty sorted segments keep 0, not -inf/inf
            present = xp.zeros(n, dtype=bool)
            present[flat_ids] = True
            out[present] = _identity(kind, dtype, False)
        ufunc.at(out, flat_ids, rows)
    return out


def _check_sorted(xp, ids):
    if ids.ndim != 1:
        raise ValueError(f"segment_ids should be a vector, got shape {list(ids.shape)}")
    if ids.size and (bool((ids[1:] < ids[:-1]).any()) or int(ids[0]) < 0):
        raise ValueError("segment ids are not increasing, or are negative")


def _check_prefix(data, ids):
    """The ids' shape must be a prefix of the data's (as far as both are known)."""
    if data.shape is None or ids.shape is None:
        return
    if len(ids.shape) > len(data.shape) or any(
            a is not None and b is not None and a != b for a, b in zip(ids.shape, data.shape)):
        raise ValueError(f"segment_ids shape {list(ids.shape)} must be a prefix of data shape "
                         f"{list(data.shape)}")


def _infer_sorted(data, ids):
    if ids.shape is not None and len(ids.shape) != 1:
        raise ValueError(f"segment_ids should be a vector, got shape {list(ids.shape)}")
    _check_prefix(data, ids)
    shape = None if data.shape is None else (None,) + tuple(data.shape[1:])
    return _infer.Spec(shape, data.dtype)


def _infer_unsorted(data, ids, *, num_segments):
    _check_prefix(data, ids)
    if data.shape is None or ids.shape is None:
        return _infer.Spec(None, data.dtype)
    return _infer.Spec((num_segments,) + tuple(data.shape[len(ids.shape):]), data.dtype)


_KINDS = ("sum", "mean", "max", "min", "prod")


def _sorted_kernel(kind):
    def kernel(xp, data, ids):
        _check_sorted(xp, ids)
        n = int(ids[-1]) + 1 if ids.size else 0
        return _segment_reduce(xp, data, ids, n, kind, True)
    kernel.__doc__ = f"Segment{kind.title()}: the {kind} of each segment of sorted ids."
    return kernel


def _unsorted_kernel(kind):
    def kernel(xp, data, ids, *, num_segments):
        return _segment_reduce(xp, data, ids, num_segments, kind, False)
    kernel.__doc__ = f"UnsortedSegment{kind.title()}: the {kind} of each of num_segments."
    return kernel


# TensorFlow has no UnsortedSegmentMean op (its Python composes it): ours is one op all the same.
_SORTED = {k: op(f"Segment{k.title()}", infer=_infer_sorted)(_sorted_kernel(k)) for k in _KINDS}
_UNSORTED = {k: op(f"UnsortedSegment{k.title()}", infer=_infer_unsorted)(_unsorted_kernel(k))
             for k in _KINDS}
_KIND_OF = {opdef: k for table in (_SORTED, _UNSORTED) for k, opdef in table.items()}


# --- public functions ----------------------------------------------------------------------------
def _inputs(data, segment_ids, kind, op_name):
    data, ids = tensor(data), tensor(segment_ids)
    allowed = REALS if kind in ("max", "min") else NUMBERS
    if data.dtype not in allowed:
        check_dtype(data, allowed, op_name)
    if ids.dtype not in _INDEX:
        raise TypeError(f"{op_name}: segment_ids must be int32 or int64, got {ids.dtype.name}")
    return data, ids


def _sorted(kind, op_name):
    def fn(data, segment_ids, name=None):
        data, ids = _inputs(data, segment_ids, kind, op_name)
        return execute(_SORTED[kind], (data, ids), {})
    fn.__name__ = fn.__qualname__ = f"segment_{kind}"
    fn.__doc__ = (f"The {kind} of the rows of `data` in each segment named by the sorted "
                  f"`segment_ids` (`tf.math.segment_{kind}`).")
    return fn


def _unsorted(kind, op_name):
    def fn(data, segment_ids, num_segments, name=None):
        data, ids = _inputs(data, segment_ids, kind, op_name)
        n = static_int(num_segments, "num_segments", op_name)
        return execute(_UNSORTED[kind], (data, ids), {"num_segments": n})
    fn.__name__ = fn.__qualname__ = f"unsorted_segment_{kind}"
    fn.__doc__ = (f"The {kind} of the entries of `data` in each of `num_segments` segments "
                  f"named by `segment_ids`, in any order; negative ids are dropped "
                  f"(`tf.math.unsorted_segment_{kind}`).")
    return fn


segment_sum = _sorted("sum", "SegmentSum")
segment_mean = _sorted("mean", "SegmentMean")
segment_max = _sorted("max", "SegmentMax")
segment_min = _sorted("min", "SegmentMin")
segment_prod = _sorted("prod", "SegmentProd")
unsorted_segment_sum = _unsorted("sum", "UnsortedSegmentSum")
unsorted_segment_max = _unsorted("max", "UnsortedSegmentMax")
unsorted_segment_min = _unsorted("min", "UnsortedSegmentMin")
unsorted_segment_prod = _unsorted("prod", "UnsortedSegmentProd")


def unsorted_segment_mean(data, segment_ids, num_segments, name=None) -> Tensor:
    """The mean of the entries in each segment, 0 for an empty one
    (`tf.math.unsorted_segment_mean`)."""
    data, ids = _inputs(data, segment_ids, "sum", "UnsortedSegmentMean")
    n = static_int(num_segments, "num_segments", "UnsortedSegmentMean")
    if data.dtype.is_integer:  # TensorFlow divides the integer sums as tf.math.truediv does
        total = execute(_UNSORTED["sum"], (data, ids), {"num_segments": n})
        counts = execute(_UNSORTED["sum"], (ones_like(data), ids), {"num_segments": n})
        return divide(total, maximum(counts, ones_like(counts)))
    return execute(_UNSORTED["mean"], (data, ids), {"num_segments": n})


def unsorted_segment_sqrt_n(data, segment_ids, num_segments, name=None) -> Tensor:
    """The sum of each segment divided by sqrt of its size, 0 for an empty one
    (`tf.math.unsorted_segment_sqrt_n`)."""
    data, ids = _inputs(data, segment_ids, "sum", "UnsortedSegmentSqrtN")
    if not (data.dtype.is_floating or data.dtype.is_complex):
        raise TypeError(f"unsorted_segment_sqrt_n expects floating data, got {data.dtype.name}")
    total = unsorted_segment_sum(data, ids, num_segments)
    counts = unsorted_segment_sum(ones_like(data), ids, num_segments)
    return divide(total, sqrt(maximum(counts, ones_like(counts))))


# --- gradients -----------------------------------------------------------------------------------
def _gather_rows(values, ids):
    """values[ids], with 0 where an id is negative (dropped by the unsorted ops)."""
    safe = maximum(ids, zeros_like(ids))
    gathered = gather(values, safe)
    rank_extra = gathered.shape.rank - ids.shape.rank
    keep = greater_equal(ids, zeros_like(ids))
    for _ in range(rank_extra):
        keep = expand_dims(keep, -1)
    return where(keep, gathered, zeros_like(gathered))


def _reduce_again(kind, values, ids, op):
    """The same family's `kind` reduction (sorted or unsorted, as `op` was)."""
    table = _SORTED if op.op_def in _SORTED.values() else _UNSORTED
    return execute(table[kind], (values, ids), op.attrs)


def _segment_grad(op, dy):
    data, ids = op.inputs
    (out,) = op.outputs
    kind = _KIND_OF[op.op_def]
    if kind == "sum":
        return _gather_rows(dy, ids), None
    if kind == "mean":
        counts = _reduce_again("sum", ones_like(data), ids, op)
        return _gather_rows(divide(dy, maximum(counts, ones_like(counts))), ids), None
    if kind in ("max", "min"):
        # shared equally among the entries that equal the extreme, as TensorFlow does
        selected = equal(data, _gather_rows(out, ids))
        weights = cast(selected, dy.dtype)
        n_selected = _reduce_again("sum", weights, ids, op)
        share = divide(dy, maximum(n_selected, ones_like(n_selected)))
        return multiply(weights, _gather_rows(share, ids)), None
    # prod: the product of the other entries of the segment, exact where some are 0
    is_zero = equal(data, zeros_like(data))
    zeros_in_segment = _reduce_again("sum", cast(is_zero, data.dtype), ids, op)
    nonzero_prod = _reduce_again("prod", where(is_zero, ones_like(data), data), ids, op)
    zeros_here = _gather_rows(zeros_in_segment, ids)
    prod_here = _gather_rows(nonzero_prod, ids)
    no_zero = equal(zeros_here, zeros_like(zeros_here))
    one_zero = equal(zeros_here, ones_like(zeros_here))
    others = where(no_zero, divide(prod_here, where(is_zero, ones_like(data), data)),
                   where(is_zero, where(one_zero, prod_here, zeros_like(data)),
                         zeros_like(data)))
    return multiply(others, _gather_rows(dy, ids)), None


for _opdef in _KIND_OF:
    _opdef.def_grad(_segment_grad)
