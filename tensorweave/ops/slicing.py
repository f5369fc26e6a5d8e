"""Slicing: tf.strided_slice, tf.slice and `Tensor.__getitem__` (TensorFlow's indexing rules).

One op, StridedSlice, carries every slice: begin/end/strides and TensorFlow's five bit masks as
attributes. Entries only known while a traced graph runs (`x[i]` with a symbolic `i`) are None in
the attributes and come as three extra int32 inputs; shape inference needs only the masks for
those (a shrunk dim vanishes whatever its index), so shapes stay known where TensorFlow knows them.
"""

from __future__ import annotations

import builtins

import numpy as np

from tensorweave.framework import dtypes
from tensorweave.framework.context import ctx
from tensorweave.framework.op_def import REGISTRY, execute, op
from tensorweave.framework.tensor import SymbolicTensor, Tensor
from tensorweave.framework.variables import Variable
from tensorweave.ops import _infer
from tensorweave.ops._array_util import (as_array, eager_errors, known_value, remember_value,
                                        static_ints)
from tensorweave.ops._convert import tensor as to_tensor
from tensorweave.ops.overloads import overload

__all__ = ["strided_slice", "slice"]

Spec = _infer.Spec
_MASKS = ("begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask", "shrink_axis_mask")
_SHRINK_ONE = {"begin_mask": 0, "end_mask": 0, "ellipsis_mask": 0, "new_axis_mask": 0,
               "shrink_axis_mask": 1}


def _index_tuple(begin, end, strides, masks) -> tuple:
    """The NumPy basic index equal to a strided-slice spec (NumPy clamps and wraps as TF does)."""
    bm, em, elm, nm, sm = (masks[k] for k in _MASKS)
    out = []
    for i, (b, e, s) in enumerate(zip(begin, end, strides)):
        bit = 1 << i
        if elm & bit:
            out.append(Ellipsis)
        elif nm & bit:
            out.append(None)
        elif sm & bit:
            out.append(int(b))
        else:
            if s == 0:
                raise ValueError("strided slice: strides must be non-zero")
            out.append(builtins.slice(None if bm & bit else int(b), None if em & bit else int(e),
                                     int(s)))
    return tuple(out)


def _runtime_spec(extra, attrs):
    if not extra:
        return attrs["begin"], attrs["end"], attrs["strides"]
    return tuple(tuple(int(v) for v in a.tolist()) for a in extra)


def _check_shrink_bounds(x_shape, index):
    dim = 0
    consumed = sum(1 for e in index if e is not None and e is not Ellipsis)
    for e in index:
        if e is Ellipsis:
            dim += len(x_shape) - consumed
        elif e is None:
            continue
        else:
            if isinstance(e, int) and dim < len(x_shape) and not -x_shape[dim] <= e < x_shape[dim]:
                raise ValueError(f"slice index {e} of dimension {dim} out of bounds.")
            dim += 1


@op("StridedSlice", infer=lambda x, *extra, **attrs: _infer_strided_slice(x, **attrs))
def _strided_slice(xp, x, *extra, begin, end, strides, begin_mask, end_mask, ellipsis_mask,
                   new_axis_mask, shrink_axis_mask):
    masks = {"begin_mask": begin_mask, "end_mask": end_mask, "ellipsis_mask": ellipsis_mask,
             "new_axis_mask": new_axis_mask, "shrink_axis_mask": shrink_axis_mask}
    index = _index_tuple(*_runtime_spec(extra, {"begin": begin, "end": end, "strides": strides}),
                         masks)
    if shrink_axis_mask:  # NumPy would raise too, but TensorFlow's message names the dim
        _check_shrink_bounds(x.shape, index)
    return as_array(xp, x[index], x)


def _infer_strided_slice(x, *, begin, end, strides, **masks):
    bm, em, elm, nm, sm = (masks[k] for k in _MASKS)
    n = len(begin)
    if elm & (elm - 1):
        raise ValueError("Multiple ellipses in slice spec not allowed")
    consumed = sum(1 for i in range(n) if not (elm | nm) & (1 << i))
    if x.shape is None:
        if not elm and consumed == 0:
            return Spec(None, x.dtype)
        return Spec(None, x.dtype)
    shape = x.shape
    if consumed > len(shape):
        raise ValueError(f"Index out of range using input dim {len(shape)}; input has only "
                         f"{len(shape)} dims (slice spec of {consumed} dims)")
    out, dim = [], 0
    for i in range(n):
        bit = 1 << i
        if elm & bit:
            k = len(shape) - consumed
            out.extend(shape[dim:dim + k])
            dim += k
        elif nm & bit:
            out.append(1)
        elif sm & bit:
            d, b = shape[dim], begin[i]
            if d is not None and b is not None and not -d <= b < d:
                raise ValueError(f"slice index {b} of dimension {dim} out of bounds.")
            dim += 1
        else:
            d, b, e, s = shape[dim], begin[i], end[i], strides[i]
            if s == 0:
                raise ValueError("strided slice: strides must be non-zero")
            if d is None or s is None or (b is None and not bm & bit) or \
                    (e is None and not em & bit):
                out.append(None)
            else:
                sl = builtins.slice(None if bm & bit else b, None if em & bit else e, s)
                out.append(len(range(*sl.indices(d))))
            dim += 1
    out.extend(shape[dim:])
    return Spec(tuple(out), x.dtype)


def _infer_strided_slice_grad(dy, x, *extra, **attrs):
    return Spec(x.shape, dy.dtype)


@op("StridedSliceGrad", infer=_infer_strided_slice_grad)
def _strided_slice_grad_op(xp, dy, x, *extra, begin, end, strides, **masks):
    """Zeros of x's shape with dy written at the slice."""
    index = _index_tuple(*_runtime_spec(extra, {"begin": begin, "end": end, "strides": strides}),
                         masks)
    out = xp.zeros(x.shape, dtype=dy.dtype)
    out[index] = dy
    return out


@_strided_slice.def_grad
def _strided_slice_grad(op, dy):
    x, *extra = op.inputs
    dx = execute(_strided_slice_grad_op, (dy, x, *extra), op.attrs)
    return (dx,) + (None,) * len(extra)


@_strided_slice_grad_op.def_grad
def _strided_slice_grad_op_grad(op, ddx):
    _, x, *extra = op.inputs
    return (execute(_strided_slice, (ddx, *extra), op.attrs), None) + (None,) * len(extra)


def _spec_entries(values, what):
    """A begin/end/strides list as (static tuple with None for symbolic, symbolic parts)."""
    if isinstance(values, SymbolicTensor):
        n = values.shape[0] if values.shape.rank == 1 else None
        if n is None:
            raise ValueError(f"strided_slice: {what} must be a 1-D tensor of known length")
        return (None,) * n, values
    if isinstance(values, (list, tuple)) and any(isinstance(v, SymbolicTensor) for v in values):
        return tuple(None if isinstance(v, SymbolicTensor) else int(v) for v in values), values
    return static_ints(values, what, "StridedSlice"), None


def _as_int32_vector(static, dynamic):
    from tensorweave.ops.array_ops import reshape, stack
    from tensorweave.ops.math_ops import cast

    if dynamic is None:
        return to_tensor(np.asarray(static, dtype=np.int32))
    if isinstance(dynamic, SymbolicTensor):
        return cast(dynamic, dtypes.int32)
    return stack([reshape(cast(v, dtypes.int32), ()) if isinstance(v, Tensor)
                  else to_tensor(np.int32(v)) for v in dynamic])


def _run_strided_slice(x, begin, end, strides, masks):
    (b, db), (e, de), (s, ds) = begin, end, strides
    if not (len(b) == len(e) == len(s)):
        raise ValueError(f"strided_slice: begin, end and strides must have one length, got "
                         f"{len(b)}, {len(e)}, {len(s)}")
    if any(v == 0 for v in s):
        raise ValueError("strided_slice: strides must be non-zero")
    attrs = {"begin": b, "end": e, "strides": s, **masks}
    if db is None and de is None and ds is None:
        out = execute(_strided_slice, (x,), attrs)
        if out.is_symbolic:
            _remember_slice(x, out, b, e, s, masks)
        return out
    extra = (_as_int32_vector(b, db), _as_int32_vector(e, de), _as_int32_vector(s, ds))
    if x.shape.rank is not None:
        _infer_strided_slice(Spec(x.shape.as_tuple(), x.dtype), **attrs)
    return execute(_strided_slice, (x,) + extra, attrs)


def _remember_slice(x, out, begin, end, strides, masks):
    """Slicing a partly known vector (a traced tf.shape) gives a partly known value."""
    known = known_value(x)
    if not isinstance(known, tuple) or masks["ellipsis_mask"] or masks["new_axis_mask"] or \
            len(begin) != 1:
        return
    index = _index_tuple(begin, end, strides, masks)[0]
    if isinstance(index, int) and not -len(known) <= index < len(known):
        return
    remember_value(out, known[index])


@eager_errors("StridedSlice")
def strided_slice(input_, begin, end, strides=None, begin_mask=0, end_mask=0, ellipsis_mask=0,
                  new_axis_mask=0, shrink_axis_mask=0, var=None, name=None) -> Tensor:
    """A strided slice of `input_` with TensorFlow's masks (`tf.strided_slice`): bit i of
    begin_mask/end_mask ignores begin[i]/end[i], of ellipsis_mask makes entry i `...`, of
    new_axis_mask a new dim of size 1, of shrink_axis_mask takes index begin[i] and drops the dim.
    """
    x = to_tensor(input_)
    b, e = _spec_entries(begin, "begin"), _spec_entries(end, "end")
    s = _spec_entries(strides, "strides") if strides is not None else ((1,) * len(b[0]), None)
    masks = {"begin_mask": int(begin_mask), "end_mask": int(end_mask),
             "ellipsis_mask": int(ellipsis_mask), "new_axis_mask": int(new_axis_mask),
             "shrink_axis_mask": int(shrink_axis_mask)}
    return _run_strided_slice(x, b, e, s, masks)


@eager_errors("Slice")
def slice(input_, begin, size, name=None) -> Tensor:  # noqa: A001 - TensorFlow's public name
    """The block of `input_` starting at `begin` with `size` (-1: to the end) (`tf.slice`).
    Inside a traced function begin and size may be computed (symbolic) tensors."""
    x = to_tensor(input_)
    (begin, db), (size, ds) = _spec_entries(begin, "begin"), _spec_entries(size, "size")
    if len(begin) != len(size) or (x.shape.rank is not None and len(begin) != x.shape.rank):
        raise ValueError(f"Slice: expected begin and size of length {x.shape.rank}, got "
                         f"{list(begin)} and {list(size)}")
    if db is not None or ds is not None:
        inputs = (x, _as_int32_vector(begin, db), _as_int32_vector(size, ds))
        return execute(_slice_dynamic, inputs, {"begin": begin, "size": size})
    end_mask, end = 0, []
    for i, (b, n) in enumerate(zip(begin, size)):
        d = x.shape[i]
        if b < 0 or n < -1 or (d is not None and (b > d or (n != -1 and b + n > d))):
            raise ValueError(f"Slice: expected begin[{i}] = {b} and size[{i}] = {n} within "
                             f"dimension {i} of size {d} (shape {x.shape})")
        if n == -1:
            end_mask |= 1 << i
        end.append(b + max(n, 0))
    masks = {"begin_mask": 0, "end_mask": end_mask, "ellipsis_mask": 0, "new_axis_mask": 0,
             "shrink_axis_mask": 0}
    return _run_strided_slice(x, (begin, None), (tuple(end), None), ((1,) * len(begin), None),
                              masks)


def _infer_slice(x, begin_t, size_t, *, begin, size):
    dims = []
    for i, (b, n) in enumerate(zip(begin, size)):
        d = None if x.shape is None else x.shape[i]
        if n is not None and n != -1:
            dims.append(n)
        elif n == -1 and b is not None and d is not None:
            dims.append(d - b)
        else:
            dims.append(None)
    return Spec(tuple(dims), x.dtype)


def _slice_index(x_shape, begin, size):
    out = []
    for i, (b, n) in enumerate(zip(begin.tolist(), size.tolist())):
        d = x_shape[i]
        n = d - b if n == -1 else n
        if b < 0 or n < 0 or b + n > d:
            raise ValueError(f"Expected begin[{i}] = {b} and size[{i}] = {n} within dimension "
                             f"{i} of size {d}")
        out.append(builtins.slice(b, b + n))
    return tuple(out)


@op("Slice", infer=_infer_slice)
def _slice_dynamic(xp, x, begin_t, size_t, *, begin, size):
    """tf.slice with begin/size known only when the graph runs (static ones use StridedSlice)."""
    return x[_slice_index(x.shape, begin_t, size_t)]


@op("SliceGrad", infer=lambda dy, x, begin_t, size_t, **a: Spec(x.shape, dy.dtype))
def _slice_grad_op(xp, dy, x, begin_t, size_t, *, begin, size):
    out = xp.zeros(x.shape, dtype=dy.dtype)
    out[_slice_index(x.shape, begin_t, size_t)] = dy
    return out


@_slice_dynamic.def_grad
def _slice_dynamic_grad(op, dy):
    x, begin_t, size_t = op.inputs
    return execute(_slice_grad_op, (dy, x, begin_t, size_t), op.attrs), None, None


@_slice_grad_op.def_grad
def _slice_grad_op_grad(op, ddx):
    _, _, begin_t, size_t = op.inputs
    return execute(_slice_dynamic, (ddx, begin_t, size_t), op.attrs), None, None, None


# --- __getitem__ ---------------------------------------------------------------------------------
def _is_int_index(v) -> bool:
    if isinstance(v, (bool, np.bool_)):
        return False
    if isinstance(v, (int, np.integer)):
        return True
    return isinstance(v, Tensor) and v.dtype.is_integer and v.shape.rank == 0 or \
        hasattr(v, "__index__") and not isinstance(v, Tensor) and not hasattr(v, "dtype")


def _bound(v):
    """A slice bound: an int, or a symbolic scalar kept for the dynamic path."""
    if isinstance(v, SymbolicTensor):
        return v
    if isinstance(v, Tensor):
        if v.shape.rank != 0 or not v.dtype.is_integer:
            raise TypeError(f"slice indices must be integers or None or have an __index__ "
                            f"method, got {v!r}")
        return int(v.numpy())
    return v.__index__()


@eager_errors("StridedSlice")
def _getitem(tensor, key):
    """TensorFlow's `tensor[key]`: ints, slices with steps, `tf.newaxis`, `...`, int scalar
    tensors; a whole-key bool tensor or array is a boolean mask."""
    x = to_tensor(tensor)
    if type(key) is int and not x.is_symbolic:  # the most common index: one row
        return execute(_strided_slice, (x,), {"begin": (key,), "end": (key + 1,), "strides": (1,),
                                              **_SHRINK_ONE})
    if isinstance(key, (Tensor, np.ndarray)) and key.dtype in (dtypes.bool, np.bool_):
        from tensorweave.ops.gather_ops import boolean_mask

        return boolean_mask(x, key)
    return _run_key(x, *_parse_key(key))


def _parse_key(key):
    """A __getitem__ key as strided-slice begin/end/strides lists, masks, and whether some
    entry is symbolic."""
    if not isinstance(key, (tuple, list)):
        key = (key,)
    begin, end, strides = [], [], []
    bm = em = elm = nm = sm = 0
    symbolic = False
    for i, k in enumerate(key):
        bit = 1 << i
        if type(k) is int:
            sm |= bit
            begin.append(k), end.append(k + 1), strides.append(1)
        elif isinstance(k, builtins.slice):
            start, stop, step = (v if v is None or type(v) is int else _bound(v)
                                 for v in (k.start, k.stop, k.step))
            if start is None:
                bm |= bit
            if stop is None:
                em |= bit
            begin.append(0 if start is None else start)
            end.append(0 if stop is None else stop)
            strides.append(1 if step is None else step)
            symbolic = symbolic or any(isinstance(v, SymbolicTensor) for v in (start, stop, step))
        elif k is Ellipsis:
            elm |= bit
            begin.append(0), end.append(0), strides.append(1)
        elif k is None:
            nm |= bit
            begin.append(0), end.append(0), strides.append(1)
        elif _is_int_index(k) or isinstance(k, SymbolicTensor) and k.dtype.is_integer \
                and k.shape.rank == 0:
            idx = _bound(k)
            sm |= bit
            begin.append(idx)
            end.append(idx + 1 if not isinstance(idx, SymbolicTensor) else idx)
            strides.append(1)
            symbolic = symbolic or isinstance(idx, SymbolicTensor)
        else:
            raise TypeError("Only integers, slices (`:`), ellipsis (`...`), tf.newaxis (`None`) "
                            "and scalar tf.int32/tf.int64 tensors are valid indices, got "
                            f"{k!r}")
    masks = {"begin_mask": bm, "end_mask": em, "ellipsis_mask": elm, "new_axis_mask": nm,
             "shrink_axis_mask": sm}
    return begin, end, strides, masks, symbolic


def _run_key(x, begin, end, strides, masks, symbolic):
    if not symbolic:
        return _run_strided_slice(x, (tuple(begin), None), (tuple(end), None),
                                  (tuple(strides), None), masks)
    return _run_strided_slice(x, _parts(begin), _parts(end), _parts(strides), masks)


def _parts(values):
    if any(isinstance(v, SymbolicTensor) for v in values):
        return tuple(None if isinstance(v, SymbolicTensor) else int(v) for v in values), values
    return tuple(int(v) for v in values), None


# --- assigning to a slice of a variable: `v[0, 1:].assign(value)` -------------------------------
@op("TensorStridedSliceUpdate", infer=lambda x, value, *extra, **attrs: Spec(x.shape, x.dtype))
def _slice_update(xp, x, value, *extra, begin, end, strides, **masks):
    """A copy of x with `value` broadcast into the slice."""
    index = _index_tuple(*_runtime_spec(extra, {"begin": begin, "end": end, "strides": strides}),
                         masks)
    if masks["shrink_axis_mask"]:
        _check_shrink_bounds(x.shape, index)
    target = x[index].shape
    try:
        value = xp.broadcast_to(value, target)
    except ValueError:
        raise ValueError(f"Cannot broadcast input shape {list(value.shape)} into final shape "
                         f"{list(target)}") from None
    out = x.copy()
    out[index] = value
    return out


@_slice_update.def_grad
def _slice_update_grad(op, dy):
    from tensorweave.ops.math_ops import sum_to_shape_of

    x, value, *extra = op.inputs
    zero = to_tensor(np.zeros((), dy.dtype.np_dtype))
    gx = execute(_slice_update, (dy, zero, *extra), op.attrs)
    gv = sum_to_shape_of(execute(_strided_slice, (dy, *extra), op.attrs), value)
    return (gx, gv) + (None,) * len(extra)


class _VariableSlice(Tensor):
    """What `variable[key]` returns eagerly: the slice's value, which can also be assigned to
    (`v[0].assign(1.0)` writes into the variable, as TensorFlow's slices of variables do)."""

    __slots__ = ("_variable", "_slice_attrs")

    def assign(self, value, use_locking=None, name=None, read_value=True):
        var = self._variable
        new = execute(_slice_update, (var.value(), to_tensor(value, var.dtype)),
                      self._slice_attrs)
        return var.assign(new, read_value=read_value)


@eager_errors("StridedSlice")
def _variable_getitem(var, key):
    """`variable[key]`: eagerly a _VariableSlice (assignable), else what tensors give."""
    if ctx.graph is not None or isinstance(key, (Tensor, np.ndarray)) and \
            key.dtype in (dtypes.bool, np.bool_):
        return _getitem(var, key)
    begin, end, strides, masks, symbolic = _parse_key(key)
    out = _run_key(to_tensor(var), begin, end, strides, masks, symbolic)
    if symbolic or out.is_symbolic:
        return out
    sliced = _VariableSlice(out._array, out._device)
    sliced._variable = var
    sliced._slice_attrs = {"begin": tuple(begin), "end": tuple(end), "strides": tuple(strides),
                           **masks}
    for tape in ctx.tapes:  # the tapes saw `out`: `sliced` is the same value under a new name
        tape.record(REGISTRY["Identity"], (out,), {}, sliced)
    return sliced


overload("__getitem__", _getitem)
Variable.__getitem__ = _variable_getitem

