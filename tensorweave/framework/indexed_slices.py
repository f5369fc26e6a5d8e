"""tf.IndexedSlices: a sparse set of rows of a dense tensor, the gradient of gather/embeddings.

`values[i]` is row `indices[i]` of a tensor of shape `dense_shape`; repeated indices add up. A
gradient that touches a few rows of a large embedding stays this small: the tape accumulates
IndexedSlices by concatenation, optimizers update only the rows named, and `tf.convert_to_tensor`
(or any op taking a tensor) densifies it.
"""

from __future__ import annotations

from tensorweave.framework.tensor_shape import TensorShape


class IndexedSlices:
    """Rows `indices` of a tensor of shape `dense_shape`, holding `values` (`tf.IndexedSlices`).

    >>> import tensorweave as tf
    >>> s = tf.IndexedSlices(tf.ones((2, 3)), tf.constant([0, 2]), tf.constant([4, 3]))
    >>> tf.convert_to_tensor(s).shape
    TensorShape([4, 3])
    """

    _is_tensor_like = True

    def __init__(self, values, indices, dense_shape=None):
        self._values = values
        self._indices = indices
        self._dense_shape = dense_shape

    @property
    def values(self):
        return self._values

    @property
    def indices(self):
        return self._indices

    @property
    def dense_shape(self):
        return self._dense_shape

    @property
    def dtype(self):
        return self._values.dtype

    @property
    def device(self) -> str:
        return self._values.device

    @property
    def name(self):
        return self._values.name

    @property
    def shape(self) -> TensorShape:
        """The dense shape where it is known statically, else the values' row shape."""
        ds = self._dense_shape
        if ds is not None and not getattr(ds, "is_symbolic", False):
            return TensorShape([int(d) for d in _to_list(ds)])
        rows = self._values.shape
        return TensorShape([None]).concatenate(rows[1:]) if rows.rank is not None \
            else TensorShape(None)

    def __tf_tensor__(self, dtype=None, name=None):
        """The dense tensor: the values added into zeros at their rows."""
        from tensorweave.ops.gather_ops import indexed_slices_to_dense

        dense = indexed_slices_to_dense(self)
        if dtype is not None and dense.dtype != dtype:
            raise ValueError(f"Tensor conversion requested dtype {dtype} for IndexedSlices with "
                             f"dtype {dense.dtype.name}")
        return dense

    def __array__(self, dtype=None, copy=None):
        import numpy as np

        a = np.asarray(self.__tf_tensor__())
        return a if dtype is None else a.astype(dtype)

    def numpy(self):
        return self.__tf_tensor__().numpy()

    def __neg__(self) -> "IndexedSlices":
        return IndexedSlices(-self._values, self._indices, self._dense_shape)

    def __repr__(self) -> str:
        shape = self._dense_shape
        return (f"IndexedSlices(indices={self._indices!r}, values={self._values!r}"
                + (f", dense_shape={shape!r})" if shape is not None else ")"))


def _to_list(t):
    return t.numpy().tolist() if hasattr(t, "numpy") else list(t)
