"""The fields of tensorweave's protobuf messages: protobuf's value checks for scalars, and the
containers for repeated, map and singular submessage fields (example_proto.py's messages use
them). A container tells its owning message when it changes, so that an unset submessage read
from a parent attaches itself on its first modification, as in protobuf.
"""

from __future__ import annotations

import operator

import numpy as np

_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1

# Message classes by name, filled in by example_proto.py (fields name their class lazily).
CLASSES: dict = {}


# --- value checks, as protobuf does them ----------------------------------------------------------

def _check_bytes(v):
    if not isinstance(v, bytes):
        raise TypeError(f"expected bytes, {type(v).__name__} found")
    return v


def _check_int64(v):
    if isinstance(v, (bool, np.bool_)):
        raise TypeError(f"Expected an int, got a boolean: {v!r}")
    v = operator.index(v)
    if not _INT64_MIN <= v <= _INT64_MAX:
        raise ValueError(f"Value out of range: {v}")
    return v


def _check_float(v):
    if isinstance(v, (str, bytes)):
        raise TypeError(f"must be real number, not {type(v).__name__}")
    with np.errstate(over="ignore"):
        return float(np.float32(float(v)))  # float fields hold float32 values


def _convert_many(check, values) -> list:
    """Converts a batch of values; whole NumPy arrays of the right kind skip the per-item check."""
    if check is _check_bytes:
        return [_check_bytes(v) for v in values]
    arr = values if isinstance(values, np.ndarray) else None
    if arr is None and isinstance(values, (list, tuple)) and len(values) > 8:
        try:
            arr = np.asarray(values)
        except (ValueError, OverflowError):
            arr = None
    if arr is not None and check is _check_float and arr.dtype.kind in "fiub":
        with np.errstate(over="ignore"):
            return arr.astype(np.float32).ravel().tolist()
    if arr is not None and check is _check_int64 and arr.dtype.kind in "iu":
        if arr.dtype.kind == "u" and arr.size and arr.max() > _INT64_MAX:
            raise ValueError(f"Value out of range: {int(arr.max())}")
        return arr.astype(np.int64).ravel().tolist()
    return [check(v) for v in values]


# --- containers ----------------------------------------------------------------------------------

class _ScalarList(list):
    """A repeated scalar field: a list that checks what goes in and tells its message."""

    __slots__ = ("_owner", "_check")

    def __init__(self, owner: "_Message", check):
        super().__init__()
        self._owner = owner
        self._check = check

    def append(self, v) -> None:
        super().append(self._check(v))
        self._owner._modified()

    def extend(self, values) -> None:
        super().extend(_convert_many(self._check, values))
        self._owner._modified()

    def insert(self, i, v) -> None:
        super().insert(i, self._check(v))
        self._owner._modified()

    def __setitem__(self, i, v) -> None:
        if isinstance(i, slice):
            v = _convert_many(self._check, v)
        else:
            v = self._check(v)
        super().__setitem__(i, v)
        self._owner._modified()

    def __delitem__(self, i) -> None:
        super().__delitem__(i)
        self._owner._modified()

    def __iadd__(self, values):
        self.extend(values)
        return self

    def pop(self, i=-1):
        v = super().pop(i)
        self._owner._modified()
        return v

    def remove(self, v) -> None:
        super().remove(v)
        self._owner._modified()

    def clear(self) -> None:
        super().clear()
        self._owner._modified()

    def __reduce__(self):
        return (list, (list(self),))


class _MessageList(list):
    """A repeated message field (FeatureList.feature): `add(**fields)`, `append` copies."""

    __slots__ = ("_owner", "_cls")

    def __init__(self, owner: "_Message", cls):
        super().__init__()
        self._owner = owner
        self._cls = cls

    def add(self, **fields) -> "_Message":
        msg = self._cls(**fields)
        super().append(msg)
        self._owner._modified()
        return msg

    def append(self, msg) -> None:
        self.add().CopyFrom(msg)

    def extend(self, msgs) -> None:
        for m in msgs:
            self.append(m)

    def __delitem__(self, i) -> None:
        super().__delitem__(i)
        self._owner._modified()

    def __setitem__(self, i, v):
        raise TypeError("does not support assignment; use add() or CopyFrom()")


class _MessageMap(dict):
    """A map<string, Message> field: a missing key reads as a new, inserted, empty message."""

    __slots__ = ("_owner", "_cls")

    def __init__(self, owner: "_Message", cls):
        super().__init__()
        self._owner = owner
        self._cls = cls

    def __missing__(self, key):
        if not isinstance(key, str):
            raise TypeError(f"map keys are str, got {type(key).__name__}")
        msg = self._cls()
        super().__setitem__(key, msg)
        self._owner._modified()
        return msg

    def __setitem__(self, key, value):
        raise ValueError("Message objects may not be assigned")

    def get_or_create(self, key):
        return self[key]

    def __delitem__(self, key) -> None:
        super().__delitem__(key)
        self._owner._modified()

    def clear(self) -> None:
        super().clear()
        self._owner._modified()


class _Sub:
    """A singular submessage field (optionally a member of a oneof) with protobuf's presence."""

    def __init__(self, field: int, cls_name: str, oneof: bool = False):
        self.field = field
        self.cls_name = cls_name
        self.oneof = oneof

    def __set_name__(self, owner, name):
        self.name = name
        self.slot = "_kind" if self.oneof else "_" + name

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        if self.oneof:
            if obj._kind == self.name:
                return obj._value
        else:
            v = obj.__dict__[self.slot]
            if v is not None:
                return v
        child = CLASSES[self.cls_name]()
        child._listener = (self, obj)  # attach on first modification
        return child

    def attach(self, obj, child) -> None:
        if self.oneof:
            obj._kind, obj._value = self.name, child
        else:
            obj.__dict__[self.slot] = child
        obj._modified()

    def present(self, obj):
        if self.oneof:
            return obj._value if obj._kind == self.name else None
        return obj.__dict__[self.slot]

    def __set__(self, obj, value):
        raise AttributeError(f'Assignment not allowed to message field "{self.name}" in protocol '
                             "message object.")
