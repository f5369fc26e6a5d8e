"""Constant folding: a stateless node whose inputs are all constants is computed once, at
optimization time, and replaced by a constant."""

from __future__ import annotations

import numpy as np

from tensorweave.backend import NUMPY
from tensorweave.graph.graph import CONST, Graph
from tensorweave.graph.passes._rewrite import KEEP, const_array, rewrite

MAX_ELEMENTS = 1 << 20  # larger results stay computed at run time rather than held in the graph


def constant_folding(graph: Graph) -> Graph:
    """Folds constant subexpressions (stateless ops with only Const inputs)."""

    def visit(b, node):
        op = node.op_def
        if op is CONST or op.stateful or not node.inputs or not node.outputs:
            return KEEP
        arrays = [const_array(b.value(t)) for t in node.inputs]
        if any(a is None for a in arrays):
            return KEEP
        try:
            out = op.kernel_for(NUMPY)(np, *arrays, **node.attrs)
        except Exception:  # noqa: BLE001 - a failing fold is left for run time to report
            return KEEP
        outs = (out,) if op.num_outputs == 1 else tuple(out)
        if len(outs) != len(node.outputs) or sum(np.size(o) for o in outs) > MAX_ELEMENTS:
            return KEEP
        for o, value in zip(node.outputs, outs):
            value = np.asarray(value)
            if value.dtype != o.dtype.np_dtype:
                value = value.astype(o.dtype.np_dtype)
            b.alias(o, b.const(value, f"{node.name}/folded"))
        return None

    return rewrite(graph, visit)
