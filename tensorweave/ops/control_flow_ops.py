"""Control flow: tf.cond, tf.case, tf.switch_case and tf.while_loop, as graph ops with gradients.

Eagerly they run the Python directly (an `if` and a `while`). While a function is traced, each
is one node holding sub-graphs: `If` holds the two branches, `While` the condition and the body
(graph/subgraph.py). Values of the enclosing function that a sub-graph reads become extra inputs
of the node; so do variables a branch reads without assigning them first, so that gradients
reach them.

Gradients (choices):
- `If`: another `If` of the branch gradients. Each gradient branch replays its forward branch
  under a tape and walks it back, so the gradient is itself a differentiable `If`.
- `While`: `WhileGrad`, one node that re-runs the forward loop recording each iteration's loop
  values, then runs the body's gradient graph over them in reverse. The forward pass keeps no
  history, and memory is paid only when a gradient is taken. Its own gradient (second order
  through a loop) is not defined.
"""

from __future__ import annotations

import numpy as np

from tensorweave.autodiff.tape import Tape, differentiable_dtype, pop, push
from tensorweave.framework import dtypes
from tensorweave.framework.constant_op import convert_to_tensor
from tensorweave.framework.op_def import execute, op
from tensorweave.framework.tensor import SymbolicTensor, Tensor
from tensorweave.framework.tensor_shape import TensorShape
from tensorweave.graph import subgraph
from tensorweave.graph.replay import replay
from tensorweave.graph.subgraph import SubFunction, outer_graph_of, union_captures
from tensorweave.ops._infer import Spec
from tensorweave.ops.array_ops import stack, stop_gradient
from tensorweave.ops.binary_ops import equal, less, less_equal, logical_and
from tensorweave.ops.logging_ops import assert_
from tensorweave.ops.math_ops import cast, reduce_sum, zeros_like
from tensorweave.framework.errors import InvalidArgumentError
from tensorweave.ops.tensor_array import TensorArray, flatten_loop_vars, pack_loop_vars
from tensorweave.util import nest

__all__ = ["cond", "case", "switch_case", "while_loop", "control_dependencies", "no_op", "group",
           "tuple_", "get_static_value"]


def _merge_dims(a, b):
    if a is None or b is None or len(a) != len(b):
        return None
    return tuple(x if x == y else None for x, y in zip(a, b))


# --- If ----------------------------------------------------------------------------------------
def _infer_if(pred, *args, then_branch, else_branch):
    return tuple(Spec(_merge_dims(t.shape.as_tuple(), e.shape.as_tuple()), t.dtype)
                 for t, e in zip(then_branch.outputs, else_branch.outputs))


def _if_kernel(xp, pred, *args, then_branch, else_branch):
    branch = then_branch if pred else else_branch
    return branch.run(args[:branch.n_leading], args)


_if = op("If", infer=_infer_if, num_outputs=None, stateful=True)(_if_kernel)
_stateless_if = op("StatelessIf", infer=_infer_if, num_outputs=None)(_if_kernel)


def _spec(t):
    return (t.shape.as_tuple(), t.dtype)


def _grad_graph(forward: SubFunction, arg_specs, dy_specs, wrt, name, run_forward):
    """A graph (args..., dys...) -> grads of the args at positions `wrt`, built by replaying
    `forward` under a tape (`run_forward(forward, args)` gives its flat outputs)."""
    n = len(arg_specs)

    def body(*ph):
        args, dys = ph[:n], ph[n:]
        tape = Tape()
        for i in wrt:
            tape.watch(args[i])
        push(tape)
        try:
            outs = run_forward(forward, args)
        finally:
            pop(tape)
        pairs = [(o, d) for o, d in zip(outs, dys) if d is not None]
        grads = tape.backward([o for o, _ in pairs], [d for _, d in pairs],
                              {id(args[i]) for i in wrt})
        result = []
        for i in wrt:
            g = grads.get(id(args[i]))
            if g is not None and not isinstance(g, Tensor):
                g = g.__tf_tensor__()  # IndexedSlices from a gather: made dense here
            result.append(g if g is not None else zeros_like(args[i]))
        return result

    graph, _, _ = subgraph.trace(body, list(arg_specs) + list(dy_specs), None, name)
    return SubFunction(graph, len(arg_specs) + len(dy_specs))


def _replay_branch(branch, args):
    return replay(branch.graph, list(args[:branch.n_leading]),
                  [args[i] for i in branch.cap_index])


@_if.def_grad
def _if_grad(op, *dys):
    pred, args = op.inputs[0], op.inputs[1:]
    then_b, else_b = op.attrs["then_branch"], op.attrs["else_branch"]
    wrt = [i for i, a in enumerate(args) if differentiable_dtype(a.dtype)]
    if not wrt:
        return (None,) * len(op.inputs)
    arg_specs = [_spec(a) for a in args]
    dy_specs = [_spec(d) for d in dys]
    g_then = _grad_graph(then_b, arg_specs, dy_specs, wrt, "cond_true_grad", _replay_branch)
    g_else = _grad_graph(else_b, arg_specs, dy_specs, wrt, "cond_false_grad", _replay_branch)
    stateless = _stateless_if if not (g_then.stateful or g_else.stateful) else _if
    grads = execute(stateless, (pred, *args, *dys),
                    {"then_branch": g_then, "else_branch": g_else})
    out = [None] * len(args)
    for i, g in zip(wrt, grads):
        out[i] = g
    return (None, *out)


_stateless_if.def_grad(_if_grad)


def _as_tensor(v):
    if isinstance(v, Tensor):
        return v
    if hasattr(v, "__tf_tensor__"):
        return v.__tf_tensor__()
    return convert_to_tensor(v)


def cond(pred, true_fn=None, false_fn=None, name=None):
    """`true_fn()` if `pred` else `false_fn()` (`tf.cond`); one `If` node when traced.

    >>> import tensorweave as tf
    >>> tf.cond(tf.constant(2) > 1, lambda: tf.constant(1), lambda: tf.constant(0)).numpy()
    1
    """
    if not callable(true_fn) or not callable(false_fn):
        raise TypeError("tf.cond: true_fn and false_fn must be callable, got "
                        f"{type(true_fn).__name__} and {type(false_fn).__name__}.")
    if hasattr(pred, "__tf_tensor__"):
        pred = pred.__tf_tensor__()
    if type(pred) is not SymbolicTensor:
        if isinstance(pred, Tensor):
            if pred.shape.rank not in (0, None) and pred.shape.num_elements() != 1:
                raise ValueError(f"tf.cond: pred must be a scalar, got shape {pred.shape}")
            pred = bool(pred.numpy())
        return true_fn() if pred else false_fn()
    if pred.dtype is not dtypes.bool:
        raise TypeError(f"tf.cond: pred must be a bool tensor, got {pred.dtype.name}")
    if pred.shape.rank not in (0, None):
        raise ValueError(f"tf.cond: pred must be a scalar, got shape {pred.shape}")
    outer = outer_graph_of(pred)
    g_then, r_then, f_then = subgraph.trace(true_fn, [], outer, "cond_true")
    g_else, r_else, f_else = subgraph.trace(false_fn, [], outer, "cond_false")
    try:
        nest.assert_same_structure(r_then, r_else, check_types=False)
    except (ValueError, TypeError) as e:
        raise ValueError(f"tf.cond: true_fn and false_fn must return the same nested "
                         f"structure: {e}") from e
    for a, b in zip(f_then, f_else):
        if a.dtype is not b.dtype:
            raise TypeError(f"tf.cond: true_fn returns a {a.dtype.name} where false_fn returns "
                            f"a {b.dtype.name} ({a.name} vs {b.name}).")
    outs = build_if(pred, g_then, g_else)
    if r_then is None:
        return None
    return nest.pack_sequence_as(r_then, outs)


def build_if(pred, g_then, g_else) -> list:
    """Adds an `If` node running traced branch graphs (same output types) to pred's graph."""
    caps, (p_then, p_else) = union_captures(g_then, g_else)
    then_b, else_b = SubFunction(g_then, 0, p_then), SubFunction(g_else, 0, p_else)
    opdef = _if if (then_b.stateful or else_b.stateful) else _stateless_if
    outer = outer_graph_of(pred)
    outs = outer.add_op(opdef, (pred, *caps), {"then_branch": then_b, "else_branch": else_b})
    return list(outs)


def case(pred_fn_pairs, default=None, exclusive=False, strict=False, name="case"):
    """The function of the first true predicate, else `default` (`tf.case`)."""
    pairs = list(pred_fn_pairs.items()) if isinstance(pred_fn_pairs, dict) else \
        list(pred_fn_pairs)
    for p in pairs:
        if not (isinstance(p, tuple) and len(p) == 2 and callable(p[1])):
            raise TypeError(f"tf.case: each pair must be (predicate, callable), got {p!r}")
    if default is None:
        if not pairs:
            raise ValueError("tf.case: pred_fn_pairs is empty and no default is given.")
        pairs, default = pairs[:-1], pairs[-1][1]
    if exclusive and not any(type(_as_tensor(p)) is SymbolicTensor for p, _ in pairs):
        truths = [bool(_as_tensor(p).numpy()) for p, _ in pairs]
        if sum(truths) > 1:
            raise InvalidArgumentError(None, None, "tf.case: more than one condition is true "
                                       "with exclusive=True.")
    elif exclusive and pairs:  # checked when the graph runs, before the branches
        preds = stack([cast(_as_tensor(p), dtypes.int32) for p, _ in pairs])
        assert_(less_equal(reduce_sum(preds), 1),
                ["Input error: exclusive=True: more than 1 conditions evaluated as True:", preds])
    fn = default
    for p, f in reversed(pairs):
        fn = _chain(p, f, fn)
    return fn()


def _chain(pred, fn, otherwise):
    return lambda: cond(pred, fn, otherwise)


def switch_case(branch_index, branch_fns, default=None, name="switch_case"):
    """Runs `branch_fns[branch_index]` (or `default` when out of range) (`tf.switch_case`)."""
    fns = sorted(branch_fns.items()) if isinstance(branch_fns, dict) else list(
        enumerate(branch_fns) if not (branch_fns and isinstance(branch_fns[0], tuple))
        else branch_fns)
    if not fns:
        raise ValueError("tf.switch_case: branch_fns must not be empty.")
    if default is None:
        default = fns[-1][1]
    index = _as_tensor(branch_index)
    if not index.dtype.is_integer:
        raise TypeError(f"tf.switch_case: branch_index must be an integer tensor, got "
                        f"{index.dtype.name}")
    if type(index) is not SymbolicTensor:
        i = int(index.numpy())
        for k, f in fns:
            if k == i:
                return f()
        return default()
    fn = default
    for k, f in reversed(fns):
        fn = _chain(equal(index, _as_tensor(k) if index.dtype is dtypes.int32 else
                          convert_to_tensor(k, dtype=index.dtype)), f, fn)
    return fn()


# --- While -------------------------------------------------------------------------------------
def _infer_while(*specs, cond, body, n_vars, shapes):
    return tuple(Spec(shape, s.dtype) for s, shape in zip(specs[:n_vars], shapes))


def _while_kernel(xp, *args, cond, body, n_vars, shapes):
    values = args[:n_vars]
    if body.owned:  # buffers the body writes in place: this run's own copies
        values = tuple(v.copy() if i in body.owned else v for i, v in enumerate(values))
    while cond.run(values, args)[0]:
        values = body.run(values, args)
    return tuple(values)


_while = op("While", infer=_infer_while, num_outputs=None, stateful=True)(_while_kernel)
_stateless_while = op("StatelessWhile", infer=_infer_while, num_outputs=None)(_while_kernel)


def _infer_while_grad(*specs, cond, body, body_grad, n_vars, shapes, n_caps, wrt_vars,
                      wrt_caps):
    return tuple([specs[i] for i in wrt_vars] + [specs[n_vars + j] for j in wrt_caps])


@op("WhileGrad", infer=_infer_while_grad, num_outputs=None)
def _while_grad_op(xp, *args, cond, body, body_grad, n_vars, shapes, n_caps, wrt_vars,
                   wrt_caps):
    """Re-runs the loop recording each iteration's values, then walks them back."""
    values, caps = args[:n_vars], args[n_vars:n_vars + n_caps]
    body = body.plain()  # each recorded iteration keeps its own arrays
    dys = args[n_vars + n_caps:]
    history = []
    while cond.run(values, args)[0]:
        history.append(values)
        values = body.run(values, args)
    d_vars = list(dys)
    d_caps = [xp.zeros_like(caps[j]) for j in wrt_caps]
    k = len(wrt_vars)
    for values in reversed(history):
        out = body_grad.run((*values, *caps, *d_vars), ())
        d_vars = list(out[:k])
        d_caps = [a + b for a, b in zip(d_caps, out[k:])]
    return (*d_vars, *d_caps)


def _replay_body(n_vars):
    def run(body, args):
        return replay(body.graph, list(args[:n_vars]), [args[i] for i in body.cap_index])
    return run


@_while.def_grad
def _while_grad(op, *dys):
    n = op.attrs["n_vars"]
    body = op.attrs["body"]
    init, caps = op.inputs[:n], op.inputs[n:]
    wrt_vars = [i for i in range(n) if differentiable_dtype(init[i].dtype)]
    wrt_caps = [j for j, c in enumerate(caps) if differentiable_dtype(c.dtype)]
    if not wrt_vars and not wrt_caps:
        return (None,) * len(op.inputs)
    specs = [_spec(o) for o in op.outputs] + [_spec(c) for c in caps]
    dy_specs = [_spec(op.outputs[i]) for i in wrt_vars]
    wrt = wrt_vars + [n + j for j in wrt_caps]

    def run_body(body_fn, args):
        outs = _replay_body(n)(body_fn, args)
        return [outs[i] for i in wrt_vars]

    body_grad = _grad_graph(body, specs, dy_specs, wrt, "while_body_grad", run_body)
    dys = [dys[i] if dys[i] is not None else zeros_like(op.outputs[i]) for i in wrt_vars]
    grads = execute(_while_grad_op, (*init, *caps, *dys), {
        "cond": op.attrs["cond"], "body": body, "body_grad": body_grad, "n_vars": n,
        "shapes": op.attrs["shapes"],
        "n_caps": len(caps), "wrt_vars": tuple(wrt_vars), "wrt_caps": tuple(wrt_caps)})
    out = [None] * len(op.inputs)
    for pos, g in zip(wrt, grads):
        out[pos] = g
    return tuple(out)


_stateless_while.def_grad(_while_grad)


def while_loop(cond, body, loop_vars, shape_invariants=None, parallel_iterations=10,
               back_prop=True, swap_memory=False, maximum_iterations=None, name=None):
    """Repeats `body` while `cond` is true (`tf.while_loop`); one `While` node when traced.

    `back_prop=False` stops gradients at the loop's results (TensorFlow's meaning in TF2).

    >>> import tensorweave as tf
    >>> tf.while_loop(lambda i: i < 10, lambda i: (i + 1,), [tf.constant(0)])[0].numpy()
    10
    """
    result = _while_loop(cond, body, loop_vars, shape_invariants, maximum_iterations)
    if back_prop:
        return result
    return nest.map_structure(lambda t: stop_gradient(t) if isinstance(t, Tensor) else t,
                              result)


def _while_loop(cond, body, loop_vars, shape_invariants, maximum_iterations):
    if not callable(cond) or not callable(body):
        raise TypeError("tf.while_loop: cond and body must be callable.")
    single = not isinstance(loop_vars, (list, tuple))
    packed = (loop_vars,) if single else loop_vars
    if not nest.flatten(packed):
        raise ValueError("tf.while_loop: loop_vars must not be empty.")
    flat_in = flatten_loop_vars(packed)
    outer = outer_graph_of(flat_in)
    if outer is None:
        return _eager_while(cond, body, packed, single, maximum_iterations)
    flat = [_as_tensor(v) for v in flat_in]
    if shape_invariants is not None:
        inv = flatten_loop_vars((shape_invariants,) if single else shape_invariants,
                                invariants=True)
        if len(inv) != len(flat):
            raise ValueError("tf.while_loop: shape_invariants must match the structure of "
                             "loop_vars.")
        shapes = []
        for v, s in zip(flat, inv):
            s = TensorShape(s) if s is not None else TensorShape(None)
            if not s.is_compatible_with(v.shape):
                raise ValueError(f"tf.while_loop: the shape invariant {s} is not compatible "
                                 f"with the initial value's shape {v.shape}.")
            shapes.append(s.as_tuple())
    else:
        shapes = [None if isinstance(x, TensorArray) else v.shape.as_tuple()
                  for x, v in zip(nest.flatten(packed), flat)]
    counter = maximum_iterations is not None
    if counter:
        flat = [convert_to_tensor(0)] + flat
        shapes = [()] + shapes
        limit = _as_tensor(maximum_iterations)
    specs = [(s, v.dtype) for s, v in zip(shapes, flat)]
    n_user = len(flat) - counter

    def cond_flat(*vs):
        user = pack_loop_vars(packed, list(vs[counter:]))
        c = cond(*user)
        c = _as_tensor(c)
        if counter:
            c = logical_and(less(vs[0], limit), c)
        return c

    def body_flat(*vs):
        user = pack_loop_vars(packed, list(vs[counter:]))
        out = body(*user)
        if single and not (isinstance(out, (list, tuple)) and len(out) == 1):
            out = (out,)
        if not isinstance(out, (list, tuple)):
            out = (out,)
        try:
            nest.assert_same_structure(list(packed), list(out), check_types=False)
        except (ValueError, TypeError) as e:
            raise ValueError(f"tf.while_loop: body must return the same structure as "
                             f"loop_vars: {e}") from e
        res = flatten_loop_vars(out)
        if len(res) != n_user:
            raise ValueError("tf.while_loop: body returned a different number of tensors "
                             f"({len(res)}) than loop_vars ({n_user}).")
        if counter:
            res = [vs[0] + 1] + list(res)
        return res

    g_cond, _, f_cond = subgraph.trace(cond_flat, specs, outer, "while_cond", hoist_reads=False)
    if len(f_cond) != 1 or f_cond[0].dtype is not dtypes.bool or \
            f_cond[0].shape.rank not in (0, None):
        raise TypeError("tf.while_loop: cond must return a scalar boolean tensor, got "
                        f"{[str(t) for t in f_cond]}")
    g_body, _, f_body = subgraph.trace(body_flat, specs, outer, "while_body")
    reread = {k for k in g_body._hoisted if k in g_body._assigned}
    if reread:  # the body assigns a variable it also reads: read it inside at each iteration
        g_body, _, f_body = subgraph.trace(body_flat, specs, outer, "while_body", no_hoist=reread)
    for k, (v, o, s) in enumerate(zip(flat, f_body, shapes)):
        if o.dtype is not v.dtype:
            raise TypeError(f"tf.while_loop: loop variable {k} enters the loop as "
                            f"{v.dtype.name} but has type {o.dtype.name} after one iteration.")
        if not _fits(s, o.shape.as_tuple()):
            raise ValueError(
                f"Input tensor '{getattr(v, 'name', k) if type(v) is SymbolicTensor else k}' "
                f"enters the loop with shape {TensorShape(s)}, but has shape {o.shape} after one "
                f"iteration. To allow the shape to vary across iterations, use the "
                f"`shape_invariants` argument of tf.while_loop to specify a less-specific shape.")
    caps, (p_cond, p_body) = union_captures(g_cond, g_body)
    n = len(flat)
    owned = [k + counter for k, leaf in enumerate(nest.flatten(packed))
             if isinstance(leaf, TensorArray)]
    cond_f, body_f = SubFunction(g_cond, n, p_cond), SubFunction(g_body, n, p_body, owned)
    for sub in (cond_f, body_f):
        sub.cap_index = tuple(n + i for i in sub.cap_index)  # positions among all node inputs
    opdef = _while if (cond_f.stateful or body_f.stateful) else _stateless_while
    outs = outer.add_op(opdef, (*flat, *caps), {"cond": cond_f, "body": body_f, "n_vars": n,
                                                 "shapes": tuple(shapes)})
    outs = list(outs)[counter:]
    result = pack_loop_vars(packed, outs)
    return result[0] if single else result


def _fits(invariant, shape) -> bool:
    """True when a value of `shape` is described by the shape invariant."""
    if invariant is None:
        return True
    if shape is None or len(shape) != len(invariant):
        return False
    return all(a is None or a == b for a, b in zip(invariant, shape))


def _eager_while(cond, body, packed, single, maximum_iterations):
    values = list(packed)
    i = 0
    limit = None if maximum_iterations is None else int(_as_tensor(maximum_iterations).numpy())
    while limit is None or i < limit:
        c = cond(*values)
        if not bool(_as_tensor(c).numpy()):
            break
        out = body(*values)
        if single and not (isinstance(out, (list, tuple)) and len(out) == 1):
            out = (out,)
        if not isinstance(out, (list, tuple)):
            out = (out,)
        nest.assert_same_structure(list(values), list(out), check_types=False)
        values = list(out)
        i += 1
    if single:
        return values[0]
    return type(packed)(values) if not hasattr(packed, "_fields") else type(packed)(*values)


# --- ordering and grouping ---------------------------------------------------------------------
class _Ordered:
    """What `tf.control_dependencies` returns: ops already run in program order here."""

    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def control_dependencies(control_inputs):
    """A context whose ops run after `control_inputs` (`tf.control_dependencies`).

    A traced tensorweave graph runs its nodes in program order and never drops a stateful one,
    so everything created inside already runs after the inputs: the context only checks them.
    """
    if control_inputs is None:
        return _Ordered()
    for c in nest.flatten(control_inputs):
        if c is not None and not (isinstance(c, Tensor) or hasattr(c, "__tf_tensor__")
                                  or hasattr(c, "op_def") or callable(c)):
            raise TypeError(f"Control input must be a tensor or an operation, got {c!r}")
    return _Ordered()


def no_op(name=None):
    """Does nothing (`tf.no_op`): a placeholder for control dependencies; returns None."""
    return None


def group(*inputs, name=None):
    """Groups ops for control dependencies (`tf.group`). Every op of a tensorweave graph runs
    (stateful ones are never dropped), so there is nothing to return: None."""
    for c in nest.flatten(inputs):
        if c is not None and not (isinstance(c, Tensor) or hasattr(c, "__tf_tensor__")
                                  or hasattr(c, "op_def")):
            raise TypeError(f"tf.group: expected tensors or operations, got {c!r}")
    return None


def tuple_(tensors, name=None, control_inputs=None):
    """The tensors, each available once all are computed (`tf.tuple`)."""
    return [None if t is None else _as_tensor(t) for t in tensors]


def get_static_value(tensor, partial=False):
    """The value of `tensor` as a NumPy array when it is known without running the function
    (`tf.get_static_value`): always for eager tensors; for a traced one, when it depends on no
    function input and no stateful op. None otherwise."""
    if hasattr(tensor, "__tf_tensor__") and not isinstance(tensor, Tensor):
        return None  # a variable: its value can change
    if not isinstance(tensor, Tensor):
        try:
            return np.asarray(convert_to_tensor(tensor).numpy())
        except (TypeError, ValueError):
            return None
    if type(tensor) is not SymbolicTensor:
        return np.asarray(tensor.numpy())
    graph = tensor.graph
    stack, seen = [tensor.node], set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if getattr(node, "op_def", None) is None or node.op_def.stateful:
            return None  # a placeholder, a variable read, a random draw ...
        stack.extend(t.node for t in node.inputs)
    if not hasattr(graph, "lift_to_eager"):
        return None
    value = graph.lift_to_eager(tensor)
    return None if type(value) is SymbolicTensor else np.asarray(value.numpy())
