"""Keras symbolic tensors: shapes and dtypes flowing through layer calls, without running kernels.

`keras.Input` makes a `SymbolicTensor` of a `KerasGraph`. Calling a layer on it runs the layer's
`call` with `ctx.graph` set to a scratch KerasGraph, so every op adds a node whose output specs come
from the op's own `infer`; the layer's outputs then become fresh tensors of a `LayerNode` that
records the call (layer, arguments), which is what a Functional model replays. Ops applied to
symbolic tensors outside any layer (`x * 2`, `tf.reshape(x, ...)`) become `OpNode`s that are
replayed too.
"""

from __future__ import annotations

import itertools
import weakref

from tensorweave.framework import dtypes
from tensorweave.framework.tensor import SymbolicTensor, Tensor
from tensorweave.framework.tensor_shape import TensorShape
from tensorweave.ops._infer import Spec

_ids = itertools.count()


class OpNode:
    """One op applied to symbolic tensors: replayed with the op's kernel by Functional models."""

    def __init__(self, op, inputs: tuple, attrs: dict):
        self.op = op
        self.inputs = tuple(inputs)
        self.attrs = dict(attrs)
        self.name = f"{op.name}_{next(_ids)}"
        self.outputs: tuple = ()


class VariableReadNode:
    """A variable read inside a symbolic layer call."""

    def __init__(self, var):
        self.var = var
        self.inputs = ()
        self.name = f"read_{next(_ids)}"
        self.outputs: tuple = ()


class InputNode:
    """Where a `keras.Input` tensor comes from: an InputLayer."""

    def __init__(self, layer):
        self.layer = layer
        self.inputs = ()
        self.name = layer.name
        self.outputs: tuple = ()


class LayerNode:
    """One call of a layer on symbolic tensors (Keras's Node): its arguments and outputs."""

    def __init__(self, layer, args: tuple, kwargs: dict, outputs_structure=None):
        from tensorweave.util import nest

        self.layer = layer
        self.call_args = args
        self.call_kwargs = kwargs
        self.inputs = tuple(t for t in nest.flatten((args, kwargs)) if is_keras_tensor(t))
        self.name = layer.name
        self.outputs: tuple = ()
        self.outputs_structure = outputs_structure

    @property
    def input_tensors(self) -> tuple:
        return self.inputs

    @property
    def output_tensors(self) -> tuple:
        return self.outputs


class KerasGraph:
    """A shape-only graph: the `ctx.graph` hooks (`add_op`, `read_variable`, `on_variable_created`)
    answered from each op's `infer`, so nothing runs."""

    def add_op(self, op, inputs, attrs):
        if op.infer is None:
            raise NotImplementedError(
                f"Op {op.name} has no shape inference, so it cannot be applied to Keras "
                "symbolic tensors (keras.Input); call the model on real data instead.")
        specs = [_spec(t) for t in inputs]
        result = op.infer(*specs, **attrs)
        node = OpNode(op, inputs, attrs)
        if op.num_outputs == 0:
            return None
        if isinstance(result, Spec):
            node.outputs = (self.tensor(node, 0, result.shape, result.dtype),)
            return node.outputs[0]
        node.outputs = tuple(self.tensor(node, i, s.shape, s.dtype) for i, s in enumerate(result))
        return node.outputs

    def read_variable(self, var):
        node = VariableReadNode(var)
        node.outputs = (self.tensor(node, 0, var.shape, var.dtype),)
        return node.outputs[0]

    def on_variable_created(self, var) -> None:
        """Variables created during a symbolic call are real (eager) variables: nothing to do."""

    def tensor(self, node, index: int, shape, dtype) -> SymbolicTensor:
        return SymbolicTensor(self, node, index, TensorShape(shape), dtypes.as_dtype(dtype))


# The graph every keras.Input and layer output lives in; scratch graphs serve single layer calls.
KERAS_GRAPH = KerasGraph()


def _spec(t) -> Spec:
    if isinstance(t, (Tensor,)) or hasattr(t, "shape"):
        return Spec(TensorShape(t.shape).as_tuple(), t.dtype)
    raise TypeError(f"Expected a tensor as op input, got {t!r}")


def is_keras_tensor(x) -> bool:
    """True for symbolic tensors made by keras.Input and layers called on them."""
    return type(x) is SymbolicTensor and isinstance(x.graph, KerasGraph)


def keras_history(t: SymbolicTensor):
    """(layer, node, tensor_index) that produced a Keras symbolic tensor (layer None for ops)."""
    node = t.node
    return getattr(node, "layer", None), node, t.value_index


# --- masks: Keras attaches `_keras_mask` to tensors; ours are slotted, so a side table ---------
_MASKS: dict = {}


def set_mask(t, mask) -> None:
    """Attaches `mask` to tensor `t` (None removes it). Entries vanish with the tensor."""
    key = id(t)
    if mask is None:
        _MASKS.pop(key, None)
        return
    try:
        ref = weakref.ref(t, lambda _, k=key: _MASKS.pop(k, None))
    except TypeError:
        return
    _MASKS[key] = (ref, mask)


def get_mask(t):
    """The mask attached to `t` by a masking layer, or None."""
    entry = _MASKS.get(id(t))
    if entry is not None and entry[0]() is t:
        return entry[1]
    return None
