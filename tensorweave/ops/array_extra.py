"""More array ops: split, roll, repeat, reverse_sequence, sequence_mask, meshgrid, ensure_shape,
dynamic_partition/dynamic_stitch, unravel_index."""

from __future__ import annotations

import numpy as np

from tensorweave.framework import dtypes
from tensorweave.framework.op_def import execute, op
from tensorweave.framework.tensor import SymbolicTensor, Tensor
from tensorweave.ops import _infer
from tensorweave.ops._array_util import (eager_errors, known_value, normalize_axis, static_int,
                                        static_ints)
from tensorweave.ops._convert import tensor as to_tensor

__all__ = ["split", "roll", "repeat", "reverse_sequence", "sequence_mask", "meshgrid",
           "ensure_shape", "dynamic_partition", "dynamic_stitch", "unravel_index"]

Spec = _infer.Spec


# --- split ---------------------------------------------------------------------------------------
def _infer_split(x, *, num, size_splits, axis):
    if x.shape is None:
        return tuple(Spec(None, x.dtype) for _ in range(num))
    a = normalize_axis(axis, len(x.shape), "Split")
    d = x.shape[a]
    if size_splits is None:
        if d is not None and d % num:
            raise ValueError(f"Number of ways to split should evenly divide the split dimension, "
                             f"but got split_dim {a} (size = {d}) and num_split {num}")
        sizes = [None if d is None else d // num] * num
    else:
        sizes = list(size_splits)
        if d is not None and sum(sizes) != d:
            raise ValueError(f"Split: sizes {list(size_splits)} must add up to the size {d} of "
                             f"dimension {a}")
    return tuple(Spec(x.shape[:a] + (s,) + x.shape[a + 1:], x.dtype) for s in sizes)


@op("SplitV", infer=_infer_split, num_outputs=None)
def _split(xp, x, *, num, size_splits, axis):
    if size_splits is None:
        if x.shape[axis] % num:
            raise ValueError(f"Number of ways to split should evenly divide the split dimension, "
                             f"but got split_dim {axis} (size = {x.shape[axis]}) and num_split "
                             f"{num}")
        return tuple(xp.split(x, num, axis=axis))
    if sum(size_splits) != x.shape[axis]:
        raise ValueError(f"Determined shape must either match input shape along split_dim "
                         f"exactly if fully specified, or be less than the size of the input "
                         f"along split_dim if not fully specified. Got: {sum(size_splits)}")
    return tuple(xp.split(x, np.cumsum(size_splits)[:-1].tolist(), axis=axis))


@_split.def_grad
def _split_grad(op, *dys):
    from tensorweave.ops.array_ops import _concat

    return (execute(_concat, tuple(dys), {"axis": op.attrs["axis"]}),)


@eager_errors("Split")
def split(value, num_or_size_splits, axis=0, num=None, name="split") -> list:
    """`value` cut along `axis` into `num_or_size_splits` equal pieces, or into pieces of the
    given sizes (one may be -1: the rest) (`tf.split`). Returns a list of tensors."""
    x = to_tensor(value)
    axis = static_int(axis, "axis", "Split")
    if x.shape.rank is None:
        raise ValueError("Split: the input's rank must be known")
    axis = normalize_axis(axis, x.shape.rank, "Split")
    dim = x.shape[axis]
    if isinstance(num_or_size_splits, int) or (
            hasattr(num_or_size_splits, "shape") and len(num_or_size_splits.shape) == 0):
        count = static_int(num_or_size_splits, "num_or_size_splits", "Split")
        if count <= 0:
            raise ValueError(f"Split: the number of splits must be positive, got {count}")
        attrs = {"num": count, "size_splits": None, "axis": axis}
    else:
        sizes = list(static_ints(num_or_size_splits, "num_or_size_splits", "Split"))
        if sizes.count(-1) > 1 or any(s < -1 for s in sizes):
            raise ValueError(f"Split: sizes may contain one -1 and no other negatives, got "
                             f"{sizes}")
        if -1 in sizes:
            if dim is None:
                raise ValueError("Split: a -1 size needs the split dimension to be known")
            rest = dim - sum(s for s in sizes if s != -1)
            if rest < 0:
                raise ValueError(f"Split: sizes {sizes} exceed dimension {axis} of size {dim}")
            sizes[sizes.index(-1)] = rest
        if num is not None and int(num) != len(sizes):
            raise ValueError(f"Split: num={num} disagrees with {len(sizes)} sizes")
        attrs = {"num": len(sizes), "size_splits": tuple(sizes), "axis": axis}
    _infer_split(Spec(x.shape.as_tuple(), x.dtype), **attrs)
    return list(execute(_split, (x,), attrs))


# --- roll ----------------------------------------------------------------------------------------
@op("Roll", infer=_infer.same)
def _roll(xp, x, *, shift, axis):
    return xp.roll(x, shift, axis)


@_roll.def_grad
def _roll_grad(op, dy):
    return (execute(_roll, (dy,), {"shift": tuple(-s for s in op.attrs["shift"]),
                                   "axis": op.attrs["axis"]}),)


@eager_errors("Roll")
def roll(input, shift, axis, name=None) -> Tensor:  # noqa: A002 - TensorFlow's argument name
    """`input` with elements shifted by `shift` along `axis`, wrapping around (`tf.roll`)."""
    x = to_tensor(input)
    shift = static_ints(shift, "shift", "Roll")
    axis = static_ints(axis, "axis", "Roll")
    if len(shift) != len(axis):
        raise ValueError(f"Roll: shift and axis must have one length, got {list(shift)} and "
                         f"{list(axis)}")
    if x.shape.rank is not None:
        axis = tuple(normalize_axis(a, x.shape.rank, "Roll") for a in axis)
    return execute(_roll, (x,), {"shift": shift, "axis": axis})


# --- repeat --------------------------------------------------------------------------------------
def _infer_repeat(x, *, repeats, axis):
    if x.shape is None:
        return Spec(None if axis is not None else (None,), x.dtype)
    if axis is None:
        n = None if None in x.shape else int(np.prod(x.shape, dtype=np.int64))
        total = None if n is None else (n * repeats[0] if len(repeats) == 1 else sum(repeats))
        return Spec((total,), x.dtype)
    a = normalize_axis(axis, len(x.shape), "Repeat")
    d = x.shape[a]
    if len(repeats) == 1:
        total = None if d is None else d * repeats[0]
    else:
        if d is not None and d != len(repeats):
            raise ValueError(f"Repeat: {len(repeats)} repeats for a dimension of size {d}")
        total = sum(repeats)
    return Spec(x.shape[:a] + (total,) + x.shape[a + 1:], x.dtype)


@op("Repeat", infer=_infer_repeat)
def _repeat(xp, x, *, repeats, axis):
    reps = repeats[0] if len(repeats) == 1 else list(repeats)  # CuPy takes ints or a list
    return xp.repeat(x, reps, axis=axis)


@op("RepeatGrad", infer=lambda dy, x, **attrs: Spec(x.shape, dy.dtype))
def _repeat_grad_op(xp, dy, x, *, repeats, axis):
    """Sums each run of copies back onto the element it was copied from."""
    if axis is None:
        dy, a, n = dy, 0, x.size
    else:
        a, n = axis, x.shape[axis]
    reps = np.full(n, repeats[0]) if len(repeats) == 1 else np.asarray(repeats)
    owner = xp.asarray(np.repeat(np.arange(n), reps))
    moved = xp.moveaxis(dy, a, 0)
    out = xp.zeros((n,) + moved.shape[1:], dtype=dy.dtype)
    xp.add.at(out, owner, moved)
    out = xp.moveaxis(out, 0, a)
    return out.reshape(x.shape)


@_repeat.def_grad
def _repeat_grad(op, dy):
    return (execute(_repeat_grad_op, (dy, op.inputs[0]), op.attrs),)


@_repeat_grad_op.def_grad
def _repeat_grad_op_grad(op, ddx):
    return execute(_repeat, (ddx,), op.attrs), None


@eager_errors("Repeat")
def repeat(input, repeats, axis=None, name=None) -> Tensor:  # noqa: A002
    """Each element (or slice along `axis`) of `input` repeated `repeats` times; with axis None
    the input is flattened first (`tf.repeat`)."""
    x = to_tensor(input)
    reps = static_ints(repeats, "repeats", "Repeat")
    if any(r < 0 for r in reps):
        raise ValueError(f"Repeat: repeats must be non-negative, got {list(reps)}")
    if axis is not None:
        axis = static_int(axis, "axis", "Repeat")
        if x.shape.rank is not None:
            axis = normalize_axis(axis, x.shape.rank, "Repeat")
    attrs = {"repeats": reps, "axis": axis}
    _infer_repeat(Spec(x.shape.as_tuple(), x.dtype), **attrs)
    return execute(_repeat, (x,), attrs)


# --- reverse_sequence ----------------------------------------------------------------------------
def _infer_reverse_sequence(x, lengths, *, seq_axis, batch_axis):
    return Spec(x.shape, x.dtype)


@op("ReverseSequence", infer=_infer_reverse_sequence)
def _reverse_sequence(xp, x, lengths, *, seq_axis, batch_axis):
    n = x.shape[seq_axis]
    if lengths.shape != (x.shape[batch_axis],):
        raise ValueError(f"seq_lengths must have shape [{x.shape[batch_axis]}], got "
                         f"{list(lengths.shape)}")
    if lengths.size and (int(lengths.max()) > n or int(lengths.min()) < 0):
        raise ValueError(f"seq_lengths must be in [0, {n}], got {lengths.tolist()}")
    pos = xp.arange(n)[None, :]
    lens = lengths.astype(np.int64)[:, None]
    src = xp.where(pos < lens, lens - 1 - pos, pos)  # (batch, seq): where each output reads
    shape = [1] * x.ndim
    shape[batch_axis], shape[seq_axis] = x.shape[batch_axis], n
    if batch_axis > seq_axis:
        src = src.T
    return xp.take_along_axis(x, src.reshape(shape), axis=seq_axis)


@_reverse_sequence.def_grad
def _reverse_sequence_grad(op, dy):
    return execute(_reverse_sequence, (dy, op.inputs[1]), op.attrs), None


@eager_errors("ReverseSequence")
def reverse_sequence(input, seq_lengths, seq_axis=None, batch_axis=None,  # noqa: A002
                     name=None) -> Tensor:
    """For each batch entry b, its first seq_lengths[b] elements along `seq_axis` reversed
    (`tf.reverse_sequence`)."""
    x, lengths = to_tensor(input), to_tensor(seq_lengths)
    if not lengths.dtype.is_integer:
        raise TypeError(f"ReverseSequence: seq_lengths must be integers, got "
                        f"{lengths.dtype.name}")
    rank = x.shape.rank
    if rank is None:
        raise ValueError("ReverseSequence: the input's rank must be known")
    seq_axis = normalize_axis(static_int(1 if seq_axis is None else seq_axis, "seq_axis",
                                         "ReverseSequence"), rank, "ReverseSequence")
    batch_axis = normalize_axis(static_int(0 if batch_axis is None else batch_axis,
                                           "batch_axis", "ReverseSequence"), rank,
                                "ReverseSequence")
    if seq_axis == batch_axis:
        raise ValueError("ReverseSequence: seq_axis and batch_axis must differ")
    return execute(_reverse_sequence, (x, lengths), {"seq_axis": seq_axis,
                                                     "batch_axis": batch_axis})


# --- sequence_mask -------------------------------------------------------------------------------
def _infer_sequence_mask(lengths, maxlen_t=None, *, maxlen, dtype):
    if lengths.shape is None:
        return Spec(None, dtype)
    return Spec(lengths.shape + (maxlen,), dtype)


@op("SequenceMask", infer=_infer_sequence_mask, differentiable=False)
def _sequence_mask(xp, lengths, maxlen_t=None, *, maxlen, dtype):
    if maxlen_t is not None:
        maxlen = int(maxlen_t)
    elif maxlen is None:
        maxlen = int(lengths.max()) if lengths.size else 0
    mask = xp.arange(maxlen) < xp.expand_dims(lengths, -1)
    return mask.astype(dtype.np_dtype, copy=False)


@eager_errors("SequenceMask")
def sequence_mask(lengths, maxlen=None, dtype=dtypes.bool, name=None) -> Tensor:
    """mask[..., j] = j < lengths[...], with `maxlen` columns (default: max(lengths))
    (`tf.sequence_mask`)."""
    lengths = to_tensor(lengths)
    if not lengths.dtype.is_integer:
        raise TypeError(f"sequence_mask: lengths must be integers, got {lengths.dtype.name}")
    attrs = {"maxlen": None, "dtype": dtypes.as_dtype(dtype)}
    if isinstance(maxlen, SymbolicTensor) and known_value(maxlen) is None:
        from tensorweave.ops.math_ops import cast  # computed in the graph: a second input

        return execute(_sequence_mask, (lengths, cast(maxlen, lengths.dtype)), attrs)
    if maxlen is not None:
        maxlen = known_value(maxlen) if isinstance(maxlen, SymbolicTensor) else \
            static_int(maxlen, "maxlen", "SequenceMask")
        if maxlen < 0:
            raise ValueError(f"sequence_mask: maxlen must be non-negative, got {maxlen}")
    return execute(_sequence_mask, (lengths,), {**attrs, "maxlen": maxlen})


# --- meshgrid ------------------------------------------------------------------------------------
def meshgrid(*args, **kwargs) -> list:
    """Coordinate grids from 1-D tensors (`tf.meshgrid`); indexing "xy" (default: the first two
    output dims swapped, as in plots) or "ij" (matrix indexing)."""
    from tensorweave.ops.array_ops import broadcast_to, reshape

    indexing = kwargs.pop("indexing", "xy")
    kwargs.pop("name", None)
    if kwargs:
        raise TypeError(f"meshgrid: unexpected keyword arguments {sorted(kwargs)}")
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: indexing must be 'xy' or 'ij', got {indexing!r}")
    ts = [to_tensor(a) for a in args]
    if not ts:
        return []
    if any(t.dtype is not ts[0].dtype for t in ts):
        from tensorweave.framework.errors import InvalidArgumentError

        raise InvalidArgumentError(None, None, f"meshgrid: all inputs must have one dtype, got "
                                               f"{[t.dtype.name for t in ts]}")
    sizes = []
    for t in ts:
        n = t.shape.num_elements()
        if n is None:
            raise ValueError("meshgrid: the inputs must have static sizes")
        sizes.append(n)
    if indexing == "xy" and len(ts) > 1:
        sizes[0], sizes[1] = sizes[1], sizes[0]
    out = []
    for i, t in enumerate(ts):
        where = i if indexing == "ij" or len(ts) < 2 or i > 1 else 1 - i
        shape = [1] * len(ts)
        shape[where] = -1
        out.append(broadcast_to(reshape(t, shape), sizes))
    return out


# --- ensure_shape --------------------------------------------------------------------------------
def _infer_ensure_shape(x, *, shape):
    if x.shape is not None and (len(x.shape) != len(shape) or any(
            a is not None and b is not None and a != b for a, b in zip(x.shape, shape))):
        raise ValueError(f"Shape of tensor {list(x.shape)} is not compatible with expected shape "
                         f"{list(shape)}")
    if x.shape is None:
        return Spec(shape, x.dtype)
    return Spec(tuple(a if a is not None else b for a, b in zip(x.shape, shape)), x.dtype)


@op("EnsureShape", infer=_infer_ensure_shape)
def _ensure_shape(xp, x, *, shape):
    if x.ndim != len(shape) or any(d is not None and d != n for d, n in zip(shape, x.shape)):
        want = ",".join("?" if d is None else str(d) for d in shape)
        raise ValueError(f"Shape of tensor input {list(x.shape)} is not compatible with expected "
                         f"shape [{want}].")
    return x


@_ensure_shape.def_grad
def _ensure_shape_grad(op, dy):
    return (dy,)


@eager_errors("EnsureShape")
def ensure_shape(x, shape, name=None) -> Tensor:
    """`x`, after checking that its shape is compatible with `shape` (None: any size); in a
    traced graph its static shape becomes the merge of both (`tf.ensure_shape`)."""
    from tensorweave.framework.tensor_shape import TensorShape

    t = to_tensor(x)
    dims = TensorShape(shape).as_tuple()
    if dims is None:
        return t
    return execute(_ensure_shape, (t,), {"shape": dims})


# --- dynamic_partition / dynamic_stitch ----------------------------------------------------------
def _infer_partition(data, partitions, *, num_partitions):
    if data.shape is None or partitions.shape is None:
        return tuple(Spec(None, data.dtype) for _ in range(num_partitions))
    rest = data.shape[len(partitions.shape):]
    return tuple(Spec((None,) + rest, data.dtype) for _ in range(num_partitions))


def _check_partitions(partitions, data_shape, num):
    if tuple(data_shape[:partitions.ndim]) != tuple(partitions.shape):
        raise ValueError(f"partitions shape {list(partitions.shape)} must be a prefix of data "
                         f"shape {list(data_shape)}")
    if partitions.size and (int(partitions.min()) < 0 or int(partitions.max()) >= num):
        raise ValueError(f"partitions must be in [0, {num}), got {partitions.tolist()}")


@op("DynamicPartition", infer=_infer_partition, num_outputs=None)
def _dynamic_partition(xp, data, partitions, *, num_partitions):
    _check_partitions(partitions, data.shape, num_partitions)
    return tuple(data[partitions == i] for i in range(num_partitions))


@op("DynamicPartitionGrad", infer=lambda p, data, *dys, **a: Spec(data.shape, dys[0].dtype))
def _dynamic_partition_grad_op(xp, partitions, data, *dys, num_partitions):
    """Each piece's gradient written back where its rows came from."""
    out = xp.zeros(data.shape, dtype=dys[0].dtype)
    for i, dy in enumerate(dys):
        out[partitions == i] = dy
    return out


@_dynamic_partition.def_grad
def _dynamic_partition_grad(op, *dys):
    data, partitions = op.inputs
    dx = execute(_dynamic_partition_grad_op, (partitions, data) + tuple(dys), op.attrs)
    return dx, None


@_dynamic_partition_grad_op.def_grad
def _dynamic_partition_grad_op_grad(op, ddx):
    partitions, data = op.inputs[:2]
    pieces = execute(_dynamic_partition, (ddx, partitions), op.attrs)
    return (None, None) + tuple(pieces)


@eager_errors("DynamicPartition")
def dynamic_partition(data, partitions, num_partitions, name=None) -> list:
    """`data` split into `num_partitions` tensors by the int32 `partitions` (whose shape is a
    prefix of data's): piece i holds the rows where partitions == i (`tf.dynamic_partition`)."""
    d, p = to_tensor(data), to_tensor(partitions)
    if p.dtype is not dtypes.int32:
        raise TypeError(f"DynamicPartition: partitions must be int32, got {p.dtype.name}")
    num = static_int(num_partitions, "num_partitions", "DynamicPartition")
    if num < 1:
        raise ValueError(f"DynamicPartition: num_partitions must be >= 1, got {num}")
    return list(execute(_dynamic_partition, (d, p), {"num_partitions": num}))


def _infer_stitch(*args, n):
    data = args[n:]
    first_i, first_d = args[0], data[0]
    if first_i.shape is None or first_d.shape is None:
        return Spec(None, first_d.dtype)
    return Spec((None,) + first_d.shape[len(first_i.shape):], first_d.dtype)


def _stitch_order(xp, indices):
    """Each input's flat indices, a mask of its elements that survive (a later write to the same
    index wins, as in TensorFlow), and the output length."""
    flat = [np.asarray(i.get() if hasattr(i, "get") else i).reshape(-1) for i in indices]
    everything = np.concatenate(flat) if flat else np.zeros(0, np.int64)
    if everything.size and everything.min() < 0:
        raise ValueError(f"indices must be non-negative, got {int(everything.min())}")
    _, first_from_end = np.unique(everything[::-1], return_index=True)
    keep_all = np.zeros(everything.size, bool)
    keep_all[everything.size - 1 - first_from_end] = True
    keep = np.split(keep_all, np.cumsum([f.size for f in flat])[:-1])
    return flat, keep, int(everything.max()) + 1 if everything.size else 0


@op("DynamicStitch", infer=_infer_stitch)
def _dynamic_stitch(xp, *args, n):
    indices, data = args[:n], args[n:]
    flat, keep, size = _stitch_order(xp, indices)
    rest = data[0].shape[indices[0].ndim:]
    out = xp.zeros((size,) + rest, dtype=data[0].dtype)
    for idx, d, k in zip(flat, data, keep):
        rows = d.reshape((-1,) + rest)
        out[xp.asarray(idx[k])] = rows[xp.asarray(np.nonzero(k)[0])]
    return out


@op("DynamicStitchGrad", num_outputs=None,
    infer=lambda dy, *args, n: tuple(Spec(d.shape, dy.dtype) for d in args[n:]))
def _dynamic_stitch_grad_op(xp, dy, *args, n):
    """dy gathered back to each input; elements overwritten by a later input get zero."""
    indices, data = args[:n], args[n:]
    flat, keep, _ = _stitch_order(xp, indices)
    out = []
    for idx, d, k in zip(flat, data, keep):
        g = dy[xp.asarray(idx)] * xp.asarray(k.astype(dy.dtype)).reshape(
            (-1,) + (1,) * (dy.ndim - 1))
        out.append(g.reshape(d.shape))
    return tuple(out)


@_dynamic_stitch.def_grad
def _dynamic_stitch_grad(op, dy):
    n = op.attrs["n"]
    grads = execute(_dynamic_stitch_grad_op, (dy,) + tuple(op.inputs), op.attrs)
    return (None,) * n + tuple(grads)


@_dynamic_stitch_grad_op.def_grad
def _dynamic_stitch_grad_grad(op, *ddata):
    # Linear in dy: its transpose stitches the data gradients back (the last writer wins, which
    # is exactly the one element the forward kept). For second derivatives.
    n = op.attrs["n"]
    indices = op.inputs[1:1 + n]
    ddy = execute(_dynamic_stitch, tuple(indices) + tuple(ddata), {"n": n})
    return (ddy,) + (None,) * (2 * n)


@eager_errors("DynamicStitch")
def dynamic_stitch(indices, data, name=None) -> Tensor:
    """merged[indices[m][i]] = data[m][i] (`tf.dynamic_stitch`): the inverse of
    dynamic_partition. Where an index repeats, the last write wins, and only it gets gradient
    (TensorFlow's gradient also reaches the overwritten ones)."""
    idx = [to_tensor(i) for i in indices]
    dat = [to_tensor(d) for d in data]
    if not idx or len(idx) != len(dat):
        raise ValueError(f"DynamicStitch: expected as many indices as data tensors (at least "
                         f"one), got {len(idx)} and {len(dat)}")
    for i, d in zip(idx, dat):
        if i.dtype is not dtypes.int32:
            raise TypeError(f"DynamicStitch: indices must be int32, got {i.dtype.name}")
        if d.dtype is not dat[0].dtype:
            raise TypeError(f"DynamicStitch: data must have one dtype, got "
                            f"{[t.dtype.name for t in dat]}")
        ishape, dshape = i.shape.as_tuple(), d.shape.as_tuple()
        if ishape is not None and dshape is not None and (
                len(dshape) < len(ishape) or any(a is not None and b is not None and a != b
                                                 for a, b in zip(ishape, dshape))):
            raise ValueError(f"DynamicStitch: data shape {list(dshape)} must start with its "
                             f"indices' shape {list(ishape)}")
    return execute(_dynamic_stitch, tuple(idx) + tuple(dat), {"n": len(idx)})


# --- unravel_index -------------------------------------------------------------------------------
def _infer_unravel(indices, dims):
    n = None if dims.shape is None else dims.shape[0]
    if indices.shape is None:
        return Spec(None, indices.dtype)
    return Spec((n,) + indices.shape, indices.dtype)


@op("UnravelIndex", infer=_infer_unravel, differentiable=False)
def _unravel_index(xp, indices, dims):
    dims_list = [int(d) for d in dims.tolist()]
    total = int(np.prod(dims_list, dtype=np.int64))
    if indices.size and (int(indices.min()) < 0 or int(indices.max()) >= total):
        raise ValueError(f"index out of bounds for dims {dims_list}")
    return xp.stack(xp.unravel_index(indices, dims_list)).astype(indices.dtype)


@eager_errors("UnravelIndex")
def unravel_index(indices, dims, name=None) -> Tensor:
    """The coordinates in an array of shape `dims` of each flat index (`tf.unravel_index`):
    shape [len(dims)] + indices.shape."""
    i = to_tensor(indices)
    d = to_tensor(dims, i.dtype) if not hasattr(dims, "dtype") else to_tensor(dims)
    if not i.dtype.is_integer or d.dtype is not i.dtype:
        raise TypeError(f"UnravelIndex: indices and dims must be integers of one dtype, got "
                        f"{i.dtype.name} and {d.dtype.name}")
    if i.shape.rank is not None and i.shape.rank > 1:
        raise ValueError(f"UnravelIndex: the indices can only be scalar or vector, got shape "
                         f"{i.shape}")
    return execute(_unravel_index, (i, d), {})
