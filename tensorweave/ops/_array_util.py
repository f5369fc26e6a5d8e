"""Argument helpers shared by the array op modules: static ints, shapes that may be dynamic."""

from __future__ import annotations

import functools
import weakref

import numpy as np

from tensorweave.framework.context import ctx
from tensorweave.framework.errors import InvalidArgumentError
from tensorweave.framework.tensor import SymbolicTensor, Tensor
from tensorweave.framework.tensor_shape import TensorShape


def is_symbolic(x) -> bool:
    return isinstance(x, SymbolicTensor)


def static_int(value, what: str, op_name: str) -> int:
    """A Python int from an int, a NumPy integer or an eager scalar integer tensor."""
    if type(value) is int:
        return value
    if isinstance(value, SymbolicTensor):
        known = known_value(value)  # e.g. tf.shape(x)[-1] where that dim is static
        if isinstance(known, int):
            return known
        raise NotImplementedError(
            f"{op_name}: {what} computed inside a traced function is not supported; pass a "
            f"Python int or a constant tensor (got {value!r}).")
    if hasattr(value, "numpy"):
        value = value.numpy()
    arr = np.asarray(value)
    if arr.ndim != 0 or arr.dtype.kind not in "iu":
        raise TypeError(f"{op_name}: {what} must be an integer scalar, got {value!r}")
    return int(arr)


def static_ints(value, what: str, op_name: str) -> tuple:
    """A tuple of Python ints from a list, tuple, TensorShape, array or eager tensor."""
    if type(value) in (list, tuple) and all(type(v) is int for v in value):
        return tuple(value)
    if isinstance(value, SymbolicTensor):
        known = known_value(value)
        if isinstance(known, tuple) and None not in known:
            return known
        raise NotImplementedError(
            f"{op_name}: {what} computed inside a traced function is not supported; pass Python "
            f"ints or a constant tensor (got {value!r}).")
    if isinstance(value, TensorShape):
        if not value.is_fully_defined():
            raise ValueError(f"{op_name}: {what} must be fully defined, got {value}")
        return tuple(value.as_list())
    if isinstance(value, (list, tuple)):
        out = []
        for v in value:
            if isinstance(v, (list, tuple)) or getattr(v, "ndim", 0):
                out.extend(static_ints(v, what, op_name))
            else:
                out.append(static_int(v, what, op_name))
        return tuple(out)
    if hasattr(value, "numpy"):
        value = value.numpy()
    arr = np.asarray(value)
    if arr.size and arr.dtype.kind not in "iu":
        raise TypeError(f"{op_name}: {what} must be integers, got {value!r}")
    return tuple(int(v) for v in arr.reshape(-1))


def shape_parts(value, op_name: str):
    """A shape argument as (static, dynamic): `static` a tuple of ints with None where only the
    running graph knows the dim; `dynamic` a symbolic int tensor when some dim is symbolic, else
    None. Accepts lists mixing ints and scalar tensors, TensorShapes, and 1-D tensors."""
    if isinstance(value, TensorShape):
        if value.rank is None:
            raise ValueError(f"{op_name}: the shape must have a known rank, got {value}")
        dims = value.as_list()
        if None in dims:
            raise ValueError(f"{op_name}: the shape must be fully defined, got {value}")
        return tuple(dims), None
    if isinstance(value, SymbolicTensor):
        n = value.shape.rank and value.shape[0]
        if value.shape.rank != 1 or n is None:
            raise ValueError(f"{op_name}: a symbolic shape must be a 1-D tensor of known length, "
                             f"got shape {value.shape}")
        known = known_value(value)
        if known is not None and None not in known:
            return tuple(known), None
        return (known or (None,) * n), value
    if isinstance(value, (list, tuple)) and any(isinstance(v, SymbolicTensor) for v in value):
        static = tuple(known_value(v) if isinstance(v, SymbolicTensor) and v.shape.rank == 0
                       else None if isinstance(v, SymbolicTensor)
                       else static_int(v, "a shape entry", op_name) for v in value)
        if None not in static:
            return static, None
        # array_ops is built on this module, so its ops are imported where first needed
        from tensorweave.framework import dtypes
        from tensorweave.ops._convert import tensor
        from tensorweave.ops.array_ops import reshape, stack
        from tensorweave.ops.math_ops import cast

        parts = [reshape(cast(v, dtypes.int32), ()) if isinstance(v, SymbolicTensor)
                 else tensor(np.int32(d)) for v, d in zip(value, static)]
        return static, stack(parts)
    return static_ints(value, "the shape", op_name), None


def normalize_axis(axis: int, rank, op_name: str) -> int:
    """`axis` in [0, rank) (negative counts from the end); rank None leaves it as given."""
    if rank is None:
        return axis
    if not -rank <= axis < rank:
        raise ValueError(f"{op_name}: axis {axis} is out of range for a tensor of rank {rank} "
                         f"(expected [{-rank}, {rank}))")
    return axis % rank


def prod(dims):
    n = 1
    for d in dims:
        n *= d
    return n


def eager_errors(op_name: str):
    """Decorates a public wrapper so that its argument checks raise what TensorFlow raises:
    InvalidArgumentError when running eagerly, ValueError while building a graph."""
    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except ValueError as e:
                if ctx.graph is not None or _any_symbolic(args) or _any_symbolic(kwargs.values()):
                    raise
                raise InvalidArgumentError(None, None, f"{e} [Op:{op_name}]") from e
        return wrapper
    return decorate


def _any_symbolic(values) -> bool:
    for v in values:
        if isinstance(v, SymbolicTensor):
            return True
        if isinstance(v, (list, tuple)) and _any_symbolic(v):
            return True
    return False


# --- partially known values of symbolic int tensors ----------------------------------------------
# While tracing, `tf.shape(x)` is a symbolic tensor, but the dims of x known statically are known
# values of it. Remembering them (and passing them through slicing, concat and stack) lets
# `tf.zeros(tf.shape(x)[1:])` or `tf.reshape(y, [-1, tf.shape(x)[-1]])` keep static dims, as
# TensorFlow's partial constant evaluation does.
_PARTIAL: dict = {}


def remember_value(t, value) -> None:
    """Records what is known of the symbolic `t`'s value: an int or None for a scalar, a tuple
    of ints/None for a vector."""
    if not isinstance(t, SymbolicTensor) or value is None:
        return
    key = id(t)
    _PARTIAL[key] = (weakref.ref(t, lambda _, k=key: _PARTIAL.pop(k, None)), value)


def known_value(t):
    """What is known of `t`'s value: ints (with None where unknown) for eager tensors and
    remembered symbolic ones, None when nothing is."""
    if isinstance(t, SymbolicTensor):
        entry = _PARTIAL.get(id(t))
        return entry[1] if entry is not None and entry[0]() is t else None
    if isinstance(t, Tensor) and t.dtype.is_integer and t.ndim <= 1:
        v = t.numpy()
        return int(v) if t.ndim == 0 else tuple(int(d) for d in v.tolist())
    if isinstance(t, (int, np.integer)) and not isinstance(t, bool):
        return int(t)
    return None


def as_array(xp, value, like):
    """`value` as an array of `like`'s dtype: NumPy indexing gives a scalar, not a 0-d array,
    when every dim is indexed away (and a bare `bytes` for string tensors)."""
    if isinstance(value, xp.ndarray):
        return value
    return xp.asarray(value, dtype=like.dtype)
