"""The object graph of a checkpoint: which variables an object reaches, and under which paths.

A path names the attributes that lead from the checkpoint's root to a variable
(`model/dense/kernel`), so a program that builds the same objects the same way finds its values
again. Objects are walked in a fixed order (public attributes first, then private ones, each
sorted by name); a variable reachable twice keeps its first path. Objects may define
`_checkpoint_children()` returning an ordered {name: child} to choose their own layout.
"""

from __future__ import annotations

from tensorweave.framework.module import Module
from tensorweave.framework.variables import Variable

SUFFIX = "/.ATTRIBUTES/VARIABLE_VALUE"
_SKIP = frozenset({"_name", "_inbound_nodes", "_outbound_nodes", "_call_signature", "_tracker"})


# Traced functions and datasets hold references to variables that are not their own.
_NOT_OWNERS = ("tensorweave.graph", "tensorweave.data", "tensorweave.framework.op_def")


def _is_ours(value) -> bool:
    module = type(value).__module__ or ""
    if module.startswith(_NOT_OWNERS):
        return False
    return module.startswith("tensorweave.") or isinstance(value, Module)


def _keras_layer_children(layer) -> list:
    """A Keras layer's own variables by name, its sublayers by attribute (`layer-<i>` for a
    model's layers, as TensorFlow names them), and a compiled model's optimizer. Caches and
    other bookkeeping attributes are not walked, so paths do not depend on call history."""
    found, used = [], set()

    def add(name, value):
        base, n = name, 0
        while name in used:
            n += 1
            name = f"{base}_{n}"
        used.add(name)
        found.append((name, value))

    for var in list(layer._trainable_variables) + list(layer._non_trainable_variables):
        add(str(var.name).split("/")[-1].split(":")[0], var)
    if hasattr(layer, "compile"):  # a model: its layers in order
        for i, sub in enumerate(layer._layers):
            add(f"layer-{i}", sub)
    else:
        by_attribute = {id(v): k for k, v in sorted(vars(layer).items())
                        if not k.startswith("_")}
        for i, sub in enumerate(layer._layers):
            add(by_attribute.get(id(sub), f"layer-{i}"), sub)
    optimizer = vars(layer).get("optimizer")
    if optimizer is not None and not isinstance(optimizer, str):
        add("optimizer", optimizer)
    return found


def children(obj) -> list:
    """The (name, child) pairs to walk below `obj`, in a stable order."""
    custom = getattr(obj, "_checkpoint_children", None)
    if callable(custom):
        return list(custom().items())
    if hasattr(obj, "_trainable_variables") and hasattr(obj, "_layers") and \
            hasattr(obj, "add_weight"):
        return _keras_layer_children(obj)
    if isinstance(obj, dict):
        return [(str(k), v) for k, v in obj.items() if isinstance(k, (str, int))]
    if isinstance(obj, (list, tuple)):
        return [(str(i), v) for i, v in enumerate(obj)]
    attributes = getattr(obj, "__dict__", None)
    if attributes is None:
        return []
    names = sorted(n for n in attributes if n not in _SKIP)
    ordered = [n for n in names if not n.startswith("_")] + [n for n in names if n.startswith("_")]
    return [(n.lstrip("_") or n, attributes[n]) for n in ordered]


def _walkable(value) -> bool:
    if isinstance(value, (dict, list, tuple)):
        return bool(value)
    return _is_ours(value) and not isinstance(value, type)


def variables_by_path(root) -> dict:
    """{path: Variable} for every variable reachable from `root`, each once."""
    found, seen = {}, set()

    def visit(value, path):
        if id(value) in seen:
            return
        if isinstance(value, Variable):
            seen.add(id(value))
            found[path] = value
            return
        if not _walkable(value):
            return
        seen.add(id(value))
        for name, child in children(value):
            visit(child, f"{path}/{name}" if path else name)

    for name, child in children(root):
        visit(child, name)
    return found
