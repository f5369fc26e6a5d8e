"""Binary elementwise math: maximum/minimum, integer division, the *_no_nan family, atan2,
comparisons, logical and bitwise ops, add_n.

Integer division follows TensorFlow: floordiv rounds toward -inf, truncatediv toward zero, and an
integer division by zero raises InvalidArgumentError (NumPy would warn and return 0).
"""

from __future__ import annotations

from tensorweave.framework import dtypes
from tensorweave.framework.errors import InvalidArgumentError
from tensorweave.framework.op_def import execute, op
from tensorweave.framework.tensor_shape import broadcast_dims
from tensorweave.framework.tensor import Tensor
from tensorweave.ops import _infer
from tensorweave.ops._convert import binary, tensor
from tensorweave.ops.math_core import (_TRUEDIV_FLOAT, FLOATS, INEXACT, INTS, NUMBERS, REALS,
                                       _check_nonzero, _conj, add, cast, check_dtype, divide,
                                       multiply, negative, square, subtract, sum_to_shape_of)

__all__ = ["maximum", "minimum", "floordiv", "floor_div", "floormod", "mod", "truncatediv",
           "truncatemod", "squared_difference", "xlogy", "xdivy", "xlog1py", "divide_no_nan",
           "div_no_nan", "multiply_no_nan", "atan2", "equal", "not_equal", "less", "less_equal",
           "greater", "greater_equal", "logical_and", "logical_or", "logical_xor", "bitwise_and",
           "bitwise_or", "bitwise_xor", "left_shift", "right_shift", "add_n", "accumulate_n",
           "scalar_mul", "truediv", "polyval"]

_NO_ATTRS: dict = {}
_BOOL = frozenset({dtypes.bool})
_ALL = NUMBERS | {dtypes.bool, dtypes.string}


def _public(opdef, allowed: frozenset, py_name: str, doc: str):
    """The public wrapper of a binary op: two operands of one dtype, the dtype checked."""
    op_name = opdef.name

    def fn(x, y, name=None):
        x, y = binary(x, y, op_name)
        if x.dtype not in allowed:
            check_dtype(x, allowed, op_name)
        return execute(opdef, (x, y), _NO_ATTRS)

    fn.__name__ = fn.__qualname__ = py_name
    fn.__doc__ = doc
    fn.__annotations__ = {"x": "Tensor", "y": "Tensor", "name": "str | None", "return": "Tensor"}
    return fn


def _c(x, value):
    return tensor(value, x.dtype)


# --- maximum and minimum -------------------------------------------------------------------------
@op("Maximum", infer=_infer.broadcast, elementwise=True)
def _maximum(xp, x, y):
    return xp.maximum(x, y)  # NaN wins, as in TensorFlow


@op("Minimum", infer=_infer.broadcast, elementwise=True)
def _minimum(xp, x, y):
    return xp.minimum(x, y)


maximum = _public(_maximum, REALS, "maximum", "The larger of x and y elementwise, NaN if either "
                  "is (`tf.maximum`).")
minimum = _public(_minimum, REALS, "minimum", "The smaller of x and y elementwise, NaN if either "
                  "is (`tf.minimum`).")


def _select_grad(mask, dy, x, y):
    """dy to x where `mask`, to y elsewhere (ties go to x, as in TensorFlow)."""
    m = cast(mask, dy.dtype)
    gx = multiply(dy, m)
    return sum_to_shape_of(gx, x), sum_to_shape_of(subtract(dy, gx), y)


@_maximum.def_grad
def _maximum_grad(op, dy):
    x, y = op.inputs
    return _select_grad(greater_equal(x, y), dy, x, y)


@_minimum.def_grad
def _minimum_grad(op, dy):
    x, y = op.inputs
    return _select_grad(less_equal(x, y), dy, x, y)


# --- integer-style division ----------------------------------------------------------------------
@op("FloorDiv", infer=_infer.broadcast, elementwise=True)
def _floor_div(xp, x, y):
    if x.dtype.kind in "iu":
        _check_nonzero(xp, y)
        return xp.floor_divide(x, y)
    return xp.floor(x / y)  # floor of the true quotient, as TensorFlow (NumPy's differs)


@op("FloorMod", infer=_infer.broadcast, elementwise=True)
def _floor_mod(xp, x, y):
    if x.dtype.kind in "iu":
        _check_nonzero(xp, y)
    return xp.mod(x, y)  # the result takes the divisor's sign


@op("TruncateDiv", infer=_infer.broadcast, elementwise=True, differentiable=False)
def _truncate_div(xp, x, y):
    if x.dtype.kind in "iu":
        _check_nonzero(xp, y)
        q = xp.floor_divide(x, y)
        # floor and truncation differ by one where the division is inexact and the signs differ
        fix = (q * y != x) & ((x < 0) != (y < 0))
        return (q + fix).astype(x.dtype, copy=False)
    return xp.trunc(x / y)


@op("TruncateMod", infer=_infer.broadcast, elementwise=True)
def _truncate_mod(xp, x, y):
    if x.dtype.kind in "iu":
        _check_nonzero(xp, y)
    return xp.fmod(x, y)  # the result takes the dividend's sign


floordiv = _public(_floor_div, REALS, "floordiv", "x / y rounded toward -inf "
                   "(`tf.math.floordiv`, the `//` operator).")
floor_div = floordiv
floormod = _public(_floor_mod, REALS, "floormod", "x - floordiv(x, y) * y, the sign of y "
                   "(`tf.math.floormod`, `tf.math.mod`, the `%` operator).")
mod = floormod
truncatediv = _public(_truncate_div, REALS, "truncatediv", "x / y rounded toward zero "
                      "(`tf.truncatediv`).")
truncatemod = _public(_truncate_mod, frozenset({dtypes.int32, dtypes.int64, dtypes.float32,
                                                dtypes.float64}), "truncatemod", "x - truncatediv(x, y) * y, the sign "
                      "of x (`tf.truncatemod`).")


@_floor_div.def_grad
def _floor_div_grad(op, dy):
    return None, None  # piecewise constant: TensorFlow gives no gradient


@_floor_mod.def_grad
def _floor_mod_grad(op, dy):
    x, y = op.inputs
    gy = multiply(dy, negative(floordiv(x, y)))
    return sum_to_shape_of(dy, x), sum_to_shape_of(gy, y)


# TruncateMod has no gradient in TensorFlow: differentiating through it raises LookupError.

def truediv(x, y, name=None) -> Tensor:
    """x / y in floating point (`tf.math.truediv`): integers become float32 or float64."""
    return divide(x, y)


# --- squared difference, the *_no_nan family, xlogy, atan2 ---------------------------------------
@op("SquaredDifference", infer=_infer.broadcast, elementwise=True)
def _squared_difference(xp, x, y):
    d = x - y
    return d * xp.conj(d) if d.dtype.kind == "c" else d * d


@op("DivNoNan", infer=_infer.broadcast, elementwise=True)
def _div_no_nan(xp, x, y):
    zero = y == 0
    return xp.where(zero, 0, x / xp.where(zero, 1, y)).astype(x.dtype, copy=False)


@op("MulNoNan", infer=_infer.broadcast, elementwise=True)
def _mul_no_nan(xp, x, y):
    return xp.where(y == 0, 0, x * y).astype(x.dtype, copy=False)


@op("Xlogy", infer=_infer.broadcast, elementwise=True)
def _xlogy(xp, x, y):
    zero = x == 0
    return xp.where(zero, 0, x * xp.log(xp.where(zero, 1, y))).astype(x.dtype, copy=False)


@op("Xlog1py", infer=_infer.broadcast, elementwise=True)
def _xlog1py(xp, x, y):
    zero = x == 0
    return xp.where(zero, 0, x * xp.log1p(xp.where(zero, 0, y))).astype(x.dtype, copy=False)


@op("Xdivy", infer=_infer.broadcast, elementwise=True)
def _xdivy(xp, x, y):
    zero = x == 0
    return xp.where(zero, 0, x / xp.where(zero, 1, y)).astype(x.dtype, copy=False)


@op("Atan2", infer=_infer.broadcast, elementwise=True)
def _atan2(xp, y, x):
    return xp.arctan2(y, x)


squared_difference = _public(_squared_difference, INEXACT | {dtypes.int32, dtypes.int64},
                             "squared_difference",
                             "(x - y) * conj(x - y) (`tf.math.squared_difference`).")
_divide_no_nan = _public(_div_no_nan, INEXACT, "divide_no_nan", "")


def divide_no_nan(x, y, name=None):
    """x / y, and 0 where y is 0 (`tf.math.divide_no_nan`); integers are divided in floating
    point, as by `tf.math.truediv`."""
    x, y = binary(x, y, "DivNoNan")
    to = _TRUEDIV_FLOAT.get(x.dtype)
    if to is not None:
        x, y = cast(x, to), cast(y, to)
    return _divide_no_nan(x, y)
div_no_nan = divide_no_nan
multiply_no_nan = _public(_mul_no_nan, INEXACT, "multiply_no_nan", "x * y, and 0 where y is 0 "
                          "even if x is NaN or inf (`tf.math.multiply_no_nan`).")
xlogy = _public(_xlogy, INEXACT, "xlogy", "x * log(y), and 0 where x is 0 (`tf.math.xlogy`).")
xlog1py = _public(_xlog1py, INEXACT, "xlog1py", "x * log1p(y), and 0 where x is 0 "
                  "(`tf.math.xlog1py`).")
xdivy = _public(_xdivy, INEXACT, "xdivy", "x / y, and 0 where x is 0 (`tf.math.xdivy`).")
_atan2_public = _public(_atan2, FLOATS, "atan2", "")


def atan2(y, x, name=None) -> Tensor:
    """The angle of the point (x, y) from the positive x axis, in [-pi, pi] (`tf.math.atan2`)."""
    return _atan2_public(y, x)


@_squared_difference.def_grad
def _squared_difference_grad(op, dy):
    x, y = op.inputs
    g = multiply(multiply(dy, _c(x, 2)), subtract(x, y))  # no conjugate, as TensorFlow
    return sum_to_shape_of(g, x), sum_to_shape_of(negative(g), y)


@_div_no_nan.def_grad
def _div_no_nan_grad(op, dy):
    x, y = op.inputs
    gx = divide_no_nan(dy, _conj(y))
    gy = multiply(dy, _conj(divide_no_nan(divide_no_nan(negative(x), y), y)))
    return sum_to_shape_of(gx, x), sum_to_shape_of(gy, y)


@_mul_no_nan.def_grad
def _mul_no_nan_grad(op, dy):
    x, y = op.inputs
    return sum_to_shape_of(multiply_no_nan(dy, y), x), sum_to_shape_of(multiply_no_nan(x, dy), y)


def _nonzero(x):
    return cast(not_equal(x, _c(x, 0)), x.dtype)


@_xlogy.def_grad
def _xlogy_grad(op, dy):
    x, y = op.inputs
    gx = multiply(dy, xlogy(_nonzero(x), y))
    gy = multiply(dy, xdivy(x, y))
    return sum_to_shape_of(gx, x), sum_to_shape_of(gy, y)


@_xlog1py.def_grad
def _xlog1py_grad(op, dy):
    x, y = op.inputs
    gx = multiply(dy, xlog1py(_nonzero(x), y))
    gy = multiply(dy, xdivy(x, add(y, _c(y, 1))))
    return sum_to_shape_of(gx, x), sum_to_shape_of(gy, y)


@_xdivy.def_grad
def _xdivy_grad(op, dy):
    x, y = op.inputs
    gx = multiply(dy, xdivy(_nonzero(x), y))
    gy = multiply(dy, xdivy(negative(x), square(y)))
    return sum_to_shape_of(gx, x), sum_to_shape_of(gy, y)


@_atan2.def_grad
def _atan2_grad(op, dy):
    y, x = op.inputs
    scale = divide(dy, add(square(x), square(y)))
    return sum_to_shape_of(multiply(x, scale), y), sum_to_shape_of(negative(multiply(y, scale)), x)


# --- comparisons ---------------------------------------------------------------------------------
def _compare(tf_name, py_name, ufunc, allowed, doc):
    def kernel(xp, x, y):
        return getattr(xp, ufunc)(x, y)
    kernel.__doc__ = doc
    opdef = op(tf_name, infer=_infer.broadcast_bool, elementwise=True,
               differentiable=False)(kernel)
    return opdef, _public(opdef, allowed, py_name, doc)


_equal, equal = _compare("Equal", "equal", "equal", _ALL, "x == y elementwise (`tf.equal`).")
_not_equal, not_equal = _compare("NotEqual", "not_equal", "not_equal", _ALL,
                                 "x != y elementwise (`tf.not_equal`).")
_less, less = _compare("Less", "less", "less", REALS, "x < y elementwise (`tf.less`).")
_less_equal, less_equal = _compare("LessEqual", "less_equal", "less_equal", REALS,
                                   "x <= y elementwise (`tf.less_equal`).")
_greater, greater = _compare("Greater", "greater", "greater", REALS,
                             "x > y elementwise (`tf.greater`).")
_greater_equal, greater_equal = _compare("GreaterEqual", "greater_equal", "greater_equal", REALS,
                                         "x >= y elementwise (`tf.greater_equal`).")


def tensor_equals(x, y, negate: bool = False) -> Tensor | bool:
    """`x == y` (or `!=`) as TensorFlow 2's operator: elementwise, False for None, and a scalar
    False (True for !=) when the shapes cannot broadcast."""
    if y is None:
        return negate
    x, y = binary(x, y, "NotEqual" if negate else "Equal")
    xa, ya = x._array, y._array
    if xa is None or ya is None or xa.shape != ya.shape:  # the common equal-shape case is free
        try:
            broadcast_dims(x.shape.as_tuple(), y.shape.as_tuple())
        except ValueError:
            return tensor(negate)
    return execute(_not_equal if negate else _equal, (x, y), _NO_ATTRS)


# --- logical and bitwise -------------------------------------------------------------------------
@op("LogicalAnd", infer=_infer.broadcast, elementwise=True, differentiable=False)
def _logical_and(xp, x, y):
    return x & y


@op("LogicalOr", infer=_infer.broadcast, elementwise=True, differentiable=False)
def _logical_or(xp, x, y):
    return x | y


def _logical_binary(opdef, py_name, doc):
    op_name = opdef.name

    def fn(x, y, name=None):
        x, y = binary(x, y, op_name)
        if x.dtype is not dtypes.bool:
            raise InvalidArgumentError(None, None, (
                f"cannot compute {op_name} as input #0(zero-based) was expected to be a bool "
                f"tensor but is a {x.dtype.name} tensor [Op:{op_name}]"))
        return execute(opdef, (x, y), _NO_ATTRS)

    fn.__name__ = fn.__qualname__ = py_name
    fn.__doc__ = doc
    return fn


logical_and = _logical_binary(_logical_and, "logical_and", "x AND y elementwise on bool tensors "
                              "(`tf.logical_and`).")
logical_or = _logical_binary(_logical_or, "logical_or", "x OR y elementwise on bool tensors "
                             "(`tf.logical_or`).")


def logical_xor(x, y, name="LogicalXor") -> Tensor:
    """x XOR y elementwise on bool tensors (`tf.math.logical_xor`)."""
    x, y = binary(x, y, "LogicalXor")
    if x.dtype is not dtypes.bool:
        raise InvalidArgumentError(None, None, (
            f"cannot compute LogicalXor as input #0(zero-based) was expected to be a bool tensor "
            f"but is a {x.dtype.name} tensor [Op:LogicalXor]"))
    return execute(_not_equal, (x, y), _NO_ATTRS)  # on bools, != is xor


def _bitwise(tf_name, py_name, ufunc, doc):
    def kernel(xp, x, y):
        return getattr(xp, ufunc)(x, y).astype(x.dtype, copy=False)
    kernel.__doc__ = doc
    opdef = op(tf_name, infer=_infer.broadcast, elementwise=True, differentiable=False)(kernel)
    return opdef, _public(opdef, INTS, py_name, doc)


_bitwise_and, bitwise_and = _bitwise("BitwiseAnd", "bitwise_and", "bitwise_and",
                                     "x & y bitwise on integers (`tf.bitwise.bitwise_and`).")
_bitwise_or, bitwise_or = _bitwise("BitwiseOr", "bitwise_or", "bitwise_or",
                                   "x | y bitwise on integers (`tf.bitwise.bitwise_or`).")
_bitwise_xor, bitwise_xor = _bitwise("BitwiseXor", "bitwise_xor", "bitwise_xor",
                                     "x ^ y bitwise on integers (`tf.bitwise.bitwise_xor`).")
_left_shift, left_shift = _bitwise("LeftShift", "left_shift", "left_shift",
                                   "x << y on integers (`tf.bitwise.left_shift`).")
_right_shift, right_shift = _bitwise("RightShift", "right_shift", "right_shift",
                                     "x >> y on integers, arithmetic for signed types "
                                     "(`tf.bitwise.right_shift`).")


# --- sums of many ---------------------------------------------------------------------------------
def _infer_add_n(*xs):
    shape = xs[0].shape
    for s in xs[1:]:
        if shape is None:
            shape = s.shape
        elif s.shape is not None:
            if len(s.shape) != len(shape):
                raise ValueError(f"AddN: shapes must be equal, got {list(shape)} and "
                                 f"{list(s.shape)}")
            merged = []
            for a, b in zip(shape, s.shape):
                if a is not None and b is not None and a != b:
                    raise ValueError(f"AddN: shapes must be equal, got {list(shape)} and "
                                     f"{list(s.shape)}")
                merged.append(a if a is not None else b)
            shape = tuple(merged)
    return _infer.Spec(shape, xs[0].dtype)


@op("AddN", infer=_infer_add_n, elementwise=True)
def _add_n(xp, *xs):
    out = xs[0].copy()
    for x in xs[1:]:
        out += x
    return out


@_add_n.def_grad
def _add_n_grad(op, dy):
    return tuple(dy for _ in op.inputs)


def add_n(inputs, name=None) -> Tensor:
    """The elementwise sum of a list of tensors of one shape and dtype (`tf.add_n`)."""
    if not isinstance(inputs, (list, tuple)) or not inputs:
        raise ValueError("inputs must be a non-empty list of tensors of the same shape and type "
                         f"(tf.add_n), got {inputs!r}")
    ts = [tensor(t) for t in inputs]
    first = ts[0].dtype
    for t in ts[1:]:
        if t.dtype is not first:
            raise TypeError(f"tf.add_n: all inputs must have one dtype, got {first.name} and "
                            f"{t.dtype.name}")
    if len(ts) == 1:
        return ts[0]
    return execute(_add_n, tuple(ts), _NO_ATTRS)


def accumulate_n(inputs, shape=None, tensor_dtype=None, name=None) -> Tensor:
    """The sum of a list of tensors (`tf.math.accumulate_n`; the same as add_n)."""
    out = add_n(inputs)
    if tensor_dtype is not None and out.dtype is not dtypes.as_dtype(tensor_dtype):
        raise TypeError(f"tf.math.accumulate_n: inputs are {out.dtype.name}, expected "
                        f"{dtypes.as_dtype(tensor_dtype).name}")
    if shape is not None and not out.shape.is_compatible_with(shape):
        raise ValueError(f"tf.math.accumulate_n: shape {out.shape} is not compatible with "
                         f"{shape}")
    return out


def scalar_mul(scalar, x, name=None) -> Tensor:
    """scalar * x, for a 0-d scalar (`tf.math.scalar_mul`)."""
    s = tensor(scalar) if not isinstance(scalar, (int, float, complex)) else scalar
    if not isinstance(s, (int, float, complex)) and s.shape.rank not in (0, None):
        raise ValueError(f"Only scalar multiply works, got shape {s.shape}")
    return multiply(s, x)


def polyval(coeffs, x, name=None) -> Tensor:
    """coeffs[0] * x**(n-1) + ... + coeffs[n-1], evaluated by Horner's rule (`tf.math.polyval`)."""
    if not isinstance(coeffs, (list, tuple)):
        raise ValueError(f"Argument coeffs must be list type found {type(coeffs)}.")
    x = tensor(x)
    if not coeffs:
        return tensor(0, x.dtype) if x.shape.rank == 0 else multiply(x, _c(x, 0))
    acc = tensor(coeffs[0], x.dtype)
    for c in coeffs[1:]:
        acc = add(multiply(acc, x), tensor(c, x.dtype))
    return acc

