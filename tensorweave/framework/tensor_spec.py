"""TensorSpec: the shape and dtype a tensor will have (`tf.TensorSpec`)."""

from __future__ import annotations

from tensorweave.framework import dtypes
from tensorweave.framework.tensor_shape import TensorShape


class TensorSpec:
    """Describes a tensor by (partial) shape, dtype and an optional name.

    >>> TensorSpec([None, 3], "float32")
    TensorSpec(shape=(None, 3), dtype=tf.float32, name=None)
    """

    __slots__ = ("_shape", "_dtype", "_name")

    def __init__(self, shape, dtype=dtypes.float32, name: str | None = None):
        self._shape = TensorShape(shape)
        self._dtype = dtypes.as_dtype(dtype)
        self._name = name

    @property
    def shape(self) -> TensorShape:
        return self._shape

    @property
    def dtype(self) -> dtypes.DType:
        return self._dtype

    @property
    def name(self):
        return self._name

    @classmethod
    def from_tensor(cls, tensor, name: str | None = None) -> "TensorSpec":
        """The spec of an existing tensor (or NumPy array)."""
        dtype = tensor.dtype
        if not isinstance(dtype, dtypes.DType):
            dtype = dtypes.from_numpy(dtype)
        return cls(tensor.shape, dtype, name)

    @classmethod
    def from_spec(cls, spec, name: str | None = None) -> "TensorSpec":
        return cls(spec.shape, spec.dtype, name if name is not None else spec.name)

    def is_compatible_with(self, other) -> bool:
        """True when `other` (a spec or tensor) could be described by this spec."""
        other_dtype = other.dtype if isinstance(other.dtype, dtypes.DType) else \
            dtypes.from_numpy(other.dtype)
        return other_dtype is self._dtype and self._shape.is_compatible_with(other.shape)

    def most_specific_common_supertype(self, others) -> "TensorSpec | None":
        shape = self._shape
        for o in others:
            if o.dtype is not self._dtype:
                return None
            shape = shape.most_specific_compatible_shape(o.shape) if hasattr(
                shape, "most_specific_compatible_shape") else _relax(shape, o.shape)
        return TensorSpec(shape, self._dtype, self._name)

    def __eq__(self, other) -> bool:
        return (type(other) is type(self) and self._dtype is other._dtype
                and self._shape.as_tuple() == other._shape.as_tuple()
                and self._name == other._name)

    def __hash__(self) -> int:
        return hash((self._shape.as_tuple(), self._dtype, self._name))

    def __repr__(self) -> str:
        name = repr(self._name) if self._name is not None else "None"
        return f"TensorSpec(shape={self._shape}, dtype={self._dtype!r}, name={name})"


def _relax(a: TensorShape, b: TensorShape) -> TensorShape:
    ta, tb = a.as_tuple(), TensorShape(b).as_tuple()
    if ta is None or tb is None or len(ta) != len(tb):
        return TensorShape(None)
    return TensorShape([x if x == y else None for x, y in zip(ta, tb)])
