"""The machinery behind Layer.__call__: the call context, call signatures, input shapes."""

from __future__ import annotations

import functools
import inspect
import threading

import numpy as np

from tensorweave.framework import dtypes
from tensorweave.framework.context import init_scope
from tensorweave.util import nest


class _CallContext(threading.local):
    """The outermost layer call's `training` value, seen by the layers it calls."""

    def __init__(self):
        self.depth = 0
        self.training = None


_call_context = _CallContext()
# Bumped whenever any layer gains or loses a sublayer: invalidates cached layer walks.
_TRACK_VERSION = [0]


class _Signature:
    """What a `call` method accepts, computed once per class."""

    def __init__(self, fn):
        params = inspect.signature(fn).parameters
        self.has_training = "training" in params
        self.has_mask = "mask" in params
        self.var_kwargs = any(p.kind is p.VAR_KEYWORD for p in params.values())
        p = params.get("training")
        self.training_default = None if p is None or p.default is p.empty else p.default
        positional = [p for p in params.values() if p.kind in (p.POSITIONAL_ONLY,
                                                               p.POSITIONAL_OR_KEYWORD)]
        self.first_arg = positional[0].name if positional else None
        self.custom_mask = False


def _signature(cls) -> _Signature:
    sig = cls.__dict__.get("_call_signature_cache")
    if sig is None:
        from tensorweave.keras.engine.layer import Layer

        sig = _Signature(cls.call)
        sig.custom_mask = cls.compute_mask is not Layer.compute_mask
        cls._call_signature_cache = sig
    return sig


_NP_DTYPES: dict = {}


def _np_dtype(name: str):
    d = _NP_DTYPES.get(name)
    if d is None:
        d = _NP_DTYPES[name] = dtypes.as_dtype(name).np_dtype
    return d


def _marking_built(build):
    """Wraps a subclass's build: weights created eagerly, and `built` set, as Keras does."""
    @functools.wraps(build)
    def wrapper(self, *args, **kwargs):
        with init_scope():
            result = build(self, *args, **kwargs)
        object.__setattr__(self, "built", True)
        if args and "_build_input_shape" not in self.__dict__:
            object.__setattr__(self, "_build_input_shape", args[0])
        return result

    wrapper._marks_built = True
    return wrapper


def _is_plain(v) -> bool:
    if v is None or isinstance(v, (bool, int, float, str)):
        return True
    if isinstance(v, (list, tuple)):
        return all(_is_plain(x) for x in v)
    if isinstance(v, dict):
        return all(isinstance(k, str) and _is_plain(x) for k, x in v.items())
    return False


def _to_tensor(x, compute_dtype):
    import tensorweave as tf

    arr = np.asarray(x)
    if arr.dtype.kind == "f" and compute_dtype is not None:
        return tf.constant(arr.astype(dtypes.as_dtype(compute_dtype).np_dtype, copy=False))
    return tf.convert_to_tensor(arr)


def _shape_tuple(x):
    shape = getattr(x, "shape", None)
    if shape is None:
        return None
    dims = shape.as_tuple() if hasattr(shape, "as_tuple") else tuple(shape)
    return None if dims is None else tuple(dims)


def _shapes_of(inputs):
    """Input shapes as Keras passes them to build: a tuple, or a list/dict of tuples."""
    if isinstance(inputs, (list, tuple, dict)):
        return nest.map_structure(_shape_tuple, inputs) if not isinstance(inputs, tuple) else \
            [_shape_tuple(x) for x in inputs]
    return _shape_tuple(inputs)


def _get_initializer(identifier):
    try:
        from tensorweave.keras import initializers
    except ImportError:  # the parts engineer's module not there: names Keras knows best
        initializers = None
    if initializers is not None:
        return initializers.get(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"Unknown initializer {identifier!r}")
