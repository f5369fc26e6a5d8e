"""The graph checker: what every pass must preserve. Tests run it between passes.

A graph is valid when its nodes are in topological order (every input is defined by an earlier
node of the same graph), names are unique, each output knows its node and position, the declared
inputs and captures are placeholders, the outputs are defined, and each node's recorded output
specs agree with what its op's `infer` says for its inputs.
"""

from __future__ import annotations

from tensorweave.graph.graph import PLACEHOLDER, Graph, spec_of


class GraphError(AssertionError):
    """A broken graph invariant (a bug in whatever built or rewrote the graph)."""


def _compatible(recorded, inferred) -> bool:
    if recorded.dtype is not inferred.dtype:
        return False
    a, b = recorded.shape, inferred.shape
    if a is None or b is None:
        return True
    return len(a) == len(b) and all(x is None or y is None or x == y for x, y in zip(a, b))


def verify(graph: Graph) -> Graph:
    """Raises GraphError naming the first broken invariant; returns the graph otherwise."""
    defined, names = set(), set()
    for k, node in enumerate(graph.nodes):
        where = f"node {k} ({node.name}: {node.type})"
        if node.name in names:
            raise GraphError(f"{where}: the name is used twice")
        names.add(node.name)
        for i, t in enumerate(node.inputs):
            if id(t) not in defined:
                raise GraphError(f"{where}: input {i} ({t!r}) is not defined before it in "
                                 f"graph {graph.name!r}")
        for i, o in enumerate(node.outputs):
            if o.node is not node or o.value_index != i or o.graph is not graph:
                raise GraphError(f"{where}: output {i} does not point back at its node")
            defined.add(id(o))
        infer = node.op_def.infer
        if infer is not None and node.op_def is not PLACEHOLDER:
            try:
                specs = infer(*[spec_of(t) for t in node.inputs], **node.attrs)
            except Exception as e:  # noqa: BLE001 - reported as the broken invariant
                raise GraphError(f"{where}: its op's infer fails on its inputs: {e}") from e
            n = node.op_def.num_outputs
            specs = () if n == 0 else ((specs,) if n == 1 else tuple(specs))
            if len(specs) != len(node.outputs):
                raise GraphError(f"{where}: {len(node.outputs)} outputs, infer says "
                                 f"{len(specs)}")
            for o, s in zip(node.outputs, specs):
                if not _compatible(spec_of(o), s):
                    raise GraphError(f"{where}: output {o.name} is recorded as "
                                     f"{o.dtype.name}{o.shape} but infer says {s}")
    for t in list(graph.inputs) + [inner for _, inner in graph.captures]:
        if t.node.op_def is not PLACEHOLDER or t.graph is not graph:
            raise GraphError(f"graph {graph.name!r}: input {t!r} is not one of its placeholders")
    for t in graph.outputs:
        if id(t) not in defined:
            raise GraphError(f"graph {graph.name!r}: output {t!r} is not computed by its nodes")
    return graph
