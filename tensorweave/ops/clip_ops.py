"""Clipping: tf.clip_by_value, tf.clip_by_norm, tf.clip_by_global_norm, tf.linalg.global_norm,
tf.saturate_cast.

Composites of the math ops, so their gradients come for free. Gradients that are
`tf.IndexedSlices` (embeddings) stay sparse: their values are scaled, their indices kept.
"""

from __future__ import annotations

import numpy as np

from tensorweave.framework import dtypes
from tensorweave.framework.indexed_slices import IndexedSlices
from tensorweave.framework.tensor import Tensor
from tensorweave.ops._convert import tensor
from tensorweave.ops.binary_ops import greater, maximum, minimum
from tensorweave.ops.math_core import add, cast, divide, multiply, reduce_sum, subtract
from tensorweave.ops.unary_ops import real, sqrt

__all__ = ["clip_by_value", "clip_by_norm", "clip_by_global_norm", "global_norm", "saturate_cast"]


def _values(t):
    return t.values if isinstance(t, IndexedSlices) else tensor(t)


def _scaled(t, scale):
    """`t * scale`, keeping an IndexedSlices sparse."""
    if isinstance(t, IndexedSlices):
        values = multiply(t.values, cast(scale, t.values.dtype))
        return IndexedSlices(values, t.indices, t.dense_shape)
    t = tensor(t)
    return multiply(t, cast(scale, t.dtype))


def _like(value, ref):
    """A clip bound as a tensor of `ref`'s dtype (Python numbers take it; tensors must match)."""
    if isinstance(value, (int, float)):
        return tensor(value, ref.dtype)
    value = tensor(value)
    if value.dtype is not ref.dtype:
        raise TypeError(f"clip_by_value: the clip bound has dtype {value.dtype.name} but "
                        f"t has dtype {ref.dtype.name}")
    return value


def clip_by_value(t, clip_value_min, clip_value_max, name=None) -> Tensor | IndexedSlices:
    """`t` with every value below `clip_value_min` raised to it and above `clip_value_max`
    lowered to it (`tf.clip_by_value`). The bounds broadcast against `t` but may not enlarge it.
    The gradient passes where the value was inside the bounds."""
    if isinstance(t, IndexedSlices):
        values = clip_by_value(t.values, clip_value_min, clip_value_max)
        return IndexedSlices(values, t.indices, t.dense_shape)
    t = tensor(t)
    if t.dtype.is_complex or t.dtype is dtypes.bool or t.dtype is dtypes.string:
        raise TypeError(f"clip_by_value does not support dtype {t.dtype.name}")
    out = maximum(minimum(t, _like(clip_value_max, t)), _like(clip_value_min, t))
    if not out.shape.is_compatible_with(t.shape):
        raise ValueError(f"clip_by_value: the bounds would broadcast t's shape {t.shape} to "
                         f"{out.shape}")
    return out


def _safe_norm(squares):
    """sqrt(squares) whose gradient is 0, not NaN, where squares is 0."""
    positive = cast(greater(squares, tensor(0, squares.dtype)), squares.dtype)
    one_where_zero = subtract(tensor(1, squares.dtype), positive)
    return multiply(sqrt(add(squares, one_where_zero)), positive)


def clip_by_norm(t, clip_norm, axes=None, name=None) -> Tensor | IndexedSlices:
    """`t * clip_norm / max(l2norm(t), clip_norm)`, the norm taken over `axes` (all when None)
    (`tf.clip_by_norm`): tensors already within the norm are returned unchanged."""
    values = _values(t)
    if not (values.dtype.is_floating or values.dtype.is_complex):
        raise TypeError(f"clip_by_norm expects a floating tensor, got {values.dtype.name}")
    clip_norm = cast(tensor(clip_norm), values.dtype)
    if clip_norm.shape.rank not in (0, None):
        raise ValueError(f"clip_norm must be a scalar, got shape {clip_norm.shape}")
    norm = _safe_norm(reduce_sum(multiply(values, values), axis=axes, keepdims=True))
    return _scaled(t, divide(clip_norm, maximum(norm, clip_norm)))


def global_norm(t_list, name=None) -> Tensor:
    """sqrt of the sum of the squared L2 norms of every tensor in `t_list`, skipping None
    (`tf.linalg.global_norm`)."""
    if not isinstance(t_list, (list, tuple)):
        raise TypeError(f"t_list should be a sequence of tensors, got {type(t_list).__name__}")
    total = None
    for t in t_list:
        if t is None:
            continue
        v = _values(t)
        squares = reduce_sum(multiply(v, v))
        if total is not None:
            squares = cast(squares, total.dtype)
        total = squares if total is None else add(total, squares)
    if total is None:
        return tensor(0.0)
    return sqrt(total)


def clip_by_global_norm(t_list, clip_norm, use_norm=None, name=None) -> tuple:
    """Scales every tensor of `t_list` by clip_norm / max(global_norm, clip_norm) and returns
    `(list_clipped, global_norm)` (`tf.clip_by_global_norm`). None entries stay None; a
    non-finite global norm makes every value NaN, as in TensorFlow."""
    if not isinstance(t_list, (list, tuple)):
        raise TypeError(f"t_list should be a sequence of tensors, got {type(t_list).__name__}")
    t_list = list(t_list)
    norm = global_norm(t_list) if use_norm is None else tensor(use_norm)
    clip = cast(tensor(clip_norm), norm.dtype)
    one = tensor(1, norm.dtype)
    scale = multiply(clip, minimum(divide(one, norm), divide(one, clip)))
    # norm - norm is 0 for a finite norm and NaN for inf or NaN: TensorFlow's NaN propagation
    scale = add(scale, subtract(norm, norm))
    return [None if t is None else _scaled(t, scale) for t in t_list], norm


def _bound_in(value, src):
    """`value` (a limit of the target dtype) as the nearest number of dtype `src` that does not
    pass it: float32 rounds int32's max 2**31 - 1 up to 2**31, which would overflow the cast."""
    np_src = src.np_dtype
    v = np.asarray(value, dtype=np_src)
    if src.is_floating and abs(float(v)) > abs(float(value)):
        v = np.nextafter(v, np.asarray(0, dtype=np_src))
    return v[()]


def saturate_cast(value, dtype, name=None) -> Tensor:
    """`value` cast to `dtype`, first clipped to the range `dtype` can hold, so that nothing
    wraps around (`tf.saturate_cast`). Complex to real keeps the real part."""
    value = tensor(value)
    dtype = dtypes.as_dtype(dtype)
    if value.dtype.is_complex and not dtype.is_complex:
        value = real(value)
    src = value.dtype
    if src.is_bool or src is dtypes.string or dtype.is_bool or dtype is dtypes.string:
        return cast(value, dtype)
    if not dtype.is_complex and src.min < dtype.min:
        value = maximum(value, tensor(_bound_in(dtype.min, src), src))
    if not dtype.is_complex and src.max > dtype.max:
        value = minimum(value, tensor(_bound_in(dtype.max, src), src))
    return cast(value, dtype)
