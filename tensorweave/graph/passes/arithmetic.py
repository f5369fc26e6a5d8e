"""Arithmetic simplification: x * 1, 1 * x, x + 0, 0 + x, x - 0, x / 1, -(-x) and identities
become x, when x already has the result's shape and dtype (so broadcasting changes nothing)."""

from __future__ import annotations

import numpy as np

from tensorweave.graph.graph import Graph
from tensorweave.graph.passes._rewrite import KEEP, const_array, rewrite


def _is(t, value) -> bool:
    a = const_array(t)
    return a is not None and a.dtype != object and a.size > 0 and bool(np.all(a == value))


def _same_spec(a, out) -> bool:
    sa, so = a.shape.as_tuple(), out.shape.as_tuple()
    return a.dtype is out.dtype and sa is not None and sa == so and None not in sa


def arithmetic(graph: Graph) -> Graph:
    """Removes operations that leave a value unchanged."""

    def visit(b, node):
        kind = node.type
        ins = [b.value(t) for t in node.inputs]
        out = node.outputs[0] if node.outputs else None
        keep = None
        if kind == "Mul":
            keep = ins[0] if _is(ins[1], 1) else ins[1] if _is(ins[0], 1) else None
        elif kind == "AddV2":
            keep = ins[0] if _is(ins[1], 0) else ins[1] if _is(ins[0], 0) else None
        elif kind == "Sub":
            keep = ins[0] if _is(ins[1], 0) else None
        elif kind in ("RealDiv", "Div"):
            keep = ins[0] if _is(ins[1], 1) else None
        elif kind == "Identity":
            keep = ins[0]
        elif kind == "Neg" and ins[0].node.type == "Neg":
            keep = ins[0].node.inputs[0]
        if keep is not None and _same_spec(keep, out):
            b.alias(out, keep)
            return None
        return KEEP

    return rewrite(graph, visit)
