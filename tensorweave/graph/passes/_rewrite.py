"""The one way passes build graphs: copy a graph node by node into a new one, letting a callback
drop a node, map its outputs onto existing values, or emit something else in its place."""

from __future__ import annotations

import numpy as np

from tensorweave.framework.context import CPU0
from tensorweave.framework.tensor import Tensor
from tensorweave.graph.graph import CONST, PLACEHOLDER, ConstValue, Graph, Node

KEEP = object()  # a callback result: copy the node as it is


class Builder:
    """A new graph being filled from an old one; `value(t)` maps an old tensor to its new one."""

    def __init__(self, old: Graph):
        self.old = old
        self.new = Graph(old.name, outer=old.outer)
        self.new.structured_outputs = old.structured_outputs
        self.new.allow_variable_creation = old.allow_variable_creation
        self.map: dict = {}
        self._declared = {id(t) for t in old.inputs}

    def value(self, t):
        return self.map[id(t)]

    def alias(self, old_t, new_t) -> None:
        self.map[id(old_t)] = new_t

    def emit(self, op_def, inputs, attrs, specs, name=None, location="") -> Node:
        return self.new._new_node(op_def, tuple(inputs), dict(attrs), specs, name, location)

    def copy(self, node: Node) -> Node:
        if node.op_def is PLACEHOLDER:
            spec = node.outputs[0]
            new_t = self.new.add_placeholder(spec.shape, spec.dtype, node.name)
            if id(node.outputs[0]) not in self._declared:
                self.new.inputs.pop()  # a capture: listed apart from the declared inputs
            self.alias(node.outputs[0], new_t)
            return new_t.node
        new = self.emit(node.op_def, [self.value(t) for t in node.inputs], node.attrs,
                        [(o.shape.as_tuple(), o.dtype) for o in node.outputs], node.name,
                        node.location)
        for o, n in zip(node.outputs, new.outputs):
            self.alias(o, n)
        return new

    def const(self, array, name: str = "Const"):
        """A new Const node holding a NumPy array."""
        t = Tensor(array, CPU0)
        node = self.emit(CONST, (), {"value": ConstValue(t)}, [(t.shape.as_tuple(), t.dtype)],
                         name)
        return node.outputs[0]

    def finish(self) -> Graph:
        old, new = self.old, self.new
        new.inputs = [self.value(t) for t in old.inputs]
        new.captures = [(outer_t, self.value(inner_t)) for outer_t, inner_t in old.captures]
        new.outputs = [self.value(t) for t in old.outputs]
        return new


def rewrite(graph: Graph, callback) -> Graph:
    """A new graph where each node (in order) is handled by `callback(builder, node)`: returning
    KEEP copies it; returning None drops it (its outputs must have been aliased)."""
    b = Builder(graph)
    for node in graph.nodes:
        if node.op_def is PLACEHOLDER:
            b.copy(node)
        elif callback(b, node) is KEEP:
            b.copy(node)
    return b.finish()


def const_array(t):
    """The NumPy array of a tensor computed by a Const node, or None."""
    node = t.node
    if node.op_def is not CONST:
        return None
    tensor = node.attrs["value"].tensor
    a = tensor._array
    if tensor._device.backend.name != "numpy":
        a = tensor._device.backend.to_numpy(a)
    return np.asarray(a)


def use_counts(graph: Graph) -> dict:
    """id(tensor) -> number of uses (as node inputs and as graph outputs)."""
    uses: dict = {}
    for node in graph.nodes:
        for t in node.inputs:
            uses[id(t)] = uses.get(id(t), 0) + 1
    for t in graph.outputs:
        uses[id(t)] = uses.get(id(t), 0) + 1
    return uses
