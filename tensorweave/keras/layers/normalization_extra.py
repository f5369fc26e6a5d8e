"""GroupNormalization, UnitNormalization and Identity."""

from __future__ import annotations

import tensorweave as tf
from tensorweave.keras import initializers
from tensorweave.keras.engine.input_spec import InputSpec
from tensorweave.keras.engine.layer import Layer
from tensorweave.keras.layers import _utils as u


class GroupNormalization(Layer):
    """Normalizes each sample over groups of `groups` channels (Wu & He 2018); groups=-1 is
    instance normalization, groups=1 layer normalization over all features."""

    def __init__(self, groups: int = 32, axis: int = -1, epsilon: float = 1e-3,
                 center: bool = True, scale: bool = True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None,
                 beta_constraint=None, gamma_constraint=None, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.groups = int(groups)
        self.axis = int(axis)
        self.epsilon = float(epsilon)
        self.center = center
        self.scale = scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = u.get_reg(beta_regularizer)
        self.gamma_regularizer = u.get_reg(gamma_regularizer)
        self.beta_constraint = u.get_con(beta_constraint)
        self.gamma_constraint = u.get_con(gamma_constraint)
        self.gamma = self.beta = None

    def build(self, input_shape) -> None:
        input_shape = tuple(input_shape)
        ndim = len(input_shape)
        axis = self.axis % ndim
        dim = input_shape[axis]
        if dim is None:
            raise ValueError(f"Axis {self.axis} of input tensor should have a defined dimension "
                             f"but the layer received an input with shape {input_shape}.")
        if self.groups == -1:
            self.groups = dim
        if dim < self.groups:
            raise ValueError(f"Number of groups ({self.groups}) cannot be more than the number "
                             f"of channels ({dim}).")
        if dim % self.groups:
            raise ValueError(f"Number of groups ({self.groups}) must be a multiple of the "
                             f"number of channels ({dim}).")
        self._axis = axis
        self.input_spec = InputSpec(ndim=ndim, axes={self.axis: dim})
        if self.scale:
            self.gamma = self.add_weight(name="gamma", shape=(dim,),
                                         initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer,
                                         constraint=self.gamma_constraint)
        if self.center:
            self.beta = self.add_weight(name="beta", shape=(dim,),
                                        initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer,
                                        constraint=self.beta_constraint)
        self.built = True

    def call(self, inputs):
        compute = inputs.dtype
        x = tf.cast(inputs, tf.float32) if compute in (tf.float16, tf.bfloat16) else inputs
        shape = x.shape.as_tuple()
        dyn = tf.shape(x)
        axis, groups = self._axis, self.groups
        dim = shape[axis]
        dims = [d if d is not None else dyn[i] for i, d in enumerate(shape)]
        grouped = dims[:axis] + [groups, dim // groups] + dims[axis + 1:]
        static = all(isinstance(d, int) for d in grouped)
        g = tf.reshape(x, grouped if static else tf.stack(
            [tf.constant(d, "int32") if isinstance(d, int) else d for d in grouped]))
        reduce = [i for i in range(1, len(grouped)) if i != axis]
        mean, variance = tf.nn.moments(g, reduce, keepdims=True)
        bshape = [1] * len(grouped)
        bshape[axis], bshape[axis + 1] = groups, dim // groups
        inv = tf.math.rsqrt(variance + tf.constant(self.epsilon, x.dtype))
        if self.gamma is not None:
            inv = inv * tf.reshape(u.read(self.gamma, x.dtype), bshape)
        shift = -mean * inv
        if self.beta is not None:
            shift = shift + tf.reshape(u.read(self.beta, x.dtype), bshape)
        y = g * inv + shift
        y = tf.reshape(y, shape if all(d is not None for d in shape) else dyn)
        return tf.cast(y, compute) if y.dtype != compute else y

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {**u.base_config(self), "groups": self.groups, "axis": self.axis,
                "epsilon": self.epsilon, "center": self.center, "scale": self.scale,
                "beta_initializer": u.ser_init(self.beta_initializer),
                "gamma_initializer": u.ser_init(self.gamma_initializer),
                "beta_regularizer": u.ser_reg(self.beta_regularizer),
                "gamma_regularizer": u.ser_reg(self.gamma_regularizer),
                "beta_constraint": u.ser_con(self.beta_constraint),
                "gamma_constraint": u.ser_con(self.gamma_constraint)}


class UnitNormalization(Layer):
    """Scales each sample to unit L2 norm along `axis`."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis if isinstance(axis, int) else list(axis)
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        x = inputs
        square_sum = tf.reduce_sum(x * x, axis=self.axis, keepdims=True)
        return x * tf.math.rsqrt(tf.maximum(square_sum, tf.constant(1e-12, x.dtype)))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {**u.base_config(self), "axis": self.axis}


class Identity(Layer):
    """Returns its input unchanged (a placeholder in a model)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        return u.base_config(self)


class RMSNormalization(Layer):
    """x / sqrt(mean(x^2 over `axis`) + epsilon) * scale (Zhang & Sennrich 2019)."""

    def __init__(self, axis=-1, epsilon: float = 1e-6, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis if isinstance(axis, int) else list(axis)
        self.epsilon = float(epsilon)
        self.supports_masking = True

    def build(self, input_shape) -> None:
        input_shape = tuple(input_shape)
        axes = [self.axis] if isinstance(self.axis, int) else self.axis
        shape = tuple(input_shape[a] for a in axes)
        if any(d is None for d in shape):
            raise ValueError(f"RMSNormalization: axis {self.axis} of input shape {input_shape} "
                             "must be defined")
        self._bshape = [input_shape[i] if i in [a % len(input_shape) for a in axes] else 1
                        for i in range(len(input_shape))]
        self.scale = self.add_weight(name="scale", shape=shape, initializer="ones")
        self.built = True

    def call(self, inputs):
        compute = inputs.dtype
        x = tf.cast(inputs, tf.float32) if compute in (tf.float16, tf.bfloat16) else inputs
        ms = tf.reduce_mean(x * x, axis=self.axis, keepdims=True)
        y = x * tf.math.rsqrt(ms + tf.constant(self.epsilon, x.dtype))
        y = y * tf.reshape(u.read(self.scale, x.dtype), self._bshape)
        return tf.cast(y, compute) if y.dtype != compute else y

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {**u.base_config(self), "axis": self.axis, "epsilon": self.epsilon}
