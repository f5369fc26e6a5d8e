"""A model's compile arguments as Keras 3 saves them (`compile_config`), and back."""

from __future__ import annotations

from tensorweave.keras.saving.serialization import (deserialize_keras_object,
                                                    serialize_keras_object)


def get_compile_config(model) -> dict | None:
    """{'optimizer', 'loss', 'loss_weights', 'metrics', ...} of a compiled model, else None."""
    if hasattr(type(model), "get_compile_config"):
        return model.get_compile_config()
    if not getattr(model, "compiled", False):
        return None
    compile_loss = getattr(model, "_compile_loss", None)
    compile_metrics = getattr(model, "_compile_metrics", None)
    return {
        "optimizer": serialize_keras_object(getattr(model, "optimizer", None)),
        "loss": serialize_keras_object(getattr(model, "loss", None)),
        "loss_weights": getattr(compile_loss, "_loss_weights", None),
        "metrics": serialize_keras_object(getattr(compile_metrics, "_metrics", None)),
        "weighted_metrics": serialize_keras_object(getattr(compile_metrics, "_weighted", None)),
        "run_eagerly": bool(getattr(model, "_run_eagerly", False)),
        "steps_per_execution": int(getattr(model, "steps_per_execution", 1)),
        "jit_compile": bool(getattr(model, "_jit_compile", False)),
    }


def compile_from_config(model, config: dict) -> None:
    """Compiles `model` as `config` says (the optimizer rebuilt from its own config)."""
    if hasattr(type(model), "compile_from_config"):
        model.compile_from_config(config)
        return
    config = dict(config)
    for key in ("optimizer", "loss", "metrics", "weighted_metrics"):
        if config.get(key) is not None:
            config[key] = _deserialize(config[key])
    model.compile(**{k: v for k, v in config.items()
                     if k in ("optimizer", "loss", "loss_weights", "metrics", "weighted_metrics",
                              "run_eagerly", "steps_per_execution", "jit_compile")})


def _deserialize(value):
    if isinstance(value, list):
        return [_deserialize(v) for v in value]
    if isinstance(value, dict) and "class_name" not in value:
        return {k: _deserialize(v) for k, v in value.items()}
    if isinstance(value, str):
        return value  # names ('adam', 'mse', 'accuracy') compile resolves itself
    return deserialize_keras_object(value)
