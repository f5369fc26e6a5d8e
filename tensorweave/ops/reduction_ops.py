"""Reductions: mean, max, min, prod, any, all, argmax/argmin, logsumexp, variance and std,
euclidean norm, count_nonzero; and the scans: cumsum, cumprod, cumulative_logsumexp.

Reduction ops take `axis` (None or a tuple of ints) and `keepdims` as attributes, like Sum in
math_core. Their gradients expand the output gradient back to the input's rank (ExpandReduced)
and broadcast it.
"""

from __future__ import annotations

import numpy as np

from tensorweave.framework import dtypes
from tensorweave.framework.errors import InvalidArgumentError
from tensorweave.framework.op_def import execute, op
from tensorweave.framework.tensor import Tensor
from tensorweave.ops import _infer
from tensorweave.ops._convert import axis_attr, tensor
from tensorweave.ops.binary_ops import divide_no_nan, equal, not_equal
from tensorweave.ops.math_core import (FLOATS, NUMBERS, REALS, _conj, _expand_reduced,
                                       broadcast_to_shape_of, cast, check_dtype, divide, multiply,
                                       reduce_sum, square, subtract)
from tensorweave.ops.unary_ops import abs, exp, sqrt

__all__ = ["reduce_mean", "reduce_max", "reduce_min", "reduce_prod", "reduce_any", "reduce_all",
           "argmax", "argmin", "reduce_logsumexp", "reduce_variance", "reduce_std",
           "reduce_euclidean_norm", "count_nonzero", "cumsum", "cumprod", "cumulative_logsumexp"]

_BOOL = frozenset({dtypes.bool})
_ARG_DTYPES = REALS | _BOOL


def _reduce_args(x, axis, keepdims):
    return {"axis": axis_attr(axis), "keepdims": bool(keepdims)}


def _expand(dy, x, axis, keepdims):
    """The output gradient reshaped to the input's rank (1 on the reduced axes)."""
    return dy if keepdims else execute(_expand_reduced, (dy, x), {"axis": axis})


def _empty_fill(xp, x, axis, keepdims, value):
    """A reduction over an empty axis: its identity element, where NumPy would raise."""
    shape = _infer.reduced_shape(x.shape, axis, keepdims)
    return xp.full(shape, value, dtype=x.dtype)


def _reduces_empty(x, axis) -> bool:
    if x.size:
        return False
    return axis is None or any(x.shape[a] == 0 for a in axis)


# --- mean ----------------------------------------------------------------------------------------
@op("Mean", infer=_infer.reduced)
def _mean(xp, x, *, axis, keepdims):
    if x.dtype.kind in "iu":
        # TensorFlow's integer mean: the sum divided in integers, truncated toward zero
        s = xp.sum(x, axis=axis, keepdims=keepdims, dtype=np.int64 if x.dtype.kind == "i"
                   else np.uint64)
        n = max(x.size // max(s.size, 1), 1)
        q = xp.abs(s) // n
        return (xp.where(s < 0, -q, q) if x.dtype.kind == "i" else q).astype(x.dtype)
    acc = np.float32 if x.dtype.itemsize < 4 else x.dtype  # float16 and bfloat16 sum in float32
    s = xp.sum(x, axis=axis, keepdims=keepdims, dtype=acc)
    n = x.size // s.size if s.size else 0
    # the mean of nothing is NaN
    return xp.asarray(s / n if n else s * np.nan).astype(x.dtype, copy=False)


def reduce_mean(input_tensor, axis=None, keepdims=False, name=None) -> Tensor:
    """The mean over `axis` (all axes when None) (`tf.reduce_mean`). Integers give the
    truncated integer mean, as in TensorFlow."""
    x = tensor(input_tensor)
    if x.dtype not in NUMBERS:
        check_dtype(x, NUMBERS, "Mean")
    return execute(_mean, (x,), _reduce_args(x, axis, keepdims))


@op("ReducedCount", infer=lambda x, y: _infer.Spec((), x.dtype), differentiable=False)
def _reduced_count(xp, x, y):
    """How many input elements fed each output element of a reduction, in x's dtype."""
    return xp.asarray(x.size // max(y.size, 1), dtype=x.dtype)


def _count(x, y):
    xs, ys = x.shape.as_tuple(), y.shape.as_tuple()
    if xs is not None and ys is not None and None not in xs and None not in ys:
        n = int(np.prod(xs, dtype=np.int64)) // max(int(np.prod(ys, dtype=np.int64)), 1)
        return tensor(n, x.dtype)
    return execute(_reduced_count, (x, y), {})


@_mean.def_grad
def _mean_grad(op, dy):
    (x,) = op.inputs
    axis, keepdims = op.attrs["axis"], op.attrs["keepdims"]
    g = broadcast_to_shape_of(_expand(dy, x, axis, keepdims), x)
    return (divide(g, _count(x, op.outputs[0])),)


# --- max and min ---------------------------------------------------------------------------------
def _extreme_kernel(fn_name, empty_sign):
    def kernel(xp, x, *, axis, keepdims):
        if _reduces_empty(x, axis):
            if x.dtype.kind == "f":
                value = empty_sign * np.inf
            else:
                info = np.iinfo(x.dtype)
                value = info.min if empty_sign < 0 else info.max
            return _empty_fill(xp, x, axis, keepdims, value)
        return getattr(xp, fn_name)(x, axis=axis, keepdims=keepdims)
    return kernel


_max = op("Max", infer=_infer.reduced)(_extreme_kernel("max", -1))
_min = op("Min", infer=_infer.reduced)(_extreme_kernel("min", 1))


def reduce_max(input_tensor, axis=None, keepdims=False, name=None) -> Tensor:
    """The maximum over `axis` (`tf.reduce_max`): -inf (or the dtype's min) over nothing."""
    x = tensor(input_tensor)
    if x.dtype not in REALS:
        check_dtype(x, REALS, "Max")
    return execute(_max, (x,), _reduce_args(x, axis, keepdims))


def reduce_min(input_tensor, axis=None, keepdims=False, name=None) -> Tensor:
    """The minimum over `axis` (`tf.reduce_min`): inf (or the dtype's max) over nothing."""
    x = tensor(input_tensor)
    if x.dtype not in REALS:
        check_dtype(x, REALS, "Min")
    return execute(_min, (x,), _reduce_args(x, axis, keepdims))


def _extreme_grad(op, dy):
    """The gradient goes to the elements equal to the extreme, shared equally among ties."""
    (x,) = op.inputs
    axis, keepdims = op.attrs["axis"], op.attrs["keepdims"]
    y = _expand(op.outputs[0], x, axis, keepdims)
    indicators = cast(equal(x, y), dy.dtype)
    count = reduce_sum(indicators, axis=axis, keepdims=True)
    return (multiply(divide(indicators, count), _expand(dy, x, axis, keepdims)),)


_max.def_grad(_extreme_grad)
_min.def_grad(_extreme_grad)


# --- prod ----------------------------------------------------------------------------------------
@op("Prod", infer=_infer.reduced)
def _prod(xp, x, *, axis, keepdims):
    return xp.prod(x, axis=axis, keepdims=keepdims, dtype=x.dtype)


def reduce_prod(input_tensor, axis=None, keepdims=False, name=None) -> Tensor:
    """The product over `axis` (`tf.reduce_prod`)."""
    x = tensor(input_tensor)
    if x.dtype not in NUMBERS:
        check_dtype(x, NUMBERS, "Prod")
    return execute(_prod, (x,), _reduce_args(x, axis, keepdims))


@_prod.def_grad
def _prod_grad(op, dy):
    # The product of all the other elements, without dividing (exact where x has zeros): along
    # one axis it is exclusive-cumprod from the left times exclusive-cumprod from the right. Over
    # several axes the product is taken one axis at a time and the chain rule walked back.
    (x,) = op.inputs
    axis, keepdims = op.attrs["axis"], op.attrs["keepdims"]
    rank = x.shape.rank
    if rank is None:
        raise NotImplementedError("The gradient of reduce_prod needs the input's rank")
    axes = sorted({a % rank for a in (range(rank) if axis is None else axis)}) if rank else []
    partials = [x]
    for a in axes[:-1]:
        partials.append(execute(_prod, (partials[-1],), {"axis": (a,), "keepdims": True}))
    g = _expand(dy, x, axis, keepdims)
    for a, part in zip(reversed(axes), reversed(partials)):
        others = multiply(cumprod(part, a, exclusive=True), cumprod(part, a, exclusive=True,
                                                                    reverse=True))
        g = multiply(_conj(others), g)
    return (g if axes else dy,)


# --- any and all ---------------------------------------------------------------------------------
@op("Any", infer=_infer.reduced, differentiable=False)
def _any(xp, x, *, axis, keepdims):
    return xp.any(x, axis=axis, keepdims=keepdims)


@op("All", infer=_infer.reduced, differentiable=False)
def _all(xp, x, *, axis, keepdims):
    return xp.all(x, axis=axis, keepdims=keepdims)


def _bool_input(x, op_name):
    x = tensor(x)
    if x.dtype is not dtypes.bool:
        raise InvalidArgumentError(None, None, (
            f"cannot compute {op_name} as input #0(zero-based) was expected to be a bool tensor "
            f"but is a {x.dtype.name} tensor [Op:{op_name}]"))
    return x


def reduce_any(input_tensor, axis=None, keepdims=False, name=None) -> Tensor:
    """Logical OR over `axis` of a bool tensor (`tf.reduce_any`)."""
    x = _bool_input(input_tensor, "Any")
    return execute(_any, (x,), _reduce_args(x, axis, keepdims))


def reduce_all(input_tensor, axis=None, keepdims=False, name=None) -> Tensor:
    """Logical AND over `axis` of a bool tensor (`tf.reduce_all`)."""
    x = _bool_input(input_tensor, "All")
    return execute(_all, (x,), _reduce_args(x, axis, keepdims))


# --- argmax and argmin ---------------------------------------------------------------------------
def _infer_arg(x, *, axis, output_type):
    if x.shape is None:
        return _infer.Spec(None, output_type)
    rank = len(x.shape)
    if not -rank <= axis < rank:
        raise ValueError(f"Expected dimension in the range [{-rank}, {rank}), but got {axis}")
    return _infer.Spec(tuple(d for i, d in enumerate(x.shape) if i != axis % rank), output_type)


def _arg_kernel(fn_name):
    def kernel(xp, x, *, axis, output_type):
        rank = x.ndim
        if not -rank <= axis < rank:
            raise ValueError(f"Expected dimension in the range [{-rank}, {rank}), but got {axis}")
        return getattr(xp, fn_name)(x, axis=axis).astype(output_type.np_dtype, copy=False)
    return kernel


_argmax = op("ArgMax", infer=_infer_arg, differentiable=False)(_arg_kernel("argmax"))
_argmin = op("ArgMin", infer=_infer_arg, differentiable=False)(_arg_kernel("argmin"))


def _arg_attrs(axis, output_type, op_name):
    if axis is None:
        axis = 0
    a = axis_attr(axis)
    if len(a) != 1:
        raise ValueError(f"{op_name}: axis must be a scalar, got {axis!r}")
    out = dtypes.as_dtype(output_type)
    if out not in (dtypes.int32, dtypes.int64, dtypes.int16, dtypes.uint16):
        raise TypeError(f"{op_name}: output_type must be int16, uint16, int32 or int64, got "
                        f"{out.name}")
    return {"axis": a[0], "output_type": out}


def argmax(input, axis=None, output_type=dtypes.int64, name=None) -> Tensor:  # noqa: A002
    """The index of the largest value along `axis` (0 when None) (`tf.math.argmax`)."""
    x = tensor(input)
    if x.dtype not in _ARG_DTYPES:
        check_dtype(x, _ARG_DTYPES, "ArgMax")
    return execute(_argmax, (x,), _arg_attrs(axis, output_type, "ArgMax"))


def argmin(input, axis=None, output_type=dtypes.int64, name=None) -> Tensor:  # noqa: A002
    """The index of the smallest value along `axis` (0 when None) (`tf.math.argmin`)."""
    x = tensor(input)
    if x.dtype not in _ARG_DTYPES:
        check_dtype(x, _ARG_DTYPES, "ArgMin")
    return execute(_argmin, (x,), _arg_attrs(axis, output_type, "ArgMin"))


# --- logsumexp, variance, std, euclidean norm, count_nonzero -------------------------------------
@op("ReduceLogSumExp", infer=_infer.reduced)
def _logsumexp(xp, x, *, axis, keepdims):
    if _reduces_empty(x, axis):
        return _empty_fill(xp, x, axis, keepdims, -np.inf)
    m = xp.max(x, axis=axis, keepdims=True)
    m = xp.where(xp.isfinite(m), m, 0)  # all -inf (or an inf) must not make inf - inf = nan
    out = xp.log(xp.sum(xp.exp(x - m), axis=axis, keepdims=True)) + m
    if not keepdims:
        out = out.reshape(_infer.reduced_shape(x.shape, axis, False))
    return out.astype(x.dtype, copy=False)


@_logsumexp.def_grad
def _logsumexp_grad(op, dy):
    (x,) = op.inputs
    axis, keepdims = op.attrs["axis"], op.attrs["keepdims"]
    y = _expand(op.outputs[0], x, axis, keepdims)
    return (multiply(_expand(dy, x, axis, keepdims), exp(subtract(x, y))),)


def reduce_logsumexp(input_tensor, axis=None, keepdims=False, name=None) -> Tensor:
    """log(sum(exp(x))) over `axis`, without overflow (`tf.math.reduce_logsumexp`)."""
    x = tensor(input_tensor)
    if x.dtype not in FLOATS:
        check_dtype(x, FLOATS, "ReduceLogSumExp")
    return execute(_logsumexp, (x,), _reduce_args(x, axis, keepdims))


def reduce_variance(input_tensor, axis=None, keepdims=False, name=None) -> Tensor:
    """The population variance over `axis` (`tf.math.reduce_variance`); for complex inputs the
    mean squared modulus of the deviation, a real tensor."""
    x = tensor(input_tensor)
    if not (x.dtype.is_floating or x.dtype.is_complex):
        raise TypeError(f"Input must be either real or complex. Received integer type "
                        f"{x.dtype.name}.")
    mean = reduce_mean(x, axis=axis, keepdims=True)
    deviation = subtract(x, mean)
    sq = square(abs(deviation)) if x.dtype.is_complex else square(deviation)
    return reduce_mean(sq, axis=axis, keepdims=keepdims)


def reduce_std(input_tensor, axis=None, keepdims=False, name=None) -> Tensor:
    """The population standard deviation over `axis` (`tf.math.reduce_std`)."""
    return sqrt(reduce_variance(input_tensor, axis=axis, keepdims=keepdims))


@op("EuclideanNorm", infer=_infer.reduced)
def _euclidean_norm(xp, x, *, axis, keepdims):
    sq = (x * xp.conj(x)).real if x.dtype.kind == "c" else x * x
    out = xp.sqrt(xp.sum(sq, axis=axis, keepdims=keepdims))
    return out.astype(x.dtype, copy=False)


@_euclidean_norm.def_grad
def _euclidean_norm_grad(op, dy):
    (x,) = op.inputs
    axis, keepdims = op.attrs["axis"], op.attrs["keepdims"]
    y = _expand(op.outputs[0], x, axis, keepdims)
    return (multiply(_expand(dy, x, axis, keepdims), divide_no_nan(x, y)),)


def reduce_euclidean_norm(input_tensor, axis=None, keepdims=False, name=None) -> Tensor:
    """sqrt(sum(x**2)) over `axis` (`tf.math.reduce_euclidean_norm`)."""
    x = tensor(input_tensor)
    if x.dtype not in NUMBERS:
        check_dtype(x, NUMBERS, "EuclideanNorm")
    return execute(_euclidean_norm, (x,), _reduce_args(x, axis, keepdims))


def count_nonzero(input, axis=None, keepdims=None, dtype=dtypes.int64, name=None) -> Tensor:
    """How many elements are not zero (or False, or '') over `axis` (`tf.math.count_nonzero`)."""
    x = tensor(input)
    zero = tensor("" if x.dtype is dtypes.string else 0, x.dtype)
    nonzero = cast(not_equal(x, zero), dtypes.int64)
    return cast(reduce_sum(nonzero, axis=axis, keepdims=bool(keepdims)), dtype)


# --- scans ---------------------------------------------------------------------------------------
def _infer_scan(x, *, axis, exclusive, reverse):
    if x.shape is not None and not -len(x.shape) <= axis < max(len(x.shape), 1):
        raise ValueError(f"axis {axis} is out of range for a tensor of rank {len(x.shape)}")
    return x


def _scan(xp, x, axis, exclusive, reverse, ufunc_name, identity):
    if x.ndim == 0:
        raise ValueError("a scan needs a tensor of rank >= 1, got a scalar")
    if reverse:
        x = xp.flip(x, axis)
    out = getattr(xp, ufunc_name)(x, axis=axis, dtype=x.dtype)
    if exclusive:
        out = xp.roll(out, 1, axis=axis)
        index = [slice(None)] * x.ndim
        index[axis] = 0
        out[tuple(index)] = identity
    return xp.flip(out, axis) if reverse else out


@op("Cumsum", infer=_infer_scan)
def _cumsum(xp, x, *, axis, exclusive, reverse):
    return _scan(xp, x, axis, exclusive, reverse, "cumsum", 0)


@op("Cumprod", infer=_infer_scan)
def _cumprod(xp, x, *, axis, exclusive, reverse):
    return _scan(xp, x, axis, exclusive, reverse, "cumprod", 1)


@op("CumulativeLogsumexp", infer=_infer_scan)
def _cumulative_logsumexp(xp, x, *, axis, exclusive, reverse):
    if x.ndim == 0:
        raise ValueError("a scan needs a tensor of rank >= 1, got a scalar")
    m = xp.max(x, axis=axis, keepdims=True) if x.size else xp.zeros((1,) * x.ndim, x.dtype)
    m = xp.where(xp.isfinite(m), m, 0)
    out = xp.log(_scan(xp, xp.exp(x - m), axis, exclusive, reverse, "cumsum", 0)) + m
    return out.astype(x.dtype, copy=False)


def _scan_attrs(x, axis, exclusive, reverse):
    a = axis_attr(axis)
    if len(a) != 1:
        raise ValueError(f"axis must be a scalar, got {axis!r}")
    return {"axis": a[0], "exclusive": bool(exclusive), "reverse": bool(reverse)}


def cumsum(x, axis=0, exclusive=False, reverse=False, name=None) -> Tensor:
    """Running sums along `axis` (`tf.math.cumsum`); `exclusive` leaves out the element itself,
    `reverse` runs from the end."""
    x = tensor(x)
    if x.dtype not in NUMBERS:
        check_dtype(x, NUMBERS, "Cumsum")
    return execute(_cumsum, (x,), _scan_attrs(x, axis, exclusive, reverse))


def cumprod(x, axis=0, exclusive=False, reverse=False, name=None) -> Tensor:
    """Running products along `axis` (`tf.math.cumprod`)."""
    x = tensor(x)
    if x.dtype not in NUMBERS:
        check_dtype(x, NUMBERS, "Cumprod")
    return execute(_cumprod, (x,), _scan_attrs(x, axis, exclusive, reverse))


def cumulative_logsumexp(x, axis=0, exclusive=False, reverse=False, name=None) -> Tensor:
    """Running log(sum(exp(x))) along `axis`, without overflow (`tf.math.cumulative_logsumexp`)."""
    x = tensor(x)
    if not x.dtype.is_floating:
        check_dtype(x, frozenset({dtypes.float16, dtypes.float32, dtypes.float64}),
                    "CumulativeLogsumexp")
    return execute(_cumulative_logsumexp, (x,), _scan_attrs(x, axis, exclusive, reverse))


@_cumsum.def_grad
def _cumsum_grad(op, dy):
    a = op.attrs
    return (cumsum(dy, a["axis"], exclusive=a["exclusive"], reverse=not a["reverse"]),)


@_cumprod.def_grad
def _cumprod_grad(op, dy):
    # TensorFlow's rule (it divides by x, so it is undefined where x is 0)
    (x,) = op.inputs
    a = op.attrs
    prod = cumprod(x, a["axis"], exclusive=a["exclusive"], reverse=a["reverse"])
    out = cumsum(multiply(prod, dy), a["axis"], exclusive=a["exclusive"],
                 reverse=not a["reverse"])
    return (divide_no_nan(out, x),)


@_cumulative_logsumexp.def_grad
def _cumulative_logsumexp_grad(op, dy):
    # d out_j / d x_i = exp(x_i - out_j) for the i that out_j sums over
    (x,) = op.inputs
    (y,) = op.outputs
    a = op.attrs
    scaled = cumsum(multiply(dy, exp(subtract(tensor(0, y.dtype), y))), a["axis"],
                    exclusive=a["exclusive"], reverse=not a["reverse"])
    return (multiply(scaled, exp(x)),)

