"""keras.activations: Keras 3's activation functions, by object or by name.

    >>> from tensorweave import keras
    >>> keras.activations.get("relu")([-1.0, 2.0]).numpy()
    array([0., 2.], dtype=float32)
"""

from __future__ import annotations

import weakref
from typing import Any, Callable

import tensorweave as tf
from tensorweave.keras.utils.serialization import lookup

# softmax/sigmoid outputs remember their logits (weakly, by id), so that cross entropies can work
# from the logits as Keras does: more accurate than log(clip(p)) and the same numbers as Keras.
_LOGITS: dict = {}


def _remember_logits(output, logits):
    key = id(output)
    _LOGITS[key] = (weakref.ref(output, lambda _, k=key: _LOGITS.pop(k, None)), logits)
    return output


def logits_of(output) -> Any:
    """The logits a `softmax`/`sigmoid` activation produced `output` from, or None."""
    entry = _LOGITS.get(id(output))
    if entry is not None and entry[0]() is output:
        return entry[1]
    return None


def _t(x):
    return tf.convert_to_tensor(x)


def _c(value, x):
    return tf.constant(value, dtype=x.dtype)


def relu(x, negative_slope: float = 0.0, max_value: float | None = None,
         threshold: float = 0.0) -> tf.Tensor:
    """max(x, 0), or Keras's general form: `max_value` caps it, below `threshold` the output is
    `negative_slope * (x - threshold)`."""
    x = _t(x)
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return tf.nn.relu(x)
    if negative_slope < 0:
        raise ValueError(f"relu: negative_slope must be >= 0, got {negative_slope}")
    if max_value is not None and max_value < 0:
        raise ValueError(f"relu: max_value must be >= 0, got {max_value}")
    thr = _c(threshold, x)
    out = tf.where(x >= thr, x, (x - thr) * _c(negative_slope, x))
    if max_value is not None:
        out = tf.minimum(out, _c(max_value, x))
    return out


def relu6(x) -> tf.Tensor:
    """min(max(x, 0), 6)."""
    return tf.nn.relu6(_t(x))


def leaky_relu(x, negative_slope: float = 0.2) -> tf.Tensor:
    """x for x >= 0, negative_slope * x otherwise."""
    return tf.nn.leaky_relu(_t(x), alpha=negative_slope)


def elu(x, alpha: float = 1.0) -> tf.Tensor:
    """x for x > 0, alpha * (exp(x) - 1) otherwise."""
    x = _t(x)
    out = tf.nn.elu(x)
    if alpha == 1.0:
        return out
    return tf.where(x > _c(0, x), out, out * _c(alpha, x))


def selu(x) -> tf.Tensor:
    """Scaled ELU (Klambauer et al., 2017) with its fixed alpha and scale."""
    return tf.nn.selu(_t(x))


def celu(x, alpha: float = 1.0) -> tf.Tensor:
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1))."""
    x = _t(x)
    a = _c(alpha, x)
    return tf.maximum(x, _c(0, x)) + tf.minimum(_c(0, x), a * (tf.exp(x / a) - _c(1, x)))


def softplus(x) -> tf.Tensor:
    """log(exp(x) + 1)."""
    return tf.math.softplus(_t(x))


def softsign(x) -> tf.Tensor:
    """x / (|x| + 1)."""
    return tf.math.softsign(_t(x))


def sigmoid(x) -> tf.Tensor:
    """1 / (1 + exp(-x)); the output remembers `x` so cross entropies can use the logits."""
    x = _t(x)
    return _remember_logits(tf.math.sigmoid(x), x)


def log_sigmoid(x) -> tf.Tensor:
    """log(sigmoid(x)), computed stably as -softplus(-x)."""
    x = _t(x)
    return -tf.math.softplus(-x)


def hard_sigmoid(x) -> tf.Tensor:
    """relu6(x + 3) / 6, Keras 3's piecewise-linear sigmoid."""
    x = _t(x)
    return tf.nn.relu6(x + _c(3, x)) / _c(6, x)


def silu(x) -> tf.Tensor:
    """x * sigmoid(x) (also called swish)."""
    return tf.nn.silu(_t(x))


swish = silu


def hard_silu(x) -> tf.Tensor:
    """x * hard_sigmoid(x)."""
    x = _t(x)
    return x * hard_sigmoid(x)


hard_swish = hard_silu


def gelu(x, approximate: bool = False) -> tf.Tensor:
    """Gaussian error linear unit: x * Phi(x) (tanh approximation when `approximate`)."""
    return tf.nn.gelu(_t(x), approximate=approximate)


def tanh(x) -> tf.Tensor:
    """Hyperbolic tangent."""
    return tf.math.tanh(_t(x))


def tanh_shrink(x) -> tf.Tensor:
    """x - tanh(x)."""
    x = _t(x)
    return x - tf.math.tanh(x)


def hard_tanh(x) -> tf.Tensor:
    """x clipped to [-1, 1]."""
    x = _t(x)
    return tf.clip_by_value(x, _c(-1, x), _c(1, x))


def soft_shrink(x, threshold: float = 0.5) -> tf.Tensor:
    """x - threshold above it, x + threshold below -threshold, 0 between."""
    x = _t(x)
    t = _c(threshold, x)
    return tf.where(x > t, x - t, tf.where(x < -t, x + t, tf.zeros_like(x)))


def hard_shrink(x, threshold: float = 0.5) -> tf.Tensor:
    """x where |x| > threshold, else 0."""
    x = _t(x)
    return tf.where(tf.abs(x) > _c(threshold, x), x, tf.zeros_like(x))


def threshold(x, threshold: float, default_value: float) -> tf.Tensor:  # noqa: F811
    """x where x > threshold, else `default_value`."""
    x = _t(x)
    return tf.where(x > _c(threshold, x), x, tf.fill(tf.shape(x), _c(default_value, x)))


def squareplus(x, b: float = 4) -> tf.Tensor:
    """(x + sqrt(x^2 + b)) / 2, a smooth relu."""
    x = _t(x)
    return (x + tf.sqrt(tf.square(x) + _c(b, x))) / _c(2, x)


def sparse_plus(x) -> tf.Tensor:
    """0 for x <= -1, x for x >= 1, (x + 1)^2 / 4 between."""
    x = _t(x)
    one = _c(1, x)
    return tf.where(x <= -one, tf.zeros_like(x),
                    tf.where(x >= one, x, tf.square(x + one) / _c(4, x)))


def mish(x) -> tf.Tensor:
    """x * tanh(softplus(x))."""
    x = _t(x)
    return x * tf.math.tanh(tf.math.softplus(x))


def exponential(x) -> tf.Tensor:
    """exp(x)."""
    return tf.exp(_t(x))


def linear(x) -> Any:
    """The identity: returns `x` unchanged."""
    return x


def softmax(x, axis: int = -1) -> tf.Tensor:
    """exp(x) / sum(exp(x)) along `axis`; the output remembers `x` for cross entropies."""
    x = _t(x)
    if isinstance(axis, (tuple, list)):
        e = tf.exp(x - tf.stop_gradient(tf.reduce_max(x, axis=axis, keepdims=True)))
        out = e / tf.reduce_sum(e, axis=axis, keepdims=True)
    else:
        out = tf.nn.softmax(x, axis=axis)
    return _remember_logits(out, x)


def log_softmax(x, axis: int = -1) -> tf.Tensor:
    """log(softmax(x)) computed stably."""
    return tf.nn.log_softmax(_t(x), axis=axis)


def glu(x, axis: int = -1) -> tf.Tensor:
    """Gated linear unit: a * sigmoid(b), with a, b the two halves of `x` along `axis`."""
    x = _t(x)
    if x.shape[axis] is not None and x.shape[axis] % 2:
        raise ValueError(f"glu: axis {axis} must have an even size, got shape {x.shape}")
    a, b = tf.split(x, 2, axis=axis)
    return a * tf.math.sigmoid(b)


_NAMES = ["relu", "relu6", "leaky_relu", "elu", "selu", "celu", "softplus", "softsign",
          "sigmoid", "log_sigmoid", "hard_sigmoid", "silu", "swish", "hard_silu", "hard_swish",
          "gelu", "tanh", "tanh_shrink", "hard_tanh", "soft_shrink", "hard_shrink", "threshold",
          "squareplus", "sparse_plus", "mish", "exponential", "linear", "softmax", "log_softmax",
          "glu"]
ALL_OBJECTS_DICT = {name: globals()[name] for name in _NAMES}


def serialize(activation: Callable) -> str | dict:
    """The name of a built-in activation; a Keras dict for an activation object (a layer)."""
    name = getattr(activation, "__name__", None)
    if name in ALL_OBJECTS_DICT and ALL_OBJECTS_DICT[name] is activation:
        return name
    if hasattr(activation, "get_config"):
        return {"module": type(activation).__module__, "class_name": type(activation).__name__,
                "config": activation.get_config(), "registered_name": None}
    if name is not None:
        return name
    raise ValueError(f"Could not serialize activation {activation!r}")


def deserialize(config, custom_objects: dict | None = None) -> Callable:
    """The activation a name (or a serialized dict) stands for."""
    return lookup(config, ALL_OBJECTS_DICT, "activation function", custom_objects)


def get(identifier) -> Callable:
    """An activation from a name, a dict or a callable; None gives `linear`."""
    if identifier is None:
        return linear
    return lookup(identifier, ALL_OBJECTS_DICT, "activation function")
