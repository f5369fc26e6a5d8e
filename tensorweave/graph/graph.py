"""The graph IR: a flat list of nodes in trace (and so topological) order.

A `Node` is one op application `(op, inputs, attrs, outputs)`; its outputs are `SymbolicTensor`s
carrying static shapes and dtypes from the op's `infer`. Tracing appends nodes through the hooks
that `execute` and `Variable` call (`add_op`, `read_variable`, `on_variable_created`), so the
node list is in program order: stateful nodes (assignments, prints, random) run in the order
they were traced, which is TensorFlow's automatic control dependencies for free.

Eager tensors used by a trace become `Const` nodes (captured by reference: tensors are
immutable); variables are captured by reference in the attrs of their read and assign nodes and
read when the graph runs. Symbolic tensors of an enclosing graph (the body of a `cond` or
`while_loop` reading values of the function around it) become extra placeholders, listed in
`captures`.

    >>> import tensorweave as tf
    >>> f = tf.function(lambda x: x * 2.0 + 1.0)
    >>> print(f.get_concrete_function(tf.TensorSpec([2])).graph.as_text())  # doctest: +SKIP
"""

from __future__ import annotations

import itertools

import numpy as np

from tensorweave.framework import dtypes, errors
from tensorweave.framework.context import ctx, init_scope
from tensorweave.framework.op_def import OpDef, execute
from tensorweave.framework.tensor import SymbolicTensor, Tensor
from tensorweave.framework.tensor_shape import TensorShape
from tensorweave.framework.variables import read_variable_op
from tensorweave.graph.printer import graph_text
from tensorweave.ops._infer import Spec


class ConstValue:
    """The value of a `Const` node: an eager tensor, hashed by identity (attrs must hash)."""

    __slots__ = ("tensor",)

    def __init__(self, tensor: Tensor):
        self.tensor = tensor

    def __repr__(self) -> str:
        a = np.asarray(self.tensor.numpy())
        if a.size <= 4:
            return np.array2string(a, separator=", ").replace("\n", "")
        return f"<{a.dtype.name}{list(a.shape)}>"


def _placeholder_kernel(xp):
    raise RuntimeError("a Placeholder is fed by the executor, never run")


def _const_kernel(xp, *, value):
    return value.tensor._array


PLACEHOLDER = OpDef("Placeholder", _placeholder_kernel, None, stateful=True,
                    differentiable=False)
CONST = OpDef("Const", _const_kernel, None, differentiable=False)


class Node:
    """One op in a graph. `node.type` is the op's TensorFlow name, `node.name` unique in the graph.

    Gradient rules receive nodes (or tape records, which look the same): `op.inputs`,
    `op.outputs`, `op.attrs`, `op.get_attr(name)`.
    """

    __slots__ = ("op_def", "inputs", "attrs", "outputs", "name", "location", "graph")

    def __init__(self, graph, op_def: OpDef, inputs: tuple, attrs: dict, name: str,
                 location: str = ""):
        self.graph = graph
        self.op_def = op_def
        self.inputs = inputs
        self.attrs = attrs
        self.outputs = ()
        self.name = name
        self.location = location

    @property
    def type(self) -> str:
        return self.op_def.name

    @property
    def stateful(self) -> bool:
        return self.op_def.stateful

    def get_attr(self, name: str):
        return self.attrs[name]

    @property
    def device(self) -> str:
        return ""

    def __repr__(self) -> str:
        return f"<tf.Operation '{self.name}' type={self.type}>"


def spec_of(t) -> Spec:
    return Spec(t.shape.as_tuple(), t.dtype)


class Graph:
    """A traced computation: placeholders in `inputs`, nodes in program order, `outputs`.

    `captures` lists `(outer_tensor, placeholder)` for symbolic values of an enclosing graph used
    here; `variables` the variables the graph reads or assigns (by reference).
    """

    def __init__(self, name: str = "graph", outer=None):
        self.name = name
        self.outer = outer  # the graph this one is nested in (cond/while bodies), or None
        self.nodes: list[Node] = []
        self.inputs: list[SymbolicTensor] = []
        self.outputs: list = []
        self.captures: list[tuple] = []
        self._captured: dict = {}  # id(outside tensor) -> the tensor standing for it here
        self._names: dict = {}
        self.created_variables: list = []
        self.allow_variable_creation = True
        self.structured_outputs = None
        self.structured_input_signature = None
        self._version = 0  # bumped on every change, so executors know when to lower again
        # Sub-graphs (cond branches, loop bodies) read variables in the enclosing graph when
        # they have not assigned them, so that the read is an input of the control-flow node
        # and gradients reach the variable; `outer_tapes` are the tapes of that enclosing trace.
        self.hoist_reads = False
        self.no_hoist: set = set()
        self.outer_tapes: list = []
        self._assigned: set = set()
        self._hoisted: dict = {}

    # --- building ------------------------------------------------------------------------------
    def unique_name(self, base: str) -> str:
        n = self._names.get(base)
        if n is None:
            self._names[base] = 0
            return base
        for i in itertools.count(n + 1):
            name = f"{base}_{i}"
            if name not in self._names:
                self._names[base] = i
                self._names[name] = 0
                return name
        raise AssertionError  # unreachable

    def _new_node(self, op_def: OpDef, inputs: tuple, attrs: dict, specs, name=None,
                  location: str = "") -> Node:
        node = Node(self, op_def, inputs, attrs, self.unique_name(name or op_def.name), location)
        node.outputs = tuple(SymbolicTensor(self, node, i, s[0], s[1]) for i, s in enumerate(specs))
        self.nodes.append(node)
        self._version += 1
        return node

    def add_placeholder(self, shape, dtype, name: str = "x") -> SymbolicTensor:
        """A new graph input of the given (partial) shape and dtype."""
        shape = TensorShape(shape).as_tuple()
        node = self._new_node(PLACEHOLDER, (), {"shape": shape, "dtype": dtypes.as_dtype(dtype)},
                              [(shape, dtypes.as_dtype(dtype))], name)
        t = node.outputs[0]
        self.inputs.append(t)
        return t

    def constant(self, value: Tensor) -> SymbolicTensor:
        """The node standing for an eager tensor used by the trace (made once per tensor)."""
        key = id(value)
        found = self._captured.get(key)
        if found is not None:
            return found
        node = self._new_node(CONST, (), {"value": ConstValue(value)},
                              [(value.shape.as_tuple(), value.dtype)], "Const")
        self._captured[key] = node.outputs[0]
        return node.outputs[0]

    def capture(self, t) -> SymbolicTensor:
        """`t` (eager, or a symbolic tensor of an enclosing graph) as a tensor of this graph."""
        if type(t) is SymbolicTensor:
            if t.graph is self:
                return t
            found = self._captured.get(id(t))
            if found is not None:
                return found
            # symbolic values of a shape-only graph of another kind (Keras functional models)
            # are captured like those of an enclosing graph
            if isinstance(t.graph, Graph) and not self._encloses(t.graph):
                raise errors.InvalidArgumentError(None, None, (
                    f"The symbolic tensor {t.name} belongs to another traced function: a tensor "
                    f"computed inside one tf.function cannot be used outside it (return it "
                    f"instead)."))
            inner = self.add_placeholder(t.shape, t.dtype, "capture")
            self.inputs.pop()  # captures are listed apart from the declared inputs
            self.captures.append((t, inner))
            self._captured[id(t)] = inner
            return inner
        if isinstance(t, Tensor):
            return self.constant(t)
        if hasattr(t, "__tf_tensor__"):
            return self.capture(t.__tf_tensor__())
        raise TypeError(f"Expected a tensor as an op input, got {type(t).__name__}: {t!r}")

    def _encloses(self, g) -> bool:
        outer = self.outer
        while outer is not None:
            if outer is g:
                return True
            outer = getattr(outer, "outer", None)  # other graph kinds (Keras) nest in nothing
        return False

    def add_op(self, op_def: OpDef, inputs, attrs: dict, name: str | None = None):
        """Appends a node for `op_def` and returns its output(s) (the hook `execute` calls)."""
        own = tuple(t if type(t) is SymbolicTensor and t.graph is self else self.capture(t)
                    for t in inputs)
        try:
            specs = op_def.infer(*[spec_of(t) for t in own], **attrs) if op_def.infer else None
        except (ValueError, TypeError) as e:
            where = errors.user_location()
            got = ", ".join(f"{list(s.shape) if s.shape is not None else '<unknown>'} "
                            f"{s.dtype.name}" for s in (spec_of(t) for t in own))
            raise type(e)(f"{e} [Op:{op_def.name}] inputs: ({got})"
                          + (f" (called at {where})" if where else "")) from e
        n = op_def.num_outputs
        if n == 0:
            specs = ()
        elif n == 1:
            specs = (specs,)
        node = self._new_node(op_def, own, dict(attrs), specs, name,
                              errors.user_location())
        if n == 0 and "var" in attrs:
            self._assigned.add(id(attrs["var"]))
        outs = node.outputs
        result = None if n == 0 else (outs[0] if n == 1 else tuple(outs))
        c = ctx
        if c.tapes and op_def.differentiable and c.graph is self:
            for tape in c.tapes:
                tape.record(op_def, tuple(inputs), attrs, result)
        return result

    def read_variable(self, var, _tapes=None) -> SymbolicTensor:
        """A read of `var` at this point of the program (the hook `Variable.value` calls)."""
        key = id(var)
        if (self.hoist_reads and self.outer is not None and key not in self._assigned
                and key not in self.no_hoist):
            found = self._hoisted.get(key)
            if found is None:
                outer_t = self.outer.read_variable(var, self.outer_tapes)
                found = self._hoisted[key] = self.capture(outer_t)
            return found
        t = self.add_op(read_variable_op, (), {"var": var})
        tapes = ctx.tapes if ctx.graph is self else (_tapes or ())
        for tape in tapes:
            tape.variable_read(var, t)
        return t

    def on_variable_created(self, var) -> None:
        """Called by `tf.Variable` created while this graph is traced: TensorFlow's rule that
        a function creates variables on its first trace only."""
        if not self.allow_variable_creation:
            raise ValueError(
                "tf.function only supports singleton tf.Variables created on the first call. "
                "Make sure the tf.Variable is only created once or created outside tf.function. "
                "See https://www.tensorflow.org/guide/function#creating_tfvariables for more "
                "information.")
        self.created_variables.append(var)

    def lift_to_eager(self, t):
        """The value of `t` computed eagerly now, when it depends on no graph input (a
        variable's initial value built inside a trace); `t` itself otherwise."""
        needed, stack = {}, [t.node]
        while stack:
            node = stack.pop()
            if id(node) in needed:
                continue
            if node.op_def is PLACEHOLDER:
                return t
            needed[id(node)] = node
            stack.extend(i.node for i in node.inputs)
        env = {}
        with init_scope():
            for node in self.nodes:  # program order
                if id(node) not in needed:
                    continue
                if node.op_def is CONST:
                    env[id(node.outputs[0])] = node.attrs["value"].tensor
                    continue
                result = execute(node.op_def, tuple(env[id(i)] for i in node.inputs), node.attrs)
                outs = (result,) if node.op_def.num_outputs == 1 else (result or ())
                for o, r in zip(node.outputs, outs):
                    env[id(o)] = r
        return env[id(t)]

    # --- inspection ----------------------------------------------------------------------------
    def get_operations(self) -> list:
        """The nodes in program order (placeholders and constants included)."""
        return list(self.nodes)

    def get_operation_by_name(self, name: str) -> Node:
        for node in self.nodes:
            if node.name == name:
                return node
        raise KeyError(f"The name {name!r} refers to an Operation not in the graph.")

    def get_tensor_by_name(self, name: str) -> SymbolicTensor:
        op_name, _, index = name.partition(":")
        return self.get_operation_by_name(op_name).outputs[int(index or 0)]

    @property
    def variables(self) -> list:
        seen = {}
        for node in self.nodes:
            var = node.attrs.get("var")
            if var is not None:
                seen.setdefault(id(var), var)
        return list(seen.values())

    def optimize(self, level: int = 2) -> "Graph":
        """A new graph after the optimization passes of `level` (see graph/passes)."""
        from tensorweave.graph.passes import optimize  # passes build Graphs: imported late

        return optimize(self, level)

    def as_text(self) -> str:
        """A readable listing, one node a line: `%name: shape dtype = Op(inputs) {attrs}`."""
        return graph_text(self)

    def __repr__(self) -> str:
        return f"<Graph {self.name!r}: {len(self.nodes)} nodes>"

    def as_graph_def(self):
        raise NotImplementedError("GraphDef protos are not produced by tensorweave; use "
                                  "Graph.as_text() to inspect a graph.")
