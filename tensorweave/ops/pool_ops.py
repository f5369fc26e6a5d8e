"""Pooling: tf.nn.max_pool/avg_pool (1-D, 2-D, 3-D) and tf.nn.pool.

Primitives with TensorFlow's names and attributes (`MaxPool`, `MaxPoolGrad`, `MaxPoolGradGrad`,
`AvgPool`, `AvgPoolGrad`, `MaxPool3D` ...): `ksize` and `strides` as full (rank + 2)-tuples in the
data format's order. Max pooling sends each window's gradient to its first maximum, as TensorFlow
does; SAME average pooling divides by the number of in-bounds elements. 1-D pooling is 2-D pooling
over a height of 1, as in TensorFlow.
"""

from __future__ import annotations

from tensorweave.framework import dtypes
from tensorweave.framework.op_def import execute, op
from tensorweave.ops import conv_kernels as K
from tensorweave.ops._convert import tensor
from tensorweave.ops._infer import Spec
from tensorweave.ops.array_ops import expand_dims, shape, squeeze
from tensorweave.ops.conv_ops import (channels_first, check_format, full_attr, join_shape,
                                      out_spatial, padding_attrs, sizes_last, spatial,
                                      spatial_pads, split_spec, to_first, to_last)
from tensorweave.ops.math_ops import zeros_like

__all__ = ["max_pool", "max_pool1d", "max_pool2d", "max_pool3d", "avg_pool", "avg_pool1d",
           "avg_pool2d", "avg_pool3d", "pool", "max_pool_with_argmax"]


def _geo(ksize, strides, padding, explicit_paddings, data_format):
    return (spatial(ksize, data_format), spatial(strides, data_format), padding,
            spatial_pads(explicit_paddings, data_format))


def _pooled_spec(x: Spec, attrs, op_name) -> Spec:
    f = attrs["data_format"]
    rank = len(attrs["ksize"])
    n, sp, c = split_spec(x.shape, rank, f, "input", op_name)
    ks, ss, padding, pads = _geo(attrs["ksize"], attrs["strides"], attrs["padding"],
                                 attrs.get("explicit_paddings", ()), f)
    osp = out_spatial(sp, ks, ss, (1,) * len(ks), padding, pads)
    return Spec(join_shape(n, osp, c, f), x.dtype)


def _infer_pool(name):
    def infer(x, **attrs):
        return _pooled_spec(x, attrs, name)
    return infer


def _infer_like_input(index):
    def infer(*specs, **attrs):
        return Spec(specs[index].shape, specs[-1].dtype)
    return infer


def _infer_max_grad_grad(x, y, g, **attrs):
    return Spec(y.shape, g.dtype)


def _infer_avg_grad(sizes, dy, **attrs):
    rank = len(attrs["ksize"])
    f = attrs["data_format"]
    n, _, c = split_spec(dy.shape, rank, f, "grad", "AvgPoolGrad")
    return Spec(join_shape(n, (None,) * (rank - 2), c, f), dy.dtype)


def _declare(max_name, max_grad_name, max_gg_name, avg_name, avg_grad_name):
    """Declares one rank's pooling ops and their gradient rules."""

    @op(max_name, infer=_infer_pool(max_name))
    def max_pool_op(xp, x, *, ksize, strides, padding, explicit_paddings, data_format):
        k, s, p, e = _geo(ksize, strides, padding, explicit_paddings, data_format)
        return to_first(xp, K.max_pool(xp, to_last(xp, x, data_format), k, s, p, e), data_format)

    @op(max_grad_name, infer=_infer_like_input(0))
    def max_grad_op(xp, x, y, dy, *, ksize, strides, padding, explicit_paddings, data_format):
        k, s, p, e = _geo(ksize, strides, padding, explicit_paddings, data_format)
        f = data_format
        dx = K.max_pool_grad(xp, to_last(xp, x, f), to_last(xp, y, f), to_last(xp, dy, f),
                             k, s, p, e)
        return to_first(xp, xp.ascontiguousarray(dx), f)

    @op(max_gg_name, infer=_infer_max_grad_grad)
    def max_gg_op(xp, x, y, g, *, ksize, strides, padding, explicit_paddings, data_format):
        k, s, p, e = _geo(ksize, strides, padding, explicit_paddings, data_format)
        f = data_format
        out = K.max_pool_grad_grad(xp, to_last(xp, x, f), to_last(xp, y, f), to_last(xp, g, f),
                                   k, s, p, e)
        return to_first(xp, out, f)

    @op(avg_name, infer=_infer_pool(avg_name))
    def avg_pool_op(xp, x, *, ksize, strides, padding, explicit_paddings, data_format):
        k, s, p, e = _geo(ksize, strides, padding, explicit_paddings, data_format)
        return to_first(xp, K.avg_pool(xp, to_last(xp, x, data_format), k, s, p, e), data_format)

    @op(avg_grad_name, infer=_infer_avg_grad)
    def avg_grad_op(xp, sizes, dy, *, ksize, strides, padding, explicit_paddings, data_format):
        k, s, p, e = _geo(ksize, strides, padding, explicit_paddings, data_format)
        dx = K.avg_pool_grad(xp, sizes_last(sizes, data_format), to_last(xp, dy, data_format),
                             k, s, p, e)
        return to_first(xp, xp.ascontiguousarray(dx), data_format)

    @max_pool_op.def_grad
    def _max_pool_grad(op, dy):
        return (execute(max_grad_op, (op.inputs[0], op.outputs[0], dy), op.attrs),)

    @max_grad_op.def_grad
    def _max_grad_grad(op, g):
        x, y, _ = op.inputs
        return zeros_like(x), zeros_like(y), execute(max_gg_op, (x, y, g), op.attrs)

    @max_gg_op.def_grad
    def _max_gg_grad(op, g):
        x, y, _ = op.inputs
        return zeros_like(x), zeros_like(y), execute(max_grad_op, (x, y, g), op.attrs)

    @avg_pool_op.def_grad
    def _avg_pool_grad(op, dy):
        return (execute(avg_grad_op, (shape(op.inputs[0]), dy), op.attrs),)

    @avg_grad_op.def_grad
    def _avg_grad_grad(op, g):
        return None, execute(avg_pool_op, (g,), op.attrs)

    return max_pool_op, avg_pool_op


_POOLS = {2: _declare("MaxPool", "MaxPoolGrad", "MaxPoolGradGrad", "AvgPool", "AvgPoolGrad"),
          3: _declare("MaxPool3D", "MaxPool3DGrad", "MaxPool3DGradGrad", "AvgPool3D",
                      "AvgPool3DGrad")}


def _pool_nd(kind, n, input, ksize, strides, padding, data_format):  # noqa: A002
    """Pools over n = 1, 2 or 3 spatial dims; 1-D runs as 2-D over a height of 1."""
    name = {"max": "MaxPool", "avg": "AvgPool"}[kind] + ("3D" if n == 3 else "")
    data_format = check_format(data_format, n, name)
    x = tensor(input)
    if not (x.dtype.is_floating or (kind == "max" and x.dtype.is_integer)):
        raise TypeError(f"{name}: expected a floating-point input, got {x.dtype.name}")
    rank = x.shape.rank
    if rank is not None and rank != n + 2:
        raise ValueError(f"{name}: input must be rank {n + 2}, got shape {x.shape}")
    if n == 1:
        cf = channels_first(data_format)
        at = 2 if cf else 1
        k = full_attr(ksize, 1, data_format, "ksize", name)
        s = full_attr(strides, 1, data_format, "strides", name)
        p = padding
        if not isinstance(padding, str):
            pairs = list(padding)
            p = pairs[:at] + [[0, 0]] + pairs[at:]
        y = _pool_nd(kind, 2, expand_dims(x, at), k[:at] + (1,) + k[at:],
                     s[:at] + (1,) + s[at:], p, "NCHW" if cf else "NHWC")
        return squeeze(y, [at])
    p, explicit = padding_attrs(padding, n, data_format, name)
    if p == "EXPLICIT" and kind == "avg":
        raise ValueError(f"{name}: explicit padding is only supported by max pooling "
                         f"(as in TensorFlow)")
    attrs = {"ksize": full_attr(ksize, n, data_format, "ksize", name),
             "strides": full_attr(strides, n, data_format, "strides", name),
             "padding": p, "explicit_paddings": explicit, "data_format": data_format}
    max_op, avg_op = _POOLS[n]
    return execute(max_op if kind == "max" else avg_op, (x,), attrs)


# --- max pooling with argmax ---------------------------------------------------------------------
def _infer_with_argmax(x, **attrs):
    out = _pooled_spec(x, {**attrs, "data_format": "NHWC"}, "MaxPoolWithArgmax")
    return out, Spec(out.shape, attrs["Targmax"])


@op("MaxPoolWithArgmax", infer=_infer_with_argmax, num_outputs=2)
def _max_pool_with_argmax(xp, x, *, ksize, strides, padding, Targmax, include_batch_in_index):
    """Max pooling (NHWC) and each maximum's flat index ((b *) H + y) * W + x) * C + c."""
    return K.max_pool_argmax(xp, x, ksize[1:-1], strides[1:-1], padding,
                             include_batch_in_index, Targmax.np_dtype)


@op("MaxPoolGradWithArgmax", infer=lambda x, dy, argmax, **a: Spec(x.shape, dy.dtype))
def _max_pool_grad_with_argmax(xp, x, dy, argmax, *, ksize, strides, padding,
                               include_batch_in_index):
    """Scatters dy to the flat positions in argmax (summing where windows share a maximum)."""
    return K.scatter_argmax(xp, x.shape, dy, argmax, include_batch_in_index)


@op("MaxPoolGradGradWithArgmax", infer=lambda x, g, argmax, **a: Spec(argmax.shape, g.dtype))
def _max_pool_grad_grad_with_argmax(xp, x, g, argmax, *, ksize, strides, padding,
                                    include_batch_in_index):
    """Gathers g (shaped like the input) at the flat positions in argmax."""
    return K.gather_argmax(xp, g, argmax, include_batch_in_index)


def _grad_attrs(attrs):
    return {k: v for k, v in attrs.items() if k != "Targmax"}


@_max_pool_with_argmax.def_grad
def _max_pool_with_argmax_backward(op, dy, _):
    x = op.inputs[0]
    return (execute(_max_pool_grad_with_argmax, (x, dy, op.outputs[1]), _grad_attrs(op.attrs)),)


@_max_pool_grad_with_argmax.def_grad
def _max_pool_grad_with_argmax_backward(op, g):
    x, _, argmax = op.inputs
    return (zeros_like(x), execute(_max_pool_grad_grad_with_argmax, (x, g, argmax), op.attrs),
            None)


@_max_pool_grad_grad_with_argmax.def_grad
def _max_pool_grad_grad_with_argmax_backward(op, g):
    x, _, argmax = op.inputs
    return zeros_like(x), execute(_max_pool_grad_with_argmax, (x, g, argmax), op.attrs), None


def max_pool_with_argmax(input, ksize, strides, padding, data_format="NHWC",  # noqa: A002
                         output_dtype=dtypes.int64, include_batch_in_index=False, name=None):
    """Max pooling that also returns where each maximum is, as a flat index into the input
    (`tf.nn.max_pool_with_argmax`): ``(y * width + x) * channels + c``, with the batch folded in
    as ``((b * height + y) * ...`` when `include_batch_in_index`."""
    if data_format != "NHWC":
        raise ValueError(f"max_pool_with_argmax: only data_format 'NHWC' is supported (as in "
                         f"TensorFlow), got {data_format!r}")
    output_dtype = dtypes.as_dtype(output_dtype)
    if output_dtype not in (dtypes.int32, dtypes.int64):
        raise TypeError(f"max_pool_with_argmax: output_dtype must be int32 or int64, got "
                        f"{output_dtype.name}")
    x = tensor(input)
    if x.shape.rank is not None and x.shape.rank != 4:
        raise ValueError(f"MaxPoolWithArgmax: input must be rank 4, got shape {x.shape}")
    if not isinstance(padding, str) or padding.upper() not in ("SAME", "VALID"):
        raise ValueError(f"max_pool_with_argmax: padding must be 'SAME' or 'VALID', got "
                         f"{padding!r}")
    attrs = {"ksize": full_attr(ksize, 2, "NHWC", "ksize", "MaxPoolWithArgmax"),
             "strides": full_attr(strides, 2, "NHWC", "strides", "MaxPoolWithArgmax"),
             "padding": padding.upper(), "Targmax": output_dtype,
             "include_batch_in_index": bool(include_batch_in_index)}
    return execute(_max_pool_with_argmax, (x,), attrs)


def _rank_of(input, data_format, op_name):  # noqa: A002
    x = tensor(input)
    rank = x.shape.rank
    if rank is None and data_format is not None:
        rank = len(data_format)
    if rank not in (3, 4, 5):
        raise ValueError(f"{op_name}: input must be rank 3, 4 or 5, got shape {x.shape}")
    return x, rank - 2


def max_pool(input, ksize, strides, padding, data_format=None, name=None):  # noqa: A002
    """Max pooling over 1, 2 or 3 spatial dims, chosen by the input's rank (`tf.nn.max_pool`).

    `ksize`/`strides`: an int or a list of 1, N or N + 2 ints; `padding`: 'SAME', 'VALID' or
    explicit [before, after] pairs.

    >>> x = tf.reshape(tf.range(16.0), (1, 4, 4, 1))
    >>> tf.nn.max_pool(x, 2, 2, "VALID")[0, ..., 0].numpy()
    array([[ 5.,  7.],
           [13., 15.]], dtype=float32)
    """
    x, n = _rank_of(input, data_format, "MaxPool")
    return _pool_nd("max", n, x, ksize, strides, padding, data_format)


def max_pool1d(input, ksize, strides, padding, data_format="NWC", name=None):  # noqa: A002
    """Max pooling of a 3-D input (`tf.nn.max_pool1d`)."""
    return _pool_nd("max", 1, input, ksize, strides, padding, data_format)


def max_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):  # noqa: A002
    """Max pooling of a 4-D input (`tf.nn.max_pool2d`)."""
    return _pool_nd("max", 2, input, ksize, strides, padding, data_format)


def max_pool3d(input, ksize, strides, padding, data_format="NDHWC", name=None):  # noqa: A002
    """Max pooling of a 5-D input (`tf.nn.max_pool3d`)."""
    return _pool_nd("max", 3, input, ksize, strides, padding, data_format)


def avg_pool(input, ksize, strides, padding, data_format=None, name=None):  # noqa: A002
    """Average pooling over 1, 2 or 3 spatial dims (`tf.nn.avg_pool`); SAME windows average
    only their in-bounds elements."""
    x, n = _rank_of(input, data_format, "AvgPool")
    return _pool_nd("avg", n, x, ksize, strides, padding, data_format)


def avg_pool1d(input, ksize, strides, padding, data_format="NWC", name=None):  # noqa: A002
    """Average pooling of a 3-D input (`tf.nn.avg_pool1d`)."""
    return _pool_nd("avg", 1, input, ksize, strides, padding, data_format)


def avg_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):  # noqa: A002
    """Average pooling of a 4-D input (`tf.nn.avg_pool2d`)."""
    return _pool_nd("avg", 2, input, ksize, strides, padding, data_format)


def avg_pool3d(input, ksize, strides, padding, data_format="NDHWC", name=None):  # noqa: A002
    """Average pooling of a 5-D input (`tf.nn.avg_pool3d`)."""
    return _pool_nd("avg", 3, input, ksize, strides, padding, data_format)


def pool(input, window_shape, pooling_type, strides=None, padding="VALID",  # noqa: A002
         data_format=None, dilations=None, name=None):
    """N-D pooling, 'MAX' or 'AVG', over `window_shape` (`tf.nn.pool`)."""
    kind = {"MAX": "max", "AVG": "avg"}.get(str(pooling_type).upper())
    if kind is None:
        raise ValueError(f"pool: pooling_type must be 'MAX' or 'AVG', got {pooling_type!r}")
    x, n = _rank_of(input, data_format, "pool")
    window_shape = [int(v) for v in window_shape]
    if len(window_shape) != n:
        raise ValueError(f"pool: window_shape must have {n} entries for a rank {n + 2} input, "
                         f"got {window_shape}")
    if dilations is not None and any(int(d) != 1 for d in dilations):
        raise NotImplementedError("tf.nn.pool with dilations other than 1 is not supported yet")
    if strides is None:
        strides = [1] * n
    if not isinstance(padding, str):
        raise ValueError(f"pool: padding must be 'SAME' or 'VALID', got {padding!r}")
    return _pool_nd(kind, n, x, window_shape, list(strides), padding, data_format)

