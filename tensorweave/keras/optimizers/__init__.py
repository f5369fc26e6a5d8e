"""keras.optimizers: SGD, Adam, AdamW, Adamax, Nadam, RMSprop, Adagrad, Adadelta, Lion, Lamb and
learning-rate schedules (`keras.optimizers.schedules`).

    >>> from tensorweave import keras
    >>> keras.optimizers.get("adam").get_config()["epsilon"]
    1e-07
"""

from __future__ import annotations

from tensorweave.keras.optimizers import schedules
from tensorweave.keras.optimizers.base import Optimizer
from tensorweave.keras.optimizers.optimizers import (SGD, Adadelta, Adagrad, Adam, Adamax,
                                                     AdamW, Lamb, Lion, Nadam, RMSprop)
from tensorweave.keras.utils.serialization import lookup, serialize_object

_BUILT_IN = (SGD, Adam, AdamW, Adamax, Nadam, RMSprop, Adagrad, Adadelta, Lion, Lamb)
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in (Optimizer,) + _BUILT_IN}
ALL_OBJECTS_DICT.update({cls.__name__.lower(): cls for cls in _BUILT_IN})


def serialize(optimizer: Optimizer) -> dict:
    """Keras 3's dict for an optimizer."""
    return serialize_object(optimizer, "keras.optimizers")


def deserialize(config, custom_objects: dict | None = None) -> Optimizer:
    """The optimizer a serialized dict (or a name such as 'adam') describes."""
    if isinstance(config, dict):
        cls = lookup(config.get("class_name"), ALL_OBJECTS_DICT, "optimizer", custom_objects,
                     instantiate=False) if isinstance(config.get("class_name"), str) else None
        if cls is not None:
            return cls.from_config(config.get("config", {}), custom_objects)
    return lookup(config, ALL_OBJECTS_DICT, "optimizer", custom_objects)


def get(identifier) -> Optimizer:
    """An optimizer from a name ('adam'), a dict or an optimizer object."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    raise ValueError(f"Could not interpret optimizer identifier: {identifier}")
