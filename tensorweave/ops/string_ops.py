"""tf.strings basics. Strings are NumPy object arrays of bytes and always live on the CPU (as in
TensorFlow, whose string kernels are CPU-only); none of these ops is differentiable."""

from __future__ import annotations

import builtins
import re
import zlib

import numpy as np

from tensorweave.framework import dtypes
from tensorweave.framework.context import CPU0, device_scope
from tensorweave.framework.op_def import execute, op
from tensorweave.ops import _infer
from tensorweave.ops._convert import tensor

__all__ = []  # tf.strings names are exported by api/strings.py


def _map_bytes(fn, x: np.ndarray, out_dtype=object) -> np.ndarray:
    """Applies `fn` to every element of a string array."""
    out = np.empty(x.shape, dtype=out_dtype)
    flat_in, flat_out = x.reshape(-1), out.reshape(-1)
    for i, v in enumerate(flat_in):
        flat_out[i] = fn(v)
    return out


def _string_input(x):
    t = tensor(x)
    if t.dtype is not dtypes.string:
        raise TypeError(f"Expected a tf.string tensor, got {t.dtype.name}")
    return t


def _run(opdef, inputs, attrs):
    with device_scope(CPU0):
        return execute(opdef, inputs, attrs)


def _unary_string_op(name: str, fn, out_dtype=dtypes.string):
    def kernel(xp, x, **attrs):
        return _map_bytes(lambda v: fn(v, **attrs), x, out_dtype.np_dtype)
    return op(name, infer=_infer.like(0, out_dtype), differentiable=False)(kernel)


_length_bytes = _unary_string_op("StringLength", lambda v, unit: len(v) if unit == "BYTE" else
                                 len(v.decode("utf-8")), dtypes.int32)
_upper = _unary_string_op("StringUpper", lambda v: v.upper())
_lower = _unary_string_op("StringLower", lambda v: v.lower())
_strip = _unary_string_op("StringStrip", lambda v: v.strip())
_to_number = {d: _unary_string_op(f"StringToNumber_{d.name}", lambda v, d=d: d.np_dtype.type(
    float(v) if d.is_floating else int(v)), d) for d in (dtypes.float32, dtypes.float64,
                                                         dtypes.int32, dtypes.int64)}


def length(input, unit="BYTE", name=None):
    """The length of each string in bytes ('BYTE') or characters ('UTF8_CHAR')."""
    if unit not in ("BYTE", "UTF8_CHAR"):
        raise ValueError(f"unit must be 'BYTE' or 'UTF8_CHAR', got {unit!r}")
    return _run(_length_bytes, (_string_input(input),), {"unit": unit})


def upper(input, encoding="", name=None):
    return _run(_upper, (_string_input(input),), {})


def lower(input, encoding="", name=None):
    return _run(_lower, (_string_input(input),), {})


def strip(input, name=None):
    return _run(_strip, (_string_input(input),), {})


def to_number(string_tensor, out_type=dtypes.float32, name=None):
    """Parses each string as a number; a malformed one raises InvalidArgumentError."""
    out_type = dtypes.as_dtype(out_type)
    if out_type not in _to_number:
        raise TypeError(f"to_number supports float32, float64, int32 and int64, got {out_type}")
    return _run(_to_number[out_type], (_string_input(string_tensor),), {})


@op("AsString", infer=_infer.like(0, dtypes.string), differentiable=False)
def _as_string(xp, x, *, precision, shortest):
    def fmt(v):
        if isinstance(v, (bool, np.bool_)):
            return b"true" if v else b"false"
        if isinstance(v, (float, np.floating)):
            if precision >= 0:
                return f"{v:.{precision}f}".encode()
            return (repr(float(v)) if shortest else f"{v:f}").encode()
        return str(v).encode()
    return _map_bytes(fmt, np.asarray(x))


def as_string(input, precision=-1, scientific=False, shortest=False, width=-1, fill="",
              name=None):
    """Formats each element as a string (floats with 6 decimals unless told otherwise)."""
    return _run(_as_string, (tensor(input),), {"precision": int(precision),
                                               "shortest": bool(shortest)})


@op("StringJoin", infer=lambda *xs, separator: _infer.Spec(
    next((x.shape for x in xs if x.shape), ()), dtypes.string), differentiable=False)
def _join(xp, *xs, separator):
    arrays = np.broadcast_arrays(*[np.asarray(x, dtype=object) for x in xs])
    out = np.empty(arrays[0].shape, dtype=object)
    flat = out.reshape(-1)
    columns = [a.reshape(-1) for a in arrays]
    sep = separator.encode()
    for i in range(flat.size):
        flat[i] = sep.join(c[i] for c in columns)
    return out


def join(inputs, separator="", name=None):
    """Elementwise concatenation of strings with a separator (`tf.strings.join`)."""
    return _run(_join, tuple(_string_input(x) for x in inputs), {"separator": separator})


@op("ReduceJoin", infer=lambda x, *, axis, keepdims, separator: _infer.Spec(
    _infer.reduced_shape(x.shape, axis, keepdims), dtypes.string), differentiable=False)
def _reduce_join(xp, x, *, axis, keepdims, separator):
    sep = separator.encode()
    axes = tuple(range(x.ndim)) if axis is None else tuple(a % x.ndim for a in axis)
    moved = np.moveaxis(x, axes, tuple(range(x.ndim - len(axes), x.ndim)))
    kept_shape = moved.shape[:x.ndim - len(axes)]
    flat = moved.reshape(kept_shape + (-1,))
    out = np.empty(kept_shape, dtype=object)
    for idx in np.ndindex(kept_shape):
        out[idx] = sep.join(flat[idx])
    if keepdims:
        out = out.reshape(tuple(1 if i in axes else d for i, d in enumerate(x.shape)))
    return out


def reduce_join(inputs, axis=None, keepdims=False, separator="", name=None):
    if axis is not None:
        axis = (int(axis),) if isinstance(axis, int) else tuple(int(a) for a in axis)
    return _run(_reduce_join, (_string_input(inputs),), {"axis": axis, "keepdims": keepdims,
                                                         "separator": separator})


@op("Substr", infer=lambda x, *, pos, len, unit: x, differentiable=False)
def _substr(xp, x, *, pos, len, unit):  # noqa: A002 - TensorFlow's attribute names
    def cut(v):
        s = v if unit == "BYTE" else v.decode("utf-8")
        if pos > builtins.len(s) or pos < -builtins.len(s):
            raise ValueError(f"pos {pos} out of range for string of length {builtins.len(s)}")
        start = pos if pos >= 0 else builtins.len(s) + pos
        piece = s[start:start + len]
        return piece if unit == "BYTE" else piece.encode("utf-8")
    return _map_bytes(cut, x)



def substr(input, pos, len, unit="BYTE", name=None):  # noqa: A002
    return _run(_substr, (_string_input(input),), {"pos": int(pos), "len": int(len),
                                                   "unit": unit})


@op("RegexReplace", infer=_infer.like(0), differentiable=False)
def _regex_replace(xp, x, *, pattern, rewrite, replace_global):
    compiled = re.compile(pattern.encode())
    repl = re.sub(rb"\\(\d)", rb"\\g<\1>", rewrite.encode())
    return _map_bytes(lambda v: compiled.sub(repl, v, count=0 if replace_global else 1), x)


def regex_replace(input, pattern, rewrite, replace_global=True, name=None):
    return _run(_regex_replace, (_string_input(input),), {
        "pattern": pattern, "rewrite": rewrite, "replace_global": bool(replace_global)})


@op("RegexFullMatch", infer=_infer.like(0, dtypes.bool), differentiable=False)
def _regex_full_match(xp, x, *, pattern):
    compiled = re.compile(pattern.encode())
    return _map_bytes(lambda v: compiled.fullmatch(v) is not None, x, np.bool_)


def regex_full_match(input, pattern, name=None):
    return _run(_regex_full_match, (_string_input(input),), {"pattern": pattern})


@op("StringToHashBucketFast", infer=_infer.like(0, dtypes.int64), differentiable=False)
def _hash_bucket(xp, x, *, num_buckets):
    return _map_bytes(lambda v: zlib.crc32(v) % num_buckets, x, np.int64)


def to_hash_bucket_fast(input, num_buckets, name=None):
    """A stable hash of each string into [0, num_buckets) (CRC32 based; TensorFlow uses
    FarmHash, so bucket numbers differ from TensorFlow's)."""
    return _run(_hash_bucket, (_string_input(input),), {"num_buckets": int(num_buckets)})


@op("StringFormat", infer=lambda *xs, template: _infer.Spec((), dtypes.string),
    differentiable=False)
def _format(xp, *xs, template):
    parts = template.split("{}")
    if len(parts) - 1 != len(xs):
        raise ValueError(f"template has {len(parts) - 1} placeholders but got {len(xs)} inputs")
    out = parts[0]
    for x, rest in zip(xs, parts[1:]):
        out += np.array2string(np.asarray(x), separator=" ") + rest
    return np.asarray(out.encode(), dtype=object)


def format(template, inputs, placeholder="{}", summarize=3, name=None):  # noqa: A001
    if placeholder != "{}":
        template = template.replace(placeholder, "{}")
    inputs = inputs if isinstance(inputs, (list, tuple)) else [inputs]
    return _run(_format, tuple(tensor(x) for x in inputs), {"template": template})
