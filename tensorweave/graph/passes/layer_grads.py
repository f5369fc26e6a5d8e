"""Gradient rewrites for common layer patterns, exact (the same values bit for bit).

Relu then max pooling: the pooling gradient puts each window's dy on the window's maximum r,
where r == y (the pooled value), so masking that gradient with r > 0 afterwards equals masking
dy with y > 0 before: `ReluGrad(MaxPoolGrad(r, y, dy), r)` becomes
`MaxPoolGrad(r, y, ReluGrad(dy, y))`, a mask over the pooled array (4x smaller for 2x2 pools)
instead of over the full activation.
"""

from __future__ import annotations

from tensorweave.graph.graph import Graph
from tensorweave.graph.passes._rewrite import KEEP, rewrite, use_counts

_POOL_GRADS = {"MaxPoolGrad": "MaxPool", "MaxPool3DGrad": "MaxPool3D"}


def _matches(relu_grad, uses):
    """The MaxPoolGrad feeding `relu_grad` when the rewrite applies, else None."""
    dx, r = relu_grad.inputs
    pool_grad = dx.node
    if pool_grad.type not in _POOL_GRADS or uses.get(id(dx), 0) != 1:
        return None
    x, y, dy = pool_grad.inputs
    # r is both the pooled input and the mask, and y really is r's max pool
    if x is not r or y.node.type != _POOL_GRADS[pool_grad.type] or y.node.inputs[0] is not r:
        return None
    if not (dy.dtype is y.dtype is r.dtype is relu_grad.outputs[0].dtype):
        return None
    return pool_grad


def relu_pool_grad(graph: Graph) -> Graph:
    """Moves Relu's gradient mask in front of a max pool's gradient (see the module doc)."""
    uses = use_counts(graph)
    pairs = {}  # id(MaxPoolGrad node) -> the ReluGrad node it feeds
    for node in graph.nodes:
        if node.type == "ReluGrad":
            pool_grad = _matches(node, uses)
            if pool_grad is not None:
                pairs[id(pool_grad)] = node
    if not pairs:
        return graph
    moved = {id(n) for n in pairs.values()}

    def visit(b, node):
        relu_grad = pairs.get(id(node))
        if relu_grad is not None:
            x, y, dy = (b.value(t) for t in node.inputs)
            masked = b.emit(relu_grad.op_def, [dy, y], relu_grad.attrs,
                            [(dy.shape.as_tuple(), dy.dtype)], relu_grad.name,
                            relu_grad.location).outputs[0]
            out = node.outputs[0]
            new = b.emit(node.op_def, [x, y, masked], node.attrs,
                         [(out.shape.as_tuple(), out.dtype)], node.name, node.location)
            b.alias(out, new.outputs[0])
            return None
        if id(node) in moved:
            b.alias(node.outputs[0], b.value(node.inputs[0]))
            return None
        return KEEP

    return rewrite(graph, visit)
