"""Common-subexpression elimination: two stateless nodes with the same op, inputs and attrs
compute the same value, so the second is dropped and its users read the first. Small constants
with equal values are merged too."""

from __future__ import annotations

from tensorweave.graph.graph import CONST, Graph
from tensorweave.graph.passes._rewrite import KEEP, const_array, rewrite

_SMALL = 64  # constants up to this many elements are compared by value


def _key(b, node):
    op = node.op_def
    if op is CONST:
        a = const_array(node.outputs[0])
        if a is None or a.size > _SMALL or a.dtype == object:
            return None
        return ("Const", a.dtype.str, a.shape, a.tobytes())
    try:
        attrs = tuple(sorted(node.attrs.items()))
        hash(attrs)
    except TypeError:
        return None
    return (op, tuple(id(b.value(t)) for t in node.inputs), attrs)


def cse(graph: Graph) -> Graph:
    """Merges structurally equal stateless nodes."""
    seen: dict = {}

    def visit(b, node):
        if node.op_def.stateful or not node.outputs:
            return KEEP
        key = _key(b, node)
        if key is None:
            return KEEP
        first = seen.get(key)
        if first is None:
            new = b.copy(node)
            seen[key] = new
            return None
        for o, n in zip(node.outputs, first.outputs):
            b.alias(o, n)
        return None

    return rewrite(graph, visit)
