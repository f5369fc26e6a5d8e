"""tf.Variable: mutable state that ops read and assign.

A read returns a snapshot: assignment replaces the variable's array instead of writing into it, so
tensors read earlier keep their values (TensorFlow's semantics). Reads and assignments are ops
(`ReadVariableOp`, `AssignVariableOp` ...) so that a traced function captures the variable by
reference and keeps them in program order; eagerly they take a short path straight to the array.
"""

from __future__ import annotations

import itertools

import numpy as np

from tensorweave.framework import dtypes
from tensorweave.framework.constant_op import convert_to_tensor
from tensorweave.framework.context import ctx
from tensorweave.framework.errors import InvalidArgumentError
from tensorweave.framework.op_def import execute, op
from tensorweave.framework.tensor import Tensor, _numpy_repr
from tensorweave.framework.tensor_shape import TensorShape


class VariableSynchronization:
    AUTO, NONE, ON_WRITE, ON_READ = 0, 1, 2, 3


class VariableAggregation:
    NONE, SUM, MEAN, ONLY_FIRST_REPLICA = 0, 1, 2, 3


_uid = itertools.count()


def _infer_read(*, var):
    return (var.shape.as_tuple(), var.dtype)


@op("ReadVariableOp", infer=_infer_read, stateful=True)
def read_variable_op(xp, *, var):
    """The current value of a variable."""
    return var._array


def _infer_none(*specs, **attrs):
    return ()


def _assign_kernel(update):
    def kernel(xp, value, *, var):
        var._array = update(var._array, value)
    return kernel


assign_variable_op = op("AssignVariableOp", infer=_infer_none, num_outputs=0, stateful=True,
                        differentiable=False)(_assign_kernel(lambda old, new: new))
assign_add_variable_op = op("AssignAddVariableOp", infer=_infer_none, num_outputs=0,
                            stateful=True, differentiable=False)(
    _assign_kernel(lambda old, delta: old + delta))
assign_sub_variable_op = op("AssignSubVariableOp", infer=_infer_none, num_outputs=0,
                            stateful=True, differentiable=False)(
    _assign_kernel(lambda old, delta: old - delta))


class Variable:
    """A mutable tensor-like value (`tf.Variable`).

    >>> v = Variable([1.0, 2.0])
    >>> v.assign_add([1.0, 1.0]).numpy()
    array([2., 3.], dtype=float32)
    """

    _is_tensor_like = True
    __array_priority__ = 100

    def __init__(self, initial_value=None, trainable=None, validate_shape=True, caching_device=None,
                 name=None, variable_def=None, dtype=None, import_scope=None, constraint=None,
                 synchronization=VariableSynchronization.AUTO,
                 aggregation=VariableAggregation.NONE, shape=None,
                 experimental_enable_variable_lifting=True):
        if initial_value is None:
            raise ValueError("initial_value must be specified.")
        if callable(initial_value):
            initial_value = initial_value()
        if ctx.graph is not None:
            ctx.graph.on_variable_created(self)
        value = convert_to_tensor(_strip_variable(initial_value),
                                  dtype=dtypes.as_dtype(dtype) if dtype is not None else None)
        if getattr(value, "is_symbolic", False) and hasattr(value.graph, "lift_to_eager"):
            value = value.graph.lift_to_eager(value)  # initializers run once, eagerly
        if getattr(value, "is_symbolic", False):
            raise ValueError(
                "A tf.Variable's initial value must be known when the variable is created: it "
                "was computed from tensors of a traced function. Create the variable outside "
                "the function, or from a constant or initializer.")
        self._device = ctx.device
        self._array = self._device.backend.asarray(value._array) if value._device is not \
            self._device else value._array
        self._dtype = dtypes.from_numpy(self._array.dtype)
        self._shape = TensorShape(self._array.shape) if shape is None else TensorShape(shape)
        if validate_shape and not self._shape.is_compatible_with(self._array.shape):
            raise ValueError(f"The initial value's shape {value.shape} is not compatible with "
                             f"the explicitly supplied shape {self._shape}.")
        if synchronization == VariableSynchronization.ON_READ and trainable:
            raise ValueError("Synchronization value can be set to VariableSynchronization.ON_READ "
                             "only for non-trainable variables.")
        if trainable is None:
            trainable = synchronization != VariableSynchronization.ON_READ
        self._trainable = bool(trainable)
        self._name = name or "Variable"  # TensorFlow 2 lets eager variables share names
        self._constraint = constraint
        self._synchronization = synchronization
        self._aggregation = aggregation
        self._uid = next(_uid)

    # --- properties ----------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._name + ":0"

    @property
    def dtype(self) -> dtypes.DType:
        return self._dtype

    @property
    def shape(self) -> TensorShape:
        return self._shape

    def get_shape(self) -> TensorShape:
        return self._shape

    @property
    def ndim(self):
        return self._shape.rank

    @property
    def trainable(self) -> bool:
        return self._trainable

    @property
    def constraint(self):
        return self._constraint

    @property
    def synchronization(self):
        return self._synchronization

    @property
    def aggregation(self):
        return self._aggregation

    @property
    def device(self) -> str:
        return self._device.name

    @property
    def initial_value(self):
        raise NotImplementedError("Variable.initial_value is not kept by tensorweave variables.")

    # --- reading -------------------------------------------------------------------------------
    def value(self) -> Tensor:
        """The current value, as a tensor; watched by any tape that watches this variable."""
        c = ctx
        if c.graph is not None:
            return c.graph.read_variable(self)
        t = Tensor(self._array, self._device)
        if c.tapes:
            for tape in c.tapes:
                tape.variable_read(self, t)
        return t

    read_value = value

    def __tf_tensor__(self, dtype=None, name=None) -> Tensor:
        t = self.value()
        if dtype is not None and dtypes.as_dtype(dtype) is not self._dtype:
            raise ValueError(f"Incompatible type conversion requested to type "
                             f"{dtypes.as_dtype(dtype).name} for variable of type "
                             f"{self._dtype.name} ({self._name})")
        return t

    def numpy(self):
        a = self._array
        if self._device.backend.name != "numpy":
            a = self._device.backend.to_numpy(a)
        return a[()] if a.ndim == 0 else a

    def __array__(self, dtype=None, copy=None):
        a = np.asarray(self.numpy())
        return a.astype(dtype) if dtype is not None else (a.copy() if copy else a)

    # --- writing -------------------------------------------------------------------------------
    def _update(self, opdef, value, read_value):
        value = convert_to_tensor(_strip_variable(value), dtype=self._dtype)
        if opdef is assign_variable_op and not self._shape.is_compatible_with(value.shape):
            raise ValueError(f"Cannot assign value of shape {value.shape} to variable "
                             f"{self._name} of shape {self._shape}.")
        c = ctx
        if c.graph is None:
            if value._device is not self._device:
                value = Tensor(self._device.backend.asarray(
                    value._device.backend.to_numpy(value._array)), self._device)
            old = self._array
            try:
                new = value._array if opdef is assign_variable_op else (
                    old + value._array if opdef is assign_add_variable_op else old - value._array)
            except ValueError as e:
                raise InvalidArgumentError(None, opdef, f"{e} [Op:{opdef.name}]") from e
            if new.shape != old.shape and opdef is not assign_variable_op:
                raise InvalidArgumentError(None, opdef, (
                    f"Cannot update variable {self._name} of shape {list(old.shape)} with a value "
                    f"of shape {list(value.shape)} [Op:{opdef.name}]"))
            self._array = new if new.dtype == old.dtype else new.astype(old.dtype)
        else:
            execute(opdef, (value,), {"var": self})
        return self if read_value else None

    def assign(self, value, use_locking=None, name=None, read_value=True):
        return self._update(assign_variable_op, value, read_value)

    def assign_add(self, delta, use_locking=None, name=None, read_value=True):
        return self._update(assign_add_variable_op, delta, read_value)

    def assign_sub(self, delta, use_locking=None, name=None, read_value=True):
        return self._update(assign_sub_variable_op, delta, read_value)

    def scatter_nd_update(self, indices, updates, name=None):
        from tensorweave.ops import array_ops

        return self.assign(array_ops.tensor_scatter_nd_update(self.value(), indices, updates))

    def scatter_nd_add(self, indices, updates, name=None):
        from tensorweave.ops import array_ops

        return self.assign(array_ops.tensor_scatter_nd_add(self.value(), indices, updates))

    # --- identity ------------------------------------------------------------------------------
    def ref(self):
        from tensorweave.framework.tensor import Reference

        return Reference(self)

    experimental_ref = ref

    def __hash__(self):
        return id(self)

    def __repr__(self) -> str:
        value = _numpy_repr(np.asarray(self.numpy()))
        return (f"<tf.Variable '{self.name}' shape={self._shape} dtype={self._dtype.name}, "
                f"numpy={value}>")

    def __len__(self) -> int:
        return len(self.value())

    def __iter__(self):
        return iter(self.value())

    def __bool__(self) -> bool:
        return bool(self.value())

    def __index__(self) -> int:
        return self.value().__index__()

    def __float__(self) -> float:
        return float(self.value())

    def __int__(self) -> int:
        return int(self.value())

    def __deepcopy__(self, memo):
        v = Variable(np.array(self.numpy()), trainable=self._trainable, name=self._name,
                     dtype=self._dtype, constraint=self._constraint,
                     synchronization=self._synchronization, aggregation=self._aggregation)
        memo[id(self)] = v
        return v

    def __reduce__(self):
        return (_rebuild_variable, (np.asarray(self.numpy()), self._trainable, self._name))


def _rebuild_variable(value, trainable, name):
    return Variable(value, trainable=trainable, name=name)


def _strip_variable(value):
    return value.value() if isinstance(value, Variable) else value
