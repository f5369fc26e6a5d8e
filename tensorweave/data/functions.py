"""User functions inside a pipeline (map, filter, scan's and group_by_window's key ...).

As TensorFlow does, the function is traced once into a graph (with tensorweave's `tf.function`)
for the element spec of its input; each element then runs that graph's lowered executor directly
on the element's arrays, with no Tensor wrapping and no tape. Python side effects therefore run
once, at trace time, as in TensorFlow.

A function that cannot be traced (it calls `.numpy()`, NumPy or other Python on its arguments)
runs eagerly on each element instead, which gives the same values; its output spec is then learned
from the first element. `StructuredFunction.traced` says which path a function took.
"""

from __future__ import annotations

import warnings

import numpy as np

from tensorweave.data import structure
from tensorweave.framework.constant_op import convert_to_tensor
from tensorweave.framework.context import CPU0, ctx, init_scope
from tensorweave.framework.tensor import SymbolicTensor, Tensor
from tensorweave.framework.tensor_spec import TensorSpec
from tensorweave.graph.function import function
from tensorweave.util import nest


def _can_trace(input_spec) -> bool:
    leaves = nest.flatten(input_spec)
    return all(isinstance(s, TensorSpec) for s in leaves)


class StructuredFunction:
    """`fn` applied to elements of `input_spec`; tuples are unpacked into positional arguments."""

    def __init__(self, fn, input_spec, transformation: str, trace: bool = True):
        if not callable(fn):
            raise TypeError(f"`{transformation}` expects a callable, got {type(fn).__name__}.")
        self.fn = fn
        self.input_spec = input_spec
        self.transformation = transformation
        self._output_spec = None
        self._run = None  # the traced graph's executor: flat arrays in, flat arrays out
        self.rowwise = False  # whether the traced graph may run on a batch of elements at once
        self.trace_error: Exception | None = None
        if trace and _can_trace(input_spec):
            self._trace()

    @property
    def traced(self) -> bool:
        return self._run is not None

    def _python_args(self, flat: tuple):
        args = structure.to_tensors(self.input_spec, flat)
        return args if type(args) is tuple else (args,)

    def _trace(self) -> None:
        specs = nest.flatten(self.input_spec)
        spec, fn = self.input_spec, self.fn

        def flat_fn(*flat):
            args = flat[0] if len(flat) == 1 and not nest.is_nested(spec) else \
                nest.pack_sequence_as(spec, list(flat))
            result = fn(*args) if type(args) is tuple else fn(args)
            return nest.map_structure(_as_tensor, structure.normalize(result))

        try:
            with warnings.catch_warnings():
                # Pipelines built per element (group_by_window's reduce_func, flat_map's inner
                # datasets) trace many small functions by design: not the user's retracing.
                warnings.filterwarnings("ignore", ".*tf.function objects wrapping",
                                        RuntimeWarning)
                concrete = function(flat_fn).get_concrete_function(*specs)
        except Exception as e:  # noqa: BLE001 - untraceable Python: run eagerly instead
            self.trace_error = e
            return
        outputs = concrete.structured_outputs
        leaves = nest.flatten(outputs)
        if not all(type(o) is SymbolicTensor for o in leaves):
            self.trace_error = TypeError(f"non-tensor outputs {outputs!r}")
            return
        self._output_spec = nest.map_structure(lambda t: TensorSpec(t.shape, t.dtype), outputs)
        run = concrete.executor(CPU0).run
        count = len(leaves)

        def call(*arrays):
            out = run(*arrays)
            if count == 1 and not isinstance(out, (tuple, list)):
                out = (out,)
            return tuple(a if type(a) is np.ndarray else np.asarray(a) for a in out)

        self._run = call
        self.rowwise = _rowwise(concrete.graph)

    def call_rows(self, *rows) -> tuple:
        """The traced function on a batch of elements stacked along a new first dimension
        (valid only when `rowwise`)."""
        return self._run(*rows)

    def call_tensors(self, flat: tuple, *extra):
        """The raw Python result of `fn` on one element given as flat arrays (eagerly)."""
        return self.fn(*extra, *self._python_args(flat))

    def call(self, flat: tuple) -> tuple:
        """`fn` on one element: the result as flat arrays (its spec is learned on first call)."""
        if self._run is not None:
            return self._run(*flat)
        graph = ctx.graph
        if graph is not None:
            # An element computed while a trace is open must not land in that trace.
            with init_scope():
                return self.call(flat)
        value = structure.normalize(self.call_tensors(flat))
        out = structure.flatten_element(value)
        if self._output_spec is None:
            self._output_spec = structure.structure_of(
                value, [structure.spec_of_array(a) for a in out])
        return out

    def output_spec(self, sample_flat) -> object:
        """The output spec; from the trace, else by calling `fn` on `sample_flat()`."""
        if self._output_spec is None:
            self.call(sample_flat())
        return self._output_spec


def _rowwise(graph) -> bool:
    """Whether `graph` computes each output row from the same input row alone, so that running
    it on stacked elements equals stacking its results: only stateless elementwise ops, whose
    element-derived inputs all have one fully known shape and whose constants broadcast from
    the right without adding dimensions (a leading batch dimension then lines up)."""
    derived = {id(t): t.shape for t in graph.inputs}
    for node in graph.nodes:
        kind = node.op_def.name
        if kind in ("Placeholder", "Const"):
            continue
        op = node.op_def
        if not op.elementwise or op.stateful or len(node.outputs) != 1:
            return False
        shapes = [derived[id(t)] for t in node.inputs if id(t) in derived]
        if not shapes:
            continue  # computed from constants only: a constant too
        dims = shapes[0].as_tuple()
        if dims is None or None in dims or any(s.as_tuple() != dims for s in shapes):
            return False
        for t in node.inputs:
            if id(t) not in derived and (t.shape.rank is None or t.shape.rank > len(dims)):
                return False
        if node.outputs[0].shape.as_tuple() != dims:
            return False
        derived[id(node.outputs[0])] = node.outputs[0].shape
    return all(id(t) in derived for t in graph.outputs)


def _as_tensor(value):
    if isinstance(value, Tensor) or value is None:
        return value
    if hasattr(value, "_node") and hasattr(value, "element_spec"):
        raise TypeError("a dataset cannot be a map output")
    return convert_to_tensor(value)


def predicate_value(result, transformation: str) -> bool:
    """A predicate's result as a Python bool; it must be a scalar bool tensor, as in TensorFlow."""
    if isinstance(result, tuple) and len(result) == 1:
        result = result[0]
    if isinstance(result, bool) or type(result) is np.bool_:
        return bool(result)
    a = result if isinstance(result, np.ndarray) else structure.leaf_array(result)
    if a.dtype != bool or a.ndim != 0:
        raise ValueError(f"Invalid `predicate` for {transformation}: it must return a scalar "
                         f"tf.bool tensor, got shape {a.shape} dtype {a.dtype}.")
    return bool(a)


def first_element(node):
    """A function giving the first element of `node` (raises if it is empty)."""
    def sample():
        for flat in node.iterate():
            return flat
        raise ValueError(f"Cannot infer the element structure of an untraceable function's "
                         f"output over an empty dataset ({type(node).__name__}).")
    return sample


__all__ = ["StructuredFunction", "predicate_value", "first_element"]
