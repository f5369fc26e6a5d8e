"""Sorting and searching: tf.sort, tf.argsort, tf.unique(_with_counts), tf.searchsorted."""

from __future__ import annotations

import collections

import numpy as np

from tensorweave.framework import dtypes
from tensorweave.framework.op_def import execute, op
from tensorweave.framework.tensor import Tensor
from tensorweave.ops import _infer
from tensorweave.ops._array_util import eager_errors, normalize_axis, static_int
from tensorweave.ops._convert import tensor as to_tensor

__all__ = ["sort", "argsort", "unique", "unique_with_counts", "searchsorted"]

Spec = _infer.Spec
Unique = collections.namedtuple("Unique", ["y", "idx"])
UniqueWithCounts = collections.namedtuple("UniqueWithCounts", ["y", "idx", "count"])


def _order(xp, x, axis, descending):
    """Stable sort order along `axis`; descending keeps ties in their original order."""
    if not descending:
        return xp.argsort(x, axis=axis, kind="stable")
    n = x.shape[axis]
    flipped = xp.argsort(xp.flip(x, axis), axis=axis, kind="stable")
    return (n - 1) - xp.flip(flipped, axis)


@op("Sort", infer=_infer.same)
def _sort(xp, x, *, axis, descending):
    return xp.take_along_axis(x, _order(xp, x, axis, descending), axis=axis)


@op("SortPermute", infer=lambda v, x, **attrs: Spec(v.shape, v.dtype))
def _sort_permute(xp, v, x, *, axis, descending, inverse):
    """`v` rearranged by the order that sorts `x` (or by its inverse): sort's gradient."""
    order = _order(xp, x, axis, descending)
    if not inverse:
        return xp.take_along_axis(v, order, axis=axis)
    out = xp.empty_like(v)
    xp.put_along_axis(out, order, v, axis=axis)
    return out


@_sort.def_grad
def _sort_grad(op, dy):
    return (execute(_sort_permute, (dy, op.inputs[0]), {**op.attrs, "inverse": True}),)


@_sort_permute.def_grad
def _sort_permute_grad(op, dv):
    attrs = {**op.attrs, "inverse": not op.attrs["inverse"]}
    return execute(_sort_permute, (dv, op.inputs[1]), attrs), None


@op("ArgSort", infer=lambda x, **attrs: Spec(x.shape, dtypes.int32), differentiable=False)
def _argsort(xp, x, *, axis, descending):
    return _order(xp, x, axis, descending).astype(np.int32)


def _sort_args(values, axis, direction, op_name):
    x = to_tensor(values)
    if direction not in ("ASCENDING", "DESCENDING"):
        raise ValueError(f"{op_name}: direction must be 'ASCENDING' or 'DESCENDING', got "
                         f"{direction!r}")
    if x.dtype in (dtypes.string, dtypes.bool) or x.dtype.is_complex:
        raise TypeError(f"{op_name}: cannot sort values of dtype {x.dtype.name}")
    axis = static_int(axis, "axis", op_name)
    if x.shape.rank is not None:
        if x.shape.rank == 0:
            raise ValueError(f"{op_name}: the input must have rank >= 1")
        axis = normalize_axis(axis, x.shape.rank, op_name)
    return x, {"axis": axis, "descending": direction == "DESCENDING"}


@eager_errors("Sort")
def sort(values, axis=-1, direction="ASCENDING", name=None) -> Tensor:
    """`values` sorted along `axis` (`tf.sort`)."""
    x, attrs = _sort_args(values, axis, direction, "Sort")
    return execute(_sort, (x,), attrs)


@eager_errors("ArgSort")
def argsort(values, axis=-1, direction="ASCENDING", stable=False, name=None) -> Tensor:
    """The int32 indices that sort `values` along `axis` (`tf.argsort`); always stable here."""
    x, attrs = _sort_args(values, axis, direction, "ArgSort")
    return execute(_argsort, (x,), attrs)


# --- unique --------------------------------------------------------------------------------------
def _unique_parts(xp, x, out_idx):
    if x.ndim != 1:
        raise ValueError(f"unique expects a 1-D vector, got shape {list(x.shape)}")
    _, first, inverse, counts = np.unique(_to_numpy(x), return_index=True, return_inverse=True,
                                          return_counts=True)
    # np.unique sorts; TensorFlow lists values in order of first appearance.
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    y = x[xp.asarray(first[order])]
    idx = xp.asarray(rank[inverse.reshape(-1)].astype(out_idx.np_dtype))
    return y, idx, xp.asarray(counts[order].astype(out_idx.np_dtype))


def _to_numpy(a):
    return a.get() if hasattr(a, "get") else a  # CuPy arrays come to the host for np.unique


def _infer_unique(x, *, out_idx):
    return Spec((None,), x.dtype), Spec(x.shape, out_idx)


@op("Unique", infer=_infer_unique, num_outputs=2, differentiable=False)
def _unique(xp, x, *, out_idx):
    y, idx, _ = _unique_parts(xp, x, out_idx)
    return y, idx


@op("UniqueWithCounts", num_outputs=3, differentiable=False,
    infer=lambda x, *, out_idx: _infer_unique(x, out_idx=out_idx) + (Spec((None,), out_idx),))
def _unique_with_counts(xp, x, *, out_idx):
    return _unique_parts(xp, x, out_idx)


def _out_idx(out_idx, op_name):
    out_idx = dtypes.as_dtype(out_idx)
    if out_idx not in (dtypes.int32, dtypes.int64):
        raise TypeError(f"{op_name}: out_idx must be int32 or int64, got {out_idx.name}")
    return out_idx


def unique(x, out_idx=dtypes.int32, name=None) -> Unique:
    """The distinct values of the 1-D `x` in order of first appearance, and for each element of
    `x` the index of its value in them (`tf.unique`). Returns Unique(y, idx)."""
    y, idx = execute(_unique, (to_tensor(x),), {"out_idx": _out_idx(out_idx, "Unique")})
    return Unique(y, idx)


def unique_with_counts(x, out_idx=dtypes.int32, name=None) -> UniqueWithCounts:
    """`tf.unique` plus how often each distinct value occurs: UniqueWithCounts(y, idx, count)."""
    y, idx, count = execute(_unique_with_counts, (to_tensor(x),),
                            {"out_idx": _out_idx(out_idx, "UniqueWithCounts")})
    return UniqueWithCounts(y, idx, count)


# --- searchsorted --------------------------------------------------------------------------------
def _infer_searchsorted(seq, values, *, side, out_type):
    return Spec(values.shape, out_type)


@op("SearchSorted", infer=_infer_searchsorted, differentiable=False)
def _searchsorted(xp, seq, values, *, side, out_type):
    if seq.ndim == 1 and values.ndim == 1:
        return xp.searchsorted(seq, values, side=side).astype(out_type.np_dtype)
    if seq.shape[:-1] != values.shape[:-1]:
        raise ValueError(f"Leading dims of sorted_sequence {list(seq.shape)} and values "
                         f"{list(values.shape)} must match")
    return _batched_searchsorted(xp, seq, values, side).astype(out_type.np_dtype)


def _batched_searchsorted(xp, seq, values, side):
    """All rows at once: merge each row's values into its sequence with one stable sort; a
    value's answer is how many sequence elements sort before it. Values go first among equal
    keys for side="left" (counting seq < v), last for "right" (counting seq <= v)."""
    n, m = seq.shape[-1], values.shape[-1]
    if values.size == 0:
        return xp.zeros(values.shape, dtype=np.int64)
    first, second = (values, seq) if side == "left" else (seq, values)
    merged = xp.concatenate([first, second.astype(first.dtype, copy=False)], axis=-1)
    is_value = xp.zeros(n + m, dtype=bool)
    if side == "left":
        is_value[:m] = True
    else:
        is_value[n:] = True
    order = xp.argsort(merged, axis=-1, kind="stable")
    sorted_is_value = is_value[order]
    seq_before = xp.arange(n + m) + 1 - xp.cumsum(sorted_is_value, axis=-1)
    position = (order - (0 if side == "left" else n)).reshape(-1, n + m)  # index in `values`
    keep = sorted_is_value.reshape(-1, n + m)
    out = xp.empty(values.shape, dtype=np.int64)
    flat = out.reshape(-1, m)
    rows = xp.broadcast_to(xp.arange(flat.shape[0])[:, None], keep.shape)
    flat[rows[keep], position[keep]] = seq_before.reshape(-1, n + m)[keep]
    return out


@eager_errors("SearchSorted")
def searchsorted(sorted_sequence, values, side="left", out_type=dtypes.int32, name=None) -> Tensor:
    """For each of `values`, where it would go in the innermost dim of `sorted_sequence` to keep
    it sorted (`tf.searchsorted`); side "left" (first such place) or "right" (last)."""
    from tensorweave.ops._convert import binary

    seq, vals = binary(sorted_sequence, values, "SearchSorted")
    if side not in ("left", "right"):
        raise ValueError(f"SearchSorted: side must be 'left' or 'right', got {side!r}")
    out_type = dtypes.as_dtype(out_type)
    if out_type not in (dtypes.int32, dtypes.int64):
        raise TypeError(f"SearchSorted: out_type must be int32 or int64, got {out_type.name}")
    if seq.shape.rank == 0 or vals.shape.rank == 0:
        raise ValueError("SearchSorted: sorted_sequence and values must have rank >= 1")
    return execute(_searchsorted, (seq, vals), {"side": side, "out_type": out_type})
