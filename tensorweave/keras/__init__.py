"""tensorweave.keras: Keras's public API on tensorweave (`from tensorweave import keras`).

Submodules load on first use (`keras.layers`, `keras.optimizers` ...), so that importing keras is
cheap; `Sequential`, `Model`, `Input` and `Layer` are at the top as in Keras.
"""

import importlib as _importlib

_SUBMODULES = {
    "activations": "tensorweave.keras.activations",
    "applications": "tensorweave.keras.applications",
    "backend": "tensorweave.keras.engine.backend",
    "callbacks": "tensorweave.keras.callbacks",
    "config": "tensorweave.keras.engine.backend",
    "constraints": "tensorweave.keras.constraints",
    "datasets": "tensorweave.keras.datasets",
    "initializers": "tensorweave.keras.initializers",
    "layers": "tensorweave.keras.layers",
    "losses": "tensorweave.keras.losses",
    "metrics": "tensorweave.keras.metrics",
    "mixed_precision": "tensorweave.keras.engine.mixed_precision",
    "models": "tensorweave.keras.models",
    "ops": "tensorweave.keras.engine.ops",
    "optimizers": "tensorweave.keras.optimizers",
    "regularizers": "tensorweave.keras.regularizers",
    "saving": "tensorweave.keras.saving",
    "utils": "tensorweave.keras.utils",
}

_TOP = {
    "Sequential": ("tensorweave.keras.engine.sequential", "Sequential"),
    "Model": ("tensorweave.keras.engine.training", "Model"),
    "Input": ("tensorweave.keras.engine.input_layer", "Input"),
    "InputSpec": ("tensorweave.keras.engine.input_spec", "InputSpec"),
    "Layer": ("tensorweave.keras.engine.layer", "Layer"),
    "DTypePolicy": ("tensorweave.keras.engine.naming", "DTypePolicy"),
    "Variable": ("tensorweave.keras.engine.variables", "KerasVariable"),
}

__version__ = "3.10.0"
version = __version__


def __getattr__(name):
    if name in _SUBMODULES:
        try:
            module = _importlib.import_module(_SUBMODULES[name])
        except ModuleNotFoundError as e:
            if e.name != _SUBMODULES[name]:
                raise
            raise AttributeError(f"tensorweave.keras.{name} is not available yet: its module "
                                 f"{_SUBMODULES[name]} is missing") from e
        globals()[name] = module
        return module
    if name in _TOP:
        module_name, attr = _TOP[name]
        value = getattr(_importlib.import_module(module_name), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'tensorweave.keras' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_SUBMODULES) + list(_TOP))
