"""Unary elementwise math: abs, sqrt, exp, log, trig and hyperbolic, sigmoid, rounding, predicates.

Each op is one OpDef; its public wrapper converts the argument, refuses the dtypes TensorFlow has
no kernel for (with TensorFlow's message) and executes. Gradients use tensorweave ops only, with
TensorFlow's conventions for complex inputs (the conjugate of the derivative).
"""

from __future__ import annotations

import math
import warnings

from tensorweave.framework import dtypes
from tensorweave.framework.op_def import execute, op
from tensorweave.framework.tensor import Tensor
from tensorweave.ops import _infer
from tensorweave.ops._convert import binary, tensor
from tensorweave.ops._special import special
from tensorweave.ops.binary_ops import divide_no_nan, less
from tensorweave.ops.math_core import (COMPLEX, FLOATS, INEXACT, INTS, NUMBERS, REALS, SIGNED_INTS,
                                       _conj, add,
                                       cast, check_dtype, divide, multiply, negative, square,
                                       subtract, sum_to_shape_of, zeros_like)

__all__ = ["abs", "sign", "sqrt", "rsqrt", "exp", "expm1", "log", "log1p", "sigmoid", "tanh",
           "floor", "ceil", "round", "rint", "reciprocal", "sin", "cos", "tan", "asin", "acos",
           "atan", "sinh", "cosh", "asinh", "acosh", "atanh", "erf", "erfc", "erfinv", "lgamma",
           "digamma", "polygamma", "softplus", "softsign", "log_sigmoid", "is_nan", "is_inf",
           "is_finite", "logical_not", "invert", "real", "imag", "angle", "complex"]

# NumPy warns on log(0), sqrt(-1), ...; TensorFlow returns inf/nan silently, and so do we.
warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"tensorweave\.ops\.")

_NO_ATTRS: dict = {}
_F32_F64 = frozenset({dtypes.float32, dtypes.float64})


def _public(opdef, allowed: frozenset, py_name: str, doc: str):
    """The public wrapper of a unary op: convert, check the dtype, execute."""
    op_name = opdef.name

    def fn(x, name=None):
        x = tensor(x)
        if x.dtype not in allowed:
            check_dtype(x, allowed, op_name)
        return execute(opdef, (x,), _NO_ATTRS)

    fn.__name__ = fn.__qualname__ = py_name
    fn.__doc__ = doc
    fn.__annotations__ = {"x": "Tensor", "name": "str | None", "return": "Tensor"}
    return fn


def _c(x, value):
    """A scalar constant of `x`'s dtype."""
    return tensor(value, x.dtype)


# --- abs and sign --------------------------------------------------------------------------------
@op("Abs", infer=_infer.same, elementwise=True)
def _abs(xp, x):
    return xp.abs(x)


def _infer_complex_abs(x, **attrs):
    return _infer.Spec(x.shape, x.dtype.real_dtype)


@op("ComplexAbs", infer=_infer_complex_abs, elementwise=True)
def _complex_abs(xp, x):
    return xp.abs(x)


@op("Sign", infer=_infer.same, elementwise=True)
def _sign(xp, x):
    return xp.sign(x)


def abs(x, name=None) -> Tensor:  # noqa: A001 - TensorFlow's public name
    """|x| elementwise (`tf.abs`); for complex inputs the modulus, as a real tensor."""
    x = tensor(x)
    if x.dtype in COMPLEX:
        return execute(_complex_abs, (x,), _NO_ATTRS)
    if x.dtype not in _SIGNED_REALS:  # TensorFlow has no unsigned kernels for Abs and Sign
        check_dtype(x, _SIGNED_REALS, "Abs")
    return execute(_abs, (x,), _NO_ATTRS)


_SIGNED_REALS = FLOATS | SIGNED_INTS
_real_sign = _public(_sign, _SIGNED_REALS, "sign", "")


def sign(x, name=None) -> Tensor:
    """-1, 0 or 1 by the sign of x; x / |x| (0 at 0) for complex x (`tf.sign`)."""
    x = tensor(x)
    if x.dtype in COMPLEX:  # a composite, as TensorFlow, so that it has a gradient
        return divide_no_nan(x, cast(execute(_complex_abs, (x,), _NO_ATTRS), x.dtype))
    return _real_sign(x)


@_abs.def_grad
def _abs_grad(op, dy):
    (x,) = op.inputs
    return (multiply(dy, sign(x)),)


@_complex_abs.def_grad
def _complex_abs_grad(op, dy):
    (x,) = op.inputs
    (y,) = op.outputs
    return (multiply(cast(dy, x.dtype), divide_no_nan(x, cast(y, x.dtype))),)


@_sign.def_grad
def _sign_grad(op, dy):
    return (zeros_like(op.inputs[0]),)


# --- powers, exponentials and logarithms ---------------------------------------------------------
@op("Sqrt", infer=_infer.same, elementwise=True)
def _sqrt(xp, x):
    return xp.sqrt(x)


@op("Rsqrt", infer=_infer.same, elementwise=True)
def _rsqrt(xp, x):
    return (1 / xp.sqrt(x)).astype(x.dtype, copy=False)


@op("Exp", infer=_infer.same, elementwise=True)
def _exp(xp, x):
    return xp.exp(x)


@op("Expm1", infer=_infer.same, elementwise=True)
def _expm1(xp, x):
    return xp.expm1(x)


@op("Log", infer=_infer.same, elementwise=True)
def _log(xp, x):
    return xp.log(x)


@op("Log1p", infer=_infer.same, elementwise=True)
def _log1p(xp, x):
    return xp.log1p(x)


@op("Reciprocal", infer=_infer.same, elementwise=True)
def _reciprocal(xp, x):
    return (1 / x).astype(x.dtype, copy=False)


sqrt = _public(_sqrt, INEXACT, "sqrt", "The square root elementwise (`tf.sqrt`, `tf.math.sqrt`).")
rsqrt = _public(_rsqrt, INEXACT, "rsqrt", "1 / sqrt(x) elementwise (`tf.math.rsqrt`).")
exp = _public(_exp, INEXACT, "exp", "e ** x elementwise (`tf.exp`, `tf.math.exp`).")
expm1 = _public(_expm1, INEXACT, "expm1", "exp(x) - 1, accurate near 0 (`tf.math.expm1`).")
log = _public(_log, INEXACT, "log", "The natural logarithm elementwise (`tf.math.log`).")
log1p = _public(_log1p, INEXACT, "log1p", "log(1 + x), accurate near 0 (`tf.math.log1p`).")
reciprocal = _public(_reciprocal, INEXACT, "reciprocal",
                     "1 / x elementwise (`tf.math.reciprocal`).")


@_sqrt.def_grad
def _sqrt_grad(op, dy):
    (y,) = op.outputs
    return (divide(multiply(dy, _c(y, 0.5)), _conj(y)),)


@_rsqrt.def_grad
def _rsqrt_grad(op, dy):
    (y,) = op.outputs
    y = _conj(y)
    return (multiply(dy, multiply(_c(y, -0.5), multiply(y, square(y)))),)


@_exp.def_grad
def _exp_grad(op, dy):
    return (multiply(dy, _conj(op.outputs[0])),)


@_expm1.def_grad
def _expm1_grad(op, dy):
    return (multiply(dy, _conj(exp(op.inputs[0]))),)


@_log.def_grad
def _log_grad(op, dy):
    return (divide(dy, _conj(op.inputs[0])),)


@_log1p.def_grad
def _log1p_grad(op, dy):
    (x,) = op.inputs
    return (divide(dy, _conj(add(x, _c(x, 1)))),)


@_reciprocal.def_grad
def _reciprocal_grad(op, dy):
    (y,) = op.outputs
    return (negative(multiply(dy, _conj(square(y)))),)


# --- sigmoid, tanh, softplus, softsign -----------------------------------------------------------
@op("Sigmoid", infer=_infer.same, elementwise=True)
def _sigmoid(xp, x):
    # exp(-x) overflows to inf for very negative x, giving the right limit 0 (silently);
    # half precision is computed in float32 so that its small tail values survive
    if x.dtype.itemsize == 2:
        return (1 / (1 + xp.exp(-x.astype(xp.float32)))).astype(x.dtype)
    return 1 / (1 + xp.exp(-x))


@op("Tanh", infer=_infer.same, elementwise=True)
def _tanh(xp, x):
    return xp.tanh(x)


@op("Softplus", infer=_infer.same, elementwise=True)
def _softplus(xp, x):
    return (xp.log1p(xp.exp(-xp.abs(x))) + xp.maximum(x, 0)).astype(x.dtype, copy=False)


@op("Softsign", infer=_infer.same, elementwise=True)
def _softsign(xp, x):
    return x / (1 + xp.abs(x))


sigmoid = _public(_sigmoid, INEXACT, "sigmoid", "1 / (1 + exp(-x)), overflow-free (`tf.sigmoid`).")
tanh = _public(_tanh, INEXACT, "tanh", "The hyperbolic tangent elementwise (`tf.tanh`).")
_softplus_public = _public(_softplus, FLOATS, "softplus", "")
_softsign_public = _public(_softsign, FLOATS, "softsign", "")


def softplus(features, name=None) -> Tensor:
    """log(exp(features) + 1), overflow-free (`tf.math.softplus`, `tf.nn.softplus`)."""
    return _softplus_public(features)


def softsign(features, name=None) -> Tensor:
    """features / (|features| + 1) (`tf.math.softsign`, `tf.nn.softsign`)."""
    return _softsign_public(features)


def log_sigmoid(x, name=None) -> Tensor:
    """log(sigmoid(x)) = -softplus(-x), accurate for large |x| (`tf.math.log_sigmoid`)."""
    return negative(softplus(negative(tensor(x))))


@_sigmoid.def_grad
def _sigmoid_grad(op, dy):
    y = _conj(op.outputs[0])
    return (multiply(dy, multiply(y, subtract(_c(y, 1), y))),)


@_tanh.def_grad
def _tanh_grad(op, dy):
    y = _conj(op.outputs[0])
    return (multiply(dy, subtract(_c(y, 1), square(y))),)


@_softplus.def_grad
def _softplus_grad(op, dy):
    return (multiply(dy, sigmoid(op.inputs[0])),)


@_softsign.def_grad
def _softsign_grad(op, dy):
    (x,) = op.inputs
    return (divide(dy, square(add(_c(x, 1), abs(x)))),)


# --- rounding: piecewise constant, so their gradient is None (TensorFlow's rule) -----------------
@op("Floor", infer=_infer.same, elementwise=True)
def _floor(xp, x):
    return xp.floor(x)


@op("Ceil", infer=_infer.same, elementwise=True)
def _ceil(xp, x):
    return xp.ceil(x)


@op("Round", infer=_infer.same, elementwise=True)
def _round(xp, x):
    return x if x.dtype.kind in "iu" else xp.round(x)  # half to even, as TensorFlow


@op("Rint", infer=_infer.same, elementwise=True)
def _rint(xp, x):
    return xp.rint(x)


floor = _public(_floor, FLOATS, "floor", "The largest integer <= x, elementwise (`tf.floor`).")
ceil = _public(_ceil, FLOATS, "ceil", "The smallest integer >= x, elementwise (`tf.math.ceil`).")
round = _public(_round, REALS, "round",  # noqa: A001 - TensorFlow's public name
                "x rounded to the nearest integer, halves to even (`tf.round`).")
rint = _public(_rint, _F32_F64, "rint", "x rounded to the nearest integer, halves to even "
               "(`tf.math.rint`).")


def _no_grad(op, dy):
    return (None,)


for _opdef in (_floor, _ceil, _round, _rint):
    _opdef.def_grad(_no_grad)


# --- trigonometric and hyperbolic ----------------------------------------------------------------
def _trig(tf_name, py_name, ufunc_name, allowed, doc):
    """A unary op whose kernel is the NumPy/CuPy ufunc of that name."""
    def kernel(xp, x):
        return getattr(xp, ufunc_name)(x)
    kernel.__doc__ = doc
    opdef = op(tf_name, infer=_infer.same, elementwise=True)(kernel)
    return opdef, _public(opdef, allowed, py_name, doc)


_sin, sin = _trig("Sin", "sin", "sin", INEXACT, "The sine elementwise (`tf.math.sin`).")
_cos, cos = _trig("Cos", "cos", "cos", INEXACT, "The cosine elementwise (`tf.math.cos`).")
_tan, tan = _trig("Tan", "tan", "tan", INEXACT, "The tangent elementwise (`tf.math.tan`).")
_asin, asin = _trig("Asin", "asin", "arcsin", INEXACT, "The inverse sine (`tf.math.asin`).")
_acos, acos = _trig("Acos", "acos", "arccos", INEXACT, "The inverse cosine (`tf.math.acos`).")
_atan, atan = _trig("Atan", "atan", "arctan", INEXACT, "The inverse tangent (`tf.math.atan`).")
_sinh, sinh = _trig("Sinh", "sinh", "sinh", INEXACT, "The hyperbolic sine (`tf.math.sinh`).")
_cosh, cosh = _trig("Cosh", "cosh", "cosh", INEXACT, "The hyperbolic cosine (`tf.math.cosh`).")
_asinh, asinh = _trig("Asinh", "asinh", "arcsinh", INEXACT,
                      "The inverse hyperbolic sine (`tf.math.asinh`).")
_acosh, acosh = _trig("Acosh", "acosh", "arccosh", INEXACT,
                      "The inverse hyperbolic cosine (`tf.math.acosh`).")
_atanh, atanh = _trig("Atanh", "atanh", "arctanh", INEXACT,
                      "The inverse hyperbolic tangent (`tf.math.atanh`).")


@_sin.def_grad
def _sin_grad(op, dy):
    return (multiply(dy, _conj(cos(op.inputs[0]))),)


@_cos.def_grad
def _cos_grad(op, dy):
    return (negative(multiply(dy, _conj(sin(op.inputs[0])))),)


@_tan.def_grad
def _tan_grad(op, dy):
    (y,) = op.outputs
    return (multiply(dy, _conj(add(_c(y, 1), square(y)))),)


@_asin.def_grad
def _asin_grad(op, dy):
    (x,) = op.inputs
    return (divide(dy, _conj(sqrt(subtract(_c(x, 1), square(x))))),)


@_acos.def_grad
def _acos_grad(op, dy):
    (x,) = op.inputs
    return (negative(divide(dy, _conj(sqrt(subtract(_c(x, 1), square(x)))))),)


@_atan.def_grad
def _atan_grad(op, dy):
    (x,) = op.inputs
    return (divide(dy, _conj(add(_c(x, 1), square(x)))),)


@_sinh.def_grad
def _sinh_grad(op, dy):
    return (multiply(dy, _conj(cosh(op.inputs[0]))),)


@_cosh.def_grad
def _cosh_grad(op, dy):
    return (multiply(dy, _conj(sinh(op.inputs[0]))),)


@_asinh.def_grad
def _asinh_grad(op, dy):
    return (divide(dy, _conj(cosh(op.outputs[0]))),)


@_acosh.def_grad
def _acosh_grad(op, dy):
    return (divide(dy, _conj(sinh(op.outputs[0]))),)


@_atanh.def_grad
def _atanh_grad(op, dy):
    (x,) = op.inputs
    return (divide(dy, _conj(subtract(_c(x, 1), square(x)))),)


# --- special functions ---------------------------------------------------------------------------
def _special_op(tf_name, py_name, fn_name, doc, allowed=FLOATS):
    def kernel(xp, x):
        return getattr(special(xp), fn_name)(x).astype(x.dtype, copy=False)
    kernel.__doc__ = doc
    opdef = op(tf_name, infer=_infer.same, elementwise=True)(kernel)
    return opdef, _public(opdef, allowed, py_name, doc)


_erf, erf = _special_op("Erf", "erf", "erf", "The Gauss error function (`tf.math.erf`).")
_erfc, erfc = _special_op("Erfc", "erfc", "erfc", "1 - erf(x), accurate for large x "
                          "(`tf.math.erfc`).")
_erfinv, erfinv = _special_op("Erfinv", "erfinv", "erfinv", "The inverse of erf "
                              "(`tf.math.erfinv`).", _F32_F64)
_lgamma, lgamma = _special_op("Lgamma", "lgamma", "gammaln", "log|Gamma(x)| (`tf.math.lgamma`).")
_digamma, digamma = _special_op("Digamma", "digamma", "digamma", "The derivative of lgamma "
                                "(`tf.math.digamma`).")
_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)


@_erf.def_grad
def _erf_grad(op, dy):
    (x,) = op.inputs
    return (multiply(dy, multiply(_c(x, _TWO_OVER_SQRT_PI), exp(negative(square(x))))),)


@_erfc.def_grad
def _erfc_grad(op, dy):
    (x,) = op.inputs
    return (multiply(dy, multiply(_c(x, -_TWO_OVER_SQRT_PI), exp(negative(square(x))))),)


@_erfinv.def_grad
def _erfinv_grad(op, dy):
    (y,) = op.outputs
    return (multiply(dy, multiply(_c(y, 1 / _TWO_OVER_SQRT_PI), exp(square(y)))),)


@_lgamma.def_grad
def _lgamma_grad(op, dy):
    return (multiply(dy, digamma(op.inputs[0])),)


@op("Polygamma", infer=_infer.broadcast, elementwise=True)
def _polygamma(xp, n, x):
    return special(xp).polygamma(n, x).astype(x.dtype, copy=False)


def polygamma(a, x, name=None) -> Tensor:
    """The a-th derivative of digamma at x, for integer-valued a >= 0 (`tf.math.polygamma`)."""
    a, x = binary(a, x, "Polygamma")
    check_dtype(x, FLOATS - {dtypes.float16, dtypes.bfloat16}, "Polygamma")
    return execute(_polygamma, (a, x), _NO_ATTRS)


@_digamma.def_grad
def _digamma_grad(op, dy):
    (x,) = op.inputs
    return (multiply(dy, execute(_polygamma, (_c(x, 1), x), _NO_ATTRS)),)


@_polygamma.def_grad
def _polygamma_grad(op, dy):
    n, x = op.inputs
    return None, multiply(dy, execute(_polygamma, (add(n, _c(n, 1)), x), _NO_ATTRS))


# --- predicates and logical/bitwise not ----------------------------------------------------------
@op("IsNan", infer=_infer.unary_bool, elementwise=True, differentiable=False)
def _is_nan(xp, x):
    return xp.isnan(x)


@op("IsInf", infer=_infer.unary_bool, elementwise=True, differentiable=False)
def _is_inf(xp, x):
    return xp.isinf(x)


@op("IsFinite", infer=_infer.unary_bool, elementwise=True, differentiable=False)
def _is_finite(xp, x):
    return xp.isfinite(x)


@op("LogicalNot", infer=_infer.same, elementwise=True, differentiable=False)
def _logical_not(xp, x):
    return ~x


@op("Invert", infer=_infer.same, elementwise=True, differentiable=False)
def _invert(xp, x):
    return ~x


_BOOL = frozenset({dtypes.bool})
is_nan = _public(_is_nan, FLOATS, "is_nan", "Where x is NaN (`tf.math.is_nan`).")
is_inf = _public(_is_inf, FLOATS, "is_inf", "Where x is +-inf (`tf.math.is_inf`).")
is_finite = _public(_is_finite, FLOATS, "is_finite", "Where x is neither NaN nor inf "
                    "(`tf.math.is_finite`).")
logical_not = _public(_logical_not, _BOOL, "logical_not", "Elementwise NOT of a bool tensor "
                      "(`tf.logical_not`).")
invert = _public(_invert, INTS, "invert", "Bitwise NOT of an integer tensor "
                 "(`tf.bitwise.invert`).")


# --- complex parts -------------------------------------------------------------------------------
def _infer_real_part(x, **attrs):
    return _infer.Spec(x.shape, x.dtype.real_dtype)


@op("Real", infer=_infer_real_part, elementwise=True)
def _real(xp, x):
    return xp.real(x)


@op("Imag", infer=_infer_real_part, elementwise=True)
def _imag(xp, x):
    return xp.imag(x)


@op("Angle", infer=_infer_real_part, elementwise=True)
def _angle(xp, x):
    return xp.angle(x).astype(x.real.dtype, copy=False)


def _infer_complex(re, im, *, Tout):
    return _infer.Spec(_infer.broadcast(re, im).shape, Tout)


@op("Complex", infer=_infer_complex, elementwise=True)
def _complex(xp, re, im, *, Tout):
    return (re + 1j * im).astype(Tout.np_dtype, copy=False)


def real(input, name=None) -> Tensor:  # noqa: A002 - TensorFlow's argument name
    """The real part (`tf.math.real`); a real tensor is returned as is."""
    x = tensor(input)
    if x.dtype in COMPLEX:
        return execute(_real, (x,), _NO_ATTRS)
    check_dtype(x, NUMBERS, "Real")
    return x


def imag(input, name=None) -> Tensor:  # noqa: A002
    """The imaginary part (`tf.math.imag`); zeros for a real tensor."""
    x = tensor(input)
    if x.dtype in COMPLEX:
        return execute(_imag, (x,), _NO_ATTRS)
    return zeros_like(x)


def angle(input, name=None) -> Tensor:  # noqa: A002
    """The argument of a complex number (`tf.math.angle`); pi where a real x < 0, else 0."""
    x = tensor(input)
    if x.dtype in COMPLEX:
        return execute(_angle, (x,), _NO_ATTRS)
    check_dtype(x, REALS, "Angle")
    return multiply(cast(less(x, _c(x, 0)), x.dtype), _c(x, math.pi))


def complex(real, imag, name=None) -> Tensor:  # noqa: A001 - TensorFlow's public name
    """real + 1j * imag (`tf.complex`): float32 parts give complex64, float64 complex128."""
    re, im = tensor(real), tensor(imag)
    if re.dtype is not im.dtype:
        raise TypeError(f"The `real` and `imag` components have different types: "
                        f"{re.dtype.name} {im.dtype.name}")
    if re.dtype not in (dtypes.float32, dtypes.float64):
        raise TypeError(f"tf.complex expects float32 or float64 parts, got {re.dtype.name}")
    out = dtypes.complex64 if re.dtype is dtypes.float32 else dtypes.complex128
    return execute(_complex, (re, im), {"Tout": out})


@_real.def_grad
def _real_grad(op, dy):
    return (complex(dy, zeros_like(dy)),)


@_imag.def_grad
def _imag_grad(op, dy):
    return (complex(zeros_like(dy), dy),)


@_angle.def_grad
def _angle_grad(op, dy):
    # d angle(z) = -dy / (i conj-free form): TensorFlow's rule, -complex(dy, 0) / complex(im, re)
    (x,) = op.inputs
    z = reciprocal(complex(imag(x), real(x)))
    return (negative(multiply(complex(dy, zeros_like(dy)), z)),)


@_complex.def_grad
def _complex_grad(op, dy):
    re, im = op.inputs
    return sum_to_shape_of(real(dy), re), sum_to_shape_of(imag(dy), im)
