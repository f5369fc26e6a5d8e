"""Calling layers on Keras symbolic tensors: output specs from a shape-only trace, and the Node."""

from __future__ import annotations

from tensorweave.framework.context import ctx
from tensorweave.framework.tensor import SymbolicTensor, Tensor
from tensorweave.framework.tensor_shape import TensorShape
from tensorweave.keras.engine import keras_tensor as kt
from tensorweave.keras.engine.input_spec import assert_input_compatibility
from tensorweave.keras.engine.variables import AUTOCAST
from tensorweave.util import nest


class _SpecNode:
    """The origin of placeholder tensors made for compute_output_shape/spec."""

    name = "placeholder"
    inputs = ()
    outputs = ()


def _trace_call(layer, inputs, args, kwargs, sig):
    """Runs `layer.call` on symbolic tensors with a scratch KerasGraph as the current graph."""
    from tensorweave.keras.engine import layer as layer_mod

    layer._maybe_build(inputs)
    assert_input_compatibility(layer.input_spec, inputs, layer.name)
    call_kwargs = dict(kwargs)
    training = layer._resolve_call_kwargs(inputs, call_kwargs, sig)
    context = layer_mod._call_context
    saved_graph, saved_training, saved_losses = ctx.graph, context.training, len(layer._losses)
    ctx.graph = kt.KerasGraph()
    context.depth += 1
    context.training = training
    policy = layer.dtype_policy
    saved_cast = AUTOCAST.dtype
    if policy.compute_dtype != policy.variable_dtype:
        AUTOCAST.dtype = policy.compute_dtype
    try:
        outputs = layer.call(inputs, *args, **call_kwargs)
    except NotImplementedError:
        if type(layer).compute_output_shape is layer_mod.Layer.compute_output_shape:
            raise
        outputs = _from_output_shape(layer, inputs)
    finally:
        ctx.graph = saved_graph
        AUTOCAST.dtype = saved_cast
        context.depth -= 1
        context.training = saved_training
    # Losses added while tracing are symbolic: they belong to no real call.
    del layer._losses[saved_losses:]
    return outputs, call_kwargs


def _from_output_shape(layer, inputs):
    shapes = layer.compute_output_shape(nest.map_structure(
        lambda t: tuple(t.shape.as_tuple()), inputs))
    graph = kt.KerasGraph()
    return _map_shapes(shapes, lambda s: graph.tensor(_SpecNode(), 0, s, layer.compute_dtype))


def symbolic_call(layer, inputs, args: tuple, kwargs: dict, sig, record: bool = True):
    """`layer(keras_tensors)`: new Keras tensors of a LayerNode recording the call."""
    outputs, call_kwargs = _trace_call(layer, inputs, args, kwargs, sig)
    node = kt.LayerNode(layer, (inputs,) + tuple(args), dict(kwargs))
    flat = nest.flatten(outputs)
    new = []
    for i, t in enumerate(flat):
        if isinstance(t, Tensor) or isinstance(t, SymbolicTensor):
            new.append(kt.KERAS_GRAPH.tensor(node, len(new), t.shape, t.dtype))
        else:
            new.append(t)
    node.outputs = tuple(t for t in new if isinstance(t, SymbolicTensor))
    node.outputs_structure = outputs
    if record:
        layer._inbound_nodes.append(node)
    result = nest.pack_sequence_as(outputs, new) if nest.is_nested(outputs) else new[0]
    layer._propagate_mask(inputs, result, call_kwargs.get("mask"))
    return result


def _placeholders(structure):
    graph = kt.KerasGraph()

    def make(x):
        if isinstance(x, (Tensor, SymbolicTensor)) or hasattr(x, "dtype") and hasattr(x, "shape"):
            return graph.tensor(_SpecNode(), 0, TensorShape(x.shape), x.dtype)
        return x

    return nest.map_structure(make, structure)


def output_spec(layer, args: tuple, kwargs: dict):
    """The symbolic outputs of calling `layer` on tensors or TensorSpecs (nothing recorded)."""
    from tensorweave.keras.engine.layer import _signature

    args = _placeholders(args)
    kwargs = _placeholders(kwargs)
    sig = _signature(type(layer))
    return symbolic_call(layer, args[0], args[1:], kwargs, sig, record=False)


def _is_shape(x) -> bool:
    return isinstance(x, (tuple, TensorShape)) and all(
        d is None or isinstance(d, int) for d in (x.as_tuple() or () if isinstance(
            x, TensorShape) else x))


def output_shape(layer, input_shape):
    """compute_output_shape by a shape-only call: a tuple, or a structure of tuples."""
    from tensorweave.framework import dtypes
    from tensorweave.framework.tensor_spec import TensorSpec

    dtype = dtypes.as_dtype(layer.compute_dtype)
    if _is_shape(input_shape) or isinstance(input_shape, list) and input_shape and all(
            d is None or isinstance(d, int) for d in input_shape):
        specs = TensorSpec(tuple(input_shape), dtype)
    else:
        specs = _map_shapes(input_shape, lambda s: TensorSpec(tuple(s), dtype))
    out = output_spec(layer, (specs,), {})
    return nest.map_structure(lambda t: tuple(t.shape.as_tuple()), out)


def _map_shapes(structure, fn):
    if _is_shape(structure):
        return fn(structure)
    if isinstance(structure, dict):
        return {k: _map_shapes(v, fn) for k, v in structure.items()}
    return [_map_shapes(v, fn) for v in structure]
