"""tf.constant and tf.convert_to_tensor with TensorFlow's dtype rules.

Python floats become float32, Python ints int32 (int64 when they do not fit), bools bool, str and
bytes tf.string; NumPy arrays and scalars keep their dtype.
"""

from __future__ import annotations

import numbers

import numpy as np

from tensorweave.framework import dtypes
from tensorweave.framework.context import ctx
from tensorweave.framework.op_def import REGISTRY, execute
from tensorweave.framework.tensor import Tensor

_INT32_MIN, _INT32_MAX = -(2**31), 2**31 - 1


def _infer_python_dtype(value) -> dtypes.DType:
    """The dtype TensorFlow gives a Python scalar or (nested) list."""
    kinds = set()
    big = [False]

    def walk(v):
        if isinstance(v, (list, tuple)):
            for item in v:
                walk(item)
        elif isinstance(v, Tensor):
            kinds.add(("t", v.dtype))
        elif isinstance(v, (bool, np.bool_)):
            kinds.add("b")
        elif isinstance(v, numbers.Integral):
            kinds.add("i")
            if not (_INT32_MIN <= int(v) <= _INT32_MAX):
                big[0] = True
        elif isinstance(v, numbers.Real):
            kinds.add("f")
        elif isinstance(v, numbers.Complex):
            kinds.add("c")
        elif isinstance(v, (str, bytes)):
            kinds.add("s")
        elif isinstance(v, np.ndarray) or hasattr(v, "__array__"):
            kinds.add(("t", dtypes.as_dtype(np.asarray(v).dtype)))
        else:
            raise TypeError(f"Cannot convert {v!r} (of type {type(v).__name__}) to a tensor.")

    walk(value)
    tensor_dtypes = {k[1] for k in kinds if isinstance(k, tuple)}
    plain = {k for k in kinds if not isinstance(k, tuple)}
    if tensor_dtypes:
        if len(tensor_dtypes) > 1:
            raise TypeError(f"Cannot convert a list of tensors of mixed dtypes "
                            f"{sorted(d.name for d in tensor_dtypes)} to one tensor.")
        return tensor_dtypes.pop()
    if "s" in plain:
        if plain != {"s"}:
            raise TypeError(f"Cannot convert {value!r} to a tensor: it mixes strings and numbers.")
        return dtypes.string
    if "c" in plain:
        return dtypes.complex128
    if "f" in plain:
        return dtypes.float32
    if "i" in plain:
        return dtypes.int64 if big[0] else dtypes.int32
    if "b" in plain:
        return dtypes.bool
    return dtypes.float32  # an empty list, as TensorFlow


def _to_string_array(value) -> np.ndarray:
    """A NumPy object array of bytes: the representation of tf.string."""
    arr = np.asarray(value, dtype=object)
    flat = arr.reshape(-1)
    for i, v in enumerate(flat):
        if isinstance(v, str):
            flat[i] = v.encode("utf-8")
        elif isinstance(v, np.bytes_):
            flat[i] = bytes(v)
        elif isinstance(v, np.str_):
            flat[i] = str(v).encode("utf-8")
        elif not isinstance(v, bytes):
            raise TypeError(f"Cannot convert {v!r} to a tf.string element.")
    return arr


def to_array(value, dtype: dtypes.DType | None = None, *, exact: bool = True) -> np.ndarray:
    """A NumPy array for a Python or NumPy value, with TensorFlow's dtype rules."""
    if isinstance(value, np.ndarray) or isinstance(value, np.generic):
        arr = np.asarray(value)
        if arr.dtype.kind in "SU":
            arr = _to_string_array(arr)
        if dtype is not None and dtypes.from_numpy(arr.dtype) is not dtype:
            if dtype is dtypes.string or arr.dtype == object:
                raise TypeError(f"Cannot convert an array of {arr.dtype} to {dtype.name}")
            arr = arr.astype(dtype.np_dtype)
        return arr
    if isinstance(value, Tensor):
        arr = np.asarray(value.numpy())
        return arr if dtype is None else arr.astype(dtype.np_dtype)
    if dtype is None:
        dtype = _infer_python_dtype(value)
    if dtype is dtypes.string:
        return _to_string_array(value)
    if isinstance(value, (list, tuple)) and any(isinstance(v, Tensor) for v in _flatten(value)):
        value = _nested_numpy(value)
    raw = np.asarray(value)
    if raw.dtype == object:
        raise ValueError(f"Can't convert non-rectangular Python sequence to Tensor: {value!r}")
    arr = raw.astype(dtype.np_dtype) if raw.dtype != dtype.np_dtype else raw
    if raw.dtype.kind == "f" and raw.size and dtype.is_integer:  # even 1.0 is refused for int32
        raise TypeError(f"Cannot convert {value!r} to EagerTensor of dtype {dtype.name}")
    if exact and raw.dtype.kind in "biu" and dtype.is_integer:
        if raw.size and (raw.min() < dtype.min or raw.max() > dtype.max):
            raise TypeError(f"Cannot convert {value!r} to EagerTensor of dtype {dtype.name}")
    elif exact and raw.dtype.kind == "c" and not dtype.is_complex:
        raise TypeError(f"Cannot convert {value!r} to EagerTensor of dtype {dtype.name}")
    return arr


def _pack_symbolic(value, dtype):
    """A list holding symbolic tensors (in a traced function) as one `Pack` node, as
    TensorFlow packs `[x, 1.0]` automatically; Python numbers take the tensors' dtype."""
    if dtype is None:
        dtype = next(v.dtype for v in _flatten(value) if isinstance(v, Tensor))
    items = [_pack_symbolic(v, dtype) if isinstance(v, (list, tuple)) else
             convert_to_tensor(v, dtype=dtype) for v in value]
    return execute(REGISTRY["Pack"], tuple(items), {"axis": 0})


def _flatten(v):
    if isinstance(v, (list, tuple)):
        for item in v:
            yield from _flatten(item)
    else:
        yield v


def _nested_numpy(v):
    if isinstance(v, (list, tuple)):
        return [_nested_numpy(x) for x in v]
    if isinstance(v, Tensor):
        return v.numpy()
    return v


def _wrap(arr: np.ndarray) -> Tensor:
    device = ctx.device
    if device.backend.name != "numpy":
        return Tensor(device.backend.asarray(arr), device)
    return Tensor(arr, device)


def constant(value, dtype=None, shape=None, name=None) -> Tensor:
    """A constant tensor from a Python or NumPy value (`tf.constant`).

    >>> constant([[1, 2], [3, 4]]).dtype
    tf.int32
    """
    if dtype is not None:
        dtype = dtypes.as_dtype(dtype)
    if isinstance(value, Tensor) and not value.is_symbolic:
        arr = np.asarray(value.numpy())
        if dtype is not None and dtypes.from_numpy(arr.dtype) is not dtype:
            arr = arr.astype(dtype.np_dtype)
    elif hasattr(value, "__tf_tensor__"):
        t = value.__tf_tensor__(dtype, name)
        return t if shape is None else constant(t, dtype, shape, name)
    else:
        arr = to_array(value, dtype, exact=False)
    if shape is not None:
        shape = tuple(int(d) for d in shape)
        size = int(np.prod(shape, dtype=np.int64))
        if arr.size == size:
            arr = arr.reshape(shape)
        elif arr.size == 1:
            arr = np.full(shape, arr.reshape(()), dtype=arr.dtype)
        else:
            raise TypeError(f"Eager execution of tf.constant with unsupported shape. Tried to "
                            f"convert a value with {arr.size} elements to shape {list(shape)}.")
    return _wrap(arr)


def convert_to_tensor(value, dtype=None, dtype_hint=None, name=None, preferred_dtype=None):
    """A Tensor for `value`; tensors pass through (their dtype must match `dtype` if given)."""
    if type(value) is Tensor and dtype is None:
        return value
    if dtype is not None:
        dtype = dtypes.as_dtype(dtype)
    if isinstance(value, Tensor):
        if dtype is not None and value.dtype is not dtype:
            raise ValueError(f"Tensor conversion requested dtype {dtype.name} for Tensor with "
                             f"dtype {value.dtype.name}: {value!r}")
        return value
    convert = getattr(value, "__tf_tensor__", None)
    if convert is not None:
        return convert(dtype, name)
    if isinstance(value, (list, tuple)) and any(getattr(v, "is_symbolic", False)
                                                for v in _flatten(value)):
        return _pack_symbolic(value, dtype)
    hint = dtype_hint if dtype_hint is not None else preferred_dtype
    if dtype is None and hint is not None and not isinstance(value, (np.ndarray, np.generic)):
        hint = dtypes.as_dtype(hint)
        try:
            return _wrap(to_array(value, hint))
        except (TypeError, ValueError):
            pass
    return _wrap(to_array(value, dtype))
