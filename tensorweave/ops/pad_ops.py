"""tf.pad: CONSTANT (PadV2) and REFLECT/SYMMETRIC (MirrorPad), with their gradients."""

from __future__ import annotations

import functools

import numpy as np

from tensorweave.framework import dtypes
from tensorweave.framework.op_def import execute, op
from tensorweave.framework.tensor import SymbolicTensor, Tensor
from tensorweave.ops import _infer
from tensorweave.ops._array_util import eager_errors, shape_parts, static_ints
from tensorweave.ops._convert import tensor as to_tensor

__all__ = ["pad"]

Spec = _infer.Spec


def _check_paddings(x, paddings, op_name):
    if x.shape is not None and len(paddings) != len(x.shape):
        raise ValueError(f"{op_name}: paddings must have one [before, after] pair per dim of the "
                         f"input: the input has shape {list(x.shape)}, paddings "
                         f"{[list(p) for p in paddings]}")


def _infer_pad(x, paddings_t=None, **attrs):
    paddings = attrs["paddings"]
    _check_paddings(x, paddings, "Pad")
    return Spec(tuple(None if x.shape is None or x.shape[i] is None or a is None or b is None
                      else x.shape[i] + a + b for i, (a, b) in enumerate(paddings)), x.dtype)


def _runtime_pairs(paddings_t, paddings):
    """The paddings to use: the attribute, or the input computed by a traced graph."""
    if paddings_t is None:
        return paddings
    flat = [int(v) for v in paddings_t.reshape(-1).tolist()]
    if any(v < 0 for v in flat) or len(flat) != 2 * len(paddings):
        raise ValueError(f"paddings must be non-negative pairs, got {flat}")
    return tuple((flat[i], flat[i + 1]) for i in range(0, len(flat), 2))


@op("PadV2", infer=_infer_pad)
def _pad(xp, x, paddings_t=None, *, paddings, constant_values):
    paddings = _runtime_pairs(paddings_t, paddings)
    if len(paddings) != x.ndim:
        raise ValueError(f"The first dimension of paddings must be the rank of inputs "
                         f"{[len(paddings), 2]} {list(x.shape)}")
    shape = tuple(n + a + b for n, (a, b) in zip(x.shape, paddings))
    out = xp.full(shape, constant_values, dtype=x.dtype)  # faster than xp.pad for small arrays
    out[tuple(slice(a, a + n) for n, (a, _) in zip(x.shape, paddings))] = x
    return out


def _infer_unpad(dy, x, paddings_t=None, *, paddings, **attrs):
    return Spec(x.shape, dy.dtype)


@op("PadGrad", infer=_infer_unpad)
def _pad_grad_op(xp, dy, x, paddings_t=None, *, paddings):
    """The gradient of PadV2: the centre of dy, without the padding."""
    paddings = _runtime_pairs(paddings_t, paddings)
    return dy[tuple(slice(a, a + n) for (a, _), n in zip(paddings, x.shape))]


@_pad.def_grad
def _pad_grad(op, dy):
    x, *rest = op.inputs
    dx = execute(_pad_grad_op, (dy, x, *rest), {"paddings": op.attrs["paddings"]})
    return (dx,) + (None,) * len(rest)


@_pad_grad_op.def_grad
def _pad_grad_op_grad(op, ddx):
    _, _, *rest = op.inputs
    attrs = {"paddings": op.attrs["paddings"], "constant_values": 0}
    return (execute(_pad, (ddx, *rest), attrs), None) + (None,) * len(rest)


@functools.lru_cache(maxsize=256)
def _mirror_sources(n: int, before: int, after: int, mode: str) -> np.ndarray:
    """For each output position along one dim, the input position it copies (cached: np.pad
    is slow, and a model pads the same sizes every step)."""
    out = np.pad(np.arange(n), (before, after), mode=mode.lower())
    out.flags.writeable = False
    return out


def _check_mirror(shape, paddings, mode):
    limit_offset = 0 if mode == "SYMMETRIC" else 1
    for i, ((a, b), n) in enumerate(zip(paddings, shape)):
        if n is not None and a is not None and b is not None and (
                a > n - limit_offset or b > n - limit_offset):
            raise ValueError(f"paddings must be no greater than the dimension size"
                             f"{'' if limit_offset == 0 else ' minus one'} in {mode} mode: "
                             f"dim {i} has size {n}, paddings [{a}, {b}]")


def _infer_mirror(x, paddings_t=None, *, paddings, mode):
    if x.shape is not None:
        _check_mirror(x.shape, paddings, mode)
    return _infer_pad(x, paddings=paddings)


@op("MirrorPad", infer=_infer_mirror)
def _mirror_pad(xp, x, paddings_t=None, *, paddings, mode):
    paddings = _runtime_pairs(paddings_t, paddings)
    if len(paddings) != x.ndim:
        raise ValueError(f"The first dimension of paddings must be the rank of inputs "
                         f"{[len(paddings), 2]} {list(x.shape)}")
    _check_mirror(x.shape, paddings, mode)
    for axis, ((a, b), n) in enumerate(zip(paddings, x.shape)):
        if a or b:  # one take per padded dim: several times faster than xp.pad
            x = xp.take(x, xp.asarray(_mirror_sources(n, a, b, mode)), axis=axis)
    return x


@op("MirrorPadGrad", infer=_infer_unpad)
def _mirror_pad_grad_op(xp, dy, x, paddings_t=None, *, paddings, mode):
    """Folds the mirrored borders of dy back onto the positions they were copied from."""
    paddings = _runtime_pairs(paddings_t, paddings)
    g = dy
    for axis, ((a, b), n) in enumerate(zip(paddings, x.shape)):
        if a == 0 and b == 0:
            continue
        src = _mirror_sources(n, a, b, mode)
        moved = xp.moveaxis(g, axis, 0)
        out = moved[a:a + n].copy()
        # within one border the sources are distinct, so a fancy-index add is exact
        if a:
            out[xp.asarray(src[:a])] += moved[:a]
        if b:
            out[xp.asarray(src[a + n:])] += moved[a + n:]
        g = xp.moveaxis(out, 0, axis)
    return g


@_mirror_pad.def_grad
def _mirror_pad_grad(op, dy):
    x, *rest = op.inputs
    return (execute(_mirror_pad_grad_op, (dy, x, *rest), op.attrs),) + (None,) * len(rest)


@_mirror_pad_grad_op.def_grad
def _mirror_pad_grad_op_grad(op, ddx):
    _, _, *rest = op.inputs
    return (execute(_mirror_pad, (ddx, *rest), op.attrs), None) + (None,) * len(rest)


@eager_errors("Pad")
def pad(tensor, paddings, mode="CONSTANT", constant_values=0, name=None) -> Tensor:
    """`tensor` padded by `paddings` ([[before, after]] per dim) (`tf.pad`). `mode` is CONSTANT
    (with `constant_values`), REFLECT (edges not repeated) or SYMMETRIC (edges repeated)."""
    x = to_tensor(tensor)
    flat, dynamic = _paddings_parts(paddings)
    if len(flat) % 2:
        raise ValueError(f"Pad: paddings must have shape [rank, 2], got {paddings!r}")
    pairs = tuple((flat[i], flat[i + 1]) for i in range(0, len(flat), 2))
    if any(p is not None and p < 0 for p in flat):
        raise ValueError(f"Pad: paddings must be non-negative, got {[list(p) for p in pairs]}")
    inputs = (x,) if dynamic is None else (x, dynamic)
    rank = x.shape.rank
    if rank is not None:
        _check_paddings(_infer.Spec(x.shape.as_tuple(), x.dtype), pairs, "Pad")
    mode = str(mode).upper()
    if mode == "CONSTANT":
        value = constant_values.numpy() if hasattr(constant_values, "numpy") else constant_values
        value = np.asarray(value).item()
        if x.dtype is dtypes.string:  # strings pad with "" unless told otherwise
            value = b"" if value == 0 else value.encode() if isinstance(value, str) else value
        elif isinstance(value, float) and x.dtype.is_integer:
            raise TypeError(f"Pad: constant_values {value!r} does not fit the input's dtype "
                            f"{x.dtype.name}")
        return execute(_pad, inputs, {"paddings": pairs, "constant_values": value})
    if mode not in ("REFLECT", "SYMMETRIC"):
        raise ValueError(f"Pad: mode must be one of CONSTANT, REFLECT, SYMMETRIC; got {mode!r}")
    return execute(_mirror_pad, inputs, {"paddings": pairs, "mode": mode})


def _paddings_parts(paddings):
    """Paddings flattened: (static ints with None where a traced graph computes them, the
    symbolic int32 vector of all of them or None)."""
    if isinstance(paddings, SymbolicTensor):
        from tensorweave.ops.array_ops import reshape

        n = paddings.shape.num_elements()
        if n is None:
            raise ValueError(f"Pad: symbolic paddings need a static shape, got {paddings.shape}")
        return (None,) * n, reshape(paddings, [-1])
    if isinstance(paddings, (list, tuple)) and any(
            isinstance(v, SymbolicTensor) or isinstance(v, (list, tuple)) and
            any(isinstance(w, SymbolicTensor) for w in v) for v in paddings):
        flat = [w for v in paddings for w in (v if isinstance(v, (list, tuple)) else [v])]
        return shape_parts(flat, "Pad")
    return static_ints(paddings, "paddings", "Pad"), None
