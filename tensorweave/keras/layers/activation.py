"""Activation layers: ReLU, LeakyReLU, PReLU, ELU, Softmax."""

from __future__ import annotations

import tensorweave as tf
from tensorweave.keras import activations, initializers
from tensorweave.keras.engine.input_spec import InputSpec
from tensorweave.keras.engine.layer import Layer
from tensorweave.keras.layers import _utils as u


class _Elementwise(Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.built = True

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)


class ReLU(_Elementwise):
    """max(x, 0), or Keras's general form: `negative_slope * (x - threshold)` below `threshold`,
    capped at `max_value`."""

    def __init__(self, max_value=None, negative_slope: float = 0.0, threshold: float = 0.0,
                 **kwargs):
        super().__init__(**kwargs)
        if max_value is not None and max_value < 0:
            raise ValueError("max_value of a ReLU layer cannot be a negative value. Received: "
                             f"max_value={max_value}")
        if negative_slope is None or negative_slope < 0:
            raise ValueError("negative_slope of a ReLU layer cannot be a negative value. "
                             f"Received: negative_slope={negative_slope}")
        if threshold is None or threshold < 0:
            raise ValueError("threshold of a ReLU layer cannot be a negative value. Received: "
                             f"threshold={threshold}")
        self.max_value = max_value
        self.negative_slope = negative_slope
        self.threshold = threshold

    def call(self, inputs):
        return activations.relu(inputs, negative_slope=self.negative_slope,
                                max_value=self.max_value, threshold=self.threshold)

    def get_config(self) -> dict:
        return {**u.base_config(self), "max_value": self.max_value,
                "negative_slope": self.negative_slope, "threshold": self.threshold}


class LeakyReLU(_Elementwise):
    """x for x >= 0, `negative_slope * x` otherwise (Keras 3's default slope 0.3)."""

    def __init__(self, negative_slope: float = 0.3, **kwargs):
        if "alpha" in kwargs:  # Keras 2 spelling
            negative_slope = kwargs.pop("alpha")
        super().__init__(**kwargs)
        if negative_slope is None or negative_slope < 0:
            raise ValueError("The negative_slope value of a Leaky ReLU layer cannot be None or "
                             f"negative. Expected a float. Received: "
                             f"negative_slope={negative_slope}")
        self.negative_slope = negative_slope

    def call(self, inputs):
        return tf.nn.leaky_relu(inputs, alpha=self.negative_slope)

    def get_config(self) -> dict:
        return {**u.base_config(self), "negative_slope": self.negative_slope}


class ELU(_Elementwise):
    """x for x > 0, `alpha * (exp(x) - 1)` otherwise."""

    def __init__(self, alpha: float = 1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = alpha

    def call(self, inputs):
        return activations.elu(inputs, alpha=self.alpha)

    def get_config(self) -> dict:
        return {**u.base_config(self), "alpha": self.alpha}


class PReLU(Layer):
    """Leaky ReLU with a learned slope `alpha` per element (shared over `shared_axes`)."""

    def __init__(self, alpha_initializer="zeros", alpha_regularizer=None, alpha_constraint=None,
                 shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = u.get_reg(alpha_regularizer)
        self.alpha_constraint = u.get_con(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        elif isinstance(shared_axes, int):
            self.shared_axes = [shared_axes]
        else:
            self.shared_axes = list(shared_axes)

    def build(self, input_shape) -> None:
        param_shape = list(input_shape[1:])
        for axis in self.shared_axes or ():
            param_shape[axis - 1] = 1
        if any(d is None for d in param_shape):
            raise ValueError(f"PReLU: input shape {tuple(input_shape)} has undefined axes; "
                             "share them with `shared_axes`")
        self.alpha = self.add_weight(name="alpha", shape=tuple(param_shape),
                                     initializer=self.alpha_initializer,
                                     regularizer=self.alpha_regularizer,
                                     constraint=self.alpha_constraint)
        axes = {i: input_shape[i] for i in range(1, len(input_shape))
                if i not in (self.shared_axes or ())}
        self.input_spec = InputSpec(ndim=len(input_shape), axes=axes)
        self.built = True

    def call(self, inputs):
        pos = tf.nn.relu(inputs)
        neg = -u.read(self.alpha, inputs.dtype) * tf.nn.relu(-inputs)
        return pos + neg

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {**u.base_config(self), "alpha_initializer": u.ser_init(self.alpha_initializer),
                "alpha_regularizer": u.ser_reg(self.alpha_regularizer),
                "alpha_constraint": u.ser_con(self.alpha_constraint),
                "shared_axes": self.shared_axes}


class Softmax(_Elementwise):
    """Softmax over `axis`; masked positions (mask False) get probability 0."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def call(self, inputs, mask=None):
        keep = None
        if mask is not None:
            # As Keras: masked logits become -1e9 and masked outputs exactly 0, so that a fully
            # masked axis gives zeros rather than a uniform distribution.
            keep = mask if mask.dtype == tf.bool else tf.greater(mask, tf.constant(
                0.5, mask.dtype))
            keep = tf.broadcast_to(keep, tf.shape(inputs))
            big = -1e9 if inputs.dtype in (tf.float32, tf.float64) else -6.5e4
            inputs = tf.where(keep, inputs, tf.constant(big, inputs.dtype))
        if isinstance(self.axis, (list, tuple)) and len(self.axis) > 1:
            out = tf.exp(inputs - tf.reduce_logsumexp(inputs, axis=self.axis, keepdims=True))
        else:
            axis = self.axis[0] if isinstance(self.axis, (list, tuple)) else self.axis
            out = activations.softmax(inputs, axis=axis)
        if keep is not None:
            out = tf.where(keep, out, tf.zeros_like(out))
        return out

    def compute_mask(self, inputs, previous_mask=None):
        return None

    def get_config(self) -> dict:
        return {**u.base_config(self), "axis": self.axis}
