"""Keras 3's layout of weights in a file: which variable is stored under which path.

A model's layers are stored under `layers/<class name in snake_case, numbered>` (not the layer's
own name, which depends on how many layers the session made before), a layer's own variables under
`<path>/vars/<i>` (trainable first, then non-trainable, each in creation order), its sublayers
under `<path>/<attribute>`, and the optimizer's variables under `optimizer/vars/<i>`. Following
this layout exactly is what lets Keras 3 read our `.keras` files and us read Keras 3's.
"""

from __future__ import annotations

from tensorweave.framework.variables import Variable


def _is_layer(obj) -> bool:
    from tensorweave.keras.engine.layer import Layer

    return isinstance(obj, Layer)


def _is_model(obj) -> bool:
    return _is_layer(obj) and hasattr(obj, "layers") and hasattr(obj, "compile")


def _unique(name: str, used: set) -> str:
    candidate, n = name, 0
    while candidate in used:
        n += 1
        candidate = f"{name}_{n}"
    used.add(candidate)
    return candidate


def _class_name(obj) -> str:
    from tensorweave.keras.engine.naming import to_snake_case

    return to_snake_case(type(obj).__name__)


def own_variables(layer) -> list:
    """The variables a layer created itself (not its sublayers'), trainable ones first."""
    return list(layer._trainable_variables) + list(layer._non_trainable_variables)


def _sublayers(layer) -> dict:
    """{attribute path: layer} of the layers a layer holds in its public attributes."""
    found = {}
    if _is_model(layer):
        used: set = set()
        for child in layer.layers:
            found[f"layers/{_unique(_class_name(child), used)}"] = child
        return found
    for attribute in sorted(vars(layer)):
        if attribute.startswith("_"):
            continue
        value = vars(layer)[attribute]
        if _is_layer(value):
            found[attribute] = value
        elif isinstance(value, (list, tuple)) and value and all(_is_layer(v) for v in value):
            used = set()
            for child in value:
                found[f"{attribute}/{_unique(_class_name(child), used)}"] = child
    return found


def layout(model, include_optimizer: bool = True) -> dict:
    """{group path: (object name, [variables])} for every object with state, in Keras's layout."""
    groups: dict = {}
    visited: set = set()

    def visit(layer, path):
        if id(layer) in visited:
            return
        visited.add(id(layer))
        groups[_join(path, "vars")] = (layer.name, own_variables(layer))
        for attribute, child in _sublayers(layer).items():
            visit(child, _join(path, attribute))

    visit(model, "")
    optimizer = getattr(model, "optimizer", None)
    if include_optimizer and optimizer is not None and not isinstance(optimizer, str):
        variables = [v for v in getattr(optimizer, "variables", []) if isinstance(v, Variable)]
        if variables:
            groups["optimizer/vars"] = (getattr(optimizer, "name", "optimizer"), variables)
    return groups


def _join(path: str, name: str) -> str:
    return f"{path}/{name}" if path else name
