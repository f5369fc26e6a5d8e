"""BatchNormalization and LayerNormalization (Keras 3's arguments, weights and update rule)."""

from __future__ import annotations

import tensorweave as tf
from tensorweave.keras import initializers
from tensorweave.keras.engine.input_spec import InputSpec
from tensorweave.keras.engine.layer import Layer
from tensorweave.keras.layers import _utils as u


def _axes_list(axis, ndim: int, layer: str) -> list:
    axes = [axis] if isinstance(axis, int) else list(axis)
    out = []
    for a in axes:
        a = int(a)
        if not -ndim <= a < ndim:
            raise ValueError(f"{layer}: axis {a} is out of bounds for inputs of rank {ndim}")
        out.append(a % ndim)
    return sorted(set(out))


def _broadcast_shape(ndim: int, axes: list, shape) -> list:
    return [shape[i] if i in axes else 1 for i in range(ndim)]


class BatchNormalization(Layer):
    """Normalizes with the batch's mean and variance in training, the moving ones in inference.

    In training (and while the layer is trainable) the moving statistics are updated as
    `moving = moving * momentum + batch_stat * (1 - momentum)`, with the biased batch variance,
    as Keras does. Weights: gamma, beta (trainable), moving_mean, moving_variance.
    """

    def __init__(self, axis=-1, momentum: float = 0.99, epsilon: float = 1e-3,
                 center: bool = True, scale: bool = True, beta_initializer="zeros",
                 gamma_initializer="ones", moving_mean_initializer="zeros",
                 moving_variance_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 synchronized: bool = False, renorm: bool = False, renorm_clipping=None,
                 renorm_momentum: float = 0.99, **kwargs):
        super().__init__(**kwargs)
        if renorm:
            raise NotImplementedError("BatchNormalization(renorm=True) is not supported")
        self.axis = int(axis) if isinstance(axis, int) else list(axis)
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.center = center
        self.scale = scale
        self.synchronized = synchronized
        self.renorm, self.renorm_clipping, self.renorm_momentum = (renorm, renorm_clipping,
                                                                   renorm_momentum)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = u.get_reg(beta_regularizer)
        self.gamma_regularizer = u.get_reg(gamma_regularizer)
        self.beta_constraint = u.get_con(beta_constraint)
        self.gamma_constraint = u.get_con(gamma_constraint)
        self.supports_masking = True
        self.gamma = self.beta = None

    def build(self, input_shape) -> None:
        input_shape = tuple(input_shape)
        ndim = len(input_shape)
        self._axes = _axes_list(self.axis, ndim, "BatchNormalization")
        shape = tuple(input_shape[a] for a in self._axes)
        if any(d is None for d in shape):
            raise ValueError(f"BatchNormalization: axis {self.axis} of input shape "
                             f"{input_shape} must be defined")
        if self.scale:
            self.gamma = self.add_weight(name="gamma", shape=shape,
                                         initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer,
                                         constraint=self.gamma_constraint)
        if self.center:
            self.beta = self.add_weight(name="beta", shape=shape,
                                        initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer,
                                        constraint=self.beta_constraint)
        self.moving_mean = self.add_weight(name="moving_mean", shape=shape,
                                           initializer=self.moving_mean_initializer,
                                           trainable=False, autocast=False)
        self.moving_variance = self.add_weight(name="moving_variance", shape=shape,
                                               initializer=self.moving_variance_initializer,
                                               trainable=False, autocast=False)
        self.input_spec = InputSpec(ndim=ndim, axes={a: input_shape[a] for a in self._axes})
        self._reduction = [i for i in range(ndim) if i not in self._axes]
        self._bshape = None if len(self._axes) == 1 and self._axes[0] == ndim - 1 else \
            _broadcast_shape(ndim, self._axes, input_shape)
        self.built = True

    def _b(self, t):
        """A per-feature vector shaped to broadcast against the input."""
        return t if self._bshape is None else tf.reshape(t, self._bshape)

    def _batch_moments(self, x, mask):
        if mask is None:
            return tf.nn.moments(x, self._reduction)
        m = tf.cast(mask, x.dtype)
        while m.shape.rank < x.shape.rank:
            m = tf.expand_dims(m, -1)
        count = tf.reduce_sum(m * tf.ones_like(x), self._reduction)
        mean = tf.reduce_sum(x * m, self._reduction) / count
        diff = x - tf.stop_gradient(self._b(mean))
        variance = tf.reduce_sum(m * diff * diff, self._reduction) / count
        return mean, variance

    def call(self, inputs, training=None, mask=None):
        compute = inputs.dtype
        x = inputs
        if compute in (tf.float16, tf.bfloat16):  # statistics in float32, as Keras does
            x = tf.cast(x, tf.float32)
        # Keras: a frozen layer (trainable=False) always normalizes with the moving statistics.
        mode = u.in_train_mode(training) if self.trainable else False
        if isinstance(mode, bool):
            y = self._normalize_training(x, mask) if mode else self._normalize_inference(x)
        else:  # a boolean tensor in a traced function
            y = tf.cond(mode, lambda: self._normalize_training(x, mask),
                        lambda: self._normalize_inference(x))
        return tf.cast(y, compute) if y.dtype != compute else y

    def _normalize_training(self, x, mask):
        """Normalizes with the batch's statistics and moves the moving ones towards them."""
        mean, variance = self._batch_moments(x, mask)
        decay = tf.constant(1.0 - self.momentum, self.moving_mean.dtype)
        self.moving_mean.assign_sub((self.moving_mean - tf.cast(
            mean, self.moving_mean.dtype)) * decay)
        self.moving_variance.assign_sub((self.moving_variance - tf.cast(
            variance, self.moving_variance.dtype)) * decay)
        return self._normalize(x, mean, variance)

    def _normalize_inference(self, x):
        return self._normalize(x, u.read(self.moving_mean, x.dtype),
                               u.read(self.moving_variance, x.dtype))

    def _normalize(self, x, mean, variance):
        inv = tf.math.rsqrt(variance + tf.constant(self.epsilon, x.dtype))
        if self.gamma is not None:
            inv = inv * u.read(self.gamma, x.dtype)
        shift = -mean * inv
        if self.beta is not None:
            shift = shift + u.read(self.beta, x.dtype)
        return x * self._b(inv) + self._b(shift)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {**u.base_config(self), "axis": self.axis, "momentum": self.momentum,
                "epsilon": self.epsilon, "center": self.center, "scale": self.scale,
                "beta_initializer": u.ser_init(self.beta_initializer),
                "gamma_initializer": u.ser_init(self.gamma_initializer),
                "moving_mean_initializer": u.ser_init(self.moving_mean_initializer),
                "moving_variance_initializer": u.ser_init(self.moving_variance_initializer),
                "beta_regularizer": u.ser_reg(self.beta_regularizer),
                "gamma_regularizer": u.ser_reg(self.gamma_regularizer),
                "beta_constraint": u.ser_con(self.beta_constraint),
                "gamma_constraint": u.ser_con(self.gamma_constraint),
                "synchronized": self.synchronized, "renorm": self.renorm,
                "renorm_clipping": self.renorm_clipping,
                "renorm_momentum": self.renorm_momentum}


class LayerNormalization(Layer):
    """Normalizes each sample over `axis` (default the last): (x - mean) / sqrt(var + eps),
    then `gamma * x + beta`; `rms_scaling=True` (deprecated in Keras) only scales:
    x / sqrt(var + eps) * gamma."""

    def __init__(self, axis=-1, epsilon: float = 1e-3, center: bool = True, scale: bool = True,
                 rms_scaling: bool = False, beta_initializer="zeros", gamma_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        super().__init__(**kwargs)
        self.axis = int(axis) if isinstance(axis, int) else list(axis)
        self.epsilon = float(epsilon)
        self.center = center
        self.scale = scale
        self.rms_scaling = rms_scaling
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = u.get_reg(beta_regularizer)
        self.gamma_regularizer = u.get_reg(gamma_regularizer)
        self.beta_constraint = u.get_con(beta_constraint)
        self.gamma_constraint = u.get_con(gamma_constraint)
        self.supports_masking = True
        self.gamma = self.beta = None

    def build(self, input_shape) -> None:
        input_shape = tuple(input_shape)
        ndim = len(input_shape)
        self._axes = _axes_list(self.axis, ndim, "LayerNormalization")
        shape = tuple(input_shape[a] for a in self._axes)
        if any(d is None for d in shape):
            raise ValueError(f"LayerNormalization: axis {self.axis} of input shape "
                             f"{input_shape} must be defined")
        if self.scale:
            self.gamma = self.add_weight(name="gamma", shape=shape,
                                         initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer,
                                         constraint=self.gamma_constraint)
        if self.center and not self.rms_scaling:
            self.beta = self.add_weight(name="beta", shape=shape,
                                        initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer,
                                        constraint=self.beta_constraint)
        self._bshape = _broadcast_shape(ndim, self._axes, input_shape)
        self.built = True

    def call(self, inputs):
        compute = inputs.dtype
        x = tf.cast(inputs, tf.float32) if compute in (tf.float16, tf.bfloat16) else inputs
        eps = tf.constant(self.epsilon, x.dtype)
        if self.rms_scaling:
            # Keras 3 scales by the (centered) variance here, not the mean square: kept so that
            # weights and outputs match Keras's (deprecated) rms_scaling exactly.
            _, variance = tf.nn.moments(x, self._axes, keepdims=True)
            y = x * tf.math.rsqrt(variance + eps)
            if self.gamma is not None:
                y = y * tf.reshape(u.read(self.gamma, x.dtype), self._bshape)
        else:
            mean, variance = tf.nn.moments(x, self._axes, keepdims=True)
            inv = tf.math.rsqrt(variance + eps)
            if self.gamma is not None:
                inv = inv * tf.reshape(u.read(self.gamma, x.dtype), self._bshape)
            y = (x - mean) * inv
            if self.beta is not None:
                y = y + tf.reshape(u.read(self.beta, x.dtype), self._bshape)
        return tf.cast(y, compute) if y.dtype != compute else y

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {**u.base_config(self), "axis": self.axis, "epsilon": self.epsilon,
                "center": self.center, "scale": self.scale, "rms_scaling": self.rms_scaling,
                "beta_initializer": u.ser_init(self.beta_initializer),
                "gamma_initializer": u.ser_init(self.gamma_initializer),
                "beta_regularizer": u.ser_reg(self.beta_regularizer),
                "gamma_regularizer": u.ser_reg(self.gamma_regularizer),
                "beta_constraint": u.ser_con(self.beta_constraint),
                "gamma_constraint": u.ser_con(self.gamma_constraint)}
