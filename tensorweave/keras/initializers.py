"""keras.initializers: Keras 3's weight initializers, by object or by name.

An initializer is called as `init(shape, dtype=None)` and returns a tf.Tensor. Random ones are
seeded as in Keras 3: an integer seed (or none, in which case one is drawn from Python's `random`
when the initializer is made, so `keras.utils.set_random_seed` fixes it) gives the same values on
every call; pass a different seed for different values.

    >>> from tensorweave import keras
    >>> keras.initializers.GlorotUniform(seed=1)((2, 3)).shape
    TensorShape([2, 3])
"""

from __future__ import annotations

import math
import random as _py_random

import numpy as np

import tensorweave as tf
from tensorweave.keras.utils.serialization import lookup, serialize_object

_FLOATX = "float32"


def _dtype(dtype):
    return tf.as_dtype(dtype if dtype is not None else _FLOATX)


def _float_dtype(dtype, name: str):
    dtype = _dtype(dtype)
    if not dtype.is_floating:
        raise ValueError(f"{name}: expected a floating-point dtype, got {dtype.name}")
    return dtype


def _shape(shape) -> tuple:
    if isinstance(shape, int):
        return (shape,)
    try:
        return tuple(int(d) for d in tf.TensorShape(shape).as_list())
    except (TypeError, ValueError) as e:
        raise ValueError(f"Initializers need a fully known shape, got {shape!r}") from e


class Initializer:
    """Base class: subclasses implement `__call__(shape, dtype=None)` and `get_config()`."""

    def __call__(self, shape, dtype=None):
        raise NotImplementedError(
            f"Initializer subclasses must implement __call__; {type(self).__name__} does not.")

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)

    def clone(self):
        return self.__class__.from_config(self.get_config())


class Zeros(Initializer):
    """All zeros."""

    def __call__(self, shape, dtype=None):
        return tf.zeros(_shape(shape), dtype=_dtype(dtype))


class Ones(Initializer):
    """All ones."""

    def __call__(self, shape, dtype=None):
        return tf.ones(_shape(shape), dtype=_dtype(dtype))


class Constant(Initializer):
    """Every element equal to `value` (a scalar)."""

    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype=None):
        dtype = _dtype(dtype)
        value = np.asarray(self.value, dtype=dtype.np_dtype)
        return tf.constant(np.broadcast_to(value, _shape(shape)).copy(), dtype=dtype)

    def get_config(self) -> dict:
        value = self.value
        return {"value": value.tolist() if isinstance(value, np.ndarray) else value}


class RandomInitializer(Initializer):
    """Base of the seeded initializers: holds the seed as Keras 3 does."""

    def __init__(self, seed=None):
        if seed is not None and not isinstance(seed, (int, np.integer)):
            raise ValueError("`seed` argument should be an integer. "
                             f"Received: seed={seed!r}")
        self._init_seed = seed
        # Unseeded: one seed per initializer, drawn from Python's generator (Keras 3's rule).
        self.seed = int(seed) if seed is not None else _py_random.randint(1, int(1e9))

    def _seed(self):
        return [self.seed, 0]

    def get_config(self) -> dict:
        return {"seed": self._init_seed}


class RandomNormal(RandomInitializer):
    """Normal distribution with `mean` and `stddev`."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed)

    def __call__(self, shape, dtype=None):
        return tf.random.stateless_normal(_shape(shape), seed=self._seed(), mean=self.mean,
                                          stddev=self.stddev,
                                          dtype=_float_dtype(dtype, "RandomNormal"))

    def get_config(self) -> dict:
        return {"mean": self.mean, "stddev": self.stddev, **super().get_config()}


class RandomUniform(RandomInitializer):
    """Uniform distribution on [minval, maxval)."""

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval = minval
        self.maxval = maxval
        super().__init__(seed)

    def __call__(self, shape, dtype=None):
        dtype = _dtype(dtype)
        if not (dtype.is_floating or dtype.is_integer):
            raise ValueError(f"RandomUniform: expected a float or integer dtype, got {dtype.name}")
        return tf.random.stateless_uniform(_shape(shape), seed=self._seed(), minval=self.minval,
                                           maxval=self.maxval, dtype=dtype)

    def get_config(self) -> dict:
        return {"minval": self.minval, "maxval": self.maxval, **super().get_config()}


class TruncatedNormal(RandomInitializer):
    """Normal distribution with values beyond two standard deviations redrawn."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed)

    def __call__(self, shape, dtype=None):
        return tf.random.stateless_truncated_normal(
            _shape(shape), seed=self._seed(), mean=self.mean, stddev=self.stddev,
            dtype=_float_dtype(dtype, "TruncatedNormal"))

    def get_config(self) -> dict:
        return {"mean": self.mean, "stddev": self.stddev, **super().get_config()}


def compute_fans(shape, input_axes=None, output_axes=None) -> tuple:
    """(fan_in, fan_out) of a weight shape; convolution kernels are (..., in, out)."""
    shape = tuple(shape)
    if input_axes is not None and output_axes is not None:
        return (int(np.prod([shape[a] for a in input_axes])),
                int(np.prod([shape[a] for a in output_axes])))
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return int(shape[0]), int(shape[0])
    receptive = int(np.prod(shape[:-2])) if len(shape) > 2 else 1
    return int(shape[-2] * receptive), int(shape[-1] * receptive)


class VarianceScaling(RandomInitializer):
    """Samples scaled to the weight's fan: the base of Glorot, He and LeCun initializers."""

    _DISTRIBUTIONS = ("uniform", "truncated_normal", "untruncated_normal")

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None,
                 input_axes=None, output_axes=None):
        if scale <= 0.0:
            raise ValueError(f"Argument `scale` must be positive float. Received: scale={scale}")
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"Invalid `mode` argument: {mode}. Please use one of "
                             "{'fan_in', 'fan_out', 'fan_avg'}")
        distribution = distribution.lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        if distribution not in self._DISTRIBUTIONS:
            raise ValueError(f"Invalid `distribution` argument: {distribution}. Please use one "
                             f"of {set(self._DISTRIBUTIONS)}")
        self.scale = scale
        self.mode = mode
        self.distribution = distribution
        self.input_axes = input_axes
        self.output_axes = output_axes
        super().__init__(seed)

    def __call__(self, shape, dtype=None):
        shape = _shape(shape)
        dtype = _float_dtype(dtype, type(self).__name__)
        fan_in, fan_out = compute_fans(shape, self.input_axes, self.output_axes)
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}
        scale = self.scale / max(1.0, fan[self.mode])
        if self.distribution == "truncated_normal":
            # 0.8796...: the stddev of a unit normal truncated to [-2, 2].
            stddev = math.sqrt(scale) / 0.87962566103423978
            return tf.random.stateless_truncated_normal(shape, seed=self._seed(), stddev=stddev,
                                                        dtype=dtype)
        if self.distribution == "untruncated_normal":
            return tf.random.stateless_normal(shape, seed=self._seed(),
                                              stddev=math.sqrt(scale), dtype=dtype)
        limit = math.sqrt(3.0 * scale)
        return tf.random.stateless_uniform(shape, seed=self._seed(), minval=-limit, maxval=limit,
                                           dtype=dtype)

    def get_config(self) -> dict:
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                **super().get_config(), "input_axes": self.input_axes,
                "output_axes": self.output_axes}


def _variance_scaling_preset(name: str, scale: float, mode: str, distribution: str, doc: str):
    def __init__(self, seed=None, input_axes=None, output_axes=None):
        VarianceScaling.__init__(self, scale=scale, mode=mode, distribution=distribution,
                                 seed=seed, input_axes=input_axes, output_axes=output_axes)

    def get_config(self):
        return {"seed": self._init_seed, "input_axes": self.input_axes,
                "output_axes": self.output_axes}

    return type(name, (VarianceScaling,), {"__init__": __init__, "get_config": get_config,
                                           "__doc__": doc, "__module__": __name__})


GlorotUniform = _variance_scaling_preset(
    "GlorotUniform", 1.0, "fan_avg", "uniform",
    "Uniform on [-limit, limit], limit = sqrt(6 / (fan_in + fan_out)) (Glorot & Bengio, 2010).")
GlorotNormal = _variance_scaling_preset(
    "GlorotNormal", 1.0, "fan_avg", "truncated_normal",
    "Truncated normal with stddev = sqrt(2 / (fan_in + fan_out)).")
HeUniform = _variance_scaling_preset(
    "HeUniform", 2.0, "fan_in", "uniform",
    "Uniform on [-limit, limit], limit = sqrt(6 / fan_in) (He et al., 2015).")
HeNormal = _variance_scaling_preset(
    "HeNormal", 2.0, "fan_in", "truncated_normal",
    "Truncated normal with stddev = sqrt(2 / fan_in).")
LecunUniform = _variance_scaling_preset(
    "LecunUniform", 1.0, "fan_in", "uniform",
    "Uniform on [-limit, limit], limit = sqrt(3 / fan_in).")
LecunNormal = _variance_scaling_preset(
    "LecunNormal", 1.0, "fan_in", "truncated_normal",
    "Truncated normal with stddev = sqrt(1 / fan_in).")


class Orthogonal(RandomInitializer):
    """An orthogonal matrix (from the QR decomposition of a normal sample), times `gain`.

    Shapes of rank > 2 are treated as (prod(shape[:-1]), shape[-1]) and reshaped back.
    """

    def __init__(self, gain=1.0, seed=None):
        self.gain = gain
        super().__init__(seed)

    def __call__(self, shape, dtype=None):
        shape = _shape(shape)
        dtype = _float_dtype(dtype, "Orthogonal")
        if len(shape) < 2:
            raise ValueError("The tensor to initialize must be at least two-dimensional. "
                             f"Received: shape={shape} of rank {len(shape)}.")
        rows, cols = int(np.prod(shape[:-1])), shape[-1]
        a = tf.random.stateless_normal((max(rows, cols), min(rows, cols)), seed=self._seed(),
                                       dtype=dtype)
        q, r = tf.linalg.qr(a)
        # Multiplying by the signs of R's diagonal makes Q uniform over orthogonal matrices.
        q = q * tf.sign(tf.linalg.diag_part(r))
        if rows < cols:
            q = tf.transpose(q)
        return tf.reshape(q, shape) * tf.constant(self.gain, dtype=dtype)

    def get_config(self) -> dict:
        return {"gain": self.gain, **super().get_config()}


class Identity(Initializer):
    """The identity matrix (2-D shapes only), times `gain`."""

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        shape = _shape(shape)
        dtype = _dtype(dtype)
        if len(shape) != 2:
            raise ValueError("Identity matrix initializer can only be used for 2D matrices. "
                             f"Received: shape={shape} of rank {len(shape)}.")
        return tf.constant(np.eye(*shape) * self.gain, dtype=dtype)

    def get_config(self) -> dict:
        return {"gain": self.gain}


IdentityInitializer = Identity
OrthogonalInitializer = Orthogonal

_CLASSES = [Initializer, Zeros, Ones, Constant, RandomNormal, RandomUniform, TruncatedNormal,
            VarianceScaling, GlorotUniform, GlorotNormal, HeUniform, HeNormal, LecunUniform,
            LecunNormal, Orthogonal, Identity]
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in _CLASSES}
ALL_OBJECTS_DICT.update({
    "IdentityInitializer": Identity, "OrthogonalInitializer": Orthogonal,
    "zeros": Zeros, "zero": Zeros, "ones": Ones, "one": Ones, "constant": Constant,
    "random_normal": RandomNormal, "normal": RandomNormal, "random_uniform": RandomUniform,
    "uniform": RandomUniform, "truncated_normal": TruncatedNormal,
    "variance_scaling": VarianceScaling, "glorot_uniform": GlorotUniform,
    "glorot_normal": GlorotNormal, "he_uniform": HeUniform, "he_normal": HeNormal,
    "lecun_uniform": LecunUniform, "lecun_normal": LecunNormal, "orthogonal": Orthogonal,
    "identity": Identity,
})


def serialize(initializer: Initializer) -> dict:
    """Keras 3's dict for an initializer."""
    return serialize_object(initializer, "keras.initializers")


def deserialize(config, custom_objects: dict | None = None) -> Initializer:
    """The initializer a serialized dict (or a name) describes."""
    return lookup(config, ALL_OBJECTS_DICT, "initializer", custom_objects)


def get(identifier):
    """An initializer from a name ('glorot_uniform'), a dict, a class, an object or a callable.

    None gives None, as in Keras.
    """
    if identifier is None:
        return None
    return lookup(identifier, ALL_OBJECTS_DICT, "initializer")
