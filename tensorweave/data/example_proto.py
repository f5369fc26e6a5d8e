"""`tf.train.Example` and its family as plain Python classes speaking protobuf's wire format.

No protobuf package is needed: the nine messages of TensorFlow's `example.proto` and
`feature.proto` are small enough to encode by hand, and they serialize byte for byte as TensorFlow
does with `deterministic=True` (map entries sorted by key; protobuf's default order is a hash order
that nobody can rely on). Packed repeated floats and int64s are written packed and read either way.

Message fields behave as in protobuf: reading an unset submessage gives an empty one that attaches
itself to its parent when first modified, composite fields cannot be assigned (use `CopyFrom`), and
unknown fields survive a parse/serialize round trip.

Example:
    >>> ex = Example(features=Features(feature={
    ...     "label": Feature(int64_list=Int64List(value=[7])),
    ...     "image": Feature(bytes_list=BytesList(value=[b"\\x00\\x01"]))}))
    >>> Example.FromString(ex.SerializeToString()) == ex
    True
    >>> ex.features.feature["label"].int64_list.value
    [7]
"""

from __future__ import annotations

import operator
import struct

import numpy as np

__all__ = [
    "BytesList", "DecodeError", "Example", "Feature", "FeatureList", "FeatureLists", "Features",
    "FloatList", "Int64List", "SequenceExample", "decode_example", "decode_feature",
    "decode_features",
]

BYTES, FLOAT, INT64 = 1, 2, 3  # Feature's oneof field numbers, also used as kind codes
_KIND_NAMES = {BYTES: "bytes_list", FLOAT: "float_list", INT64: "int64_list"}
_U64_MASK = (1 << 64) - 1
_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1


class DecodeError(Exception):
    """Bytes that are not a valid encoding of the message (protobuf's `message.DecodeError`)."""


# --- wire primitives -----------------------------------------------------------------------------

def encode_varint(value: int) -> bytes:
    """Base-128 varint of a non-negative int; negative int64s are taken modulo 2**64 (10 bytes)."""
    value &= _U64_MASK
    if value < 0x80:
        return bytes((value,))
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def read_varint(buf, pos: int, end: int) -> tuple[int, int]:
    """(value, next position) of the varint at `pos`; at most 10 bytes, truncated to 64 bits."""
    result = 0
    shift = 0
    while pos < end:
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result & _U64_MASK, pos
        shift += 7
        if shift >= 70:
            break
    raise DecodeError("truncated or over-long varint")


def length_delimited(field: int, payload: bytes) -> bytes:
    """A wire-type-2 field: tag, length, payload."""
    return encode_varint(field << 3 | 2) + encode_varint(len(payload)) + payload


def iter_fields(buf, pos: int, end: int):
    """Yields (field, wire_type, a, b, tag_start) per field of buf[pos:end].

    For varints `a` is the value; for fixed64/fixed32 `a` is the payload's start; for
    length-delimited fields `a:b` is the payload. `buf[tag_start:next]` is the raw field.
    """
    while pos < end:
        start = pos
        tag, pos = read_varint(buf, pos, end)
        field, wt = tag >> 3, tag & 7
        if field == 0:
            raise DecodeError("field number 0")
        if wt == 0:
            a, pos = read_varint(buf, pos, end)
            b = pos
        elif wt == 2:
            n, a = read_varint(buf, pos, end)
            b = pos = a + n
        elif wt == 5 or wt == 1:
            a = pos
            b = pos = pos + (4 if wt == 5 else 8)
        else:
            raise DecodeError(f"unsupported wire type {wt}")
        if pos > end:
            raise DecodeError("truncated field")
        yield field, wt, a, b, start


def pack_int64s(values) -> bytes:
    """The packed payload of int64s (no tag): varints, negatives as 10 bytes."""
    n = len(values)
    if n < 16:
        return b"".join(encode_varint(v) for v in values)
    v = np.asarray(values, dtype=np.int64).view(np.uint64)
    count = np.ones(n, dtype=np.intp)
    for k in range(1, 10):  # bytes needed: 1 + number of 7-bit thresholds the value reaches
        count += v >= np.uint64(1 << (7 * k))
    shifts = np.arange(0, 70, 7, dtype=np.uint64)
    mat = ((v[:, None] >> shifts[None, :]) & np.uint64(0x7F)).astype(np.uint8) | 0x80
    mat[np.arange(n), count - 1] &= 0x7F
    return mat[np.arange(10)[None, :] < count[:, None]].tobytes()


def unpack_varints(buf, start: int, end: int) -> np.ndarray:
    """The int64 values of a packed varint payload buf[start:end], as a NumPy array."""
    arr = np.frombuffer(buf, dtype=np.uint8, count=end - start, offset=start)
    if arr.size == 0:
        return np.zeros(0, np.int64)
    last = np.flatnonzero(arr < 0x80)
    if last.size == 0 or last[-1] != arr.size - 1:
        raise DecodeError("truncated packed varint")
    first = np.empty_like(last)
    first[0] = 0
    first[1:] = last[:-1] + 1
    lengths = last - first + 1
    if lengths.max() > 10:
        raise DecodeError("over-long varint")
    if lengths.max() == 1:
        return arr.astype(np.int64)
    pos = np.arange(arr.size) - np.repeat(first, lengths)
    parts = (arr & 0x7F).astype(np.uint64) << (pos.astype(np.uint64) * np.uint64(7))
    return np.bitwise_or.reduceat(parts, first).view(np.int64)


# --- decoding Examples straight to arrays (the fast path of tf.io.parse_example) ------------------

def _decode_list(kind: int, buf, a: int, b: int):
    """Values of a BytesList (list of bytes), FloatList (float32 array), Int64List (int64 array)."""
    if kind == BYTES:
        return [bytes(buf[s:e]) for f, wt, s, e, _ in iter_fields(buf, a, b) if f == 1 and wt == 2]
    chunks = []
    for f, wt, s, e, _ in iter_fields(buf, a, b):
        if f != 1:
            continue
        if kind == FLOAT:
            if wt == 2:
                if (e - s) % 4:
                    raise DecodeError("packed floats not a multiple of 4 bytes")
                chunks.append(np.frombuffer(buf, "<f4", (e - s) // 4, s))
            elif wt == 5:
                chunks.append(np.frombuffer(buf, "<f4", 1, s))
        elif wt == 2:
            chunks.append(unpack_varints(buf, s, e))
        elif wt == 0:
            chunks.append(np.array([s], dtype=np.uint64).view(np.int64))
    dtype = np.float32 if kind == FLOAT else np.int64
    if not chunks:
        return np.zeros(0, dtype)
    return (chunks[0] if len(chunks) == 1 else np.concatenate(chunks)).astype(dtype, copy=False)


def decode_feature(buf, a: int = 0, b: int | None = None) -> tuple[int, object]:
    """(kind, values) of a serialized Feature: kind 0 (no list set), BYTES, FLOAT or INT64."""
    b = len(buf) if b is None else b
    kind, values = 0, None
    for f, wt, s, e, _ in iter_fields(buf, a, b):
        if wt != 2 or f not in _KIND_NAMES:
            continue
        new = _decode_list(f, buf, s, e)
        if f == kind:  # a repeated occurrence of the same submessage merges into it
            values = values + new if f == BYTES else np.concatenate([values, new])
        else:
            kind, values = f, new
    return kind, values


def _map_entry(buf, a: int, b: int) -> tuple[str, int, int]:
    key, vs, ve = "", b, b
    for f, wt, s, e, _ in iter_fields(buf, a, b):
        if wt != 2:
            continue
        if f == 1:
            try:
                key = bytes(buf[s:e]).decode("utf-8")
            except UnicodeDecodeError as err:
                raise DecodeError("map key is not valid UTF-8") from err
        elif f == 2:
            vs, ve = s, e
    return key, vs, ve


def decode_features(buf, a: int = 0, b: int | None = None) -> dict[str, tuple[int, object]]:
    """{name: (kind, values)} of a serialized Features message; kind 0 means no list was set.

    Example:
        >>> ex = Example(features=Features(feature={"x": Feature(float_list=FloatList(value=[1]))}))
        >>> decode_features(ex.features.SerializeToString())
        {'x': (2, array([1.], dtype=float32))}
    """
    b = len(buf) if b is None else b
    out = {}
    for f, wt, s, e, _ in iter_fields(buf, a, b):
        if f == 1 and wt == 2:
            key, vs, ve = _map_entry(buf, s, e)
            out[key] = decode_feature(buf, vs, ve)
    return out


def decode_example(data) -> dict[str, tuple[int, object]]:
    """{name: (kind, values)} of a serialized Example, without building message objects."""
    out = {}
    for f, wt, s, e, _ in iter_fields(data, 0, len(data)):
        if f == 1 and wt == 2:
            out.update(decode_features(data, s, e))  # repeated `features` fields merge
    return out


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
        child = _CLASSES[self.cls_name]()
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


# --- messages ------------------------------------------------------------------------------------

class _Message:
    """What every message shares: construction, wire round trips, equality, text format."""

    _FIELDS: tuple[str, ...] = ()

    def __init__(self, **fields):
        self._listener = None
        self._unknown = b""
        self._init()
        for name, value in fields.items():
            if name not in self._FIELDS:
                raise ValueError(f'Protocol message {type(self).__name__} has no "{name}" field.')
            if value is None:
                continue
            attr = getattr(self, name)
            if isinstance(attr, _Message):
                attr.CopyFrom(value if isinstance(value, _Message) else type(attr)(**value))
            elif isinstance(attr, _MessageMap):
                for k, v in value.items():
                    attr[k].CopyFrom(v if isinstance(v, _Message) else attr._cls(**v))
            elif isinstance(attr, _MessageList):
                for v in value:
                    attr.add().CopyFrom(v if isinstance(v, _Message) else attr._cls(**v))
            else:
                attr.extend(value)

    def _modified(self) -> None:
        if self._listener is not None:
            desc, parent = self._listener
            self._listener = None
            desc.attach(parent, self)

    # wire format
    def SerializeToString(self, deterministic: bool | None = None) -> bytes:
        """The message in protobuf's binary wire format (map keys always sorted)."""
        return self._serialize() + self._unknown

    def SerializePartialToString(self, deterministic: bool | None = None) -> bytes:
        return self.SerializeToString()

    def MergeFromString(self, data) -> int:
        """Merges serialized fields into this message, as protobuf does; returns len(data)."""
        if isinstance(data, str):
            raise TypeError("expected bytes, str found")
        mv = memoryview(data).cast("B") if not isinstance(data, bytes) else data
        try:
            self._merge(mv, 0, len(mv))
        except (IndexError, struct.error, ValueError) as e:
            raise DecodeError(f"Error parsing message with type {type(self).__name__}: {e}") from e
        self._modified()
        return len(mv)

    def ParseFromString(self, data) -> int:
        """Replaces this message's contents with the parsed `data`; returns len(data)."""
        self.Clear()
        return self.MergeFromString(data)

    @classmethod
    def FromString(cls, data):
        """A new message parsed from `data`."""
        msg = cls()
        msg.MergeFromString(data)
        return msg

    def _merge(self, buf, a: int, b: int) -> None:
        unknown = []
        for f, wt, s, e, start in iter_fields(buf, a, b):
            if not self._merge_field(f, wt, buf, s, e):
                unknown.append(bytes(buf[start:e]))
        if unknown:
            self._unknown += b"".join(unknown)

    # generic operations
    def MergeFrom(self, other) -> None:
        if not isinstance(other, type(self)):
            raise TypeError(f"Parameter to MergeFrom() must be instance of same class: expected "
                            f"{type(self).__name__} got {type(other).__name__}.")
        self.MergeFromString(other.SerializeToString())

    def CopyFrom(self, other) -> None:
        if other is self:
            return
        self.Clear()
        self.MergeFrom(other)

    def Clear(self) -> None:
        self._unknown = b""
        self._init()

    def ByteSize(self) -> int:
        return len(self.SerializeToString())

    def HasField(self, name: str) -> bool:
        desc = getattr(type(self), name, None)
        if not isinstance(desc, _Sub):
            raise ValueError(f'Protocol message has no singular "{name}" field.')
        return desc.present(self) is not None

    def ListFields(self):
        return [(n, getattr(self, n)) for n in self._FIELDS if self._has(n)]

    def _has(self, name: str) -> bool:
        desc = getattr(type(self), name)
        if isinstance(desc, _Sub):
            return desc.present(self) is not None
        return bool(getattr(self, name))

    def __eq__(self, other) -> bool:
        if not isinstance(other, _Message) or type(other) is not type(self):
            return NotImplemented
        return self.SerializeToString() == other.SerializeToString()

    def __ne__(self, other) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    __hash__ = None  # mutable, like protobuf messages

    def __reduce__(self):
        return (type(self).FromString, (self.SerializeToString(),))

    def __deepcopy__(self, memo=None):
        return type(self).FromString(self.SerializeToString())

    def __str__(self) -> str:
        lines: list[str] = []
        self._text(lines, "")
        return "".join(line + "\n" for line in lines)

    __repr__ = __str__

    def _text_fields(self, lines: list[str], indent: str) -> None:
        for name in self._FIELDS:
            value = getattr(self, name)
            if isinstance(value, _Message):
                if getattr(type(self), name).present(self) is not None:
                    _text_message(lines, indent, name, value)
            elif isinstance(value, _MessageMap):
                for key in sorted(value):
                    lines.append(f"{indent}{name} {{")
                    lines.append(f'{indent}  key: "{_escape(key.encode("utf-8"))}"')
                    _text_message(lines, indent + "  ", "value", value[key])
                    lines.append(f"{indent}}}")
            elif isinstance(value, _MessageList):
                for item in value:
                    _text_message(lines, indent, name, item)
            else:
                for v in value:
                    lines.append(f"{indent}{name}: {_text_scalar(v)}")

    def _text(self, lines: list[str], indent: str) -> None:
        self._text_fields(lines, indent)


def _text_message(lines: list[str], indent: str, name: str, msg: _Message) -> None:
    lines.append(f"{indent}{name} {{")
    msg._text(lines, indent + "  ")
    lines.append(f"{indent}}}")


_ESCAPES = {ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t", ord('"'): '\\"',
            ord("'"): "\\'", ord("\\"): "\\\\"}


def _escape(data: bytes) -> str:
    """C-style escaping as protobuf's text format writes bytes: octal for non-printables."""
    return "".join(_ESCAPES.get(c) or (chr(c) if 0x20 <= c < 0x7F else f"\\{c:03o}")
                   for c in data)


def _text_scalar(v) -> str:
    if isinstance(v, bytes):
        return f'"{_escape(v)}"'
    if isinstance(v, float):
        if v != v:
            return "nan"
        if v in (float("inf"), float("-inf")):
            return "inf" if v > 0 else "-inf"
        s = f"{v:.6g}"  # as upb: FLT_DIG digits unless they do not round-trip as a float32
        return s if np.float32(float(s)) == np.float32(v) else f"{v:.9g}"
    return str(v)


class BytesList(_Message):
    """`tf.train.BytesList`: `value` is a list of bytes.

    Example:
        >>> BytesList(value=[b"a", b"bc"]).SerializeToString()
        b'\\n\\x01a\\n\\x02bc'
    """

    _FIELDS = ("value",)

    def _init(self) -> None:
        self.__dict__["value"] = _ScalarList(self, _check_bytes)

    def _serialize(self) -> bytes:
        return b"".join(b"\n" + encode_varint(len(v)) + v for v in self.value)

    def _merge_field(self, f, wt, buf, s, e) -> bool:
        if f == 1 and wt == 2:
            list.append(self.value, bytes(buf[s:e]))
            return True
        return False


class FloatList(_Message):
    """`tf.train.FloatList`: `value` holds float32-rounded Python floats, written packed.

    Example:
        >>> FloatList(value=[0.5]).SerializeToString()
        b'\\n\\x04\\x00\\x00\\x00?'
    """

    _FIELDS = ("value",)

    def _init(self) -> None:
        self.__dict__["value"] = _ScalarList(self, _check_float)

    def _serialize(self) -> bytes:
        v = self.value
        if not v:
            return b""
        payload = struct.pack(f"<{len(v)}f", *v) if len(v) < 32 else np.asarray(
            v, "<f4").tobytes()
        return b"\n" + encode_varint(len(payload)) + payload

    def _merge_field(self, f, wt, buf, s, e) -> bool:
        if f == 1 and wt in (2, 5):
            list.extend(self.value, _floats(buf, wt, s, e))
            return True
        return False


def _floats(buf, wt: int, s: int, e: int) -> list:
    if wt == 5:
        return [struct.unpack_from("<f", buf, s)[0]]
    if (e - s) % 4:
        raise DecodeError("packed floats not a multiple of 4 bytes")
    return np.frombuffer(buf, "<f4", (e - s) // 4, s).tolist()


class Int64List(_Message):
    """`tf.train.Int64List`: `value` is a list of ints in int64 range, written packed.

    Example:
        >>> Int64List(value=[1, -1]).SerializeToString().hex()
        '0a0b01ffffffffffffffffff01'
    """

    _FIELDS = ("value",)

    def _init(self) -> None:
        self.__dict__["value"] = _ScalarList(self, _check_int64)

    def _serialize(self) -> bytes:
        if not self.value:
            return b""
        payload = pack_int64s(self.value)
        return b"\n" + encode_varint(len(payload)) + payload

    def _merge_field(self, f, wt, buf, s, e) -> bool:
        if f == 1 and wt == 2:
            list.extend(self.value, unpack_varints(buf, s, e).tolist())
            return True
        if f == 1 and wt == 0:
            list.append(self.value, s - (1 << 64) if s > _INT64_MAX else s)
            return True
        return False


class Feature(_Message):
    """`tf.train.Feature`: one of `bytes_list`, `float_list`, `int64_list` (the oneof `kind`).

    Example:
        >>> f = Feature()
        >>> f.int64_list.value.append(3)
        >>> f.WhichOneof("kind")
        'int64_list'
    """

    _FIELDS = ("bytes_list", "float_list", "int64_list")
    bytes_list = _Sub(BYTES, "BytesList", oneof=True)
    float_list = _Sub(FLOAT, "FloatList", oneof=True)
    int64_list = _Sub(INT64, "Int64List", oneof=True)

    def _init(self) -> None:
        self._kind = None
        self._value = None

    def WhichOneof(self, group: str) -> str | None:
        if group != "kind":
            raise ValueError(f'Protocol message has no oneof "{group}" field.')
        return self._kind

    def ClearField(self, name: str) -> None:
        if self._kind == name or name == "kind":
            self._kind = self._value = None

    def _serialize(self) -> bytes:
        if self._kind is None:
            return b""
        return length_delimited(getattr(Feature, self._kind).field, self._value.SerializeToString())

    def _merge_field(self, f, wt, buf, s, e) -> bool:
        if wt != 2 or f not in _KIND_NAMES:
            return False
        name = _KIND_NAMES[f]
        if self._kind != name:
            self._kind, self._value = name, _CLASSES[getattr(Feature, name).cls_name]()
        self._value._merge(buf, s, e)
        return True


class Features(_Message):
    """`tf.train.Features`: `feature` maps names to Feature messages."""

    _FIELDS = ("feature",)
    _MAP_CLS = "Feature"

    def _init(self) -> None:
        self.__dict__[self._FIELDS[0]] = _MessageMap(self, _CLASSES[self._MAP_CLS])

    def _serialize(self) -> bytes:
        m = self.__dict__[self._FIELDS[0]]
        out = []
        for key in sorted(m, key=_upb_key_order):
            entry = length_delimited(1, key.encode("utf-8")) + length_delimited(
                2, m[key].SerializeToString())
            out.append(length_delimited(1, entry))
        return b"".join(out)

    def _merge_field(self, f, wt, buf, s, e) -> bool:
        if f != 1 or wt != 2:
            return False
        key, vs, ve = _map_entry(buf, s, e)
        msg = _CLASSES[self._MAP_CLS]()
        msg._merge(buf, vs, ve)
        dict.__setitem__(self.__dict__[self._FIELDS[0]], key, msg)  # a later entry replaces
        return True


def _upb_key_order(key: str) -> tuple[int, ...]:
    """Map key order of protobuf's deterministic serialization in Python (upb), which TensorFlow's
    `SerializeToString(deterministic=True)` uses: bytewise, but a key sorts *after* its own
    extensions ('abc' before 'ab' before 'a', '' last), an artifact of upb encoding backwards."""
    return (*key.encode("utf-8"), 256)


class FeatureList(_Message):
    """`tf.train.FeatureList`: `feature` is a repeated Feature (one per time step)."""

    _FIELDS = ("feature",)

    def _init(self) -> None:
        self.__dict__["feature"] = _MessageList(self, Feature)

    def _serialize(self) -> bytes:
        return b"".join(length_delimited(1, f.SerializeToString()) for f in self.feature)

    def _merge_field(self, f, wt, buf, s, e) -> bool:
        if f != 1 or wt != 2:
            return False
        msg = Feature()
        msg._merge(buf, s, e)
        list.append(self.feature, msg)
        return True


class FeatureLists(Features):
    """`tf.train.FeatureLists`: `feature_list` maps names to FeatureList messages."""

    _FIELDS = ("feature_list",)
    _MAP_CLS = "FeatureList"


class _Singulars(_Message):
    """A message made only of singular submessage fields (Example, SequenceExample)."""

    def _init(self) -> None:
        for name in self._FIELDS:
            self.__dict__["_" + name] = None

    def _serialize(self) -> bytes:
        out = []
        for name in self._FIELDS:
            desc = getattr(type(self), name)
            msg = desc.present(self)
            if msg is not None:
                out.append(length_delimited(desc.field, msg.SerializeToString()))
        return b"".join(out)

    def _merge_field(self, f, wt, buf, s, e) -> bool:
        if wt != 2:
            return False
        for name in self._FIELDS:
            desc = getattr(type(self), name)
            if desc.field == f:
                msg = desc.present(self)
                if msg is None:
                    msg = _CLASSES[desc.cls_name]()
                    self.__dict__[desc.slot] = msg
                msg._merge(buf, s, e)
                return True
        return False


class Example(_Singulars):
    """`tf.train.Example`: one record of named features.

    Example:
        >>> Example(features=Features(feature={"a": Feature(int64_list=Int64List(value=[1]))}))
        features {
          feature {
            key: "a"
            value {
              int64_list {
                value: 1
              }
            }
          }
        }
        <BLANKLINE>
    """

    _FIELDS = ("features",)
    features = _Sub(1, "Features")


class SequenceExample(_Singulars):
    """`tf.train.SequenceExample`: `context` Features plus per-step `feature_lists`."""

    _FIELDS = ("context", "feature_lists")
    context = _Sub(1, "Features")
    feature_lists = _Sub(2, "FeatureLists")


_CLASSES = {c.__name__: c for c in (BytesList, FloatList, Int64List, Feature, Features,
                                     FeatureList, FeatureLists, Example, SequenceExample)}
