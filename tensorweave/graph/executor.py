"""The executor: a graph lowered once into straight-line Python over raw arrays.

Lowering gives every value a local variable and every node one line calling its kernel on the
device's array namespace, so a call is a single Python function running kernels back to back: no
Tensor wrapping, no dispatch, no dictionary lookups inside. Arrays are released (`del`) right
after their last use, so peak memory follows the program rather than the graph's size.

A kernel that fails is reported as TensorFlow does: the op's type and node name, the shapes it
got, and the user's source line that created the node while tracing.

    run = Executor(graph, device).run        # run(*input_arrays) -> tuple of output arrays
"""

from __future__ import annotations

import os
import sys
import time

from tensorweave.framework import errors
from tensorweave.graph.graph import CONST, PLACEHOLDER, Graph


class Executor:
    """Runs `graph` on one device. `run(*arrays)` takes one array per `graph.inputs` followed by
    one per captured outer value, and returns the arrays of `graph.outputs` as a tuple."""

    def __init__(self, graph: Graph, device, profile: bool | None = None):
        self.graph = graph
        self.device = device
        self.lines: list = []  # generated source line -> node, for error reports
        # Opt-in per-node timing (TENSORWEAVE_PROFILE_NODES=1 or profile=True): every kernel call
        # adds its wall time to `self.node_times[node]`; off by default, it costs two clock reads
        # per node.
        self.profiling = PROFILE_NODES[0] if profile is None else bool(profile)
        self.node_times: dict = {}
        self.run = self._lower()

    def profile_report(self, top: int = 30) -> str:
        """A table of the slowest nodes (total seconds, calls, op type, name, output shapes)."""
        rows = sorted(self.node_times.items(), key=lambda kv: -kv[1][0])
        total = sum(t for t, _ in self.node_times.values()) or 1.0
        out = [f"{'ms/call':>9} {'share':>6} {'calls':>6}  op  name  shapes"]
        for node, (t, n) in rows[:top]:
            shapes = ", ".join(str(o.shape) for o in node.outputs)
            out.append(f"{1e3 * t / max(n, 1):9.3f} {100 * t / total:5.1f}% {n:6d}  "
                       f"{node.type}  {node.name}  {shapes}")
        return "\n".join(out)

    def _lower(self):
        graph, device = self.graph, self.device
        xp = device.xp
        namespace = {"xp": xp}
        names = {}  # id(symbolic tensor) -> local name
        feeds = list(graph.inputs) + [inner for _, inner in graph.captures]
        params = []
        for i, t in enumerate(feeds):
            names[id(t)] = f"a{i}"
            params.append(f"a{i}")
        last_use = {}
        for k, node in enumerate(graph.nodes):
            for t in node.inputs:
                last_use[id(t)] = k
        for t in graph.outputs:
            last_use[id(t)] = len(graph.nodes)
        body = []
        line_nodes = {}
        counter = 0
        for k, node in enumerate(graph.nodes):
            op = node.op_def
            if op is PLACEHOLDER:
                continue
            if op is CONST:
                cname = f"c{k}"
                value = node.attrs["value"].tensor
                namespace[cname] = _on_device(value, device)
                names[id(node.outputs[0])] = cname
                continue
            kname = f"k{k}"
            namespace[kname] = op.kernel_for(device.backend)
            args = ["xp"] + [names[id(t)] for t in node.inputs]
            if node.attrs:
                aname = f"at{k}"
                namespace[aname] = node.attrs
                args.append(f"**{aname}")
            outs = []
            for o in node.outputs:
                counter += 1
                names[id(o)] = f"v{counter}"
                outs.append(f"v{counter}")
            call = f"{kname}({', '.join(args)})"
            n = op.num_outputs
            if n == 0 or not outs:
                stmt = call
            elif n == 1:
                stmt = f"{outs[0]} = {call}"
            else:
                stmt = f"{', '.join(outs)}, = {call}"
            if self.profiling:
                pname = f"p{k}"
                namespace[pname] = self.node_times.setdefault(node, [0.0, 0])
                body.append("_t0 = _clock()")
                line_nodes[len(body) + 3] = node
                body.append(stmt)
                body.append(f"_t1 = _clock() - _t0; {pname}[0] += _t1; {pname}[1] += 1")
            else:
                line_nodes[len(body) + 3] = node  # +3: the def and `try:` lines, 1-based
                body.append(stmt)
            dead = [names[id(t)] for t in node.inputs + node.outputs
                    if last_use.get(id(t), -1) <= k and names[id(t)].startswith("v")]
            if dead:
                body.append(f"del {', '.join(sorted(set(dead)))}")
        outs = [names[id(t)] if id(t) in names else _missing(graph, t) for t in graph.outputs]
        ret = "(" + "".join(f"{o}, " for o in outs) + ")"
        src = [f"def run({', '.join(params)}):", "  try:"]
        src += ["    " + s for s in body] or ["    pass"]
        src += [f"    return {ret}", "  except BaseException as e:", "    _failed(e)"]
        namespace["_failed"] = self._failed
        namespace["_clock"] = time.perf_counter
        self.line_nodes = line_nodes
        self.local_names = names
        self.source = "\n".join(src)
        code = compile(self.source, f"<tf.function {graph.name}>", "exec")
        exec(code, namespace)  # noqa: S102 - our own generated code, from the graph only
        return namespace["run"]

    def _failed(self, exc: BaseException):
        tb = sys.exc_info()[2]
        node, frame = None, None
        while tb is not None:
            if tb.tb_frame.f_code.co_name == "run" and tb.tb_frame.f_code.co_filename.startswith(
                    "<tf.function"):
                node, frame = self.line_nodes.get(tb.tb_lineno), tb.tb_frame
                break
            tb = tb.tb_next
        if node is None or isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise exc
        if isinstance(exc, errors.OpError) and getattr(exc, "_graph_node", None) is not None:
            raise exc  # already named by an inner graph (a cond or loop body)
        got = ", ".join(f"{self._runtime_shape(t, frame)} {t.dtype.name}" for t in node.inputs)
        where = f"\n  created at {node.location}" if node.location else ""
        message = (f"Graph execution error: {exc}\n  [Op:{node.type}] node '{node.name}' "
                   f"inputs: ({got}){where}")
        cls = type(exc) if isinstance(exc, errors.OpError) else errors.InvalidArgumentError
        err = cls(None, node, message)
        err._graph_node = node
        raise err from exc


    def _runtime_shape(self, t, frame) -> str:
        """The shape the value had when the node failed (its static shape when unknown)."""
        name = self.local_names.get(id(t))
        value = frame.f_locals.get(name) if (frame is not None and name) else None
        if value is None and name and frame is not None:
            value = frame.f_globals.get(name)  # constants live in the namespace
        shape = getattr(value, "shape", None)
        return str(list(shape)) if shape is not None else str(t.shape)


# Per-node timing for every executor built while set (a one-element list so tests can flip it).
PROFILE_NODES = [os.environ.get("TENSORWEAVE_PROFILE_NODES", "") not in ("", "0")]


def _on_device(tensor, device):
    if tensor._device is device:
        return tensor._array
    return device.backend.asarray(tensor._device.backend.to_numpy(tensor._array))


def _missing(graph, t):
    raise ValueError(f"The output {t!r} of graph {graph.name!r} is not computed by its nodes.")
