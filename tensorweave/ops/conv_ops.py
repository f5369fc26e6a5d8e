"""Convolutions: tf.nn.conv1d/2d/3d, convolution, the transposes, depthwise and separable.

The primitives carry TensorFlow's op names and attributes (`Conv2D`, `Conv2DBackpropInput`,
`Conv2DBackpropFilter`, `Conv3D`, `DepthwiseConv2dNative` ...): strides and dilations as full
(rank + 2)-tuples in the data format's order, `padding` 'SAME'/'VALID'/'EXPLICIT' and
`explicit_paddings` as a flat tuple. The gradient rules are the backprop ops themselves, whose own
gradients are convolutions again, so second derivatives work. 1-D convolutions are 2-D ones over
a height of 1, as in TensorFlow. Kernels are in conv_kernels.py.
"""

from __future__ import annotations

from tensorweave.framework import dtypes
from tensorweave.framework.op_def import execute, op
from tensorweave.framework.tensor import SymbolicTensor
from tensorweave.ops import conv_kernels as K
from tensorweave.ops._array_util import known_value
from tensorweave.ops._convert import binary, tensor
from tensorweave.ops._infer import Spec
from tensorweave.ops.array_ops import concat, expand_dims, reshape, shape, squeeze

__all__ = ["conv1d", "conv2d", "conv3d", "convolution", "conv1d_transpose", "conv2d_transpose",
           "atrous_conv2d", "atrous_conv2d_transpose",
           "conv3d_transpose", "depthwise_conv2d", "depthwise_conv2d_backprop_input",
           "depthwise_conv2d_backprop_filter", "separable_conv2d", "conv2d_backprop_input",
           "conv2d_backprop_filter"]

_FORMATS = {1: ("NWC", "NCW"), 2: ("NHWC", "NCHW"), 3: ("NDHWC", "NCDHW")}


# --- attributes ----------------------------------------------------------------------------------


def channels_first(data_format: str) -> bool:
    """Whether channels come right after the batch dim ('NCHW' and its kin)."""
    return data_format.startswith("NC")


def spatial(values: tuple, data_format: str) -> tuple:
    """The spatial entries of a full (rank + 2) attribute in `data_format` order."""
    return tuple(values[2:]) if channels_first(data_format) else tuple(values[1:-1])


def spatial_pads(explicit: tuple, data_format: str):
    """(before, after) per spatial dim from TensorFlow's flat `explicit_paddings`."""
    if not explicit:
        return None
    pairs = [tuple(explicit[i:i + 2]) for i in range(0, len(explicit), 2)]
    return spatial(pairs, data_format)


def to_last(xp, a, data_format: str):
    """A kernel's input moved to channels-last (a view)."""
    return xp.moveaxis(a, 1, -1) if channels_first(data_format) else a


def to_first(xp, a, data_format: str):
    """A channels-last kernel result moved back to `data_format` (contiguous)."""
    return xp.ascontiguousarray(xp.moveaxis(a, -1, 1)) if channels_first(data_format) else a


def sizes_last(sizes, data_format: str) -> tuple:
    """A shape vector (array) in `data_format` order as a channels-last tuple of ints."""
    sizes = tuple(int(v) for v in sizes.tolist())
    if channels_first(data_format):
        return (sizes[0],) + sizes[2:] + (sizes[1],)
    return sizes


def check_format(data_format: str | None, n: int, op_name: str) -> str:
    """`data_format` checked for n spatial dims (None: channels-last)."""
    if data_format is None:
        return _FORMATS[n][0]
    if data_format not in _FORMATS[n]:
        raise ValueError(f"{op_name}: data_format must be one of {_FORMATS[n]}, "
                         f"got {data_format!r}")
    return data_format


def full_attr(value, n: int, data_format: str, what: str, op_name: str) -> tuple:
    """strides/dilations/ksize as a (n + 2)-tuple in `data_format` order (TensorFlow accepts an
    int, or a list of 1, n or n + 2 ints, whose batch and channel entries must be 1)."""
    if value is None:
        value = 1
    if hasattr(value, "numpy"):
        value = value.numpy().tolist()
    if isinstance(value, int):
        value = [value]
    value = [int(v) for v in value]
    if len(value) == 1:
        sp = value * n
    elif len(value) == n:
        sp = value
    elif len(value) == n + 2:
        sp = list(spatial(tuple(value), data_format))
        outer = (value[0], value[1]) if channels_first(data_format) else (value[0], value[-1])
        if outer != (1, 1):
            raise ValueError(f"{op_name}: {what} in the batch and channel dimensions must be 1, "
                             f"got {value}")
    else:
        raise ValueError(f"{op_name}: {what} must be an int or a list of 1, {n} or {n + 2} ints, "
                         f"got {value}")
    if any(v < 1 for v in sp):
        raise ValueError(f"{op_name}: {what} must be positive, got {value}")
    sp = tuple(sp)
    return (1, 1) + sp if channels_first(data_format) else (1,) + sp + (1,)


def padding_attrs(padding, n: int, data_format: str, op_name: str):
    """('SAME' | 'VALID' | 'EXPLICIT', flat explicit_paddings tuple) from TensorFlow's argument."""
    if isinstance(padding, str):
        p = padding.upper()
        if p not in ("SAME", "VALID"):
            raise ValueError(f"{op_name}: padding must be 'SAME', 'VALID' or a list of pairs, "
                             f"got {padding!r}")
        return p, ()
    pairs = [tuple(int(v) for v in pair) for pair in padding]
    if len(pairs) != n + 2 or any(len(p) != 2 for p in pairs):
        raise ValueError(f"{op_name}: explicit padding must be {n + 2} [before, after] pairs "
                         f"(one per dimension of {data_format}), got {padding}")
    outer = (pairs[0], pairs[1]) if channels_first(data_format) else (pairs[0], pairs[-1])
    if outer != ((0, 0), (0, 0)):
        raise ValueError(f"{op_name}: explicit padding of the batch and channel dimensions must "
                         f"be 0, got {padding}")
    if any(v < 0 for p in pairs for v in p):
        raise ValueError(f"{op_name}: explicit padding must be non-negative, got {padding}")
    return "EXPLICIT", tuple(v for p in pairs for v in p)


# --- shape inference -----------------------------------------------------------------------------


def split_spec(spec_shape, rank: int, data_format: str, what: str, op_name: str):
    """(batch, spatial dims, channels) of an input spec, None where unknown."""
    if spec_shape is None:
        return None, (None,) * (rank - 2), None
    if len(spec_shape) != rank:
        raise ValueError(f"{op_name}: {what} must be rank {rank}, got shape {list(spec_shape)}")
    if channels_first(data_format):
        return spec_shape[0], tuple(spec_shape[2:]), spec_shape[1]
    return spec_shape[0], tuple(spec_shape[1:-1]), spec_shape[-1]


def join_shape(n, sp, c, data_format: str) -> tuple:
    return (n, c) + tuple(sp) if channels_first(data_format) else (n,) + tuple(sp) + (c,)


def out_spatial(in_sp, k_sp, strides, dilations, padding, pads):
    """Output spatial dims, None where an input or kernel dim is unknown."""
    out = []
    for i, (n, k) in enumerate(zip(in_sp, k_sp)):
        if n is None or k is None:
            out.append(None)
            continue
        (o,), _ = K.geometry((n,), (k,), (strides[i],), (dilations[i],), padding,
                             None if pads is None else (pads[i],))
        out.append(o)
    return tuple(out)


def _in_spatial(out_sp, k_sp, strides, dilations, padding, pads):
    """The input size behind an output size: only determined when the stride is 1."""
    res = []
    for i, (o, k) in enumerate(zip(out_sp, k_sp)):
        if o is None or k is None or strides[i] != 1:
            res.append(None)
            continue
        eff = (k - 1) * dilations[i] + 1
        if padding == "SAME":
            res.append(o)
        elif padding == "VALID":
            res.append(o + eff - 1)
        else:
            res.append(o + eff - 1 - pads[i][0] - pads[i][1])
    return tuple(res)


def _geo(attrs):
    return geo(attrs["strides"], attrs["dilations"], attrs["padding"],
               attrs["explicit_paddings"], attrs["data_format"])


def geo(strides, dilations, padding, explicit_paddings, data_format):
    """The kernels' view of the attributes: spatial strides, dilations, padding and pads."""
    return (spatial(strides, data_format), spatial(dilations, data_format), padding,
            spatial_pads(explicit_paddings, data_format))


def _check_depth(c, wc, op_name):
    if c is not None and wc is not None and c != wc:
        raise ValueError(f"{op_name}: input depth {c} does not match the filter's in_channels "
                         f"{wc}")


def _infer_forward(depthwise: bool, op_name: str):
    def infer(x, w, **attrs):
        f = attrs["data_format"]
        rank = len(attrs["strides"])
        n, sp, c = split_spec(x.shape, rank, f, "input", op_name)
        ws = w.shape if w.shape is not None else (None,) * rank
        if len(ws) != rank:
            raise ValueError(f"{op_name}: filter must be rank {rank}, got shape {list(ws)}")
        _check_depth(c, ws[-2], op_name)
        if x.dtype is not w.dtype:
            raise TypeError(f"{op_name}: input is {x.dtype.name} but filter is {w.dtype.name}")
        strides, dilations, padding, pads = _geo(attrs)
        osp = out_spatial(sp, ws[:-2], strides, dilations, padding, pads)
        if depthwise:
            oc = None if ws[-2] is None or ws[-1] is None else ws[-2] * ws[-1]
        else:
            oc = ws[-1]
        return Spec(join_shape(n, osp, oc, f), x.dtype)
    return infer


def _infer_backprop_input(sizes, w, dy, **attrs):
    f = attrs["data_format"]
    rank = len(attrs["strides"])
    n, dsp, _ = split_spec(dy.shape, rank, f, "out_backprop", "BackpropInput")
    ws = w.shape if w.shape is not None else (None,) * rank
    strides, dilations, padding, pads = _geo(attrs)
    sp = _in_spatial(dsp, ws[:-2], strides, dilations, padding, pads)
    return Spec(join_shape(n, sp, ws[-2], f), dy.dtype)


def _infer_backprop_filter(depthwise: bool):
    def infer(x, sizes, dy, **attrs):
        f = attrs["data_format"]
        rank = len(attrs["strides"])
        _, _, c = split_spec(x.shape, rank, f, "input", "BackpropFilter")
        _, _, dc = split_spec(dy.shape, rank, f, "out_backprop", "BackpropFilter")
        if depthwise:
            o = dc // c if dc is not None and c else None
        else:
            o = dc
        return Spec((None,) * (rank - 2) + (c, o), x.dtype)
    return infer


# --- the primitives ------------------------------------------------------------------------------


def refine(out, sizes):
    """In a trace, gives the result of a backprop op the shape its `sizes` vector is known to
    hold (shape inference sees specs, not values; TensorFlow reads the constant here too)."""
    if isinstance(out, SymbolicTensor):
        value = known_value(sizes)
        if value is not None and len(value) == out.shape.rank:
            out.set_shape(value)
    return out


def _declare_family(fwd_name, bpi_name, bpf_name, depthwise: bool):
    """Declares a forward convolution and its two backprop ops, with their gradient rules."""
    fwd_k = K.depthwise if depthwise else K.conv
    bpi_k = K.depthwise_backprop_input if depthwise else K.conv_backprop_input
    bpf_k = K.depthwise_backprop_filter if depthwise else K.conv_backprop_filter

    @op(fwd_name, infer=_infer_forward(depthwise, fwd_name))
    def forward(xp, x, w, *, strides, padding, explicit_paddings, data_format, dilations):
        s, d, p, e = geo(strides, dilations, padding, explicit_paddings, data_format)
        y = fwd_k(xp, to_last(xp, x, data_format), w, s, d, p, e)
        return to_first(xp, y, data_format)

    @op(bpi_name, infer=_infer_backprop_input)
    def backprop_input(xp, sizes, w, dy, *, strides, padding, explicit_paddings, data_format,
                       dilations):
        s, d, p, e = geo(strides, dilations, padding, explicit_paddings, data_format)
        in_sizes = sizes_last(sizes, data_format)
        dx = bpi_k(xp, in_sizes[1:-1], w, to_last(xp, dy, data_format), s, d, p, e)
        return to_first(xp, xp.ascontiguousarray(dx), data_format)

    @op(bpf_name, infer=_infer_backprop_filter(depthwise))
    def backprop_filter(xp, x, sizes, dy, *, strides, padding, explicit_paddings, data_format,
                        dilations):
        s, d, p, e = geo(strides, dilations, padding, explicit_paddings, data_format)
        fsizes = tuple(int(v) for v in sizes.tolist())
        return bpf_k(xp, to_last(xp, x, data_format), fsizes, to_last(xp, dy, data_format),
                     s, d, p, e)

    def input_grad(x, w, dy, attrs):
        sizes = shape(x)
        return refine(execute(backprop_input, (sizes, w, dy), attrs), sizes)

    def filter_grad(x, w, dy, attrs):
        sizes = shape(w)
        return refine(execute(backprop_filter, (x, sizes, dy), attrs), sizes)

    @forward.def_grad
    def _forward_grad(op, dy):
        x, w = op.inputs
        return input_grad(x, w, dy, op.attrs), filter_grad(x, w, dy, op.attrs)

    @backprop_input.def_grad
    def _backprop_input_grad(op, g):
        sizes, w, dy = op.inputs
        return None, filter_grad(g, w, dy, op.attrs), execute(forward, (g, w), op.attrs)

    @backprop_filter.def_grad
    def _backprop_filter_grad(op, g):
        x, sizes, dy = op.inputs
        return input_grad(x, g, dy, op.attrs), None, execute(forward, (x, g), op.attrs)

    return forward, backprop_input, backprop_filter


_conv2d, _conv2d_bpi, _conv2d_bpf = _declare_family(
    "Conv2D", "Conv2DBackpropInput", "Conv2DBackpropFilter", depthwise=False)
_conv3d, _conv3d_bpi, _conv3d_bpf = _declare_family(
    "Conv3D", "Conv3DBackpropInputV2", "Conv3DBackpropFilterV2", depthwise=False)
_dw, _dw_bpi, _dw_bpf = _declare_family(
    "DepthwiseConv2dNative", "DepthwiseConv2dNativeBackpropInput",
    "DepthwiseConv2dNativeBackpropFilter", depthwise=True)
_FAMILIES = {2: (_conv2d, _conv2d_bpi, _conv2d_bpf), 3: (_conv3d, _conv3d_bpi, _conv3d_bpf)}


# --- public wrappers -----------------------------------------------------------------------------


def _attrs(n, strides, padding, data_format, dilations, op_name):
    p, explicit = padding_attrs(padding, n, data_format, op_name)
    return {"strides": full_attr(strides, n, data_format, "strides", op_name),
            "padding": p, "explicit_paddings": explicit, "data_format": data_format,
            "dilations": full_attr(dilations, n, data_format, "dilations", op_name)}


def _float_pair(x, w, op_name):
    x, w = binary(x, w, op_name)
    if not x.dtype.is_floating:
        raise TypeError(f"{op_name}: expected floating-point input and filter, got "
                        f"{x.dtype.name}")
    return x, w


def _check_rank(t, rank, what, op_name):
    r = t.shape.rank
    if r is not None and r != rank:
        raise ValueError(f"{op_name}: {what} must be rank {rank}, got shape {t.shape}")


def _conv_nd(n, input, filters, strides, padding, data_format, dilations):  # noqa: A002
    name = {2: "Conv2D", 3: "Conv3D"}[n]
    data_format = check_format(data_format, n, name)
    x, w = _float_pair(input, filters, name)
    _check_rank(w, n + 2, "filters", name)
    attrs = _attrs(n, strides, padding, data_format, dilations, name)
    rank = x.shape.rank
    if rank is not None and rank > n + 2:
        return _batched(x, lambda flat: execute(_FAMILIES[n][0], (flat, w), attrs), n)
    _check_rank(x, n + 2, "input", name)
    return execute(_FAMILIES[n][0], (x, w), attrs)


def _batched(x, fn, n):
    """TensorFlow's convolutions take any number of leading batch dims: fold them into one."""
    lead = x.shape.as_list()[:-(n + 1)]
    if any(d is None for d in lead):
        raise NotImplementedError("convolution of an input with several batch dimensions of "
                                  "unknown size")
    y = fn(reshape(x, [-1] + x.shape.as_list()[-(n + 1):]))
    return reshape(y, lead + y.shape.as_list()[1:])


def conv2d(input, filters, strides, padding, data_format="NHWC", dilations=None,  # noqa: A002
           name=None):
    """2-D convolution (cross-correlation) of a 4-D input with a (h, w, in, out) filter.

    `strides`/`dilations`: an int or a list of 1, 2 or 4 ints; `padding`: 'SAME', 'VALID' or a
    list of 4 [before, after] pairs in `data_format` order.

    >>> x = tf.ones((1, 4, 4, 1)); w = tf.ones((3, 3, 1, 2))
    >>> tf.nn.conv2d(x, w, strides=1, padding="VALID").shape
    TensorShape([1, 2, 2, 2])
    """
    return _conv_nd(2, input, filters, strides, padding, data_format, dilations)


def conv3d(input, filters, strides, padding, data_format="NDHWC", dilations=None,  # noqa: A002
           name=None):
    """3-D convolution of a 5-D input with a (d, h, w, in, out) filter (`tf.nn.conv3d`)."""
    return _conv_nd(3, input, filters, strides, padding, data_format, dilations)


def _expand_1d(x, data_format):
    """NWC -> N1WC and NCW -> NC1W: 1-D ops run as 2-D ones over a height of 1."""
    return expand_dims(x, 2 if channels_first(data_format) else 1)


def _attr_1d(value):
    if value is None or isinstance(value, int):
        return value
    value = [int(v) for v in (value.numpy().tolist() if hasattr(value, "numpy") else value)]
    return [value[0], 1] + value[1:] if len(value) == 3 else [1] + value


def _padding_1d(padding, data_format):
    if isinstance(padding, str):
        return padding
    pairs = list(padding)
    at = 2 if channels_first(data_format) else 1
    return pairs[:at] + [[0, 0]] + pairs[at:]


def conv1d(input, filters, stride, padding, data_format="NWC", dilations=None,  # noqa: A002
           name=None):
    """1-D convolution of a (batch..., width, in) input with a (width, in, out) filter.

    Runs as a 2-D convolution over a height of 1, as `tf.nn.conv1d` does.
    """
    data_format = check_format(data_format, 1, "Conv1D")
    x, w = _float_pair(input, filters, "Conv1D")
    if x.shape.rank is not None and x.shape.rank < 3:
        raise ValueError(f"Conv1D: input must be rank 3 or more, got shape {x.shape}")
    _check_rank(w, 3, "filters", "Conv1D")
    fmt2 = "NCHW" if channels_first(data_format) else "NHWC"
    at = -2 if channels_first(data_format) else -3  # counted from the end: batch dims vary
    y = conv2d(expand_dims(x, at), expand_dims(w, 0), _attr_1d(stride),
               _padding_1d(padding, data_format), fmt2, _attr_1d(dilations))
    return squeeze(y, [at])


def convolution(input, filters, strides=None, padding="VALID", data_format=None,  # noqa: A002
                dilations=None, name=None):
    """N-D convolution (N = 1, 2, 3) chosen by the input's rank (`tf.nn.convolution`)."""
    x = tensor(input)
    rank = x.shape.rank
    if rank not in (3, 4, 5):
        raise ValueError(f"Convolution: input must be rank 3, 4 or 5 (batch, spatial..., "
                         f"channels), got shape {x.shape}")
    n = rank - 2
    data_format = check_format(data_format, n, "Convolution")
    if n == 1:
        return conv1d(x, filters, strides or 1, padding, data_format, dilations)
    return _conv_nd(n, x, filters, strides, padding, data_format, dilations)


def _output_shape(output_shape, n, op_name):
    out = tensor(output_shape)
    if out.dtype not in (dtypes.int32, dtypes.int64):
        raise TypeError(f"{op_name}: output_shape must be int32 or int64, got {out.dtype.name}")
    if out.shape.rank != 1 or out.shape[0] not in (None, n + 2):
        raise ValueError(f"{op_name}: output_shape must be a vector of {n + 2} ints, got "
                         f"shape {out.shape}")
    return out


def _transpose_nd(n, input, filters, output_shape, strides, padding, data_format,  # noqa: A002
                  dilations):
    name = {2: "Conv2DBackpropInput", 3: "Conv3DBackpropInputV2"}[n]
    data_format = check_format(data_format, n, name)
    x, w = _float_pair(input, filters, name)
    _check_rank(x, n + 2, "input", name)
    _check_rank(w, n + 2, "filters", name)
    sizes = _output_shape(output_shape, n, name)
    return refine(execute(_FAMILIES[n][1], (sizes, w, x),
                          _attrs(n, strides, padding, data_format, dilations, name)), sizes)


def conv2d_transpose(input, filters, output_shape, strides, padding="SAME",  # noqa: A002
                     data_format="NHWC", dilations=None, name=None):
    """The transpose (gradient) of conv2d: filters are (h, w, out_channels, in_channels)."""
    return _transpose_nd(2, input, filters, output_shape, strides, padding, data_format,
                         dilations)


def conv3d_transpose(input, filters, output_shape, strides, padding="SAME",  # noqa: A002
                     data_format="NDHWC", dilations=None, name=None):
    """The transpose of conv3d: filters are (d, h, w, out_channels, in_channels)."""
    return _transpose_nd(3, input, filters, output_shape, strides, padding, data_format,
                         dilations)


def atrous_conv2d(value, filters, rate, padding, name=None):
    """2-D convolution with holes: conv2d with dilations `rate` (`tf.nn.atrous_conv2d`)."""
    _check_rate(rate, "atrous_conv2d")
    return conv2d(value, filters, 1, padding, dilations=int(rate))


def atrous_conv2d_transpose(value, filters, output_shape, rate, padding, name=None):
    """The transpose of atrous_conv2d (`tf.nn.atrous_conv2d_transpose`)."""
    _check_rate(rate, "atrous_conv2d_transpose")
    return conv2d_transpose(value, filters, output_shape, 1, padding, dilations=int(rate))


def _check_rate(rate, op_name):
    if int(rate) < 1:
        raise ValueError(f"{op_name}: rate must be a positive int, got {rate!r}")


def conv1d_transpose(input, filters, output_shape, strides, padding="SAME",  # noqa: A002
                     data_format="NWC", dilations=None, name=None):
    """The transpose of conv1d: filters are (width, out_channels, in_channels)."""
    data_format = check_format(data_format, 1, "conv1d_transpose")
    x, w = _float_pair(input, filters, "conv1d_transpose")
    _check_rank(x, 3, "input", "conv1d_transpose")
    _check_rank(w, 3, "filters", "conv1d_transpose")
    out = _output_shape(output_shape, 1, "conv1d_transpose")
    at = 2 if channels_first(data_format) else 1
    sizes = concat([out[:at], tensor([1], out.dtype), out[at:]], 0)
    fmt2 = "NCHW" if channels_first(data_format) else "NHWC"
    y = _transpose_nd(2, _expand_1d(x, data_format), expand_dims(w, 0), sizes,
                      _attr_1d(strides), _padding_1d(padding, data_format), fmt2,
                      _attr_1d(dilations))
    return squeeze(y, [at])


def conv2d_backprop_input(input_sizes, filters, out_backprop, strides, padding,
                          data_format="NHWC", dilations=None, name=None):
    """The gradient of conv2d for its input (`tf.compat.v1.nn.conv2d_backprop_input`)."""
    return conv2d_transpose(out_backprop, filters, input_sizes, strides, padding, data_format,
                            dilations)


def conv2d_backprop_filter(input, filter_sizes, out_backprop, strides, padding,  # noqa: A002
                           data_format="NHWC", dilations=None, name=None):
    """The gradient of conv2d for its filter (`tf.compat.v1.nn.conv2d_backprop_filter`)."""
    data_format = check_format(data_format, 2, "Conv2DBackpropFilter")
    x, dy = _float_pair(input, out_backprop, "Conv2DBackpropFilter")
    sizes = _output_shape(filter_sizes, 2, "Conv2DBackpropFilter")
    return refine(execute(_conv2d_bpf, (x, sizes, dy),
                          _attrs(2, strides, padding, data_format, dilations,
                                 "Conv2DBackpropFilter")), sizes)


def _depthwise_attrs(strides, padding, data_format, dilations, op_name):
    data_format = check_format(data_format, 2, op_name)
    return _attrs(2, strides, padding, data_format, dilations, op_name)


def depthwise_conv2d(input, filter, strides, padding, data_format=None,  # noqa: A002
                     dilations=None, name=None):
    """Each input channel convolved with its own `channel_multiplier` filters.

    `filter` is (h, w, in_channels, channel_multiplier); the output has in_channels *
    channel_multiplier channels, channel c * multiplier + m (`tf.nn.depthwise_conv2d`).
    """
    x, w = _float_pair(input, filter, "DepthwiseConv2dNative")
    _check_rank(x, 4, "input", "DepthwiseConv2dNative")
    _check_rank(w, 4, "filter", "DepthwiseConv2dNative")
    attrs = _depthwise_attrs(strides, padding, data_format, dilations, "DepthwiseConv2dNative")
    return execute(_dw, (x, w), attrs)


def depthwise_conv2d_backprop_input(input_sizes, filter, out_backprop, strides,  # noqa: A002
                                    padding, data_format="NHWC", dilations=None, name=None):
    """The gradient of depthwise_conv2d for its input."""
    dy, w = _float_pair(out_backprop, filter, "DepthwiseConv2dNativeBackpropInput")
    sizes = _output_shape(input_sizes, 2, "DepthwiseConv2dNativeBackpropInput")
    attrs = _depthwise_attrs(strides, padding, data_format, dilations,
                             "DepthwiseConv2dNativeBackpropInput")
    return refine(execute(_dw_bpi, (sizes, w, dy), attrs), sizes)


def depthwise_conv2d_backprop_filter(input, filter_sizes, out_backprop, strides,  # noqa: A002
                                     padding, data_format="NHWC", dilations=None, name=None):
    """The gradient of depthwise_conv2d for its filter."""
    x, dy = _float_pair(input, out_backprop, "DepthwiseConv2dNativeBackpropFilter")
    sizes = _output_shape(filter_sizes, 2, "DepthwiseConv2dNativeBackpropFilter")
    attrs = _depthwise_attrs(strides, padding, data_format, dilations,
                             "DepthwiseConv2dNativeBackpropFilter")
    return refine(execute(_dw_bpf, (x, sizes, dy), attrs), sizes)


def separable_conv2d(input, depthwise_filter, pointwise_filter, strides, padding,  # noqa: A002
                     data_format=None, dilations=None, name=None):
    """A depthwise convolution followed by a 1x1 convolution (`tf.nn.separable_conv2d`).

    `pointwise_filter` is (1, 1, in_channels * channel_multiplier, out_channels).
    """
    pw = tensor(pointwise_filter)
    _check_rank(pw, 4, "pointwise_filter", "separable_conv2d")
    if pw.shape[0] not in (None, 1) or pw.shape[1] not in (None, 1):
        raise ValueError(f"separable_conv2d: pointwise_filter must be (1, 1, in, out), got "
                         f"{pw.shape}")
    y = depthwise_conv2d(input, depthwise_filter, strides, padding, data_format, dilations)
    return conv2d(y, pw, 1, "VALID", check_format(data_format, 2, "separable_conv2d"))
