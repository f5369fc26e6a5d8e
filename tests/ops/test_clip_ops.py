"""clip_by_value, clip_by_norm, global_norm, clip_by_global_norm: values against NumPy,
gradients, IndexedSlices kept sparse, TensorFlow's NaN rule for non-finite norms."""

import numpy as np
import pytest

import tensorweave as tf


def test_clip_by_value_matches_numpy_and_broadcasts_bounds():
    x = np.array([[-3.0, 0.5, 4.0], [1.0, -0.2, 9.0]], np.float32)
    out = tf.clip_by_value(x, -1.0, 2.0)
    np.testing.assert_array_equal(out.numpy(), np.clip(x, -1, 2))
    assert out.dtype is tf.float32
    lo = tf.constant([0.0, 0.0, 1.0])
    hi = tf.constant([1.0, 1.0, 5.0])
    np.testing.assert_array_equal(tf.clip_by_value(x, lo, hi).numpy(),
                                  np.clip(x, lo.numpy(), hi.numpy()))


def test_clip_by_value_ints_and_errors():
    out = tf.clip_by_value(tf.constant([-5, 3, 10]), 0, 4)
    np.testing.assert_array_equal(out.numpy(), [0, 3, 4])
    assert out.dtype is tf.int32
    with pytest.raises(TypeError):
        tf.clip_by_value(tf.constant([1.0]), tf.constant(0.0, tf.float64), 1.0)
    with pytest.raises(ValueError):  # the bounds may not enlarge t
        tf.clip_by_value(tf.constant([1.0]), tf.zeros([3]), 1.0)


def test_clip_by_value_gradient_passes_inside_the_bounds():
    x = tf.constant([-2.0, 0.5, 3.0], tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(tf.clip_by_value(x, -1.0, 1.0) * tf.constant([1.0, 2.0, 3.0],
                                                                          tf.float64))
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [0.0, 2.0, 0.0])


def test_clip_by_norm_values_axes_and_unchanged_when_small():
    x = np.array([[3.0, 4.0], [0.3, 0.4]], np.float32)
    out = tf.clip_by_norm(x, 2.0).numpy()
    np.testing.assert_allclose(out, x * 2.0 / np.linalg.norm(x), rtol=1e-6)
    rows = tf.clip_by_norm(x, 1.0, axes=[1]).numpy()
    np.testing.assert_allclose(rows, [[0.6, 0.8], [0.3, 0.4]], rtol=1e-6)
    np.testing.assert_array_equal(tf.clip_by_norm(x, 100.0).numpy(), x)


def test_clip_by_norm_of_zeros_has_a_finite_gradient():
    x = tf.zeros([3], tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(tf.clip_by_norm(x, 1.0))
    g = tape.gradient(y, x).numpy()
    assert np.all(np.isfinite(g))
    np.testing.assert_array_equal(g, [1.0, 1.0, 1.0])


def test_clip_by_norm_gradient_matches_finite_differences():
    rng = np.random.default_rng(0)
    x0 = rng.standard_normal(4) * 3

    def f(v):
        return float(tf.reduce_sum(tf.clip_by_norm(tf.constant(v), 1.5) * np.arange(4.0)))

    x = tf.constant(x0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(tf.clip_by_norm(x, 1.5) * np.arange(4.0))
    g = tape.gradient(y, x).numpy()
    eps = 1e-6
    num = [(f(x0 + eps * e) - f(x0 - eps * e)) / (2 * eps) for e in np.eye(4)]
    np.testing.assert_allclose(g, num, rtol=1e-5, atol=1e-7)


def test_global_norm_and_clip_by_global_norm():
    ts = [tf.constant([3.0, 4.0]), None, tf.constant([[12.0]])]
    np.testing.assert_allclose(tf.linalg.global_norm(ts).numpy(), 13.0)
    clipped, norm = tf.clip_by_global_norm(ts, 6.5)
    assert clipped[1] is None
    np.testing.assert_allclose(norm.numpy(), 13.0)
    np.testing.assert_allclose(clipped[0].numpy(), [1.5, 2.0])
    np.testing.assert_allclose(clipped[2].numpy(), [[6.0]])
    same, _ = tf.clip_by_global_norm(ts, 100.0)
    np.testing.assert_allclose(same[0].numpy(), [3.0, 4.0])
    with pytest.raises(TypeError):
        tf.clip_by_global_norm(tf.constant([1.0]), 1.0)


def test_clip_by_global_norm_non_finite_gives_nan():
    clipped, norm = tf.clip_by_global_norm([tf.constant([np.inf, 1.0])], 1.0)
    assert np.isinf(norm.numpy())
    assert np.all(np.isnan(clipped[0].numpy()))


def test_indexed_slices_stay_sparse():
    s = tf.IndexedSlices(tf.constant([[3.0, 4.0]]), tf.constant([2]), tf.constant([5, 2]))
    out = tf.clip_by_norm(s, 1.0)
    assert isinstance(out, tf.IndexedSlices)
    np.testing.assert_allclose(out.values.numpy(), [[0.6, 0.8]], rtol=1e-6)
    (g,), norm = tf.clip_by_global_norm([s], 2.5)
    assert isinstance(g, tf.IndexedSlices)
    np.testing.assert_allclose(norm.numpy(), 5.0)
    np.testing.assert_allclose(g.values.numpy(), [[1.5, 2.0]], rtol=1e-6)
    np.testing.assert_array_equal(g.indices.numpy(), [2])


def test_saturate_cast_clips_before_casting():
    out = tf.saturate_cast(np.array([3e9, -3e9, 1.5], np.float32), tf.int32)
    # float32 cannot hold 2**31 - 1: the bound is the largest float32 below it
    np.testing.assert_array_equal(out.numpy(), [2147483520, -2147483648, 1])
    np.testing.assert_array_equal(tf.saturate_cast([300, -5], tf.uint8).numpy(), [255, 0])
    assert tf.saturate_cast(tf.constant([1.5]), tf.float64).dtype is tf.float64
    np.testing.assert_array_equal(tf.saturate_cast(np.array([1 + 2j]), tf.float32).numpy(), [1])


def test_histograms():
    v = np.array([-1.0, 0.0, 1.5, 2.0, 5.0, 15.0])
    np.testing.assert_array_equal(tf.histogram_fixed_width_bins(v, [0.0, 5.0], 5).numpy(),
                                  [0, 0, 1, 2, 4, 4])
    np.testing.assert_array_equal(tf.histogram_fixed_width(v, [0.0, 5.0], 5).numpy(),
                                  [2, 1, 1, 0, 2])
    np.testing.assert_array_equal(tf.histogram_fixed_width(v, [0, 5], 5).numpy(),
                                  [2, 1, 1, 0, 2])  # Python bounds take the values' dtype
    with pytest.raises(TypeError):
        tf.histogram_fixed_width(v, tf.constant([0, 5]), 5)
    with pytest.raises(Exception, match="value_range"):
        tf.histogram_fixed_width(v, [5.0, 0.0], 5)
