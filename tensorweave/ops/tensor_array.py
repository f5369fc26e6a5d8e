"""tf.TensorArray: a list of same-shaped tensors that loops write one element at a time.

Its value is one tensor, the buffer (elements stacked along a new first dimension), and every
method is an op on it: `write` returns a TensorArray with a new buffer (TensorArrays are values,
as in TensorFlow 2's functional style: `ta = ta.write(i, x)`). So a TensorArray is a plain loop
variable of `tf.while_loop` (its buffer may grow, so its shape invariant is unknown), and its
gradients are those of the buffer ops. Before the first write of an array whose element shape is
not known, the buffer is empty with shape [0].

    >>> import tensorweave as tf
    >>> ta = tf.TensorArray(tf.float32, size=2)
    >>> ta = ta.write(0, 1.0).write(1, 2.0)
    >>> ta.stack().numpy()
    array([1., 2.], dtype=float32)
"""

from __future__ import annotations

from tensorweave.framework import dtypes
from tensorweave.framework.constant_op import convert_to_tensor
from tensorweave.framework.errors import InvalidArgumentError
from tensorweave.framework.op_def import execute, op
from tensorweave.framework.tensor import SymbolicTensor, Tensor
from tensorweave.framework.tensor_shape import TensorShape
from tensorweave.ops._infer import Spec
from tensorweave.ops.array_ops import concat, shape, unstack
from tensorweave.ops.fill_ops import zeros
from tensorweave.ops.gather_ops import gather
from tensorweave.ops.math_ops import identity
from tensorweave.util import nest

__all__ = ["TensorArray"]


def _elem_dims(buffer_shape):
    return None if buffer_shape is None else buffer_shape[1:]


def _infer_write(buf, index, value, *, size, dynamic):
    first = None if dynamic or size is None else size
    if buf.shape is None or value.shape is None:
        return Spec(None, buf.dtype)
    if buf.shape == (0,):  # the empty start buffer takes the element's shape
        return Spec((first,) + tuple(value.shape), buf.dtype)
    if len(buf.shape) - 1 != len(value.shape):
        raise ValueError(f"TensorArray: writing an element of shape {value.shape} into an array "
                         f"of elements of shape {buf.shape[1:]}")
    elem = []
    for a, b in zip(buf.shape[1:], value.shape):
        if a is not None and b is not None and a != b:
            raise ValueError(f"TensorArray: writing an element of shape {value.shape} into an "
                             f"array of elements of shape {buf.shape[1:]}")
        elem.append(a if a is not None else b)
    return Spec((first,) + tuple(elem), buf.dtype)


def _grown(xp, buf, index, value, size, dynamic):
    if buf.shape[0] == 0 and buf.shape[1:] != value.shape:  # the empty start buffer
        buf = xp.zeros((size or 0,) + value.shape, dtype=buf.dtype)
    if buf.shape[1:] != value.shape:
        raise ValueError(f"Could not write to TensorArray index {index}: its elements have "
                         f"shape {list(buf.shape[1:])} but the value has shape "
                         f"{list(value.shape)}")
    n = buf.shape[0]
    if index < 0:
        raise IndexError(f"Tried to write to index {index} but array index must be >= 0")
    if index >= n:
        if not dynamic:
            raise IndexError(f"Tried to write to index {index} but array is not resizeable "
                             f"and size is: {n}")
        grown = xp.zeros((index + 1,) + value.shape, dtype=buf.dtype)
        grown[:n] = buf
        return grown
    return buf.copy()


@op("TensorArrayWrite", infer=_infer_write)
def _write(xp, buf, index, value, *, size, dynamic):
    """A copy of the buffer with row `index` set to `value` (grown when dynamic)."""
    i = int(index)
    out = _grown(xp, buf, i, value, size, dynamic)
    out[i] = value
    return out


def _infer_read(buf, index):
    return Spec(_elem_dims(buf.shape), buf.dtype)


@op("TensorArrayRead", infer=_infer_read)
def _read(xp, buf, index):
    i = int(index)
    if not 0 <= i < buf.shape[0]:
        raise IndexError(f"Tried to read from index {i} but array size is: {buf.shape[0]}")
    return buf[i].copy()


@op("TensorArrayZeroRow", infer=lambda dy, index, like: Spec(like.shape, dy.dtype))
def _zero_row(xp, dy, index, like):
    """`dy` cut or zero-padded to `like`'s rows, with row `index` zeroed: the gradient that a
    write passes to the buffer it wrote into (which may have had fewer rows)."""
    out = xp.zeros(like.shape, dtype=dy.dtype)
    n = min(out.shape[0], dy.shape[0])
    out[:n] = dy[:n]
    i = int(index)
    if i < out.shape[0]:
        out[i] = 0
    return out


@op("TensorArrayScatterRow", infer=lambda buf, index, dy: buf)
def _scatter_row(xp, buf, index, dy):
    """zeros like `buf` with row `index` = dy: the gradient of a read."""
    out = xp.zeros(buf.shape, dtype=dy.dtype) if buf.ndim > 1 or buf.shape[0] else \
        xp.zeros((int(index) + 1,) + dy.shape, dtype=dy.dtype)
    out[int(index)] = dy
    return out


@_write.def_grad
def _write_grad(op, dy):
    buf, index, value = op.inputs
    if buf.shape.rank == 1 and buf.shape[0] == 0 and value.shape.rank != 0:
        d_buf = None  # the empty start buffer: nothing flows back
    else:
        d_buf = execute(_zero_row, (dy, index, buf), {})
    return d_buf, None, execute(_read, (dy, index), {})


@_read.def_grad
def _read_grad(op, dy):
    buf, index = op.inputs
    return execute(_scatter_row, (buf, index, dy), {}), None


@_zero_row.def_grad
def _zero_row_grad(op, ddy):
    dy, index, _ = op.inputs
    return execute(_zero_row, (ddy, index, dy), {}), None, None


@_scatter_row.def_grad
def _scatter_row_grad(op, dy):
    return None, None, execute(_read, (dy, op.inputs[1]), {})


class TensorArray:
    """A list of tensors of one dtype for loops (`tf.TensorArray`). See the module docstring."""

    def __init__(self, dtype, size=None, dynamic_size=None, clear_after_read=None,
                 tensor_array_name=None, handle=None, flow=None, infer_shape=True,
                 element_shape=None, colocate_with_first_write_call=True, name=None):
        self._dtype = dtypes.as_dtype(dtype)
        self._dynamic = bool(dynamic_size) or size is None
        self._infer_shape = infer_shape
        static = None
        if size is not None:
            size_t = size if isinstance(size, Tensor) else convert_to_tensor(size)
            if type(size_t) is not SymbolicTensor:
                static = int(size_t.numpy())
            elif not self._dynamic:
                raise NotImplementedError(
                    "tf.TensorArray: a size computed inside a traced function needs "
                    "dynamic_size=True in tensorweave (the buffer then grows as written).")
        self._size = static
        self._element_shape = TensorShape(element_shape) if element_shape is not None else \
            TensorShape(None)
        if flow is not None:
            self._buffer = flow
        else:
            self._buffer = self._empty()

    def _empty(self):
        elem = self._element_shape
        if elem.is_fully_defined():
            return zeros([self._size or 0] + elem.as_list(), dtype=self._dtype)
        return zeros([0], dtype=self._dtype)

    def _with(self, buffer) -> "TensorArray":
        new = object.__new__(TensorArray)
        new.__dict__.update(self.__dict__)
        new._buffer = buffer
        shape = buffer.shape.as_tuple()
        if self._infer_shape and shape is not None and shape != (0,):
            new._element_shape = self._element_shape.merge_with(shape[1:]) \
                if self._element_shape.is_compatible_with(shape[1:]) else TensorShape(shape[1:])
        return new

    # --- properties ----------------------------------------------------------------------------
    @property
    def dtype(self) -> dtypes.DType:
        return self._dtype

    @property
    def element_shape(self) -> TensorShape:
        return self._element_shape

    @property
    def dynamic_size(self) -> bool:
        return self._dynamic

    @property
    def flow(self):
        """The buffer tensor (TensorFlow's flow: what carries the array through loops)."""
        return self._buffer

    @property
    def handle(self):
        return self._buffer

    def size(self, name=None):
        """The number of elements, as an int32 scalar tensor."""
        if self._size is not None and not self._dynamic:
            return convert_to_tensor(self._size)
        return shape(self._buffer)[0]

    # --- element access ------------------------------------------------------------------------
    def _index(self, index):
        t = index if isinstance(index, Tensor) else convert_to_tensor(index)
        if not t.dtype.is_integer:
            raise TypeError(f"TensorArray index must be an integer, got {t.dtype.name}")
        return t

    def write(self, index, value, name=None) -> "TensorArray":
        """A TensorArray with element `index` set to `value`."""
        value = value if isinstance(value, Tensor) else convert_to_tensor(
            value.__tf_tensor__() if hasattr(value, "__tf_tensor__") else value, dtype=self._dtype)
        if value.dtype is not self._dtype:
            raise TypeError(f"TensorArray dtype is {self._dtype.name} but Op is trying to write "
                            f"dtype {value.dtype.name}")
        if not self._element_shape.is_compatible_with(value.shape):
            raise ValueError(f"Could not write to TensorArray: element shape "
                             f"{self._element_shape} is not compatible with {value.shape}")
        buf = execute(_write, (self._buffer, self._index(index), value),
                      {"size": self._size, "dynamic": self._dynamic})
        return self._with(buf)

    def read(self, index, name=None):
        """Element `index`."""
        return execute(_read, (self._buffer, self._index(index)), {})

    def stack(self, name=None):
        """All elements stacked along a new first dimension."""
        if self._buffer.shape.rank == 1 and self._buffer.shape[0] == 0 and \
                self._element_shape.rank not in (None, 0):
            if self._element_shape.is_fully_defined():
                return zeros([0] + self._element_shape.as_list(), dtype=self._dtype)
        return identity(self._buffer)

    def gather(self, indices, name=None):
        return gather(self._buffer, indices)

    def concat(self, name=None):
        """The elements concatenated along their first dimension."""
        if self._buffer.shape.rank is not None and self._buffer.shape[0] is not None:
            return concat(unstack(self._buffer), 0)
        raise NotImplementedError("TensorArray.concat of an array whose size is not known "
                                  "while tracing")

    def unstack(self, value, name=None) -> "TensorArray":
        """A TensorArray holding the rows of `value`."""
        value = value if isinstance(value, Tensor) else convert_to_tensor(value, self._dtype)
        if value.dtype is not self._dtype:
            raise TypeError(f"TensorArray dtype is {self._dtype.name} but unstack got "
                            f"{value.dtype.name}")
        return self._with(identity(value))

    def scatter(self, indices, value, name=None) -> "TensorArray":
        ta = self
        idx = indices.numpy().tolist() if isinstance(indices, Tensor) and type(
            indices) is not SymbolicTensor else list(indices)
        for i, row in zip(idx, unstack(convert_to_tensor(value, self._dtype))):
            ta = ta.write(i, row)
        return ta

    def split(self, value, lengths, name=None):
        raise NotImplementedError("TensorArray.split is not implemented in tensorweave; use "
                                  "tf.split and write the pieces.")

    def close(self, name=None):
        return None

    def mark_used(self):
        return None

    def identity(self):
        return self

    def __repr__(self) -> str:
        return f"<TensorArray dtype={self._dtype.name} element_shape={self._element_shape}>"


def flatten_loop_vars(structure, invariants: bool = False) -> list:
    """The leaves of loop variables, each TensorArray as its buffer (for shape invariants: the
    unknown shape)."""
    out = []
    for leaf in nest.flatten(structure):
        if isinstance(leaf, TensorArray):
            out.append(None if invariants else leaf._buffer)
        else:
            out.append(leaf)
    return out


def pack_loop_vars(structure, flat: list):
    """Inverse of flatten_loop_vars: TensorArrays are rebuilt around the new buffers."""
    leaves = nest.flatten(structure)
    if len(leaves) != len(flat):
        raise InvalidArgumentError(None, None, "loop variables changed their number of tensors")
    new = [leaf._with(v) if isinstance(leaf, TensorArray) and not isinstance(v, TensorArray)
           else v for leaf, v in zip(leaves, flat)]
    return nest.pack_sequence_as(structure, new)
