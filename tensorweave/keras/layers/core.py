"""Core layers: Dense, Activation, Dropout, Flatten, Reshape, Permute, RepeatVector, Lambda."""

from __future__ import annotations

import base64
import inspect
import marshal
import math
import types

import tensorweave as tf
from tensorweave.keras import activations, initializers
from tensorweave.keras.engine.input_spec import InputSpec
from tensorweave.keras.engine.layer import Layer
from tensorweave.keras.layers import _utils as u


class Dense(Layer):
    """`activation(inputs @ kernel + bias)` on the last axis; one matmul, one bias_add.

    >>> Dense(4, activation="relu")(tf.ones((2, 3))).shape
    TensorShape([2, 4])
    """

    def __init__(self, units: int, activation=None, use_bias: bool = True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, lora_rank=None,
                 quantization_config=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
            raise ValueError("Received an invalid value for `units`, expected a positive "
                             f"integer. Received: units={units}")
        if lora_rank or quantization_config is not None:
            raise NotImplementedError("Dense: LoRA and quantization are not supported")
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = u.get_reg(kernel_regularizer)
        self.bias_regularizer = u.get_reg(bias_regularizer)
        self.kernel_constraint = u.get_con(kernel_constraint)
        self.bias_constraint = u.get_con(bias_constraint)
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True

    def build(self, input_shape) -> None:
        in_dim = input_shape[-1]
        if in_dim is None:
            raise ValueError(f"Dense layer '{self.name}': the last dimension of the inputs must "
                             f"be defined. Received input_shape={tuple(input_shape)}")
        self.kernel = self.add_weight(name="kernel", shape=(in_dim, self.units),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = self.add_weight(name="bias", shape=(self.units,),
                                    initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None
        self.input_spec = InputSpec(min_ndim=2, axes={-1: in_dim})
        self.built = True

    def call(self, inputs, training=None):
        kernel = u.read(self.kernel, inputs.dtype)
        shape = inputs.shape.as_tuple()
        if len(shape) == 2:
            y = tf.matmul(inputs, kernel)
        else:
            y = tf.tensordot(inputs, kernel, [[len(shape) - 1], [0]])
        if self.bias is not None:
            y = tf.nn.bias_add(y, u.read(self.bias, y.dtype))
        if self.activation is not activations.linear:
            y = self.activation(y)
        return y

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)[:-1] + (self.units,)

    def get_config(self) -> dict:
        config = u.base_config(self)
        config.update({
            "units": self.units, "activation": u.ser_act(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": u.ser_init(self.kernel_initializer),
            "bias_initializer": u.ser_init(self.bias_initializer),
            "kernel_regularizer": u.ser_reg(self.kernel_regularizer),
            "bias_regularizer": u.ser_reg(self.bias_regularizer),
            "kernel_constraint": u.ser_con(self.kernel_constraint),
            "bias_constraint": u.ser_con(self.bias_constraint),
            "quantization_config": None,
        })
        if self._activity_regularizer is not None:
            config["activity_regularizer"] = u.activity_reg_config(self)
        return config


class Activation(Layer):
    """Applies an activation function (a name or a callable) to its input."""

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.activation = activations.get(activation)

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {**u.base_config(self), "activation": u.ser_act(self.activation)}


class Dropout(Layer):
    """Zeroes a fraction `rate` of the inputs in training and scales the rest by 1/(1-rate)."""

    def __init__(self, rate: float, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
            raise ValueError("Invalid value received for argument `rate`. Expected a float value "
                             f"between 0 and 1. Received: rate={rate}")
        self.rate = rate
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed
        self.supports_masking = True
        self.built = True

    def _noise_shape(self, inputs):
        if self.noise_shape is None:
            return None
        dynamic = tf.shape(inputs)
        return tf.stack([dynamic[i] if d is None else tf.constant(d, "int32")
                         for i, d in enumerate(self.noise_shape)])

    def call(self, inputs, training=None):
        if self.rate == 0:
            return inputs
        return u.smart_cond(
            training,
            lambda: tf.nn.dropout(inputs, rate=self.rate, noise_shape=self._noise_shape(inputs),
                                  seed=self.seed),
            lambda: tf.identity(inputs))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {**u.base_config(self), "rate": self.rate, "seed": self.seed,
                "noise_shape": self.noise_shape}


class Flatten(Layer):
    """Flattens each sample to one axis: (batch, d1, d2, ...) -> (batch, d1*d2*...)."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = u.normalize_data_format(data_format)
        self.input_spec = InputSpec(min_ndim=1)
        self.built = True

    def call(self, inputs):
        shape = inputs.shape.as_tuple()
        x = inputs
        if self.data_format == "channels_first" and len(shape) > 2:
            x = tf.transpose(x, (0,) + tuple(range(2, len(shape))) + (1,))
        if len(shape) == 1:
            return tf.expand_dims(x, 1)
        rest = shape[1:]
        if all(d is not None for d in rest):
            size = math.prod(rest)
            if shape[0] is not None:
                return tf.reshape(x, (shape[0], size))
            return tf.reshape(x, (-1, size))
        return tf.reshape(x, tf.stack([tf.shape(x)[0], tf.constant(-1, "int32")]))

    def compute_output_shape(self, input_shape):
        rest = tuple(input_shape)[1:]
        if not rest:
            return (input_shape[0], 1)
        size = None if any(d is None for d in rest) else math.prod(rest)
        return (input_shape[0], size)

    def get_config(self) -> dict:
        return {**u.base_config(self), "data_format": self.data_format}


def _fix_unknown(target: tuple, known: int | None):
    """target_shape with its -1 resolved when the sample size is known."""
    if -1 not in target:
        return target
    if target.count(-1) > 1:
        raise ValueError(f"There must be at most one unknown dimension (-1) in target_shape. "
                         f"Received: target_shape={target}")
    if known is None:
        return tuple(None if d == -1 else d for d in target)
    rest = math.prod(d for d in target if d != -1)
    if rest == 0 or known % rest:
        raise ValueError(f"total size of new array must be unchanged, input sample size={known}, "
                         f"target_shape={target}")
    return tuple(known // rest if d == -1 else d for d in target)


class Reshape(Layer):
    """Reshapes each sample to `target_shape` (one entry may be -1)."""

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        target = tuple(int(d) for d in target_shape)
        if target.count(-1) > 1 or any(d < -1 or d == 0 for d in target):
            raise ValueError("Reshape: target_shape must hold positive ints and at most one -1. "
                             f"Received: target_shape={target_shape}")
        self.target_shape = target
        self.built = True

    def call(self, inputs):
        shape = inputs.shape.as_tuple()
        rest = shape[1:]
        known = math.prod(rest) if all(d is not None for d in rest) else None
        target = _fix_unknown(self.target_shape, known)
        if all(d is not None for d in target):
            return tf.reshape(inputs, (-1,) + target if shape[0] is None else
                              (shape[0],) + target)
        dims = [tf.shape(inputs)[:1], tf.constant(self.target_shape, "int32")]
        return tf.reshape(inputs, tf.concat(dims, 0))

    def compute_output_shape(self, input_shape):
        rest = tuple(input_shape)[1:]
        known = math.prod(rest) if all(d is not None for d in rest) else None
        return (input_shape[0],) + _fix_unknown(self.target_shape, known)

    def get_config(self) -> dict:
        return {**u.base_config(self), "target_shape": self.target_shape}


class Permute(Layer):
    """Permutes the non-batch axes: `dims` are 1-based, e.g. Permute((2, 1))."""

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(int(d) for d in dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError("Invalid permutation argument `dims` for Permute Layer. The set of "
                             f"indices in `dims` must be consecutive and start from 1. "
                             f"Received dims={dims}")
        self.input_spec = InputSpec(ndim=len(self.dims) + 1)
        self.built = True

    def call(self, inputs):
        return tf.transpose(inputs, (0,) + self.dims)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    def get_config(self) -> dict:
        return {**u.base_config(self), "dims": self.dims}


class RepeatVector(Layer):
    """Repeats a (batch, features) input n times: (batch, n, features)."""

    def __init__(self, n: int, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(n, int):
            raise TypeError(f"Expected an integer value for `n`, got {type(n)}.")
        self.n = n
        self.input_spec = InputSpec(ndim=2)
        self.built = True

    def call(self, inputs):
        return tf.tile(tf.expand_dims(inputs, 1), (1, self.n, 1))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self) -> dict:
        return {**u.base_config(self), "n": self.n}


def _dump_function(fn) -> dict:
    code = base64.b64encode(marshal.dumps(fn.__code__)).decode("ascii")
    closure = None
    if fn.__closure__:
        closure = tuple(c.cell_contents for c in fn.__closure__)
    return {"class_name": "__lambda__",
            "config": {"code": code, "defaults": fn.__defaults__, "closure": closure}}


def _is_lambda(fn) -> bool:
    """Functions that cannot be found again by name: lambdas and nested functions."""
    return isinstance(fn, types.FunctionType) and (
        fn.__name__ == "<lambda>" or "<locals>" in fn.__qualname__)


def _load_function(config: dict, globs: dict):
    code = marshal.loads(base64.b64decode(config["code"].encode("ascii")))
    closure = config.get("closure")
    if closure is not None:
        closure = tuple(types.CellType(c) for c in closure)
    defaults = config.get("defaults")
    return types.FunctionType(code, globs, code.co_name,
                              tuple(defaults) if defaults is not None else None, closure)


class Lambda(Layer):
    """Wraps a Python function as a layer. Lambdas are saved as bytecode and, as in Keras, only
    loaded back with `safe_mode=False` (loading runs that code)."""

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise ValueError(f"Lambda: `function` must be callable. Received: {function!r}")
        self.function = function
        self.arguments = dict(arguments or {})
        self._output_shape = output_shape
        self.mask = mask
        self.supports_masking = mask is not None
        self.built = True

    def call(self, inputs, mask=None, training=None):
        kwargs = dict(self.arguments)
        params = self.__dict__.get("_fn_params")
        if params is None:
            try:
                params = frozenset(inspect.signature(self.function).parameters)
            except (TypeError, ValueError):  # builtins without a signature
                params = frozenset()
            object.__setattr__(self, "_fn_params", params)
        if "mask" in params:
            kwargs["mask"] = mask
        if "training" in params:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_mask(self, inputs, previous_mask=None):
        if callable(self.mask):
            return self.mask(inputs, previous_mask)
        return self.mask

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            return super().compute_output_shape(input_shape)
        if callable(self._output_shape):
            return self._output_shape(input_shape)
        return (tuple(input_shape)[0],) + tuple(self._output_shape)

    def get_config(self) -> dict:
        config = u.base_config(self)
        fn = self.function
        if _is_lambda(fn):
            config["function"] = _dump_function(fn)
        else:
            from tensorweave.keras.saving.serialization import serialize_keras_object

            config["function"] = serialize_keras_object(fn)
        out = self._output_shape
        config["output_shape"] = _dump_function(out) if callable(out) else out
        config["mask"] = _dump_function(self.mask) if callable(self.mask) else self.mask
        config["arguments"] = self.arguments
        return config

    @classmethod
    def from_config(cls, config: dict, custom_objects=None, safe_mode=None) -> "Lambda":
        from tensorweave.keras.saving import serialization

        config = dict(config)
        if safe_mode is None:
            safe_mode = serialization.in_safe_mode()
        for key in ("function", "output_shape", "mask"):
            value = config.get(key)
            if isinstance(value, dict) and value.get("class_name") == "__lambda__":
                if safe_mode:
                    raise ValueError(
                        "Requested the deserialization of a `Lambda` layer whose "
                        f"`{key}` is a Python lambda. This carries a potential risk of "
                        "arbitrary code execution and thus it is disallowed by default. If "
                        "you trust the source of the artifact, you can override this error by "
                        "passing `safe_mode=False` to the loading function, or calling "
                        "`keras.config.enable_unsafe_deserialization()`.")
                config[key] = _load_function(value["config"], dict(vars(tf)) | {"tf": tf})
            elif isinstance(value, dict):
                config[key] = serialization.deserialize_keras_object(
                    value, custom_objects=custom_objects)
        if isinstance(config.get("output_shape"), list):
            config["output_shape"] = tuple(config["output_shape"])
        return super().from_config(config)
