import numpy as np
import pytest

import tensorweave as tf

RNG = np.random.default_rng(0)


def test_resize_bilinear_matches_half_pixel_reference():
    x = np.arange(20.0).reshape(1, 4, 5, 1)
    out = tf.image.resize(x, [3, 7])
    assert out.dtype is tf.float32 and out.shape == (1, 3, 7, 1)
    np.testing.assert_allclose(out.numpy()[0, 0, :3, 0], [0.8333334, 1.404762, 2.119048],
                               rtol=1e-5)


def test_resize_nearest_keeps_dtype():
    x = np.arange(20, dtype=np.uint8).reshape(1, 4, 5, 1)
    out = tf.image.resize(x, [8, 3], method="nearest")
    assert out.dtype is tf.uint8
    assert out.numpy()[0, :, :, 0].tolist()[0] == [0, 2, 4]
    assert out.numpy()[0, :, :, 0].tolist()[2] == [5, 7, 9]


def test_resize_gradient_is_the_transposed_interpolation():
    x = tf.constant(RNG.standard_normal((1, 4, 5, 2)).astype(np.float32))
    w = RNG.standard_normal((1, 3, 7, 2)).astype(np.float32)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(tf.image.resize(x, [3, 7]) * w)
    g = tape.gradient(y, x).numpy()
    eps = 1e-2
    numeric = np.zeros_like(g)
    base = x.numpy()
    for idx in np.ndindex(base.shape):
        p, m = base.copy(), base.copy()
        p[idx] += eps
        m[idx] -= eps
        numeric[idx] = (np.sum(tf.image.resize(p, [3, 7]).numpy() * w) -
                        np.sum(tf.image.resize(m, [3, 7]).numpy() * w)) / (2 * eps)
    np.testing.assert_allclose(g, numeric, rtol=1e-3, atol=1e-3)


def test_flips_crops_and_pads():
    img = RNG.standard_normal((4, 6, 3))
    np.testing.assert_array_equal(tf.image.flip_left_right(img).numpy(), img[:, ::-1])
    np.testing.assert_array_equal(tf.image.flip_up_down(img).numpy(), img[::-1])
    np.testing.assert_array_equal(tf.image.rot90(img).numpy(), np.rot90(img))
    np.testing.assert_array_equal(tf.image.crop_to_bounding_box(img, 1, 2, 2, 3).numpy(),
                                  img[1:3, 2:5])
    padded = tf.image.pad_to_bounding_box(img, 1, 1, 6, 8).numpy()
    assert padded.shape == (6, 8, 3) and np.array_equal(padded[1:5, 1:7], img)
    assert tf.image.central_crop(img, 0.5).shape == (2, 4, 3)
    assert tf.image.resize_with_crop_or_pad(img, 6, 4).shape == (6, 4, 3)


def test_colour_adjustments():
    img = RNG.uniform(size=(2, 4, 4, 3)).astype(np.float32)
    np.testing.assert_allclose(tf.image.adjust_brightness(img, 0.1).numpy(), img + 0.1)
    mean = img.mean(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(tf.image.adjust_contrast(img, 2.0).numpy(),
                               (img - mean) * 2 + mean, rtol=1e-5)
    gray = tf.image.rgb_to_grayscale(img)
    assert gray.shape == (2, 4, 4, 1)
    as_uint8 = tf.image.convert_image_dtype(img, tf.uint8)
    assert as_uint8.dtype is tf.uint8
    std = tf.image.per_image_standardization(img[0]).numpy()
    assert abs(std.mean()) < 1e-5 and abs(std.std() - 1) < 1e-3


@pytest.mark.parametrize("method", ["bilinear", "nearest"])
def test_conformance_resize(method):
    tf_real = pytest.importorskip("tensorflow")
    x = RNG.standard_normal((2, 5, 7, 3)).astype(np.float32)
    for size in [(3, 4), (10, 13), (5, 7)]:
        np.testing.assert_allclose(tf.image.resize(x, size, method=method).numpy(),
                                   tf_real.image.resize(x, size, method=method).numpy(),
                                   rtol=1e-5, atol=1e-5)
