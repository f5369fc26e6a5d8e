"""EinsumDense: a dense layer whose contraction is an einsum equation (used by attention)."""

from __future__ import annotations

import string

import tensorweave as tf
from tensorweave.keras import activations, initializers
from tensorweave.keras.engine.layer import Layer
from tensorweave.keras.layers import _utils as u


class EinsumDense(Layer):
    """`activation(einsum(equation, inputs, kernel) + bias)`.

    `equation` is 'input,kernel->output' ("ab,bc->ac" is Dense); `output_shape` gives the
    output's sizes after the batch axis (None where the size comes from the input);
    `bias_axes` names the output letters that get a bias. A leading '...' stands for any number
    of leading axes.

    >>> EinsumDense("abc,cd->abd", output_shape=(None, 4), bias_axes="d")(tf.ones((2, 3, 5))).shape
    TensorShape([2, 3, 4])
    """

    def __init__(self, equation: str, output_shape, activation=None, bias_axes: str | None = None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, lora_rank=None,
                 quantization_config=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if lora_rank or quantization_config is not None:
            raise NotImplementedError("EinsumDense: LoRA and quantization are not supported")
        if "->" not in equation or equation.count(",") != 1:
            raise ValueError(f"Invalid einsum equation '{equation}'. Equations must be in the "
                             "form [X],[Y]->[Z], ...[X],[Y]->...[Z], or [X]...,[Y]->[Z]....")
        self.equation = equation
        self.partial_output_shape = (output_shape,) if isinstance(output_shape, int) or \
            output_shape is None else tuple(output_shape)
        self.activation = activations.get(activation)
        self.bias_axes = bias_axes
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = u.get_reg(kernel_regularizer)
        self.bias_regularizer = u.get_reg(bias_regularizer)
        self.kernel_constraint = u.get_con(kernel_constraint)
        self.bias_constraint = u.get_con(bias_constraint)

    def _specs(self, rank: int):
        """(input, kernel, output) letter specs with any '...' spelled out for this rank."""
        left, out = self.equation.split("->")
        ins, kern = left.split(",")
        if "..." in kern:
            raise ValueError(f"EinsumDense: the kernel spec cannot hold '...': {self.equation}")
        if "..." in ins:
            if not out.startswith("...") or not ins.startswith("..."):
                raise NotImplementedError("EinsumDense: only a leading '...' is supported; got "
                                          f"'{self.equation}'")
            used = set(self.equation)
            free = [c for c in string.ascii_letters if c not in used]
            n = rank - (len(ins) - 3)
            fill = "".join(free[:n])
            return ins.replace("...", fill), kern, out.replace("...", fill), True
        return ins, kern, out, False

    def _full_output_shape(self, input_shape) -> tuple:
        ins, _, out, elided = self._specs(len(input_shape))
        if len(ins) != len(input_shape):
            raise ValueError(f"EinsumDense '{self.equation}' expects inputs of rank {len(ins)}, "
                             f"got shape {tuple(input_shape)}")
        dims = dict(zip(ins, input_shape))
        explicit = out[len(out) - len(self.partial_output_shape):] if elided else out[1:]
        if len(explicit) != len(self.partial_output_shape):
            raise ValueError(f"EinsumDense: output_shape {self.partial_output_shape} does not "
                             f"match the output spec of '{self.equation}'")
        given = dict(zip(explicit, self.partial_output_shape))
        shape = []
        for c in out:
            d = given.get(c)
            shape.append(d if d is not None else dims.get(c))
        return tuple(shape)

    def build(self, input_shape) -> None:
        input_shape = tuple(input_shape)
        ins, kern, out, _ = self._specs(len(input_shape))
        full = self._full_output_shape(input_shape)
        dims = dict(zip(ins, input_shape))
        dims.update({c: d for c, d in zip(out, full) if c not in dims})
        kernel_shape = tuple(dims.get(c) for c in kern)
        if any(d is None for d in kernel_shape):
            raise ValueError(f"EinsumDense '{self.equation}': the kernel's shape {kernel_shape} "
                             f"is not fully defined by input_shape={input_shape} and "
                             f"output_shape={self.partial_output_shape}")
        self.full_output_shape = full
        self.kernel = self.add_weight(name="kernel", shape=kernel_shape,
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        if self.bias_axes:
            for c in self.bias_axes:
                if c not in out:
                    raise ValueError(f"Bias dimension {c} was requested, but is not part of the "
                                     f"output spec {out}")
            first = min(out.find(c) for c in self.bias_axes)
            bias_shape = tuple(dims[c] if c in self.bias_axes else 1 for c in out[first:])
            self.bias = self.add_weight(name="bias", shape=bias_shape,
                                        initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        else:
            self.bias = None
        self.built = True

    def call(self, inputs, training=None):
        ins, kern, out, _ = self._specs(inputs.shape.rank)
        y = tf.einsum(f"{ins},{kern}->{out}", inputs, u.read(self.kernel, inputs.dtype))
        if self.bias is not None:
            y = y + u.read(self.bias, y.dtype)
        if self.activation is not activations.linear:
            y = self.activation(y)
        return y

    def compute_output_shape(self, input_shape):
        return self._full_output_shape(tuple(input_shape))

    def get_config(self) -> dict:
        return {**u.base_config(self), "output_shape": self.partial_output_shape,
                "equation": self.equation, "activation": u.ser_act(self.activation),
                "bias_axes": self.bias_axes,
                "kernel_initializer": u.ser_init(self.kernel_initializer),
                "bias_initializer": u.ser_init(self.bias_initializer),
                "kernel_regularizer": u.ser_reg(self.kernel_regularizer),
                "bias_regularizer": u.ser_reg(self.bias_regularizer),
                "activity_regularizer": u.activity_reg_config(self),
                "kernel_constraint": u.ser_con(self.kernel_constraint),
                "bias_constraint": u.ser_con(self.bias_constraint),
                "quantization_config": None}
