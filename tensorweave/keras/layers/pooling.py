"""Pooling layers (max, average, global) and the reshaping ones around convolutions: ZeroPadding,
Cropping, UpSampling."""

from __future__ import annotations

import tensorweave as tf
from tensorweave.keras.engine.input_spec import InputSpec
from tensorweave.keras.engine.layer import Layer
from tensorweave.keras.layers import _utils as u

_NN_FORMAT = {(1, False): "NWC", (1, True): "NCW", (2, False): "NHWC", (2, True): "NCHW",
              (3, False): "NDHWC", (3, True): "NCDHW"}


class _Pooling(Layer):
    rank = 2
    mode = "max"

    def __init__(self, pool_size=2, strides=None, padding: str = "valid", data_format=None,
                 name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        n = self.rank
        self.pool_size = u.normalize_tuple(pool_size, n, "pool_size")
        self.strides = u.normalize_tuple(strides, n, "strides") if strides is not None \
            else self.pool_size
        self.padding = u.normalize_padding(padding)
        if self.padding == "causal":
            raise ValueError("Pooling layers accept padding 'valid' or 'same', not 'causal'")
        self.data_format = u.normalize_data_format(data_format)
        self.input_spec = InputSpec(ndim=n + 2)
        self.built = True

    def call(self, inputs):
        fmt = _NN_FORMAT[(self.rank, self.data_format == "channels_first")]
        fn = tf.nn.max_pool if self.mode == "max" else tf.nn.avg_pool
        return fn(inputs, self.pool_size, self.strides, self.padding.upper(), fmt)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        first = self.data_format == "channels_first"
        spatial = input_shape[2:] if first else input_shape[1:-1]
        out = tuple(u.conv_output_length(d, k, self.padding, s)
                    for d, k, s in zip(spatial, self.pool_size, self.strides))
        return input_shape[:2] + out if first else input_shape[:1] + out + input_shape[-1:]

    def get_config(self) -> dict:
        return {**u.base_config(self), "pool_size": self.pool_size, "padding": self.padding,
                "strides": self.strides, "data_format": self.data_format}


class MaxPooling1D(_Pooling):
    """Max over windows of `pool_size` steps of (batch, steps, channels)."""

    rank, mode = 1, "max"


class MaxPooling2D(_Pooling):
    """Max over `pool_size` windows of (batch, h, w, channels); strides default to pool_size.

    >>> MaxPooling2D()(tf.ones((1, 4, 4, 3))).shape
    TensorShape([1, 2, 2, 3])
    """

    rank, mode = 2, "max"


class MaxPooling3D(_Pooling):
    """Max over 3-D windows of (batch, d, h, w, channels)."""

    rank, mode = 3, "max"


class AveragePooling1D(_Pooling):
    """Mean over windows of `pool_size` steps (padding cells are not counted)."""

    rank, mode = 1, "avg"


class AveragePooling2D(_Pooling):
    """Mean over `pool_size` windows of (batch, h, w, channels)."""

    rank, mode = 2, "avg"


class AveragePooling3D(_Pooling):
    """Mean over 3-D windows."""

    rank, mode = 3, "avg"


class _GlobalPooling(Layer):
    rank = 2
    mode = "max"

    def __init__(self, data_format=None, keepdims: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = u.normalize_data_format(data_format)
        self.keepdims = keepdims
        self.input_spec = InputSpec(ndim=self.rank + 2)
        self.supports_masking = self.rank == 1 and self.mode == "avg"
        self.built = True

    def _axes(self) -> list:
        start = 2 if self.data_format == "channels_first" else 1
        return list(range(start, start + self.rank))

    def call(self, inputs, mask=None):
        axes = self._axes()
        if self.mode == "max":
            return tf.reduce_max(inputs, axis=axes, keepdims=self.keepdims)
        if mask is not None:
            m = tf.cast(mask, inputs.dtype)
            m = tf.expand_dims(m, 1 if self.data_format == "channels_first" else 2)
            total = tf.reduce_sum(inputs * m, axis=axes, keepdims=self.keepdims)
            return total / tf.reduce_sum(m, axis=axes, keepdims=self.keepdims)
        return tf.reduce_mean(inputs, axis=axes, keepdims=self.keepdims)

    def compute_mask(self, inputs, previous_mask=None):
        return None

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        axes = self._axes()
        if self.keepdims:
            return tuple(1 if i in axes else d for i, d in enumerate(input_shape))
        return tuple(d for i, d in enumerate(input_shape) if i not in axes)

    def get_config(self) -> dict:
        return {**u.base_config(self), "data_format": self.data_format,
                "keepdims": self.keepdims}


class GlobalMaxPooling1D(_GlobalPooling):
    """Max over the steps axis: (batch, steps, channels) -> (batch, channels)."""

    rank, mode = 1, "max"


class GlobalMaxPooling2D(_GlobalPooling):
    """Max over height and width: (batch, h, w, channels) -> (batch, channels)."""

    rank, mode = 2, "max"


class GlobalMaxPooling3D(_GlobalPooling):
    """Max over the three spatial axes."""

    rank, mode = 3, "max"


class GlobalAveragePooling1D(_GlobalPooling):
    """Mean over the steps axis; masked steps (from Embedding(mask_zero) ...) are left out."""

    rank, mode = 1, "avg"


class GlobalAveragePooling2D(_GlobalPooling):
    """Mean over height and width."""

    rank, mode = 2, "avg"


class GlobalAveragePooling3D(_GlobalPooling):
    """Mean over the three spatial axes."""

    rank, mode = 3, "avg"


def _pairs(value, n: int, name: str) -> tuple:
    """Keras's padding/cropping argument as n (before, after) pairs."""
    if isinstance(value, int):
        return ((value, value),) * n
    value = tuple(value)
    if len(value) != n:
        raise ValueError(f"`{name}` should have {n} elements. Received: {name}={value}.")
    out = []
    for v in value:
        pair = (v, v) if isinstance(v, int) else tuple(int(x) for x in v)
        if len(pair) != 2 or min(pair) < 0:
            raise ValueError(f"`{name}` entries must be non-negative ints or pairs of them. "
                             f"Received: {name}={value}.")
        out.append(pair)
    return tuple(out)


class _Spatial(Layer):
    """Shared by ZeroPadding/Cropping/UpSampling: the spatial axes of the input."""

    rank = 2

    def _spatial_axes(self) -> list:
        start = 2 if self.data_format == "channels_first" else 1
        return list(range(start, start + self.rank))


class _ZeroPadding(_Spatial):
    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = u.normalize_data_format(data_format)
        self.padding = _pairs(padding, self.rank, "padding")
        self.input_spec = InputSpec(ndim=self.rank + 2)
        self.built = True

    def call(self, inputs):
        pads = [[0, 0]] * (self.rank + 2)
        for axis, pair in zip(self._spatial_axes(), self.padding):
            pads[axis] = list(pair)
        return tf.pad(inputs, pads)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, (a, b) in zip(self._spatial_axes(), self.padding):
            shape[axis] = None if shape[axis] is None else shape[axis] + a + b
        return tuple(shape)

    def get_config(self) -> dict:
        return {**u.base_config(self), "padding": self.padding, "data_format": self.data_format}


class ZeroPadding1D(_ZeroPadding):
    """Pads the steps axis with zeros: padding=int or (left, right)."""

    rank = 1

    def __init__(self, padding=1, data_format=None, **kwargs):
        if isinstance(padding, int):
            padding = (padding, padding)
        super().__init__((tuple(padding),), data_format, **kwargs)

    def get_config(self) -> dict:
        config = super().get_config()
        config["padding"] = self.padding[0]
        return config


class ZeroPadding2D(_ZeroPadding):
    """Pads height and width with zeros: an int, (sym_h, sym_w) or ((top, bottom), (l, r))."""

    rank = 2


class ZeroPadding3D(_ZeroPadding):
    """Pads the three spatial axes with zeros."""

    rank = 3


class _Cropping(_Spatial):
    def __init__(self, cropping, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = u.normalize_data_format(data_format)
        self.cropping = _pairs(cropping, self.rank, "cropping")
        self.input_spec = InputSpec(ndim=self.rank + 2)
        self.built = True

    def call(self, inputs):
        shape = inputs.shape.as_tuple()
        index = [slice(None)] * len(shape)
        for axis, (a, b) in zip(self._spatial_axes(), self.cropping):
            if shape[axis] is not None and a + b >= shape[axis]:
                raise ValueError(f"{type(self).__name__}: cropping {self.cropping} leaves "
                                 f"nothing of input shape {shape}")
            index[axis] = slice(a, -b if b else None)
        return inputs[tuple(index)]

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, (a, b) in zip(self._spatial_axes(), self.cropping):
            shape[axis] = None if shape[axis] is None else shape[axis] - a - b
        return tuple(shape)

    def get_config(self) -> dict:
        return {**u.base_config(self), "cropping": self.cropping,
                "data_format": self.data_format}


class Cropping1D(_Cropping):
    """Crops the steps axis: cropping=int or (left, right)."""

    rank = 1

    def __init__(self, cropping=(1, 1), **kwargs):
        if isinstance(cropping, int):
            cropping = (cropping, cropping)
        kwargs.pop("data_format", None)
        super().__init__((tuple(cropping),), "channels_last", **kwargs)

    def get_config(self) -> dict:
        config = super().get_config()
        config["cropping"] = self.cropping[0]
        config.pop("data_format")
        return config


class Cropping2D(_Cropping):
    """Crops height and width: an int, (sym_h, sym_w) or ((top, bottom), (left, right))."""

    rank = 2

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)


class Cropping3D(_Cropping):
    """Crops the three spatial axes."""

    rank = 3

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)


class UpSampling1D(Layer):
    """Repeats each step `size` times along the steps axis."""

    def __init__(self, size: int = 2, **kwargs):
        super().__init__(**kwargs)
        self.size = int(size)
        self.input_spec = InputSpec(ndim=3)
        self.built = True

    def call(self, inputs):
        return tf.repeat(inputs, self.size, axis=1)

    def compute_output_shape(self, input_shape):
        steps = input_shape[1]
        return (input_shape[0], None if steps is None else steps * self.size, input_shape[2])

    def get_config(self) -> dict:
        return {**u.base_config(self), "size": self.size}


class UpSampling2D(_Spatial):
    """Scales height and width by `size`: 'nearest' repeats pixels, 'bilinear' interpolates."""

    rank = 2

    def __init__(self, size=(2, 2), data_format=None, interpolation: str = "nearest", **kwargs):
        super().__init__(**kwargs)
        self.data_format = u.normalize_data_format(data_format)
        self.size = u.normalize_tuple(size, 2, "size")
        methods = ("nearest", "bilinear", "bicubic", "lanczos3", "lanczos5", "area")
        if interpolation not in methods:
            raise ValueError(f"`interpolation` argument should be one of {methods}. "
                             f"Received: interpolation={interpolation}.")
        self.interpolation = interpolation
        self.input_spec = InputSpec(ndim=4)
        self.built = True

    def call(self, inputs):
        h_axis, w_axis = self._spatial_axes()
        if self.interpolation == "nearest":
            x = tf.repeat(inputs, self.size[0], axis=h_axis)
            return tf.repeat(x, self.size[1], axis=w_axis)
        x = inputs
        if self.data_format == "channels_first":
            x = tf.transpose(x, (0, 2, 3, 1))
        h, w = x.shape.as_tuple()[1:3]
        if h is None or w is None:
            dyn = tf.shape(x)
            new = tf.stack([dyn[1] * self.size[0], dyn[2] * self.size[1]])
        else:
            new = (h * self.size[0], w * self.size[1])
        y = tf.image.resize(x, new, method=self.interpolation)
        if y.dtype != inputs.dtype:
            y = tf.cast(y, inputs.dtype)
        if self.data_format == "channels_first":
            y = tf.transpose(y, (0, 3, 1, 2))
        return y

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, s in zip(self._spatial_axes(), self.size):
            shape[axis] = None if shape[axis] is None else shape[axis] * s
        return tuple(shape)

    def get_config(self) -> dict:
        return {**u.base_config(self), "size": self.size, "data_format": self.data_format,
                "interpolation": self.interpolation}


class UpSampling3D(_Spatial):
    """Repeats voxels `size` times along the three spatial axes."""

    rank = 3

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = u.normalize_data_format(data_format)
        self.size = u.normalize_tuple(size, 3, "size")
        self.input_spec = InputSpec(ndim=5)
        self.built = True

    def call(self, inputs):
        x = inputs
        for axis, s in zip(self._spatial_axes(), self.size):
            x = tf.repeat(x, s, axis=axis)
        return x

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, s in zip(self._spatial_axes(), self.size):
            shape[axis] = None if shape[axis] is None else shape[axis] * s
        return tuple(shape)

    def get_config(self) -> dict:
        return {**u.base_config(self), "size": self.size, "data_format": self.data_format}


class _AdaptivePooling(Layer):
    """Pools to a fixed `output_size`: output cell i along an axis of length L covers
    [floor(i L / n), ceil((i + 1) L / n)) of the input (windows may overlap)."""

    rank = 2
    mode = "avg"

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.output_size = u.normalize_tuple(output_size, self.rank, "output_size")
        self.data_format = u.normalize_data_format(data_format)
        self.input_spec = InputSpec(ndim=self.rank + 2)
        self.built = True

    def _axes(self) -> list:
        start = 2 if self.data_format == "channels_first" else 1
        return list(range(start, start + self.rank))

    def call(self, inputs):
        x = inputs
        shape = x.shape.as_tuple()
        reduce = tf.reduce_max if self.mode == "max" else tf.reduce_mean
        for axis, n in zip(self._axes(), self.output_size):
            length = shape[axis]
            if length is None:
                raise ValueError(f"{type(self).__name__} needs static spatial sizes; got "
                                 f"input shape {shape}")
            pieces = []
            for i in range(n):
                lo, hi = (i * length) // n, -((-(i + 1) * length) // n)
                index = [slice(None)] * len(shape)
                index[axis] = slice(lo, hi)
                pieces.append(reduce(x[tuple(index)], axis=axis, keepdims=True))
            x = tf.concat(pieces, axis=axis)
        return x

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, n in zip(self._axes(), self.output_size):
            shape[axis] = n
        return tuple(shape)

    def get_config(self) -> dict:
        return {**u.base_config(self), "output_size": self.output_size,
                "data_format": self.data_format}


class AdaptiveAveragePooling1D(_AdaptivePooling):
    """Mean over adaptive windows giving `output_size` steps."""

    rank, mode = 1, "avg"


class AdaptiveAveragePooling2D(_AdaptivePooling):
    """Mean over adaptive windows giving an `output_size` (rows, cols) grid."""

    rank, mode = 2, "avg"


class AdaptiveAveragePooling3D(_AdaptivePooling):
    """Mean over adaptive windows giving an `output_size` volume."""

    rank, mode = 3, "avg"


class AdaptiveMaxPooling1D(_AdaptivePooling):
    """Max over adaptive windows giving `output_size` steps."""

    rank, mode = 1, "max"


class AdaptiveMaxPooling2D(_AdaptivePooling):
    """Max over adaptive windows giving an `output_size` (rows, cols) grid."""

    rank, mode = 2, "max"


class AdaptiveMaxPooling3D(_AdaptivePooling):
    """Max over adaptive windows giving an `output_size` volume."""

    rank, mode = 3, "max"
