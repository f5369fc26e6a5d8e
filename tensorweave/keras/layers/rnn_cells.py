"""Recurrent cells with Keras's weight layout: SimpleRNNCell, LSTMCell (gates i, f, c, o), GRUCell
(gates z, r, h; reset_after), and StackedRNNCells.

Each built-in cell splits its step in two so that the RNN layer can project every timestep's
input with one matmul before the loop: `project(x)` (x @ kernel + input bias, on any leading
shape) and `step(projected_t, states)`; `call(x_t, states)` composes them for a single step.
"""

from __future__ import annotations

import tensorweave as tf
from tensorweave.keras import activations, initializers
from tensorweave.keras.engine.layer import Layer
from tensorweave.keras.layers import _utils as u


def _dot_last(x, kernel):
    """x @ kernel over the last axis of x, for x of any rank."""
    if x.shape.rank == 2:
        return tf.matmul(x, kernel)
    return tf.tensordot(x, kernel, [[x.shape.rank - 1], [0]])


class _Cell(Layer):
    """Arguments, weights and config shared by the built-in cells."""

    gates = 1
    _extra_config: tuple = ()

    def __init__(self, units: int, activation="tanh", recurrent_activation="sigmoid",
                 use_bias: bool = True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout: float = 0.0, recurrent_dropout: float = 0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(units, int) or units <= 0:
            raise ValueError("Received an invalid value for argument `units`, expected a "
                             f"positive integer, got {units}.")
        self.units = units
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = u.get_reg(kernel_regularizer)
        self.recurrent_regularizer = u.get_reg(recurrent_regularizer)
        self.bias_regularizer = u.get_reg(bias_regularizer)
        self.kernel_constraint = u.get_con(kernel_constraint)
        self.recurrent_constraint = u.get_con(recurrent_constraint)
        self.bias_constraint = u.get_con(bias_constraint)
        self.dropout = min(1.0, max(0.0, float(dropout)))
        self.recurrent_dropout = min(1.0, max(0.0, float(recurrent_dropout)))
        self.seed = seed

    @property
    def state_size(self):
        return self.units

    @property
    def output_size(self) -> int:
        return self.units

    def _bias_shape(self) -> tuple:
        return (self.gates * self.units,)

    def _bias_initializer(self):
        return self.bias_initializer

    def build(self, input_shape) -> None:
        in_dim = input_shape[-1]
        if in_dim is None:
            raise ValueError(f"{type(self).__name__}: the last input dimension must be defined; "
                             f"got input_shape={tuple(input_shape)}")
        n = self.gates * self.units
        self.kernel = self.add_weight(name="kernel", shape=(in_dim, n),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(name="recurrent_kernel", shape=(self.units, n),
                                                initializer=self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer,
                                                constraint=self.recurrent_constraint)
        self.bias = self.add_weight(name="bias", shape=self._bias_shape(),
                                    initializer=self._bias_initializer(),
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None
        self.built = True

    def get_initial_state(self, batch_size):
        """Zero states, one per entry of state_size."""
        sizes = self.state_size if isinstance(self.state_size, (list, tuple)) else \
            [self.state_size]
        dtype = tf.as_dtype(self.compute_dtype)
        return [tf.zeros(tf.stack([batch_size, tf.constant(s, "int32")]), dtype)
                if not isinstance(batch_size, int) else tf.zeros((batch_size, s), dtype)
                for s in sizes]

    def project(self, x):
        """The input part of every gate: x @ kernel (+ the input bias)."""
        z = _dot_last(x, u.read(self.kernel, x.dtype))
        input_bias = self._input_bias(x.dtype)
        return z if input_bias is None else z + input_bias

    def _input_bias(self, dtype):
        return None if self.bias is None else u.read(self.bias, dtype)

    def call(self, inputs, states, training=None):
        single = not isinstance(states, (list, tuple))
        states = [states] if single else list(states)
        out, new = self.step(self.project(inputs), states)
        return out, (new[0] if single and len(new) == 1 else new)

    def get_config(self) -> dict:
        config = {**u.base_config(self), "units": self.units,
                  "activation": u.ser_act(self.activation)}
        if self.gates > 1:
            config["recurrent_activation"] = u.ser_act(self.recurrent_activation)
        config.update({
            "use_bias": self.use_bias,
            "kernel_initializer": u.ser_init(self.kernel_initializer),
            "recurrent_initializer": u.ser_init(self.recurrent_initializer),
            "bias_initializer": u.ser_init(self.bias_initializer),
            "kernel_regularizer": u.ser_reg(self.kernel_regularizer),
            "recurrent_regularizer": u.ser_reg(self.recurrent_regularizer),
            "bias_regularizer": u.ser_reg(self.bias_regularizer),
            "kernel_constraint": u.ser_con(self.kernel_constraint),
            "recurrent_constraint": u.ser_con(self.recurrent_constraint),
            "bias_constraint": u.ser_con(self.bias_constraint),
            "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout,
            "seed": self.seed,
        })
        for key in self._extra_config:
            config[key] = getattr(self, key)
        return config


class SimpleRNNCell(_Cell):
    """h_t = activation(x_t @ kernel + h_{t-1} @ recurrent_kernel + bias)."""

    gates = 1

    def __init__(self, units: int, activation="tanh", use_bias: bool = True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout: float = 0.0, recurrent_dropout: float = 0.0,
                 seed=None, **kwargs):
        super().__init__(units, activation, "sigmoid", use_bias, kernel_initializer,
                         recurrent_initializer, bias_initializer, kernel_regularizer,
                         recurrent_regularizer, bias_regularizer, kernel_constraint,
                         recurrent_constraint, bias_constraint, dropout, recurrent_dropout,
                         seed, **kwargs)

    def step(self, projected, states):
        (h,) = states
        z = projected + tf.matmul(h, u.read(self.recurrent_kernel, h.dtype))
        out = self.activation(z)
        return out, [out]


class LSTMCell(_Cell):
    """Keras's LSTM step: z = x @ kernel + h @ recurrent_kernel + bias, split into the input,
    forget, cell and output gates (in that order); c = f * c + i * act(g), h = o * act(c)."""

    gates = 4
    _extra_config = ("unit_forget_bias",)

    def __init__(self, units: int, activation="tanh", recurrent_activation="sigmoid",
                 use_bias: bool = True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias: bool = True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout: float = 0.0,
                 recurrent_dropout: float = 0.0, seed=None, **kwargs):
        kwargs.pop("implementation", None)  # Keras 2's kernel choice: one implementation here
        super().__init__(units, activation, recurrent_activation, use_bias,
                         kernel_initializer, recurrent_initializer, bias_initializer,
                         kernel_regularizer, recurrent_regularizer, bias_regularizer,
                         kernel_constraint, recurrent_constraint, bias_constraint, dropout,
                         recurrent_dropout, seed, **kwargs)
        self.unit_forget_bias = unit_forget_bias

    @property
    def state_size(self):
        return [self.units, self.units]

    def _bias_initializer(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        init, units = self.bias_initializer, self.units

        def forget_ones(shape, dtype=None):
            # Keras: the forget gate's bias starts at one, the others from bias_initializer.
            return tf.concat([init((units,), dtype=dtype), tf.ones((units,), dtype=dtype),
                              init((2 * units,), dtype=dtype)], 0)

        return forget_ones

    def step(self, projected, states):
        h, c = states
        z = projected + tf.matmul(h, u.read(self.recurrent_kernel, h.dtype))
        zi, zf, zc, zo = tf.split(z, 4, axis=-1)
        i = self.recurrent_activation(zi)
        f = self.recurrent_activation(zf)
        c = f * c + i * self.activation(zc)
        o = self.recurrent_activation(zo)
        h = o * self.activation(c)
        return h, [h, c]


class GRUCell(_Cell):
    """Keras's GRU step with gates z (update), r (reset), h (candidate) in that order.

    reset_after=True (Keras's default, cuDNN's form) applies the reset gate after the recurrent
    matmul and keeps separate input and recurrent biases: bias has shape (2, 3 * units).
    """

    gates = 3
    _extra_config = ("reset_after",)

    def __init__(self, units: int, activation="tanh", recurrent_activation="sigmoid",
                 use_bias: bool = True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout: float = 0.0, recurrent_dropout: float = 0.0, reset_after: bool = True,
                 seed=None, **kwargs):
        kwargs.pop("implementation", None)
        super().__init__(units, activation, recurrent_activation, use_bias,
                         kernel_initializer, recurrent_initializer, bias_initializer,
                         kernel_regularizer, recurrent_regularizer, bias_regularizer,
                         kernel_constraint, recurrent_constraint, bias_constraint, dropout,
                         recurrent_dropout, seed, **kwargs)
        self.reset_after = reset_after

    def _bias_shape(self) -> tuple:
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def _input_bias(self, dtype):
        if self.bias is None:
            return None
        bias = u.read(self.bias, dtype)
        return bias[0] if self.reset_after else bias

    def step(self, projected, states):
        (h,) = states
        n = self.units
        rk = u.read(self.recurrent_kernel, h.dtype)
        x_z, x_r, x_h = tf.split(projected, 3, axis=-1)
        if self.reset_after:
            inner = tf.matmul(h, rk)
            if self.bias is not None:
                inner = inner + u.read(self.bias, h.dtype)[1]
            r_z, r_r, r_h = tf.split(inner, 3, axis=-1)
            z = self.recurrent_activation(x_z + r_z)
            r = self.recurrent_activation(x_r + r_r)
            hh = self.activation(x_h + r * r_h)
        else:
            r_zr = tf.matmul(h, rk[:, :2 * n])
            r_z, r_r = tf.split(r_zr, 2, axis=-1)
            z = self.recurrent_activation(x_z + r_z)
            r = self.recurrent_activation(x_r + r_r)
            hh = self.activation(x_h + tf.matmul(r * h, rk[:, 2 * n:]))
        h = z * h + (1.0 - z) * hh
        return h, [h]


class StackedRNNCells(Layer):
    """Several cells run as one: the output of each is the input of the next."""

    def __init__(self, cells, **kwargs):
        super().__init__(**kwargs)
        for cell in cells:
            if not hasattr(cell, "call") or not hasattr(cell, "state_size"):
                raise ValueError("All cells must have a `call` method and a `state_size` "
                                 f"attribute. Received cell without one: {cell}")
        self.cells = list(cells)

    @property
    def state_size(self):
        return [s for cell in self.cells for s in _sizes(cell.state_size)]

    @property
    def output_size(self):
        last = self.cells[-1]
        return getattr(last, "output_size", _sizes(last.state_size)[0])

    def build(self, input_shape) -> None:
        shape = tuple(input_shape)
        for cell in self.cells:
            if not cell.built:
                cell._build_with_shapes(shape)
            out = getattr(cell, "output_size", _sizes(cell.state_size)[0])
            shape = shape[:-1] + (out,)
        self.built = True

    def get_initial_state(self, batch_size):
        return [s for cell in self.cells for s in _initial(cell, batch_size)]

    def call(self, inputs, states, training=None):
        new_states, at = [], 0
        x = inputs
        for cell in self.cells:
            n = len(_sizes(cell.state_size))
            x, s = cell(x, list(states[at:at + n]), training=training)
            new_states.extend(s if isinstance(s, (list, tuple)) else [s])
            at += n
        return x, new_states

    def get_config(self) -> dict:
        from tensorweave.keras.saving.serialization import serialize_keras_object

        return {**u.base_config(self),
                "cells": [serialize_keras_object(c) for c in self.cells]}

    @classmethod
    def from_config(cls, config: dict, custom_objects=None) -> "StackedRNNCells":
        from tensorweave.keras.saving.serialization import deserialize_keras_object

        config = dict(config)
        config["cells"] = [deserialize_keras_object(c, custom_objects=custom_objects)
                           for c in config["cells"]]
        return cls(**config)


def _sizes(state_size) -> list:
    return list(state_size) if isinstance(state_size, (list, tuple)) else [state_size]


def _initial(cell, batch_size) -> list:
    if hasattr(cell, "get_initial_state"):
        states = cell.get_initial_state(batch_size)
        return list(states) if isinstance(states, (list, tuple)) else [states]
    dtype = tf.as_dtype(getattr(cell, "compute_dtype", "float32"))
    return [tf.zeros(tf.stack([batch_size, tf.constant(s, "int32")]), dtype)
            if not isinstance(batch_size, int) else tf.zeros((batch_size, s), dtype)
            for s in _sizes(cell.state_size)]
