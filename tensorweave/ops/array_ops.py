"""Array ops: reshaping, joining, reversing, tiling, broadcasting and selecting.

The rest of the family lives in sibling modules, re-exported from here so that
`tensorweave.ops.array_ops` is the whole family: shape_ops (tf.shape, size, rank), fill_ops
(fill, zeros, ones, one_hot, range, eye, linspace), pad_ops, slicing (strided_slice, slice,
`Tensor.__getitem__`), gather_ops (gather, gather_nd, scatters, boolean_mask, embedding_lookup),
array_extra (split, roll, repeat, sequence ops, partition/stitch) and sort_ops.

Ops whose output shape is a value (Reshape, Fill, BroadcastTo, Tile) take it as a static
attribute; when a traced function computes part of it (`tf.reshape(x, [tf.shape(x)[0], -1])`),
the wrapper also passes it as a second, symbolic input and the attribute keeps what is known
(None elsewhere).
"""

from __future__ import annotations

import builtins

import numpy as np

from tensorweave.framework import dtypes
from tensorweave.framework.context import ctx
from tensorweave.framework.op_def import execute, op
from tensorweave.framework.tensor import Tensor, is_tensor
from tensorweave.ops import _infer
from tensorweave.ops._array_util import (as_array, eager_errors, known_value, normalize_axis,
                                        prod, remember_value, shape_parts, static_int,
                                        static_ints)
from tensorweave.ops._convert import tensor as to_tensor
from tensorweave.ops.math_ops import _reshape_like, sum_to_shape_of, zeros_like

__all__ = ["transpose", "reshape", "expand_dims", "squeeze", "concat", "stack", "unstack",
           "reverse", "pad", "tile", "broadcast_to",
           "where", "stop_gradient", "identity_n"]

Spec = _infer.Spec


def _dynamic_dims(xp, arr, static):
    """The dims to use at run time: the static attribute when complete, else the shape input."""
    if arr is None:
        return static
    return tuple(int(d) for d in arr.tolist())


# --- transpose -----------------------------------------------------------------------------------
def _infer_transpose(x, *, perm):
    if x.shape is None:
        return Spec(None if perm is None else (None,) * len(perm), x.dtype)
    perm = perm if perm is not None else tuple(reversed(builtins.range(len(x.shape))))
    if sorted(p % max(len(x.shape), 1) for p in perm) != list(builtins.range(len(x.shape))):
        raise ValueError(f"Transpose: perm {list(perm)} is not a permutation of the {len(x.shape)}"
                         f" dims of a tensor of shape {list(x.shape)}")
    return Spec(tuple(x.shape[p] for p in perm), x.dtype)


@op("Transpose", infer=_infer_transpose)
def _transpose(xp, x, *, perm):
    return xp.transpose(x, perm)


@eager_errors("Transpose")
def transpose(a, perm=None, conjugate=False, name="transpose") -> Tensor:
    """Permutes the dimensions of `a` (reverses them when `perm` is None) (`tf.transpose`)."""
    a = to_tensor(a)
    if perm is not None:
        perm = static_ints(perm, "perm", "Transpose")
    out = execute(_transpose, (a,), {"perm": perm})
    if conjugate and a.dtype.is_complex:
        from tensorweave.ops.math_ops import _conj

        out = _conj(out)
    return out


@_transpose.def_grad
def _transpose_grad(op, dy):
    perm = op.attrs["perm"]
    if perm is None:
        return (execute(_transpose, (dy,), {"perm": None}),)
    inverse = [0] * len(perm)
    for i, p in enumerate(perm):
        inverse[p % len(perm)] = i
    return (execute(_transpose, (dy,), {"perm": tuple(inverse)}),)


# --- reshape -------------------------------------------------------------------------------------
def _infer_reshape(x, shape_t=None, *, shape):
    if sum(1 for d in shape if d == -1) > 1:
        raise ValueError(f"Reshape: only one dimension can be -1, got {list(shape)}")
    out = [None if d == -1 else d for d in shape]
    known_out = [d for d in out if d is not None]
    target = prod(known_out)
    if x.shape is None:
        return Spec(tuple(out), x.dtype)
    known_in = [d for d in x.shape if d is not None]
    source = prod(known_in)
    if len(known_in) == len(x.shape):  # every input dim known: the -1 can be solved
        if -1 in shape and len(known_out) == len(out) - 1:
            if (target == 0 and source != 0) or (target and source % target):
                raise ValueError(f"Reshape: cannot reshape a tensor with {source} elements to "
                                 f"shape {list(shape)}")
            out[shape.index(-1)] = source // target if target else 0
        elif None not in out and source != target:
            raise ValueError(f"Reshape: cannot reshape a tensor with {source} elements to shape "
                             f"{list(shape)} ({target} elements)")
    elif None not in out and source and target % source:
        raise ValueError(f"Reshape: dimension size must be evenly divisible by {source} but is "
                         f"{target} (input shape {list(x.shape)}, shape {list(shape)})")
    return Spec(tuple(out), x.dtype)


@op("Reshape", infer=_infer_reshape)
def _reshape(xp, x, shape_t=None, *, shape):
    dims = _dynamic_dims(xp, shape_t, shape)
    want = prod(d for d in dims if d != -1)
    if -1 in dims:
        if want == 0 or x.size % want:
            raise ValueError(f"Input to reshape is a tensor with {x.size} values, but the "
                             f"requested shape requires a multiple of {want}")
    elif want != x.size:
        raise ValueError(f"Input to reshape is a tensor with {x.size} values, but the requested "
                         f"shape has {want}")
    return x.reshape(dims)


@eager_errors("Reshape")
def reshape(tensor, shape, name=None) -> Tensor:  # noqa: D417 - TensorFlow's signature
    """`tensor` with the same values in a new shape; one dim may be -1 (`tf.reshape`)."""
    x = to_tensor(tensor)
    static, dynamic = shape_parts(shape, "Reshape")
    if dynamic is None:
        return execute(_reshape, (x,), {"shape": static})
    return execute(_reshape, (x, dynamic), {"shape": static})


@_reshape.def_grad
def _reshape_grad(op, dy):
    dx = execute(_reshape_like, (dy, op.inputs[0]), {})
    return (dx,) if len(op.inputs) == 1 else (dx, None)


# --- expand_dims / squeeze -----------------------------------------------------------------------
def _infer_expand_dims(x, *, axis):
    if x.shape is None:
        return Spec(None, x.dtype)
    rank = len(x.shape) + 1
    a = normalize_axis(axis, rank, "ExpandDims")
    return Spec(x.shape[:a] + (1,) + x.shape[a:], x.dtype)


@op("ExpandDims", infer=_infer_expand_dims)
def _expand_dims(xp, x, *, axis):
    return xp.expand_dims(x, axis)


@eager_errors("ExpandDims")
def expand_dims(input, axis, name=None) -> Tensor:  # noqa: A002 - TensorFlow's argument name
    """`input` with a new dim of size 1 at `axis` (`tf.expand_dims`)."""
    x = to_tensor(input)
    axis = static_int(axis, "axis", "ExpandDims")
    if x.shape.rank is not None:
        normalize_axis(axis, x.shape.rank + 1, "ExpandDims")
    return execute(_expand_dims, (x,), {"axis": axis})


def _reshape_back_grad(op, dy):
    return (execute(_reshape_like, (dy, op.inputs[0]), {}),)


_expand_dims.def_grad(_reshape_back_grad)


def _infer_squeeze(x, *, axis):
    if x.shape is None:
        return Spec(None, x.dtype)
    if axis is None:
        if None in x.shape:
            return Spec(None, x.dtype)
        return Spec(tuple(d for d in x.shape if d != 1), x.dtype)
    axes = {normalize_axis(a, len(x.shape), "Squeeze") for a in axis}
    for a in axes:
        if x.shape[a] not in (None, 1):
            raise ValueError(f"Can not squeeze dim[{a}], expected a dimension of 1, got "
                             f"{x.shape[a]} (shape {list(x.shape)})")
    return Spec(tuple(d for i, d in enumerate(x.shape) if i not in axes), x.dtype)


@op("Squeeze", infer=_infer_squeeze)
def _squeeze(xp, x, *, axis):
    if axis is None:
        return x.reshape(tuple(d for d in x.shape if d != 1))
    axes = {normalize_axis(a, x.ndim, "Squeeze") for a in axis}
    for a in axes:
        if x.shape[a] != 1:
            raise ValueError(f"Can not squeeze dim[{a}], expected a dimension of 1, got "
                             f"{x.shape[a]}")
    return x.reshape(tuple(d for i, d in enumerate(x.shape) if i not in axes))


@eager_errors("Squeeze")
def squeeze(input, axis=None, name=None) -> Tensor:  # noqa: A002
    """`input` without its dims of size 1 (only those in `axis` when given) (`tf.squeeze`)."""
    x = to_tensor(input)
    if axis is not None:
        axis = (static_int(axis, "axis", "Squeeze"),) if not isinstance(axis, (list, tuple)) \
            else static_ints(axis, "axis", "Squeeze")
    return execute(_squeeze, (x,), {"axis": axis})


_squeeze.def_grad(_reshape_back_grad)


# --- concat / stack / unstack --------------------------------------------------------------------
def _infer_concat(*xs, axis):
    ranks = {len(s.shape) for s in xs if s.shape is not None}
    if len(ranks) > 1:
        raise ValueError(f"ConcatV2: all inputs must have the same rank, got shapes "
                         f"{[s.shape for s in xs]}")
    dtype = xs[0].dtype
    if any(s.dtype is not dtype for s in xs):
        raise TypeError(f"ConcatV2: all inputs must have one dtype, got "
                        f"{[s.dtype.name for s in xs]}")
    if not ranks:
        return Spec(None, dtype)
    rank = ranks.pop()
    a = normalize_axis(axis, rank, "ConcatV2")
    out = []
    for i in builtins.range(rank):
        dims = [s.shape[i] if s.shape is not None else None for s in xs]
        if i == a:
            out.append(None if None in dims else sum(dims))
        else:
            known = {d for d in dims if d is not None}
            if len(known) > 1:
                raise ValueError(f"ConcatV2: dimension {i} must be equal in all inputs, got "
                                 f"shapes {[list(s.shape) for s in xs if s.shape is not None]}")
            out.append(known.pop() if known else None)
    return Spec(tuple(out), dtype)


@op("ConcatV2", infer=_infer_concat)
def _concat(xp, *xs, axis):
    return xp.concatenate(xs, axis=axis)


def _pack_inputs(values, op_name):
    """The list's tensors, of one dtype: Python values take the dtype of the tensors among them
    (as TensorFlow converts them), or a common one when there are none."""
    if not isinstance(values, (list, tuple)):
        values = [values]
    if not values:
        raise ValueError(f"{op_name}: expected a non-empty list of tensors")
    given = next((v.dtype for v in values if is_tensor(v) or isinstance(v, np.ndarray)), None)
    if given is None and all(isinstance(v, (int, float, bool, complex)) for v in values):
        given = to_tensor(list(values)).dtype  # scalars: the dtype of them all, e.g. [1, 2.]
    ts = [to_tensor(v) if given is None or is_tensor(v) or isinstance(v, np.ndarray)
          else to_tensor(v, dtypes.as_dtype(given)) for v in values]
    dtype = ts[0].dtype
    for t in ts[1:]:
        if t.dtype is not dtype:
            raise TypeError(f"{op_name}: all tensors must have one dtype, got "
                            f"{[v.dtype.name for v in ts]}")
    return ts


@eager_errors("ConcatV2")
def concat(values, axis, name="concat") -> Tensor:
    """The tensors of `values` joined along the existing dim `axis` (`tf.concat`)."""
    ts = _pack_inputs(values, "ConcatV2")
    axis = static_int(axis, "axis", "ConcatV2")
    if len(ts) == 1:
        return ts[0]
    if ctx.graph is not None or any(t.is_symbolic for t in ts):  # eager: the kernel checks
        _infer_concat(*[Spec(t.shape.as_tuple(), t.dtype) for t in ts], axis=axis)
    out = execute(_concat, tuple(ts), {"axis": axis})
    if out.is_symbolic and out.shape.rank == 1:  # a shape being assembled: keep what is known
        known = [known_value(t) for t in ts]
        if all(isinstance(k, tuple) for k in known):
            remember_value(out, sum(known, ()))
    return out


def _infer_concat_grad(dy, *xs, axis):
    return tuple(Spec(x.shape, dy.dtype) for x in xs)


@op("ConcatGrad", infer=_infer_concat_grad, num_outputs=None)
def _concat_grad_op(xp, dy, *xs, axis):
    """Splits a concat's gradient into pieces of each input's size along `axis`."""
    bounds = np.cumsum([x.shape[axis] for x in xs])[:-1].tolist()
    return tuple(xp.split(dy, bounds, axis=axis))


@_concat.def_grad
def _concat_grad(op, dy):
    return execute(_concat_grad_op, (dy,) + tuple(op.inputs), {"axis": op.attrs["axis"]})


@_concat_grad_op.def_grad
def _concat_grad_op_grad(op, *dys):
    return (execute(_concat, tuple(dys), {"axis": op.attrs["axis"]}),) + (None,) * (
        len(op.inputs) - 1)


def _infer_pack(*xs, axis):
    dtype = xs[0].dtype
    shapes = [s.shape for s in xs if s.shape is not None]
    if not shapes:
        return Spec(None, dtype)
    rank = len(shapes[0])
    out = []
    for i in builtins.range(rank):
        known = {s[i] for s in shapes if len(s) > i and s[i] is not None}
        if len(known) > 1 or any(len(s) != rank for s in shapes):
            raise ValueError(f"Pack: shapes of all inputs must match, got "
                             f"{[list(s) for s in shapes]}")
        out.append(known.pop() if known else None)
    a = normalize_axis(axis, rank + 1, "Pack")
    return Spec(tuple(out[:a]) + (len(xs),) + tuple(out[a:]), dtype)


@op("Pack", infer=_infer_pack)
def _pack(xp, *xs, axis):
    return xp.stack(xs, axis=axis)


@eager_errors("Pack")
def stack(values, axis=0, name="stack") -> Tensor:
    """The tensors of `values` (one shape) joined along a new dim `axis` (`tf.stack`)."""
    ts = _pack_inputs(values, "Pack")
    axis = static_int(axis, "axis", "Pack")
    if ctx.graph is not None or any(t.is_symbolic for t in ts):
        _infer_pack(*[Spec(t.shape.as_tuple(), t.dtype) for t in ts], axis=axis)
    out = execute(_pack, tuple(ts), {"axis": axis})
    if out.is_symbolic and out.shape.rank == 1:
        known = [known_value(t) for t in ts]
        if not any(isinstance(k, tuple) for k in known):
            remember_value(out, tuple(known))
    return out


def _infer_unpack(x, *, num, axis):
    if x.shape is None:
        return tuple(Spec(None, x.dtype) for _ in builtins.range(num))
    a = normalize_axis(axis, len(x.shape), "Unpack")
    if x.shape[a] is not None and x.shape[a] != num:
        raise ValueError(f"Unpack: dimension {a} has size {x.shape[a]}, expected {num}")
    rest = x.shape[:a] + x.shape[a + 1:]
    return tuple(Spec(rest, x.dtype) for _ in builtins.range(num))


@op("Unpack", infer=_infer_unpack, num_outputs=None)
def _unpack(xp, x, *, num, axis):
    if x.shape[axis] != num:
        raise ValueError(f"Input dimension {axis} has size {x.shape[axis]}, expected {num}")
    return tuple(as_array(xp, xp.take(x, i, axis=axis), x) for i in builtins.range(num))


def unstack(value, num=None, axis=0, name="unstack") -> list:
    """The slices of `value` along `axis`, as a list of tensors (`tf.unstack`)."""
    x = to_tensor(value)
    axis = static_int(axis, "axis", "Unpack")
    if x.shape.rank is None:
        raise ValueError("Unpack: the input's rank must be known")
    axis = normalize_axis(axis, x.shape.rank, "Unpack")
    if num is None:
        num = x.shape[axis]
        if num is None:
            raise ValueError(f"Cannot infer argument `num` from shape {x.shape}")
    return list(execute(_unpack, (x,), {"num": int(num), "axis": axis}))


@_pack.def_grad
def _pack_grad(op, dy):
    return execute(_unpack, (dy,), {"num": len(op.inputs), "axis": op.attrs["axis"]})


@_unpack.def_grad
def _unpack_grad(op, *dys):
    return (execute(_pack, tuple(dys), {"axis": op.attrs["axis"]}),)


# --- reverse / tile / broadcast_to ---------------------------------------------------------------
@op("ReverseV2", infer=_infer.same)
def _reverse(xp, x, *, axis):
    return xp.flip(x, axis) if axis else x


@eager_errors("ReverseV2")
def reverse(tensor, axis, name=None) -> Tensor:
    """`tensor` with the order of its elements reversed along each dim of `axis` (`tf.reverse`)."""
    x = to_tensor(tensor)
    axes = static_ints(axis, "axis", "ReverseV2")
    if x.shape.rank is not None:
        axes = tuple(normalize_axis(a, x.shape.rank, "ReverseV2") for a in axes)
    if len(set(axes)) != len(axes):
        raise ValueError(f"ReverseV2: axis {list(axes)} has duplicates")
    return execute(_reverse, (x,), {"axis": axes})


@_reverse.def_grad
def _reverse_grad(op, dy):
    return (execute(_reverse, (dy,), op.attrs),)


def _infer_tile(x, multiples_t=None, *, multiples):
    if x.shape is None:
        return Spec((None,) * len(multiples), x.dtype)
    if len(multiples) != len(x.shape):
        raise ValueError(f"Tile: expected multiples of length {len(x.shape)}, got "
                         f"{list(multiples)}")
    return Spec(tuple(None if d is None or m is None else d * m
                      for d, m in zip(x.shape, multiples)), x.dtype)


@op("Tile", infer=_infer_tile)
def _tile(xp, x, multiples_t=None, *, multiples):
    reps = _dynamic_dims(xp, multiples_t, multiples)
    if len(reps) != x.ndim:
        raise ValueError(f"Expected multiples argument to be a vector of length {x.ndim} but "
                         f"got length {len(reps)}")
    if any(m < 0 for m in reps):
        raise ValueError(f"Expected multiples to be non-negative, got {list(reps)}")
    return xp.tile(x, reps)


@eager_errors("Tile")
def tile(input, multiples, name=None) -> Tensor:  # noqa: A002
    """`input` repeated `multiples[i]` times along each dim i (`tf.tile`)."""
    x = to_tensor(input)
    static, dynamic = shape_parts(multiples, "Tile")
    if any(m is not None and m < 0 for m in static):
        raise ValueError(f"Tile: multiples must be non-negative, got {list(static)}")
    inputs = (x,) if dynamic is None else (x, dynamic)
    return execute(_tile, inputs, {"multiples": static})


@op("TileGrad", infer=lambda dy, x, *m, multiples: Spec(x.shape, dy.dtype))
def _tile_grad_op(xp, dy, x, *multiples_t, multiples):
    """Sums a tile's gradient over its copies: dy viewed as (m0, d0, m1, d1, ...)."""
    split = []
    for big, d in zip(dy.shape, x.shape):
        split += [big // d if d else 0, d]
    return dy.reshape(split).sum(axis=tuple(builtins.range(0, 2 * x.ndim, 2))).astype(
        dy.dtype, copy=False)


@_tile.def_grad
def _tile_grad(op, dy):
    x, *rest = op.inputs
    return (execute(_tile_grad_op, (dy, x, *rest), op.attrs),) + (None,) * len(rest)


@_tile_grad_op.def_grad
def _tile_grad_op_grad(op, ddx):
    _, _, *rest = op.inputs
    return (execute(_tile, (ddx, *rest), op.attrs), None) + (None,) * len(rest)


def _infer_broadcast_to(x, shape_t=None, *, shape):
    if x.shape is not None:
        _infer.broadcast(x, Spec(shape, x.dtype))  # raises on incompatible shapes
        if len(x.shape) > len(shape):
            raise ValueError(f"BroadcastTo: cannot broadcast shape {list(x.shape)} to "
                             f"{list(shape)}")
    return Spec(shape, x.dtype)


@op("BroadcastTo", infer=_infer_broadcast_to)
def _broadcast_to(xp, x, shape_t=None, *, shape):
    return xp.broadcast_to(x, _dynamic_dims(xp, shape_t, shape))


@eager_errors("BroadcastTo")
def broadcast_to(input, shape, name=None) -> Tensor:  # noqa: A002
    """`input` broadcast to `shape` (NumPy's broadcasting rules) (`tf.broadcast_to`)."""
    x = to_tensor(input)
    static, dynamic = shape_parts(shape, "BroadcastTo")
    inputs = (x,) if dynamic is None else (x, dynamic)
    return execute(_broadcast_to, inputs, {"shape": static})


@_broadcast_to.def_grad
def _broadcast_to_grad(op, dy):
    dx = sum_to_shape_of(dy, op.inputs[0])
    return (dx,) if len(op.inputs) == 1 else (dx, None)


# --- where / select ------------------------------------------------------------------------------
def _infer_select(c, x, y):
    if x.dtype is not y.dtype:
        raise TypeError(f"SelectV2: x and y must have one dtype, got {x.dtype.name} and "
                        f"{y.dtype.name}")
    return Spec(_infer.broadcast(c, _infer.broadcast(x, y)).shape, x.dtype)


@op("SelectV2", infer=_infer_select)
def _select(xp, c, x, y):
    return xp.where(c, x, y)


@_select.def_grad
def _select_grad(op, dy):
    c, x, y = op.inputs
    zeros = zeros_like(dy)
    gx = execute(_select, (c, dy, zeros), {})
    gy = execute(_select, (c, zeros, dy), {})
    return None, sum_to_shape_of(gx, x), sum_to_shape_of(gy, y)


def _infer_where(c):
    return Spec((None, None if c.shape is None else len(c.shape)), dtypes.int64)


@op("Where", infer=_infer_where, differentiable=False)
def _where_indices(xp, c):
    return xp.stack(xp.nonzero(c), axis=-1).astype(np.int64).reshape(-1, c.ndim)


def where(condition, x=None, y=None, name=None) -> Tensor:
    """With x and y: elements of `x` where `condition` is true, else of `y` (broadcasting).
    With neither: the int64 coordinates of the true (non-zero) elements, shape [n, rank]
    (`tf.where`)."""
    c = to_tensor(condition)
    if x is None and y is None:
        return execute(_where_indices, (c,), {})
    if x is None or y is None:
        raise ValueError("tf.where: x and y must both be given, or neither")
    if c.dtype is not dtypes.bool:
        raise TypeError(f"SelectV2: condition must be bool, got {c.dtype.name}")
    from tensorweave.ops._convert import binary

    x, y = binary(x, y, "SelectV2")
    return execute(_select, (c, x, y), {})


# --- stop_gradient, identity_n -------------------------------------------------------------------
@op("StopGradient", infer=_infer.same)
def _stop_gradient(xp, x):
    return x


@_stop_gradient.def_grad
def _stop_gradient_grad(op, dy):
    return (None,)


def stop_gradient(input, name=None) -> Tensor:  # noqa: A002
    """`input` unchanged, but no gradient flows back through it (`tf.stop_gradient`)."""
    return execute(_stop_gradient, (to_tensor(input),), {})


@op("IdentityN", infer=lambda *xs: tuple(xs), num_outputs=None)
def _identity_n(xp, *xs):
    return tuple(xs)


@_identity_n.def_grad
def _identity_n_grad(op, *dys):
    return tuple(dys)


def identity_n(input, name=None) -> list:  # noqa: A002
    """The tensors of the list `input`, unchanged (`tf.identity_n`)."""
    return list(execute(_identity_n, tuple(to_tensor(t) for t in input), {}))


# --- the rest of the family ----------------------------------------------------------------------
from tensorweave.ops.pad_ops import pad  # noqa: E402,F401 - the family's other modules
from tensorweave.ops.shape_ops import *  # noqa: E402,F401,F403
from tensorweave.ops.shape_ops import __all__ as _shape_all  # noqa: E402
from tensorweave.ops.fill_ops import *  # noqa: E402,F401,F403
from tensorweave.ops.fill_ops import __all__ as _fill_all  # noqa: E402
from tensorweave.ops.slicing import *  # noqa: E402,F401,F403
from tensorweave.ops.slicing import __all__ as _slicing_all  # noqa: E402
from tensorweave.ops.gather_ops import *  # noqa: E402,F401,F403
from tensorweave.ops.gather_ops import __all__ as _gather_all  # noqa: E402
from tensorweave.ops.array_extra import *  # noqa: E402,F401,F403
from tensorweave.ops.array_extra import __all__ as _extra_all  # noqa: E402
from tensorweave.ops.sort_ops import *  # noqa: E402,F401,F403
from tensorweave.ops.sort_ops import __all__ as _sort_all  # noqa: E402

__all__ += _shape_all + _fill_all + _slicing_all + _gather_all + _extra_all + _sort_all
