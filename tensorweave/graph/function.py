"""tf.function: trace Python into a graph once per input signature, then run the graph.

    >>> import tensorweave as tf
    >>> @tf.function
    ... def f(x):
    ...     return x * x + 1.0
    >>> f(tf.constant(2.0)).numpy()
    5.0

A call binds its arguments to the Python signature and computes a cache key (signature.py:
tensors by shape and dtype, Python values by value, variables by identity). A miss traces: the
function runs once with placeholders standing for its tensors while `ctx.graph` collects every op
(graph.py); the result is a `ConcreteFunction`, whose executor (executor.py) runs the graph on
raw arrays at every later call with the same key.

Called while a GradientTape records, a concrete function replays its graph op by op, so that the
tape sees every op and variable read: gradients of a tf.function are those of its ops. Called
while another function is traced, a tf.function is inlined (traced into the outer graph).
"""

from __future__ import annotations

import functools
import inspect
import warnings
import weakref

import numpy as np

from tensorweave.framework import context as _context
from tensorweave.framework.constant_op import convert_to_tensor
from tensorweave.framework.context import ctx
from tensorweave.framework.op_def import _to_device
from tensorweave.framework.tensor import SymbolicTensor, Tensor
from tensorweave.framework.tensor_spec import TensorSpec
from tensorweave.framework.variables import Variable
from tensorweave.graph import signature as sig
from tensorweave.graph.autograph import convert
from tensorweave.graph import config as _config
from tensorweave.graph.config import options_version
from tensorweave.graph.executor import Executor
from tensorweave.graph.graph import Graph
from tensorweave.graph.passes import optimize_for_run
from tensorweave.graph.replay import replay
from tensorweave.util import nest

_FREQUENT_TRACES = 5  # TensorFlow's threshold for the retracing warning
_functions_traced: dict = {}  # code object -> how many Function objects around it traced


class VariableProxy(Variable):
    """Stands for a variable passed as an argument: the trace reads and assigns it, and each
    call binds it to the variable actually passed (TensorFlow keys variable arguments by shape
    and dtype, so one trace serves every variable of that shape)."""

    def __init__(self, variable):  # noqa: D107 - no Variable.__init__: nothing is created
        state = {k: v for k, v in variable.__dict__.items() if k not in ("_array", "_device")}
        self.__dict__.update(state)
        self._bound_variable = variable

    @property
    def _array(self):
        return self._bound_variable._array

    @_array.setter
    def _array(self, value):
        self._bound_variable._array = value

    @property
    def _device(self):
        return self._bound_variable._device


class ConcreteFunction:
    """One trace of a tf.function: a graph for one input signature, callable.

    `graph` is the traced Graph, `inputs`/`outputs` its flat placeholders and results,
    `structured_outputs` the returned structure (tensors are symbolic there), and
    `structured_input_signature` the (args, kwargs) specs it accepts.
    """

    def __init__(self, graph: Graph, binder, names: list, values: list, outputs_struct,
                 name: str):
        self.graph = graph
        self.name = name
        self._binder = binder
        self._arg_names = names
        self._arg_values = values  # the traced arguments, tensors replaced by their placeholders
        self.structured_outputs = outputs_struct
        self._flat_outputs = nest.flatten(outputs_struct)
        # positions of the tensors among the flat outputs; the rest are Python values
        self._out_tensor_pos = [i for i, o in enumerate(self._flat_outputs)
                                if type(o) is SymbolicTensor]
        self._executors = {}
        self._optimized = None
        feeds = getattr(graph, "arg_feeds", [])
        self._proxies = [(i, f) for i, f in enumerate(feeds) if isinstance(f, VariableProxy)]
        # a single returned tensor: the call can skip packing a structure
        self._single = (len(self._flat_outputs) == 1 and self._out_tensor_pos == [0]
                        and not nest.is_nested(outputs_struct))

    # --- inspection ----------------------------------------------------------------------------
    @property
    def inputs(self) -> list:
        return list(self.graph.inputs)

    @property
    def outputs(self) -> list:
        return list(self.graph.outputs)

    @property
    def variables(self) -> tuple:
        """The variables the graph captured (not those passed as arguments)."""
        return tuple(v for v in self.graph.variables if not isinstance(v, VariableProxy))

    @property
    def trainable_variables(self) -> tuple:
        return tuple(v for v in self.variables if v.trainable)

    @property
    def structured_input_signature(self):
        specs = [_spec_struct(v) for v in self._arg_values]
        args, kwargs = sig.rebuild_call(self._binder, self._arg_names, specs)
        return args, kwargs

    def pretty_printed_signature(self, verbose: bool = True) -> str:
        args, kwargs = self.structured_input_signature
        params = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()]
        return f"{self.name}({', '.join(params)})"

    def __repr__(self) -> str:
        return f"<ConcreteFunction {self.pretty_printed_signature()}>"

    # --- calling -------------------------------------------------------------------------------
    def __call__(self, *args, **kwargs):
        names, values = self._binder.bind(args, kwargs)
        tensors = []
        for traced, given, name in zip(self._arg_values, values, names):
            _match(traced, given, name, tensors)
        return self._call_flat(tensors)

    def executor(self, device) -> Executor:
        optimized = self._optimized
        if optimized is None or optimized[0] != _config._version[0]:
            self.run_graph  # noqa: B018 - re-optimizes and drops stale executors
        ex = self._executors.get(device)
        if ex is None:
            ex = self._executors[device] = Executor(self.run_graph, device)
        return ex

    @property
    def run_graph(self) -> Graph:
        """The graph the executor runs: the traced one after the enabled passes."""
        version = options_version()
        if self._optimized is None or self._optimized[0] != version:
            self._optimized = (version, optimize_for_run(self.graph))
            self._executors = {}
        return self._optimized[1]

    def _fast_call(self, tensors: list, device):
        """The hot path: eager tensors, no tape, no trace."""
        ex = self._executors.get(device)
        if ex is None or self._optimized[0] != _config._version[0]:
            ex = self.executor(device)
        outs = ex.run(*[t._array if t._device is device else _array_on(t, device)
                        for t in tensors])
        if self._single:
            return Tensor(outs[0], device)
        return self._pack([Tensor(a, device) for a in outs])

    def _call_flat(self, tensors: list):
        if self._proxies:
            for i, proxy in self._proxies:
                proxy._bound_variable = tensors[i]
            bound = {i for i, _ in self._proxies}
            tensors = [t for i, t in enumerate(tensors) if i not in bound]
        c = ctx
        if c.graph is not None or c.tapes or any(type(t) is SymbolicTensor for t in tensors):
            # inline into a trace or into the graph of symbolic inputs (a Keras functional
            # model being built), or let the tapes watch every op
            outs = replay(self.graph, tensors)
        else:
            device = c.device
            arrays = [_array_on(t, device) for t in tensors]
            arrays = self.executor(device).run(*arrays)
            outs = [Tensor(a, device) for a in arrays]
        return self._pack(outs)

    def _pack(self, outs: list):
        if not self._out_tensor_pos:
            flat = list(self._flat_outputs)
        else:
            flat = list(self._flat_outputs)
            for pos, value in zip(self._out_tensor_pos, outs):
                flat[pos] = value
        if len(flat) == 1 and not nest.is_nested(self.structured_outputs):
            return flat[0]
        return nest.pack_sequence_as(self.structured_outputs, flat)


def _array_on(t, device):
    if type(t) is Tensor and t._device is device:
        return t._array
    if isinstance(t, np.ndarray):
        return device.backend.asarray(t) if device.backend.name != "numpy" else t
    if not isinstance(t, Tensor):
        t = convert_to_tensor(t)
    return t._array if t._device is device else _to_device(t, device)


def _same_python_value(traced, given) -> bool:
    if traced is given:
        return True
    try:
        return bool(traced == given)
    except Exception:  # noqa: BLE001 - objects without a usable __eq__ compare by identity
        return False


def _spec_struct(value):
    if type(value) is SymbolicTensor:
        return TensorSpec(value.shape, value.dtype, value.node.name)
    if isinstance(value, (list, tuple, dict)):
        return nest.map_structure(_spec_struct_leaf, value)
    return value


def _spec_struct_leaf(v):
    return TensorSpec(v.shape, v.dtype, v.node.name) if type(v) is SymbolicTensor else v


def _match(traced, given, name, tensors):
    """Checks one argument against the traced one and collects its tensors."""
    flat_t = nest.flatten(traced)
    flat_g = nest.flatten(given)
    if len(flat_t) != len(flat_g):
        raise TypeError(f"Argument {name!r} does not match the structure the concrete function "
                        f"was traced with: expected {traced!r}, got {given!r}.")
    for t, g in zip(flat_t, flat_g):
        if isinstance(t, VariableProxy):
            if not (isinstance(g, Variable) and g.dtype is t.dtype
                    and g.shape.as_tuple() == t.shape.as_tuple()):
                raise TypeError(f"Argument {name!r} must be a variable of shape {t.shape} and "
                                f"dtype {t.dtype.name}, got {g!r}.")
            tensors.append(g)
        elif type(t) is SymbolicTensor:
            if not isinstance(g, (Tensor, np.ndarray)) and not hasattr(g, "__tf_tensor__"):
                g = convert_to_tensor(g, dtype=t.dtype)
            elif hasattr(g, "__tf_tensor__"):
                g = g.__tf_tensor__()
            dtype = g.dtype if isinstance(g, Tensor) else sig.spec_of_value(g).dtype
            if dtype is not t.dtype or not t.shape.is_compatible_with(g.shape):
                raise TypeError(
                    f"Binding inputs to tf.function failed: argument {name!r} got a tensor of "
                    f"shape {tuple(g.shape)} and dtype {dtype.name}, but the concrete function "
                    f"expects shape {t.shape} and dtype {t.dtype.name}.")
            tensors.append(g)
        elif not _same_python_value(t, g):
            raise TypeError(f"Argument {name!r} was traced with the Python value {t!r}; this "
                            f"concrete function cannot be called with {g!r} (call the "
                            "tf.function instead, which traces again).")


class Function:
    """A Python function wrapped by `tf.function`: polymorphic, one trace per input signature."""

    def __init__(self, python_function, name: str | None = None, input_signature=None,
                 autograph: bool = True, jit_compile=None, reduce_retracing: bool = False,
                 experimental_attributes=None):
        self._python_function = python_function
        self._name = name or getattr(python_function, "__name__", "function")
        self._autograph = autograph
        self._jit_compile = jit_compile
        self._reduce_retracing = reduce_retracing
        self._input_signature = (tuple(input_signature) if input_signature is not None
                                 else None)
        self._binder = sig.Binder(python_function)
        # calls of plain positional tensors take a short path to the cache
        self._fast = self._binder.simple and input_signature is None
        self._cache = {}
        self._traces = []  # (shape-free key, specs, concrete): for calls that a trace covers
        self._tracing_count = 0
        self._call_count = 0
        self._trace_calls = []  # the call numbers at which traces happened
        self._last_trace = None  # (names, keys) of the most recent trace, for the warning
        self._warned = False
        self._variables_created = False
        self._converted = None
        self._unbound = None  # (function, weakref to the instance) for a bound method
        self._bound = weakref.WeakKeyDictionary()
        functools.update_wrapper(self, python_function, updated=())

    # --- public API ----------------------------------------------------------------------------
    @property
    def python_function(self):
        return self._python_function

    @property
    def input_signature(self):
        return self._input_signature

    @property
    def function_spec(self):
        return self._binder.sig

    def experimental_get_tracing_count(self) -> int:
        """How many times the Python function has been traced."""
        return self._tracing_count

    def __get__(self, instance, owner=None):
        """Methods: one Function (and one cache) per instance, weakly keyed by the instance."""
        if instance is None:
            return self
        try:
            bound = self._bound.get(instance)
        except TypeError:
            bound = None
        if bound is None:
            ref = weakref.ref(instance)
            fn = self._python_function

            @functools.wraps(fn)
            def method(*args, **kwargs):
                return fn(ref(), *args, **kwargs)

            method.__signature__ = _drop_first(fn)
            bound = Function(method, self._name, self._input_signature, self._autograph,
                             self._jit_compile, self._reduce_retracing)
            bound._unbound = (fn, ref)
            try:
                self._bound[instance] = bound
            except TypeError:
                pass
        return bound

    def __call__(self, *args, **kwargs):
        if _context._run_eagerly[0]:
            return self._python_function(*args, **kwargs)
        if ctx.graph is not None:
            return self._traceable()(*args, **kwargs)  # nested: inline into the outer trace
        self._call_count += 1
        if self._fast and not kwargs and len(args) == self._binder.nparams:
            key = []
            for a in args:
                if type(a) is not Tensor:
                    break
                arr = a._array
                key.append((arr.shape, arr.dtype))
            else:
                concrete = self._cache.get(tuple(key))
                if concrete is not None and not ctx.tapes:
                    return concrete._fast_call(args, ctx.device)
        concrete, tensors = self._lookup(args, kwargs)
        return concrete._call_flat(tensors)

    def get_concrete_function(self, *args, **kwargs) -> ConcreteFunction:
        """The trace for these arguments (tensors or TensorSpecs), tracing if needed."""
        if self._input_signature is not None and not args and not kwargs:
            args = self._input_signature
        args = nest.map_structure(_spec_value, args)
        kwargs = {k: nest.map_structure(_spec_value, v) for k, v in kwargs.items()}
        concrete, _ = self._lookup(args, kwargs)
        return concrete

    # --- tracing -------------------------------------------------------------------------------
    def _traceable(self):
        if self._converted is None:
            fn = self._python_function
            if self._autograph:
                if self._unbound is not None:
                    raw, ref = self._unbound
                    converted = convert(raw)

                    def fn(*args, **kwargs):
                        return converted(ref(), *args, **kwargs)
                else:
                    fn = convert(fn)
            self._converted = fn
        return self._converted

    def _lookup(self, args, kwargs):
        names, values = self._binder.bind(args, kwargs)
        if self._input_signature is not None:
            values = self._apply_signature(names, values)
        tensors = []
        key = tuple(sig.make_key(v, tensors) for v in values)
        concrete = self._cache.get(key)
        if concrete is not None:
            return concrete, tensors
        specs = [sig.spec_of_value(t) for t in tensors]
        free = sig.shape_free(key)
        for traced_free, traced_specs, traced in self._traces:
            # a trace with more general shapes (None dims) serves this call too
            if traced_free == free and all(sig.covers(g, s) for g, s in zip(traced_specs, specs)):
                self._cache[key] = traced
                return traced, tensors
        if self._input_signature is not None:
            n = len(nest.flatten(self._input_signature))
            specs = list(nest.flatten(self._input_signature)) + specs[n:]
        elif self._reduce_retracing:
            specs = self._relax_specs(free, specs)
        concrete = self._trace(names, values, specs, key)
        self._cache[key] = concrete
        self._traces.append((free, specs, concrete))
        return concrete, tensors

    def _apply_signature(self, names, values):
        """Converts the arguments the input_signature covers, refusing incompatible ones."""
        n = len(self._input_signature)
        extra = values[n:]
        if len(values) < n or any(v is not None for v in extra):
            raise TypeError(
                f"Binding inputs to tf.function failed: {self._name} has an input_signature of "
                f"{n} arguments and was called with {len(values)}: {values!r}.")
        out = []
        for spec_struct, v in zip(self._input_signature, values[:n]):
            flat_specs = nest.flatten(spec_struct)
            flat_vals = nest.flatten(v) if nest.is_nested(spec_struct) else [v]
            if len(flat_specs) != len(flat_vals):
                raise TypeError(f"Binding inputs to tf.function failed: expected a value "
                                f"matching {spec_struct!r}, got {v!r}.")
            conv = []
            for spec, x in zip(flat_specs, flat_vals):
                if type(x) is not sig.SpecValue:
                    x = x.__tf_tensor__() if hasattr(x, "__tf_tensor__") else (
                        x if isinstance(x, Tensor) else convert_to_tensor(x, dtype=spec.dtype))
                if not sig.covers(spec, sig.spec_of_value(x)):
                    raise TypeError(
                        f"Binding inputs to tf.function failed due to `Can not cast "
                        f"{sig.spec_of_value(x)!r} to {spec!r}`. Received args: {values!r}")
                conv.append(x)
            out.append(nest.pack_sequence_as(spec_struct, conv) if nest.is_nested(spec_struct)
                       else conv[0])
        return out + list(extra)

    def _relax_specs(self, free, specs):
        for traced_free, traced_specs, _ in reversed(self._traces):
            if traced_free == free:
                relaxed = [sig.relax(r, s) for r, s in zip(traced_specs, specs)]
                if all(r is not None for r in relaxed):
                    return relaxed
        return specs

    def _trace(self, names, values, specs, key) -> ConcreteFunction:
        self._note_trace(names, key)
        if self._jit_compile and self._tracing_count == 0:
            warnings.warn(
                f"tf.function({self._name}, jit_compile=True): tensorweave's kernel compiler is "
                "not available in this build, so the graph runs on its NumPy/CuPy kernels "
                "(after fusion and the other graph passes).", RuntimeWarning, stacklevel=4)
        first = not self._cache and not self._variables_created
        concrete = self._trace_once(names, values, specs, allow_variables=first)
        if first and concrete.graph.created_variables:
            # TensorFlow's rule: variables come from the first trace only; trace again to make
            # sure the function does not create new ones at every call.
            self._variables_created = True
            concrete = self._trace_once(names, values, specs, allow_variables=False)
        return concrete

    def _trace_once(self, names, values, specs, allow_variables: bool) -> ConcreteFunction:
        self._tracing_count += 1
        graph = Graph(self._name)
        graph.allow_variable_creation = allow_variables
        graph.arg_feeds = []
        spec_iter = iter(specs)
        traced_values = [_placeholders(graph, v, n, spec_iter) for n, v in zip(names, values)]
        args, kwargs = sig.rebuild_call(self._binder, names, traced_values)
        saved = (ctx.graph, ctx.tapes)
        ctx.graph, ctx.tapes = graph, []
        try:
            result = self._traceable()(*args, **kwargs)
        finally:
            ctx.graph, ctx.tapes = saved
        outputs = nest.map_structure(lambda o: _graph_output(graph, o), result) \
            if result is not None else None
        graph.outputs = [o for o in nest.flatten(outputs) if type(o) is SymbolicTensor]
        graph.structured_outputs = outputs
        concrete = ConcreteFunction(graph, self._binder, names, traced_values, outputs,
                                    self._name)
        # Objects keyed by identity stay alive with their trace, so that their id is never
        # reused by a new object that would then hit this trace.
        concrete._keepalive = [v for v in nest.flatten(values)
                               if not isinstance(v, (Tensor, np.ndarray, sig.SpecValue, int,
                                                     float, str, bool, type(None)))]
        return concrete

    def _note_trace(self, names, key):
        if not self._trace_calls:
            self._note_new_function()
        self._trace_calls.append(self._call_count)
        last = self._last_trace
        self._last_trace = (names, key)
        recent = self._trace_calls[-_FREQUENT_TRACES:]
        if (self._warned or len(recent) < _FREQUENT_TRACES
                or self._call_count - recent[0] >= 2 * _FREQUENT_TRACES):
            return
        self._warned = True
        changed = ""
        if last is not None and last[0] == names:
            diffs = [f"{n!r} ({sig.describe_key(a)} -> {sig.describe_key(b)})"
                     for n, a, b in zip(names, last[1], key) if a != b]
            if diffs:
                changed = f" The last retrace happened because argument {', '.join(diffs)} changed."
        span = self._call_count - recent[0] + 1
        warnings.warn(
            f"{_FREQUENT_TRACES} out of the last {span} calls to {self._python_function} triggered "
            f"tf.function retracing.{changed} Tracing is expensive and the excessive number of "
            "tracings could be due to (1) creating @tf.function repeatedly in a loop, (2) passing "
            "tensors with different shapes, (3) passing Python objects instead of tensors. For "
            "(1), please define your @tf.function outside of the loop. For (2), @tf.function has "
            "reduce_retracing=True option that can avoid unnecessary retracing. For (3), please "
            "refer to https://www.tensorflow.org/guide/function#controlling_retracing and "
            "https://www.tensorflow.org/api_docs/python/tf/function for more details.",
            RuntimeWarning, stacklevel=4)

    def _note_new_function(self):
        """Warns when many Function objects wrap the same code: @tf.function in a loop."""
        code = getattr(self._python_function, "__code__", None)
        if code is None or self._unbound is not None:
            return
        n = _functions_traced[code] = _functions_traced.get(code, 0) + 1
        if n == _FREQUENT_TRACES:
            warnings.warn(
                f"{n} tf.function objects wrapping {self._python_function.__qualname__} have "
                "each been traced: creating @tf.function repeatedly (in a loop, or inside "
                "another function) retraces every time. Define the tf.function once, outside "
                "the loop.", RuntimeWarning, stacklevel=5)

    def __repr__(self) -> str:
        return f"<tensorweave.Function {self._name}>"


def _spec_value(v):
    return sig.SpecValue(v) if isinstance(v, TensorSpec) else v


def _placeholders(graph: Graph, value, name: str, spec_iter):
    """`value` with each tensor replaced by a new placeholder of the next spec."""
    if isinstance(value, (Tensor, np.ndarray, sig.SpecValue)):
        spec = next(spec_iter)
        t = graph.add_placeholder(spec.shape, spec.dtype, spec.name or name)
        graph.arg_feeds.append(t)
        return t
    if isinstance(value, Variable):
        next(spec_iter)
        proxy = VariableProxy(value)
        graph.arg_feeds.append(proxy)
        return proxy
    if isinstance(value, (list, tuple, dict)) and nest.is_nested(value):
        flat = nest.flatten(value)
        if not any(isinstance(v, (Tensor, np.ndarray, sig.SpecValue, Variable, list, tuple,
                                  dict)) for v in flat):
            return value
        leaves = [_placeholders(graph, v, f"{name}_{i}" if i else name, spec_iter)
                  for i, v in enumerate(flat)]
        return nest.pack_sequence_as(value, leaves)
    return value


def _graph_output(graph: Graph, o):
    if o is None:
        return None
    if type(o) is SymbolicTensor:
        return o if o.graph is graph else graph.capture(o)
    if isinstance(o, Tensor):
        return graph.capture(o)
    if hasattr(o, "__tf_tensor__"):
        return _graph_output(graph, o.__tf_tensor__())
    return o


def _drop_first(fn):
    try:
        s = inspect.signature(fn)
    except (TypeError, ValueError):
        return None
    params = list(s.parameters.values())[1:]
    return s.replace(parameters=params)


def function(func=None, input_signature=None, autograph: bool = True, jit_compile=None,
             reduce_retracing: bool = False, experimental_implements=None,
             experimental_autograph_options=None, experimental_attributes=None,
             experimental_relax_shapes=None, experimental_compile=None,
             experimental_follow_type_hints=None):
    """Compiles a function into a callable TensorFlow graph (`tf.function`).

    Works as `@tf.function`, `@tf.function(input_signature=...)` and `tf.function(fn)`, on
    plain functions and on methods.

    >>> import tensorweave as tf
    >>> double = tf.function(lambda x: 2 * x)
    >>> double(tf.constant([1, 2])).numpy()
    array([2, 4], dtype=int32)
    """
    if experimental_relax_shapes is not None:
        reduce_retracing = reduce_retracing or experimental_relax_shapes
    if input_signature is not None:
        for s in nest.flatten(input_signature):
            if not isinstance(s, TensorSpec):
                raise TypeError(f"input_signature must be a possibly nested sequence of "
                                f"TensorSpec objects, got {s!r}")

    def decorate(fn):
        if isinstance(fn, Function):
            fn = fn.python_function
        return Function(fn, input_signature=input_signature, autograph=autograph,
                        jit_compile=jit_compile, reduce_retracing=reduce_retracing)

    return decorate if func is None else decorate(func)
