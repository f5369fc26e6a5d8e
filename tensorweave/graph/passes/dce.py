"""Dead-code elimination: nodes whose values reach no output and that have no effect (not
stateful) are dropped. Stateful nodes (assignments, prints, random draws) always stay."""

from __future__ import annotations

from tensorweave.graph.graph import PLACEHOLDER, Graph
from tensorweave.graph.passes._rewrite import KEEP, rewrite


def dce(graph: Graph) -> Graph:
    """Drops nodes that no output or stateful node needs."""
    live = {id(t) for t in graph.outputs}
    needed = set()
    for node in reversed(graph.nodes):
        keep = node.op_def is PLACEHOLDER or node.op_def.stateful or any(
            id(o) in live for o in node.outputs)
        if keep:
            needed.add(id(node))
            live.update(id(t) for t in node.inputs)

    def visit(b, node):
        return KEEP if id(node) in needed else None

    return rewrite(graph, visit)
