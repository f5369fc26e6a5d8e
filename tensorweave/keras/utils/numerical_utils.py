"""to_categorical and normalize, on NumPy arrays as Keras's utils are."""

from __future__ import annotations

import numpy as np


def to_categorical(x, num_classes: int | None = None) -> np.ndarray:
    """One-hot encodes integer class labels; a trailing axis of size 1 is replaced.

    >>> to_categorical([0, 2], 3)
    array([[1., 0., 0.],
           [0., 0., 1.]])
    """
    if hasattr(x, "numpy"):
        x = x.numpy()
    x = np.asarray(x)
    if x.size and not np.issubdtype(x.dtype, np.integer):
        if not np.all(np.equal(np.mod(x, 1), 0)):
            raise ValueError(f"to_categorical expects integer class labels, got values of dtype "
                             f"{x.dtype} that are not whole numbers")
    x = x.astype("int64")
    shape = x.shape
    if shape and shape[-1] == 1 and len(shape) > 1:
        shape = shape[:-1]
    x = x.reshape(-1)
    if x.size and x.min() < 0:
        raise ValueError(f"to_categorical expects non-negative class labels, got {x.min()}")
    if num_classes is None:
        num_classes = int(x.max()) + 1 if x.size else 0
    elif x.size and x.max() >= num_classes:
        raise ValueError(f"to_categorical: label {x.max()} is out of range for "
                         f"num_classes={num_classes}")
    out = np.zeros((x.size, num_classes), dtype="float64")
    out[np.arange(x.size), x] = 1
    return out.reshape(shape + (num_classes,))


def normalize(x, axis: int = -1, order: int = 2):
    """x divided by its `order`-norm along `axis` (zero vectors stay zero).

    NumPy in, NumPy out; a tensor gives a tensor.
    """
    if hasattr(x, "numpy") and not isinstance(x, np.ndarray):
        import tensorweave as tf

        arr = np.asarray(x.numpy())
        return tf.constant(normalize(arr, axis, order), dtype=x.dtype)
    x = np.asarray(x)
    norm = np.atleast_1d(np.linalg.norm(x, order, axis))
    norm[norm == 0] = 1
    return x / np.expand_dims(norm, axis)
