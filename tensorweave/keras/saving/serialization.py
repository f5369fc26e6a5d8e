"""Keras 3's JSON form of objects: {"module", "class_name", "config", "registered_name", ...}.

Deserialization only ever looks classes up (in custom objects, the registry and tensorweave's
own Keras namespaces) and calls their `from_config`: nothing from a file is executed. Lambda
layers and lambdas in configs are refused unless `safe_mode=False`, as in Keras.
"""

from __future__ import annotations

import importlib
import threading

import numpy as np

from tensorweave.keras.saving import object_registry

# The public Keras namespaces, in the order a bare class name is looked up.
NAMESPACES = ("layers", "models", "optimizers", "optimizers.schedules", "losses", "metrics",
              "initializers", "regularizers", "constraints", "activations", "callbacks")
_state = threading.local()


def in_safe_mode() -> bool:
    return getattr(_state, "safe_mode", True)


class SafeModeScope:
    """`with SafeModeScope(False):` allows lambdas while deserializing (Keras's scope)."""

    def __init__(self, safe_mode: bool = True):
        self.safe_mode = safe_mode

    def __enter__(self):
        self._previous = in_safe_mode()
        _state.safe_mode = self.safe_mode

    def __exit__(self, *exc):
        _state.safe_mode = self._previous


def enable_unsafe_deserialization() -> None:
    _state.safe_mode = False


def _public_module(cls) -> str:
    """The Keras namespace that exports `cls`: 'keras.layers' for Dense, 'keras' for models."""
    module = cls.__module__ or ""
    if not module.startswith("tensorweave.keras"):
        return module
    for namespace in NAMESPACES:
        if namespace == "models":
            continue
        try:
            mod = importlib.import_module(f"tensorweave.keras.{namespace}")
        except ImportError:
            continue
        if getattr(mod, cls.__name__, None) is cls:
            return f"keras.{namespace}"
    return "keras"


def serialize_keras_object(obj):
    """The JSON-able description of `obj` (None, plain values, or a Keras object's config)."""
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, bytes):
        return {"class_name": "__bytes__", "config": {"value": obj.decode("utf-8")}}
    if isinstance(obj, (list, tuple)):
        items = [serialize_keras_object(x) for x in obj]
        return items if isinstance(obj, list) else \
            {"class_name": "__tuple__", "config": {"value": items}}
    if isinstance(obj, dict):
        return {k: serialize_keras_object(v) for k, v in obj.items()}
    if isinstance(obj, np.ndarray) or hasattr(obj, "numpy") and not hasattr(obj, "get_config"):
        array = np.asarray(obj)
        return {"class_name": "__numpy__", "config": {"value": array.tolist(),
                                                      "dtype": str(array.dtype)}}
    if isinstance(obj, (np.integer, np.floating, np.bool_)):
        return obj.item()
    if hasattr(obj, "name") and type(obj).__name__ == "DType":
        return obj.name
    if isinstance(obj, type):
        return {"class_name": "__typespec__", "module": _public_module(obj),
                "config": {"name": obj.__name__}}
    if callable(obj) and not hasattr(obj, "get_config"):
        registered = object_registry._NAMES.get(obj)
        if registered is not None:
            return {"module": None, "class_name": "function", "config": registered,
                    "registered_name": registered}
        if getattr(obj, "__name__", "") == "<lambda>":
            raise ValueError("Cannot serialize a lambda function; wrap it in a registered "
                             "function or a Lambda layer (loaded only with safe_mode=False).")
        return {"module": _public_module_of_function(obj), "class_name": "function",
                "config": obj.__name__, "registered_name": obj.__name__}
    if not hasattr(obj, "get_config"):
        raise TypeError(f"Cannot serialize {obj!r}: it has no get_config() method.")
    cls = type(obj)
    registered = object_registry._NAMES.get(cls)
    config = {"module": None if registered else _public_module(cls),
              "class_name": cls.__name__,
              "config": _serialize_config(obj.get_config()),
              "registered_name": registered}
    build = getattr(obj, "get_build_config", None)
    if callable(build):
        build_config = build()
        if build_config:
            config["build_config"] = _serialize_config(build_config)
    if hasattr(obj, "compile"):
        from tensorweave.keras.saving.compile_config import get_compile_config

        compiled = get_compile_config(obj)
        if compiled:
            config["compile_config"] = _serialize_config(compiled)
    return config


def _public_module_of_function(fn) -> str:
    module = getattr(fn, "__module__", "") or ""
    if module.startswith("tensorweave.keras."):
        return "keras." + module[len("tensorweave.keras."):].split(".")[0]
    return module


def _serialize_config(config):
    if isinstance(config, dict):
        return {k: _serialize_config(v) for k, v in config.items()}
    if isinstance(config, (list, tuple)):
        return [_serialize_config(v) for v in config]
    if config is None or isinstance(config, (bool, int, float, str)):
        return config
    return serialize_keras_object(config)


def _find_class(module: str | None, class_name: str, registered: str | None, custom_objects):
    if registered:
        found = object_registry.get_registered_object(registered, custom_objects)
        if found is not None:
            return found
    found = object_registry.get_registered_object(class_name, custom_objects)
    if found is not None:
        return found
    if class_name == "Functional":  # Keras 3's name for a Model built from inputs and outputs
        class_name = "Model"
    namespaces = list(NAMESPACES)
    if module and module.startswith("keras"):
        wanted = module[len("keras."):] if module != "keras" else "models"
        namespaces = [wanted] + [n for n in namespaces if n != wanted]
    for namespace in namespaces:
        try:
            mod = importlib.import_module(f"tensorweave.keras.{namespace}")
        except ImportError:
            continue
        candidate = getattr(mod, class_name, None)
        if candidate is not None:
            return candidate
    keras = importlib.import_module("tensorweave.keras")
    return getattr(keras, class_name, None)


def deserialize_keras_object(config, module_objects=None, custom_objects=None,
                             printable_module_name: str = "object", safe_mode: bool | None = None,
                             **kwargs):
    """Rebuilds an object from `serialize_keras_object`'s output (or a bare class name)."""
    if safe_mode is not None:
        with SafeModeScope(safe_mode):
            return deserialize_keras_object(config, module_objects, custom_objects,
                                            printable_module_name)
    if config is None or isinstance(config, (bool, int, float)):
        return config
    if isinstance(config, (list, tuple)):
        return [deserialize_keras_object(c, module_objects, custom_objects) for c in config]
    if isinstance(config, str):
        found = object_registry.get_registered_object(config, custom_objects, module_objects)
        if found is None:
            found = _find_class(None, config, None, custom_objects)
        if found is None:
            raise ValueError(f"Could not interpret {printable_module_name} identifier: "
                             f"{config!r}")
        return found
    if not isinstance(config, dict) or "class_name" not in config:
        return config
    class_name, inner = config["class_name"], config.get("config")
    if class_name == "__tuple__":
        return tuple(deserialize_keras_object(c, module_objects, custom_objects)
                     for c in inner["value"])
    if class_name == "__bytes__":
        return inner["value"].encode("utf-8")
    if class_name == "__numpy__":
        return np.array(inner["value"], dtype=inner["dtype"])
    if class_name == "__lambda__":
        raise ValueError("Requested the deserialization of a Python lambda. This carries a risk "
                         "of arbitrary code execution and is disallowed by default; pass "
                         "`safe_mode=False` to the loading function if you trust the source.")
    if class_name == "__typespec__":
        return _find_class(config.get("module"), inner["name"], None, custom_objects)
    if class_name == "function":
        name = config.get("registered_name") or inner
        found = object_registry.get_registered_object(name, custom_objects, module_objects)
        if found is None:
            found = _find_function(config.get("module"), inner)
        if found is None:
            raise ValueError(f"Could not locate function {inner!r}. Register it with "
                             "@keras.saving.register_keras_serializable() or pass it in "
                             "custom_objects.")
        return found
    cls = None
    if module_objects and class_name in module_objects:
        cls = module_objects[class_name]
    if cls is None:
        cls = _find_class(config.get("module"), class_name, config.get("registered_name"),
                          custom_objects)
    if cls is None:
        raise TypeError(f"Could not locate class {class_name!r}. Make sure custom classes are "
                        "decorated with `@keras.saving.register_keras_serializable()` or passed "
                        "in custom_objects. Full object config: " + str(config)[:300])
    from_config = getattr(cls, "from_config", None)
    with object_registry.custom_object_scope(custom_objects or {}):
        if from_config is None:
            obj = cls(**(inner or {}))
        else:
            try:
                obj = from_config(inner, custom_objects=custom_objects)
            except TypeError:
                obj = from_config(inner)
    build_config = config.get("build_config")
    if build_config and hasattr(obj, "build_from_config") and not getattr(obj, "built", True):
        obj.build_from_config(build_config)
    compile_config = config.get("compile_config")
    if compile_config and hasattr(obj, "compile"):
        from tensorweave.keras.saving.compile_config import compile_from_config

        compile_from_config(obj, compile_config)
    return obj


def _find_function(module, name):
    if module and module.startswith("keras."):
        try:
            mod = importlib.import_module("tensorweave." + module)
        except ImportError:
            mod = None
        if mod is not None and hasattr(mod, name):
            return getattr(mod, name)
    for namespace in ("activations", "losses", "metrics"):
        try:
            mod = importlib.import_module(f"tensorweave.keras.{namespace}")
        except ImportError:
            continue
        if hasattr(mod, name):
            return getattr(mod, name)
    return None
