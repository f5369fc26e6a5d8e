"""ConcreteFunction: one trace of a tf.function, for one input signature, callable.

Its graph is the program as traced; `run_graph` that graph after the optimization passes, which
an executor per device runs on raw arrays. Calls bind variable arguments to their proxies, then
take the executor, or replay the graph op by op when tapes record or a trace is being built.
"""

from __future__ import annotations

import numpy as np

from tensorweave.framework.constant_op import convert_to_tensor
from tensorweave.framework.context import ctx
from tensorweave.framework.op_def import _to_device
from tensorweave.framework.tensor import SymbolicTensor, Tensor
from tensorweave.framework.tensor_spec import TensorSpec
from tensorweave.framework.variables import Variable
from tensorweave.graph import config as _config
from tensorweave.graph import signature as sig
from tensorweave.graph.config import options_version
from tensorweave.graph.executor import Executor
from tensorweave.graph.graph import Graph
from tensorweave.graph.passes import optimize_for_run
from tensorweave.graph.replay import replay
from tensorweave.util import nest


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
