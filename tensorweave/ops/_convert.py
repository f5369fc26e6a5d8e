"""Argument conversion for the public op wrappers: fast for tensors, TensorFlow's rules otherwise."""

from __future__ import annotations

import numpy as np

from tensorweave.framework import dtypes
from tensorweave.framework.constant_op import convert_to_tensor
from tensorweave.framework.context import CPU0
from tensorweave.framework.errors import InvalidArgumentError
from tensorweave.framework.tensor import SymbolicTensor, Tensor

_TENSOR_TYPES = (Tensor, SymbolicTensor)


def tensor(x, dtype=None) -> Tensor:
    """`x` as a Tensor (variables are read, Python values converted)."""
    if type(x) is Tensor or type(x) is SymbolicTensor:
        if dtype is not None and x.dtype is not dtype:
            return convert_to_tensor(x, dtype=dtype)
        return x
    return convert_to_tensor(x, dtype=dtype)


def _scalar_like(value, ref: Tensor) -> Tensor:
    """A Python number as a tensor of `ref`'s dtype, refusing a value the dtype cannot hold."""
    np_dtype = ref._array.dtype if ref._array is not None else ref.dtype.np_dtype
    if isinstance(value, float) and np_dtype.kind in "iub":
        raise TypeError(f"Cannot convert {value!r} to EagerTensor of dtype "
                        f"{dtypes.from_numpy(np_dtype).name}")
    if isinstance(value, complex) and np_dtype.kind != "c":
        raise TypeError(f"Cannot convert {value!r} to EagerTensor of dtype "
                        f"{dtypes.from_numpy(np_dtype).name}")
    if np_dtype.kind in "iu":
        info = np.iinfo(np_dtype)
        if not info.min <= value <= info.max:
            raise TypeError(f"Cannot convert {value!r} to EagerTensor of dtype {np_dtype.name}")
    return Tensor(np.asarray(value, dtype=np_dtype), CPU0)


def binary(x, y, op_name: str):
    """Two operands of one dtype, as TensorFlow requires (it refuses int32 + float32)."""
    tx, ty = type(x), type(y)
    if tx in _TENSOR_TYPES:
        if ty in _TENSOR_TYPES:
            pass
        elif ty is int or ty is float or ty is bool or ty is complex:
            y = _scalar_like(y, x)
        else:
            y = _other(y, x)
    elif ty in _TENSOR_TYPES:
        if tx is int or tx is float or tx is bool or tx is complex:
            x = _scalar_like(x, y)
        else:
            x = _other(x, y)
    elif hasattr(y, "__tf_tensor__"):  # a Variable on the right fixes the dtype: 1 + v
        y = y.__tf_tensor__()
        x = _other(x, y)
    else:
        x = tensor(x)
        y = _other(y, x)
    if x.dtype is not y.dtype:
        raise InvalidArgumentError(None, None, (
            f"cannot compute {op_name} as input #1(zero-based) was expected to be a "
            f"{x.dtype.name} tensor but is a {y.dtype.name} tensor [Op:{op_name}]"))
    return x, y


def _other(value, ref: Tensor) -> Tensor:
    """Converts the second operand, preferring the first one's dtype for Python values."""
    if isinstance(value, (str, bytes)) and ref.dtype is not dtypes.string:
        raise TypeError(f"Cannot convert {value!r} to EagerTensor of dtype {ref.dtype.name}")
    if hasattr(value, "__tf_tensor__"):
        return value.__tf_tensor__()
    if isinstance(value, (np.ndarray, np.generic)):
        # TensorFlow converts NumPy operands to the tensor's dtype (np.float64(0.5) * float32)
        np_dtype = ref.dtype.np_dtype
        if value.dtype.kind in "biufc" and np_dtype is not None and np_dtype.kind in "biufc":
            return convert_to_tensor(np.asarray(value).astype(np_dtype, copy=False))
        return convert_to_tensor(value)
    if isinstance(value, (list, tuple, int, float, complex)):
        # TensorFlow's rule for Python values: ints (and bools) may become floats, floats may not
        # become ints; a refused one keeps its own dtype, and the op reports the mismatch
        natural = convert_to_tensor(value)
        if natural.dtype is ref.dtype or not _widens(natural.dtype, ref.dtype):
            return natural
    return convert_to_tensor(value, dtype=ref.dtype)


def _widens(src, dst) -> bool:
    """Whether a Python value that converts to `src` may take `dst` instead."""
    if src.is_integer or src.is_bool:
        return dst.is_integer or dst.is_floating or dst.is_complex
    if src.is_floating:
        return dst.is_floating or dst.is_complex
    return dst.is_complex and src.is_complex


def axis_attr(axis, rank=None):
    """A reduction axis as None or a tuple of ints (TensorFlow accepts ints, lists and tensors)."""
    if axis is None:
        return None
    if isinstance(axis, Tensor) and not isinstance(axis, SymbolicTensor):
        axis = axis.numpy().tolist()
    elif isinstance(axis, SymbolicTensor):
        raise NotImplementedError(
            "A reduction axis computed inside a traced function is not supported: pass a Python "
            "int, list or constant tensor.")
    if isinstance(axis, (list, tuple)):
        return tuple(int(a) for a in axis)
    return (int(axis),)
