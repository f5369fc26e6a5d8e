"""Shapes as values: tf.shape, shape_n, size, rank, broadcast_static/dynamic_shape.

While tracing, tf.shape is a Shape node whose inferred spec is an int vector of the input's rank;
the dims known statically are remembered as known values of it (see _array_util), so shapes
assembled from it keep them.
"""

from __future__ import annotations

import numpy as np

from tensorweave.framework import dtypes
from tensorweave.framework.errors import InvalidArgumentError
from tensorweave.framework.op_def import execute, op
from tensorweave.framework.tensor import Tensor
from tensorweave.framework.tensor_shape import TensorShape, as_shape
from tensorweave.ops import _infer
from tensorweave.ops._array_util import remember_value, static_ints
from tensorweave.ops._convert import tensor as to_tensor

__all__ = ["shape", "shape_n", "size", "rank", "broadcast_static_shape",
           "broadcast_dynamic_shape"]

Spec = _infer.Spec


# --- shape, size, rank ---------------------------------------------------------------------------
def _infer_shape(x, *, out_type):
    return Spec((None if x.shape is None else len(x.shape),), out_type)


@op("Shape", infer=_infer_shape, differentiable=False)
def _shape(xp, x, *, out_type):
    return xp.asarray(x.shape, dtype=out_type.np_dtype)


@op("Size", infer=lambda x, *, out_type: Spec((), out_type), differentiable=False)
def _size(xp, x, *, out_type):
    return xp.asarray(x.size, dtype=out_type.np_dtype)


@op("Rank", infer=lambda x: Spec((), dtypes.int32), differentiable=False)
def _rank(xp, x):
    return xp.asarray(x.ndim, dtype=np.int32)


def _out_type(out_type, op_name):
    out_type = dtypes.as_dtype(out_type)
    if out_type not in (dtypes.int32, dtypes.int64):
        raise TypeError(f"{op_name}: out_type must be int32 or int64, got {out_type.name}")
    return out_type


def shape(input, out_type=dtypes.int32, name=None) -> Tensor:  # noqa: A002
    """The shape of `input` as a 1-D int tensor; dynamic in traced functions (`tf.shape`)."""
    x = to_tensor(input)
    out = execute(_shape, (x,), {"out_type": _out_type(out_type, "Shape")})
    remember_value(out, x.shape.as_tuple())
    return out


def shape_n(input, out_type=dtypes.int32, name=None) -> list:  # noqa: A002
    """The shapes of a list of tensors (`tf.shape_n`)."""
    return [shape(t, out_type) for t in input]


def size(input, out_type=dtypes.int32, name=None) -> Tensor:  # noqa: A002
    """The number of elements of `input` as a scalar (`tf.size`): int32 unless `out_type`
    names another numeric dtype."""
    x = to_tensor(input)
    out_type = dtypes.as_dtype(out_type)
    if not (out_type.is_integer or out_type.is_floating):
        raise TypeError(f"Size: out_type must be a numeric dtype, got {out_type.name}")
    out = execute(_size, (x,), {"out_type": out_type})
    if out_type.is_integer:
        remember_value(out, x.shape.num_elements())
    return out


def rank(input, name=None) -> Tensor:  # noqa: A002
    """The number of dims of `input` as a scalar int32 tensor (`tf.rank`)."""
    x = to_tensor(input)
    out = execute(_rank, (x,), {})
    remember_value(out, x.shape.rank)
    return out


# --- static and dynamic broadcast shapes -----------------------------------------------------
def broadcast_static_shape(shape_x, shape_y) -> TensorShape:
    """The broadcast of two TensorShapes (`tf.broadcast_static_shape`)."""
    return TensorShape(_infer.broadcast(Spec(as_shape(shape_x).as_tuple(), None),
                                        Spec(as_shape(shape_y).as_tuple(), None)).shape)


def broadcast_dynamic_shape(shape_x, shape_y) -> Tensor:
    """The broadcast of two 1-D shape tensors, as an int32 tensor (`tf.broadcast_dynamic_shape`)."""
    x = static_ints(shape_x, "shape_x", "BroadcastArgs")
    y = static_ints(shape_y, "shape_y", "BroadcastArgs")
    try:
        out = np.broadcast_shapes(x, y)
    except ValueError as e:
        raise InvalidArgumentError(None, None, f"Incompatible shapes: {list(x)} vs. {list(y)} "
                                               f"[Op:BroadcastArgs]") from e
    dtype = shape_x.dtype if hasattr(shape_x, "dtype") else dtypes.int32
    return to_tensor(np.asarray(out, dtype=dtype.np_dtype))
