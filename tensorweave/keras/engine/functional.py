"""The graph of a Functional model: layer calls recorded on symbolic tensors, replayed on data.

`FunctionalGraph(inputs, outputs)` walks back from the outputs through the nodes that produced them
(layer calls, and ops applied to symbolic tensors outside layers) to the inputs, and keeps the nodes
in the order Keras lists them (depth-first, post-order, outputs in order). `run` replays them on
real tensors, each layer through its own `__call__` (so training flags, masks and losses work as in
a direct call).
"""

from __future__ import annotations

from tensorweave.framework.op_def import execute
from tensorweave.framework.tensor import SymbolicTensor
from tensorweave.keras.engine import keras_tensor as kt
from tensorweave.util import nest


class FunctionalGraph:
    """Nodes between `inputs` and `outputs` (nested structures of Keras tensors)."""

    def __init__(self, inputs, outputs):
        self.inputs = inputs
        self.outputs = outputs
        self.flat_inputs = nest.flatten(inputs)
        self.flat_outputs = nest.flatten(outputs)
        for i, t in enumerate(self.flat_inputs):
            if not kt.is_keras_tensor(t):
                raise ValueError("All `inputs` values must be KerasTensors (from keras.Input). "
                                 f"Received: inputs={inputs} including invalid value {t!r} of "
                                 f"type {type(t)}")
        for t in self.flat_outputs:
            if not kt.is_keras_tensor(t):
                raise ValueError("All `outputs` values must be KerasTensors (outputs of layers "
                                 f"called on keras.Input). Received: outputs={outputs} including "
                                 f"invalid value {t!r} of type {type(t)}")
        self.nodes = self._sort()
        self.layers = []
        seen = set()
        for node in self.nodes:
            layer = getattr(node, "layer", None)
            if layer is not None and id(layer) not in seen:
                seen.add(id(layer))
                self.layers.append(layer)

    def _sort(self) -> list:
        """Depth-first post-order from the outputs; refuses tensors not reachable from inputs."""
        input_ids = {id(t) for t in self.flat_inputs}
        order, done, active = [], set(), set()

        def visit(t):
            if id(t) in input_ids:
                node = t.node
                if id(node) not in done:
                    done.add(id(node))
                    order.append(node)
                return
            node = t.node
            if id(node) in done:
                return
            if isinstance(node, kt.InputNode):
                raise ValueError(
                    f"Graph disconnected: cannot find parent for tensor {t.name} (of layer "
                    f"'{node.layer.name}'), which is not among the model's inputs. The "
                    "following previous layers were accessed without issue: "
                    f"{[getattr(n, 'name', '?') for n in order]}")
            if id(node) in active:
                raise ValueError("The model's graph has a cycle")
            if not isinstance(node, (kt.LayerNode, kt.OpNode, kt.VariableReadNode)):
                raise ValueError(f"Tensor {t.name} was not produced by a layer call on "
                                 "keras.Input tensors, so it cannot be a model output.")
            active.add(id(node))
            for parent in node.inputs:
                if isinstance(parent, SymbolicTensor):
                    visit(parent)
            active.discard(id(node))
            done.add(id(node))
            order.append(node)

        for t in self.flat_outputs:
            visit(t)
        for t in self.flat_inputs:  # inputs that no output uses still belong to the model
            visit(t)
        return order

    def run(self, flat_values: list):
        """The outputs (in the outputs' structure) for one value per flat input."""
        values = {id(t): v for t, v in zip(self.flat_inputs, flat_values)}

        def lookup(x):
            if isinstance(x, SymbolicTensor):
                try:
                    return values[id(x)]
                except KeyError:
                    raise ValueError(f"The model needs tensor {x.name} before it is "
                                     "computed") from None
            return x

        for node in self.nodes:
            if isinstance(node, kt.InputNode):
                continue
            if isinstance(node, kt.LayerNode):
                args = nest.map_structure(lookup, node.call_args)
                kwargs = nest.map_structure(lookup, node.call_kwargs)
                if "training" in kwargs and kwargs["training"] is None:
                    del kwargs["training"]  # the model's own call decides then
                result = node.layer(*args, **kwargs)
                flat = [x for x in nest.flatten(result) if hasattr(x, "shape")]
                if len(flat) != len(node.outputs):
                    raise ValueError(f"Layer '{node.layer.name}' returned {len(flat)} tensors "
                                     f"but returned {len(node.outputs)} when the model was "
                                     "built")
                for sym, value in zip(node.outputs, flat):
                    values[id(sym)] = value
            elif isinstance(node, kt.OpNode):
                result = execute(node.op, tuple(lookup(x) for x in node.inputs), node.attrs)
                result = result if isinstance(result, tuple) else (result,)
                for sym, value in zip(node.outputs, result):
                    values[id(sym)] = value
            else:  # a variable read
                values[id(node.outputs[0])] = node.var.value()
        return nest.pack_sequence_as(self.outputs, [values[id(t)] for t in self.flat_outputs])

    def layer_nodes(self, layer) -> list:
        """The nodes of this graph that call `layer`."""
        return [n for n in self.nodes if getattr(n, "layer", None) is layer]
