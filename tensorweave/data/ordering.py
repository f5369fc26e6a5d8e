"""Order and count transformations over indices or elements: shuffle, repeat, take, skip, shard.

Each offers a plan (node.Plan) when its input does, so that a batch after
from_tensor_slices -> shuffle -> repeat -> take ... still gathers whole batches by index.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import numpy as np

from tensorweave.data.node import INFINITE, UNKNOWN, Node, Plan
from tensorweave.data.structure import seed_entropy
from tensorweave.framework import errors

AUTOTUNE = -1


class ShuffleNode(Node):
    """`shuffle` with TensorFlow's buffer: fill `buffer_size`, then emit a random slot, refill."""

    def __init__(self, node: Node, buffer_size, seed=None, reshuffle_each_iteration=True):
        self.inputs = (node,)
        self._spec = node.spec
        self.buffer_size = int(buffer_size)
        if self.buffer_size == AUTOTUNE:
            self.buffer_size = 1 << 62
        if self.buffer_size < 1:
            raise errors.InvalidArgumentError(None, None, f"buffer_size must be greater than "
                                              f"zero (got {buffer_size}). [Op:ShuffleDataset]")
        self.entropy = seed_entropy(seed)
        self.reshuffle = reshuffle_each_iteration is not False
        self.epoch = 0

    def _rng(self) -> np.random.Generator:
        epoch = self.epoch
        if self.reshuffle:
            self.epoch += 1
        # One stream per epoch, derived from the seed: the same seed gives the same epochs.
        return np.random.default_rng(np.random.SeedSequence(self.entropy, spawn_key=(epoch,)))

    def iterate(self) -> Iterator[tuple]:
        return shuffle_stream(self.inputs[0].iterate(), self.buffer_size, self._rng())

    def plan(self) -> Plan | None:
        inner = self.inputs[0].plan()
        if inner is None:
            return None
        size = self.buffer_size

        def chunks():
            return shuffle_index_chunks(inner.chunks(), size, self._rng())

        return Plan(inner.arrays, chunks, inner.post)

    def cardinality(self) -> int:
        return self.inputs[0].cardinality()


_BLOCK = 4096  # random draws are made in blocks of this many steps


def shuffle_stream(items, buffer_size: int, rng: np.random.Generator):
    """TensorFlow's shuffle buffer over any items: fill the buffer, then for each new item emit
    a uniformly chosen slot and put the item there; at the end emit the rest in random order."""
    buf = list(itertools.islice(items, buffer_size))
    randoms = rng.random(_BLOCK)
    k = 0
    for x in items:
        if k == _BLOCK:
            randoms, k = rng.random(_BLOCK), 0
        j = int(randoms[k] * len(buf))
        k += 1
        yield buf[j]
        buf[j] = x
    order = rng.permutation(len(buf))
    for j in order.tolist():
        yield buf[j]


def shuffle_index_chunks(chunks, buffer_size: int, rng: np.random.Generator):
    """`shuffle_stream` over int64 index chunks, a block of steps at a time in NumPy; it draws
    the same random numbers in the same order, so it yields exactly shuffle_stream's sequence."""
    it = iter(chunks)
    parts, have, pending = [], 0, np.zeros(0, np.int64)
    for c in it:
        take = min(len(c), buffer_size - have)
        parts.append(c[:take])
        have += take
        if have == buffer_size:
            pending = c[take:]
            break
    buf = np.concatenate(parts) if parts else np.zeros(0, np.int64)
    randoms = rng.random(_BLOCK)
    first = True
    exhausted = have < buffer_size
    while not exhausted or len(pending):
        while not exhausted and len(pending) < _BLOCK:
            c = next(it, None)
            if c is None:
                exhausted = True
            else:
                pending = np.concatenate([pending, c]) if len(pending) else c
        if not len(pending):
            break
        block, pending = pending[:_BLOCK], pending[_BLOCK:]
        if not first:
            randoms = rng.random(_BLOCK)
        first = False
        slots = (randoms[:len(block)] * len(buf)).astype(np.int64)
        yield _replace_in_buffer(buf, slots, block)
    yield buf[rng.permutation(len(buf))]


def _replace_in_buffer(buf: np.ndarray, slots: np.ndarray, incoming: np.ndarray) -> np.ndarray:
    """Steps t = 0..K-1 of the buffer: emit buf[slots[t]], then buf[slots[t]] = incoming[t].
    Step t emits the latest earlier write to its slot, else the slot's content before the block;
    `buf` ends holding each slot's last write."""
    order = np.argsort(slots, kind="stable")
    ordered = slots[order]
    same = ordered[1:] == ordered[:-1]
    prev = np.full(len(slots), -1, np.int64)
    prev[order[1:][same]] = order[:-1][same]
    out = np.where(prev >= 0, incoming[prev], buf[slots])
    last = np.ones(len(slots), bool)
    last[:-1] = ~same
    buf[ordered[last]] = incoming[order[last]]
    return out


class RepeatNode(Node):
    def __init__(self, node: Node, count=None):
        self.inputs = (node,)
        self._spec = node.spec
        self.count = -1 if count is None else int(count)

    def _epochs(self):
        return itertools.count() if self.count < 0 else range(self.count)

    def iterate(self) -> Iterator[tuple]:
        for _ in self._epochs():
            empty = True
            for flat in self.inputs[0].iterate():
                empty = False
                yield flat
            if empty:
                return  # repeating an empty dataset ends, as in TensorFlow

    def plan(self) -> Plan | None:
        inner = self.inputs[0].plan()
        if inner is None:
            return None

        def chunks():
            for _ in self._epochs():
                empty = True
                for c in inner.chunks():
                    empty = empty and len(c) == 0
                    yield c
                if empty:
                    return
        return Plan(inner.arrays, chunks, inner.post)

    def cardinality(self) -> int:
        c = self.inputs[0].cardinality()
        if c == 0 or self.count == 0:
            return 0
        if self.count < 0:
            return UNKNOWN if c == UNKNOWN else INFINITE
        return c if c < 0 else c * self.count


class TakeNode(Node):
    def __init__(self, node: Node, count):
        self.inputs = (node,)
        self._spec = node.spec
        self.count = int(count)

    def iterate(self) -> Iterator[tuple]:
        it = self.inputs[0].iterate()
        return it if self.count < 0 else itertools.islice(it, self.count)

    def plan(self) -> Plan | None:
        inner = self.inputs[0].plan()
        if inner is None or self.count < 0:
            return inner

        def chunks():
            left = self.count
            if left == 0:
                return
            for c in inner.chunks():
                if len(c) >= left:
                    yield c[:left]
                    return
                left -= len(c)
                yield c
        return Plan(inner.arrays, chunks, inner.post)

    def cardinality(self) -> int:
        c = self.inputs[0].cardinality()
        if self.count < 0:
            return c
        if c == UNKNOWN:
            return UNKNOWN
        return self.count if c == INFINITE else min(c, self.count)


class SkipNode(Node):
    def __init__(self, node: Node, count):
        self.inputs = (node,)
        self._spec = node.spec
        self.count = int(count)

    def iterate(self) -> Iterator[tuple]:
        it = self.inputs[0].iterate()
        if self.count < 0:
            for _ in it:
                pass
            return iter(())
        return itertools.islice(it, self.count, None)

    def plan(self) -> Plan | None:
        inner = self.inputs[0].plan()
        if inner is None or self.count < 0:
            return None

        def chunks():
            left = self.count
            for c in inner.chunks():
                if left >= len(c):
                    left -= len(c)
                    continue
                yield c[left:]
                left = 0
        return Plan(inner.arrays, chunks, inner.post)

    def cardinality(self) -> int:
        c = self.inputs[0].cardinality()
        if self.count < 0:
            return 0 if c >= 0 else c
        return c if c < 0 else max(0, c - self.count)


class ShardNode(Node):
    def __init__(self, node: Node, num_shards, index):
        self.inputs = (node,)
        self._spec = node.spec
        self.n, self.index = int(num_shards), int(index)
        if self.n < 1:
            raise errors.InvalidArgumentError(None, None, "Number of shards must be greater "
                                              f"than zero (got {num_shards}).")
        if not 0 <= self.index < self.n:
            raise errors.InvalidArgumentError(None, None, f"Index must be between 0 and "
                                              f"{self.n - 1} (got {index}).")

    def iterate(self) -> Iterator[tuple]:
        return itertools.islice(self.inputs[0].iterate(), self.index, None, self.n)

    def plan(self) -> Plan | None:
        inner = self.inputs[0].plan()
        if inner is None:
            return None

        def chunks():
            pos = 0
            for c in inner.chunks():
                start = (self.index - pos) % self.n
                yield c[start::self.n]
                pos += len(c)
        return Plan(inner.arrays, chunks, inner.post)

    def cardinality(self) -> int:
        c = self.inputs[0].cardinality()
        if c < 0:
            return c
        return c // self.n + (1 if self.index < c % self.n else 0)
