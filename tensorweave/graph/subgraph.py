"""Sub-graphs: the branches of `cond` and the condition and body of `while_loop`.

A sub-graph is traced like a function, nested in the graph being built (`outer`): symbolic values
of enclosing graphs that it reads become its captures, which the control-flow node takes as extra
inputs. `SubFunction` is what a control-flow node keeps in its attrs: the graph, how to feed it
from the node's inputs, and an executor per device to run it from the node's kernel.
"""

from __future__ import annotations

from tensorweave.framework.constant_op import convert_to_tensor
from tensorweave.framework.context import ctx
from tensorweave.framework.tensor import SymbolicTensor, Tensor
from tensorweave.graph.executor import Executor
from tensorweave.graph.graph import Graph
from tensorweave.graph.passes import optimize_for_run
from tensorweave.graph.passes.buffer_reuse import inplace_writes
from tensorweave.util import nest


class SubFunction:
    """A traced sub-graph fed by `n_leading` explicit values, then the node's inputs at
    `cap_index` (positions among the node's extra inputs) for its captures."""

    def __init__(self, graph: Graph, n_leading: int, cap_index=(), owned=()):
        self.graph = graph
        self.n_leading = n_leading
        self.cap_index = tuple(cap_index)
        # leading inputs whose arrays belong to the running loop (TensorArray buffers copied at
        # loop start): writes into them may happen in place
        self.owned = tuple(owned)
        self._executors = {}
        self._plain = None

    def plain(self) -> "SubFunction":
        """The same sub-graph without in-place writes (for re-runs that keep each iteration)."""
        if not self.owned:
            return self
        if self._plain is None:
            self._plain = SubFunction(self.graph, self.n_leading, self.cap_index)
        return self._plain

    @property
    def name(self) -> str:
        return self.graph.name

    @property
    def nodes(self):  # so that the printer shows the body
        return self.graph.nodes

    @property
    def outputs(self):
        return self.graph.outputs

    @property
    def captures(self):
        return self.graph.captures

    @property
    def stateful(self) -> bool:
        return any(n.op_def.stateful and n.op_def.name != "Placeholder" for n in self.graph.nodes)

    def run(self, leading, extra) -> tuple:
        """Runs on arrays: `leading` values, and the node's extra inputs for the captures."""
        device = ctx.device
        ex = self._executors.get(device)
        if ex is None:
            graph = optimize_for_run(self.graph)
            if self.owned:
                graph = inplace_writes(graph, self.owned)
            ex = self._executors[device] = Executor(graph, device)
        return ex.run(*leading, *[extra[i] for i in self.cap_index])

    def __repr__(self) -> str:
        return f"<graph {self.graph.name}>"


def outer_graph_of(*values):
    """The graph a control-flow op must be added to: the trace's, or that of a symbolic input."""
    if ctx.graph is not None:
        return ctx.graph
    for v in nest.flatten(values):
        if type(v) is SymbolicTensor:
            return v.graph
    return None


def trace(fn, specs, outer: Graph, name: str, arg_structure=None, hoist_reads: bool = True,
          no_hoist=()):
    """Traces `fn` on placeholders of `specs` [(shape, dtype)] into a new graph nested in `outer`.

    The placeholders are packed as `arg_structure` (a nested structure with as many leaves as
    specs) and passed as positional arguments (one per top-level item). Returns the graph (its
    outputs set to the flat tensors) and the returned structure with graph tensors as leaves.
    """
    graph = Graph(name, outer=outer)
    graph.allow_variable_creation = False
    graph.hoist_reads = hoist_reads and outer is not None
    graph.no_hoist = set(no_hoist)
    graph.outer_tapes = list(ctx.tapes) if ctx.graph is outer else []
    placeholders = [graph.add_placeholder(s, d, "arg") for s, d in specs]
    args = nest.pack_sequence_as(arg_structure, placeholders) if arg_structure is not None \
        else placeholders
    saved = ctx.graph, ctx.tapes
    ctx.graph, ctx.tapes = graph, []
    try:
        result = fn(*args)
        flat = [as_graph_tensor(graph, o) for o in nest.flatten(result)]
    finally:
        ctx.graph, ctx.tapes = saved
    graph.outputs = flat
    return graph, result, flat


def as_graph_tensor(graph: Graph, value):
    """A returned value as a tensor of `graph` (constants and outer values are captured)."""
    if type(value) is SymbolicTensor:
        return value if value.graph is graph else graph.capture(value)
    if hasattr(value, "__tf_tensor__"):
        return as_graph_tensor(graph, value.__tf_tensor__())
    if not isinstance(value, Tensor):
        value = convert_to_tensor(value)
    return graph.capture(value)


def union_captures(*graphs):
    """The outer tensors all `graphs` capture (each once), and each graph's positions into it."""
    outer, index = [], {}
    positions = []
    for g in graphs:
        pos = []
        for t, _ in g.captures:
            k = index.get(id(t))
            if k is None:
                k = index[id(t)] = len(outer)
                outer.append(t)
            pos.append(k)
        positions.append(pos)
    return outer, positions
