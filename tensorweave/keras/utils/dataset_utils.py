"""split_dataset: two tf.data.Datasets from arrays (or a finite dataset), by count or fraction."""

from __future__ import annotations

import random

import numpy as np

import tensorweave as tf


def _sizes(left_size, right_size, total: int) -> tuple:
    """(left, right) element counts from Keras's int-or-fraction arguments."""
    for name, size in (("left_size", left_size), ("right_size", right_size)):
        if size is not None and type(size) not in (int, float):
            raise TypeError(f"Invalid `{name}` Type. Expected: int or float or None, Received: "
                            f"type({name})={type(size)}.")
        if isinstance(size, int) and not 0 < size < total or isinstance(size, float) and \
                not 0 < size < 1:
            raise ValueError(f"`{name}` should be either a positive integer smaller than "
                             f"{total}, or a float within the range `[0, 1]`. Received: "
                             f"{name}={size}")
    if isinstance(left_size, float) and isinstance(right_size, float) and \
            left_size + right_size > 1:
        raise ValueError("The sum of `left_size` and `right_size` is greater than 1. It must be "
                         "less than or equal to 1.")
    left = round(left_size * total) if isinstance(left_size, float) else left_size
    right = round(right_size * total) if isinstance(right_size, float) else right_size
    left = total - right if left is None else left
    right = total - left if right is None else right
    if left + right > total:
        raise ValueError(f"The sum of `left_size` and `right_size` should be smaller than the "
                         f"{total}. Received: left_size + right_size = {left + right}")
    if left == 0 or right == 0:
        raise ValueError(f"With `dataset` of length={total}, `left_size`={left_size} and "
                         f"`right_size`={right_size}, one side of the split would be empty.")
    return int(left), int(right)


def split_dataset(dataset, left_size=None, right_size=None, shuffle: bool = False,
                  seed: int | None = None) -> tuple:
    """(left, right) Datasets from an array, a tuple/list/dict of arrays or a finite unbatched
    tf.data.Dataset, `left_size`/`right_size` given as counts or fractions.

    >>> left, right = split_dataset(np.arange(10), left_size=0.8)
    >>> int(left.cardinality()), int(right.cardinality())
    (8, 2)
    """
    if left_size is None and right_size is None:
        raise ValueError("At least one of the `left_size` or `right_size` must be specified. "
                         "Received: left_size=None and right_size=None")
    if isinstance(dataset, tf.data.Dataset):
        rows = list(dataset.as_numpy_iterator())
        if not rows:
            raise ValueError("split_dataset got an empty dataset")
        structure = tf.nest.map_structure(lambda *xs: np.stack(xs), *rows)
    elif isinstance(dataset, (np.ndarray, tuple, list, dict)) or hasattr(dataset, "numpy"):
        structure = tf.nest.map_structure(np.asarray, dataset if not hasattr(
            dataset, "numpy") else dataset.numpy())
    else:
        raise TypeError("The `dataset` argument must be either a `tf.data.Dataset` object, or a "
                        f"list/tuple of arrays. Received: dataset={dataset} of type "
                        f"{type(dataset)}")
    lengths = {len(a) for a in tf.nest.flatten(structure)}
    if len(lengths) != 1:
        raise ValueError(f"split_dataset needs arrays of one length, got lengths {lengths}")
    total = lengths.pop()
    order = np.arange(total)
    if shuffle:
        random.Random(seed if seed is not None else random.randint(0, int(1e6))).shuffle(order)
    left, right = _sizes(left_size, right_size, total)
    pick = lambda idx: tf.nest.map_structure(lambda a: a[idx], structure)  # noqa: E731
    return (tf.data.Dataset.from_tensor_slices(pick(order[:left])),
            tf.data.Dataset.from_tensor_slices(pick(order[total - right:])))
