"""get_config/from_config of Functional models in Keras 3's layout (layers with inbound_nodes)."""

from __future__ import annotations

from tensorweave.framework.tensor import SymbolicTensor
from tensorweave.keras.engine import keras_tensor as kt
from tensorweave.util import nest


def serialize_layer(layer) -> dict:
    from tensorweave.keras.saving.serialization import serialize_keras_object

    config = serialize_keras_object(layer)
    if isinstance(config, dict) and config.get("class_name") == "InputLayer" and \
            config.get("module") == "keras":
        # Keras 3 finds InputLayer only under keras.layers (the class lives in our engine).
        config = {**config, "module": "keras.layers"}
    return config


def deserialize_layer(config: dict, custom_objects=None):
    from tensorweave.keras.saving.serialization import deserialize_keras_object

    return deserialize_keras_object(config, custom_objects=custom_objects)


def _node_indices(graph) -> dict:
    """id(node) -> (layer name, index of the node among that layer's calls in this model)."""
    counts, out = {}, {}
    for node in graph.nodes:
        layer = getattr(node, "layer", None)
        if layer is None:
            raise NotImplementedError(
                f"Serializing a Functional model that applies op {node.name} directly to "
                "symbolic tensors is not supported: wrap the op in a layer (keras.layers.Lambda "
                "or a Layer subclass) to save the model's architecture.")
        i = counts.get(id(layer), 0)
        counts[id(layer)] = i + 1
        out[id(node)] = (layer.name, i)
    return out


def functional_config(model) -> dict:
    """The Keras 3 config of a Functional model."""
    graph = model._graph
    index = _node_indices(graph)

    def history(t: SymbolicTensor) -> list:
        name, i = index[id(t.node)]
        return [name, i, t.value_index]

    def encode(x):
        if isinstance(x, SymbolicTensor):
            return {"class_name": "__keras_tensor__", "config": {
                "shape": list(x.shape.as_tuple()), "dtype": x.dtype.name,
                "keras_history": history(x)}}
        return x

    layers = []
    by_layer: dict = {}
    for node in graph.nodes:
        layer = node.layer
        if id(layer) not in by_layer:
            entry = dict(serialize_layer(layer))
            entry["name"] = layer.name
            entry["inbound_nodes"] = []
            by_layer[id(layer)] = entry
            layers.append(entry)
        if isinstance(node, kt.LayerNode):
            args = nest.map_structure(encode, list(node.call_args))
            kwargs = nest.map_structure(encode, dict(node.call_kwargs))
            by_layer[id(layer)]["inbound_nodes"].append({"args": args, "kwargs": kwargs})

    def refs(structure):
        if isinstance(structure, dict):
            return {k: history(v) for k, v in structure.items()}
        flat = nest.flatten(structure)
        if not isinstance(structure, (list, tuple)):
            return history(flat[0])
        return [history(t) for t in flat]

    return {"name": model.name, "trainable": model.trainable, "layers": layers,
            "input_layers": refs(graph.inputs), "output_layers": refs(graph.outputs)}


def functional_from_config(cls, config: dict, custom_objects=None):
    """Rebuilds a Functional model by replaying each layer's inbound nodes in order."""
    from tensorweave.keras.engine.input_layer import InputLayer

    created: dict = {}
    outputs_of: dict = {}  # (layer name, node index) -> outputs
    pending = []
    for entry in config["layers"]:
        layer = deserialize_layer({k: v for k, v in entry.items()
                                   if k not in ("inbound_nodes", "name")}, custom_objects)
        created[entry["name"]] = layer
        if isinstance(layer, InputLayer):
            outputs_of[(entry["name"], 0)] = layer.output
        else:
            pending.extend((entry["name"], i, node) for i, node in
                           enumerate(entry.get("inbound_nodes", [])))

    def decode(x):
        if isinstance(x, dict) and x.get("class_name") == "__keras_tensor__":
            name, i, j = x["config"]["keras_history"]
            out = outputs_of[(name, i)]
            return nest.flatten(out)[j]
        return x

    def ready(x) -> bool:
        if isinstance(x, dict) and x.get("class_name") == "__keras_tensor__":
            name, i, _ = x["config"]["keras_history"]
            return (name, i) in outputs_of
        if isinstance(x, dict):
            return all(ready(v) for v in x.values())
        if isinstance(x, (list, tuple)):
            return all(ready(v) for v in x)
        return True

    while pending:
        progressed = False
        for item in list(pending):
            name, i, node = item
            if not ready(node):
                continue
            args = [_decode_structure(a, decode) for a in node.get("args", [])]
            kwargs = {k: _decode_structure(v, decode) for k, v in node.get("kwargs", {}).items()}
            outputs_of[(name, i)] = created[name](*args, **kwargs)
            pending.remove(item)
            progressed = True
        if not progressed:
            raise ValueError(f"Cannot rebuild the model: layers {[p[0] for p in pending]} wait "
                             "for inputs that no layer produces.")

    def resolve(ref):
        if isinstance(ref, dict):
            return {k: resolve(v) for k, v in ref.items()}
        if ref and isinstance(ref[0], (list, tuple)):
            return [resolve(r) for r in ref]
        name, i, j = ref
        return nest.flatten(outputs_of[(name, i)])[j]

    inputs = resolve(config["input_layers"])
    outputs = resolve(config["output_layers"])
    return cls(inputs=inputs, outputs=outputs, name=config.get("name"),
               trainable=config.get("trainable", True))


def _decode_structure(x, decode):
    if isinstance(x, dict) and x.get("class_name") == "__keras_tensor__":
        return decode(x)
    if isinstance(x, dict):
        return {k: _decode_structure(v, decode) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return type(x)(_decode_structure(v, decode) for v in x)
    return x
