"""Image preprocessing and augmentation layers: Resizing, CenterCrop, and (in training only)
RandomFlip, RandomCrop, RandomRotation, RandomZoom, RandomTranslation, RandomContrast,
RandomBrightness. Inputs are (batch, height, width, channels) or a single image.

The geometric ones resample through one projective transform per image with TensorFlow's rules
(ImageProjectiveTransformV3: fill modes reflect, wrap, nearest, constant; bilinear or nearest),
written with tensorweave ops so that they also run inside traced training steps.
"""

from __future__ import annotations

import math

import tensorweave as tf
from tensorweave.keras.engine.layer import Layer
from tensorweave.keras.layers import _utils as u

_FILL_MODES = ("reflect", "wrap", "constant", "nearest")


class _ImageLayer(Layer):
    def __init__(self, data_format=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = u.normalize_data_format(data_format)
        self.seed = seed
        self.built = True

    def _to_last(self, x):
        return tf.transpose(x, (0, 2, 3, 1)) if self.data_format == "channels_first" else x

    def _from_last(self, x):
        return tf.transpose(x, (0, 3, 1, 2)) if self.data_format == "channels_first" else x

    def call(self, inputs, training=True):
        x = inputs
        if not x.dtype.is_floating:
            x = tf.cast(x, self.compute_dtype)
        single = x.shape.rank == 3
        if single:
            x = tf.expand_dims(x, 0)
        if x.shape.rank != 4:
            raise ValueError(f"{type(self).__name__} expects images of rank 3 or 4, got shape "
                             f"{inputs.shape}")
        y = self._from_last(self._apply(self._to_last(x), training))
        return tf.squeeze(y, 0) if single else y

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def _base(self) -> dict:
        return {**u.base_config(self), "data_format": self.data_format}


def _map_coordinate(c, length: int, mode: str):
    """TensorFlow's map of an out-of-range sampling coordinate for each fill mode."""
    n = float(length)
    if mode == "constant" or length <= 1 and mode != "nearest":
        return c if mode == "constant" else tf.zeros_like(c)
    if mode == "reflect":
        sz2 = 2.0 * n
        low = c < 0
        neg = sz2 * tf.floor(-c / sz2) + c
        neg = tf.where(neg < -n, neg + sz2, -neg - 1.0)
        pos = c - sz2 * tf.floor(c / sz2)
        pos = tf.where(pos >= n, sz2 - pos - 1.0, pos)
        c = tf.where(low, neg, tf.where(c > n - 1, pos, c))
    elif mode == "wrap":
        sz = n - 1.0
        neg = c + n * (tf.floor(-c / sz) + 1.0)
        pos = c - n * tf.floor(c / sz)
        c = tf.where(c < 0, neg, tf.where(c > n - 1, pos, c))
    return tf.clip_by_value(c, 0.0, n - 1.0)


def _read(images, batch_idx, y, x, fill_value):
    """images[b, y, x] for float coordinates already integral; fill_value outside the image."""
    h, w = images.shape.as_tuple()[1:3]
    inside = tf.logical_and(tf.logical_and(y >= 0, y <= h - 1),
                            tf.logical_and(x >= 0, x <= w - 1))
    yi = tf.cast(tf.clip_by_value(y, 0.0, h - 1.0), "int32")
    xi = tf.cast(tf.clip_by_value(x, 0.0, w - 1.0), "int32")
    values = tf.gather_nd(images, tf.stack([batch_idx, yi, xi], axis=-1))
    return tf.where(tf.expand_dims(inside, -1), values,
                    tf.constant(fill_value, images.dtype))


def transform(images, matrices, interpolation: str = "bilinear", fill_mode: str = "reflect",
              fill_value: float = 0.0):
    """Resamples (B, H, W, C) images: output pixel (x, y) reads the input at
    ((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k), k = c0 x + c1 y + 1, per image's
    [a0, a1, a2, b0, b1, b2, c0, c1] row of `matrices` (B, 8)."""
    if fill_mode not in _FILL_MODES:
        raise NotImplementedError(f"Unknown `fill_mode` {fill_mode}. Expected one of "
                                  f"{_FILL_MODES}.")
    b, h, w, _ = images.shape.as_tuple()
    if h is None or w is None:
        raise ValueError(f"Image transforms need static height and width; got {images.shape}")
    dtype = images.dtype
    ys, xs = tf.meshgrid(tf.range(h, dtype=dtype), tf.range(w, dtype=dtype), indexing="ij")
    m = tf.cast(matrices, dtype)
    col = [tf.reshape(m[:, i], (-1, 1, 1)) for i in range(8)]
    k = col[6] * xs + col[7] * ys + 1.0
    in_x = _map_coordinate((col[0] * xs + col[1] * ys + col[2]) / k, w, fill_mode)
    in_y = _map_coordinate((col[3] * xs + col[4] * ys + col[5]) / k, h, fill_mode)
    batch = tf.shape(images)[0]
    batch_idx = tf.broadcast_to(tf.reshape(tf.range(batch), (-1, 1, 1)), tf.shape(in_x))
    if interpolation == "nearest":
        return _read(images, batch_idx, tf.round(in_y), tf.round(in_x), fill_value)
    if interpolation != "bilinear":
        raise NotImplementedError(f"{interpolation!r} interpolation: use 'bilinear' or "
                                  "'nearest'")
    y0, x0 = tf.floor(in_y), tf.floor(in_x)
    y1, x1 = y0 + 1.0, x0 + 1.0
    wx0, wx1 = tf.expand_dims(x1 - in_x, -1), tf.expand_dims(in_x - x0, -1)
    wy0, wy1 = tf.expand_dims(y1 - in_y, -1), tf.expand_dims(in_y - y0, -1)
    top = wx0 * _read(images, batch_idx, y0, x0, fill_value) + \
        wx1 * _read(images, batch_idx, y0, x1, fill_value)
    bottom = wx0 * _read(images, batch_idx, y1, x0, fill_value) + \
        wx1 * _read(images, batch_idx, y1, x1, fill_value)
    del b
    return wy0 * top + wy1 * bottom


def _range(factor, name: str, symmetric: bool = True) -> tuple:
    if isinstance(factor, (int, float)):
        if factor < 0 and not symmetric:
            raise ValueError(f"`{name}` must be non-negative, got {factor}")
        return (-abs(factor), abs(factor)) if symmetric else (0.0, float(factor))
    low, high = (float(f) for f in factor)
    if low > high:
        raise ValueError(f"`{name}`: lower bound {low} is above upper bound {high}")
    return low, high


def _uniform(batch, low: float, high: float, seed):
    if low == high:
        return tf.fill(tf.reshape(batch, (1,)), tf.constant(low, "float32"))
    return tf.random.uniform(tf.reshape(batch, (1,)), low, high, seed=seed)


class Resizing(_ImageLayer):
    """Resizes images to (height, width); `crop_to_aspect_ratio` crops the largest centered
    window of the target's aspect ratio first. Active in training and inference."""

    def __init__(self, height: int, width: int, interpolation: str = "bilinear",
                 crop_to_aspect_ratio: bool = False, pad_to_aspect_ratio: bool = False,
                 fill_mode: str = "constant", fill_value: float = 0.0, antialias: bool = False,
                 data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        if pad_to_aspect_ratio or antialias:
            raise NotImplementedError("Resizing: pad_to_aspect_ratio and antialias are not "
                                      "supported")
        self.height, self.width = int(height), int(width)
        self.interpolation = interpolation
        self.crop_to_aspect_ratio = crop_to_aspect_ratio
        self.pad_to_aspect_ratio = pad_to_aspect_ratio
        self.fill_mode, self.fill_value, self.antialias = fill_mode, fill_value, antialias

    def _apply(self, x, training):
        if self.crop_to_aspect_ratio:
            x = _crop_to_aspect(x, self.height, self.width)
        y = tf.image.resize(x, (self.height, self.width), method=self.interpolation)
        compute = tf.as_dtype(self.compute_dtype)
        return tf.cast(y, compute) if y.dtype != compute else y

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        axes = (-2, -1) if self.data_format == "channels_first" else (-3, -2)
        shape[axes[0]], shape[axes[1]] = self.height, self.width
        return tuple(shape)

    def get_config(self) -> dict:
        return {**self._base(), "height": self.height, "width": self.width,
                "interpolation": self.interpolation,
                "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
                "pad_to_aspect_ratio": self.pad_to_aspect_ratio, "fill_mode": self.fill_mode,
                "fill_value": self.fill_value, "antialias": self.antialias}


def _crop_to_aspect(x, height: int, width: int):
    h, w = x.shape.as_tuple()[1:3]
    crop_h = min(h, int(w * height / width))
    crop_w = min(w, int(h * width / height))
    top, left = (h - crop_h) // 2, (w - crop_w) // 2
    return x[:, top:top + crop_h, left:left + crop_w, :]


class CenterCrop(Resizing):
    """Crops the central (height, width) window; smaller images are first cropped to the target
    aspect ratio and resized, as Keras does."""

    def __init__(self, height: int, width: int, data_format=None, **kwargs):
        super().__init__(height, width, crop_to_aspect_ratio=True, data_format=data_format,
                         **kwargs)

    def _apply(self, x, training):
        h, w = x.shape.as_tuple()[1:3]
        if h >= self.height and w >= self.width:
            top, left = (h - self.height) // 2, (w - self.width) // 2
            y = x[:, top:top + self.height, left:left + self.width, :]
            compute = tf.as_dtype(self.compute_dtype)
            return tf.cast(y, compute) if y.dtype != compute else y
        return super()._apply(x, training)

    def get_config(self) -> dict:
        return {**self._base(), "height": self.height, "width": self.width}


class _RandomLayer(_ImageLayer):
    """Augmentations: identity unless called with training=True."""

    def call(self, inputs, training=True):
        mode = u.in_train_mode(training)
        if isinstance(mode, bool) and not mode:
            return inputs
        return super().call(inputs, training)


class RandomFlip(_RandomLayer):
    """Flips each image left-right and/or up-down with probability 1/2."""

    def __init__(self, mode: str = "horizontal_and_vertical", seed=None, data_format=None,
                 **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        if mode not in ("horizontal", "vertical", "horizontal_and_vertical"):
            raise ValueError(f"RandomFlip layer {self.name} received an unknown mode={mode}")
        self.mode = mode

    def _apply(self, x, training):
        batch = tf.shape(x)[0]
        if "horizontal" in self.mode:
            flip = tf.random.uniform(tf.reshape(batch, (1,)), seed=self.seed) < 0.5
            x = tf.where(tf.reshape(flip, (-1, 1, 1, 1)), tf.reverse(x, [2]), x)
        if "vertical" in self.mode:
            flip = tf.random.uniform(tf.reshape(batch, (1,)), seed=self.seed) < 0.5
            x = tf.where(tf.reshape(flip, (-1, 1, 1, 1)), tf.reverse(x, [1]), x)
        return x

    def get_config(self) -> dict:
        return {**self._base(), "seed": self.seed, "mode": self.mode}


class RandomCrop(_RandomLayer):
    """Crops a random (height, width) window in training; in inference, a center crop (or a
    resize when the image is smaller), as Keras does."""

    def __init__(self, height: int, width: int, seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.height, self.width = int(height), int(width)

    def call(self, inputs, training=True):
        mode = u.in_train_mode(training)
        if isinstance(mode, bool) and not mode:
            return CenterCrop(self.height, self.width, data_format=self.data_format,
                              dtype=self.dtype_policy)(inputs)
        return _ImageLayer.call(self, inputs, training)

    def _apply(self, x, training):
        h, w = x.shape.as_tuple()[1:3]
        if h < self.height or w < self.width:
            return Resizing(self.height, self.width, crop_to_aspect_ratio=True)(x)
        top = tf.random.uniform((), 0, h - self.height + 1, dtype="int32", seed=self.seed)
        left = tf.random.uniform((), 0, w - self.width + 1, dtype="int32", seed=self.seed)
        return tf.slice(x, tf.stack([0, top, left, 0]),
                        tf.stack([-1, self.height, self.width, -1]))

    def compute_output_shape(self, input_shape):
        return CenterCrop(self.height, self.width, data_format=self.data_format) \
            .compute_output_shape(input_shape)

    def get_config(self) -> dict:
        return {**self._base(), "height": self.height, "width": self.width, "seed": self.seed}


class _RandomAffine(_RandomLayer):
    def __init__(self, fill_mode: str = "reflect", interpolation: str = "bilinear", seed=None,
                 fill_value: float = 0.0, data_format=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        if fill_mode not in _FILL_MODES:
            raise NotImplementedError(f"Unknown `fill_mode` {fill_mode}. Expected one of "
                                      f"{_FILL_MODES}.")
        if interpolation not in ("bilinear", "nearest"):
            raise NotImplementedError(f"Unknown `interpolation` {interpolation}. Expected "
                                      "'bilinear' or 'nearest'.")
        self.fill_mode, self.interpolation, self.fill_value = fill_mode, interpolation, fill_value

    def _apply(self, x, training):
        return transform(x, self._matrices(x), self.interpolation, self.fill_mode,
                         self.fill_value)

    def _common(self) -> dict:
        return {"fill_mode": self.fill_mode, "interpolation": self.interpolation,
                "seed": self.seed, "fill_value": self.fill_value}


class RandomRotation(_RandomAffine):
    """Rotates each image by a random angle in `factor` * 2pi (an upper bound or (low, high))."""

    def __init__(self, factor, fill_mode: str = "reflect", interpolation: str = "bilinear",
                 seed=None, fill_value: float = 0.0, data_format=None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.factor = factor
        self._bounds = _range(factor, "factor")

    def _matrices(self, x):
        h, w = (float(d) for d in x.shape.as_tuple()[1:3])
        angle = _uniform(tf.shape(x)[0], *self._bounds, self.seed) * (2.0 * math.pi)
        cos, sin = tf.cos(angle), tf.sin(angle)
        x_off = ((w - 1) - (cos * (w - 1) - sin * (h - 1))) / 2.0
        y_off = ((h - 1) - (sin * (w - 1) + cos * (h - 1))) / 2.0
        zero = tf.zeros_like(cos)
        return tf.stack([cos, -sin, x_off, sin, cos, y_off, zero, zero], axis=1)

    def get_config(self) -> dict:
        factor = self._bounds if isinstance(self.factor, (int, float)) else tuple(self.factor)
        return {**self._base(), "factor": factor, **self._common()}


class RandomZoom(_RandomAffine):
    """Zooms each image by a random factor: `height_factor` -0.3 means up to 30% larger
    (zoom in), 0.3 up to 30% smaller; `width_factor` None keeps the aspect ratio."""

    def __init__(self, height_factor, width_factor=None, fill_mode: str = "reflect",
                 interpolation: str = "bilinear", seed=None, fill_value: float = 0.0,
                 data_format=None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self._h = _range(height_factor, "height_factor")
        self._w = None if width_factor is None else _range(width_factor, "width_factor")

    def _matrices(self, x):
        h, w = (float(d) for d in x.shape.as_tuple()[1:3])
        batch = tf.shape(x)[0]
        zy = 1.0 + _uniform(batch, *self._h, self.seed)
        zx = zy if self._w is None else 1.0 + _uniform(batch, *self._w, self.seed)
        x_off = (w - 1) / 2.0 * (1.0 - zx)
        y_off = (h - 1) / 2.0 * (1.0 - zy)
        zero = tf.zeros_like(zx)
        return tf.stack([zx, zero, x_off, zero, zy, y_off, zero, zero], axis=1)

    def get_config(self) -> dict:
        return {**self._base(), "height_factor": self.height_factor,
                "width_factor": self.width_factor, **self._common()}


class RandomTranslation(_RandomAffine):
    """Shifts each image by a random fraction of its height and width."""

    def __init__(self, height_factor, width_factor, fill_mode: str = "reflect",
                 interpolation: str = "bilinear", seed=None, fill_value: float = 0.0,
                 data_format=None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self._h = _range(height_factor, "height_factor")
        self._w = _range(width_factor, "width_factor")

    def _matrices(self, x):
        h, w = (float(d) for d in x.shape.as_tuple()[1:3])
        batch = tf.shape(x)[0]
        dy = _uniform(batch, *self._h, self.seed) * h
        dx = _uniform(batch, *self._w, self.seed) * w
        one, zero = tf.ones_like(dx), tf.zeros_like(dx)
        return tf.stack([one, zero, -dx, zero, one, -dy, zero, zero], axis=1)

    def get_config(self) -> dict:
        return {**self._base(), "height_factor": self.height_factor,
                "width_factor": self.width_factor, **self._common()}


class RandomContrast(_RandomLayer):
    """Scales each image's deviation from its per-channel mean by a random factor in
    [1 - lower, 1 + upper], then clips to `value_range`."""

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.factor = factor
        low, high = (factor, factor) if isinstance(factor, (int, float)) else factor
        if low < 0 or high < 0:
            raise ValueError(f"RandomContrast: factor must be non-negative, got {factor}")
        self._bounds = (1.0 - low, 1.0 + high)
        self.value_range = tuple(value_range)

    def _apply(self, x, training):
        scale = tf.reshape(_uniform(tf.shape(x)[0], *self._bounds, self.seed), (-1, 1, 1, 1))
        mean = tf.reduce_mean(x, axis=[1, 2], keepdims=True)
        y = (x - mean) * tf.cast(scale, x.dtype) + mean
        return tf.clip_by_value(y, float(self.value_range[0]), float(self.value_range[1]))

    def get_config(self) -> dict:
        factor = self.factor if not isinstance(self.factor, (int, float)) else (0, self.factor)
        return {**self._base(), "factor": factor, "value_range": self.value_range,
                "seed": self.seed}


class RandomBrightness(_RandomLayer):
    """Adds a random delta in `factor` * (value range width) to each image, then clips."""

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.factor = factor
        self._bounds = _range(factor, "factor")
        self.value_range = list(value_range)

    def _apply(self, x, training):
        low, high = (float(v) for v in self.value_range)
        delta = _uniform(tf.shape(x)[0], *self._bounds, self.seed) * (high - low)
        y = x + tf.cast(tf.reshape(delta, (-1, 1, 1, 1)), x.dtype)
        return tf.clip_by_value(y, low, high)

    def get_config(self) -> dict:
        factor = self._bounds if isinstance(self.factor, (int, float)) else tuple(self.factor)
        return {**self._base(), "factor": factor, "value_range": self.value_range,
                "seed": self.seed}
