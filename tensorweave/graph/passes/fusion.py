"""Elementwise fusion: a chain (or tree) of elementwise ops whose intermediate values have no
other use becomes one `FusedElementwise` node, which runs the kernels back to back and drops each
intermediate as soon as it is consumed. Fewer nodes means less dispatch in the executor, and the
fused node is one unit for the buffer-reuse pass and for jit_compile."""

from __future__ import annotations

from tensorweave.framework.op_def import OpDef
from tensorweave.graph.graph import Graph
from tensorweave.graph.passes.buffer_reuse import UFUNCS
from tensorweave.graph.passes._rewrite import KEEP, rewrite, use_counts


class FusedSteps:
    """The attr of a fused node: ((op_def, attrs, sources, out_tensor), ...) where a source is
    (0, k) for the node's k-th input or (1, j) for step j's result. Hashed by identity.

    It compiles to one straight-line function per backend. A step computed by a single ufunc
    whose operand is an earlier step's result of the same shape and dtype writes into that
    result's buffer (`out=`), so a chain of such ops runs on one buffer.
    """

    __slots__ = ("steps", "names", "_compiled")

    def __init__(self, steps: tuple, names: tuple):
        self.steps = steps
        self.names = names
        self._compiled = {}

    def __repr__(self) -> str:
        return "[" + ", ".join(self.names) + "]"

    def compiled(self, xp):
        backend = "numpy" if xp.__name__ == "numpy" else "cupy"
        fn = self._compiled.get(backend)
        if fn is None:
            fn = self._compiled[backend] = self._compile(backend)
        return fn

    def _compile(self, backend):
        namespace = {}
        n_inputs = 1 + max((k for _, _, srcs, _ in self.steps for kind, k in srcs if kind == 0),
                           default=-1)
        lines = [f"def fused(xp{''.join(f', i{k}' for k in range(n_inputs))}):"]
        for j, (op_def, attrs, sources, out) in enumerate(self.steps):
            args = [f"i{k}" if kind == 0 else f"t{k}" for kind, k in sources]
            shape = out.shape.as_tuple()
            into = None
            if op_def.name in UFUNCS and not attrs and shape and None not in shape and \
                    out.dtype.is_floating:
                for kind, k in sources:
                    prev = self.steps[k][3] if kind == 1 else None
                    if prev is not None and prev.shape.as_tuple() == shape and \
                            prev.dtype is out.dtype:
                        into = f"t{k}"
                        break
            mask_into = _mask_target(self.steps, j)
            if mask_into is not None:
                # Relu / ReluGrad on an earlier step's own buffer, as the ufuncs above
                if op_def.name == "Relu":
                    lines.append(f"    t{j} = xp.maximum({args[0]}, {args[0]}.dtype.type(0), "
                                 f"out={args[0]})")
                else:
                    lines.append(f"    t{j} = xp.multiply({args[0]}, {args[1]} > 0, "
                                 f"out={args[0]})")
            elif into is not None:
                lines.append(f"    t{j} = xp.{UFUNCS[op_def.name]}({', '.join(args)}, "
                             f"out={into})")
            else:
                namespace[f"k{j}"] = op_def.kernels.get(backend, op_def.kernel) \
                    if op_def.kernels else op_def.kernel
                namespace[f"a{j}"] = attrs
                extra = f", **a{j}" if attrs else ""
                lines.append(f"    t{j} = k{j}(xp{''.join(', ' + a for a in args)}{extra})")
        lines.append(f"    return t{len(self.steps) - 1}")
        exec(compile("\n".join(lines), "<fused>", "exec"), namespace)  # noqa: S102 - generated
        return namespace["fused"]


def _mask_target(steps, j):
    """Whether step j is a Relu or ReluGrad whose first operand is an earlier step's fresh
    result of its own shape and a float dtype (so it can be overwritten)."""
    op_def, attrs, sources, out = steps[j]
    if op_def.name not in ("Relu", "ReluGrad") or attrs or sources[0][0] != 1:
        return None
    if len(sources) > 1 and sources[1] == sources[0]:
        return None
    prev_op, _, _, prev = steps[sources[0][1]]
    shape = out.shape.as_tuple()
    if (prev_op.name not in UFUNCS and prev_op.name not in ("Relu", "ReluGrad")) or \
            out.dtype.name not in ("float16", "float32", "float64") or \
            prev.dtype is not out.dtype or not shape or None in shape or \
            prev.shape.as_tuple() != shape:
        return None
    return sources[0][1]


def _fused_kernel(xp, *inputs, steps):
    return steps.compiled(xp)(xp, *inputs)


FUSED = OpDef("FusedElementwise", _fused_kernel, None, elementwise=True, differentiable=False)


def _fusible(node) -> bool:
    op = node.op_def
    return (op.elementwise and not op.stateful and op.num_outputs == 1 and op is not FUSED
            and len(node.outputs) == 1)


def fusion(graph: Graph, min_size: int = 2) -> Graph:
    """Fuses single-use chains of elementwise ops (at least `min_size` ops per group)."""
    uses = use_counts(graph)
    group_of = {}  # id(node) -> list of nodes ending at that node
    absorbed = set()
    for node in graph.nodes:
        if not _fusible(node):
            continue
        members = []
        for t in node.inputs:
            producer = t.node
            if (id(producer) in group_of and uses.get(id(t), 0) == 1
                    and id(producer) not in absorbed):
                members.extend(group_of[id(producer)])
                absorbed.add(id(producer))
        group_of[id(node)] = members + [node]
    groups = {id(nodes[-1]): nodes for key, nodes in group_of.items()
              if key not in absorbed and len(nodes) >= min_size}
    inside = {id(n) for nodes in groups.values() for n in nodes}

    def visit(b, node):
        if id(node) not in inside:
            return KEEP
        nodes = groups.get(id(node))
        if nodes is None:
            return None  # emitted with the group's last node
        produced = {}
        ext, ext_index, steps = [], {}, []
        for j, n in enumerate(nodes):
            sources = []
            for t in n.inputs:
                if id(t) in produced:
                    sources.append((1, produced[id(t)]))
                    continue
                k = ext_index.get(id(t))
                if k is None:
                    k = ext_index[id(t)] = len(ext)
                    ext.append(b.value(t))
                sources.append((0, k))
            produced[id(n.outputs[0])] = j
            steps.append((n.op_def, dict(n.attrs), tuple(sources), n.outputs[0]))
        out = node.outputs[0]
        attrs = {"steps": FusedSteps(tuple(steps), tuple(n.type for n in nodes))}
        new = b.emit(FUSED, ext, attrs, [(out.shape.as_tuple(), out.dtype)], "Fused",
                     node.location)
        b.alias(out, new.outputs[0])
        return None

    return rewrite(graph, visit)
