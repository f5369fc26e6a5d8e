"""Replaying a graph op by op through `execute`: eagerly (so that tapes record every op) or into
the graph being traced (inlining a function, or rebuilding a branch under a tape for its
gradient)."""

from __future__ import annotations

from tensorweave.framework.constant_op import convert_to_tensor
from tensorweave.framework.op_def import execute
from tensorweave.framework.tensor import Tensor
from tensorweave.graph.graph import CONST, PLACEHOLDER, Graph


def replay(graph: Graph, tensors: list, captured: list = ()) -> list:
    """Runs `graph`'s nodes one by one through `execute`: eagerly (where tapes record them) or
    into the graph being traced (inlining). Returns the values of `graph.outputs`."""
    env = {}
    for p, t in zip(graph.inputs, tensors):
        env[id(p)] = t if isinstance(t, Tensor) else convert_to_tensor(t)
    for (outer, inner), t in zip(graph.captures, captured):
        env[id(inner)] = t
    for node in graph.nodes:
        op = node.op_def
        if op is PLACEHOLDER:
            continue
        if op is CONST:
            env[id(node.outputs[0])] = node.attrs["value"].tensor
            continue
        if op.name == "ReadVariableOp":
            var = node.attrs["var"]
            env[id(node.outputs[0])] = getattr(var, "_bound_variable", var).value()
            continue
        result = execute(op, tuple(env[id(t)] for t in node.inputs), node.attrs)
        if op.num_outputs == 1:
            env[id(node.outputs[0])] = result
        elif op.num_outputs != 0:
            for o, r in zip(node.outputs, result):
                env[id(o)] = r
    return [env[id(t)] for t in graph.outputs]
