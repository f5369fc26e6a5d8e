"""Keras 3's optimizers, each updating a variable with one fused op per step."""

from __future__ import annotations

import tensorweave as tf
from tensorweave.framework.context import init_scope
from tensorweave.framework.indexed_slices import IndexedSlices
from tensorweave.keras.optimizers import fused_ops
from tensorweave.keras.optimizers.base import Optimizer, _dense

_BASE_ARGS = ("weight_decay", "clipnorm", "clipvalue", "global_clipnorm", "use_ema",
              "ema_momentum", "ema_overwrite_frequency", "loss_scale_factor",
              "gradient_accumulation_steps", "name")


def _base(kwargs: dict) -> dict:
    return {k: kwargs[k] for k in _BASE_ARGS if k in kwargs}


class SGD(Optimizer):
    """Gradient descent, with momentum and Nesterov momentum.

    momentum 0: w -= lr * g; else m = momentum * m - lr * g and w += m
    (nesterov: w += momentum * m - lr * g).
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm,
                         use_ema, ema_momentum, ema_overwrite_frequency, loss_scale_factor,
                         gradient_accumulation_steps, name, **kwargs)
        if not isinstance(momentum, (float, int)) or isinstance(momentum, bool) or \
                not 0 <= momentum <= 1:
            raise ValueError("`momentum` must be a float between [0, 1].")
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)

    def _slot_specs(self):
        return [[("momentum", "zeros")]] if self.momentum != 0 else []

    def _apply_one(self, grad, variable, lr, step, weight_decay):
        if self.momentum != 0:
            fused_ops.run(fused_ops.apply_keras_momentum, (_dense(grad), lr), {
                "var": variable, "accum": self._slot("momentum", variable),
                "momentum": self.momentum, "nesterov": self.nesterov, "wd": weight_decay})
        elif isinstance(grad, IndexedSlices):
            fused_ops.run(fused_ops.apply_sparse_gradient_descent,
                          (grad.values, grad.indices, lr), {"var": variable, "wd": weight_decay})
        else:
            fused_ops.run(fused_ops.apply_gradient_descent, (grad, lr),
                          {"var": variable, "wd": weight_decay})

    def get_config(self) -> dict:
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2014), with the AMSGrad variant (`amsgrad=True`)."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm,
                         use_ema, ema_momentum, ema_overwrite_frequency, loss_scale_factor,
                         gradient_accumulation_steps, name, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.amsgrad = amsgrad

    def _slot_specs(self):
        specs = [[("momentum", "zeros"), ("velocity", "zeros")]]
        return specs + ([[("velocity_hat", "zeros")]] if self.amsgrad else [])

    def _apply_one(self, grad, variable, lr, step, weight_decay):
        fused_ops.run(fused_ops.apply_adam, (_dense(grad), lr, step), {
            "var": variable, "m": self._slot("momentum", variable),
            "v": self._slot("velocity", variable),
            "vhat": self._slot("velocity_hat", variable) if self.amsgrad else None,
            "beta_1": float(self.beta_1), "beta_2": float(self.beta_2),
            "epsilon": float(self.epsilon), "wd": weight_decay})

    def get_config(self) -> dict:
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon, "amsgrad": self.amsgrad}


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): w -= w * weight_decay * lr
    before each Adam step."""

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7, amsgrad=False, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        if weight_decay is None:
            raise ValueError("Argument `weight_decay` must be a float. Received: "
                             "weight_decay=None")
        super().__init__(learning_rate, beta_1, beta_2, epsilon, amsgrad, weight_decay,
                         clipnorm, clipvalue, global_clipnorm, use_ema, ema_momentum,
                         ema_overwrite_frequency, loss_scale_factor,
                         gradient_accumulation_steps, name, **kwargs)


class Adamax(Optimizer):
    """Adamax: Adam with the infinity norm of past gradients."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None,
                 **kwargs):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm,
                         use_ema, ema_momentum, ema_overwrite_frequency, loss_scale_factor,
                         gradient_accumulation_steps, name, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def _slot_specs(self):
        return [[("momentum", "zeros"), ("norm", "zeros")]]

    def _apply_one(self, grad, variable, lr, step, weight_decay):
        fused_ops.run(fused_ops.apply_adamax, (_dense(grad), lr, step), {
            "var": variable, "m": self._slot("momentum", variable),
            "u": self._slot("norm", variable), "beta_1": float(self.beta_1),
            "beta_2": float(self.beta_2), "epsilon": float(self.epsilon), "wd": weight_decay})

    def get_config(self) -> dict:
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}


class Nadam(Optimizer):
    """Adam with Nesterov momentum (Dozat, 2015), Keras 3's momentum schedule."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None,
                 **kwargs):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm,
                         use_ema, ema_momentum, ema_overwrite_frequency, loss_scale_factor,
                         gradient_accumulation_steps, name, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self._u_product = None

    def _slot_specs(self):
        return [[("momentum", "zeros"), ("velocity", "zeros")]]

    def _build_extra(self, new_variables):
        if self._u_product is None:
            dtype = new_variables[0].dtype if new_variables else tf.float32
            with init_scope():
                self._u_product = tf.Variable(1.0, dtype=dtype, trainable=False,
                                              name="u_product")
            self._variables.append(self._u_product)

    def _update_all(self, grads, variables, lr, step):
        # The product of the momentum schedule, advanced once per step before the updates.
        dtype = self._u_product.dtype
        t = tf.cast(step + tf.constant(1, tf.int64), dtype)
        decay = tf.pow(tf.constant(0.96, dtype), t)
        u_t = tf.constant(self.beta_1, dtype) * (tf.constant(1.0, dtype)
                                                 - tf.constant(0.5, dtype) * decay)
        self._u_product.assign(self._u_product.value() * u_t)
        u_product = self._u_product.value()
        for g, v in zip(grads, variables):
            fused_ops.run(fused_ops.apply_keras_nadam, (_dense(g), lr, step, u_product), {
                "var": v, "m": self._slot("momentum", v), "v": self._slot("velocity", v),
                "beta_1": float(self.beta_1), "beta_2": float(self.beta_2),
                "epsilon": float(self.epsilon), "wd": self._weight_decay_for(v)})

    def _apply_one(self, grad, variable, lr, step, weight_decay):
        fused_ops.run(fused_ops.apply_keras_nadam,
                      (_dense(grad), lr, step, self._u_product.value()), {
                          "var": variable, "m": self._slot("momentum", variable),
                          "v": self._slot("velocity", variable), "beta_1": float(self.beta_1),
                          "beta_2": float(self.beta_2), "epsilon": float(self.epsilon),
                          "wd": weight_decay})

    def get_config(self) -> dict:
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}


class RMSprop(Optimizer):
    """RMSprop: divides the gradient by a moving root mean square of recent gradients."""

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7,
                 centered=False, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm,
                         use_ema, ema_momentum, ema_overwrite_frequency, loss_scale_factor,
                         gradient_accumulation_steps, name, **kwargs)
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered

    def _slot_specs(self):
        specs = [[("velocity", "zeros")]]
        if self.momentum > 0:
            specs.append([("momentum", "zeros")])
        if self.centered:
            specs.append([("average_gradient", "zeros")])
        return specs

    def _apply_one(self, grad, variable, lr, step, weight_decay):
        fused_ops.run(fused_ops.apply_rmsprop, (_dense(grad), lr), {
            "var": variable, "ms": self._slot("velocity", variable),
            "mom": self._slot("momentum", variable) if self.momentum > 0 else None,
            "mg": self._slot("average_gradient", variable) if self.centered else None,
            "rho": float(self.rho), "momentum": float(self.momentum),
            "epsilon": float(self.epsilon), "wd": weight_decay})

    def get_config(self) -> dict:
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum,
                "epsilon": self.epsilon, "centered": self.centered}


class Adagrad(Optimizer):
    """Adagrad: per-coordinate steps scaled by the root of the summed squared gradients."""

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None,
                 **kwargs):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm,
                         use_ema, ema_momentum, ema_overwrite_frequency, loss_scale_factor,
                         gradient_accumulation_steps, name, **kwargs)
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon

    def _slot_specs(self):
        from tensorweave.keras.initializers import Constant

        return [[("accumulator", Constant(self.initial_accumulator_value))]]

    def _apply_one(self, grad, variable, lr, step, weight_decay):
        fused_ops.run(fused_ops.apply_keras_adagrad, (_dense(grad), lr), {
            "var": variable, "accum": self._slot("accumulator", variable),
            "epsilon": float(self.epsilon), "wd": weight_decay})

    def get_config(self) -> dict:
        return {**super().get_config(),
                "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon}


class Adadelta(Optimizer):
    """Adadelta (Zeiler, 2012): steps scaled by the ratio of past update and gradient RMS."""

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm,
                         use_ema, ema_momentum, ema_overwrite_frequency, loss_scale_factor,
                         gradient_accumulation_steps, name, **kwargs)
        self.rho = rho
        self.epsilon = epsilon

    def _slot_specs(self):
        return [[("accumulated_grad", "zeros"), ("accumulated_delta_var", "zeros")]]

    def _apply_one(self, grad, variable, lr, step, weight_decay):
        fused_ops.run(fused_ops.apply_adadelta, (_dense(grad), lr), {
            "var": variable, "accum": self._slot("accumulated_grad", variable),
            "accum_update": self._slot("accumulated_delta_var", variable),
            "rho": float(self.rho), "epsilon": float(self.epsilon), "wd": weight_decay})

    def get_config(self) -> dict:
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}


class Lion(Optimizer):
    """Lion (evolved sign momentum): steps of size `learning_rate` in the sign of an
    interpolation of momentum and gradient. Use a learning rate 3-10x smaller than Adam's."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm,
                         use_ema, ema_momentum, ema_overwrite_frequency, loss_scale_factor,
                         gradient_accumulation_steps, name, **kwargs)
        if beta_1 <= 0 or beta_1 > 1:
            raise ValueError("Argument `beta_1` must be in the [0, 1] range. Otherwise, the "
                             f"optimizer degenerates to SignSGD. Received: beta_1={beta_1}.")
        self.beta_1 = beta_1
        self.beta_2 = beta_2

    def _slot_specs(self):
        return [[("momentum", "zeros")]]

    def _apply_one(self, grad, variable, lr, step, weight_decay):
        fused_ops.run(fused_ops.apply_keras_lion, (_dense(grad), lr), {
            "var": variable, "m": self._slot("momentum", variable),
            "beta_1": float(self.beta_1), "beta_2": float(self.beta_2), "wd": weight_decay})

    def get_config(self) -> dict:
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2}


class Lamb(Optimizer):
    """LAMB: Adam with a per-variable trust ratio ||w|| / ||update|| (large-batch training)."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None,
                 **kwargs):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm,
                         use_ema, ema_momentum, ema_overwrite_frequency, loss_scale_factor,
                         gradient_accumulation_steps, name, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def _slot_specs(self):
        return [[("momentum", "zeros"), ("velocity", "zeros")]]

    def _apply_one(self, grad, variable, lr, step, weight_decay):
        fused_ops.run(fused_ops.apply_keras_lamb, (_dense(grad), lr, step), {
            "var": variable, "m": self._slot("momentum", variable),
            "v": self._slot("velocity", variable), "beta_1": float(self.beta_1),
            "beta_2": float(self.beta_2), "epsilon": float(self.epsilon), "wd": weight_decay})

    def get_config(self) -> dict:
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}
