"""Names under which user classes are saved and found again (`keras.saving.register_...`)."""

from __future__ import annotations

import contextlib
import threading

_GLOBAL: dict = {}
_NAMES: dict = {}
_scopes = threading.local()


def register_keras_serializable(package: str = "Custom", name: str | None = None):
    """Class decorator: saves the class as 'package>Name' and finds it on load."""

    def decorator(obj):
        registered = f"{package}>{name or obj.__name__}"
        if not hasattr(obj, "get_config") and isinstance(obj, type):
            raise ValueError(f"Cannot register a class that does not have a get_config() "
                             f"method: {obj.__name__}")
        _GLOBAL[registered] = obj
        _NAMES[obj] = registered
        return obj

    return decorator


def get_registered_name(obj) -> str:
    return _NAMES.get(obj, getattr(obj, "__name__", type(obj).__name__))


def get_registered_object(name: str, custom_objects: dict | None = None, module_objects=None):
    """The object registered (or passed in custom objects) under `name`, or None."""
    for scope in reversed(getattr(_scopes, "stack", [])):
        if name in scope:
            return scope[name]
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    if name in _GLOBAL:
        return _GLOBAL[name]
    if module_objects and name in module_objects:
        return module_objects[name]
    return None


def get_custom_objects() -> dict:
    """The global registry itself (mutable, as in Keras)."""
    return _GLOBAL


@contextlib.contextmanager
def custom_object_scope(*scopes):
    """Makes the given {name: object} dicts visible to deserialization inside the block."""
    stack = getattr(_scopes, "stack", None)
    if stack is None:
        stack = _scopes.stack = []
    merged = {}
    for scope in scopes:
        merged.update(scope or {})
    stack.append(merged)
    try:
        yield
    finally:
        stack.pop()


CustomObjectScope = custom_object_scope
