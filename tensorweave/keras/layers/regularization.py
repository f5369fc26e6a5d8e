"""Noise and dropout variants: GaussianNoise, GaussianDropout, SpatialDropout1D/2D/3D,
ActivityRegularization. All act only when called with training=True."""

from __future__ import annotations

import math

import tensorweave as tf
from tensorweave.keras.engine.input_spec import InputSpec
from tensorweave.keras.engine.layer import Layer
from tensorweave.keras.layers import _utils as u
from tensorweave.keras.layers.core import Dropout


def _check_rate(rate, layer: str) -> float:
    if not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
        raise ValueError(f"{layer}: invalid value received for argument `rate`. Expected a float "
                         f"value between 0 and 1. Received: rate={rate}")
    return float(rate)


class GaussianNoise(Layer):
    """Adds zero-centered Gaussian noise of standard deviation `stddev` in training."""

    def __init__(self, stddev: float, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= stddev:
            raise ValueError(f"GaussianNoise: stddev must be >= 0. Received: stddev={stddev}")
        self.stddev = stddev
        self.seed = seed
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=None):
        if self.stddev == 0:
            return inputs
        return u.smart_cond(
            training,
            lambda: inputs + tf.random.normal(tf.shape(inputs), 0.0, self.stddev,
                                              dtype=inputs.dtype, seed=self.seed),
            lambda: tf.identity(inputs))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {**u.base_config(self), "stddev": self.stddev, "seed": self.seed}


class GaussianDropout(Layer):
    """Multiplies by Gaussian noise of mean 1 and stddev sqrt(rate / (1 - rate)) in training."""

    def __init__(self, rate: float, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = _check_rate(rate, "GaussianDropout")
        self.seed = seed
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=None):
        if self.rate == 0 or self.rate == 1:
            return inputs
        stddev = math.sqrt(self.rate / (1.0 - self.rate))
        return u.smart_cond(
            training,
            lambda: inputs * tf.random.normal(tf.shape(inputs), 1.0, stddev, dtype=inputs.dtype,
                                              seed=self.seed),
            lambda: tf.identity(inputs))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {**u.base_config(self), "rate": self.rate, "seed": self.seed}


class _SpatialDropout(Dropout):
    """Drops whole feature maps: one draw per (sample, channel)."""

    rank = 2

    def __init__(self, rate: float, data_format=None, seed=None, name=None, dtype=None, **kwargs):
        super().__init__(_check_rate(rate, type(self).__name__), seed=seed, name=name,
                         dtype=dtype, **kwargs)
        self.data_format = u.normalize_data_format(data_format) if self.rank > 1 else \
            "channels_last"
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _noise_shape(self, inputs):
        dyn = tf.shape(inputs)
        one = tf.constant(1, "int32")
        if self.data_format == "channels_first":
            dims = [dyn[0], dyn[1]] + [one] * self.rank
        else:
            dims = [dyn[0]] + [one] * self.rank + [dyn[self.rank + 1]]
        return tf.stack(dims)

    def get_config(self) -> dict:
        config = {**u.base_config(self), "rate": self.rate, "seed": self.seed}
        if self.rank > 1:
            config["data_format"] = self.data_format
        return config


class SpatialDropout1D(_SpatialDropout):
    """Dropout of whole channels of (batch, steps, channels)."""

    rank = 1

    def __init__(self, rate: float, seed=None, name=None, dtype=None, **kwargs):
        super().__init__(rate, None, seed=seed, name=name, dtype=dtype, **kwargs)


class SpatialDropout2D(_SpatialDropout):
    """Dropout of whole feature maps of (batch, h, w, channels)."""

    rank = 2


class SpatialDropout3D(_SpatialDropout):
    """Dropout of whole feature volumes of (batch, d, h, w, channels)."""

    rank = 3


class ActivityRegularization(Layer):
    """Adds `l1 * sum(|x|) + l2 * sum(x^2)` of its input (per batch) to the layer's losses."""

    def __init__(self, l1: float = 0.0, l2: float = 0.0, **kwargs):
        from tensorweave.keras import regularizers

        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.supports_masking = True
        self.l1 = l1
        self.l2 = l2
        self.built = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {**u.base_config(self), "l1": self.l1, "l2": self.l2}


class AlphaDropout(Layer):
    """Dropout that keeps the self-normalizing mean and variance of SELU activations: dropped
    units take SELU's negative saturation value, then an affine map restores the moments."""

    def __init__(self, rate: float, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = _check_rate(rate, "AlphaDropout")
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=None):
        if self.rate == 0:
            return inputs

        def dropped():
            alpha_p = -1.6732632423543772848170429916717 * 1.0507009873554804934193349852946
            shape = tf.shape(inputs)
            if self.noise_shape is not None:
                shape = tf.stack([shape[i] if d is None else tf.constant(d, "int32")
                                  for i, d in enumerate(self.noise_shape)])
            keep = tf.cast(tf.random.uniform(shape, seed=self.seed) >= self.rate, inputs.dtype)
            a = ((1 - self.rate) * (1 + self.rate * alpha_p ** 2)) ** -0.5
            b = -a * alpha_p * self.rate
            x = inputs * keep + alpha_p * (1.0 - keep)
            return x * a + b

        return u.smart_cond(training, dropped, lambda: tf.identity(inputs))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {**u.base_config(self), "rate": self.rate, "seed": self.seed,
                "noise_shape": self.noise_shape}
