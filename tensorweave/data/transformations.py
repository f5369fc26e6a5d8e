"""Element-wise and ordering transformations: map, filter, shuffle, repeat, take, prefetch ..."""

from __future__ import annotations

import collections
import copy
import itertools
import os
import queue
import threading
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from tensorweave.data import structure
from tensorweave.data.functions import StructuredFunction, first_element, predicate_value
from tensorweave.data.node import INFINITE, UNKNOWN, Node, Plan
from tensorweave.framework import errors
from tensorweave.framework.tensor_spec import TensorSpec
from tensorweave.framework import dtypes

AUTOTUNE = -1
_GROUP = 32  # elements per task of a parallel map


def _parallelism(n) -> int:
    if n is None:
        return 1
    n = int(n)
    if n == AUTOTUNE:
        return max(2, min(8, os.cpu_count() or 2))
    if n < 1:
        raise ValueError(f"num_parallel_calls must be positive or tf.data.AUTOTUNE, got {n}")
    return n


class MapNode(Node):
    """`map`: one function call per element, optionally on a thread pool (in order by default)."""

    def __init__(self, node: Node, fn, num_parallel_calls=None, deterministic=None):
        self.inputs = (node,)
        self.fn = StructuredFunction(fn, node.spec, "map")
        self.parallel = _parallelism(num_parallel_calls)
        self.deterministic = deterministic is not False

    @property
    def spec(self):
        return self.fn.output_spec(first_element(self.inputs[0]))

    tolerant = False  # set on the copy that ignore_errors makes: failed elements are dropped

    def iterate(self) -> Iterator[tuple]:
        call = self.fn.call
        if self.tolerant:
            call = _dropping_errors(call)
        source = self.inputs[0].iterate()
        if self.parallel == 1:
            for flat in source:
                out = call(flat)
                if out is not _DROPPED:
                    yield out
            return

        # Parallel calls go to the pool in groups: one future per element costs more than a
        # small traced function itself.
        def run_group(group):
            return [call(flat) for flat in group]

        with ThreadPoolExecutor(self.parallel, thread_name_prefix="tw-map") as pool:
            window = collections.deque()
            while True:
                group = list(itertools.islice(source, _GROUP))
                if group:
                    window.append(pool.submit(run_group, group))
                if window and (len(window) >= 2 * self.parallel or not group):
                    for out in self._next(window):
                        if out is not _DROPPED:
                            yield out
                if not group and not window:
                    return

    def _next(self, window):
        if not self.deterministic:
            # Hand out whichever group finished first, as deterministic=False allows.
            for i, f in enumerate(window):
                if f.done():
                    del window[i]
                    return f.result()
        return window.popleft().result()

    def plan(self) -> Plan | None:
        # A row-wise traced function over indexable input runs once per gathered batch.
        if self.tolerant or not self.fn.rowwise:
            return None
        inner = self.inputs[0].plan()
        if inner is None:
            return None
        run = self.fn.call_rows
        if inner.post is None:
            return Plan(inner.arrays, inner.chunks, run)
        first = inner.post
        return Plan(inner.arrays, inner.chunks, lambda *rows: run(*first(*rows)))

    def cardinality(self) -> int:
        return self.inputs[0].cardinality()


_DROPPED = object()


def _dropping_errors(call):
    def tolerant_call(flat):
        try:
            return call(flat)
        except errors.OpError:
            return _DROPPED
    return tolerant_call


class FilterNode(Node):
    def __init__(self, node: Node, predicate):
        self.inputs = (node,)
        self._spec = node.spec
        self.fn = StructuredFunction(predicate, node.spec, "filter")
        out = self.fn._output_spec
        if out is not None and (not isinstance(out, TensorSpec) or out.dtype is not dtypes.bool
                                or out.shape.rank != 0):
            raise ValueError(f"Invalid `predicate`. `predicate` must return a `tf.bool` scalar "
                             f"tensor, but its return type is {out}.")

    def iterate(self) -> Iterator[tuple]:
        call = self.fn.call
        for flat in self.inputs[0].iterate():
            if predicate_value(call(flat), "filter"):
                yield flat

    def cardinality(self) -> int:
        c = self.inputs[0].cardinality()
        return INFINITE if c == INFINITE else UNKNOWN


class TakeWhileNode(FilterNode):
    def iterate(self) -> Iterator[tuple]:
        call = self.fn.call
        for flat in self.inputs[0].iterate():
            if not predicate_value(call(flat), "take_while"):
                return
            yield flat

    def cardinality(self) -> int:
        return UNKNOWN


def dataset_node(value, transformation: str) -> Node:
    node = getattr(value, "_node", None)
    if node is None:
        raise TypeError(f"The function passed to `{transformation}` must return a tf.data."
                        f"Dataset, got {type(value).__name__}: {value!r}")
    return node


class FlatMapNode(Node):
    def __init__(self, node: Node, fn):
        self.inputs = (node,)
        self.fn = StructuredFunction(fn, node.spec, "flat_map", trace=False)
        self._spec = None

    @property
    def spec(self):
        if self._spec is None:
            self._spec = self._inner(first_element(self.inputs[0])()).spec
        return self._spec

    def _inner(self, flat) -> Node:
        return dataset_node(self.fn.call_tensors(flat), "flat_map")

    def iterate(self) -> Iterator[tuple]:
        for flat in self.inputs[0].iterate():
            yield from self._inner(flat).iterate()


class InterleaveNode(FlatMapNode):
    """`interleave`: `cycle_length` inner datasets open, `block_length` from each in turn."""

    def __init__(self, node, fn, cycle_length=None, block_length=None, num_parallel_calls=None,
                 deterministic=None):
        super().__init__(node, fn)
        self.fn.transformation = "interleave"
        cycle = AUTOTUNE if cycle_length is None else int(cycle_length)
        self.cycle = _parallelism(cycle) if cycle == AUTOTUNE else cycle
        self.block = 1 if block_length is None else int(block_length)
        if self.cycle < 1 or self.block < 1:
            raise ValueError("cycle_length and block_length must be positive")
        self.parallel = num_parallel_calls
        self.deterministic = deterministic is not False

    def iterate(self) -> Iterator[tuple]:
        if self.parallel is None:
            return self._cycle(lambda flat: self._inner(flat).iterate())
        # Parallel interleave: each open inner dataset is read ahead on its own thread; the
        # output order stays the sequential one.
        return self._cycle(lambda flat: PrefetchNode(self._inner(flat), 8).iterate())

    def _cycle(self, open_inner) -> Iterator[tuple]:
        source = self.inputs[0].iterate()
        slots: list = []
        exhausted = False
        pos = 0
        while True:
            while not exhausted and len(slots) < self.cycle:
                nxt = next(source, None)
                if nxt is None:
                    exhausted = True
                    break
                slots.append(open_inner(nxt))
            if not slots:
                return
            pos %= len(slots)
            it = slots[pos]
            for _ in range(self.block):
                el = next(it, None)
                if el is None:
                    # Refill this slot in place, as TensorFlow does, keeping the cycle order.
                    slots.pop(pos)
                    nxt = None if exhausted else next(source, None)
                    if nxt is None:
                        exhausted = True
                    else:
                        # The new input takes this slot; its first block comes next round.
                        slots.insert(pos, open_inner(nxt))
                        pos += 1
                    break
                yield el
            else:
                pos += 1


class EnumerateNode(Node):
    def __init__(self, node: Node, start=0):
        self.inputs = (node,)
        self.start = int(start)

    @property
    def spec(self):
        return (TensorSpec((), dtypes.int64), self.inputs[0].spec)

    def iterate(self) -> Iterator[tuple]:
        for i, flat in enumerate(self.inputs[0].iterate(), self.start):
            yield (np.asarray(i, np.int64),) + flat

    def cardinality(self) -> int:
        return self.inputs[0].cardinality()


class IgnoreErrorsNode(Node):
    """`ignore_errors`: drops elements whose computation raised a TensorFlow error (OpError)."""

    def __init__(self, node: Node, log_warning=False):
        self.inputs = (_tolerant_copy(node),)
        self._spec = node.spec
        self.log_warning = log_warning

    def iterate(self) -> Iterator[tuple]:
        it = self.inputs[0].iterate()
        while True:
            try:
                flat = next(it)
            except StopIteration:
                return
            except errors.OpError as e:
                if self.log_warning:
                    warnings.warn(f"tf.data ignored an error: {e}", stacklevel=2)
                if isinstance(e, errors.DataLossError):
                    return  # a reader cannot resume past corruption
                continue
            yield flat

    def cardinality(self) -> int:
        c = self.inputs[0].cardinality()
        return INFINITE if c == INFINITE else UNKNOWN


def _tolerant_copy(node: Node) -> Node:
    """`node` with its map functions dropping the elements they fail on (ignore_errors), copied
    so that the dataset `ignore_errors` was called on keeps raising."""
    if isinstance(node, MapNode):
        out = copy.copy(node)
        out.tolerant = True
        out.inputs = (_tolerant_copy(node.inputs[0]),)
        return out
    if isinstance(node, (PrefetchNode, PassThroughNode, FilterNode)):
        out = copy.copy(node)
        out.inputs = (_tolerant_copy(node.inputs[0]),)
        return out
    return node


class ScanNode(Node):
    def __init__(self, node: Node, initial_state, scan_func):
        self.inputs = (node,)
        self.initial = structure.normalize(initial_state)
        self.initial_flat = structure.flatten_element(self.initial)
        self.state_spec = structure.structure_of(
            self.initial, [structure.spec_of_array(a) for a in self.initial_flat])
        self.fn = scan_func
        self._spec = None

    def _step(self, state_flat, flat):
        state = structure.to_tensors(self.state_spec, state_flat)
        element = structure.to_tensors(self.inputs[0].spec, flat)
        args = element if type(element) is tuple else (element,)
        result = self.fn(state, *args)
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            raise TypeError("The scan function must return a pair (new_state, output_element), "
                            f"got {result!r}")
        new_state, out = (structure.normalize(r) for r in result)
        out_flat = structure.flatten_element(out)
        if self._spec is None:
            self._spec = structure.structure_of(out, [structure.spec_of_array(a)
                                                      for a in out_flat])
        return structure.flatten_element(new_state), out_flat

    @property
    def spec(self):
        if self._spec is None:
            self._step(self.initial_flat, first_element(self.inputs[0])())
        return self._spec

    def iterate(self) -> Iterator[tuple]:
        state = self.initial_flat
        for flat in self.inputs[0].iterate():
            state, out = self._step(state, flat)
            yield out

    def cardinality(self) -> int:
        return self.inputs[0].cardinality()


class UniqueNode(Node):
    def __init__(self, node: Node):
        self.inputs = (node,)
        self._spec = node.spec
        specs = structure.flat_specs(node.spec)
        if len(specs) != 1 or specs[0].shape.rank != 0 or not (
                specs[0].dtype.is_integer or specs[0].dtype is dtypes.string):
            raise TypeError("Dataset.unique() only supports datasets with scalar elements of "
                            f"int32, int64 or tf.string, got {node.spec}.")

    def iterate(self) -> Iterator[tuple]:
        seen = set()
        for flat in self.inputs[0].iterate():
            key = flat[0].item() if flat[0].dtype != object else flat[0][()]
            if key not in seen:
                seen.add(key)
                yield flat

    def cardinality(self) -> int:
        c = self.inputs[0].cardinality()
        return INFINITE if c == INFINITE else UNKNOWN


class PrefetchNode(Node):
    """`prefetch`: a background thread produces up to `buffer_size` elements ahead."""

    _END = object()

    def __init__(self, node: Node, buffer_size):
        self.inputs = (node,)
        self._spec = node.spec
        size = int(buffer_size)
        if size == AUTOTUNE:
            size = 2
        if size < 0:
            raise errors.InvalidArgumentError(None, None, f"buffer_size must be >= 0 or "
                                              f"AUTOTUNE, got {buffer_size}")
        self.size = size

    def iterate(self) -> Iterator[tuple]:
        if self.size == 0:
            yield from self.inputs[0].iterate()
            return
        q: queue.Queue = queue.Queue(maxsize=self.size)
        stop = threading.Event()
        source = self.inputs[0]

        def put(item) -> bool:
            while not stop.is_set():
                try:
                    q.put(item, timeout=0.05)
                    return True
                except queue.Full:
                    continue
            return False

        def produce():
            try:
                for flat in source.iterate():
                    if not put(flat):
                        return
                put(PrefetchNode._END)
            except BaseException as e:  # noqa: BLE001 - handed to the consumer thread
                put(_Failure(e))

        thread = threading.Thread(target=produce, name="tw-prefetch", daemon=True)
        thread.start()
        try:
            while True:
                item = q.get()
                if item is PrefetchNode._END:
                    return
                if type(item) is _Failure:
                    raise item.exc
                yield item
        finally:
            stop.set()

    def plan(self) -> Plan | None:
        return None

    def cardinality(self) -> int:
        return self.inputs[0].cardinality()


class _Failure:
    __slots__ = ("exc",)

    def __init__(self, exc):
        self.exc = exc


class PassThroughNode(Node):
    """A node that changes nothing about the elements (with_options, assert_cardinality...)."""

    def __init__(self, node: Node, cardinality=None):
        self.inputs = (node,)
        self._card = cardinality

    @property
    def spec(self):
        return self.inputs[0].spec

    def iterate(self) -> Iterator[tuple]:
        if self._card is None:
            return self.inputs[0].iterate()
        return self._checked()

    def _checked(self):
        n = 0
        for flat in self.inputs[0].iterate():
            n += 1
            if 0 <= self._card < n:
                raise errors.FailedPreconditionError(None, None, (
                    f"Input dataset was expected to contain {self._card} elements but "
                    "contained more than that."))
            yield flat
        if n < self._card:
            raise errors.FailedPreconditionError(None, None, (
                f"Input dataset was expected to contain {self._card} elements but contained "
                f"only {n} elements."))

    def plan(self) -> Plan | None:
        return self.inputs[0].plan() if self._card is None else None

    def cardinality(self) -> int:
        return self.inputs[0].cardinality() if self._card is None else self._card
