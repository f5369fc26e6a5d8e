"""Python operators on Tensor and Variable, installed here as TensorFlow's math_ops does.

`install_operators()` binds + - * / // % ** @, unary - abs ~ (no unary +, as in TensorFlow),
the comparisons (== and != are elementwise, as in TensorFlow 2) and & | ^ to the public ops.
Other op families add theirs with `overload(name, fn)` (slicing installs `__getitem__`).

The forward operators are the public functions themselves (a function stored on a class is a
method), so `a + b` costs no extra Python frame: the eager hot path stays one call deep.
"""

from __future__ import annotations

from tensorweave.framework import dtypes
from tensorweave.framework.errors import InvalidArgumentError
from tensorweave.framework.op_def import execute
from tensorweave.framework.tensor import Tensor
from tensorweave.framework.variables import Variable
from tensorweave.ops import binary_ops, math_core, unary_ops
from tensorweave.ops._convert import binary, tensor

_CLASSES = (Tensor, Variable)
_NO_ATTRS: dict = {}


def overload(name: str, fn, reflected: bool = False) -> None:
    """Installs `fn` as operator `name` (e.g. '__add__') on Tensor and Variable."""
    if reflected:
        def method(self, other):
            return fn(other, self)
        method.__name__ = name
        method.__doc__ = fn.__doc__
    else:
        method = fn
    for cls in _CLASSES:
        setattr(cls, name, method)


def overload_binary(name: str, fn) -> None:
    """Installs `__name__` and the reflected `__rname__`."""
    overload(f"__{name}__", fn)
    overload(f"__r{name}__", fn, reflected=True)


# --- the operators whose meaning depends on the dtype --------------------------------------------
def _refuse(x, op_name: str, allowed: str):
    raise InvalidArgumentError(None, None, (
        f"Value for attr 'T' of {x.dtype.name} is not in the list of allowed values: {allowed} "
        f"[Op:{op_name}]"))


_INT_NAMES = "int8, int16, int32, int64, uint8, uint16, uint32, uint64"


def _logical_or_bitwise(logical, bitwise, bitwise_name):
    """`&`, `|`, `^`: logical on bool tensors, bitwise on integers, refused otherwise."""
    def operator(x, y):
        x, y = binary(x, y, bitwise_name)
        if x.dtype is dtypes.bool:
            return logical(x, y)
        if not x.dtype.is_integer:
            _refuse(x, bitwise_name, _INT_NAMES)
        return bitwise(x, y)
    operator.__doc__ = f"Logical on bool tensors, bitwise on integers ({bitwise_name})."
    return operator


_and = _logical_or_bitwise(binary_ops.logical_and, binary_ops.bitwise_and, "BitwiseAnd")
_or = _logical_or_bitwise(binary_ops.logical_or, binary_ops.bitwise_or, "BitwiseOr")
_xor = _logical_or_bitwise(binary_ops.logical_xor, binary_ops.bitwise_xor, "BitwiseXor")


def _invert(x):
    """`~x`: logical NOT on bool tensors, bitwise NOT on integers."""
    x = tensor(x)
    if x.dtype is dtypes.bool:
        return unary_ops.logical_not(x)
    if not x.dtype.is_integer:
        _refuse(x, "Invert", _INT_NAMES)
    return unary_ops.invert(x)


def _neg(x):
    """`-x` (refused on bool tensors, as TensorFlow does)."""
    x = tensor(x)
    if x.dtype is dtypes.bool or x.dtype is dtypes.string:
        _refuse(x, "Neg", "bfloat16, half, float, double, int8, int16, int32, int64, complex64, "
                "complex128")
    return math_core.negative(x)


def _mul(x, y):
    """`x * y`; on bool tensors a logical AND, as TensorFlow's operator (not tf.multiply)."""
    x, y = binary(x, y, "Mul")
    if x.dtype is dtypes.bool:
        return binary_ops.logical_and(x, y)
    return execute(math_core._mul, (x, y), _NO_ATTRS)  # converted once, not twice


def _eq(x, y):
    """`x == y`: elementwise (TensorFlow 2); False for None, scalar False when shapes clash."""
    return binary_ops.tensor_equals(x, y)


def _ne(x, y):
    """`x != y`: elementwise (TensorFlow 2); True for None, scalar True when shapes clash."""
    return binary_ops.tensor_equals(x, y, negate=True)


def install_operators() -> None:
    """Binds every arithmetic, comparison and bitwise operator on Tensor and Variable."""
    overload_binary("add", math_core.add)
    overload_binary("sub", math_core.subtract)
    overload_binary("mul", _mul)
    overload_binary("truediv", math_core.divide)
    overload_binary("floordiv", binary_ops.floordiv)
    overload_binary("mod", binary_ops.floormod)
    overload_binary("pow", math_core.pow)
    overload_binary("matmul", math_core.matmul)
    overload_binary("and", _and)
    overload_binary("or", _or)
    overload_binary("xor", _xor)
    overload("__neg__", _neg)
    overload("__abs__", unary_ops.abs)
    overload("__invert__", _invert)
    overload("__lt__", binary_ops.less)
    overload("__le__", binary_ops.less_equal)
    overload("__gt__", binary_ops.greater)
    overload("__ge__", binary_ops.greater_equal)
    overload("__eq__", _eq)
    overload("__ne__", _ne)
    # Defining __eq__ must not make tensors hashable by value: keep TensorFlow's TypeError.
    for cls in _CLASSES:
        if cls.__dict__.get("__hash__") is None:
            raise TypeError(f"{cls.__name__} must define __hash__ (raising, as TensorFlow does)")
