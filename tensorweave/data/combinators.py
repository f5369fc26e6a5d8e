"""Sources that combine datasets by choice: sample_from_datasets, choose_from_datasets,
from_list."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from tensorweave.data import structure
from tensorweave.data.node import INFINITE, UNKNOWN, Node
from tensorweave.data.structure import seed_entropy
from tensorweave.framework.errors import InvalidArgumentError
from tensorweave.framework.tensor_spec import TensorSpec


def _relaxed(nodes: list[Node]):
    spec = nodes[0].spec
    for n in nodes[1:]:
        spec = structure.relax(spec, n.spec)
    return spec


class SampleNode(Node):
    """Each element from an input drawn with probability `weights` (renormalized over the
    inputs that have not ended, unless `stop_on_empty`)."""

    def __init__(self, nodes: list[Node], weights, seed, stop_on_empty: bool):
        if not nodes:
            raise ValueError("Invalid `datasets`. `datasets` should not be empty.")
        self.inputs = tuple(nodes)
        self._spec = _relaxed(nodes)
        w = np.full(len(nodes), 1.0 / len(nodes)) if weights is None else \
            structure.leaf_array(weights).astype(np.float64).reshape(-1)
        if len(w) != len(nodes):
            raise ValueError(f"Invalid `weights`. The shape of `weights` should be compatible "
                             f"with `[len(datasets)]` but is {w.shape}.")
        if (w < 0).any() or w.sum() <= 0:
            raise InvalidArgumentError(None, None, f"Invalid `weights`: {w.tolist()}")
        self.weights = w
        self.entropy = seed_entropy(seed)
        self.epoch = 0
        self.stop = stop_on_empty

    def iterate(self) -> Iterator[tuple]:
        rng = np.random.default_rng(np.random.SeedSequence(self.entropy, spawn_key=(self.epoch,)))
        self.epoch += 1
        its = [n.iterate() for n in self.inputs]
        live = self.weights.copy()
        while live.sum() > 0:
            i = int(rng.choice(len(its), p=live / live.sum()))
            flat = next(its[i], None)
            if flat is None:
                if self.stop:
                    return
                live[i] = 0
                continue
            yield flat

    def cardinality(self) -> int:
        cards = [n.cardinality() for n in self.inputs]
        if all(c == INFINITE for c in cards):
            return INFINITE
        return UNKNOWN


class ChooseNode(Node):
    """`choose_from_datasets`: the next element of `inputs[i]` for each `i` of the choices."""

    def __init__(self, nodes: list[Node], choices: Node, stop_on_empty: bool):
        if not nodes:
            raise ValueError("Invalid `datasets`. `datasets` should not be empty.")
        spec = choices.spec
        if getattr(spec, "dtype", None) is None or spec.shape.rank != 0 or \
                spec.dtype.name != "int64":
            raise TypeError("Invalid `choice_dataset`. Elements of `choice_dataset` must be "
                            f"scalar tf.int64 tensors but are {spec}.")
        self.inputs = (*nodes, choices)
        self._spec = _relaxed(nodes)
        self.stop = stop_on_empty

    def iterate(self) -> Iterator[tuple]:
        its = [n.iterate() for n in self.inputs[:-1]]
        for (c,) in self.inputs[-1].iterate():
            i = int(c)
            if not 0 <= i < len(its):
                raise InvalidArgumentError(None, None, f"choice_dataset element {i} is out of "
                                           f"range [0, {len(its)})")
            flat = next(its[i], None)
            if flat is None:
                if self.stop:
                    return
                continue
            yield flat

    def cardinality(self) -> int:
        return UNKNOWN


class CounterNode(Node):
    """`counter`: start, start + step, ... forever."""

    def __init__(self, start: int, step: int, dtype):
        self.start, self.step, self.np_dtype = int(start), int(step), dtype.np_dtype
        self._spec = TensorSpec((), dtype)

    def iterate(self) -> Iterator[tuple]:
        value, step = self.start, self.step
        while True:
            block = np.arange(4096, dtype=np.int64) * step + value
            for v in block.astype(self.np_dtype):
                yield (np.asarray(v),)
            value += 4096 * step

    def cardinality(self) -> int:
        return INFINITE
