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

import struct

import numpy as np

from tensorweave.data.wire_format import (  # noqa: F401 - re-exported: parsing.py reads them here
    BYTES, FLOAT, INT64, KIND_NAMES, DecodeError, _map_entry, decode_example, decode_feature,
    decode_features, encode_varint, iter_fields, length_delimited, pack_int64s, read_varint,
    unpack_varints)
from tensorweave.data.proto_fields import (CLASSES as _CLASSES, _check_bytes, _check_float,
                                           _check_int64, _convert_many, _MessageList,
                                           _MessageMap, _ScalarList, _Sub)

__all__ = [
    "BytesList", "DecodeError", "Example", "Feature", "FeatureList", "FeatureLists", "Features",
    "FloatList", "Int64List", "SequenceExample", "decode_example", "decode_feature",
    "decode_features",
]

_KIND_NAMES = KIND_NAMES
_INT64_MAX = (1 << 63) - 1


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


_CLASSES.update({c.__name__: c for c in (BytesList, FloatList, Int64List, Feature, Features,
                                         FeatureList, FeatureLists, Example, SequenceExample)})
