"""The runtime of converted code: each decides at run time between Python and graph control flow.

Converted statements call these with their test, their bodies as functions, and `get_state` /
`set_state` closures over the variables the statement modifies. When the test is a Python value
(or an eager tensor), the statement runs as plain Python; when it is a symbolic tensor, it
becomes `tf.cond` / `tf.while_loop` over the modified variables.
"""

from __future__ import annotations

import inspect
import sysconfig

from tensorweave.framework import dtypes
from tensorweave.framework.constant_op import convert_to_tensor
from tensorweave.framework.op_def import execute
from tensorweave.framework.context import ctx
from tensorweave.framework.tensor import SymbolicTensor, Tensor
from tensorweave.graph import subgraph
from tensorweave.ops import control_flow_ops as cf
from tensorweave.ops import functional_ops
from tensorweave.ops.array_ops import shape
from tensorweave.ops.binary_ops import less, logical_and, logical_or
from tensorweave.ops.fill_ops import range as tf_range
from tensorweave.ops.fill_ops import zeros
from tensorweave.ops.math_ops import cast, zeros_like
from tensorweave.ops.tensor_array import _read
from tensorweave.ops.unary_ops import logical_not


class Undefined:
    """The value of a variable not (yet) assigned on some path of converted control flow."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return f"<undefined {self.name}>"

    def _fail(self, *args, **kwargs):
        raise NameError(f"'{self.name}' is used before it is assigned on every path of the "
                        "converted control flow (assign it before the if/loop).")

    __bool__ = __call__ = __getattr__ = __add__ = __radd__ = __mul__ = __tf_tensor__ = _fail


_STDLIB = sysconfig.get_paths()["stdlib"]
_convert = [None]  # set by the autograph package: its convert(fn)
_LIBRARIES = {"tensorweave", "numpy", "tensorflow", "keras", "builtins", "functools",
              "itertools", "collections", "typing", "abc", "math", "operator", "copy"}


def converted_call(f, *args, **kwargs):
    """Calls `f`, converting it first when it is the user's own Python function."""
    if f is range and any(_is_symbolic(a) for a in args):
        return tf_range(*args)  # a Python range over tensors becomes tf.range, as in TF
    if f is len and len(args) == 1 and _is_symbolic(args[0]):
        t = args[0]
        if t.shape.rank is not None and t.shape[0] is not None:
            return t.shape[0]
        return shape(t)[0]
    target = getattr(f, "__func__", f)
    if inspect.isfunction(target) and _user_code(target):
        f = _convert[0](f, warn=False)
    return f(*args, **kwargs)


def _user_code(fn) -> bool:
    module = (getattr(fn, "__module__", None) or "").split(".")[0]
    if module in _LIBRARIES or fn.__name__ == "<lambda>":
        return False
    path = getattr(fn.__code__, "co_filename", "")
    return not ("site-packages" in path or path.startswith(_STDLIB) or path.startswith("<"))


def ld(getter, name):
    """The value of a local, or an Undefined marker when it is not bound yet."""
    try:
        return getter()
    except NameError:
        return Undefined(name)


def _is_symbolic(x) -> bool:
    if hasattr(x, "__tf_tensor__") and not isinstance(x, (Tensor, Undefined)):
        x = x.__tf_tensor__()
    return type(x) is SymbolicTensor


def _truth(x) -> bool:
    if isinstance(x, Tensor):
        return bool(x.numpy())
    return bool(x)


# --- boolean operators -------------------------------------------------------------------------
def and_(*thunks):
    """Python `a and b` that becomes tf.logical_and when a value is a symbolic tensor."""
    value = thunks[0]()
    for thunk in thunks[1:]:
        if _is_symbolic(value):
            value = logical_and(value, _as_bool(thunk()))
        elif not _truth(value):
            return value
        else:
            value = thunk()
    return value


def or_(*thunks):
    value = thunks[0]()
    for thunk in thunks[1:]:
        if _is_symbolic(value):
            value = logical_or(value, _as_bool(thunk()))
        elif _truth(value):
            return value
        else:
            value = thunk()
    return value


def not_(x):
    if _is_symbolic(x):
        return logical_not(x)
    return not _truth(x)


def _as_bool(x):
    t = x if isinstance(x, Tensor) else convert_to_tensor(x)
    if t.dtype is not dtypes.bool:
        t = cast(t, dtypes.bool)
    return t


# --- if ----------------------------------------------------------------------------------------
def _tensorable(v) -> bool:
    return isinstance(v, (Tensor, bool, int, float)) or hasattr(v, "__tf_tensor__")


def if_stmt(test, body, orelse, get_state, set_state, names):
    """`if test: body() else: orelse()`; a tf.cond over the modified variables for tensors."""
    if not _is_symbolic(test):
        if _truth(test):
            body()
        else:
            orelse()
        return
    init = get_state()
    outer = subgraph.outer_graph_of(test)
    states = []

    def branch(fn):
        def run():
            set_state(init)
            fn()
            states.append(get_state())
            return []  # the outputs are chosen once both branches are traced
        return run

    g_t, _, _ = subgraph.trace(_raw(branch(body)), [], outer, "if_true")
    g_f, _, _ = subgraph.trace(_raw(branch(orelse)), [], outer, "if_false")
    s_t, s_f = states
    new_state, keep_t, keep_f = [], [], []
    for name, a, b in zip(names, s_t, s_f):
        if isinstance(a, Undefined) or isinstance(b, Undefined) or a is None or b is None:
            if name.startswith("ag__retval") and not (a is None and b is None) and not (
                    isinstance(a, Undefined) and isinstance(b, Undefined)):
                # a return value set on one path only: the other path never reads it
                a, b = _fill_missing(g_t, a, b), _fill_missing(g_f, b, a)
            else:
                new_state.append(a if a is b else Undefined(name))
                continue
        if a is b and not _tensorable(a):
            new_state.append(a)
            continue
        if not (_tensorable(a) and _tensorable(b)):
            raise ValueError(f"'{name}' is assigned different Python objects in the branches of "
                             f"an `if` on a tensor: {a!r} and {b!r}; only tensors (and numbers) "
                             "can differ between branches.")
        keep_t.append(subgraph.as_graph_tensor(g_t, a))
        keep_f.append(subgraph.as_graph_tensor(g_f, b))
        new_state.append(len(keep_t) - 1)
    g_t.outputs, g_f.outputs = keep_t, keep_f
    outs = cf.build_if(test, g_t, g_f)
    set_state(tuple(outs[v] if isinstance(v, int) and not isinstance(v, bool) else v
                    for v in new_state))


def _fill_missing(graph, value, other):
    """`value`, or a zero of `other`'s type when the path did not set it."""
    if value is None or isinstance(value, Undefined):
        saved = ctx.graph
        ctx.graph = graph
        try:
            other_t = other if isinstance(other, Tensor) else convert_to_tensor(other)
            if type(other_t) is SymbolicTensor and other_t.graph is not graph:
                # a placeholder value never read (the path did not return): unknown dims are 0
                dims = other_t.shape.as_tuple()
                return zeros([d if d is not None else 0 for d in dims] if dims is not None
                             else [], dtype=other_t.dtype)
            return zeros_like(other_t)
        finally:
            ctx.graph = saved
    return value


def _raw(fn):
    return lambda *args: fn()


# --- loops -------------------------------------------------------------------------------------
def while_stmt(test, body, get_state, set_state, names, opts=None):
    """`while test(): body()`; a tf.while_loop over the modified variables for tensors."""
    first = test()
    if not _is_symbolic(first):
        while _truth(first):
            body()
            first = test()
            if _is_symbolic(first):
                # the loop became tensor-dependent after some Python iterations: go on as a graph
                return _graph_while(test, body, get_state, set_state, names, opts)
        return
    _graph_while(test, body, get_state, set_state, names, opts)


class _Retry(Exception):
    """A return value first set inside a loop on a tensor: trace again with it as a loop var."""

    def __init__(self, found):
        self.found = found


class _Options(Exception):
    """set_loop_options was called in a body being traced: trace the loop again with them."""

    def __init__(self, options):
        self.options = options


# One dict per loop body being traced, filled by tf.autograph.experimental.set_loop_options.
loop_options: list = []


def _graph_while(test, body, get_state, set_state, names, opts, seeded=None):
    init = list(get_state())
    for i, spec in (seeded or {}).items():
        if not spec.shape.is_fully_defined():
            raise NotImplementedError(
                f"A value returned from inside a loop on a tensor has shape {spec.shape}, not "
                "fully known while tracing; assign a default to a variable before the loop and "
                "return it after the loop instead.")
        init[i] = zeros(spec.shape.as_list(), dtype=spec.dtype)
    loop_pos = [i for i, v in enumerate(init) if _tensorable(v) and not isinstance(v, Undefined)]
    late = [i for i, v in enumerate(init) if (v is None or isinstance(v, Undefined))
            and names[i].startswith("ag__retval")]
    fixed = list(init)

    def apply(vs):
        state = list(fixed)
        for i, v in zip(loop_pos, vs):
            state[i] = v
        set_state(tuple(state))

    def cond_fn(*vs):
        apply(vs)
        return _as_bool(test())

    def body_fn(*vs):
        apply(vs)
        body()
        requested = loop_options[-1]
        if requested and opts is None:
            invariants = {}
            for t, invariant in requested.get("shape_invariants") or ():
                k = next((k for k, v in enumerate(vs) if v is t), None)
                if k is None:
                    raise ValueError("set_loop_options(shape_invariants=...) must name "
                                     f"variables that the loop modifies; got {t!r}.")
                invariants[loop_pos[k]] = invariant
            raise _Options({"invariants": invariants,
                            "maximum_iterations": requested.get("maximum_iterations")})
        state = get_state()
        found = {i: state[i] for i in late if isinstance(state[i], Tensor)}
        if found:
            raise _Retry(found)
        out = []
        for i in loop_pos:
            v = state[i]
            if isinstance(v, Undefined) or v is None:
                raise ValueError(f"'{names[i]}' must be defined before the loop and keep a "
                                 "value at every iteration of a loop on a tensor.")
            out.append(v if isinstance(v, Tensor) else convert_to_tensor(
                v.__tf_tensor__() if hasattr(v, "__tf_tensor__") else v,
                dtype=loop_vars[len(out)].dtype))
        return tuple(out)

    loop_vars = [convert_to_tensor(init[i].__tf_tensor__() if hasattr(init[i], "__tf_tensor__")
                                   else init[i]) if not isinstance(init[i], Tensor) else init[i]
                 for i in loop_pos]
    if not loop_vars:
        raise ValueError("A loop on a tensor must modify at least one variable.")
    invariants, limit = None, None
    if opts:
        given = opts.get("invariants") or {}
        invariants = [given.get(i, v.shape) for i, v in zip(loop_pos, loop_vars)]
        limit = opts.get("maximum_iterations")
    loop_options.append({})
    try:
        outs = cf.while_loop(cond_fn, body_fn, loop_vars, shape_invariants=invariants,
                             maximum_iterations=limit)
    except _Retry as retry:
        seeded = dict(seeded or {})
        seeded.update({i: v for i, v in retry.found.items()})
        set_state(tuple(init))
        return _graph_while(test, body, get_state, set_state, names, opts, seeded)
    except _Options as requested:
        set_state(tuple(init))
        return _graph_while(test, body, get_state, set_state, names, requested.options, seeded)
    finally:
        loop_options.pop()
    if not isinstance(outs, (list, tuple)):
        outs = [outs]
    apply(list(outs))


def for_stmt(iterable, body, get_state, set_state, names, opts=None):
    """`for target in iterable: body(target)`: over a symbolic tensor's rows, a while_loop."""
    it = iterable.__tf_tensor__() if hasattr(iterable, "__tf_tensor__") and not isinstance(
        iterable, Tensor) else iterable
    if type(it) is not SymbolicTensor and hasattr(it, "element_spec") and \
            ctx.graph is not None:
        return _dataset_for(it, body, get_state, set_state, names)
    if type(it) is not SymbolicTensor:
        stops = _stop_indices(names)
        for item in iterable:
            body(item)
            state = get_state()
            if any(not _is_symbolic(state[k]) and not isinstance(state[k], Undefined)
                   and _truth(state[k]) for k in stops):
                break
        return
    n = it.shape[0] if it.shape.rank is not None and it.shape[0] is not None else shape(it)[0]
    counter = {"i": convert_to_tensor(0)}
    state_names = list(names)

    def get():
        return tuple(get_state()) + (counter["i"],)

    def put(values):
        set_state(tuple(values[:-1]))
        counter["i"] = values[-1]

    def test():
        cont = less(counter["i"], n)
        state = get_state()
        for k in _stop_indices(state_names):
            cont = and_(lambda c=cont: c, lambda k=k: not_(state[k]))
        return cont

    def step():
        i = counter["i"]
        body(execute(_read, (it, i), {}))
        counter["i"] = i + 1

    _graph_while(test, step, get, put, state_names + ["ag__i"], opts)


def _dataset_for(dataset, body, get_state, set_state, names):
    """A for loop over a Dataset inside a trace: one ForDataset node."""
    init = list(get_state())
    pos = [i for i, v in enumerate(init) if _tensorable(v) and not isinstance(v, Undefined)]
    fixed = list(init)

    def apply(vs):
        state = list(fixed)
        for i, v in zip(pos, vs):
            state[i] = v
        set_state(tuple(state))

    loop_vars = [v if isinstance(v, Tensor) else convert_to_tensor(
        v.__tf_tensor__() if hasattr(v, "__tf_tensor__") else v) for v in (init[i] for i in pos)]

    def body_fn(element, *vs):
        apply(vs)
        body(element)
        state = get_state()
        out = []
        for k, i in enumerate(pos):
            v = state[i]
            if isinstance(v, Undefined) or v is None:
                raise ValueError(f"'{names[i]}' must keep a value at every iteration of a loop "
                                 "over a dataset.")
            out.append(v if isinstance(v, Tensor) else convert_to_tensor(
                v.__tf_tensor__() if hasattr(v, "__tf_tensor__") else v,
                dtype=loop_vars[k].dtype))
        return out

    stops = [k for k, i in enumerate(pos) if i in _stop_indices(names)]
    apply(functional_ops.for_dataset(dataset, loop_vars, body_fn, stops))


def _stop_indices(names) -> list:
    """Positions of the flags that end a loop early (break, return)."""
    return [k for k, name in enumerate(names)
            if name.startswith("ag__brk") or name.startswith("ag__ret_")]
