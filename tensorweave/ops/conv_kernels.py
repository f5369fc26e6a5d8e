"""Convolution and pooling kernels, written once against `xp` (NumPy or CuPy).

Every kernel works channels-last on any number of spatial dims (1, 2 or 3): the op wrappers in
conv_ops.py / pool_ops.py move channels-first data to channels-last and back. A convolution is
im2col + one GEMM: the padded input is viewed as sliding windows with `as_strided` (no copy), the
view is gathered once into a (N*P, K*C) matrix and multiplied by the (K*C, O) filter, so BLAS does
the work. The gradient for the filter is one GEMM with the same columns; the gradient for the input
is one GEMM followed by col2im, which accumulates the K taps into the padded input (a loop over the
kernel taps, each a strided slice, never over pixels). Pooling loops over the taps too.

Shapes: `x` is (N, *S, C); a filter is (*K, C, O); spatial geometry is resolved by `geometry`.
"""

from __future__ import annotations

import itertools
import math

# --- geometry ------------------------------------------------------------------------------------


def geometry(in_sizes, ksizes, strides, dilations, padding: str, explicit=None):
    """Output sizes and (before, after) pads per spatial dim, by TensorFlow's rules.

    SAME: out = ceil(in / stride), the odd pad goes at the end. VALID: no pad. EXPLICIT: the
    given pads. Raises ValueError when a window does not fit.
    """
    outs, pads = [], []
    for i, (n, k, s, d) in enumerate(zip(in_sizes, ksizes, strides, dilations)):
        eff = (k - 1) * d + 1
        if padding == "SAME":
            out = -(-n // s)
            total = max((out - 1) * s + eff - n, 0)
            before, after = total // 2, total - total // 2
        elif padding == "VALID":
            before = after = 0
            out = (n - eff) // s + 1 if n >= eff else 0
        elif padding == "EXPLICIT":
            before, after = explicit[i]
            span = n + before + after
            out = (span - eff) // s + 1 if span >= eff else 0
        else:
            raise ValueError(f"padding must be 'SAME', 'VALID' or explicit, got {padding!r}")
        if out <= 0 and n > 0:
            raise ValueError(f"the window (size {k}, dilation {d}) does not fit spatial dim {i} "
                             f"of size {n} with padding {padding}: the output would be empty")
        outs.append(max(out, 0))
        pads.append((before, after))
    return tuple(outs), tuple(pads)


def pad_spatial(xp, x, pads, value=0.0):
    """`x` (N, *S, C) padded on its spatial dims (no copy when there is nothing to pad)."""
    if not any(b or a for b, a in pads):
        return x
    shape = (x.shape[0],) + tuple(s + b + a for s, (b, a) in zip(x.shape[1:-1], pads)) \
        + (x.shape[-1],)
    out = xp.full(shape, value, dtype=x.dtype)
    out[_inner(pads, x.shape[1:-1])] = x
    return out


def _inner(pads, sizes):
    return (slice(None),) + tuple(slice(b, b + n) for (b, _), n in zip(pads, sizes)) \
        + (slice(None),)


def crop_spatial(x, pads, sizes):
    """Undoes `pad_spatial` (a view)."""
    if not any(b or a for b, a in pads):
        return x
    return x[_inner(pads, sizes)]


def _tap_slice(tap, strides, dilations, outs):
    """The strided slice of a padded input that kernel tap `tap` reads for every output."""
    return (slice(None),) + tuple(slice(t * d, t * d + (o - 1) * s + 1, s)
                                  for t, s, d, o in zip(tap, strides, dilations, outs)) \
        + (slice(None),)


def _taps(ksizes):
    return itertools.product(*(range(k) for k in ksizes))


# --- im2col / col2im -----------------------------------------------------------------------------


def windows(xp, xpad, ksizes, strides, dilations, outs):
    """A no-copy view (N, *O, *K, C) of the sliding windows of a padded input."""
    st = xpad.strides
    sp = st[1:-1]
    shape = (xpad.shape[0],) + tuple(outs) + tuple(ksizes) + (xpad.shape[-1],)
    strides_ = (st[0],) + tuple(a * s for a, s in zip(sp, strides)) \
        + tuple(a * d for a, d in zip(sp, dilations)) + (st[-1],)
    return xp.lib.stride_tricks.as_strided(xpad, shape=shape, strides=strides_)


def im2col(xp, x, ksizes, strides, dilations, outs, pads):
    """The (N*P, K*C) column matrix of `x` (N, *S, C): one gather, then a GEMM can follow."""
    n, c = x.shape[0], x.shape[-1]
    rows = n * math.prod(outs)
    if all(k == 1 for k in ksizes) and all(s == 1 for s in strides) \
            and not any(b or a for b, a in pads):
        return xp.ascontiguousarray(x).reshape(rows, c)
    xpad = pad_spatial(xp, x, pads)
    if c == 1:
        # one channel: windows would copy runs of kw elements; gathering each tap's whole
        # plane into a (K, N*P) matrix copies long runs instead (measured 6x faster), and its
        # transpose is what the GEMMs need (BLAS reads either order)
        k = math.prod(ksizes)
        cols_t = xp.empty((k, n) + tuple(outs), dtype=x.dtype)
        for t, tap in enumerate(_taps(ksizes)):
            cols_t[t] = xpad[_tap_slice(tap, strides, dilations, outs)][..., 0]
        return cols_t.reshape(k, rows).T
    st = xpad.strides
    if dilations[-1] == 1 and st[-2] == c * st[-1]:
        # a window's last tap axis and the channels are one contiguous run of kw*C elements:
        # viewed as one axis, the gather copies long runs (measured 2x faster than C-long ones)
        sp = st[1:-1]
        shape = (n,) + tuple(outs) + tuple(ksizes[:-1]) + (ksizes[-1] * c,)
        strides_ = (st[0],) + tuple(a * s for a, s in zip(sp, strides)) \
            + tuple(a * d for a, d in zip(sp[:-1], dilations[:-1])) + (st[-1],)
        view = xp.lib.stride_tricks.as_strided(xpad, shape=shape, strides=strides_)
        return view.reshape(rows, math.prod(ksizes) * c)
    return windows(xp, xpad, ksizes, strides, dilations, outs).reshape(rows, math.prod(ksizes) * c)


def col2im(xp, cols, in_sizes, ksizes, strides, dilations, outs, pads):
    """The adjoint of `im2col`: cols (N, *O, *K, C) summed back into an (N, *S, C) array."""
    n, c = cols.shape[0], cols.shape[-1]
    padded = tuple(s + b + a for s, (b, a) in zip(in_sizes, pads))
    out = xp.zeros((n,) + padded + (c,), dtype=cols.dtype)
    lead = (slice(None),) * (1 + len(outs))
    for tap in _taps(ksizes):
        out[_tap_slice(tap, strides, dilations, outs)] += cols[lead + tap]
    return crop_spatial(out, pads, in_sizes)


# --- convolution ---------------------------------------------------------------------------------


def _gemm_dtype(xp, dtype):
    """float16/bfloat16 GEMMs run in float32 (NumPy has no fast half-precision GEMM)."""
    return xp.float32 if (dtype.kind == "f" and dtype.itemsize < 4) or dtype.kind == "V" else None


# im2col columns are built this many bytes at a time at most (whole batches of samples), so a
# large image or batch never needs a K-times copy of its input in one piece
COLS_BUDGET = 32 << 20


# the filter gradient's GEMMs read each block's columns right after building them: blocks this
# small stay in cache (measured ~25% faster than 32 MB blocks at batch 256, the same at 32)
FILTER_GRAD_BLOCK = 2 << 20
# the input gradient's per-tap GEMMs reread a block's dy and result: bytes of both per block
INPUT_GRAD_BLOCK = 2 << 20
# max pooling's gradient: bytes of the pooled input per block of samples
POOL_GRAD_BLOCK = 3 << 20


def _batch_chunks(n, outs, ksizes, c, itemsize, budget=None):
    """Slices of the batch whose columns fit `budget` bytes (COLS_BUDGET by default; one slice
    when the whole batch does)."""
    per_sample = max(1, math.prod(outs) * math.prod(ksizes) * c * itemsize)
    step = max(1, (COLS_BUDGET if budget is None else budget) // per_sample)
    step = -(-n // -(-n // step))  # balanced: no small ragged last block
    return [slice(b, min(b + step, n)) for b in range(0, n, step)]


def conv(xp, x, w, strides, dilations, padding, explicit=None):
    """Convolution (cross-correlation, as TensorFlow): x (N, *S, C), w (*K, C, O) -> (N, *O, O)."""
    ksizes = w.shape[:-2]
    if x.shape[-1] != w.shape[-2]:
        raise ValueError(f"input depth {x.shape[-1]} does not match the filter's in_channels "
                         f"{w.shape[-2]} (filter shape {tuple(w.shape)})")
    outs, pads = geometry(x.shape[1:-1], ksizes, strides, dilations, padding, explicit)
    o = w.shape[-1]
    n = x.shape[0]
    if n == 0 or math.prod(outs) == 0:
        return xp.zeros((n,) + outs + (o,), dtype=x.dtype)
    up = _gemm_dtype(xp, x.dtype)
    wmat = w.reshape(-1, o) if up is None else w.reshape(-1, o).astype(up)
    chunks = _batch_chunks(n, outs, ksizes, x.shape[-1], x.dtype.itemsize)
    if len(chunks) == 1:
        return _conv_gemm(xp, x, wmat, ksizes, strides, dilations, outs, pads, up)
    out = xp.empty((n,) + outs + (o,), dtype=x.dtype)
    for sl in chunks:
        out[sl] = _conv_gemm(xp, x[sl], wmat, ksizes, strides, dilations, outs, pads, up)
    return out


def _conv_gemm(xp, x, wmat, ksizes, strides, dilations, outs, pads, up):
    cols = im2col(xp, x, ksizes, strides, dilations, outs, pads)
    if up is not None:
        return (cols.astype(up) @ wmat).astype(x.dtype).reshape((x.shape[0],) + outs + (-1,))
    return (cols @ wmat).reshape((x.shape[0],) + outs + (-1,))


def conv_backprop_input(xp, in_sizes, w, dy, strides, dilations, padding, explicit=None):
    """The gradient of `conv` for its input: dy (N, *O, O) -> (N, *in_sizes, C).

    With 3+ input channels: one GEMM per kernel tap into a reused contiguous buffer, added into
    the tap's strided slice of the padded result; measured faster than one big GEMM followed by
    col2im, whose taps are scattered through a (N*P, K*C) matrix.
    """
    ksizes = w.shape[:-2]
    c, o = w.shape[-2], w.shape[-1]
    outs, pads = geometry(in_sizes, ksizes, strides, dilations, padding, explicit)
    _check_out(dy, outs, o, "Conv*BackpropInput")
    n = dy.shape[0]
    if n == 0 or math.prod(outs) == 0:
        return xp.zeros((n,) + tuple(in_sizes) + (c,), dtype=dy.dtype)
    per_sample = (math.prod(outs) * o + math.prod(in_sizes) * c) * dy.dtype.itemsize
    step = max(1, INPUT_GRAD_BLOCK // per_sample)
    if n > step and xp.__name__ == "numpy":
        # blocks of samples whose dy and result stay in cache across the per-tap GEMMs
        # (measured ~28% faster at batch 256)
        dx = xp.empty((n,) + tuple(in_sizes) + (c,), dtype=dy.dtype)
        for start in range(0, n, step):
            sl = slice(start, min(start + step, n))
            dx[sl] = conv_backprop_input(xp, in_sizes, w, dy[sl], strides, dilations, padding,
                                         explicit)
        return dx
    up = _gemm_dtype(xp, dy.dtype)
    dmat = dy.reshape(-1, o)
    wt = w.reshape(-1, c, o)
    if up is not None:
        dmat, wt = dmat.astype(up), wt.astype(up)
    if all(k == 1 for k in ksizes) and all(s == 1 for s in strides) \
            and not any(b or a for b, a in pads):
        return (dmat @ wt[0].T).reshape((n,) + tuple(in_sizes) + (c,)).astype(dy.dtype, copy=False)
    if c <= 2:
        # per-tap GEMMs would be matrix-vector products rereading dy K times: one GEMM and
        # col2im is 2x faster for a first layer on grey or two-channel images
        dcols = (dmat @ wt.reshape(-1, o).T).reshape((n,) + outs + tuple(ksizes) + (c,))
        dx = col2im(xp, dcols, in_sizes, ksizes, strides, dilations, outs, pads)
        return dx.astype(dy.dtype, copy=False)
    padded = tuple(s + b + a for s, (b, a) in zip(in_sizes, pads))
    out = xp.zeros((n,) + padded + (c,), dtype=dmat.dtype)
    tmp = xp.empty((dmat.shape[0], c), dtype=dmat.dtype)
    tmp_view = tmp.reshape((n,) + outs + (c,))
    for t, tap in enumerate(_taps(ksizes)):
        xp.matmul(dmat, wt[t].T, out=tmp)
        out[_tap_slice(tap, strides, dilations, outs)] += tmp_view
    return crop_spatial(out, pads, in_sizes).astype(dy.dtype, copy=False)


def conv_backprop_filter(xp, x, filter_sizes, dy, strides, dilations, padding, explicit=None):
    """The gradient of `conv` for its filter: one GEMM of the input's columns with dy."""
    ksizes = tuple(filter_sizes[:-2])
    c, o = filter_sizes[-2], filter_sizes[-1]
    if x.shape[-1] != c:
        raise ValueError(f"input depth {x.shape[-1]} does not match filter_sizes {filter_sizes}")
    outs, pads = geometry(x.shape[1:-1], ksizes, strides, dilations, padding, explicit)
    _check_out(dy, outs, o, "Conv*BackpropFilter")
    if x.shape[0] == 0 or math.prod(outs) == 0:
        return xp.zeros(tuple(filter_sizes), dtype=x.dtype)
    up = _gemm_dtype(xp, x.dtype)
    dw = None
    for sl in _batch_chunks(x.shape[0], outs, ksizes, c, x.dtype.itemsize, FILTER_GRAD_BLOCK):
        cols = im2col(xp, x[sl], ksizes, strides, dilations, outs, pads)
        dmat = dy[sl].reshape(-1, o)
        if up is not None:
            cols, dmat = cols.astype(up), dmat.astype(up)
        part = cols.T @ dmat
        if dw is None:
            dw = part
        else:
            dw += part
    return dw.astype(x.dtype, copy=False).reshape(tuple(filter_sizes))


def _check_out(dy, outs, o, name):
    want = outs + (o,)
    if tuple(dy.shape[1:]) != want:
        raise ValueError(f"{name}: out_backprop has shape {tuple(dy.shape)}, expected "
                         f"(batch,) + {want} from the input size, filter and padding")


# --- depthwise convolution -----------------------------------------------------------------------


def depthwise(xp, x, w, strides, dilations, padding, explicit=None):
    """Depthwise convolution: x (N, *S, C), w (*K, C, M) -> (N, *O, C*M), channel c*M + m."""
    ksizes = w.shape[:-2]
    c, m = w.shape[-2], w.shape[-1]
    if x.shape[-1] != c:
        raise ValueError(f"input depth {x.shape[-1]} does not match the filter's in_channels {c}")
    outs, pads = geometry(x.shape[1:-1], ksizes, strides, dilations, padding, explicit)
    n = x.shape[0]
    k = math.prod(ksizes)
    cols = im2col(xp, x, ksizes, strides, dilations, outs, pads).reshape(-1, k, c)
    # batched over channels: (C, NP, K) @ (C, K, M) -> (C, NP, M)
    out = xp.matmul(cols.transpose(2, 0, 1), w.reshape(k, c, m).transpose(1, 0, 2))
    return xp.ascontiguousarray(out.transpose(1, 0, 2)).reshape((n,) + outs + (c * m,))


def depthwise_backprop_input(xp, in_sizes, w, dy, strides, dilations, padding, explicit=None):
    ksizes = w.shape[:-2]
    c, m = w.shape[-2], w.shape[-1]
    outs, pads = geometry(in_sizes, ksizes, strides, dilations, padding, explicit)
    _check_out(dy, outs, c * m, "DepthwiseConv2dNativeBackpropInput")
    n = dy.shape[0]
    k = math.prod(ksizes)
    d = dy.reshape(-1, c, m).transpose(1, 0, 2)  # (C, NP, M)
    dcols = xp.matmul(d, w.reshape(k, c, m).transpose(1, 2, 0))  # (C, NP, K)
    dcols = dcols.transpose(1, 2, 0).reshape((n,) + outs + tuple(ksizes) + (c,))
    return col2im(xp, dcols, in_sizes, ksizes, strides, dilations, outs, pads)


def depthwise_backprop_filter(xp, x, filter_sizes, dy, strides, dilations, padding,
                              explicit=None):
    ksizes = tuple(filter_sizes[:-2])
    c, m = filter_sizes[-2], filter_sizes[-1]
    outs, pads = geometry(x.shape[1:-1], ksizes, strides, dilations, padding, explicit)
    _check_out(dy, outs, c * m, "DepthwiseConv2dNativeBackpropFilter")
    k = math.prod(ksizes)
    cols = im2col(xp, x, ksizes, strides, dilations, outs, pads).reshape(-1, k, c)
    d = dy.reshape(-1, c, m).transpose(1, 0, 2)  # (C, NP, M)
    dw = xp.matmul(cols.transpose(2, 1, 0), d)  # (C, K, M)
    return xp.ascontiguousarray(dw.transpose(1, 0, 2)).reshape(tuple(filter_sizes))


# --- pooling -------------------------------------------------------------------------------------


def _lowest(xp, dtype):
    """The padding of max pooling: below every value (bfloat16 has kind 'V' but an -inf)."""
    return xp.iinfo(dtype).min if dtype.kind in "iu" else -xp.inf


def max_pool(xp, x, ksizes, strides, padding, explicit=None):
    """Max over each window (padding never wins): a running maximum over the kernel taps."""
    ones = (1,) * len(ksizes)
    outs, pads = geometry(x.shape[1:-1], ksizes, strides, ones, padding, explicit)
    if all(k == 1 for k in ksizes) and all(s == 1 for s in strides):
        return x.copy()
    xpad = pad_spatial(xp, x, pads, _lowest(xp, x.dtype))
    if _disjoint(ksizes, strides, outs, xpad.shape[1:-1])[1] and xpad.flags.c_contiguous:
        return _block_reduce(xp, xpad, ksizes, xp.maximum)
    views = [xpad[_tap_slice(tap, strides, ones, outs)] for tap in _taps(ksizes)]
    if len(views) == 1:
        return views[0].copy()
    out = xp.maximum(views[0], views[1])
    for v in views[2:]:
        xp.maximum(out, v, out=out)
    return out


def _block_reduce(xp, x, ksizes, ufunc):
    """Pools windows that tile `x` exactly, one spatial axis at a time: each step combines the
    k slices of a split axis, whose contiguous runs span everything after that axis (long runs
    instead of C-long ones: measured ~30% faster than the tap loop)."""
    for i, k in enumerate(ksizes):
        if k == 1:
            continue
        shape = x.shape
        lead, size = shape[:1 + i], shape[1 + i]
        r = x.reshape(lead + (size // k, k, math.prod(shape[2 + i:])))
        out = ufunc(r[..., 0, :], r[..., 1, :])
        for j in range(2, k):
            ufunc(out, r[..., j, :], out=out)
        x = out.reshape(lead + (size // k,) + shape[2 + i:])
    return x


def _disjoint(ksizes, strides, outs, padded):
    """(windows never overlap, windows cover the whole padded input)."""
    disjoint = all(s >= k for k, s in zip(ksizes, strides))
    covers = all(s == k and o * k == p for k, s, o, p in zip(ksizes, strides, outs, padded))
    return disjoint, covers


def max_pool_grad(xp, x, y, dy, ksizes, strides, padding, explicit=None):
    """MaxPoolGrad: each window's gradient goes to its first maximum (row-major), as TensorFlow.

    A pass over the taps in order: a tap takes the gradient of the windows whose maximum it
    holds and that no earlier tap took (`free`). Disjoint windows write their slices directly.
    """
    ones = (1,) * len(ksizes)
    in_sizes = x.shape[1:-1]
    n = x.shape[0]
    blocks = -(-x.nbytes // POOL_GRAD_BLOCK)
    if blocks > 1 and n > 1 and xp.__name__ == "numpy":
        # the tap passes reread x and dx: blocks of samples keep them in cache (measured ~30%
        # faster at batch 256); balanced blocks, no ragged tail
        step = -(-n // min(blocks, n))
        dx = xp.empty(x.shape, dtype=dy.dtype)
        for start in range(0, n, step):
            sl = slice(start, min(start + step, n))
            dx[sl] = max_pool_grad(xp, x[sl], y[sl], dy[sl], ksizes, strides, padding, explicit)
        return dx
    outs, pads = geometry(in_sizes, ksizes, strides, ones, padding, explicit)
    xpad = pad_spatial(xp, x, pads, _lowest(xp, x.dtype))
    disjoint, covers = _disjoint(ksizes, strides, outs, xpad.shape[1:-1])
    dx = (xp.empty if covers else xp.zeros)(xpad.shape, dtype=dy.dtype)
    taps = list(_taps(ksizes))
    last = len(taps) - 1
    hit = free = None
    for i, tap in enumerate(taps):
        sl = _tap_slice(tap, strides, ones, outs)
        if i == 0:
            hit = xpad[sl] == y
            free = ~hit
        elif i == last:
            hit = free  # the windows whose maximum no earlier tap holds: it is here
        else:
            xp.equal(xpad[sl], y, out=hit)
            hit &= free
            free ^= hit  # hit is a subset of free
        if disjoint:
            xp.multiply(hit, dy, out=dx[sl])
        else:
            dx[sl] += hit * dy
    return crop_spatial(dx, pads, in_sizes)


def max_pool_grad_grad(xp, x, y, g, ksizes, strides, padding, explicit=None):
    """MaxPoolGradGrad: picks `g` (shaped like x) at each window's first maximum."""
    ones = (1,) * len(ksizes)
    outs, pads = geometry(x.shape[1:-1], ksizes, strides, ones, padding, explicit)
    xpad = pad_spatial(xp, x, pads, _lowest(xp, x.dtype))
    gpad = pad_spatial(xp, g, pads, 0)
    out = xp.zeros(y.shape, dtype=g.dtype)
    free = xp.ones(y.shape, dtype=bool)
    for tap in _taps(ksizes):
        sl = _tap_slice(tap, strides, ones, outs)
        hit = xpad[sl] == y
        hit &= free
        free &= ~hit
        xp.copyto(out, gpad[sl], where=hit)
    return out


def max_pool_argmax(xp, x, ksizes, strides, padding, with_batch, index_dtype):
    """2-D max pooling with the flat index of each window's first maximum (NHWC)."""
    n, h, w, c = x.shape
    ones = (1, 1)
    outs, pads = geometry((h, w), ksizes, strides, ones, padding)
    xpad = pad_spatial(xp, x, pads, _lowest(xp, x.dtype))
    rows = xp.arange(outs[0]).reshape(1, -1, 1, 1) * strides[0] - pads[0][0]
    cols = xp.arange(outs[1]).reshape(1, 1, -1, 1) * strides[1] - pads[1][0]
    base = xp.arange(c).reshape(1, 1, 1, -1)
    if with_batch:
        base = base + xp.arange(n).reshape(-1, 1, 1, 1) * (h * w * c)
    best = idx = None
    for tap in _taps(ksizes):
        v = xpad[_tap_slice(tap, strides, ones, outs)]
        flat = ((rows + tap[0]) * w + cols + tap[1]) * c + base
        if best is None:
            best, idx = v.copy(), xp.broadcast_to(flat, v.shape).astype(index_dtype)
        else:
            better = v > best  # strict: the first maximum in row-major order stays
            xp.copyto(best, v, where=better)
            xp.copyto(idx, flat.astype(index_dtype), where=better)
    return best, idx


def _flat_positions(xp, argmax, shape, with_batch):
    if with_batch:
        return argmax.reshape(-1).astype(xp.int64)
    n = shape[0]
    per = math.prod(shape[1:])
    offsets = xp.arange(n, dtype=xp.int64).reshape((-1,) + (1,) * (argmax.ndim - 1)) * per
    return (argmax.astype(xp.int64) + offsets).reshape(-1)


def scatter_argmax(xp, shape, dy, argmax, with_batch):
    """An input-shaped array with dy summed at the flat positions of argmax."""
    pos = _flat_positions(xp, argmax, shape, with_batch)
    total = xp.bincount(pos, weights=dy.reshape(-1).astype(xp.float64),
                        minlength=math.prod(shape))
    return total.astype(dy.dtype).reshape(shape)


def gather_argmax(xp, g, argmax, with_batch):
    """g (shaped like the input) read at the flat positions of argmax."""
    pos = _flat_positions(xp, argmax, g.shape, with_batch)
    return g.reshape(-1)[pos].reshape(argmax.shape)


def _window_counts(xp, in_sizes, ksizes, strides, outs, pads, dtype):
    """How many in-bounds elements each output window covers (the divisor of SAME avg pool)."""
    counts = None
    for i, (n, k, s, o, (b, _)) in enumerate(zip(in_sizes, ksizes, strides, outs, pads)):
        start = xp.arange(o) * s - b
        c = xp.minimum(start + k, n) - xp.maximum(start, 0)
        shape = [1] * (len(outs) + 2)
        shape[1 + i] = o
        c = c.reshape(shape).astype(dtype)
        counts = c if counts is None else counts * c
    return counts


def avg_pool(xp, x, ksizes, strides, padding, explicit=None):
    """Mean over each window's in-bounds elements (TensorFlow's SAME excludes the padding)."""
    ones = (1,) * len(ksizes)
    in_sizes = x.shape[1:-1]
    outs, pads = geometry(in_sizes, ksizes, strides, ones, padding, explicit)
    xpad = pad_spatial(xp, x, pads, 0)
    if _disjoint(ksizes, strides, outs, xpad.shape[1:-1])[1] and xpad.flags.c_contiguous \
            and math.prod(ksizes) > 1:
        out = _block_reduce(xp, xpad, ksizes, xp.add)
    else:
        out = None
        for tap in _taps(ksizes):
            v = xpad[_tap_slice(tap, strides, ones, outs)]
            if out is None:
                out = v.copy()
            else:
                out += v
    if any(b or a for b, a in pads):
        out /= _window_counts(xp, in_sizes, ksizes, strides, outs, pads, x.dtype)
    else:
        out /= xp.asarray(math.prod(ksizes), dtype=x.dtype)
    return out


def avg_pool_grad(xp, in_shape, dy, ksizes, strides, padding, explicit=None):
    """AvgPoolGrad: each window's gradient spread evenly over its in-bounds elements."""
    ones = (1,) * len(ksizes)
    in_sizes = tuple(in_shape[1:-1])
    outs, pads = geometry(in_sizes, ksizes, strides, ones, padding, explicit)
    if tuple(dy.shape[1:-1]) != outs:
        raise ValueError(f"AvgPoolGrad: gradient of shape {tuple(dy.shape)} does not match the "
                         f"pooled shape of an input {tuple(in_shape)}")
    if any(b or a for b, a in pads):
        g = dy / _window_counts(xp, in_sizes, ksizes, strides, outs, pads, dy.dtype)
    else:
        g = dy / xp.asarray(math.prod(ksizes), dtype=dy.dtype)
    padded = tuple(s + b + a for s, (b, a) in zip(in_sizes, pads))
    disjoint, covers = _disjoint(ksizes, strides, outs, padded)
    dx = (xp.empty if covers else xp.zeros)((in_shape[0],) + padded + (in_shape[-1],),
                                            dtype=dy.dtype)
    for tap in _taps(ksizes):
        sl = _tap_slice(tap, strides, ones, outs)
        if disjoint:
            dx[sl] = g
        else:
            dx[sl] += g
    return crop_spatial(dx, pads, in_sizes)
