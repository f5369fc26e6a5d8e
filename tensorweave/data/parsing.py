"""The NumPy core of `tf.io.parse_example` and friends, and TensorProto (de)serialization.

Everything here takes and returns plain Python/NumPy values, so that the public `tf.io` wrappers
only convert: a dense result is an `np.ndarray` (strings as object arrays of `bytes`, TensorFlow's
NumPy form of `tf.string`), a sparse one a `SparseValue(indices, values, dense_shape)` of arrays
that maps one to one onto `tf.SparseTensor`. Spec mistakes raise `ValueError` (as TensorFlow does
while building the op); bad data raises `InvalidArgumentError` (as its kernel does).

Example:
    >>> from tensorweave.data.example_proto import Example, Features, Feature, Int64List
    >>> ex = Example(features=Features(feature={"y": Feature(int64_list=Int64List(value=[3]))}))
    >>> out = parse_single_example(ex.SerializeToString(), {
    ...     "y": FixedLenFeature([], "int64"), "w": VarLenFeature("float32")})
    >>> out["y"], out["w"].dense_shape
    (array(3), array([0]))
"""

from __future__ import annotations

import math
import struct
from typing import Any, NamedTuple

import numpy as np

from tensorweave.data.example_proto import (
    BYTES, FLOAT, INT64, SequenceExample, decode_example, decode_feature, decode_features,
    encode_varint, iter_fields, length_delimited, unpack_varints)
from tensorweave.framework.errors import InvalidArgumentError

__all__ = [
    "DTYPE_ENUMS", "FixedLenFeature", "FixedLenSequenceFeature", "SparseValue", "VarLenFeature",
    "dtype_enum", "numpy_dtype", "parse_example", "parse_single_example",
    "parse_single_sequence_example", "parse_tensor", "serialize_tensor",
]

# --- dtypes --------------------------------------------------------------------------------------

# TensorFlow's DataType enum (types.proto), for the dtypes a TensorProto can carry here.
DTYPE_ENUMS = {
    "float32": 1, "float64": 2, "int32": 3, "uint8": 4, "int16": 5, "int8": 6, "string": 7,
    "complex64": 8, "int64": 9, "bool": 10, "bfloat16": 14, "uint16": 17, "complex128": 18,
    "float16": 19, "uint32": 22, "uint64": 23,
}
_ENUM_NAMES = {v: k for k, v in DTYPE_ENUMS.items()}
_ALIASES = {"float": "float32", "double": "float64", "half": "float16", "bytes": "string",
            "str": "string", "object": "string"}


def _dtype_name(dtype) -> str:
    """The canonical name of a DType (ours or TensorFlow's), NumPy dtype, name or enum."""
    enum = getattr(dtype, "as_datatype_enum", None)
    if isinstance(enum, int) and enum in _ENUM_NAMES:
        return _ENUM_NAMES[enum]
    if isinstance(dtype, int) and not isinstance(dtype, bool) and dtype in _ENUM_NAMES:
        return _ENUM_NAMES[dtype]
    if isinstance(dtype, str):
        name = _ALIASES.get(dtype, dtype)
        if name in DTYPE_ENUMS:
            return name
    if dtype in (bytes, str):
        return "string"
    try:
        npd = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"Cannot interpret {dtype!r} as a dtype.") from None
    if npd.kind in "OSU":
        return "string"
    if npd.name in DTYPE_ENUMS:
        return npd.name
    raise TypeError(f"dtype {dtype!r} has no TensorProto encoding here.")


def dtype_enum(dtype) -> int:
    """TensorFlow's DataType enum value of a dtype. Example: `dtype_enum('int64') == 9`."""
    return DTYPE_ENUMS[_dtype_name(dtype)]


def numpy_dtype(dtype) -> np.dtype:
    """The NumPy dtype holding values of `dtype` (object for strings; ml_dtypes for bfloat16)."""
    name = _dtype_name(dtype)
    if name == "string":
        return np.dtype(object)
    if name == "bfloat16":
        try:
            import ml_dtypes
        except ImportError as e:
            raise ImportError("bfloat16 needs the ml_dtypes package: "
                              "pip install 'tensorweave[bfloat16]'") from e
        return np.dtype(ml_dtypes.bfloat16)
    return np.dtype(name)


# --- feature specs -------------------------------------------------------------------------------

class FixedLenFeature(NamedTuple):
    """A feature with exactly prod(shape) values, parsed to a dense array of `shape`."""

    shape: Any
    dtype: Any
    default_value: Any = None


class VarLenFeature(NamedTuple):
    """A feature with any number of values, parsed to a SparseValue."""

    dtype: Any


class FixedLenSequenceFeature(NamedTuple):
    """A feature whose values are a sequence of `shape`-shaped items (rows padded in a batch).

    In an Example it needs `allow_missing=True`; `default_value` is the scalar used for padding.
    """

    shape: Any
    dtype: Any
    allow_missing: bool = False
    default_value: Any = None


class SparseValue(NamedTuple):
    """A sparse result: int64 `indices` [n, rank], `values` [n], int64 `dense_shape` [rank]."""

    indices: np.ndarray
    values: np.ndarray
    dense_shape: np.ndarray


_KIND_OF = {"string": BYTES, "float32": FLOAT, "int64": INT64}
_KIND_TEXT = {BYTES: "string", FLOAT: "float", INT64: "int64"}
_NP_OF = {BYTES: np.dtype(object), FLOAT: np.dtype(np.float32), INT64: np.dtype(np.int64)}


class _Spec:
    """A feature spec checked once: its kind, shape, element count and default."""

    def __init__(self, key: str, spec):
        if not isinstance(spec, (FixedLenFeature, VarLenFeature, FixedLenSequenceFeature)):
            raise ValueError(f"Unsupported feature spec for {key!r}: {spec!r}")
        name = _dtype_name(spec.dtype)
        if name not in _KIND_OF:
            raise ValueError(f"Feature {key!r}: dtype {name} is not one of float32, int64, "
                             "string.")
        self.key, self.spec, self.kind = key, spec, _KIND_OF[name]
        self.np = _NP_OF[self.kind]
        self.sparse = isinstance(spec, VarLenFeature)
        self.sequence = isinstance(spec, FixedLenSequenceFeature)
        if self.sparse:
            return
        shape = tuple(spec.shape) if spec.shape is not None else None
        if shape is None or any(d is None or d < 0 for d in shape):
            raise ValueError(f"All dimensions of shape for feature {key} need to be known but "
                             f"received {list(shape) if shape is not None else None}.")
        self.shape = tuple(int(d) for d in shape)
        self.size = math.prod(self.shape)
        self.default = None
        if self.sequence:
            pad = spec.default_value
            self.pad = _as_array([b"" if self.kind == BYTES else 0] if pad is None else [pad],
                                 self.np)[0]
        elif spec.default_value is not None:
            d = _as_array(spec.default_value, self.np)
            if d.size != self.size:
                raise ValueError(f"Feature {key!r}: default_value has {d.size} values but shape "
                                 f"{list(self.shape)} needs {self.size}.")
            self.default = d.reshape(self.shape)

    def describe(self) -> str:
        return f"{self.key} (data type: {_KIND_TEXT[self.kind]})"

    def values(self, found, where: str):
        """The feature's values as a 1-D array, or None if it is absent or holds no list."""
        if found is None or found[0] == 0:
            return None
        kind, vals = found
        if kind != self.kind:
            raise InvalidArgumentError(None, None, f"{where}Key: {self.key}.  Data types don't "
                                       f"match. Data type: {_KIND_TEXT[kind]} but expected type: "
                                       f"{_KIND_TEXT[self.kind]}")
        return _as_array(vals, self.np) if kind == BYTES else vals

    def dense(self, found, where: str) -> np.ndarray:
        vals = self.values(found, where)
        if vals is None:
            if self.default is None:
                raise InvalidArgumentError(None, None, f"{where}Feature: {self.describe()} is "
                                           "required but could not be found.")
            return self.default
        if vals.size != self.size:
            raise InvalidArgumentError(None, None, f"{where}Key: {self.key}.  Can't parse "
                                       f"serialized Example: expected {self.size} values, got "
                                       f"{vals.size}.")
        return vals.reshape(self.shape)

    def rows(self, found, where: str) -> np.ndarray:
        """A FixedLenSequenceFeature's [n, *shape] array."""
        vals = self.values(found, where)
        if vals is None:
            if not self.spec.allow_missing and found is None:
                raise InvalidArgumentError(None, None, f"{where}Feature: {self.describe()} is "
                                           "required but could not be found.")
            return np.zeros((0, *self.shape), self.np)
        if self.size == 0 or vals.size % self.size:
            raise InvalidArgumentError(None, None, f"{where}Error while parsing feature with "
                                       f"key {self.key}: number of elements should be divisible "
                                       f"by {self.size}, found {vals.size} instead")
        return vals.reshape((-1, *self.shape))


def _as_array(values, dtype: np.dtype) -> np.ndarray:
    if dtype.kind == "O":
        flat = np.asarray(values, dtype=object).reshape(-1)
        out = np.empty(flat.size, dtype=object)
        out[:] = [v.encode("utf-8") if isinstance(v, str) else bytes(v) for v in flat]
        return out.reshape(np.shape(values))
    return np.asarray(values, dtype=dtype)


def _specs(features: dict) -> list[_Spec]:
    specs = [_Spec(k, s) for k, s in features.items()]
    for s in specs:
        if s.sequence and not s.spec.allow_missing:
            raise ValueError("Unsupported: FixedLenSequenceFeature requires allow_missing to be "
                             "True.")
    return specs


def _decode(serialized, where: str) -> dict:
    try:
        return decode_example(_as_bytes(serialized))
    except Exception as e:  # any malformed input is the same error to the caller
        raise InvalidArgumentError(None, None, f"{where}Could not parse example input, value: "
                                   f"{_as_bytes(serialized)[:40]!r}") from e


def _as_bytes(x) -> bytes:
    if isinstance(x, np.ndarray):
        x = x.item()
    if isinstance(x, str):
        return x.encode("utf-8")
    return bytes(x)


# --- parsing Examples ----------------------------------------------------------------------------

def parse_single_example(serialized, features: dict) -> dict:
    """Parses one serialized Example (`tf.io.parse_single_example` without tensors).

    Returns {key: ndarray} for FixedLen(Sequence)Feature and {key: SparseValue} for
    VarLenFeature, with 1-D sparse indices.

    Example:
        >>> parse_single_example(b"", {"x": FixedLenFeature([2], "float32", [1, 2])})["x"]
        array([1., 2.], dtype=float32)
    """
    specs = _specs(features)
    found = _decode(serialized, "")
    out = {}
    for s in specs:
        f = found.get(s.key)
        if s.sparse:
            vals = s.values(f, "")
            vals = np.zeros(0, s.np) if vals is None else vals
            n = vals.size
            out[s.key] = SparseValue(np.arange(n, dtype=np.int64).reshape(n, 1), vals,
                                     np.array([n], np.int64))
        elif s.sequence:
            out[s.key] = s.rows(f, "")
        else:
            out[s.key] = s.dense(f, "")
    return out


def parse_example(serialized, features: dict) -> dict:
    """Parses a batch (1-D sequence) of serialized Examples (`tf.io.parse_example`).

    Dense results gain a leading batch dimension; FixedLenSequenceFeature rows are padded to the
    longest with its `default_value`; VarLenFeature gives [n, 2] indices (example, position) and
    dense_shape [batch, longest].

    Example:
        >>> parse_example([b"", b""], {"v": VarLenFeature("int64")})["v"].dense_shape
        array([2, 0])
    """
    specs = _specs(features)
    batch = [_as_bytes(s) for s in np.asarray(serialized, dtype=object).reshape(-1)]
    decoded = [_decode(s, f"Name: <unknown>, Index: {i}. ") for i, s in enumerate(batch)]
    n = len(decoded)
    out = {}
    for s in specs:
        if s.sparse:
            parts = []
            for i, d in enumerate(decoded):
                v = s.values(d.get(s.key), f"Name: <unknown>, Index: {i}. ")
                parts.append(np.zeros(0, s.np) if v is None else v)
            lengths = np.array([p.size for p in parts], dtype=np.int64)
            rows = np.repeat(np.arange(n, dtype=np.int64), lengths)
            starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
            cols = np.arange(rows.size, dtype=np.int64) - starts
            values = np.concatenate(parts) if parts else np.zeros(0, s.np)
            out[s.key] = SparseValue(np.stack([rows, cols], axis=1), values.astype(s.np),
                                     np.array([n, lengths.max(initial=0)], np.int64))
        elif s.sequence:
            parts = [s.rows(d.get(s.key), f"Name: <unknown>, Index: {i}. ")
                     for i, d in enumerate(decoded)]
            longest = max((p.shape[0] for p in parts), default=0)
            dense = np.full((n, longest, *s.shape), s.pad, dtype=s.np)
            for i, p in enumerate(parts):
                dense[i, :p.shape[0]] = p
            out[s.key] = dense
        else:
            dense = np.empty((n, *s.shape), dtype=s.np)
            for i, d in enumerate(decoded):
                dense[i] = s.dense(d.get(s.key), f"Name: <unknown>, Index: {i}. ")
            out[s.key] = dense
    return out


def parse_single_sequence_example(serialized, context_features: dict | None = None,
                                  sequence_features: dict | None = None) -> tuple[dict, dict]:
    """Parses one SequenceExample: (context results, per-step results).

    Context specs behave as in `parse_single_example`. A FixedLenSequenceFeature gives a
    [steps, *shape] array, a VarLenFeature a SparseValue with [n, 2] indices (step, position).

    Example:
        >>> _, seq = parse_single_sequence_example(b"", {}, {"t": VarLenFeature("int64")})
        >>> seq["t"].dense_shape
        array([0, 0])
    """
    try:
        msg = SequenceExample.FromString(_as_bytes(serialized))
    except Exception as e:
        raise InvalidArgumentError(None, None, "Could not parse sequence example input") from e
    ctx = decode_features(msg.context.SerializeToString()) if msg.HasField("context") else {}
    context = {}
    for s in (_Spec(k, v) for k, v in (context_features or {}).items()):
        f = ctx.get(s.key)
        if s.sparse:
            v = s.values(f, "")
            v = np.zeros(0, s.np) if v is None else v
            context[s.key] = SparseValue(np.arange(v.size, dtype=np.int64)[:, None], v,
                                         np.array([v.size], np.int64))
        else:
            context[s.key] = s.rows(f, "") if s.sequence else s.dense(f, "")
    lists = msg.feature_lists.feature_list
    sequences = {}
    for s in (_Spec(k, v) for k, v in (sequence_features or {}).items()):
        steps = None
        if s.key in dict.keys(lists):  # not lists[key]: that would insert an empty entry
            steps = [decode_feature(f.SerializeToString()) for f in lists[s.key].feature]
        if s.sparse:
            parts = [s.values(st, "") for st in steps or []]
            parts = [np.zeros(0, s.np) if p is None else p for p in parts]
            lengths = np.array([p.size for p in parts], dtype=np.int64)
            rows = np.repeat(np.arange(len(parts), dtype=np.int64), lengths)
            cols = np.arange(rows.size, dtype=np.int64) - np.repeat(
                np.cumsum(lengths) - lengths, lengths)
            values = np.concatenate(parts).astype(s.np) if parts else np.zeros(0, s.np)
            sequences[s.key] = SparseValue(np.stack([rows, cols], axis=1), values,
                                           np.array([len(parts), lengths.max(initial=0)],
                                                    np.int64))
        elif steps is None:
            if not (s.sequence and s.spec.allow_missing):
                raise InvalidArgumentError(None, None, f"Feature list: {s.describe()} is "
                                           "required but could not be found.")
            sequences[s.key] = np.zeros((0, *s.shape), s.np)
        else:
            items = [s.dense(st, "") for st in steps]
            sequences[s.key] = np.stack(items) if items else np.zeros((0, *s.shape), s.np)
    return context, sequences


# --- TensorProto ---------------------------------------------------------------------------------

# TensorProto fields holding typed values: field -> (wire decoder, dtypes it serves)
_VAL_FIELDS = {5: "<f4", 6: "<f8", 7: "varint", 9: "<f4", 10: "varint", 11: "varint",
               12: "<f8", 13: "varint", 16: "varint", 17: "varint"}


def serialize_tensor(array) -> bytes:
    """A NumPy array (or scalar, or nested list) as TensorFlow's serialized TensorProto.

    Numbers go in `tensor_content` (little-endian raw bytes), strings in repeated `string_val`,
    exactly as `tf.io.serialize_tensor` writes them.

    Example:
        >>> serialize_tensor(np.float32(1.5)).hex()
        '0801120022040000c03f'
    """
    arr = np.asarray(array)
    if arr.dtype.kind in "OSU":
        name = "string"
    else:
        name = _dtype_name(arr.dtype)
    shape = b"".join(length_delimited(2, (b"\x08" + encode_varint(d)) if d else b"")
                     for d in arr.shape)
    out = [b"\x08" + encode_varint(DTYPE_ENUMS[name]), length_delimited(2, shape)]
    if name == "string":
        for v in arr.reshape(-1):
            v = v.encode("utf-8") if isinstance(v, str) else bytes(v)
            out.append(length_delimited(8, v))
    elif arr.size:
        data = np.ascontiguousarray(arr)
        if data.dtype.byteorder == ">":
            data = data.astype(data.dtype.newbyteorder("<"))
        out.append(length_delimited(4, data.tobytes()))
    return b"".join(out)


def parse_tensor(serialized, out_type) -> np.ndarray:
    """The NumPy array of a serialized TensorProto (`tf.io.parse_tensor`), checking its dtype.

    Reads `tensor_content` and the typed `*_val` fields; as TensorFlow does, fewer typed values
    than elements repeat the last one.

    Example:
        >>> parse_tensor(serialize_tensor(np.arange(3)), "int64")
        array([0, 1, 2])
    """
    buf = _as_bytes(serialized)
    want = _dtype_name(out_type)
    enum, dims, content, strings, vals = 0, [], None, [], {}
    try:
        for f, wt, a, b, _ in iter_fields(buf, 0, len(buf)):
            if f == 1 and wt == 0:
                enum = a
            elif f == 2 and wt == 2:
                dims = _parse_shape(buf, a, b)
            elif f == 4 and wt == 2:
                content = buf[a:b]
            elif f == 8 and wt == 2:
                strings.append(buf[a:b])
            elif f in _VAL_FIELDS:
                vals.setdefault(f, []).append(_typed_values(f, wt, buf, a, b))
    except Exception as e:
        raise InvalidArgumentError(None, None, "Could not parse `serialized` as TensorProto: "
                                   f"{e}") from e
    got = _ENUM_NAMES.get(enum, f"enum {enum}")
    if got != want:
        raise InvalidArgumentError(None, None, f"Type mismatch between parsed tensor ({got}) and "
                                   f"dtype ({want})")
    npd = numpy_dtype(want)
    count = math.prod(dims)
    if want == "string":
        flat = np.empty(count, dtype=object)
        flat[:] = _fill(strings, count, b"")
        return flat.reshape(dims)
    if content is not None:
        flat = np.frombuffer(content, dtype=npd.newbyteorder("<") if npd.itemsize > 1 else npd)
        if flat.size != count:
            raise InvalidArgumentError(None, None, f"tensor_content holds {flat.size} values for "
                                       f"shape {dims}")
        return flat.astype(npd).reshape(dims)
    raw = [v for f in sorted(vals) for chunk in vals[f] for v in chunk]
    if want in ("float16", "bfloat16"):  # half_val holds the 16-bit patterns in int32s
        flat = np.array(_fill(raw, count, 0), dtype=np.uint16).view(npd)
    elif want.startswith("complex"):
        pairs = np.array(raw, dtype=np.float64).reshape(-1, 2)
        flat = np.array(_fill(list(pairs[:, 0] + 1j * pairs[:, 1]), count, 0), dtype=npd)
    else:
        flat = np.array(_fill(raw, count, 0), dtype=object).astype(npd)
    return flat.reshape(dims)


def _fill(values: list, count: int, zero) -> list:
    if len(values) >= count:
        return values[:count]
    return values + [values[-1] if values else zero] * (count - len(values))


def _parse_shape(buf, a: int, b: int) -> list[int]:
    dims = []
    for f, wt, s, e, _ in iter_fields(buf, a, b):
        if f == 2 and wt == 2:
            size = 0
            for g, wt2, v, _e, _s in iter_fields(buf, s, e):
                if g == 1 and wt2 == 0:
                    size = v - (1 << 64) if v >= 1 << 63 else v
            dims.append(size)
        elif f == 3 and wt == 0 and s:
            raise ValueError("unknown rank")
    if any(d < 0 for d in dims):
        raise ValueError(f"shape {dims} is not fully defined")
    return dims


def _typed_values(field: int, wt: int, buf, a: int, b: int) -> list:
    kind = _VAL_FIELDS[field]
    if kind == "varint":
        if wt == 0:
            vals = [a]
        else:
            vals = unpack_varints(buf, a, b).tolist()
        if field in (7, 13):  # int32 fields: negative values come as 10-byte varints
            vals = [v - (1 << 64) if v >= 1 << 63 else v for v in vals]
        if field == 17:
            vals = [v & ((1 << 64) - 1) for v in vals]
        return vals
    size = 4 if kind == "<f4" else 8
    if wt == 2:
        return np.frombuffer(buf, kind, (b - a) // size, a).tolist()
    return list(struct.unpack_from(kind, buf, a))

