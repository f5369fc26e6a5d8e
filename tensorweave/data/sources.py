"""Source nodes: tensors in memory, ranges, generators, zip and concatenate."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import numpy as np

from tensorweave.data import structure
from tensorweave.data.node import INFINITE, UNKNOWN, Node, Plan, add_cardinalities
from tensorweave.framework import dtypes
from tensorweave.framework.errors import InvalidArgumentError
from tensorweave.framework.tensor import Tensor
from tensorweave.framework.tensor_spec import TensorSpec
from tensorweave.util import nest


def _element(value):
    """(spec nest, flat arrays) of a user's element: tensors, arrays or Python values."""
    value = structure.normalize(value, lists_are_tensors=True)
    flat = structure.flatten_element(value)
    specs = [structure.spec_of_array(a) for a in flat]
    return structure.structure_of(value, specs), flat


def _owned(a: np.ndarray) -> np.ndarray:
    """A read-only array the dataset owns: like TensorFlow, which copies the tensors into the
    dataset, later writes to the user's array do not change the elements (and elements, which
    are views into it, cannot be written)."""
    if not a.flags.writeable and a.base is None:
        return a
    a = np.array(a, copy=True)
    a.flags.writeable = False
    return a


class TensorsNode(Node):
    """`from_tensors`: one element."""

    def __init__(self, value):
        self._spec, flat = _element(value)
        self.flat = tuple(_owned(a) for a in flat)

    def iterate(self) -> Iterator[tuple]:
        yield self.flat

    def cardinality(self) -> int:
        return 1


class TensorSlicesNode(Node):
    """`from_tensor_slices`: the rows of each component's first dimension."""

    def __init__(self, value):
        value = structure.normalize(value, lists_are_tensors=True)
        flat = structure.flatten_element(value)
        n = None
        for a in flat:
            if a.ndim == 0:
                raise ValueError("Unbatching a tensor is only supported for rank >= 1")
            if n is None:
                n = a.shape[0]
            elif a.shape[0] != n:
                raise ValueError(f"Dimensions {n} and {a.shape[0]} are not compatible: all "
                                 "components of from_tensor_slices must have the same first "
                                 f"dimension (got shapes {[x.shape for x in flat]}).")
        self.arrays = tuple(_owned(a) for a in flat)
        self.n = n or 0
        self._spec = structure.structure_of(value, [structure.spec_of_array(a, 1) for a in flat])

    def plan(self) -> Plan:
        n = self.n
        return Plan(self.arrays, lambda: iter([np.arange(n, dtype=np.int64)]))

    def cardinality(self) -> int:
        return self.n


_PLAN_LIMIT = 1 << 22


class RangeNode(Node):
    """`range(start, stop, step)` of int64 (or the `output_type` asked for)."""

    def __init__(self, args, output_type=dtypes.int64):
        if not 1 <= len(args) <= 3:
            raise ValueError(f"Dataset.range takes 1 to 3 positional arguments, got {len(args)}")
        self.range = range(*(int(a) for a in args))
        self.dtype = dtypes.as_dtype(output_type)
        self._spec = TensorSpec((), self.dtype)

    def iterate(self) -> Iterator[tuple]:
        if len(self.range) <= _PLAN_LIMIT:
            return self.plan().elements()
        return self._lazy()

    def _lazy(self) -> Iterator[tuple]:
        np_dtype = self.dtype.np_dtype
        r = self.range
        for start in range(r.start, r.stop, r.step * 4096):
            stop = start + r.step * 4096
            stop = min(stop, r.stop) if r.step > 0 else max(stop, r.stop)
            for v in np.arange(start, stop, r.step, dtype=np_dtype):
                yield (np.asarray(v),)

    def plan(self) -> Plan | None:
        r = self.range
        if len(r) > _PLAN_LIMIT:
            return None  # too long to hold as one array: counted lazily instead
        values = np.arange(r.start, r.stop, r.step, dtype=self.dtype.np_dtype)
        return Plan((values,), lambda: iter([np.arange(len(values), dtype=np.int64)]))

    def cardinality(self) -> int:
        return len(self.range)


class GeneratorNode(Node):
    """`from_generator`: each yielded value checked against the signature, then converted."""

    def __init__(self, generator, signature, args=()):
        if not callable(generator):
            raise TypeError("`generator` must be a Python callable.")
        self.generator = generator
        self.args = tuple(args or ())
        self._spec = signature
        self.specs = nest.flatten(signature)

    def iterate(self) -> Iterator[tuple]:
        args = tuple(structure.leaf_array(a) for a in self.args)
        args = tuple(a[()] if a.ndim == 0 else a for a in args)
        spec, specs = self._spec, self.specs
        for value in self.generator(*args):
            yield self._convert(spec, specs, value)

    @staticmethod
    def _convert(spec, specs, value) -> tuple:
        try:
            leaves = _flatten_up_to(spec, value)
        except (TypeError, ValueError):
            raise InvalidArgumentError(None, None, (
                "TypeError: `generator` yielded an element that did not match the expected "
                f"structure. The expected structure was {_dtype_nest(spec)}, but the yielded "
                f"element was {value!r}.")) from None
        out = []
        for s, leaf in zip(specs, leaves):
            try:
                a = _as_dtype(leaf, s.dtype)
            except (TypeError, ValueError) as e:
                raise InvalidArgumentError(None, None, (
                    "TypeError: `generator` yielded an element that could not be converted to "
                    f"the expected type. The expected type was {s.dtype.name}, but the yielded "
                    f"element was {leaf!r}.")) from e
            if not structure.check_compatible(s, a):
                raise InvalidArgumentError(None, None, (
                    f"TypeError: `generator` yielded an element of shape {_shape(a)} where an "
                    f"element of shape {s.shape} was expected."))
            out.append(a)
        return tuple(out)


def _flatten_up_to(spec, value) -> list:
    """`value`'s leaves at the positions of `spec`'s (a list where a spec leaf is is a tensor)."""
    if isinstance(spec, TensorSpec):
        return [value]
    if isinstance(spec, dict):
        if not isinstance(value, dict) or set(value) != set(spec):
            raise ValueError("structure")
        return [x for k in sorted(spec) for x in _flatten_up_to(spec[k], value[k])]
    if not isinstance(value, (tuple, list)) or len(value) != len(spec):
        raise ValueError("structure")
    return [x for s, v in zip(spec, value) for x in _flatten_up_to(s, v)]


def _dtype_nest(spec):
    return nest.map_structure(lambda s: s.dtype, spec)


def _shape(a) -> str:
    return "(" + ", ".join(str(d) for d in a.shape) + ("," if a.ndim == 1 else "") + ")"


def _as_dtype(leaf, dtype: dtypes.DType) -> np.ndarray:
    """A yielded value as `dtype`, converted as TensorFlow's generator wrapper does
    (`np.asarray(value, dtype)`: floats truncate to ints); strings only to tf.string."""
    if dtype is dtypes.string or isinstance(leaf, Tensor):
        return structure.leaf_array(leaf, dtype)
    a = np.asarray(leaf)
    if a.dtype.kind in "OSU":
        raise TypeError(f"cannot convert {a.dtype} to {dtype.name}")
    return a if a.dtype == dtype.np_dtype else a.astype(dtype.np_dtype)


class ZipNode(Node):
    """`zip`: the nest of several datasets' elements, until the shortest ends."""

    def __init__(self, nodes_nest):
        self.nodes_nest = nodes_nest
        self.inputs = tuple(nest.flatten(nodes_nest))
        self._spec = nest.pack_sequence_as(nodes_nest, [n.spec for n in self.inputs])

    @property
    def spec(self):
        return nest.pack_sequence_as(self.nodes_nest, [n.spec for n in self.inputs])

    def iterate(self) -> Iterator[tuple]:
        for parts in zip(*(n.iterate() for n in self.inputs)):
            yield tuple(itertools.chain.from_iterable(parts))

    def cardinality(self) -> int:
        cards = [n.cardinality() for n in self.inputs]
        finite = [c for c in cards if c >= 0]
        if finite:
            return min(finite) if UNKNOWN not in cards or min(finite) == 0 else UNKNOWN
        return UNKNOWN if UNKNOWN in cards else INFINITE


class ConcatenateNode(Node):
    """`concatenate`: one dataset's elements, then the other's (specs must agree)."""

    def __init__(self, a: Node, b: Node):
        self.inputs = (a, b)
        self._spec = structure.relax(a.spec, b.spec)

    def iterate(self) -> Iterator[tuple]:
        yield from self.inputs[0].iterate()
        yield from self.inputs[1].iterate()

    def cardinality(self) -> int:
        return add_cardinalities(self.inputs[0].cardinality(), self.inputs[1].cardinality())
