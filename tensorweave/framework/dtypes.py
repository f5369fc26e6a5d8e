"""TensorFlow's dtypes, each a thin object over a NumPy dtype.

`tf.float32 == np.float32 == 'float32'` all hold, as in TensorFlow. bfloat16 comes from the optional
`ml_dtypes` package and is resolved only when first used, so `import tensorweave` stays light.
Strings are NumPy object arrays of `bytes`, TensorFlow's representation of `tf.string`.
"""

from __future__ import annotations

import builtins

import numpy as np


class DType:
    """A tensor element type: `tf.float32`, `tf.int64`, `tf.string` ..."""

    __slots__ = ("name", "_np", "_kind", "size", "_enum")

    def __init__(self, name: str, np_dtype, kind: str, size: int, enum: int):
        self.name = name
        self._np = np_dtype  # a numpy dtype, or None until resolved (bfloat16)
        self._kind = kind  # 'f' float, 'c' complex, 'i' signed, 'u' unsigned, 'b' bool, 's' string
        self.size = size
        self._enum = enum  # TensorFlow's DataType enum value (used by serialization formats)

    # --- numpy interop -------------------------------------------------------------------------
    @property
    def as_numpy_dtype(self):
        return self.np_dtype.type

    @property
    def np_dtype(self) -> np.dtype:
        if self._np is None:
            self._np = _resolve_bfloat16()
        return self._np

    @property
    def as_datatype_enum(self) -> int:
        return self._enum

    # --- classification ------------------------------------------------------------------------
    @property
    def is_floating(self) -> builtins.bool:
        return self._kind == "f"

    @property
    def is_complex(self) -> builtins.bool:
        return self._kind == "c"

    @property
    def is_integer(self) -> builtins.bool:
        return self._kind in "iu"

    @property
    def is_unsigned(self) -> builtins.bool:
        return self._kind in "ub"

    @property
    def is_bool(self) -> builtins.bool:
        return self._kind == "b"

    @property
    def is_numeric(self) -> builtins.bool:
        return self._kind in "fciu"

    @property
    def is_quantized(self) -> builtins.bool:
        return False

    @property
    def base_dtype(self) -> "DType":
        return self

    @property
    def real_dtype(self) -> "DType":
        if self is complex64:
            return float32
        if self is complex128:
            return float64
        return self

    @property
    def min(self):
        if self._kind in "fc":
            return float(np.finfo(self.np_dtype).min) if self._kind == "f" else None
        if self._kind in "iu":
            return int(np.iinfo(self.np_dtype).min)
        if self._kind == "b":
            return False
        raise TypeError(f"Cannot find minimum value of {self}.")

    @property
    def max(self):
        if self._kind == "f":
            return float(np.finfo(self.np_dtype).max)
        if self._kind in "iu":
            return int(np.iinfo(self.np_dtype).max)
        if self._kind == "b":
            return True
        raise TypeError(f"Cannot find maximum value of {self}.")

    @property
    def limits(self):
        return (self.min, self.max)

    def is_compatible_with(self, other) -> builtins.bool:
        return self == as_dtype(other)

    # --- identity ------------------------------------------------------------------------------
    def __eq__(self, other) -> builtins.bool:
        if other is self:
            return True
        if other is None:
            return False
        try:
            return as_dtype(other) is self
        except TypeError:
            return False

    def __ne__(self, other) -> builtins.bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return hash(self.name)

    def __repr__(self) -> str:
        return f"tf.{self.name}"

    def __str__(self) -> str:
        return f"<dtype: '{self.name}'>"

    def __reduce__(self):
        return (as_dtype, (self.name,))


def _resolve_bfloat16() -> np.dtype:
    try:
        import ml_dtypes
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError(
            "tf.bfloat16 needs the ml_dtypes package: pip install 'tensorweave[bfloat16]'"
        ) from e
    dt = np.dtype(ml_dtypes.bfloat16)
    _BY_NUMPY[dt] = bfloat16
    return dt


float16 = DType("float16", np.dtype(np.float16), "f", 2, 19)
half = float16
bfloat16 = DType("bfloat16", None, "f", 2, 14)
float32 = DType("float32", np.dtype(np.float32), "f", 4, 1)
float64 = DType("float64", np.dtype(np.float64), "f", 8, 2)
double = float64
int8 = DType("int8", np.dtype(np.int8), "i", 1, 6)
int16 = DType("int16", np.dtype(np.int16), "i", 2, 5)
int32 = DType("int32", np.dtype(np.int32), "i", 4, 3)
int64 = DType("int64", np.dtype(np.int64), "i", 8, 9)
uint8 = DType("uint8", np.dtype(np.uint8), "u", 1, 4)
uint16 = DType("uint16", np.dtype(np.uint16), "u", 2, 17)
uint32 = DType("uint32", np.dtype(np.uint32), "u", 4, 22)
uint64 = DType("uint64", np.dtype(np.uint64), "u", 8, 23)
bool = DType("bool", np.dtype(np.bool_), "b", 1, 10)  # noqa: A001 - TensorFlow's public name
complex64 = DType("complex64", np.dtype(np.complex64), "c", 8, 8)
complex128 = DType("complex128", np.dtype(np.complex128), "c", 16, 18)
string = DType("string", np.dtype(object), "s", 0, 7)
# Handles of resources and variants have no NumPy meaning; they exist so that specs can name them.
resource = DType("resource", np.dtype(object), "r", 0, 20)
variant = DType("variant", np.dtype(object), "v", 0, 21)

ALL = (float16, bfloat16, float32, float64, int8, int16, int32, int64, uint8, uint16, uint32,
       uint64, bool, complex64, complex128, string, resource, variant)
_BY_NAME = {d.name: d for d in ALL}
_BY_NAME.update(half=float16, double=float64, float=float32, int=int32)
_BY_ENUM = {d._enum: d for d in ALL}
_BY_NUMPY = {d._np: d for d in ALL if d._np is not None and d._kind not in "rv"}
_BY_PYTHON = {float: float32, int: int32, complex: complex128, str: string, bytes: string,
              builtins.bool: bool}


def as_dtype(type_value) -> DType:
    """Converts a DType, NumPy dtype or type, name, enum or Python type to a DType."""
    if isinstance(type_value, DType):
        return type_value
    if isinstance(type_value, str):
        d = _BY_NAME.get(type_value)
        if d is not None:
            return d
        if type_value == "bfloat16":
            return bfloat16
    elif isinstance(type_value, int) and not isinstance(type_value, type):
        d = _BY_ENUM.get(type_value)
        if d is not None:
            return d
    elif type_value in _BY_PYTHON:
        return _BY_PYTHON[type_value]
    try:
        npd = np.dtype(type_value)
    except TypeError:
        npd = None
    if npd is not None:
        d = _BY_NUMPY.get(npd)
        if d is not None:
            return d
        if npd.kind in "SUO":
            return string
        if npd.name == "bfloat16":
            bfloat16._np = npd
            _BY_NUMPY[npd] = bfloat16
            return bfloat16
    dtype_attr = getattr(type_value, "dtype", None)
    if isinstance(dtype_attr, DType):
        return dtype_attr
    raise TypeError(f"Cannot convert {type_value!r} to a tensorweave DType.")


def from_numpy(np_dtype: np.dtype) -> DType:
    """The DType of a NumPy array's dtype (the fast path of `as_dtype`)."""
    d = _BY_NUMPY.get(np_dtype)
    return d if d is not None else as_dtype(np_dtype)


QUANTIZED_DTYPES = frozenset()
