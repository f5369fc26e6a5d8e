"""Pipeline nodes: the engine under `tf.data.Dataset`.

A `Dataset` is a thin public object holding one `Node`. A node knows its element spec, its
cardinality and how to iterate its elements as flat tuples of NumPy arrays (see structure.py).

Nodes over in-memory arrays (from_tensor_slices and index-only stages after it: shuffle, repeat,
take, skip, shard) also offer a *plan*: the source arrays plus a stream of int64 index chunks. A
batch over a plan gathers whole batches with one fancy-index per component instead of stacking
element by element, which is what makes `from_tensor_slices(x).shuffle(n).batch(32)` fast.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

INFINITE = -1
UNKNOWN = -2


class Plan:
    """Arrays (the flat components), a factory of index-chunk iterators into their first dim,
    and `post`: a function applied to gathered rows (a map fused into the gather), or None.

    `post` is only set by maps whose traced function is row-wise (see functions.py), so applying
    it to a gathered batch gives the same rows as applying it to each element.
    """

    __slots__ = ("arrays", "chunks", "post")

    def __init__(self, arrays: tuple, chunks: Callable[[], Iterator[np.ndarray]], post=None):
        self.arrays = arrays
        self.chunks = chunks
        self.post = post

    def gather(self, idx: np.ndarray) -> tuple:
        """The rows `idx` of every component (one fancy-index each), `post` applied."""
        rows = tuple(a[idx] for a in self.arrays)
        return rows if self.post is None else self.post(*rows)

    def elements(self) -> Iterator[tuple]:
        arrays, post = self.arrays, self.post
        for chunk in self.chunks():
            for i in chunk.tolist():
                # `a[i, ...]` keeps 0-d arrays (not NumPy scalars) and is a view, not a copy.
                row = tuple(a[i, ...] for a in arrays)
                yield row if post is None else post(*row)


class Node:
    """One stage of a pipeline. Subclasses set `_spec` or override `spec`, and `iterate`."""

    _spec = None
    inputs: tuple = ()

    @property
    def spec(self):
        """The element spec: a nest of TensorSpec (DatasetSpec for windows)."""
        return self._spec

    def iterate(self) -> Iterator[tuple]:
        """A fresh pass over the elements, each a flat tuple of NumPy arrays."""
        plan = self.plan()
        if plan is None:
            raise NotImplementedError(f"{type(self).__name__}.iterate")
        return plan.elements()

    def plan(self) -> Plan | None:
        """The elements as rows of in-memory arrays by index, when they are (else None)."""
        return None

    def cardinality(self) -> int:
        """The element count, INFINITE or UNKNOWN."""
        return UNKNOWN


def add_cardinalities(a: int, b: int) -> int:
    """The count of two datasets one after the other."""
    if a == INFINITE or b == INFINITE:
        return INFINITE
    if a == UNKNOWN or b == UNKNOWN:
        return UNKNOWN
    return a + b


def chunked(indices: Iterator[int], size: int = 4096) -> Iterator[np.ndarray]:
    """Python ints grouped into int64 arrays."""
    buf = []
    for i in indices:
        buf.append(i)
        if len(buf) == size:
            yield np.asarray(buf, dtype=np.int64)
            buf = []
    if buf:
        yield np.asarray(buf, dtype=np.int64)
