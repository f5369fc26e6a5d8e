"""keras.ops: Keras 3's backend-agnostic op names, on tensorweave's ops.

Keras 3 code writes `keras.ops.mean(x, axis=-1)` or `keras.ops.concatenate([a, b])`; each name
here maps to the tensorweave op with Keras's argument names and defaults (`argmax` flattens when
`axis=None`, `shape` returns a tuple). They work eagerly, in tf.function traces and on Keras
symbolic tensors. A name Keras has but tensorweave does not raises AttributeError saying so.

    >>> from tensorweave import keras
    >>> keras.ops.mean(keras.ops.ones((2, 3)), axis=-1).numpy()
    array([1., 1.], dtype=float32)
"""

from __future__ import annotations

import tensorweave as tf

# Same name, same meaning in tf: forwarded as they are.
_SAME = (
    "abs", "add", "cast", "ceil", "cos", "cosh", "einsum", "equal", "erf", "exp", "expand_dims",
    "expm1", "floor", "greater", "greater_equal", "less", "less_equal", "log", "log1p",
    "logical_and", "logical_not", "logical_or", "matmul", "maximum", "minimum", "multiply",
    "negative", "not_equal", "ones_like", "reshape", "round", "rsqrt", "sign", "sin", "sinh",
    "sqrt", "square", "squeeze", "stack", "subtract", "tan", "tanh", "tensordot", "tile",
    "transpose", "where", "zeros_like", "sort", "argsort", "cumsum", "cumprod", "roll",
    "broadcast_to", "gather_nd", "scatter_nd", "meshgrid", "linspace", "eye", "repeat",
    "stop_gradient", "convert_to_tensor", "identity", "unique", "split",
)

# Keras name -> tf name, same argument order.
_RENAMED = {
"divide": "divide", "true_divide": "divide", "power": "pow",
    "clip": "clip_by_value", "mod": "floormod", "floor_divide": "floordiv",
    "absolute": "abs", "logsumexp": "reduce_logsumexp", "subtract": "subtract",
}

_REDUCTIONS = {"mean": "reduce_mean", "sum": "reduce_sum", "max": "reduce_max",
               "min": "reduce_min", "prod": "reduce_prod", "any": "reduce_any",
               "all": "reduce_all", "std": "reduce_std", "var": "reduce_variance",
               "amax": "reduce_max", "amin": "reduce_min"}

_NN = ("relu", "relu6", "sigmoid", "softplus", "softsign", "silu", "elu", "selu", "gelu",
       "log_sigmoid", "leaky_relu", "log_softmax", "softmax")

__all__ = list(_SAME) + list(_RENAMED) + list(_REDUCTIONS) + list(_NN) + [
    "concatenate", "argmax", "argmin", "arange", "full", "full_like", "ones", "zeros", "one_hot", "shape",
    "size", "take", "top_k", "norm", "dot", "swapaxes", "flatten", "moments",
    "slice", "pad", "cond", "while_loop", "is_tensor", "dtype", "ndim", "rank", "vectorized_map"]


def __getattr__(name: str):
    if name in _SAME:
        return _tf_op(name)
    if name in _RENAMED:
        return _tf_op(_RENAMED[name])
    if name in _REDUCTIONS:
        reduce = getattr(tf, _REDUCTIONS[name], None) or getattr(tf.math, _REDUCTIONS[name])

        def reduction(x, axis=None, keepdims=False):
            return reduce(x, axis=axis, keepdims=keepdims)

        reduction.__name__ = name
        reduction.__doc__ = f"keras.ops.{name}: {_REDUCTIONS[name]} over `axis` (all if None)."
        return reduction
    if name in _NN:
        return getattr(tf.nn, name)
    raise AttributeError(f"keras.ops.{name} is not implemented in tensorweave")


def _tf_op(name: str):
    fn = getattr(tf, name, None)
    return fn if fn is not None else getattr(tf.math, name)


def concatenate(xs, axis=0):
    """Joins tensors along `axis` (the first by default, as keras.ops.concatenate)."""
    return tf.concat(list(xs), axis)


def argmax(x, axis=None, keepdims=False):
    """Index of the maximum along `axis` (of the flattened tensor when axis is None)."""
    return _arg(tf.argmax, x, axis, keepdims)


def argmin(x, axis=None, keepdims=False):
    """Index of the minimum along `axis` (of the flattened tensor when axis is None)."""
    return _arg(tf.argmin, x, axis, keepdims)


def _arg(fn, x, axis, keepdims):
    x = tf.convert_to_tensor(x)
    if axis is None:
        out = tf.cast(fn(tf.reshape(x, [-1]), axis=0), "int32")
        return tf.reshape(out, [1] * x.shape.rank) if keepdims else out
    out = tf.cast(fn(x, axis=axis), "int32")
    return tf.expand_dims(out, axis) if keepdims else out


def arange(start, stop=None, step=1, dtype=None):
    """Evenly spaced values in [start, stop), as keras.ops.arange."""
    if stop is None:
        start, stop = 0, start
    if dtype is None:
        dtype = "float32" if any(isinstance(v, float) for v in (start, stop, step)) else "int32"
    return tf.range(start, stop, step, dtype=dtype)


def full(shape, fill_value, dtype=None):
    """A tensor of `shape` filled with `fill_value`."""
    value = tf.fill(shape, fill_value)
    return tf.cast(value, dtype) if dtype is not None else value


def full_like(x, fill_value, dtype=None):
    x = tf.convert_to_tensor(x)
    return full(tf.shape(x), tf.cast(fill_value, dtype or x.dtype))


def ones(shape, dtype=None):
    return tf.ones(shape, dtype=dtype or "float32")


def zeros(shape, dtype=None):
    return tf.zeros(shape, dtype=dtype or "float32")


def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    """One-hot encoding of integer `x` with `num_classes` classes."""
    if sparse:
        raise NotImplementedError("keras.ops.one_hot(sparse=True) is not supported")
    return tf.one_hot(x, num_classes, axis=axis, dtype=dtype or "float32")


def shape(x) -> tuple:
    """The static shape as a tuple (None for unknown dims), as keras.ops.shape returns it."""
    return tuple(tf.convert_to_tensor(x).shape.as_list())


def size(x):
    return tf.size(x)


def ndim(x) -> int:
    return tf.convert_to_tensor(x).shape.rank


rank = ndim


def dtype(x) -> str:
    return tf.convert_to_tensor(x).dtype.name


def is_tensor(x) -> bool:
    return tf.is_tensor(x)


def take(x, indices, axis=None):
    """Elements of `x` at `indices` along `axis` (of the flattened tensor when None)."""
    if axis is None:
        return tf.gather(tf.reshape(x, [-1]), indices)
    return tf.gather(x, indices, axis=axis)


def top_k(x, k, sorted=True):  # noqa: A002 - Keras's argument name
    result = tf.math.top_k(x, k=k, sorted=sorted)
    return result[0], result[1]


def norm(x, ord=None, axis=None, keepdims=False):  # noqa: A002 - Keras's argument name
    """The Euclidean norm (ord None or 2 on vectors, 'fro' on matrices) of `x`."""
    if ord not in (None, 2, "fro", "euclidean"):
        raise NotImplementedError(f"keras.ops.norm(ord={ord!r}): only the Euclidean norm")
    return tf.sqrt(tf.reduce_sum(tf.square(x), axis=axis, keepdims=keepdims))


def dot(x1, x2):
    """Matrix product for rank >= 2, inner product for vectors, as numpy.dot."""
    x1, x2 = tf.convert_to_tensor(x1), tf.convert_to_tensor(x2)
    if x1.shape.rank == 1 and x2.shape.rank == 1:
        return tf.reduce_sum(x1 * x2)
    if x2.shape.rank == 1:
        return tf.squeeze(tf.matmul(x1, tf.expand_dims(x2, -1)), -1)
    if x1.shape.rank == 1:
        return tf.squeeze(tf.matmul(tf.expand_dims(x1, 0), x2), -2)
    return tf.tensordot(x1, x2, axes=[[x1.shape.rank - 1], [x2.shape.rank - 2]])


def swapaxes(x, axis1, axis2):
    x = tf.convert_to_tensor(x)
    perm = list(range(x.shape.rank))
    perm[axis1], perm[axis2] = perm[axis2], perm[axis1]
    return tf.transpose(x, perm)


def flatten(x):
    return tf.reshape(x, [-1])


def moments(x, axes, keepdims=False, synchronized=False):
    return tf.nn.moments(x, axes, keepdims=keepdims)


def slice(inputs, start_indices, shape):  # noqa: A001 - Keras's name
    return tf.slice(inputs, start_indices, shape)


def pad(x, pad_width, mode="constant", constant_values=None):
    kwargs = {} if constant_values is None else {"constant_values": constant_values}
    return tf.pad(x, pad_width, mode=mode.upper(), **kwargs)


def cond(pred, true_fn, false_fn):
    return tf.cond(pred, true_fn, false_fn)


def while_loop(cond, body, loop_vars, maximum_iterations=None):  # noqa: A002
    return tf.while_loop(cond, body, loop_vars, maximum_iterations=maximum_iterations)


def vectorized_map(function, elements):
    return tf.map_fn(function, elements)
