"""The core of the math family: + - * /, cast, matmul, pow, reduce_sum and undoing broadcasting.

Everything else in the family builds on these (unary_ops, binary_ops, reduction_ops, ...);
`tensorweave.ops.math_ops` re-exports the whole family.
"""

from __future__ import annotations

from tensorweave.framework import dtypes
from tensorweave.framework.errors import InvalidArgumentError
from tensorweave.framework.op_def import execute, op
from tensorweave.framework.tensor import Tensor
from tensorweave.ops import _infer
from tensorweave.ops._convert import axis_attr, binary, tensor

__all__ = ["add", "subtract", "multiply", "divide", "realdiv", "negative", "square", "matmul",
           "reduce_sum", "pow", "cast", "identity", "sum_to_shape_of", "broadcast_to_shape_of",
           "zeros_like", "ones_like", "conj"]

FLOATS = frozenset({dtypes.float16, dtypes.bfloat16, dtypes.float32, dtypes.float64})
COMPLEX = frozenset({dtypes.complex64, dtypes.complex128})
INEXACT = FLOATS | COMPLEX
SIGNED_INTS = frozenset({dtypes.int8, dtypes.int16, dtypes.int32, dtypes.int64})
INTS = SIGNED_INTS | {dtypes.uint8, dtypes.uint16, dtypes.uint32, dtypes.uint64}
REALS = FLOATS | INTS
NUMBERS = REALS | COMPLEX


_NO_ATTRS: dict = {}


_POW_DTYPES = FLOATS | SIGNED_INTS | COMPLEX
_MATMUL_DTYPES = FLOATS | COMPLEX | {dtypes.int32, dtypes.int64}


def check_dtype(x, allowed: frozenset, op_name: str) -> Tensor:
    """Refuses a dtype the TensorFlow op has no kernel for, with TensorFlow's message."""
    if x.dtype not in allowed:
        names = ", ".join(sorted(d.name for d in allowed))
        raise InvalidArgumentError(None, None, (
            f"Value for attr 'T' of {x.dtype.name} is not in the list of allowed values: {names} "
            f"[Op:{op_name}]"))
    return x


# --- binary elementwise ------------------------------------------------------------------------
@op("AddV2", infer=_infer.broadcast, elementwise=True)
def _add(xp, x, y):
    if x.dtype.kind == "b":  # NumPy would compute OR; TensorFlow has no bool kernel
        raise TypeError("Value for attr 'T' of bool is not in the list of allowed values")
    return x + y


@op("Sub", infer=_infer.broadcast, elementwise=True)
def _sub(xp, x, y):
    return x - y


@op("Mul", infer=_infer.broadcast, elementwise=True)
def _mul(xp, x, y):
    if x.dtype.kind == "b":  # NumPy would compute AND; TensorFlow has no bool kernel
        raise TypeError("Value for attr 'T' of bool is not in the list of allowed values")
    return x * y


@op("RealDiv", infer=_infer.broadcast, elementwise=True)
def _real_div(xp, x, y):
    if x.dtype.kind in "iu":  # RealDiv on integers truncates, as in C
        _check_nonzero(xp, y)
        return xp.trunc(x / y).astype(x.dtype)
    return x / y


def _check_nonzero(xp, y):
    """Integer division by zero is an error in TensorFlow (NumPy would warn and return 0)."""
    if (y == 0).any():
        raise ZeroDivisionError("Integer division by zero")


def add(x, y, name=None) -> Tensor:
    """x + y elementwise, with broadcasting (`tf.add`, `tf.math.add`)."""
    x, y = binary(x, y, "AddV2")
    return execute(_add, (x, y), {})


def subtract(x, y, name=None) -> Tensor:
    """x - y elementwise, with broadcasting (`tf.subtract`, the `-` operator)."""
    x, y = binary(x, y, "Sub")
    return execute(_sub, (x, y), {})


def multiply(x, y, name=None) -> Tensor:
    """x * y elementwise, with broadcasting (`tf.multiply`, the `*` operator)."""
    x, y = binary(x, y, "Mul")
    return execute(_mul, (x, y), {})


def divide(x, y, name=None) -> Tensor:
    """x / y with Python 3 semantics (`tf.divide`, `tf.math.truediv`): integers are divided in
    float32 (8 and 16 bits) or float64 (32 and 64 bits), as TensorFlow does."""
    x, y = binary(x, y, "RealDiv")
    dtype = x.dtype
    if dtype not in FLOATS:
        to = _TRUEDIV_FLOAT.get(dtype)
        if to is not None:
            x, y = cast(x, to), cast(y, to)
        elif dtype not in COMPLEX:
            raise TypeError(f"Invalid dtype {dtype!r} in __truediv__ [Op:RealDiv]")
    return execute(_real_div, (x, y), _NO_ATTRS)


def realdiv(x, y, name=None) -> Tensor:
    """x / y for floating or complex tensors (`tf.realdiv`): the RealDiv op itself."""
    x, y = binary(x, y, "RealDiv")
    if x.dtype not in INEXACT:
        check_dtype(x, INEXACT, "RealDiv")
    return execute(_real_div, (x, y), {})


_TRUEDIV_FLOAT = {dtypes.int8: dtypes.float32, dtypes.uint8: dtypes.float32,
                  dtypes.int16: dtypes.float32, dtypes.uint16: dtypes.float32,
                  dtypes.int32: dtypes.float64, dtypes.uint32: dtypes.float64,
                  dtypes.int64: dtypes.float64, dtypes.uint64: dtypes.float64}


@_add.def_grad
def _add_grad(op, dy):
    x, y = op.inputs
    return sum_to_shape_of(dy, x), sum_to_shape_of(dy, y)


@_sub.def_grad
def _sub_grad(op, dy):
    x, y = op.inputs
    return sum_to_shape_of(dy, x), sum_to_shape_of(negative(dy), y)


@_mul.def_grad
def _mul_grad(op, dy):
    x, y = op.inputs  # complex: the conjugate of the derivative, TensorFlow's convention
    return sum_to_shape_of(multiply(dy, _conj(y)), x), sum_to_shape_of(multiply(_conj(x), dy), y)


@_real_div.def_grad
def _real_div_grad(op, dy):
    x, y = op.inputs
    gx = divide(dy, _conj(y))
    gy = negative(multiply(dy, _conj(divide(divide(x, y), y))))
    return sum_to_shape_of(gx, x), sum_to_shape_of(gy, y)


# --- undoing broadcasting ----------------------------------------------------------------------
def _sum_to_kernel(xp, g, x):
    """Sums `g` down to the shape of `x`: the gradient of a broadcast."""
    shape = x.shape
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, d in enumerate(shape) if d == 1 and g.shape[i + lead] != 1)
    out = g.sum(axis=axes, keepdims=True) if axes else g
    return out.reshape(shape).astype(g.dtype, copy=False)


_sum_to_shape_of = op("SumToShapeOf", infer=lambda g, x: _infer.Spec(x.shape, g.dtype))(
    _sum_to_kernel)


@op("BroadcastToShapeOf", infer=lambda dy, g: _infer.Spec(g.shape, dy.dtype))
def _broadcast_to_shape_of(xp, dy, g):
    """Broadcasts `dy` to the shape of `g`: the gradient of SumToShapeOf."""
    return xp.broadcast_to(dy, g.shape)


def sum_to_shape_of(g, x) -> Tensor:
    """`g` summed over the axes along which `x` was broadcast, reshaped to `x`'s shape."""
    gs, xs = g.shape.as_tuple(), x.shape.as_tuple()
    if gs == xs and gs is not None and None not in gs:
        return g
    return execute(_sum_to_shape_of, (g, x), {})


def broadcast_to_shape_of(dy, g) -> Tensor:
    """`dy` broadcast to the shape of `g`: the gradient of sum_to_shape_of."""
    ds, gs = dy.shape.as_tuple(), g.shape.as_tuple()
    if ds == gs and ds is not None and None not in ds:
        return dy
    return execute(_broadcast_to_shape_of, (dy, g), {})


@_sum_to_shape_of.def_grad
def _sum_to_shape_of_grad(op, dy):
    g, x = op.inputs
    return broadcast_to_shape_of(dy, g), None


@_broadcast_to_shape_of.def_grad
def _broadcast_to_shape_of_grad(op, dy):
    d, g = op.inputs
    return sum_to_shape_of(dy, d), None


# --- unary ---------------------------------------------------------------------------------------
@op("Neg", infer=_infer.same, elementwise=True)
def _neg(xp, x):
    if x.dtype.kind in "ub":  # NumPy would wrap unsigned ints; TensorFlow has no such kernel
        raise TypeError(f"Value for attr 'T' of {x.dtype} is not in the list of allowed values")
    return -x


@op("Square", infer=_infer.same, elementwise=True)
def _square(xp, x):
    if x.dtype.kind == "b":
        raise TypeError("Value for attr 'T' of bool is not in the list of allowed values")
    return x * x


def negative(x, name=None) -> Tensor:
    """-x elementwise (`tf.negative`, `tf.math.negative`)."""
    return execute(_neg, (tensor(x),), {})


def square(x, name=None) -> Tensor:
    """x * x elementwise (`tf.square`, `tf.math.square`)."""
    return execute(_square, (tensor(x),), {})


@_neg.def_grad
def _neg_grad(op, dy):
    return (negative(dy),)


@_square.def_grad
def _square_grad(op, dy):
    (x,) = op.inputs
    return (multiply(dy, multiply(_conj(x), tensor(2, x.dtype))),)


@op("Identity", infer=_infer.same)
def _identity(xp, x):
    return x


def identity(input, name=None) -> Tensor:  # noqa: A002 - TensorFlow's argument name
    """The same values as a new tensor; variables are read (`tf.identity`)."""
    return execute(_identity, (tensor(input),), {})


@_identity.def_grad
def _identity_grad(op, dy):
    return (dy,)


@op("Cast", infer=lambda x, *, DstT: _infer.Spec(x.shape, DstT), elementwise=True)
def _cast(xp, x, *, DstT):
    return x.astype(DstT.np_dtype, copy=False)


def cast(x, dtype, name=None) -> Tensor:
    """`x` converted to `dtype` (`tf.cast`): floats to ints truncate toward zero."""
    x = tensor(x)
    dtype = dtypes.as_dtype(dtype)
    if x.dtype is dtype:
        return x
    return execute(_cast, (x,), {"DstT": dtype})


@_cast.def_grad
def _cast_grad(op, dy):
    (x,) = op.inputs
    if not (x.dtype.is_floating or x.dtype.is_complex):
        return (None,)
    return (cast(dy, x.dtype),)


@op("ZerosLike", infer=_infer.same, differentiable=False)
def _zeros_like(xp, x):
    return xp.zeros_like(x)


@op("OnesLike", infer=_infer.same, differentiable=False)
def _ones_like(xp, x):
    return xp.ones_like(x)


def zeros_like(input, dtype=None, name=None, layout=None) -> Tensor:  # noqa: A002
    """Zeros with the shape (and dtype, unless given) of `input` (`tf.zeros_like`)."""
    out = execute(_zeros_like, (tensor(input),), {})
    return out if dtype is None else cast(out, dtype)


def ones_like(input, dtype=None, name=None, layout=None) -> Tensor:  # noqa: A002
    """Ones with the shape (and dtype, unless given) of `input` (`tf.ones_like`)."""
    out = execute(_ones_like, (tensor(input),), {})
    return out if dtype is None else cast(out, dtype)


# --- matmul --------------------------------------------------------------------------------------
def _infer_matmul(a, b, *, transpose_a, transpose_b):
    if a.shape is None or b.shape is None:
        return _infer.Spec(None, a.dtype)
    m = a.shape[-1] if transpose_a else a.shape[-2]
    n = b.shape[-2] if transpose_b else b.shape[-1]
    ka = a.shape[-2] if transpose_a else a.shape[-1]
    kb = b.shape[-1] if transpose_b else b.shape[-2]
    if ka is not None and kb is not None and ka != kb:
        raise ValueError(f"Matrix size-incompatible: In[0]: {list(a.shape)}, In[1]: "
                         f"{list(b.shape)}")
    from tensorweave.framework.tensor_shape import broadcast_dims

    batch = broadcast_dims(a.shape[:-2], b.shape[:-2])
    return _infer.Spec(batch + (m, n), a.dtype)


@op("BatchMatMulV2", infer=_infer_matmul)
def _matmul(xp, a, b, *, transpose_a, transpose_b):
    if transpose_a:
        a = xp.swapaxes(a, -1, -2)
    if transpose_b:
        b = xp.swapaxes(b, -1, -2)
    return xp.matmul(a, b)


def matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False,
           a_is_sparse=False, b_is_sparse=False, output_type=None, grad_a=False, grad_b=False,
           name=None) -> Tensor:
    """Matrix product of the last two dims, batched over the leading ones (`tf.linalg.matmul`)."""
    a, b = binary(a, b, "MatMul")
    if output_type is not None and dtypes.as_dtype(output_type) is not a.dtype:
        # TensorFlow's use: (u)int8 operands accumulated as int32
        a, b = cast(a, output_type), cast(b, output_type)
    if a.dtype not in _MATMUL_DTYPES:
        check_dtype(a, _MATMUL_DTYPES, "MatMul")
    if a.shape.rank is not None and a.shape.rank < 2 or b.shape.rank is not None and \
            b.shape.rank < 2:
        from tensorweave.framework.errors import InvalidArgumentError

        raise InvalidArgumentError(None, None, (
            f"In[0] and In[1] must have rank >= 2, got shapes {a.shape} and {b.shape} "
            f"[Op:MatMul]"))
    if adjoint_a:
        a, transpose_a = _conj(a), True
    if adjoint_b:
        b, transpose_b = _conj(b), True
    return execute(_matmul, (a, b), {"transpose_a": bool(transpose_a),
                                     "transpose_b": bool(transpose_b)})


def _conj(x):
    return x if not x.dtype.is_complex else execute(_conj_op, (x,), {})


def conj(x, name=None) -> Tensor:
    """The complex conjugate (`tf.math.conj`); real tensors are returned unchanged."""
    x = tensor(x)
    if not (x.dtype.is_complex or x.dtype.is_floating or x.dtype.is_integer):
        raise TypeError(f"Expected numeric or variant tensor, got dtype {x.dtype!r} [Op:Conj]")
    return _conj(x)


@op("Conj", infer=_infer.same, elementwise=True)
def _conj_op(xp, x):
    return xp.conj(x)


@_conj_op.def_grad
def _conj_grad(op, dy):
    return (_conj(dy),)


@_matmul.def_grad
def _matmul_grad(op, dy):
    a, b = op.inputs
    ta, tb = op.attrs["transpose_a"], op.attrs["transpose_b"]
    a, b = _conj(a), _conj(b)  # complex: the adjoints, TensorFlow's convention
    if not ta and not tb:
        ga = matmul(dy, b, transpose_b=True)
        gb = matmul(a, dy, transpose_a=True)
    elif not ta and tb:
        ga = matmul(dy, b)
        gb = matmul(dy, a, transpose_a=True)
    elif ta and not tb:
        ga = matmul(b, dy, transpose_b=True)
        gb = matmul(a, dy)
    else:
        ga = matmul(b, dy, transpose_a=True, transpose_b=True)
        gb = matmul(dy, a, transpose_a=True, transpose_b=True)
    return sum_to_shape_of(ga, a), sum_to_shape_of(gb, b)


# --- reductions ----------------------------------------------------------------------------------
@op("Sum", infer=_infer.reduced)
def _sum(xp, x, *, axis, keepdims):
    return xp.sum(x, axis=axis, keepdims=keepdims, dtype=x.dtype)


def reduce_sum(input_tensor, axis=None, keepdims=False, name=None) -> Tensor:
    """The sum over `axis` (all axes when None) (`tf.reduce_sum`, `tf.math.reduce_sum`)."""
    x = tensor(input_tensor)
    if x.dtype not in NUMBERS:  # TensorFlow refuses bools and strings (cast a mask first)
        check_dtype(x, NUMBERS, "Sum")
    return execute(_sum, (x,), {"axis": axis_attr(axis), "keepdims": bool(keepdims)})


@_sum.def_grad
def _sum_grad(op, dy):
    (x,) = op.inputs
    if not op.attrs["keepdims"]:
        dy = execute(_expand_reduced, (dy, x), {"axis": op.attrs["axis"]})
    return (broadcast_to_shape_of(dy, x),)


def _infer_expand_reduced(dy, x, *, axis):
    return _infer.Spec(_infer.reduced_shape(x.shape, axis, True), dy.dtype)


@op("ExpandReduced", infer=_infer_expand_reduced)
def _expand_reduced(xp, dy, x, *, axis):
    """Reshapes a reduction's gradient to the input's rank, with 1 on the reduced axes."""
    return dy.reshape(_infer.reduced_shape(x.shape, axis, True))


@_expand_reduced.def_grad
def _expand_reduced_grad(op, dy):
    dy_in, _ = op.inputs
    return execute(_reshape_like, (dy, dy_in), {}), None


@op("ReshapeLike", infer=lambda x, ref: _infer.Spec(ref.shape, x.dtype))
def _reshape_like(xp, x, ref):
    return x.reshape(ref.shape)


@_reshape_like.def_grad
def _reshape_like_grad(op, dy):
    x, _ = op.inputs
    return execute(_reshape_like, (dy, x), {}), None


@op("Pow", infer=_infer.broadcast, elementwise=True)
def _pow(xp, x, y):
    return xp.power(x, y)


def pow(x, y, name=None) -> Tensor:  # noqa: A001 - TensorFlow's public name
    """x ** y elementwise (`tf.pow`, `tf.math.pow`)."""
    x, y = binary(x, y, "Pow")
    if x.dtype not in _POW_DTYPES:
        check_dtype(x, _POW_DTYPES, "Pow")
    return execute(_pow, (x, y), {})


@_pow.def_grad
def _pow_grad(op, dy):
    x, y = op.inputs
    (z,) = op.outputs
    gx = multiply(dy, _conj(multiply(y, execute(_pow, (x, subtract(y, ones_like(y))), {}))))
    # d/dy x^y = x^y log x, taken as 0 where x <= 0 (x == 0 for complex): TensorFlow's rule
    gy = multiply(dy, _conj(multiply(z, execute(_log_or_zero, (x,), {}))))
    return sum_to_shape_of(gx, x), sum_to_shape_of(gy, y)


@op("LogOrZero", infer=_infer.same, elementwise=True)
def _log_or_zero(xp, x):
    """log(x) where x > 0 (x != 0 if complex), else 0: the exponent's gradient of Pow."""
    positive = x != 0 if x.dtype.kind == "c" else x > 0
    return xp.where(positive, xp.log(xp.where(positive, x, 1)), 0).astype(x.dtype, copy=False)


@op("ReciprocalOrZero", infer=_infer.same, elementwise=True, differentiable=False)
def _reciprocal_or_zero(xp, x):
    positive = x != 0 if x.dtype.kind == "c" else x > 0
    return xp.where(positive, 1 / xp.where(positive, x, 1), 0).astype(x.dtype, copy=False)


@_log_or_zero.def_grad
def _log_or_zero_grad(op, dy):
    (x,) = op.inputs
    return (multiply(dy, execute(_reciprocal_or_zero, (x,), {})),)
