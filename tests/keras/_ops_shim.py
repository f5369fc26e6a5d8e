"""Test-only stand-ins for tf ops that another engineer's area has not landed yet.

Each is installed only where the real op is missing (`monkeypatch`, so nothing leaks between
tests), computes with NumPy eagerly and has no gradient. Delete this file once tf.math has them.
"""

from __future__ import annotations

import math

import numpy as np

import tensorweave as tf
from tensorweave.framework.tensor import Tensor
from tensorweave.ops import math_ops

_erf = np.vectorize(math.erf)


def _np(x):
    return np.asarray(x.numpy() if hasattr(x, "numpy") else x)


def _out(a, like=None):
    a = np.asarray(a)
    if like is not None and np.asarray(like).dtype.kind == "f" and a.dtype.kind == "f":
        a = a.astype(np.asarray(like).dtype)
    return tf.constant(a)


def _unary(fn):
    return lambda x, name=None: _out(fn(_np(x)), _np(x))


def _binary(fn):
    def op(x, y, name=None):
        a, b = _np(x), _np(y)
        ref = a if isinstance(x, (Tensor, tf.Variable, np.ndarray)) else b
        return _out(fn(a.astype(ref.dtype) if a.dtype != ref.dtype else a,
                       b.astype(ref.dtype) if b.dtype != ref.dtype else b), ref)
    return op


def _reduce(fn):
    def op(x, axis=None, keepdims=False, name=None):
        ax = tuple(axis) if isinstance(axis, (list, tuple)) else axis
        a = _np(x)
        return _out(fn(a, axis=ax, keepdims=keepdims), a)
    return op


def _sigmoid(a):
    return 1 / (1 + np.exp(-a))


UNARY = {"sqrt": np.sqrt, "exp": np.exp, "log": np.log, "abs": np.abs, "sign": np.sign,
         "tanh": np.tanh, "sigmoid": _sigmoid, "softplus": lambda a: np.logaddexp(0, a),
         "softsign": lambda a: a / (1 + np.abs(a)), "erf": _erf, "rsqrt": lambda a: 1 / np.sqrt(a),
         "reciprocal": lambda a: 1 / a, "log1p": np.log1p, "expm1": np.expm1,
         "stop_gradient": lambda a: a, "floor": np.floor, "round": np.round,
         "is_finite": np.isfinite, "cos": np.cos, "sin": np.sin, "ceil": np.ceil,
         "is_nan": np.isnan, "logical_not": np.logical_not}
BINARY = {"maximum": np.maximum, "minimum": np.minimum, "greater": np.greater,
          "greater_equal": np.greater_equal, "less": np.less, "less_equal": np.less_equal,
          "equal": np.equal, "not_equal": np.not_equal, "squared_difference":
          lambda a, b: (a - b) ** 2, "divide_no_nan": lambda a, b: np.where(b == 0, 0, a / np.where(
              b == 0, 1, b)), "logical_and": np.logical_and, "floormod": np.mod,
          "logical_or": np.logical_or}
REDUCE = {"reduce_max": np.max, "reduce_min": np.min, "reduce_mean": np.mean,
          "reduce_prod": np.prod, "reduce_any": np.any, "reduce_all": np.all,
          "reduce_logsumexp": lambda a, axis=None, keepdims=False: np.log(
              np.sum(np.exp(a), axis=axis, keepdims=keepdims))}


def _where(c, x=None, y=None, name=None):
    return _out(np.where(_np(c), _np(x), _np(y)), _np(x))


def _clip(t, lo, hi, name=None):
    a = _np(t)
    return _out(np.clip(a, _np(lo), _np(hi)), a)


def _zeros(shape, dtype=tf.float32, name=None):
    return tf.constant(np.zeros(tuple(shape), dtype=tf.as_dtype(dtype).np_dtype))


def _ones(shape, dtype=tf.float32, name=None):
    return tf.constant(np.ones(tuple(shape), dtype=tf.as_dtype(dtype).np_dtype))


def _fill(dims, value, name=None):
    v = _np(value)
    return tf.constant(np.full(tuple(_np(dims).tolist()), v, dtype=v.dtype))


def _shape(x, out_type=None, name=None):
    return tf.constant(np.asarray(_np(x).shape, dtype=np.int32))


def _reshape(x, shape, name=None):
    return tf.constant(_np(x).reshape(tuple(_np(shape).tolist())))


def _split(x, n, axis=0, name=None):
    return [tf.constant(p) for p in np.split(_np(x), n, axis=axis)]


def _argmax(x, axis=None, output_type=tf.int64, name=None):
    return tf.constant(np.argmax(_np(x), axis=0 if axis is None else axis).astype(
        tf.as_dtype(output_type).np_dtype))


def _l2_normalize(x, axis=None, epsilon=1e-12, name=None):
    a = _np(x)
    return _out(a / np.sqrt(np.maximum(np.sum(a * a, axis=axis, keepdims=True), epsilon)), a)


def _expand_dims(x, axis, name=None):
    return tf.constant(np.expand_dims(_np(x), axis))


def _squeeze(x, axis=None, name=None):
    return tf.constant(np.squeeze(_np(x), axis=axis))


def _size(x, out_type=tf.int32, name=None):
    return tf.constant(np.asarray(_np(x).size, dtype=tf.as_dtype(out_type).np_dtype))


def _broadcast_to(x, shape, name=None):
    return tf.constant(np.broadcast_to(_np(x), tuple(_np(shape).tolist())).copy())


def _gather(x, indices, axis=None, batch_dims=0, name=None):
    return tf.constant(np.take(_np(x), _np(indices), axis=axis or 0))


def _rank(x, name=None):
    return tf.constant(np.int32(_np(x).ndim))


def _one_hot(indices, depth, on_value=None, off_value=None, axis=None, dtype=None, name=None):
    return tf.constant(np.eye(depth, dtype=np.float32)[_np(indices)])


def _concat(values, axis, name=None):
    return tf.constant(np.concatenate([_np(v) for v in values], axis=axis))


def _stack(values, axis=0, name=None):
    return tf.constant(np.stack([_np(v) for v in values], axis=axis))


def _top_k(x, k=1, sorted=True, name=None):  # noqa: A002
    a = _np(x)
    idx = np.argsort(-a, axis=-1, kind="stable")[..., :k]
    return tf.constant(np.take_along_axis(a, idx, -1)), tf.constant(idx.astype(np.int32))


def _clip_by_norm(t, clip_norm, axes=None, name=None):
    a = _np(t)
    n = np.sqrt((a * a).sum())
    return _out(a * clip_norm / max(n, clip_norm), a)


def _clip_by_global_norm(ts, clip_norm, use_norm=None, name=None):
    arrays = [_np(t) for t in ts]
    n = np.sqrt(sum((a * a).sum() for a in arrays))
    scale = clip_norm / max(n, clip_norm)
    return [_out(a * scale, a) for a in arrays], tf.constant(n)


EXTRA = {"clip_by_norm": _clip_by_norm, "clip_by_global_norm": _clip_by_global_norm,
         "expand_dims": _expand_dims, "squeeze": _squeeze, "size": _size,
         "broadcast_to": _broadcast_to, "gather": _gather, "rank": _rank, "one_hot": _one_hot,
         "concat": _concat, "stack": _stack, "where": _where, "clip_by_value": _clip,
         "zeros": _zeros, "ones": _ones, "fill": _fill,
         "shape": _shape, "reshape": _reshape, "split": _split, "argmax": _argmax}


def install(monkeypatch) -> None:
    """Installs every missing stand-in into tf, tf.math, tf.nn and math_ops."""
    table = {**{k: _unary(f) for k, f in UNARY.items()},
             **{k: _binary(f) for k, f in BINARY.items()},
             **{k: _reduce(f) for k, f in REDUCE.items()}, **EXTRA}
    for name, fn in table.items():
        for namespace in (tf, tf.math, math_ops):
            if not hasattr(namespace, name):
                monkeypatch.setattr(namespace, name, fn, raising=False)
    if not hasattr(tf.math, "top_k"):
        monkeypatch.setattr(tf.math, "top_k", _top_k, raising=False)
    if not hasattr(tf.math, "l2_normalize"):
        monkeypatch.setattr(tf.math, "l2_normalize", _l2_normalize, raising=False)
    for dunder, name in (("__gt__", "greater"), ("__ge__", "greater_equal"), ("__lt__", "less"),
                         ("__le__", "less_equal")):
        if dunder not in Tensor.__dict__:
            monkeypatch.setattr(Tensor, dunder, table[name], raising=False)
    if "__getitem__" not in Tensor.__dict__:
        monkeypatch.setattr(Tensor, "__getitem__", lambda self, key: tf.constant(_np(self)[key]),
                            raising=False)
    if "__abs__" not in Tensor.__dict__:
        monkeypatch.setattr(Tensor, "__abs__", table["abs"], raising=False)
