"""tf.image: resizing, flips, crops and colour adjustments on NHWC (or HWC) images."""

from __future__ import annotations

import numpy as np

from tensorweave.framework import dtypes
from tensorweave.framework.op_def import execute, op
from tensorweave.ops import _infer, array_ops, math_ops
from tensorweave.ops._convert import tensor

__all__ = []  # tf.image names are exported by api/image.py


class ResizeMethod:
    BILINEAR = "bilinear"
    NEAREST_NEIGHBOR = "nearest"
    BICUBIC = "bicubic"
    AREA = "area"
    LANCZOS3 = "lanczos3"
    LANCZOS5 = "lanczos5"
    GAUSSIAN = "gaussian"
    MITCHELLCUBIC = "mitchellcubic"


def _source_coords(out_size: int, in_size: int, half_pixel: bool):
    """Where each output pixel samples the input (TF2's resize: half-pixel centers)."""
    scale = in_size / out_size
    if half_pixel:
        return (np.arange(out_size) + 0.5) * scale - 0.5
    return np.arange(out_size) * scale


def _bilinear_weights(out_size: int, in_size: int):
    src = np.clip(_source_coords(out_size, in_size, True), 0, in_size - 1)
    lo = np.floor(src).astype(np.int64)
    hi = np.minimum(lo + 1, in_size - 1)
    frac = src - lo
    return lo, hi, frac


def _resize_matrix(out_size: int, in_size: int, method: str) -> np.ndarray:
    """A dense (out, in) interpolation matrix: resizing is two small matmuls, fast and
    differentiable by transposition."""
    m = np.zeros((out_size, in_size))
    if method == "bilinear":
        lo, hi, frac = _bilinear_weights(out_size, in_size)
        rows = np.arange(out_size)
        np.add.at(m, (rows, lo), 1 - frac)
        np.add.at(m, (rows, hi), frac)
    elif method == "nearest":
        src = np.floor((np.arange(out_size) + 0.5) * (in_size / out_size)).astype(np.int64)
        m[np.arange(out_size), np.minimum(src, in_size - 1)] = 1.0
    else:
        raise NotImplementedError(f"tf.image.resize method {method!r} is not implemented yet "
                                  "(bilinear and nearest are)")
    return m


def _resize_infer(images, *, size, method):
    # TensorFlow: float32 out, except nearest-neighbour, which keeps the input dtype.
    dtype = images.dtype if method == "nearest" else dtypes.float32
    if images.shape is None:
        return _infer.Spec(None, dtype)
    return _infer.Spec((images.shape[0],) + tuple(size) + (images.shape[3],), dtype)


@op("ResizeImage", infer=_resize_infer)
def _resize(xp, images, *, size, method):
    h, w = images.shape[1:3]
    if method == "nearest":  # a gather: exact for every dtype
        rows = xp.asarray(np.argmax(_resize_matrix(size[0], h, method), axis=1))
        cols = xp.asarray(np.argmax(_resize_matrix(size[1], w, method), axis=1))
        return images[:, rows][:, :, cols]
    mh = xp.asarray(_resize_matrix(size[0], h, method), dtype=np.float32)
    mw = xp.asarray(_resize_matrix(size[1], w, method), dtype=np.float32)
    out = xp.einsum("oh,nhwc->nowc", mh, images.astype(np.float32, copy=False))
    return xp.einsum("pw,nowc->nopc", mw, out)


@op("ResizeImageGrad", infer=lambda dy, images, *, method: images)
def _resize_grad_kernel(xp, dy, images, *, method):
    h, w = images.shape[1:3]
    mh = xp.asarray(_resize_matrix(dy.shape[1], h, method), dtype=dy.dtype)
    mw = xp.asarray(_resize_matrix(dy.shape[2], w, method), dtype=dy.dtype)
    # (the gradient of nearest is the same transposed selection matrix)
    g = xp.einsum("oh,nopc->nhpc", mh, dy)
    g = xp.einsum("pw,nhpc->nhwc", mw, g)
    return g.astype(images.dtype, copy=False)


@_resize.def_grad
def _resize_grad(op, dy):
    (images,) = op.inputs
    if not images.dtype.is_floating:
        return (None,)
    return (execute(_resize_grad_kernel, (dy, images), {"method": op.attrs["method"]}),)


@_resize_grad_kernel.def_grad
def _resize_grad_grad(op, ddx):
    dy, images = op.inputs
    size = tuple(dy.shape[1:3])
    return execute(_resize, (ddx,), {"size": size, "method": op.attrs["method"]}), None


def _batched(images):
    """(4-D images, whether the input was a single 3-D image)."""
    images = tensor(images)
    if images.shape.rank == 3:
        return array_ops.expand_dims(images, 0), True
    if images.shape.rank != 4:
        raise ValueError(f"'images' must have either 3 or 4 dimensions, got shape {images.shape}")
    return images, False


def _unbatch(images, single):
    return array_ops.squeeze(images, 0) if single else images


def resize(images, size, method=ResizeMethod.BILINEAR, preserve_aspect_ratio=False,
           antialias=False, name=None):
    """Resizes images to `size` = (height, width) (`tf.image.resize`, TF2 semantics).

    Bilinear output is float32 (float16/float64 kept); nearest keeps the input dtype.
    """
    if antialias:
        raise NotImplementedError("tf.image.resize(antialias=True) is not implemented yet")
    images, single = _batched(images)
    size = tuple(int(s) for s in (size.numpy() if hasattr(size, "numpy") else size))
    if preserve_aspect_ratio:
        h, w = images.shape[1:3]
        scale = min(size[0] / h, size[1] / w)
        size = (max(int(round(h * scale)), 1), max(int(round(w * scale)), 1))
    method = method if isinstance(method, str) else str(method)
    return _unbatch(execute(_resize, (images,), {"size": size, "method": method}), single)


def flip_left_right(image):
    image = tensor(image)
    return array_ops.reverse(image, [-2])


def flip_up_down(image):
    image = tensor(image)
    return array_ops.reverse(image, [-3])


def transpose(image, name=None):
    image = tensor(image)
    perm = [1, 0, 2] if image.shape.rank == 3 else [0, 2, 1, 3]
    return array_ops.transpose(image, perm)


def rot90(image, k=1, name=None):
    """Rotates counter-clockwise by 90 degrees k times."""
    k = int(k) % 4
    image = tensor(image)
    for _ in range(k):
        image = flip_up_down(transpose(image))
    return image


def _random_flip(image, seed, flip):
    from tensorweave.ops import random_ops

    image = tensor(image)
    coin = random_ops.uniform([], seed=seed)
    return array_ops.where(coin < 0.5, flip(image), image)  # a select, so it also traces


def random_flip_left_right(image, seed=None):
    return _random_flip(image, seed, flip_left_right)


def random_flip_up_down(image, seed=None):
    return _random_flip(image, seed, flip_up_down)


def crop_to_bounding_box(image, offset_height, offset_width, target_height, target_width):
    image, single = _batched(image)
    out = image[:, offset_height:offset_height + target_height,
                offset_width:offset_width + target_width, :]
    if out.shape[1] != target_height or out.shape[2] != target_width:
        raise ValueError("The crop box lies outside the image")
    return _unbatch(out, single)


def pad_to_bounding_box(image, offset_height, offset_width, target_height, target_width):
    image, single = _batched(image)
    h, w = image.shape[1:3]
    after_h, after_w = target_height - offset_height - h, target_width - offset_width - w
    if min(offset_height, offset_width, after_h, after_w) < 0:
        raise ValueError("The image does not fit in the target box at that offset")
    out = array_ops.pad(image, [[0, 0], [offset_height, after_h], [offset_width, after_w],
                                [0, 0]])
    return _unbatch(out, single)


def central_crop(image, central_fraction):
    if not 0.0 < central_fraction <= 1.0:
        raise ValueError("central_fraction must be within (0, 1]")
    image, single = _batched(image)
    h, w = image.shape[1:3]
    top = int((h - h * central_fraction) / 2)
    left = int((w - w * central_fraction) / 2)
    out = image[:, top:h - top, left:w - left, :]
    return _unbatch(out, single)


def resize_with_crop_or_pad(image, target_height, target_width):
    image, single = _batched(image)
    h, w = image.shape[1:3]
    crop_h, crop_w = max(h - target_height, 0), max(w - target_width, 0)
    image = image[:, crop_h // 2:crop_h // 2 + min(h, target_height),
                  crop_w // 2:crop_w // 2 + min(w, target_width), :]
    pad_h, pad_w = max(target_height - h, 0), max(target_width - w, 0)
    image = array_ops.pad(image, [[0, 0], [pad_h // 2, pad_h - pad_h // 2],
                                  [pad_w // 2, pad_w - pad_w // 2], [0, 0]])
    return _unbatch(image, single)


def convert_image_dtype(image, dtype, saturate=False, name=None):
    """Converts between integer [0, MAX] and float [0, 1] image encodings."""
    image = tensor(image)
    dtype = dtypes.as_dtype(dtype)
    src = image.dtype
    if src is dtype:
        return image
    if src.is_integer and dtype.is_floating:
        return math_ops.cast(image, dtype) / float(src.max)
    if src.is_floating and dtype.is_integer:
        scaled = image * (float(dtype.max) + 0.5)
        if saturate:
            scaled = math_ops.clip_by_value(scaled, float(dtype.min), float(dtype.max))
        return math_ops.cast(scaled, dtype)
    if src.is_integer and dtype.is_integer:
        return math_ops.cast(math_ops.cast(image, dtypes.float64) * (dtype.max / src.max),
                             dtype)
    return math_ops.cast(image, dtype)


def adjust_brightness(image, delta):
    image = tensor(image)
    if image.dtype.is_floating:
        return image + math_ops.cast(delta, image.dtype)
    flt = convert_image_dtype(image, dtypes.float32)
    return convert_image_dtype(flt + delta, image.dtype, saturate=True)


def adjust_contrast(images, contrast_factor):
    """(x - mean) * factor + mean, the mean taken per image and channel."""
    images = tensor(images)
    orig = images.dtype
    x = images if orig.is_floating else convert_image_dtype(images, dtypes.float32)
    mean = math_ops.reduce_mean(x, axis=[-3, -2], keepdims=True)
    out = (x - mean) * math_ops.cast(contrast_factor, x.dtype) + mean
    return out if orig.is_floating else convert_image_dtype(out, orig, saturate=True)


def random_brightness(image, max_delta, seed=None):
    from tensorweave.ops import random_ops

    if max_delta < 0:
        raise ValueError("max_delta must be non-negative.")
    return adjust_brightness(image, random_ops.uniform([], -max_delta, max_delta, seed=seed))


def random_contrast(image, lower, upper, seed=None):
    from tensorweave.ops import random_ops

    if upper <= lower or lower < 0:
        raise ValueError("Contrast bounds need 0 <= lower < upper.")
    return adjust_contrast(image, random_ops.uniform([], lower, upper, seed=seed))


def rgb_to_grayscale(images, name=None):
    images = tensor(images)
    orig = images.dtype
    x = images if orig.is_floating else convert_image_dtype(images, dtypes.float32)
    weights = math_ops.cast([0.2989, 0.5870, 0.1140], x.dtype)
    gray = math_ops.reduce_sum(x * weights, axis=-1, keepdims=True)
    return gray if orig.is_floating else convert_image_dtype(gray, orig)


def grayscale_to_rgb(images, name=None):
    images = tensor(images)
    return array_ops.concat([images, images, images], axis=-1)


def per_image_standardization(image):
    """(x - mean) / max(stddev, 1/sqrt(N)) per image."""
    image = tensor(image)
    x = math_ops.cast(image, dtypes.float32) if not image.dtype.is_floating else image
    axes = [-3, -2, -1]
    n = float(np.prod(x.shape.as_list()[-3:]))
    mean = math_ops.reduce_mean(x, axis=axes, keepdims=True)
    std = math_ops.reduce_std(x, axis=axes, keepdims=True)
    return (x - mean) / math_ops.maximum(std, 1.0 / np.sqrt(n))
