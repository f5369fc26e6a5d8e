"""The rest of tf.math: the special functions (Bessel, Dawson, Fresnel, ...: tf.math.special),
ndtri, erfcinv, lbeta, zeta, nextafter, reciprocal_no_nan, zero_fraction, invert_permutation,
is_non_decreasing / is_strictly_increasing, approx_max_k / approx_min_k.
"""

from __future__ import annotations

import math
import string

from tensorweave.framework import dtypes
from tensorweave.framework.op_def import execute, op
from tensorweave.framework.tensor import Tensor
from tensorweave.ops import _infer
from tensorweave.ops._array_util import static_int
from tensorweave.ops._convert import binary, tensor
from tensorweave.ops._special import special
from tensorweave.ops.binary_ops import divide_no_nan, equal
from tensorweave.ops.counting_ops import top_k
from tensorweave.ops.einsum_ops import einsum
from tensorweave.ops.math_core import (FLOATS, INEXACT, REALS, add, cast, check_dtype, divide,
                                       multiply, negative, square, subtract, sum_to_shape_of)
from tensorweave.ops.reduction_ops import reduce_mean, reduce_sum
from tensorweave.ops.unary_ops import cos, erfinv, exp, lgamma, log, sign, sin

__all__ = ["bessel_i0", "bessel_i0e", "bessel_i1", "bessel_i1e", "ndtri", "erfcinv", "lbeta",
           "zeta", "nextafter", "reciprocal_no_nan", "zero_fraction", "invert_permutation",
           "is_non_decreasing", "is_strictly_increasing", "approx_max_k", "approx_min_k",
           "igamma", "igammac", "betainc", "sobol_sample"]

# tf.math.special: these and the four Bessel I functions above (see api/math_special.py)
SPECIAL = ["bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "bessel_k0", "bessel_k0e",
           "bessel_k1", "bessel_k1e", "dawsn", "expint", "fresnel_cos", "fresnel_sin", "spence"]

_NO_ATTRS: dict = {}
_F32_F64 = frozenset({dtypes.float32, dtypes.float64})


def _c(x, value):
    return tensor(value, x.dtype)


# --- modified Bessel functions of the first kind -------------------------------------------------
def _bessel(tf_name, fn_name):
    def kernel(xp, x):
        return getattr(special(xp), fn_name)(x).astype(x.dtype, copy=False)
    kernel.__doc__ = f"{tf_name}: scipy.special.{fn_name} elementwise."
    return op(tf_name, infer=_infer.same, elementwise=True)(kernel)


_i0, _i0e, _i1, _i1e = (_bessel("BesselI0", "i0"), _bessel("BesselI0e", "i0e"),
                        _bessel("BesselI1", "i1"), _bessel("BesselI1e", "i1e"))
_j0, _j1, _y0, _y1 = (_bessel("BesselJ0", "j0"), _bessel("BesselJ1", "j1"),
                      _bessel("BesselY0", "y0"), _bessel("BesselY1", "y1"))
_k0, _k0e, _k1, _k1e = (_bessel("BesselK0", "k0"), _bessel("BesselK0e", "k0e"),
                        _bessel("BesselK1", "k1"), _bessel("BesselK1e", "k1e"))
_dawsn, _expint, _spence = (_bessel("Dawsn", "dawsn"), _bessel("Expint", "expi"),
                            _bessel("Spence", "spence"))


@op("FresnelCos", infer=_infer.same, elementwise=True)
def _fresnel_cos(xp, x):
    return special(xp).fresnel(x)[1].astype(x.dtype, copy=False)


@op("FresnelSin", infer=_infer.same, elementwise=True)
def _fresnel_sin(xp, x):
    return special(xp).fresnel(x)[0].astype(x.dtype, copy=False)


def _public_bessel(opdef, py_name, doc):
    def fn(x, name=None):
        x = tensor(x)
        if x.dtype not in FLOATS:
            check_dtype(x, FLOATS, opdef.name)
        return execute(opdef, (x,), _NO_ATTRS)
    fn.__name__ = fn.__qualname__ = py_name
    fn.__doc__ = doc
    return fn


bessel_i0 = _public_bessel(_i0, "bessel_i0", "The modified Bessel function I0 "
                           "(`tf.math.bessel_i0`).")
bessel_i0e = _public_bessel(_i0e, "bessel_i0e", "exp(-|x|) * I0(x), without overflow "
                            "(`tf.math.bessel_i0e`).")
bessel_i1 = _public_bessel(_i1, "bessel_i1", "The modified Bessel function I1 "
                           "(`tf.math.bessel_i1`).")
bessel_i1e = _public_bessel(_i1e, "bessel_i1e", "exp(-|x|) * I1(x), without overflow "
                            "(`tf.math.bessel_i1e`).")


bessel_j0 = _public_bessel(_j0, "bessel_j0", "The Bessel function J0 "
                           "(`tf.math.special.bessel_j0`).")
bessel_j1 = _public_bessel(_j1, "bessel_j1", "The Bessel function J1 "
                           "(`tf.math.special.bessel_j1`).")
bessel_y0 = _public_bessel(_y0, "bessel_y0", "The Bessel function Y0 "
                           "(`tf.math.special.bessel_y0`).")
bessel_y1 = _public_bessel(_y1, "bessel_y1", "The Bessel function Y1 "
                           "(`tf.math.special.bessel_y1`).")
bessel_k0 = _public_bessel(_k0, "bessel_k0", "The modified Bessel function K0 "
                           "(`tf.math.special.bessel_k0`).")
bessel_k0e = _public_bessel(_k0e, "bessel_k0e", "exp(x) * K0(x) (`tf.math.special.bessel_k0e`).")
bessel_k1 = _public_bessel(_k1, "bessel_k1", "The modified Bessel function K1 "
                           "(`tf.math.special.bessel_k1`).")
bessel_k1e = _public_bessel(_k1e, "bessel_k1e", "exp(x) * K1(x) (`tf.math.special.bessel_k1e`).")
dawsn = _public_bessel(_dawsn, "dawsn", "Dawson's integral (`tf.math.special.dawsn`).")
expint = _public_bessel(_expint, "expint", "The exponential integral Ei(x) "
                        "(`tf.math.special.expint`).")
spence = _public_bessel(_spence, "spence", "Spence's integral, the integral from 1 to x of "
                        "log(t) / (1 - t) (`tf.math.special.spence`).")
fresnel_cos = _public_bessel(_fresnel_cos, "fresnel_cos", "The Fresnel cosine integral C(x) "
                             "(`tf.math.special.fresnel_cos`).")
fresnel_sin = _public_bessel(_fresnel_sin, "fresnel_sin", "The Fresnel sine integral S(x) "
                             "(`tf.math.special.fresnel_sin`).")


@_i0.def_grad
def _i0_grad(op, dy):
    return (multiply(dy, bessel_i1(op.inputs[0])),)


@_i0e.def_grad
def _i0e_grad(op, dy):
    (x,), (y,) = op.inputs, op.outputs
    return (multiply(dy, subtract(bessel_i1e(x), multiply(sign(x), y))),)


def _i1_like_grad(i0_like, op, dy, scaled):
    # I1'(x) = I0(x) - I1(x)/x, whose limit at 0 is 1/2 (I1(x)/x -> 1/2)
    (x,), (y,) = op.inputs, op.outputs
    at_zero = cast(equal(x, _c(x, 0)), x.dtype)
    d = subtract(subtract(i0_like(x), divide_no_nan(y, x)), multiply(at_zero, _c(x, 0.5)))
    if scaled:
        d = subtract(d, multiply(sign(x), y))
    return (multiply(dy, d),)


@_i1.def_grad
def _i1_grad(op, dy):
    return _i1_like_grad(bessel_i0, op, dy, scaled=False)


@_i1e.def_grad
def _i1e_grad(op, dy):
    return _i1_like_grad(bessel_i0e, op, dy, scaled=True)


@_j0.def_grad
def _j0_grad(op, dy):
    return (negative(multiply(dy, bessel_j1(op.inputs[0]))),)


@_j1.def_grad
def _j1_grad(op, dy):
    return _i1_like_grad(bessel_j0, op, dy, scaled=False)  # J1' = J0 - J1/x, 1/2 at 0


@_y0.def_grad
def _y0_grad(op, dy):
    return (negative(multiply(dy, bessel_y1(op.inputs[0]))),)


@_y1.def_grad
def _y1_grad(op, dy):
    (x,), (y,) = op.inputs, op.outputs
    return (multiply(dy, subtract(bessel_y0(x), divide(y, x))),)


@_k0.def_grad
def _k0_grad(op, dy):
    return (negative(multiply(dy, bessel_k1(op.inputs[0]))),)


@_k0e.def_grad
def _k0e_grad(op, dy):
    (x,), (y,) = op.inputs, op.outputs
    return (multiply(dy, subtract(y, bessel_k1e(x))),)


@_k1.def_grad
def _k1_grad(op, dy):
    (x,), (y,) = op.inputs, op.outputs
    return (negative(multiply(dy, add(bessel_k0(x), divide(y, x)))),)


@_k1e.def_grad
def _k1e_grad(op, dy):
    (x,), (y,) = op.inputs, op.outputs
    return (multiply(dy, subtract(subtract(y, bessel_k0e(x)), divide(y, x))),)


@_dawsn.def_grad
def _dawsn_grad(op, dy):
    (x,), (y,) = op.inputs, op.outputs
    return (multiply(dy, subtract(_c(x, 1), multiply(_c(x, 2), multiply(x, y)))),)


@_expint.def_grad
def _expint_grad(op, dy):
    (x,) = op.inputs
    return (multiply(dy, divide(exp(x), x)),)


@_fresnel_cos.def_grad
def _fresnel_cos_grad(op, dy):
    (x,) = op.inputs
    return (multiply(dy, cos(multiply(_c(x, math.pi / 2), square(x)))),)


@_fresnel_sin.def_grad
def _fresnel_sin_grad(op, dy):
    (x,) = op.inputs
    return (multiply(dy, sin(multiply(_c(x, math.pi / 2), square(x)))),)


@_spence.def_grad
def _spence_grad(op, dy):
    # d/dx = log(x) / (1 - x), whose limit at x = 1 is -1
    (x,) = op.inputs
    one = _c(x, 1)
    at_one = cast(equal(x, one), x.dtype)
    d = subtract(divide_no_nan(log(x), subtract(one, x)), at_one)
    return (multiply(dy, d),)


# --- inverse normal CDF, lbeta, zeta -------------------------------------------------------------
def ndtri(x, name=None) -> Tensor:
    """The inverse of the standard normal CDF, sqrt(2) * erfinv(2x - 1) (`tf.math.ndtri`)."""
    x = tensor(x)
    check_dtype(x, _F32_F64, "Ndtri")
    return multiply(_c(x, math.sqrt(2.0)), erfinv(subtract(multiply(_c(x, 2), x), _c(x, 1))))


def erfcinv(x, name=None) -> Tensor:
    """The inverse of erfc, erfinv(1 - x) (`tf.math.erfcinv`)."""
    x = tensor(x)
    return negative(erfinv(subtract(x, _c(x, 1))))


def lbeta(x, name=None) -> Tensor:
    """log|B(x)| over the last axis: sum(lgamma(x)) - lgamma(sum(x)) (`tf.math.lbeta`)."""
    x = tensor(x)
    if not x.dtype.is_floating:
        raise TypeError(f"lbeta expects a floating tensor, got {x.dtype.name}")
    return subtract(reduce_sum(lgamma(x), axis=-1), lgamma(reduce_sum(x, axis=-1)))


@op("Zeta", infer=_infer.broadcast, elementwise=True)
def _zeta(xp, x, q):
    return special(xp).zeta(x, q).astype(x.dtype, copy=False)


@_zeta.def_grad
def _zeta_grad(op, dy):
    # d/dq zeta(x, q) = -x zeta(x + 1, q); TensorFlow has no gradient in x either
    x, q = op.inputs
    gq = multiply(dy, negative(multiply(x, execute(_zeta, (add(x, _c(x, 1)), q), _NO_ATTRS))))
    return None, sum_to_shape_of(gq, q)


def zeta(x, q, name=None) -> Tensor:
    """The Hurwitz zeta function, sum over n >= 0 of (q + n) ** -x (`tf.math.zeta`)."""
    x, q = binary(x, q, "Zeta")
    check_dtype(x, frozenset({dtypes.float32, dtypes.float64}), "Zeta")
    return execute(_zeta, (x, q), _NO_ATTRS)


# --- incomplete gamma and beta functions ---------------------------------------------------------
@op("Igamma", infer=_infer.broadcast, elementwise=True)
def _igamma(xp, a, x):
    return special(xp).gammainc(a, x).astype(x.dtype, copy=False)


@op("Igammac", infer=_infer.broadcast, elementwise=True)
def _igammac(xp, a, x):
    return special(xp).gammaincc(a, x).astype(x.dtype, copy=False)


@op("IgammaGradA", infer=_infer.broadcast, elementwise=True, differentiable=False)
def _igamma_grad_a(xp, a, x):
    """dP(a, x)/da by a central difference in float64 (SciPy has no closed form): about 8
    correct digits, with a step scaled to a."""
    a64, x64 = a.astype(xp.float64), x.astype(xp.float64)
    h = 1e-5 * xp.maximum(xp.abs(a64), 1.0)
    sp = special(xp)
    d = (sp.gammainc(a64 + h, x64) - sp.gammainc(xp.maximum(a64 - h, 1e-300), x64)) / (
        a64 + h - xp.maximum(a64 - h, 1e-300))
    return d.astype(a.dtype, copy=False)


def _igamma_dx(a, x):
    """dP(a, x)/dx = exp(-x) x^(a-1) / Gamma(a), computed in logs."""
    log_density = subtract(subtract(multiply(subtract(a, _c(a, 1)), log(x)), x), lgamma(a))
    return exp(log_density)


@_igamma.def_grad
def _igamma_grad(op, dy):
    a, x = op.inputs
    ga = multiply(dy, execute(_igamma_grad_a, (a, x), _NO_ATTRS))
    gx = multiply(dy, _igamma_dx(a, x))
    return sum_to_shape_of(ga, a), sum_to_shape_of(gx, x)


@_igammac.def_grad
def _igammac_grad(op, dy):
    a, x = op.inputs
    ga = negative(multiply(dy, execute(_igamma_grad_a, (a, x), _NO_ATTRS)))
    gx = negative(multiply(dy, _igamma_dx(a, x)))
    return sum_to_shape_of(ga, a), sum_to_shape_of(gx, x)


def igamma(a, x, name=None) -> Tensor:
    """The regularized lower incomplete gamma function P(a, x) (`tf.math.igamma`)."""
    a, x = binary(a, x, "Igamma")
    check_dtype(a, _F32_F64, "Igamma")
    return execute(_igamma, (a, x), _NO_ATTRS)


def igammac(a, x, name=None) -> Tensor:
    """The regularized upper incomplete gamma function Q(a, x) = 1 - P(a, x)
    (`tf.math.igammac`)."""
    a, x = binary(a, x, "Igammac")
    check_dtype(a, _F32_F64, "Igammac")
    return execute(_igammac, (a, x), _NO_ATTRS)


def _infer_betainc(a, b, x):
    shape = _infer.broadcast(_infer.broadcast(a, b), x).shape
    return _infer.Spec(shape, x.dtype)


@op("Betainc", infer=_infer_betainc, elementwise=True)
def _betainc(xp, a, b, x):
    return special(xp).betainc(a, b, x).astype(x.dtype, copy=False)


@_betainc.def_grad
def _betainc_grad(op, dy):
    # d/dx I_x(a, b) = x^(a-1) (1-x)^(b-1) / B(a, b); like TensorFlow, none in a and b
    a, b, x = op.inputs
    one = _c(x, 1)
    log_beta = subtract(add(lgamma(a), lgamma(b)), lgamma(add(a, b)))
    log_density = subtract(add(multiply(subtract(a, one), log(x)),
                               multiply(subtract(b, one), log(subtract(one, x)))), log_beta)
    return None, None, sum_to_shape_of(multiply(dy, exp(log_density)), x)


def betainc(a, b, x, name=None) -> Tensor:
    """The regularized incomplete beta function I_x(a, b) (`tf.math.betainc`)."""
    a, b, x = tensor(a), tensor(b), tensor(x)
    check_dtype(x, _F32_F64, "Betainc")
    for t in (a, b):
        if t.dtype is not x.dtype:
            raise TypeError(f"betainc: a, b and x must have one dtype, got {a.dtype.name}, "
                            f"{b.dtype.name} and {x.dtype.name}")
    return execute(_betainc, (a, b, x), _NO_ATTRS)


# --- Sobol sequences -----------------------------------------------------------------------------
def _infer_sobol(*, dim, num_results, skip, dtype):
    return _infer.Spec((num_results, dim), dtype)


@op("SobolSample", infer=_infer_sobol, differentiable=False)
def _sobol(xp, *, dim, num_results, skip, dtype):
    try:
        from scipy.stats import qmc  # optional: the Joe-Kuo direction numbers live there
    except ImportError as e:
        raise NotImplementedError("tf.math.sobol_sample needs SciPy (pip install scipy)") from e
    engine = qmc.Sobol(dim, scramble=False)
    engine.fast_forward(skip + 1)  # TensorFlow's sequence leaves out the first point, 0
    return xp.asarray(engine.random(num_results).astype(dtype.np_dtype))


def sobol_sample(dim, num_results, skip=0, dtype=dtypes.float32, name=None) -> Tensor:
    """`num_results` points of the `dim`-dimensional Sobol sequence, after skipping `skip`
    (`tf.math.sobol_sample`)."""
    dim = static_int(dim, "dim", "SobolSample")
    num_results = static_int(num_results, "num_results", "SobolSample")
    skip = static_int(skip, "skip", "SobolSample")
    if dim < 1 or num_results < 1 or skip < 0:
        raise ValueError(f"sobol_sample: dim and num_results must be positive and skip >= 0, got "
                         f"{dim}, {num_results}, {skip}")
    dtype = dtypes.as_dtype(dtype)
    if dtype not in _F32_F64:
        raise TypeError(f"sobol_sample: dtype must be float32 or float64, got {dtype.name}")
    return execute(_sobol, (), {"dim": dim, "num_results": num_results, "skip": skip,
                                "dtype": dtype})


# --- small utilities -----------------------------------------------------------------------------
@op("NextAfter", infer=_infer.broadcast, elementwise=True)
def _nextafter(xp, x1, x2):
    return xp.nextafter(x1, x2)


@_nextafter.def_grad
def _nextafter_grad(op, dy):
    # TensorFlow's rule: nextafter(x1, x2) moves x1 by one ulp, so d/dx1 = 1 and d/dx2 = 0
    x1, x2 = op.inputs
    return sum_to_shape_of(dy, x1), sum_to_shape_of(multiply(dy, _c(dy, 0)), x2)


def nextafter(x1, x2, name=None) -> Tensor:
    """The next representable float after x1 toward x2 (`tf.math.nextafter`)."""
    x1, x2 = binary(x1, x2, "NextAfter")
    check_dtype(x1, frozenset({dtypes.float32, dtypes.float64}), "NextAfter")
    return execute(_nextafter, (x1, x2), _NO_ATTRS)


def reciprocal_no_nan(x, name=None) -> Tensor:
    """1 / x, and 0 where x is 0 (`tf.math.reciprocal_no_nan`)."""
    x = tensor(x)
    if x.dtype not in INEXACT:
        check_dtype(x, INEXACT, "ReciprocalNoNan")
    return divide_no_nan(_c(x, 1), x)


def zero_fraction(value, name=None) -> Tensor:
    """The fraction of the entries of `value` that are zero, as float32
    (`tf.math.zero_fraction`)."""
    value = tensor(value)
    return reduce_mean(cast(equal(value, _c(value, 0)), dtypes.float32))


@op("InvertPermutation", infer=_infer.same, differentiable=False)
def _invert_permutation(xp, x):
    n = x.shape[0]
    if x.size and (int(x.min()) < 0 or int(x.max()) >= n):
        raise ValueError(f"invert_permutation: values must be in [0, {n})")
    out = xp.full(n, -1, dtype=x.dtype)
    out[x] = xp.arange(n, dtype=x.dtype)
    if bool((out < 0).any()):
        raise ValueError("invert_permutation: the input has a repeated value, so it is not a "
                         "permutation")
    return out


def invert_permutation(x, name=None) -> Tensor:
    """The inverse permutation y, with y[x[i]] = i (`tf.math.invert_permutation`)."""
    x = tensor(x)
    if x.dtype not in (dtypes.int32, dtypes.int64):
        raise TypeError(f"invert_permutation expects int32 or int64, got {x.dtype.name}")
    if x.shape.rank not in (1, None):
        raise ValueError(f"invert_permutation expects a vector, got shape {x.shape}")
    return execute(_invert_permutation, (x,), _NO_ATTRS)


def _order_kernel(strict):
    def kernel(xp, x):
        flat = x.reshape(-1)
        d = flat[1:] > flat[:-1] if strict else flat[1:] >= flat[:-1]
        return xp.asarray(bool(d.all()))
    return kernel


_is_non_decreasing = op("IsNonDecreasing", infer=lambda x: _infer.Spec((), dtypes.bool),
                        differentiable=False)(_order_kernel(False))
_is_strictly_increasing = op("IsStrictlyIncreasing", infer=lambda x: _infer.Spec((), dtypes.bool),
                             differentiable=False)(_order_kernel(True))


def is_non_decreasing(x, name=None) -> Tensor:
    """Whether x[i] <= x[i + 1] throughout x in row-major order (`tf.math.is_non_decreasing`)."""
    x = tensor(x)
    check_dtype(x, REALS, "IsNonDecreasing")
    return execute(_is_non_decreasing, (x,), _NO_ATTRS)


def is_strictly_increasing(x, name=None) -> Tensor:
    """Whether x[i] < x[i + 1] throughout x in row-major order
    (`tf.math.is_strictly_increasing`)."""
    x = tensor(x)
    check_dtype(x, REALS, "IsStrictlyIncreasing")
    return execute(_is_strictly_increasing, (x,), _NO_ATTRS)


# --- approximate top-k: exact here (recall 1.0, above any recall_target) -------------------------
def _approx_k(operand, k, reduction_dimension, largest):
    x = tensor(operand)
    rank = x.shape.rank
    if rank is None or rank == 0:
        raise ValueError("approx_max_k/approx_min_k need an operand of known rank >= 1")
    d = static_int(reduction_dimension, "reduction_dimension", "ApproxTopK") % rank
    if not largest:
        x = negative(x)
    if d != rank - 1:  # move the reduction axis last (an einsum transposes, with a gradient)
        letters = string.ascii_letters[:rank]
        moved = letters[:d] + letters[d + 1:] + letters[d]
        x = einsum(f"{letters}->{moved}", x)
    values, indices = top_k(x, k=k)
    if d != rank - 1:
        back = f"{moved}->{letters}"
        values, indices = einsum(back, values), einsum(back, indices)
    return (values if largest else negative(values)), indices


def approx_max_k(operand, k, reduction_dimension=-1, recall_target=0.95,
                 reduction_input_size_override=-1, aggregate_to_topk=True, name=None) -> tuple:
    """The k largest values along `reduction_dimension` and their int32 indices
    (`tf.math.approx_max_k`). Computed exactly, so its recall is 1."""
    return _approx_k(operand, k, reduction_dimension, largest=True)


def approx_min_k(operand, k, reduction_dimension=-1, recall_target=0.95,
                 reduction_input_size_override=-1, aggregate_to_topk=True, name=None) -> tuple:
    """The k smallest values along `reduction_dimension` and their int32 indices
    (`tf.math.approx_min_k`). Computed exactly, so its recall is 1."""
    return _approx_k(operand, k, reduction_dimension, largest=False)
