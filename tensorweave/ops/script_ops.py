"""tf.py_function and tf.numpy_function: Python code as an op of a traced graph.

Eagerly the function is simply called. In a traced function it becomes one stateful node whose
kernel calls the Python function at every run: `numpy_function` with NumPy arrays,
`py_function` with eager tensors. Their outputs have the dtypes given in `Tout` and unknown
shapes (TensorFlow's contract). No gradient flows through them when traced.
"""

from __future__ import annotations

import numpy as np

from tensorweave.framework import dtypes
from tensorweave.framework.constant_op import convert_to_tensor
from tensorweave.framework.context import ctx
from tensorweave.framework.op_def import execute, op
from tensorweave.framework.tensor import SymbolicTensor, Tensor
from tensorweave.ops._infer import Spec
from tensorweave.util import nest

__all__ = ["py_function", "numpy_function"]


class PyFunc:
    """A Python callable held in a node's attrs (hashed by identity)."""

    __slots__ = ("fn", "tensors")

    def __init__(self, fn, tensors: bool):
        self.fn = fn
        self.tensors = tensors  # py_function: pass eager tensors; numpy_function: arrays

    def __repr__(self) -> str:
        return f"<python {getattr(self.fn, '__qualname__', self.fn)!r}>"


def _infer_py(*specs, func, Tout):
    return tuple(Spec(None, t) for t in Tout)


@op("EagerPyFunc", infer=_infer_py, num_outputs=None, stateful=True, differentiable=False)
def _py_func(xp, *arrays, func, Tout):
    """Calls the Python function on the values; its results as arrays of the Tout dtypes."""
    device = ctx.device
    if func.tensors:
        args = [Tensor(a, device) for a in arrays]
    else:
        args = [np.asarray(a.get() if hasattr(a, "get") else a) for a in arrays]
    result = func.fn(*args)
    flat = list(result) if isinstance(result, (list, tuple)) else [result]
    if len(flat) != len(Tout):
        raise ValueError(f"The Python function returned {len(flat)} values, Tout lists "
                         f"{len(Tout)}")
    outs = []
    for value, dtype in zip(flat, Tout):
        if isinstance(value, Tensor):
            value = value.numpy()
        a = np.asarray(value)
        if a.dtype != dtype.np_dtype:
            if dtype is dtypes.string or a.dtype == object:
                a = a.astype(object)
            else:
                a = a.astype(dtype.np_dtype)
        outs.append(device.backend.asarray(a) if device.backend.name != "numpy" else a)
    return tuple(outs)


def _call(func, inp, Tout, tensors: bool):
    single = not isinstance(Tout, (list, tuple))
    touts = tuple(dtypes.as_dtype(t) for t in ([Tout] if single else Tout))
    inputs = [t if isinstance(t, Tensor) else convert_to_tensor(
        t.__tf_tensor__() if hasattr(t, "__tf_tensor__") else t) for t in nest.flatten(inp)]
    if ctx.graph is None and not any(type(t) is SymbolicTensor for t in inputs):
        if tensors:
            result = func(*inputs)
            if single:
                return convert_to_tensor(result, dtype=touts[0])
            return [convert_to_tensor(r, dtype=d) for r, d in zip(result, touts)]
    outs = execute(_py_func, tuple(inputs), {"func": PyFunc(func, tensors), "Tout": touts})
    return outs[0] if single else list(outs)


def py_function(func, inp, Tout, name=None):
    """Runs `func` on eager tensors, also inside a traced function (`tf.py_function`).

    >>> import tensorweave as tf
    >>> tf.py_function(lambda x: x * 2, [tf.constant(3)], tf.int32).numpy()
    6
    """
    return _call(func, inp, Tout, tensors=True)


def numpy_function(func, inp, Tout, stateful=True, name=None):
    """Runs `func` on NumPy arrays, also inside a traced function (`tf.numpy_function`)."""
    return _call(func, inp, Tout, tensors=False)
