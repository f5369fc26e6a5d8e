"""Tensor: an immutable array on a device (eager), or a symbolic value in a graph being traced.

Python operators (+, @, [], ...) are installed on Tensor by the op library (ops/overloads.py), as
TensorFlow does, so that this module does not depend on the ops built on top of it.
"""

from __future__ import annotations

import numpy as np

from tensorweave.backend import NUMPY
from tensorweave.framework import dtypes
from tensorweave.framework.context import CPU0
from tensorweave.framework.tensor_shape import TensorShape


class Tensor:
    """An eager tensor: wraps a NumPy (CPU) or CuPy (GPU) array. Immutable.

    >>> import tensorweave as tf
    >>> tf.constant([1, 2])
    <tf.Tensor: shape=(2,), dtype=int32, numpy=array([1, 2], dtype=int32)>
    """

    __slots__ = ("_array", "_device", "__weakref__")
    # Make NumPy defer to our reflected operators (np.float32(2) * t -> t.__rmul__).
    __array_priority__ = 100

    def __init__(self, array, device=CPU0):
        self._array = array
        self._device = device

    # --- static properties ---------------------------------------------------------------------
    @property
    def dtype(self) -> dtypes.DType:
        return dtypes.from_numpy(self._array.dtype)

    @property
    def shape(self) -> TensorShape:
        return TensorShape._from_tuple(self._array.shape)

    def get_shape(self) -> TensorShape:
        return self.shape

    def set_shape(self, shape) -> None:
        if not self.shape.is_compatible_with(shape):
            raise ValueError(f"Tensor's shape {self.shape} is not compatible with supplied shape "
                             f"{TensorShape(shape)}.")

    @property
    def ndim(self) -> int:
        return self._array.ndim

    @property
    def device(self) -> str:
        return self._device.name

    @property
    def name(self):
        raise AttributeError("Tensor.name is undefined when eager execution is enabled.")

    @property
    def is_symbolic(self) -> bool:
        return False

    # --- values --------------------------------------------------------------------------------
    def numpy(self):
        """The value as a NumPy array (a NumPy scalar for rank 0, as TensorFlow returns)."""
        a = self._array
        if self._device.backend is not NUMPY:
            a = self._device.backend.to_numpy(a)
        if a.ndim == 0 and isinstance(a, np.ndarray):
            return a[()]
        return a

    def __array__(self, dtype=None, copy=None):
        a = np.asarray(self.numpy())
        if dtype is not None and a.dtype != dtype:
            return a.astype(dtype)
        return a.copy() if copy else a

    def cpu(self) -> "Tensor":
        from tensorweave.framework.transfer import copy_to_device

        return copy_to_device(self, CPU0)

    def __bool__(self) -> bool:
        return bool(self._array)

    def __index__(self) -> int:
        if self._array.ndim != 0 or self._array.dtype.kind not in "iu":
            raise TypeError(f"Only integer scalar tensors can be used as an index, got {self!r}")
        return int(self._array)

    def __int__(self) -> int:
        return int(self._array)

    def __float__(self) -> float:
        return float(self._array)

    def __complex__(self) -> complex:
        return complex(self._array)

    def __len__(self) -> int:
        if self._array.ndim == 0:
            raise TypeError("len() of unsized object: the tensor is a scalar.")
        return self._array.shape[0]

    def __iter__(self):
        if self._array.ndim == 0:  # raised by iter() itself, as TensorFlow does
            raise TypeError("Cannot iterate over a scalar tensor.")
        device = self._device
        return (Tensor(row, device) for row in self._array)

    def __hash__(self):
        raise TypeError("Tensor is unhashable. Instead, use tensor.ref() as the key.")

    def ref(self) -> "Reference":
        """A hashable handle on this tensor (identity semantics), for dict keys and sets."""
        return Reference(self)

    experimental_ref = ref

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    def __reduce__(self):
        return (_rebuild, (np.asarray(self.numpy()),))

    # --- printing ------------------------------------------------------------------------------
    def __repr__(self) -> str:
        value = _numpy_repr(np.asarray(self.numpy()))
        return f"<tf.Tensor: shape={self.shape}, dtype={self.dtype.name}, numpy={value}>"

    def __str__(self) -> str:
        a = np.asarray(self.numpy())
        value = repr(bytes(a[()])) if a.ndim == 0 and a.dtype.kind in "OS" else np.array_str(a)
        return f"tf.Tensor({value}, shape={self.shape}, dtype={self.dtype.name})"

    def __format__(self, spec: str) -> str:
        if self._array.ndim == 0:
            return format(self.numpy(), spec)
        return format(str(self), spec)


class SymbolicTensor(Tensor):
    """A value inside a graph being traced: it has a static shape and dtype but no array."""

    __slots__ = ("graph", "node", "value_index", "_shape", "_dtype")

    def __init__(self, graph, node, value_index: int, shape, dtype: dtypes.DType):
        self._array = None
        self._device = None  # never a real device, so eager kernels can never read it
        self.graph = graph
        self.node = node
        self.value_index = value_index
        self._shape = TensorShape(shape)
        self._dtype = dtypes.as_dtype(dtype)

    @property
    def dtype(self) -> dtypes.DType:
        return self._dtype

    @property
    def shape(self) -> TensorShape:
        return self._shape

    def set_shape(self, shape) -> None:
        self._shape = self._shape.merge_with(shape)

    @property
    def ndim(self):
        return self._shape.rank

    @property
    def name(self) -> str:
        return f"{self.node.name}:{self.value_index}"

    @property
    def op(self):
        return self.node

    @property
    def is_symbolic(self) -> bool:
        return True

    @property
    def device(self) -> str:
        return getattr(self.node, "device", "") or ""

    def numpy(self):
        raise NotImplementedError(
            f"Cannot convert the symbolic tensor {self.name} to a NumPy array: it has no value "
            "while a function is being traced. Compute it with tensorweave ops instead, or run "
            "the function eagerly (tf.config.run_functions_eagerly(True)).")

    def __array__(self, dtype=None, copy=None):
        self.numpy()

    def __bool__(self) -> bool:
        raise TypeError(
            f"Using a symbolic tf.Tensor ({self.name}) as a Python bool is not allowed while "
            "tracing; use tf.cond, or let AutoGraph convert the `if`.")

    def __index__(self) -> int:
        raise TypeError(f"The symbolic tensor {self.name} cannot be used as a Python integer.")

    def __len__(self) -> int:
        if self._shape.rank is None or self._shape[0] is None:
            raise TypeError(f"len is not well defined for the symbolic tensor {self.name}: "
                            f"its first dimension is unknown (shape {self._shape}).")
        return self._shape[0]

    def __iter__(self):
        n = self.__len__()
        for i in range(n):
            yield self[i]

    def __repr__(self) -> str:
        return f"<tf.Tensor '{self.name}' shape={self._shape} dtype={self._dtype.name}>"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __reduce__(self):
        raise TypeError(f"The symbolic tensor {self.name} cannot be pickled.")


class Reference:
    """What `tensor.ref()` returns: hashable by identity, `deref()` gives the tensor back."""

    __slots__ = ("_obj",)

    def __init__(self, obj):
        self._obj = obj

    def deref(self):
        return self._obj

    def __hash__(self) -> int:
        return id(self._obj)

    def __eq__(self, other) -> bool:
        return isinstance(other, Reference) and other._obj is self._obj

    def __repr__(self) -> str:
        return f"<Reference wrapping {self._obj!r}>"


def _numpy_repr(a: np.ndarray) -> str:
    """How TensorFlow shows a value in a repr: `1.0` for scalars, `array([...])` otherwise."""
    return str(a[()]) if a.ndim == 0 else np.array_repr(a)


def _rebuild(array):
    return Tensor(array, CPU0)


def is_tensor(x) -> bool:
    """True for tensors (eager or symbolic) and tensor-like objects such as variables."""
    return isinstance(x, Tensor) or getattr(x, "_is_tensor_like", False)
