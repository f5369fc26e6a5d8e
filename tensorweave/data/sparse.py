"""SparseTensor: the value of a VarLenFeature (indices, values, dense_shape), as TensorFlow's.

tensorweave's ops do not take sparse operands yet; `to_dense()` gives the dense tensor.
"""

from __future__ import annotations

import numpy as np

from tensorweave.data import structure
from tensorweave.framework import dtypes
from tensorweave.framework.context import CPU0
from tensorweave.framework.tensor import Tensor
from tensorweave.framework.tensor_shape import TensorShape


class SparseTensor:
    """A sparse tensor: int64 `indices` [n, rank], `values` [n], int64 `dense_shape` [rank].

    >>> st = SparseTensor([[0, 1], [2, 0]], [5.0, 6.0], [3, 2])
    >>> st.to_dense().numpy().tolist()
    [[0.0, 5.0], [0.0, 0.0], [6.0, 0.0]]
    """

    def __init__(self, indices, values, dense_shape):
        ind = structure.leaf_array(indices).astype(np.int64)
        val = structure.leaf_array(values)
        shp = structure.leaf_array(dense_shape).astype(np.int64).reshape(-1)
        if ind.ndim != 2 or val.ndim != 1 or ind.shape[0] != val.shape[0] or \
                ind.shape[1] != shp.shape[0]:
            raise ValueError(f"SparseTensor: indices {ind.shape}, values {val.shape} and "
                             f"dense_shape {shp.shape} do not fit ([n, rank], [n], [rank]).")
        self.indices = Tensor(ind, CPU0)
        self.values = Tensor(val, CPU0)
        self.dense_shape = Tensor(shp, CPU0)

    @property
    def dtype(self) -> dtypes.DType:
        """The values' dtype."""
        return self.values.dtype

    @property
    def shape(self) -> TensorShape:
        """The dense shape."""
        return TensorShape(self.dense_shape.numpy().tolist())

    def to_dense(self, default_value=None) -> Tensor:
        """The dense tensor, `default_value` (zero, or b"" for strings) where nothing is set."""
        val = self.values.numpy()
        fill = default_value if default_value is not None else (b"" if val.dtype == object else 0)
        out = np.full(self.dense_shape.numpy(), fill, dtype=val.dtype)
        ind = self.indices.numpy()
        if len(ind):
            out[tuple(ind.T)] = val
        return Tensor(out, CPU0)

    def __repr__(self) -> str:
        return (f"SparseTensor(indices={self.indices!r}, values={self.values!r}, "
                f"dense_shape={self.dense_shape!r})")
