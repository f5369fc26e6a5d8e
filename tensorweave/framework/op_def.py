"""OpDef: every rule of one primitive op in one place, and `execute`, the one way ops run.

An op is declared once with its TensorFlow name, its kernel (written against the array namespace
`xp`, so the same code runs on NumPy and CuPy), its shape/dtype inference and its gradient rule.
Eager calls, traced graphs, the tape and serialization all read the same declaration.

    @op("Square", infer=infer_unary, elementwise=True)
    def square(xp, x):
        return x * x

The gradient rule is attached with `@square.def_grad` (see autodiff/): `grad(op, *out_grads)`
returns one gradient per input (or None), written with tensorweave ops so that it works eagerly,
inside graphs and for higher derivatives.
"""

from __future__ import annotations

from typing import Callable

from tensorweave.framework import errors
from tensorweave.framework.context import ctx
from tensorweave.framework.tensor import SymbolicTensor, Tensor

REGISTRY: dict = {}


class OpDef:
    """A primitive op's declaration. See the module docstring."""

    __slots__ = ("name", "kernel", "infer", "grad", "num_outputs", "stateful", "elementwise",
                 "differentiable", "kernels", "doc")

    def __init__(self, name: str, kernel: Callable, infer: Callable | None, *, num_outputs=1,
                 stateful=False, elementwise=False, differentiable=True):
        self.name = name
        self.kernel = kernel
        self.infer = infer
        self.grad = None
        self.num_outputs = num_outputs  # an int, or None when the kernel returns a tuple of any size
        self.stateful = stateful  # stateful ops keep program order and are never folded or merged
        self.elementwise = elementwise
        self.differentiable = differentiable
        self.kernels = {}  # faster kernels for one backend: {"numpy": fn, "cupy": fn}
        self.doc = kernel.__doc__

    def def_grad(self, fn: Callable) -> Callable:
        """Attaches the gradient rule `fn(op, *out_grads) -> grads` (used as a decorator)."""
        self.grad = fn
        return fn

    def def_kernel(self, backend: str) -> Callable:
        """Registers a faster kernel for one backend (used as a decorator)."""
        def register(fn):
            self.kernels[backend] = fn
            return fn
        return register

    def kernel_for(self, backend) -> Callable:
        """The kernel to run on `backend` (a faster one where registered)."""
        return self.kernels.get(backend.name, self.kernel)

    def __call__(self, *inputs, **attrs):
        return execute(self, inputs, attrs)

    def __repr__(self) -> str:
        return f"<OpDef {self.name}>"


def op(name: str, *, infer=None, num_outputs=1, stateful=False, elementwise=False,
       differentiable=True):
    """Declares an op from its kernel (a decorator). Returns the OpDef, callable like a function."""
    def declare(kernel: Callable) -> OpDef:
        if name in REGISTRY:
            raise ValueError(f"Op {name!r} is declared twice")
        opdef = OpDef(name, kernel, infer, num_outputs=num_outputs, stateful=stateful,
                      elementwise=elementwise, differentiable=differentiable)
        REGISTRY[name] = opdef
        return opdef
    return declare


def execute(op: OpDef, inputs: tuple, attrs: dict):
    """Runs `op` on tensors: at once when eager, as a new graph node while tracing.

    The inputs are Tensors already (the public wrappers convert arguments). This is the hot path
    of eager execution: a device check, the kernel, the wrap, and the tapes only when recording.
    """
    c = ctx
    if c.graph is not None:
        return c.graph.add_op(op, inputs, attrs)
    device = c.device
    try:
        arrays = [t._array if t._device is device else _to_device(t, device) for t in inputs]
        kernel = op.kernels.get(device.backend.name, op.kernel) if op.kernels else op.kernel
        out = kernel(device.xp, *arrays, **attrs)
    except Exception as e:  # noqa: BLE001 - rewritten into TensorFlow's error with context
        return _kernel_failed(op, inputs, attrs, e)
    if op.num_outputs == 1:
        result = Tensor(out, device)
    elif op.num_outputs == 0:
        result = None
    else:
        result = tuple(Tensor(a, device) for a in out)
    if c.tapes and op.differentiable:
        for tape in c.tapes:
            tape.record(op, inputs, attrs, result)
    return result


def _to_device(t: Tensor, device):
    """The array of `t` on `device`: TensorFlow copies eager inputs to the op's device."""
    if isinstance(t, SymbolicTensor):
        raise TypeError(f"symbolic tensor {t.name} used outside its graph")
    if t._device.backend is device.backend:
        if device.backend.name == "cupy" and t._device.ordinal != device.ordinal:
            with device.xp.cuda.Device(device.ordinal):
                return device.xp.asarray(t._array)
        return t._array
    return device.backend.asarray(t._device.backend.to_numpy(t._array))


def _kernel_failed(op: OpDef, inputs, attrs, exc: Exception):
    symbolic = next((t for t in inputs if isinstance(t, SymbolicTensor)), None)
    if symbolic is not None:
        # A symbolic input outside its trace (a Keras functional input, say): build into its graph.
        return symbolic.graph.add_op(op, inputs, attrs)
    if isinstance(exc, errors.OpError):
        raise exc
    raise errors.InvalidArgumentError(None, op, describe_failure(op, inputs, exc)) from exc


def describe_failure(op: OpDef, inputs, exc: Exception) -> str:
    """TensorFlow's style of op error: what went wrong, what the op got, and the user's line."""
    got = ", ".join(f"{_shape_str(t)} {_dtype_str(t)}" for t in inputs)
    where = errors.user_location()
    where = f" (called at {where})" if where else ""
    return f"{exc} [Op:{op.name}] inputs: ({got}){where}"


def _shape_str(t) -> str:
    try:
        return str(list(t.shape.as_tuple() or ()))
    except Exception:  # noqa: BLE001
        return "?"


def _dtype_str(t) -> str:
    try:
        return t.dtype.name
    except Exception:  # noqa: BLE001
        return "?"
