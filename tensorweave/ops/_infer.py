"""Shape and dtype inference shared by many ops. A spec is a `Spec(shape, dtype)` where shape is a
tuple whose dims are ints or None, or None when even the rank is unknown."""

from __future__ import annotations

from typing import NamedTuple

from tensorweave.framework import dtypes
from tensorweave.framework.tensor_shape import broadcast_dims


class Spec(NamedTuple):
    shape: tuple | None
    dtype: dtypes.DType


def same(x: Spec, **attrs) -> Spec:
    """The output looks like the (first) input: unary elementwise ops."""
    return x


def broadcast(x: Spec, y: Spec, **attrs) -> Spec:
    """Binary elementwise ops: broadcast shapes, the dtype of the inputs (they must agree)."""
    return Spec(broadcast_dims(x.shape, y.shape), x.dtype)


def broadcast_bool(x: Spec, y: Spec, **attrs) -> Spec:
    """Comparisons: broadcast shapes, bool result."""
    return Spec(broadcast_dims(x.shape, y.shape), dtypes.bool)


def unary_bool(x: Spec, **attrs) -> Spec:
    return Spec(x.shape, dtypes.bool)


def like(index: int = 0, dtype=None):
    """The output has the shape of input `index` (and its dtype unless one is given)."""
    def infer(*specs, **attrs):
        s = specs[index]
        return Spec(s.shape, s.dtype if dtype is None else dtype)
    return infer


def reduced(x: Spec, *, axis, keepdims: bool, **attrs) -> Spec:
    """Reductions over `axis` (None: all axes; a tuple of ints otherwise)."""
    return Spec(reduced_shape(x.shape, axis, keepdims), x.dtype)


def reduced_shape(shape, axis, keepdims: bool):
    if shape is None:
        return None
    rank = len(shape)
    if axis is not None and any(not -rank <= a < max(rank, 1) for a in axis):
        bad = next(a for a in axis if not -rank <= a < max(rank, 1))
        raise ValueError(f"Invalid reduction dimension {bad} for input with {rank} dimensions")
    axes = range(rank) if axis is None else {a % rank if rank else a for a in axis}
    if keepdims:
        return tuple(1 if i in axes else d for i, d in enumerate(shape))
    return tuple(d for i, d in enumerate(shape) if i not in axes)
