"""Creating tensors: tf.fill, zeros, ones, one_hot, range, eye, linspace."""

from __future__ import annotations

import builtins

import numpy as np

from tensorweave.framework import dtypes
from tensorweave.framework.constant_op import convert_to_tensor
from tensorweave.framework.op_def import execute, op
from tensorweave.framework.tensor import SymbolicTensor, Tensor
from tensorweave.ops import _infer
from tensorweave.ops._array_util import (eager_errors, known_value, normalize_axis, shape_parts,
                                        static_int, static_ints)
from tensorweave.ops._convert import tensor as to_tensor
from tensorweave.ops.math_ops import reduce_sum

__all__ = ["fill", "zeros", "ones", "one_hot", "range", "eye", "linspace"]

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


@eager_errors("Fill")
def fill(dims, value, name=None) -> Tensor:
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


@eager_errors("Fill")
def zeros(shape, dtype=dtypes.float32, name=None, layout=None) -> Tensor:
    """A tensor of `shape` filled with zeros (`tf.zeros`)."""
    return _filled(shape, dtype, 0, "Zeros")


@eager_errors("Fill")
def ones(shape, dtype=dtypes.float32, name=None, layout=None) -> Tensor:
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


@eager_errors("OneHot")
def one_hot(indices, depth, on_value=None, off_value=None, axis=None, dtype=None,
            name=None) -> Tensor:
    """A one-hot encoding of `indices` (-1 or out-of-range rows are all `off_value`)
    (`tf.one_hot`). The dtype comes from `dtype`, else on/off values, else float32."""
    idx = to_tensor(indices)
    if not idx.dtype.is_integer:
        raise TypeError(f"OneHot: indices must be integers, got {idx.dtype.name}")
    depth = static_int(depth, "depth", "OneHot")
    if depth < 0:
        raise ValueError(f"OneHot: depth must be non-negative, got {depth}")
    # TensorFlow's rule: on/off values and `dtype` must agree; unset, dtype follows them
    hint = None if dtype is None else dtypes.as_dtype(dtype)
    value_dtypes = {name: _value_dtype(v, hint) for name, v in
                    (("on_value", on_value), ("off_value", off_value)) if v is not None}
    if len(set(value_dtypes.values())) > 1:
        raise TypeError(f"dtype {value_dtypes['on_value']!r} of on_value does not match dtype "
                        f"{value_dtypes['off_value']!r} of off_value")
    if dtype is not None:
        dtype = dtypes.as_dtype(dtype)
        for name, d in value_dtypes.items():
            if d is not dtype:
                raise TypeError(f"dtype {d!r} of {name} does not match dtype parameter "
                                f"{dtype!r}")
    else:
        dtype = next(iter(value_dtypes.values()), dtypes.float32)
    on = 1 if on_value is None else _py_scalar(on_value)
    off = 0 if off_value is None else _py_scalar(off_value)
    axis = -1 if axis is None else int(axis)
    attrs = {"depth": depth, "on_value": on, "off_value": off, "axis": axis, "dtype": dtype}
    return execute(_one_hot, (idx,), attrs)


def _value_dtype(v, hint):
    """The dtype `v` converts to, preferring `hint` (a Python float never becomes an int)."""
    if isinstance(v, float) and hint is not None and not (hint.is_floating or hint.is_complex):
        return dtypes.float32
    return convert_to_tensor(v, dtype_hint=hint).dtype


def _py_scalar(v):
    if hasattr(v, "numpy"):
        v = v.numpy()
    return np.asarray(v).item()


def _range_length(start, limit, delta) -> int:
    return int(max(0, np.ceil((limit - start) / delta)))


def _infer_range(*bounds, start, limit, delta, dtype):
    if start is None or limit is None or delta is None:
        return Spec((None,), dtype)
    return Spec((_range_length(start, limit, delta),), dtype)


@op("Range", infer=_infer_range, differentiable=False)
def _range(xp, *bounds, start, limit, delta, dtype):
    """Static bounds come as attributes; bounds computed in a traced graph as three inputs."""
    if bounds:
        start, limit, delta = (b.item() for b in bounds)
        _check_range_args(start, limit, delta)
    n = _range_length(start, limit, delta)
    return (xp.arange(n, dtype=np.float64 if dtype.is_floating else np.int64) * delta
            + start).astype(dtype.np_dtype)


def _check_range_args(start, limit, delta):
    if delta == 0:
        raise ValueError("Requires delta != 0")
    if (limit - start) * delta < 0:
        sign = "start <= limit when delta > 0" if delta > 0 else "start >= limit when delta < 0"
        raise ValueError(f"Requires {sign}: {start}/{limit}")


def _range_dtype(args, values):
    given = [a.dtype for a in args if hasattr(a, "dtype")]
    if given:
        order = [dtypes.int32, dtypes.int64, dtypes.float32, dtypes.float64]
        dtype = max((dtypes.as_dtype(g) for g in given),
                    key=lambda d: order.index(d) if d in order else 0)
        if any(isinstance(v, float) for v in values) and dtype.is_integer:
            dtype = dtypes.float32
        return dtype
    return dtypes.float32 if any(isinstance(v, float) for v in values) else dtypes.int32


@eager_errors("Range")
def range(start, limit=None, delta=1, dtype=None, name="range") -> Tensor:  # noqa: A001
    """[start, start + delta, ...) up to `limit` (exclusive) (`tf.range`). With one argument it
    counts from 0. The dtype is int32 for ints, float32 when any argument is a float. In a
    traced function the bounds may be computed tensors (the length is then dynamic)."""
    if limit is None:
        start, limit = 0, start
    args = (start, limit, delta)
    values = [known_value(a) if isinstance(a, SymbolicTensor) else _py_scalar(a) for a in args]
    dtype = _range_dtype(args, values) if dtype is None else dtypes.as_dtype(dtype)
    if any(v is None for v in values):  # only the running graph knows a bound
        from tensorweave.ops.math_ops import cast

        bounds = tuple(cast(a, dtype) if isinstance(a, SymbolicTensor)
                       else to_tensor(np.asarray(v, dtype.np_dtype)) for a, v in zip(args, values))
        return execute(_range, bounds, {"start": None, "limit": None, "delta": None,
                                        "dtype": dtype})
    _check_range_args(*values)
    cast_ = float if dtype.is_floating else int
    return execute(_range, (), {"start": cast_(values[0]), "limit": cast_(values[1]),
                                "delta": cast_(values[2]), "dtype": dtype})


# --- eye, linspace -------------------------------------------------------------------------------
def _infer_eye(*, num_rows, num_columns, batch_shape, dtype):
    return Spec(batch_shape + (num_rows, num_columns), dtype)


@op("Eye", infer=_infer_eye, differentiable=False)
def _eye(xp, *, num_rows, num_columns, batch_shape, dtype):
    eye = xp.eye(num_rows, num_columns, dtype=dtype.np_dtype)
    return xp.broadcast_to(eye, batch_shape + eye.shape).copy() if batch_shape else eye


@eager_errors("Eye")
def eye(num_rows, num_columns=None, batch_shape=None, dtype=dtypes.float32, name=None) -> Tensor:
    """An identity matrix (ones on the diagonal), optionally batched (`tf.eye`)."""
    rows = static_int(num_rows, "num_rows", "Eye")
    cols = rows if num_columns is None else static_int(num_columns, "num_columns", "Eye")
    batch = () if batch_shape is None else static_ints(batch_shape, "batch_shape", "Eye")
    if rows < 0 or cols < 0 or any(b < 0 for b in batch):
        raise ValueError(f"Eye: sizes must be non-negative, got {rows}x{cols}, batch "
                         f"{list(batch)}")
    return execute(_eye, (), {"num_rows": rows, "num_columns": cols, "batch_shape": batch,
                              "dtype": dtypes.as_dtype(dtype)})


def _linspace_steps(xp, num, dtype):
    return xp.arange(num, dtype=dtype) / max(num - 1, 1)


def _infer_linspace(start, stop, *, num, axis):
    from tensorweave.framework.tensor_shape import broadcast_dims

    batch = broadcast_dims(start.shape, stop.shape)
    if batch is None:
        return Spec(None, start.dtype)
    rank = len(batch) + 1
    a = normalize_axis(axis, rank, "LinSpace")
    return Spec(batch[:a] + (num,) + batch[a:], start.dtype)


@op("LinSpace", infer=_infer_linspace)
def _linspace(xp, start, stop, *, num, axis):
    t = _linspace_steps(xp, num, start.dtype)
    out = start[..., None] + (stop - start)[..., None] * t
    if num > 1:
        out[..., -1] = stop  # exactly `stop` at the end, as TensorFlow gives
    return xp.moveaxis(out, -1, axis).astype(start.dtype, copy=False)


def _sum_to(xp, g, shape):
    lead = g.ndim - len(shape)
    axes = tuple(builtins.range(lead)) + tuple(
        i + lead for i, d in enumerate(shape) if d == 1 and g.shape[i + lead] != 1)
    return g.sum(axis=axes).reshape(shape) if axes else g


@op("LinSpaceGrad", num_outputs=2, differentiable=False,
    infer=lambda dy, start, stop, **a: (Spec(start.shape, dy.dtype), Spec(stop.shape, dy.dtype)))
def _linspace_grad_op(xp, dy, start, stop, *, num, axis):
    """Each output is start * (1 - t) + stop * t: dy weighted by (1 - t) and t."""
    t = _linspace_steps(xp, num, dy.dtype)
    d = xp.moveaxis(dy, axis, -1)
    gstart = _sum_to(xp, (d * (1 - t)).sum(-1), start.shape)
    gstop = _sum_to(xp, (d * t).sum(-1), stop.shape)
    return gstart.astype(dy.dtype, copy=False), gstop.astype(dy.dtype, copy=False)


@_linspace.def_grad
def _linspace_grad(op, dy):
    return execute(_linspace_grad_op, (dy,) + tuple(op.inputs), op.attrs)


@eager_errors("LinSpace")
def linspace(start, stop, num, name=None, axis=0) -> Tensor:
    """`num` evenly spaced values from `start` to `stop` inclusive (`tf.linspace`); start and
    stop may be tensors (broadcast together), the new dim placed at `axis`."""
    from tensorweave.ops._convert import binary
    from tensorweave.ops.math_ops import cast

    s, e = binary(start, stop, "LinSpace")
    if s.dtype.is_integer:
        s, e = cast(s, dtypes.float64), cast(e, dtypes.float64)
    elif not s.dtype.is_floating:
        raise TypeError(f"LinSpace: start and stop must be numbers, got {s.dtype.name}")
    num = static_int(num, "num", "LinSpace")
    if num < 0:
        raise ValueError(f"LinSpace: num must be non-negative, got {num}")
    axis = static_int(axis, "axis", "LinSpace")
    spec = _infer_linspace(Spec(s.shape.as_tuple(), s.dtype), Spec(e.shape.as_tuple(), e.dtype),
                           num=num, axis=axis)
    if spec.shape is not None:
        axis = normalize_axis(axis, len(spec.shape), "LinSpace")
    return execute(_linspace, (s, e), {"num": num, "axis": axis})
