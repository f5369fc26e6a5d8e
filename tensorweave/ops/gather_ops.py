"""Gathering and scattering: gather (sparse IndexedSlices gradient), gather_nd, scatter_nd, the
tensor_scatter_nd_* family, boolean_mask and tf.nn.embedding_lookup.

Out-of-range indices raise InvalidArgumentError as TensorFlow's CPU kernels do (NumPy would wrap
negative ones silently).
"""

from __future__ import annotations

from tensorweave.framework import dtypes
from tensorweave.framework.indexed_slices import IndexedSlices
from tensorweave.framework.op_def import execute, op
from tensorweave.framework.tensor import SymbolicTensor, Tensor
from tensorweave.ops import _infer
from tensorweave.ops._array_util import (as_array, eager_errors, normalize_axis, prod, shape_parts,
                                        static_int)
from tensorweave.ops._convert import tensor as to_tensor

__all__ = ["gather", "gather_nd", "scatter_nd", "tensor_scatter_nd_update",
           "tensor_scatter_nd_add", "tensor_scatter_nd_sub", "tensor_scatter_nd_max",
           "tensor_scatter_nd_min", "boolean_mask", "IndexedSlices"]

Spec = _infer.Spec


def _check_range(xp, indices, n, what="indices"):
    if indices.size:
        lo, hi = int(indices.min()), int(indices.max())
        if lo < 0 or hi >= n:
            bad = lo if lo < 0 else hi
            raise ValueError(f"{what} contains {bad}, which is not in [0, {n})")


def _check_indices_dtype(t, op_name):
    if t.dtype not in (dtypes.int32, dtypes.int64, dtypes.int16, dtypes.uint8, dtypes.int8,
                       dtypes.uint16, dtypes.uint32, dtypes.uint64):
        raise TypeError(f"{op_name}: indices must be integers, got {t.dtype.name}")


# --- gather --------------------------------------------------------------------------------------
def _infer_gather(params, indices, *, axis, batch_dims):
    if params.shape is None or indices.shape is None:
        return Spec(None, params.dtype)
    a = normalize_axis(axis, len(params.shape), "GatherV2")
    b = batch_dims
    if b > a or b > len(indices.shape):
        raise ValueError(f"GatherV2: batch_dims ({b}) must be <= axis ({a}) and <= the rank of "
                         f"indices ({len(indices.shape)})")
    batch = []
    for p, i in zip(params.shape[:b], indices.shape[:b]):
        if p is not None and i is not None and p != i:
            raise ValueError(f"GatherV2: batch dims of params {list(params.shape)} and indices "
                             f"{list(indices.shape)} differ")
        batch.append(p if p is not None else i)
    return Spec(tuple(batch) + params.shape[b:a] + indices.shape[b:] + params.shape[a + 1:],
                params.dtype)


def _batched_take(xp, params, indices, axis, b):
    """params[B..., pre..., idx, post...] for batch dims B shared by params and indices."""
    bshape = params.shape[:b]
    nb = prod(bshape)
    rest = params.shape[b:axis] + params.shape[axis + 1:]
    moved = xp.moveaxis(params, axis, b).reshape((nb, params.shape[axis]) + rest)
    ind = indices.reshape((nb,) + indices.shape[b:])
    bidx = xp.arange(nb).reshape((nb,) + (1,) * (ind.ndim - 1))
    res = moved[bidx, ind]  # (nb, I..., pre..., post...)
    n_i, n_pre = ind.ndim - 1, axis - b
    res = res.reshape(bshape + res.shape[1:])
    perm = (list(range(b)) + list(range(b + n_i, b + n_i + n_pre)) + list(range(b, b + n_i))
            + list(range(b + n_i + n_pre, res.ndim)))
    return xp.transpose(res, perm)


@op("GatherV2", infer=_infer_gather)
def _gather(xp, params, indices, *, axis, batch_dims):
    _check_range(xp, indices, params.shape[axis], "indices")
    if batch_dims == 0:
        return as_array(xp, xp.take(params, indices, axis=axis), params)
    return _batched_take(xp, params, indices, axis, batch_dims)


@eager_errors("GatherV2")
def gather(params, indices, validate_indices=None, axis=None, batch_dims=0, name=None) -> Tensor:
    """Slices of `params` along `axis` at `indices` (`tf.gather`). With `batch_dims` b, the
    first b dims of params and indices are batch dims gathered in lockstep. The gradient with
    respect to params is a tf.IndexedSlices for axis 0 (only the rows used)."""
    p = to_tensor(params)
    i = to_tensor(indices)
    _check_indices_dtype(i, "GatherV2")
    axis = batch_dims if axis is None else static_int(axis, "axis", "GatherV2")
    batch_dims = static_int(batch_dims, "batch_dims", "GatherV2")
    irank, prank = i.shape.rank, p.shape.rank
    if batch_dims < 0:
        if irank is None:
            raise ValueError("GatherV2: negative batch_dims needs indices of known rank")
        batch_dims += irank
    if prank is not None:
        axis = normalize_axis(axis, prank, "GatherV2")
    elif axis < 0:
        raise ValueError("GatherV2: negative axis needs params of known rank")
    _infer_gather(Spec(p.shape.as_tuple(), p.dtype), Spec(i.shape.as_tuple(), i.dtype),
                  axis=axis, batch_dims=batch_dims)
    return execute(_gather, (p, i), {"axis": axis, "batch_dims": batch_dims})


@op("GatherGrad", infer=lambda dy, indices, params, **a: Spec(params.shape, dy.dtype))
def _gather_grad_op(xp, dy, indices, params, *, axis, batch_dims):
    """The dense gradient of GatherV2: dy added into zeros of params' shape at the indices."""
    b = batch_dims
    bshape = params.shape[:b]
    nb = prod(bshape)
    n_i, n_pre = indices.ndim - b, axis - b
    # dy is B + pre + I + post: bring I right after B, as _batched_take produced it
    perm = (list(range(b)) + list(range(b + n_pre, b + n_pre + n_i)) + list(range(b, b + n_pre))
            + list(range(b + n_pre + n_i, dy.ndim)))
    d = xp.transpose(dy, perm).reshape((nb,) + indices.shape[b:] + dy.shape[b:b + n_pre]
                                       + dy.shape[b + n_pre + n_i:])
    rest = params.shape[b:axis] + params.shape[axis + 1:]
    out = xp.zeros((nb, params.shape[axis]) + rest, dtype=dy.dtype)
    ind = indices.reshape((nb,) + indices.shape[b:])
    bidx = xp.broadcast_to(xp.arange(nb).reshape((nb,) + (1,) * n_i), ind.shape)
    xp.add.at(out, (bidx, ind), d)
    out = out.reshape(bshape + out.shape[1:])
    return xp.moveaxis(out, b, axis)


@_gather_grad_op.def_grad
def _gather_grad_op_grad(op, ddp):
    _, indices, _ = op.inputs
    return execute(_gather, (ddp, indices), op.attrs), None, None


@op("FlattenRows", infer=lambda dy, params: Spec(
    None if params.shape is None else (None,) + params.shape[1:], dy.dtype))
def _flatten_rows(xp, dy, params):
    """dy reshaped to rows of params' trailing shape: the values of gather's IndexedSlices."""
    return dy.reshape((-1,) + params.shape[1:])


@_flatten_rows.def_grad
def _flatten_rows_grad(op, ddy):
    from tensorweave.ops.math_ops import _reshape_like

    return execute(_reshape_like, (ddy, op.inputs[0]), {}), None


@_gather.def_grad
def _gather_grad(op, dy):
    params, indices = op.inputs
    if op.attrs["axis"] == 0 and op.attrs["batch_dims"] == 0:
        from tensorweave.ops.array_ops import reshape, shape

        values = execute(_flatten_rows, (dy, params), {})
        return IndexedSlices(values, reshape(indices, [-1]), shape(params)), None
    return execute(_gather_grad_op, (dy, indices, params), op.attrs), None


# --- gather_nd / scatter_nd ----------------------------------------------------------------------
def _nd_index(xp, indices, batch_dims=0):
    """The NumPy index of a gather_nd: batch coordinates (broadcast over the index dims), then
    the columns of `indices`."""
    lead = indices.shape[:-1]
    batch = tuple(xp.arange(n).reshape((1,) * j + (n,) + (1,) * (len(lead) - j - 1))
                  for j, n in enumerate(lead[:batch_dims]))
    return batch + tuple(indices[..., j] for j in range(indices.shape[-1]))


def _check_nd_range(indices, shape):
    for j in range(indices.shape[-1]):
        col = indices[..., j]
        if col.size and (int(col.min()) < 0 or int(col.max()) >= shape[j]):
            bad = int(col.min()) if int(col.min()) < 0 else int(col.max())
            raise ValueError(f"indices[..., {j}] contains {bad}, which does not index into "
                             f"param shape {list(shape)}")


def _infer_gather_nd(params, indices, *, batch_dims):
    if params.shape is None or indices.shape is None or indices.shape[-1] is None:
        return Spec(None, params.dtype)
    k, b = indices.shape[-1], batch_dims
    if b + k > len(params.shape) or b >= len(indices.shape):
        raise ValueError(f"GatherNd: index depth {k} with {b} batch dims does not fit params of "
                         f"shape {list(params.shape)} and indices of shape {list(indices.shape)}")
    for p, i in zip(params.shape[:b], indices.shape[:b]):
        if p is not None and i is not None and p != i:
            raise ValueError(f"GatherNd: batch dims of params {list(params.shape)} and indices "
                             f"{list(indices.shape)} differ")
    return Spec(indices.shape[:-1] + params.shape[b + k:], params.dtype)


def _check_gather_nd(params, indices, b):
    k = indices.shape[-1]
    if b + k > params.ndim:
        raise ValueError(f"index innermost dimension length must be <= params rank; saw: "
                         f"{k} vs. {params.ndim - b}")
    if params.shape[:b] != indices.shape[:b]:
        raise ValueError(f"batch dims of params {list(params.shape)} and indices "
                         f"{list(indices.shape)} differ")
    _check_nd_range(indices, params.shape[b:])


@op("GatherNd", infer=_infer_gather_nd)
def _gather_nd(xp, params, indices, *, batch_dims):
    _check_gather_nd(params, indices, batch_dims)
    return as_array(xp, params[_nd_index(xp, indices, batch_dims)], params)


@op("GatherNdGrad", infer=lambda dy, indices, params, **a: Spec(params.shape, dy.dtype))
def _gather_nd_grad_op(xp, dy, indices, params, *, batch_dims):
    """dy added into zeros of params' shape where gather_nd read (repeated reads add up)."""
    out = xp.zeros(params.shape, dtype=dy.dtype)
    xp.add.at(out, _nd_index(xp, indices, batch_dims), dy)
    return out


@_gather_nd.def_grad
def _gather_nd_grad(op, dy):
    params, indices = op.inputs
    return execute(_gather_nd_grad_op, (dy, indices, params), op.attrs), None


@_gather_nd_grad_op.def_grad
def _gather_nd_grad_op_grad(op, ddp):
    return execute(_gather_nd, (ddp, op.inputs[1]), op.attrs), None, None


@eager_errors("GatherNd")
def gather_nd(params, indices, batch_dims=0, name=None) -> Tensor:
    """Slices of `params` at the multi-dim `indices` (last dim: coordinates) (`tf.gather_nd`);
    the first `batch_dims` dims of params and indices are batch dims gathered in lockstep."""
    p, i = to_tensor(params), to_tensor(indices)
    _check_indices_dtype(i, "GatherNd")
    batch_dims = static_int(batch_dims, "batch_dims", "GatherNd")
    if batch_dims < 0:
        raise ValueError(f"GatherNd: batch_dims must be non-negative, got {batch_dims}")
    attrs = {"batch_dims": batch_dims}
    _infer_gather_nd(Spec(p.shape.as_tuple(), p.dtype), Spec(i.shape.as_tuple(), i.dtype),
                     **attrs)
    return execute(_gather_nd, (p, i), attrs)


def _infer_scatter_nd(indices, updates, shape_t=None, *, shape):
    return Spec(shape, updates.dtype)


@op("ScatterNd", infer=_infer_scatter_nd)
def _scatter_nd(xp, indices, updates, shape_t=None, *, shape):
    dims = shape if shape_t is None else tuple(int(d) for d in shape_t.tolist())
    _check_nd_range(indices, dims)
    out = xp.zeros(dims, dtype=updates.dtype)
    xp.add.at(out, _nd_index(xp, indices), updates)  # duplicates add up, as in TensorFlow
    return out


@_scatter_nd.def_grad
def _scatter_nd_grad(op, dy):
    indices = op.inputs[0]
    gu = execute(_gather_nd, (dy, indices), {"batch_dims": 0})
    return (None, gu) + (None,) * (len(op.inputs) - 2)


def _scatter_nd_run(indices, updates, shape_value, static=None):
    dims, dynamic = shape_parts(shape_value, "ScatterNd")
    if dynamic is None:
        return execute(_scatter_nd, (indices, updates), {"shape": dims})
    if static is not None and len(static) == len(dims):
        dims = tuple(s if s is not None else d for s, d in zip(static, dims))
    return execute(_scatter_nd, (indices, updates, dynamic), {"shape": dims})


@eager_errors("ScatterNd")
def scatter_nd(indices, updates, shape, name=None) -> Tensor:
    """Zeros of `shape` with `updates` added at `indices` (duplicates add) (`tf.scatter_nd`)."""
    i, u = to_tensor(indices), to_tensor(updates)
    _check_indices_dtype(i, "ScatterNd")
    return _scatter_nd_run(i, u, shape)


def indexed_slices_to_dense(s: IndexedSlices):
    """The dense tensor an IndexedSlices stands for (what convert_to_tensor returns)."""
    from tensorweave.ops.array_ops import expand_dims

    values, indices = to_tensor(s.values), to_tensor(s.indices)
    dense_shape = s.dense_shape
    if dense_shape is None:
        raise ValueError("Cannot convert an IndexedSlices without dense_shape to a tensor")
    if isinstance(dense_shape, SymbolicTensor):
        return _scatter_nd_run(expand_dims(indices, -1), values, dense_shape)
    if hasattr(dense_shape, "numpy"):
        dense_shape = dense_shape.numpy().tolist()
    return _scatter_nd_run(expand_dims(indices, -1), values, list(dense_shape))


# --- tensor_scatter_nd_* -------------------------------------------------------------------------
def _infer_tensor_scatter(x, indices, updates):
    if x.dtype is not updates.dtype:
        raise TypeError(f"TensorScatter: tensor and updates must have one dtype, got "
                        f"{x.dtype.name} and {updates.dtype.name}")
    return Spec(x.shape, x.dtype)


def _tensor_scatter_kernel(mode):
    def kernel(xp, x, indices, updates):
        if indices.ndim == 0 or indices.shape[-1] > x.ndim:
            raise ValueError(f"indices must have rank >= 1 and an innermost dim <= the rank of "
                             f"tensor {list(x.shape)}, got indices shape {list(indices.shape)}")
        k = indices.shape[-1]
        want = indices.shape[:-1] + x.shape[k:]
        if tuple(updates.shape) != tuple(want):
            raise ValueError(f"updates must have shape {list(want)} for indices of shape "
                             f"{list(indices.shape)} into tensor {list(x.shape)}, got "
                             f"{list(updates.shape)}")
        _check_nd_range(indices, x.shape)
        out = x.copy()
        index = _nd_index(xp, indices)
        if mode == "update":
            out[index] = updates
        elif mode == "add":
            xp.add.at(out, index, updates)
        elif mode == "sub":
            xp.add.at(out, index, -updates)  # CuPy has add.at but maybe not subtract.at
        elif mode == "max":
            xp.maximum.at(out, index, updates)
        else:
            xp.minimum.at(out, index, updates)
        return out
    return kernel


_scatter_update = op("TensorScatterUpdate", infer=_infer_tensor_scatter)(
    _tensor_scatter_kernel("update"))
_scatter_add = op("TensorScatterAdd", infer=_infer_tensor_scatter)(_tensor_scatter_kernel("add"))
_scatter_sub = op("TensorScatterSub", infer=_infer_tensor_scatter)(_tensor_scatter_kernel("sub"))
_scatter_max = op("TensorScatterMax", infer=_infer_tensor_scatter)(_tensor_scatter_kernel("max"))
_scatter_min = op("TensorScatterMin", infer=_infer_tensor_scatter)(_tensor_scatter_kernel("min"))


@_scatter_update.def_grad
def _scatter_update_grad(op, dy):
    _, indices, updates = op.inputs
    from tensorweave.ops.math_ops import zeros_like

    gu = execute(_gather_nd, (dy, indices), {"batch_dims": 0})
    gx = execute(_scatter_update, (dy, indices, zeros_like(gu)), {})
    return gx, None, gu


@_scatter_add.def_grad
def _scatter_add_grad(op, dy):
    return dy, None, execute(_gather_nd, (dy, op.inputs[1]), {"batch_dims": 0})


@_scatter_sub.def_grad
def _scatter_sub_grad(op, dy):
    from tensorweave.ops.math_ops import negative

    return dy, None, negative(execute(_gather_nd, (dy, op.inputs[1]), {"batch_dims": 0}))


@op("TensorScatterMinMaxGrad", num_outputs=2, differentiable=False,
    infer=lambda dy, x, i, u, out: (Spec(x.shape, dy.dtype), Spec(u.shape, dy.dtype)))
def _scatter_minmax_grad_op(xp, dy, x, indices, updates, out):
    """Splits dy between the tensor and the updates that attained each output (ties share)."""
    index = _nd_index(xp, indices)
    x_hit = (x == out).astype(dy.dtype)
    u_hit = (updates == out[index]).astype(dy.dtype)
    count = x_hit.copy()
    xp.add.at(count, index, u_hit)
    share = dy / xp.maximum(count, 1)
    return (share * x_hit).astype(dy.dtype), (share[index] * u_hit).astype(dy.dtype)


def _scatter_minmax_grad(op, dy):
    x, indices, updates = op.inputs
    gx, gu = execute(_scatter_minmax_grad_op, (dy, x, indices, updates, op.outputs[0]), {})
    return gx, None, gu


_scatter_max.def_grad(_scatter_minmax_grad)
_scatter_min.def_grad(_scatter_minmax_grad)


def _tensor_scatter(opdef, tensor, indices, updates):
    from tensorweave.ops._convert import binary

    x, u = binary(tensor, updates, opdef.name)
    i = to_tensor(indices)
    _check_indices_dtype(i, opdef.name)
    return execute(opdef, (x, i, u), {})


@eager_errors("TensorScatterUpdate")
def tensor_scatter_nd_update(tensor, indices, updates, name=None) -> Tensor:
    """A copy of `tensor` with `updates` written at `indices` (`tf.tensor_scatter_nd_update`)."""
    return _tensor_scatter(_scatter_update, tensor, indices, updates)


@eager_errors("TensorScatterAdd")
def tensor_scatter_nd_add(tensor, indices, updates, name=None) -> Tensor:
    """A copy of `tensor` with `updates` added at `indices` (`tf.tensor_scatter_nd_add`)."""
    return _tensor_scatter(_scatter_add, tensor, indices, updates)


@eager_errors("TensorScatterSub")
def tensor_scatter_nd_sub(tensor, indices, updates, name=None) -> Tensor:
    """A copy of `tensor` with `updates` subtracted at `indices` (`tf.tensor_scatter_nd_sub`)."""
    return _tensor_scatter(_scatter_sub, tensor, indices, updates)


@eager_errors("TensorScatterMax")
def tensor_scatter_nd_max(tensor, indices, updates, name=None) -> Tensor:
    """A copy of `tensor` with the max of it and `updates` at `indices`."""
    return _tensor_scatter(_scatter_max, tensor, indices, updates)


@eager_errors("TensorScatterMin")
def tensor_scatter_nd_min(tensor, indices, updates, name=None) -> Tensor:
    """A copy of `tensor` with the min of it and `updates` at `indices`."""
    return _tensor_scatter(_scatter_min, tensor, indices, updates)


# --- boolean_mask --------------------------------------------------------------------------------
def boolean_mask(tensor, mask, axis=None, name="boolean_mask") -> Tensor:
    """The elements (or slices) of `tensor` where the bool `mask` is true (`tf.boolean_mask`):
    mask covers dims axis..axis+rank(mask)-1, which collapse into one dim of unknown size."""
    from tensorweave.ops.array_ops import reshape, transpose, where
    from tensorweave.ops.math_ops import cast

    x, m = to_tensor(tensor), to_tensor(mask)
    if m.dtype is not dtypes.bool:
        raise TypeError(f"boolean_mask: mask must be bool, got {m.dtype.name}")
    k = m.shape.rank
    if k is None:
        raise ValueError("boolean_mask: the mask's rank must be known")
    if k == 0:
        raise ValueError("boolean_mask: mask cannot be a scalar")
    axis = 0 if axis is None else static_int(axis, "axis", "BooleanMask")
    xshape = x.shape.as_tuple()
    if xshape is None:
        raise ValueError("boolean_mask: the tensor's rank must be known")
    axis = normalize_axis(axis, len(xshape), "BooleanMask")
    covered = xshape[axis:axis + k]
    mshape = m.shape.as_tuple()
    if len(covered) != k or any(a is not None and b is not None and a != b
                                for a, b in zip(covered, mshape)):
        raise ValueError(f"boolean_mask: shapes {list(xshape)} and {list(mshape)} are "
                         f"incompatible at axis {axis}")
    if k == 1:
        return gather(x, reshape(where(m), [-1]), axis=axis)
    # several mask dims: gather the true coordinates with the mask dims moved to the front
    rank = len(xshape)
    front = list(range(axis, axis + k)) + list(range(axis)) + list(range(axis + k, rank))
    picked = gather_nd(transpose(x, front), cast(where(m), dtypes.int32))
    back = list(range(1, axis + 1)) + [0] + list(range(axis + 1, rank - k + 1))
    return transpose(picked, back) if axis else picked


# --- tf.nn.embedding_lookup ----------------------------------------------------------------------
def embedding_lookup(params, ids, max_norm=None, name=None) -> Tensor:
    """Rows of the embedding table `params` at `ids` (`tf.nn.embedding_lookup`). A list of
    shards is split by the "div" strategy (consecutive ids per shard, i.e. the shards stacked in
    order). With `max_norm`, rows whose L2 norm exceeds it are scaled down to it. The gradient
    with respect to a single table is a tf.IndexedSlices."""
    if isinstance(params, (list, tuple)):
        if not params:
            raise ValueError("embedding_lookup: params must not be empty")
        if len(params) == 1:
            params = params[0]
        else:
            from tensorweave.ops.array_ops import concat

            params = concat(list(params), axis=0)
    i = to_tensor(ids)
    out = gather(params, i)
    if max_norm is not None:
        from tensorweave.ops.clip_ops import clip_by_norm

        irank, orank = i.shape.rank, out.shape.rank
        if irank is None or orank is None:
            raise ValueError("embedding_lookup: max_norm needs ids and params of known rank")
        out = clip_by_norm(out, max_norm, axes=list(range(irank, orank)))
    return out
