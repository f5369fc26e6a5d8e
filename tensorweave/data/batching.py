"""Batching transformations: batch, padded_batch, unbatch, rebatch, window, group_by_window."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import numpy as np

from tensorweave.data import structure
from tensorweave.data.functions import StructuredFunction
from tensorweave.data.node import INFINITE, UNKNOWN, Node
from tensorweave.data.transformations import dataset_node
from tensorweave.framework import dtypes
from tensorweave.framework.errors import InvalidArgumentError
from tensorweave.framework.tensor import Tensor
from tensorweave.framework.tensor_shape import TensorShape
from tensorweave.framework.tensor_spec import TensorSpec
from tensorweave.util import nest


def _batch_count(c: int, size: int, drop: bool) -> int:
    if c < 0:
        return c
    return c // size if drop else -(-c // size)


def stack(elements: list, n_components: int) -> tuple:
    """Stacks a list of flat elements component-wise, with TensorFlow's error on ragged input."""
    out = []
    for k in range(n_components):
        parts = [e[k] for e in elements]
        try:
            out.append(np.stack(parts))
        except ValueError:
            shapes = sorted({p.shape for p in parts})
            raise InvalidArgumentError(None, None, (
                f"Cannot batch tensors with different shapes in component {k}. First element "
                f"had shape {list(parts[0].shape)} and another element had shape "
                f"{list(shapes[-1] if shapes[-1] != parts[0].shape else shapes[0])}. Use "
                "padded_batch or ragged_batch to batch elements of different shapes.")) from None
    return tuple(out)


class BatchNode(Node):
    """`batch`: over in-memory slices whole batches are gathered by index (see node.Plan)."""

    def __init__(self, node: Node, batch_size, drop_remainder=False):
        self.inputs = (node,)
        self.size = int(batch_size)
        if self.size < 1:
            raise InvalidArgumentError(None, None, f"Batch size must be greater than zero, got "
                                       f"{batch_size}. [Op:BatchDatasetV2]")
        self.drop = bool(drop_remainder)

    @property
    def spec(self):
        # TensorFlow knows the batch dimension only with drop_remainder, whatever the count.
        return structure.batched_spec(self.inputs[0].spec, self.size if self.drop else None)

    def iterate(self) -> Iterator[tuple]:
        plan = self.inputs[0].plan()
        if plan is not None:
            yield from self._gather(plan)
            return
        size, drop = self.size, self.drop
        it = self.inputs[0].iterate()
        while True:
            elements = list(itertools.islice(it, size))
            if not elements or (drop and len(elements) < size):
                return
            yield stack(elements, len(elements[0]))

    def _gather(self, plan) -> Iterator[tuple]:
        size, gather = self.size, plan.gather
        pending = np.zeros(0, np.int64)
        for chunk in plan.chunks():
            pending = chunk if not len(pending) else np.concatenate([pending, chunk])
            start, n = 0, len(pending)
            while n - start >= size:
                yield gather(pending[start:start + size])
                start += size
            pending = pending[start:]
        if len(pending) and not self.drop:
            yield gather(pending)

    def cardinality(self) -> int:
        return _batch_count(self.inputs[0].cardinality(), self.size, self.drop)


class PaddedBatchNode(BatchNode):
    """`padded_batch`: each component padded to `padded_shapes` (unknown dims: the batch max)."""

    def __init__(self, node, batch_size, padded_shapes=None, padding_values=None,
                 drop_remainder=False):
        super().__init__(node, batch_size, drop_remainder)
        specs = structure.flat_specs(node.spec)
        if padded_shapes is None:
            shapes = [s.shape for s in specs]
        else:
            shapes = _flat_up_to(node.spec, padded_shapes, "padded_shapes")
            shapes = [TensorShape(_shape_value(s)) for s in shapes]
        for s, p in zip(specs, shapes):
            if s.shape.rank is None and p.rank is None:
                raise ValueError("padded_batch needs padded_shapes for components of unknown "
                                 "rank.")
        self.shapes = shapes
        if padding_values is None:
            self.pads = [b"" if s.dtype is dtypes.string else 0 for s in specs]
        else:
            pads = _flat_up_to(node.spec, padding_values, "padding_values")
            self.pads = [structure.leaf_array(p, s.dtype)[()] for p, s in zip(pads, specs)]
        self.specs = specs

    @property
    def spec(self):
        out = [TensorSpec(TensorShape([self.size if self.drop else None]).concatenate(p),
                          s.dtype)
               for s, p in zip(self.specs, self.shapes)]
        return nest.pack_sequence_as(self.inputs[0].spec, out)

    def iterate(self) -> Iterator[tuple]:
        it = self.inputs[0].iterate()
        while True:
            elements = list(itertools.islice(it, self.size))
            if not elements or (self.drop and len(elements) < self.size):
                return
            yield tuple(self._pad(k, [e[k] for e in elements]) for k in range(len(self.specs)))

    def _pad(self, k: int, parts: list) -> np.ndarray:
        target = self.shapes[k].as_tuple()
        rank = parts[0].ndim
        if any(p.ndim != rank for p in parts):
            raise InvalidArgumentError(None, None, "padded_batch: elements of component "
                                       f"{k} have different ranks")
        if target is None:
            target = (None,) * rank
        dims = []
        for d in range(rank):
            biggest = max(p.shape[d] for p in parts)
            want = target[d]
            if want is not None and biggest > want:
                raise InvalidArgumentError(None, None, (
                    f"Attempted to pad to a smaller size than the input element: component {k} "
                    f"has size {biggest} in dimension {d} but the padded shape is {want}."))
            dims.append(biggest if want is None else want)
        out = np.full((len(parts), *dims), self.pads[k], dtype=parts[0].dtype)
        for i, p in enumerate(parts):
            out[(i, *(slice(0, n) for n in p.shape))] = p
        return out


def _shape_value(s):
    if isinstance(s, TensorShape):
        return s
    a = structure.leaf_array(s) if not isinstance(s, (list, tuple)) else s
    if isinstance(a, np.ndarray):
        return [None if d < 0 else int(d) for d in a.reshape(-1).tolist()]
    return [None if d is None or int(d) < 0 else int(d) for d in a]


def _flat_up_to(spec, value, what: str) -> list:
    """`value` flattened to the leaves of `spec` (a leaf of `value` may be a list: a shape)."""
    if not nest.is_nested(spec):
        return [value]
    if isinstance(spec, dict):
        if not isinstance(value, dict) or set(value) != set(spec):
            raise ValueError(f"{what} {value!r} does not match the element structure {spec}")
        return [x for k in sorted(spec) for x in _flat_up_to(spec[k], value[k], what)]
    if not isinstance(value, (tuple, list)) or len(value) != len(spec):
        raise ValueError(f"{what} {value!r} does not match the element structure {spec}")
    return [x for s, v in zip(spec, value) for x in _flat_up_to(s, v, what)]


class UnbatchNode(Node):
    def __init__(self, node: Node):
        self.inputs = (node,)
        self._spec = structure.unbatched_spec(node.spec)

    def iterate(self) -> Iterator[tuple]:
        for flat in self.inputs[0].iterate():
            n = flat[0].shape[0]
            if any(a.shape[0] != n for a in flat):
                raise InvalidArgumentError(None, None, (
                    "Input element must have the same batch size in each component. Component 0 "
                    f"had size {n} but another component had size "
                    f"{next(a.shape[0] for a in flat if a.shape[0] != n)}."))
            for i in range(n):
                yield tuple(a[i, ...] for a in flat)

    def cardinality(self) -> int:
        c = self.inputs[0].cardinality()
        return c if c == INFINITE else (0 if c == 0 else UNKNOWN)


class RebatchNode(Node):
    """`rebatch`: the input's batches regrouped into `batch_size` (an int or a cycled list)."""

    def __init__(self, node: Node, batch_size, drop_remainder=False):
        self.inputs = (node,)
        specs = structure.flat_specs(node.spec)
        if any(s.shape.rank == 0 for s in specs):
            raise ValueError("Invalid `batch_sizes`. Expected dataset with rank of >= 1 but "
                             "found a dataset with scalar elements. Fix the issue by adding the "
                             "`batch` transformation to the dataset.")
        sizes = structure.leaf_array(batch_size).reshape(-1).tolist()
        if not sizes or any(s < 0 for s in sizes):
            raise InvalidArgumentError(None, None, f"Invalid batch_sizes {batch_size!r}")
        self.sizes = sizes
        self.drop = bool(drop_remainder)
        self.unbatched = UnbatchNode(node)

    @property
    def spec(self):
        fixed = self.drop and len(set(self.sizes)) == 1
        return structure.batched_spec(self.unbatched.spec, self.sizes[0] if fixed else None)

    def iterate(self) -> Iterator[tuple]:
        it = self.unbatched.iterate()
        n_comp = len(structure.flat_specs(self.unbatched.spec))
        for size in itertools.cycle(self.sizes):
            elements = list(itertools.islice(it, size))
            if len(elements) < size and (self.drop or not elements):
                return
            if not elements:
                specs = structure.flat_specs(self.unbatched.spec)
                yield tuple(np.zeros((0, *s.shape.as_tuple()), s.dtype.np_dtype) for s in specs)
                continue
            yield stack(elements, n_comp)

    def cardinality(self) -> int:
        c = self.inputs[0].cardinality()
        return c if c == INFINITE else UNKNOWN


class ListNode(Node):
    """Elements held in memory (a window's contents)."""

    def __init__(self, elements: list, spec):
        self.elements = elements
        self._spec = spec

    def iterate(self) -> Iterator[tuple]:
        return iter(self.elements)

    def cardinality(self) -> int:
        return len(self.elements)


class WindowNode(Node):
    """`window`: each element is a nest of datasets, one per component, of up to `size` rows."""

    def __init__(self, node: Node, size, shift=None, stride=1, drop_remainder=False):
        self.inputs = (node,)
        self.size = int(size)
        self.shift = self.size if shift is None else int(shift)
        self.stride = int(stride)
        if self.size < 1 or self.shift < 1 or self.stride < 1:
            raise InvalidArgumentError(None, None, "window size, shift and stride must be "
                                       "positive")
        self.drop = bool(drop_remainder)

    @property
    def spec(self):
        specs = structure.flat_specs(self.inputs[0].spec)
        return nest.pack_sequence_as(self.inputs[0].spec, [structure.DatasetSpec(s)
                                                           for s in specs])

    def iterate(self) -> Iterator[tuple]:
        specs = structure.flat_specs(self.inputs[0].spec)
        span = (self.size - 1) * self.stride + 1
        buf: list = []
        it = self.inputs[0].iterate()
        exhausted = False
        while True:
            while not exhausted and len(buf) < span:
                nxt = next(it, None)
                if nxt is None:
                    exhausted = True
                else:
                    buf.append(nxt)
            rows = buf[:span:self.stride]
            if not rows or (self.drop and len(rows) < self.size):
                return
            yield tuple(ListNode([(r[k],) for r in rows], s) for k, s in enumerate(specs))
            if exhausted and len(buf) <= self.shift:
                return
            del buf[:self.shift]
            # Skip input elements when shift is larger than what the buffer held.
            for _ in range(max(0, self.shift - span)):
                if next(it, None) is None:
                    exhausted = True
                    break

    def cardinality(self) -> int:
        c = self.inputs[0].cardinality()
        if c < 0:
            return c
        if self.drop:
            span = (self.size - 1) * self.stride + 1
            return 0 if c < span else (c - span) // self.shift + 1
        return -(-c // self.shift)


class GroupByWindowNode(Node):
    """`group_by_window`: elements grouped by key; each full window goes through `reduce_func`."""

    def __init__(self, node: Node, key_func, reduce_func, window_size=None,
                 window_size_func=None):
        if (window_size is None) == (window_size_func is None):
            raise ValueError("Either the `window_size` argument or the `window_size_func` "
                             "argument must be specified.")
        self.inputs = (node,)
        self.key_fn = StructuredFunction(key_func, node.spec, "group_by_window")
        self.reduce_func = reduce_func
        self.window_size = window_size
        self.window_size_func = window_size_func
        self._spec = None

    def _size_for(self, key) -> int:
        if self.window_size is not None:
            return int(structure.leaf_array(self.window_size))
        return int(structure.leaf_array(self.window_size_func(Tensor(np.asarray(key, np.int64)))))

    def _reduce(self, key, elements) -> Node:
        window = structure.DatasetSpec.wrap(ListNode(elements, self.inputs[0].spec))
        out = dataset_node(self.reduce_func(Tensor(np.asarray(key, np.int64)), window),
                           "group_by_window")
        if self._spec is None:
            self._spec = out.spec
        return out

    @property
    def spec(self):
        if self._spec is None:
            for _ in self.iterate():
                break
        return self._spec

    def iterate(self) -> Iterator[tuple]:
        groups: dict = {}
        for flat in self.inputs[0].iterate():
            key_arr = self.key_fn.call(flat)
            if len(key_arr) != 1 or key_arr[0].dtype != np.int64 or key_arr[0].ndim != 0:
                raise ValueError("`key_func` must return a single tf.int64 scalar tensor, got "
                                 f"{[a.dtype for a in key_arr]}")
            key = int(key_arr[0])
            group = groups.setdefault(key, [])
            group.append(flat)
            if len(group) >= self._size_for(key):
                del groups[key]
                yield from self._reduce(key, group).iterate()
        for key, group in groups.items():
            yield from self._reduce(key, group).iterate()

    def cardinality(self) -> int:
        c = self.inputs[0].cardinality()
        return INFINITE if c == INFINITE else UNKNOWN
