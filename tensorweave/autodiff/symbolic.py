"""tf.gradients and tf.hessians (graph mode: inside tf.function), and tf.grad_pass_through.

`gradients` differentiates a graph being traced: the nodes between `xs` and `ys` are already in
execution order in the graph, so they serve as the record a tape would have made, and the same
backward walk (and the same gradient rules) apply.
"""

from __future__ import annotations

import functools

from tensorweave.autodiff.custom_gradient import custom_gradient
from tensorweave.autodiff.gradient_tape import UnconnectedGradients
from tensorweave.autodiff.tape import Tape, differentiable_dtype
from tensorweave.framework.constant_op import convert_to_tensor
from tensorweave.framework.context import ctx
from tensorweave.ops import array_ops
from tensorweave.ops.math_ops import ones_like, zeros_like
from tensorweave.util import nest


def gradients(ys, xs, grad_ys=None, name: str = "gradients", gate_gradients: bool = False,
              aggregation_method=None, stop_gradients=None,
              unconnected_gradients=UnconnectedGradients.NONE) -> list:
    """Symbolic partial derivatives of sum(ys) with respect to each of `xs` (`tf.gradients`).

    Only inside a traced function (tf.function), as in TensorFlow 2; eagerly use GradientTape.
    """
    graph = ctx.graph
    if graph is None:
        raise RuntimeError("tf.gradients is not supported when eager execution is enabled. "
                           "Use tf.GradientTape instead.")
    unconnected = UnconnectedGradients(unconnected_gradients)
    ys = [convert_to_tensor(y) for y in nest.flatten(ys)]
    xs = nest.flatten(xs)
    for x in xs:
        if hasattr(x, "_uid"):
            raise NotImplementedError("tf.gradients with respect to a tf.Variable is not "
                                      "supported; pass the tensor read from it, or use "
                                      "tf.GradientTape")
        if getattr(x, "graph", None) is not graph:
            raise ValueError(f"tf.gradients: {x!r} is not a tensor of the graph being traced")
    if grad_ys is None:
        seeds = [ones_like(y) for y in ys]
    else:
        grad_ys = nest.flatten(grad_ys)
        if len(grad_ys) != len(ys):
            raise ValueError(f"tf.gradients: got {len(grad_ys)} grad_ys for {len(ys)} ys")
        seeds = [convert_to_tensor(g) if g is not None else ones_like(y)
                 for g, y in zip(grad_ys, ys)]
    stops = {id(s) for s in nest.flatten(stop_gradients)} if stop_gradients is not None else set()
    tape = Tape(watch_accessed_variables=False)
    watched = tape.watched
    for x in xs:
        if differentiable_dtype(x.dtype):
            watched[id(x)] = x
    for node in graph.get_operations():
        if not node.op_def.differentiable:
            continue
        if any(id(t) in watched for t in node.inputs):
            for o in node.outputs:
                if differentiable_dtype(o.dtype) and id(o) not in stops:
                    watched[id(o)] = o
            tape.records.append(node)  # a node looks like a tape record to gradient rules
    grads = tape.backward(ys, seeds, {id(x) for x in xs})
    result = []
    for x in xs:
        g = grads.get(id(x))
        if g is None and unconnected is UnconnectedGradients.ZERO:
            g = zeros_like(x)
        result.append(g)
    return result


def hessians(ys, xs, name: str = "hessians", gate_gradients: bool = False,
             aggregation_method=None) -> list:
    """The Hessian of sum(ys) for each of `xs`: shape x.shape + x.shape (`tf.hessians`).

    Needs each x's shape known when traced (one backward pass per element).
    """
    xs = nest.flatten(xs)
    result = []
    for x in xs:
        (g,) = gradients(ys, [x])
        if g is None:
            result.append(None)
            continue
        if not x.shape.is_fully_defined():
            raise NotImplementedError(f"tf.hessians needs the shape of {x!r} known when traced")
        flat = array_ops.reshape(convert_to_tensor(g), [-1])
        n = x.shape.num_elements()
        rows = []
        for i in range(n):
            (row,) = gradients(flat[i], [x], unconnected_gradients=UnconnectedGradients.ZERO)
            rows.append(convert_to_tensor(row))
        result.append(array_ops.reshape(array_ops.stack(rows), list(x.shape) * 2))
    return result


def grad_pass_through(f):
    """Wraps `f(x)` so that its result's gradient passes straight through to `x`, as if `f`
    were the identity (`tf.grad_pass_through`), e.g. to differentiate through an assignment or
    a quantizer.
    """

    @functools.wraps(f)
    def wrapped(*args, **kwargs):
        @custom_gradient
        def pass_through(*xs):
            tapes = ctx.tapes
            ctx.tapes = []  # f itself is not differentiated: its gradient is the identity
            try:
                y = f(*xs, **kwargs)
            finally:
                ctx.tapes = tapes

            def grad(*dys, variables=None):
                passed = dys[0] if len(xs) == 1 else dys[:len(xs)]
                return passed, [None] * len(variables or ())
            return y, grad

        return pass_through(*args)

    return wrapped
