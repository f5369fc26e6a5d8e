"""Traced graphs as JSON, so a SavedModel's functions run without the Python that made them.

A node is written as its op's registered name, its inputs (node index, output index), its output
specs and its attributes. Attributes are plain JSON values with tags for the rest: dtypes,
tuples, constants (their arrays go to the variables bundle under `constants/<n>`), variables
(by checkpoint key) and the sub-graphs of control flow. Loading looks ops up in the registry;
nothing is unpickled or evaluated.
"""

from __future__ import annotations

import importlib

import numpy as np

from tensorweave.framework import dtypes
from tensorweave.framework.op_def import REGISTRY
from tensorweave.framework.tensor import SymbolicTensor, Tensor
from tensorweave.framework.tensor_spec import TensorSpec
from tensorweave.framework.variables import Variable
from tensorweave.graph.graph import CONST, PLACEHOLDER, ConstValue, Graph

# Modules whose import registers ops that a saved graph may name.
_OP_MODULES = ("tensorweave.ops.control_flow_ops", "tensorweave.ops.logging_ops",
               "tensorweave.keras.optimizers", "tensorweave.ops.conv_ops")


class Writer:
    """Collects the constants and variables that serialized graphs refer to."""

    def __init__(self, variable_keys: dict):
        self.variable_keys = variable_keys  # id(variable) -> checkpoint key
        self.extra_variables: dict = {}     # key -> variable, for variables outside the object
        self.constants: dict = {}           # key -> numpy array

    def variable(self, var) -> str:
        key = self.variable_keys.get(id(var))
        if key is None:
            key = f"captured/{len(self.extra_variables)}"
            self.variable_keys[id(var)] = key
            self.extra_variables[key] = var
        return key

    def attr(self, value, where: str):
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        if isinstance(value, (np.integer, np.floating, np.bool_)):
            return value.item()
        if isinstance(value, dtypes.DType):
            return {"__dtype__": value.name}
        if isinstance(value, tuple):
            return {"__tuple__": [self.attr(v, where) for v in value]}
        if isinstance(value, list):
            return [self.attr(v, where) for v in value]
        if isinstance(value, dict):
            return {"__dict__": [[self.attr(k, where), self.attr(v, where)]
                                 for k, v in value.items()]}
        if isinstance(value, ConstValue):
            key = f"constants/{len(self.constants)}"
            self.constants[key] = np.asarray(value.tensor.numpy())
            return {"__const__": key}
        if isinstance(value, Variable):
            return {"__variable__": self.variable(value)}
        if isinstance(value, np.ndarray):
            key = f"constants/{len(self.constants)}"
            self.constants[key] = value
            return {"__array__": key}
        if type(value).__name__ == "SubFunction":
            return {"__subfunction__": {"graph": self.graph(value.graph),
                                        "n_leading": value.n_leading,
                                        "cap_index": list(value.cap_index)}}
        if isinstance(value, Graph):
            return {"__graph__": self.graph(value)}
        raise NotImplementedError(
            f"Saving a graph whose node {where} has an attribute of type "
            f"{type(value).__name__} ({value!r}) is not supported: it cannot be written without "
            "pickling. Keep Python objects out of tf.function graphs you export.")

    def graph(self, graph: Graph) -> dict:
        index = {}
        nodes = []
        for n, node in enumerate(graph.nodes):
            for i, o in enumerate(node.outputs):
                index[id(o)] = [n, i]
            nodes.append({
                "op": node.op_def.name, "name": node.name, "location": node.location,
                "inputs": [index[id(t)] for t in node.inputs],
                "outputs": [[_shape(o.shape), o.dtype.name] for o in node.outputs],
                "attrs": {k: self.attr(v, f"{node.name} ({node.op_def.name})")
                          for k, v in node.attrs.items()},
            })
        return {"name": graph.name, "nodes": nodes,
                "inputs": [index[id(t)] for t in graph.inputs],
                "captures": [index[id(inner)] for _, inner in graph.captures],
                "outputs": [index[id(t)] for t in graph.outputs]}


def _shape(shape):
    rank = shape.rank if hasattr(shape, "rank") else (None if shape is None else len(shape))
    return None if rank is None else list(shape.as_list() if hasattr(shape, "as_list")
                                          else shape)


class Reader:
    """Rebuilds graphs, resolving constants and variables through the loaded bundle."""

    def __init__(self, constants, variables: dict):
        self.constants = constants  # key -> numpy array (a callable lookup)
        self.variables = variables  # key -> Variable

    def attr(self, value):
        if isinstance(value, list):
            return [self.attr(v) for v in value]
        if not isinstance(value, dict):
            return value
        (tag, payload), = value.items()
        if tag == "__dtype__":
            return dtypes.as_dtype(payload)
        if tag == "__tuple__":
            return tuple(self.attr(v) for v in payload)
        if tag == "__dict__":
            return {_hashable(self.attr(k)): self.attr(v) for k, v in payload}
        if tag == "__const__":
            return ConstValue(Tensor(self.constants(payload)))
        if tag == "__array__":
            return self.constants(payload)
        if tag == "__variable__":
            return self.variables[payload]
        if tag == "__subfunction__":
            from tensorweave.graph.subgraph import SubFunction

            return SubFunction(self.graph(payload["graph"]), payload["n_leading"],
                               tuple(payload["cap_index"]))
        if tag == "__graph__":
            return self.graph(payload)
        raise ValueError(f"Unknown attribute tag {tag!r} in a saved graph.")

    def graph(self, data: dict) -> Graph:
        graph = Graph(data["name"])
        built = []
        for spec in data["nodes"]:
            op_def = _lookup_op(spec["op"])
            inputs = tuple(built[n].outputs[i] for n, i in spec["inputs"])
            outputs = [(None if s is None else tuple(s), dtypes.as_dtype(d))
                       for s, d in spec["outputs"]]
            attrs = {k: self.attr(v) for k, v in spec["attrs"].items()}
            built.append(graph._new_node(op_def, inputs, attrs, outputs, spec["name"],
                                         spec.get("location", "")))
        graph.inputs = [built[n].outputs[i] for n, i in data["inputs"]]
        graph.captures = [(None, built[n].outputs[i]) for n, i in data["captures"]]
        graph.outputs = [built[n].outputs[i] for n, i in data["outputs"]]
        return graph


def _hashable(v):
    return tuple(v) if isinstance(v, list) else v


def _lookup_op(name: str):
    if name == "Placeholder":
        return PLACEHOLDER
    if name == "Const":
        return CONST
    if name not in REGISTRY:
        for module in _OP_MODULES:
            try:
                importlib.import_module(module)
            except ImportError:
                continue
    try:
        return REGISTRY[name]
    except KeyError:
        raise ValueError(f"The saved graph uses op {name!r}, which this tensorweave does not "
                         "define.") from None


# --- structures of arguments and results ------------------------------------------------------

def encode_structure(value, tensors: list | None = None):
    """JSON for a nest of specs, symbolic tensors and Python values.

    With `tensors` (a graph's outputs), a symbolic tensor is written as its position there.
    """
    if isinstance(value, (SymbolicTensor, TensorSpec)) or (
            hasattr(value, "shape") and hasattr(value, "dtype") and not isinstance(value, (
                np.ndarray, np.generic))):
        if tensors is not None and isinstance(value, SymbolicTensor):
            for i, t in enumerate(tensors):
                if t is value:
                    return {"__tensor__": i}
            raise ValueError(f"The result {value} is not among the function's graph outputs.")
        return {"__spec__": [_shape(value.shape), value.dtype.name,
                             getattr(value, "name", None) if isinstance(value, TensorSpec)
                             else None]}
    if isinstance(value, tuple):
        return {"__tuple__": [encode_structure(v, tensors) for v in value]}
    if isinstance(value, list):
        return [encode_structure(v, tensors) for v in value]
    if isinstance(value, dict):
        return {"__dict__": [[k, encode_structure(v, tensors)] for k, v in value.items()]}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return value.item()
    raise NotImplementedError(f"Cannot save a function argument or result of type "
                              f"{type(value).__name__} ({value!r}).")


def decode_structure(data, tensors=None):
    """The inverse of `encode_structure`: specs become TensorSpecs, numbered tensors `tensors[i]`."""
    if isinstance(data, list):
        return [decode_structure(v, tensors) for v in data]
    if not isinstance(data, dict):
        return data
    (tag, payload), = data.items()
    if tag == "__spec__":
        shape, dtype, name = payload
        return TensorSpec(shape, dtype, name)
    if tag == "__tensor__":
        return tensors[payload]
    if tag == "__tuple__":
        return tuple(decode_structure(v, tensors) for v in payload)
    if tag == "__dict__":
        return {k: decode_structure(v, tensors) for k, v in payload}
    raise ValueError(f"Unknown structure tag {tag!r} in a saved function.")
