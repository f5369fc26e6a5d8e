"""Cache keys for traced functions: TensorFlow's retracing rules.

A call's arguments are bound to the Python signature and walked as a nested structure. Tensors
(and NumPy arrays, converted to tensors) are keyed by shape and dtype, variables by identity,
hashable Python values by type and value, other objects by identity. Two calls with equal keys
share one trace.
"""

from __future__ import annotations

import inspect

import numpy as np

from tensorweave.framework import dtypes
from tensorweave.framework.tensor import SymbolicTensor, Tensor
from tensorweave.framework.tensor_spec import TensorSpec

_TENSORS = (Tensor, SymbolicTensor)


class Binder:
    """Binds (args, kwargs) to a function's parameters in declaration order."""

    def __init__(self, fn):
        try:
            self.sig = inspect.signature(fn)
        except (TypeError, ValueError):
            self.sig = None
        params = list(self.sig.parameters.values()) if self.sig else []
        self.names = [p.name for p in params]
        self.simple = bool(params) and all(
            p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty
            for p in params)
        self.nparams = len(params)
        if self.sig is not None and not params:
            self.simple = True

    def bind(self, args: tuple, kwargs: dict):
        """(names, values, varargs info): positional values in parameter order, then **kwargs."""
        if self.simple and not kwargs and len(args) == self.nparams:
            return self.names, list(args)
        if self.sig is None:
            return [f"arg{i}" for i in range(len(args))] + sorted(kwargs), \
                list(args) + [kwargs[k] for k in sorted(kwargs)]
        try:
            bound = self.sig.bind(*args, **kwargs)
        except TypeError as e:
            raise TypeError(f"Binding inputs to tf.function failed due to `{e}`. Received "
                            f"args: {args} and kwargs: {kwargs}") from e
        bound.apply_defaults()
        names, values = [], []
        for name, value in bound.arguments.items():
            kind = self.sig.parameters[name].kind
            if kind is inspect.Parameter.VAR_POSITIONAL:
                names += [f"{name}_{i}" for i in range(len(value))]
                values += list(value)
            elif kind is inspect.Parameter.VAR_KEYWORD:
                for k in sorted(value):
                    names.append(k)
                    values.append(value[k])
            else:
                names.append(name)
                values.append(value)
        return names, values


def rebuild_call(binder: Binder, names: list, values: list):
    """(args, kwargs) for calling the Python function with bound values."""
    if binder.sig is None or (binder.simple and len(values) == binder.nparams
                              and names == binder.names):
        return tuple(values), {}
    args, kwargs = [], {}
    by_name = dict(zip(names, values))
    for p in binder.sig.parameters.values():
        if p.kind is inspect.Parameter.VAR_POSITIONAL:
            i = 0
            while f"{p.name}_{i}" in by_name:
                args.append(by_name.pop(f"{p.name}_{i}"))
                i += 1
        elif p.kind is inspect.Parameter.VAR_KEYWORD:
            kwargs.update(by_name)
            by_name = {}
        elif p.kind is inspect.Parameter.KEYWORD_ONLY:
            kwargs[p.name] = by_name.pop(p.name)
        else:
            args.append(by_name.pop(p.name))
    return tuple(args), kwargs


def make_key(value, tensors: list):
    """The cache key of one argument; appends the tensors it holds (in order) to `tensors`."""
    t = type(value)
    if t is Tensor:
        tensors.append(value)
        a = value._array
        return (a.shape, a.dtype) if a is not None else (value.shape.as_tuple(), value.dtype)
    if t is tuple or t is list:
        return (t, tuple(make_key(v, tensors) for v in value))
    if t is dict:
        return (dict, tuple((k, make_key(value[k], tensors)) for k in _sorted(value)))
    if t is int or t is float or t is bool:
        return ("py", value)  # TensorFlow keys numbers by value: f(x, 2) and f(x, 2.0) share
    if t is str or value is None:
        return (t, value)
    if isinstance(value, _TENSORS):
        tensors.append(value)
        return (value.shape.as_tuple(), value.dtype)
    if isinstance(value, np.ndarray):
        tensors.append(value)
        return (value.shape, value.dtype)
    if getattr(value, "_is_tensor_like", False) and hasattr(value, "_uid"):
        # a variable argument: by shape and dtype, as TensorFlow (the trace reads and writes
        # whichever variable is passed)
        tensors.append(value)
        return ("var", value.shape.as_tuple(), value.dtype, value.trainable)
    if t is SpecValue:
        tensors.append(value)
        return (value.shape.as_tuple(), value.dtype.np_dtype)
    if isinstance(value, TensorSpec):
        raise TypeError("A tf.TensorSpec was passed to a tf.function call: pass it to "
                        "get_concrete_function(), or give the function an input_signature.")
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return (t, tuple(make_key(v, tensors) for v in value))
    if isinstance(value, dict):
        return (t, tuple((k, make_key(value[k], tensors)) for k in _sorted(value)))
    if isinstance(value, (list, tuple)):
        return (t, tuple(make_key(v, tensors) for v in value))
    try:
        hash(value)
        if type(value).__eq__ is object.__eq__:
            return ("id", id(value))
        return (t, value)
    except TypeError:
        return ("id", id(value))


def _sorted(d):
    try:
        return sorted(d)
    except TypeError:
        return list(d)


def describe_key(key) -> str:
    """A readable form of one argument's key, for the retracing warning."""
    if isinstance(key, tuple) and len(key) == 2 and isinstance(key[1], np.dtype):
        return f"TensorSpec(shape={key[0]}, dtype={dtypes.from_numpy(key[1]).name})"
    if isinstance(key, tuple) and len(key) == 2 and isinstance(key[1], dtypes.DType):
        return f"TensorSpec(shape={key[0]}, dtype={key[1].name})"
    if isinstance(key, tuple) and len(key) == 2 and key[0] == "id":
        return f"object at {key[1]:#x}"
    if isinstance(key, tuple) and len(key) == 4 and key[0] == "var":
        return f"variable of shape {key[1]} and dtype {key[2].name}"
    if isinstance(key, tuple) and len(key) == 2 and isinstance(key[0], type):
        return repr(key[1]) if not isinstance(key[1], tuple) else f"{key[0].__name__}(...)"
    return repr(key)


class SpecValue:
    """A TensorSpec standing for a tensor argument (get_concrete_function, input_signature)."""

    __slots__ = ("spec", "shape", "dtype")

    def __init__(self, spec: TensorSpec):
        self.spec = spec
        self.shape = spec.shape
        self.dtype = spec.dtype


def covers(general: TensorSpec, spec: TensorSpec) -> bool:
    """True when every tensor `spec` describes is also described by `general`."""
    if general.dtype is not spec.dtype:
        return False
    g, s = general.shape.as_tuple(), spec.shape.as_tuple()
    if g is None:
        return True
    if s is None or len(g) != len(s):
        return False
    return all(a is None or a == b for a, b in zip(g, s))


def shape_free(key):
    """The key without tensor shapes (only dtypes): traces that may cover one another."""
    if isinstance(key, tuple) and len(key) == 2 and isinstance(key[1], np.dtype) and (
            key[0] is None or isinstance(key[0], tuple)):
        return ("T", key[1])
    if isinstance(key, tuple):
        return tuple(shape_free(k) for k in key)
    return key


def spec_of_value(value) -> TensorSpec:
    if type(value) is SpecValue:
        return value.spec
    if isinstance(value, np.ndarray):
        return TensorSpec(value.shape, dtypes.from_numpy(value.dtype))
    return TensorSpec(value.shape, value.dtype)


def relax(a: TensorSpec, b: TensorSpec):
    """The most specific spec that covers both, or None when the dtypes or ranks differ."""
    if a.dtype is not b.dtype:
        return None
    ta, tb = a.shape.as_tuple(), b.shape.as_tuple()
    if ta is None or tb is None or len(ta) != len(tb):
        return TensorSpec(None, a.dtype, a.name)
    return TensorSpec([x if x == y else None for x, y in zip(ta, tb)], a.dtype, a.name)
