"""Protobuf's wire format, as much of it as TensorFlow's Example and TensorProto messages use.

Primitives (varints, tags, length-delimited fields, packed int64s) and the fast path of
`tf.io.parse_example`: serialized Examples decoded straight to NumPy arrays, without building
message objects. The message classes live in example_proto.py.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "BYTES", "DecodeError", "FLOAT", "INT64", "decode_example", "decode_feature",
    "decode_features", "encode_varint", "iter_fields", "length_delimited", "pack_int64s",
    "read_varint", "unpack_varints",
]

BYTES, FLOAT, INT64 = 1, 2, 3  # Feature's oneof field numbers, also used as kind codes
KIND_NAMES = {BYTES: "bytes_list", FLOAT: "float_list", INT64: "int64_list"}
_U64_MASK = (1 << 64) - 1


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
        if wt != 2 or f not in KIND_NAMES:
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
        >>> from tensorweave.data.example_proto import Feature, Features, FloatList
        >>> f = Features(feature={"x": Feature(float_list=FloatList(value=[1]))})
        >>> decode_features(f.SerializeToString())
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
