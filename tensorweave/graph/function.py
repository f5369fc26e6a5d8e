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
from tensorweave.framework.tensor import SymbolicTensor, Tensor
from tensorweave.framework.tensor_spec import TensorSpec
from tensorweave.framework.variables import Variable
from tensorweave.graph import signature as sig
from tensorweave.graph.autograph import convert
from tensorweave.graph.concrete import ConcreteFunction, VariableProxy
from tensorweave.graph.graph import Graph
from tensorweave.util import nest

__all__ = ["function", "Function", "ConcreteFunction"]

_FREQUENT_TRACES = 5  # TensorFlow's threshold for the retracing warning
_functions_traced: dict = {}  # code object -> how many Function objects around it traced


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
            if not self._autograph:
                self._converted = self._python_function
            elif self._unbound is not None:
                raw, ref = self._unbound
                converted = convert(raw)

                def method(*args, **kwargs):
                    return converted(ref(), *args, **kwargs)

                self._converted = method
            else:
                self._converted = convert(self._python_function)
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
