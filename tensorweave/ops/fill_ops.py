"""Creating tensors: tf.fill, zeros, ones, one_hot, range (and eye, linspace, meshgrid)."""

from __future__ import annotations

import builtins

import numpy as np

from tensorweave.framework import dtypes
from tensorweave.framework.op_def import execute, op
from tensorweave.ops import _infer
from tensorweave.ops._array_util import normalize_axis, shape_parts, static_int
from tensorweave.ops._convert import tensor as to_tensor
from tensorweave.ops.math_ops import reduce_sum

__all__ = ["fill", "zeros", "ones", "one_hot", "range"]

Spec = _infer.Spec


def _dynamic_dims(xp, arr, static):
    """The dims to use at run time: the static attribute, or the shape input when given."""
    if arr is None:
        return static
    return tuple(int(d) for d in arr.tolist())


# --- fill / zeros / ones -------------------------------------------------------------------------
def _infer_fill(value, shape_t=None, *, shape):
    if value.shape is not None and len(value.shape) != 0:
        raise ValueError(f"Fill: value must be a scalar, got shape {list(value.shape)}")
    return Spec(shape, value.dtype)


@op("Fill", infer=_infer_fill)
def _fill(xp, value, shape_t=None, *, shape):
    if value.ndim != 0:
        raise ValueError(f"value must be a scalar, got shape {list(value.shape)}")
    return xp.full(_dynamic_dims(xp, shape_t, shape), value, dtype=value.dtype)


@_fill.def_grad
def _fill_grad(op, dy):
    dv = reduce_sum(dy)
    return (dv,) if len(op.inputs) == 1 else (dv, None)


def _check_dims(static, op_name):
    for d in static:
        if d is not None and d < 0:
            raise ValueError(f"{op_name}: dimensions must be non-negative, got {list(static)}")


def fill(dims, value, name=None):
    """A tensor of shape `dims` with every element `value` (`tf.fill`)."""
    static, dynamic = shape_parts(dims, "Fill")
    _check_dims(static, "Fill")
    v = to_tensor(value)
    return execute(_fill, (v,) if dynamic is None else (v, dynamic), {"shape": static})


def _filled(shape_, dtype, value, op_name):
    dtype = dtypes.as_dtype(dtype)
    static, dynamic = shape_parts(shape_, op_name)
    _check_dims(static, op_name)
    v = to_tensor(np.asarray(value, dtype=dtype.np_dtype) if dtype is not dtypes.string else "")
    return execute(_fill, (v,) if dynamic is None else (v, dynamic), {"shape": static})


def zeros(shape, dtype=dtypes.float32, name=None, layout=None):
    """A tensor of `shape` filled with zeros (`tf.zeros`)."""
    return _filled(shape, dtype, 0, "Zeros")


def ones(shape, dtype=dtypes.float32, name=None, layout=None):
    """A tensor of `shape` filled with ones (`tf.ones`)."""
    return _filled(shape, dtype, 1, "Ones")


# --- one_hot, range ------------------------------------------------------------------------------
def _infer_one_hot(indices, *, depth, on_value, off_value, axis, dtype):
    if indices.shape is None:
        return Spec(None, dtype)
    rank = len(indices.shape) + 1
    a = rank - 1 if axis == -1 else normalize_axis(axis, rank, "OneHot")
    return Spec(indices.shape[:a] + (depth,) + indices.shape[a:], dtype)


@op("OneHot", infer=_infer_one_hot, differentiable=False)
def _one_hot(xp, indices, *, depth, on_value, off_value, axis, dtype):
    hot = xp.expand_dims(indices, -1) == xp.arange(depth, dtype=indices.dtype)
    out = xp.where(hot, xp.asarray(on_value, dtype.np_dtype), xp.asarray(off_value, dtype.np_dtype))
    if axis != -1 and axis != indices.ndim:
        out = xp.moveaxis(out, -1, axis)
    return out


def one_hot(indices, depth, on_value=None, off_value=None, axis=None, dtype=None, name=None):
    """A one-hot encoding of `indices` (-1 or out-of-range rows are all `off_value`)
    (`tf.one_hot`). The dtype comes from `dtype`, else on/off values, else float32."""
    idx = to_tensor(indices)
    if not idx.dtype.is_integer:
        raise TypeError(f"OneHot: indices must be integers, got {idx.dtype.name}")
    depth = static_int(depth, "depth", "OneHot")
    if depth < 0:
        raise ValueError(f"OneHot: depth must be non-negative, got {depth}")
    if dtype is None:
        for v in (on_value, off_value):
            if v is not None and hasattr(v, "dtype"):
                dtype = dtypes.as_dtype(v.dtype)
                break
        else:
            given = [v for v in (on_value, off_value) if v is not None]
            dtype = to_tensor(given[0]).dtype if given else dtypes.float32
    dtype = dtypes.as_dtype(dtype)
    on = 1 if on_value is None else _py_scalar(on_value)
    off = 0 if off_value is None else _py_scalar(off_value)
    axis = -1 if axis is None else int(axis)
    attrs = {"depth": depth, "on_value": on, "off_value": off, "axis": axis, "dtype": dtype}
    return execute(_one_hot, (idx,), attrs)


def _py_scalar(v):
    if hasattr(v, "numpy"):
        v = v.numpy()
    return np.asarray(v).item()


def _infer_range(*, start, limit, delta, dtype):
    n = int(max(0, np.ceil((limit - start) / delta)))
    return Spec((n,), dtype)


@op("Range", infer=_infer_range, differentiable=False)
def _range(xp, *, start, limit, delta, dtype):
    n = int(max(0, np.ceil((limit - start) / delta)))
    return (xp.arange(n, dtype=np.float64 if dtype.is_floating else np.int64) * delta
            + start).astype(dtype.np_dtype)


def range(start, limit=None, delta=1, dtype=None, name="range"):  # noqa: A001
    """[start, start + delta, ...) up to `limit` (exclusive) (`tf.range`). With one argument it
    counts from 0. The dtype is int32 for ints, float32 when any argument is a float."""
    if limit is None:
        start, limit = 0, start
    values = [_py_scalar(v) for v in (start, limit, delta)]
    if dtype is None:
        given = [v.dtype for v in (start, limit, delta) if hasattr(v, "dtype")]
        if given:
            order = [dtypes.int32, dtypes.int64, dtypes.float32, dtypes.float64]
            dtype = max((dtypes.as_dtype(g) for g in given), key=lambda d: order.index(d)
                        if d in order else 0)
            if any(isinstance(v, float) for v in values) and dtype.is_integer:
                dtype = dtypes.float32
        elif any(isinstance(v, float) for v in values):
            dtype = dtypes.float32
        else:
            dtype = dtypes.int32
    dtype = dtypes.as_dtype(dtype)
    if values[2] == 0:
        raise ValueError("Range: delta must not be 0")
    if (values[1] - values[0]) * values[2] < 0:
        from tensorweave.framework.errors import InvalidArgumentError

        sign = "start <= limit when delta > 0" if values[2] > 0 else "start >= limit when delta < 0"
        raise InvalidArgumentError(None, None, f"Requires {sign}: {values[0]}/{values[1]} "
                                               f"[Op:Range]")
    cast_ = float if dtype.is_floating else int
    return execute(_range, (), {"start": cast_(values[0]), "limit": cast_(values[1]),
                                "delta": cast_(values[2]), "dtype": dtype})
