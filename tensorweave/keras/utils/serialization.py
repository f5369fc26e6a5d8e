"""Keras's object lookup and config round trip, shared by activations, initializers, losses ...

`serialize_object` writes Keras 3's dict (`module`, `class_name`, `config`, `registered_name`);
`lookup` resolves a string, a dict or an object against one module's table of public names, and
raises Keras's `ValueError("Could not interpret <kind> identifier: ...")` for anything else.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable

from tensorweave.keras.saving.object_registry import get_registered_name, get_registered_object


def serialize_object(obj: Any, module: str) -> dict:
    """Keras 3's serialized form of a configurable object (a class instance with get_config).

    A class registered with `keras.saving.register_keras_serializable` keeps its registered
    name ('package>Name') and its own module, as Keras writes them.
    """
    cls = type(obj)
    registered = get_registered_name(cls)
    if registered != cls.__name__:
        return {"module": cls.__module__, "class_name": cls.__name__,
                "config": obj.get_config(), "registered_name": registered}
    return {"module": module, "class_name": cls.__name__, "config": obj.get_config(),
            "registered_name": None}


def lookup(identifier: Any, table: dict, kind: str, custom_objects: dict | None = None,
           instantiate: bool = True) -> Any:
    """The object named by `identifier` in `table` (names to classes or functions).

    Strings name an entry; dicts are serialized objects (`{"class_name": ..., "config": ...}`);
    classes are instantiated with no arguments when `instantiate` is set. Names are looked up
    in custom object scopes, `custom_objects`, the registered classes, then `table`.
    """
    def find(name):
        if not isinstance(name, str):
            return None
        return get_registered_object(name, custom_objects, table)

    if isinstance(identifier, dict):
        name = identifier.get("class_name")
        config = identifier.get("config", {}) or {}
        cls = find(identifier.get("registered_name")) or find(name)
        if cls is None:
            raise ValueError(f"Could not interpret {kind} identifier: {identifier}")
        if inspect.isclass(cls):
            return cls.from_config(config) if hasattr(cls, "from_config") else cls(**config)
        return cls
    if isinstance(identifier, str):
        found = find(identifier)
        if found is None:
            raise ValueError(f"Could not interpret {kind} identifier: {identifier}")
        return found() if (instantiate and inspect.isclass(found)) else found
    if inspect.isclass(identifier) and instantiate:
        return identifier()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret {kind} identifier: {identifier}")


def public_table(namespace: dict, names: list, aliases: dict | None = None) -> dict:
    """{name: object} for `names` of a module namespace, plus snake_case aliases."""
    table = {name: namespace[name] for name in names}
    for alias, target in (aliases or {}).items():
        table[alias] = namespace[target]
    return table


def callable_name(fn: Callable) -> str:
    """The registered name of a function or the class name of an object."""
    return getattr(fn, "__name__", type(fn).__name__)
