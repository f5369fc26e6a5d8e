"""Tracking of sublayers and variables assigned to a layer's attributes, also in lists and dicts."""

from __future__ import annotations

from tensorweave.framework.variables import Variable


def track_value(owner, value) -> None:
    """Registers the layers and variables inside `value` with `owner` (a Layer)."""
    from tensorweave.keras.engine.layer import Layer

    if isinstance(value, Layer):
        owner._track_layer(value)
    elif isinstance(value, Variable):
        owner._track_variable(value)
    elif isinstance(value, (list, tuple)):
        for item in value:
            track_value(owner, item)
    elif isinstance(value, dict):
        for item in value.values():
            track_value(owner, item)


class TrackedList(list):
    """A list attribute of a layer: layers and variables appended later are tracked too."""

    def __init__(self, values, owner):
        super().__init__(values)
        self._owner = owner

    def append(self, value) -> None:
        track_value(self._owner, value)
        super().append(value)

    def extend(self, values) -> None:
        values = list(values)
        track_value(self._owner, values)
        super().extend(values)

    def insert(self, index, value) -> None:
        track_value(self._owner, value)
        super().insert(index, value)

    def __setitem__(self, index, value) -> None:
        track_value(self._owner, value)
        super().__setitem__(index, value)

    def __iadd__(self, values):
        self.extend(values)
        return self

    def __reduce__(self):
        return (list, (list(self),))


class TrackedDict(dict):
    """A dict attribute of a layer: layers and variables stored later are tracked too."""

    def __init__(self, values, owner):
        super().__init__(values)
        self._owner = owner

    def __setitem__(self, key, value) -> None:
        track_value(self._owner, value)
        super().__setitem__(key, value)

    def update(self, *args, **kwargs) -> None:
        new = dict(*args, **kwargs)
        track_value(self._owner, new)
        super().update(new)

    def setdefault(self, key, default=None):
        if key not in self:
            self[key] = default
        return self[key]

    def __reduce__(self):
        return (dict, (dict(self),))
