"""The training step's fast kernel paths (large arrays) against plain NumPy definitions."""

import numpy as np
import pytest

import tensorweave as tf
from tensorweave.ops.nn_ops import _bias_add_grad


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
def test_bias_add_grad_large_channels_last(dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 12, 12, 6)).astype(dtype)
    b = tf.Variable(np.zeros(6, dtype))
    upstream = rng.standard_normal(x.shape).astype(dtype)
    with tf.GradientTape() as tape:
        y = tf.nn.bias_add(tf.constant(x), b)
    (g,) = tape.gradient(y, [b], output_gradients=tf.constant(upstream))
    assert g.dtype == tf.as_dtype(dtype)
    want = upstream.astype(np.float64).sum(axis=(0, 1, 2))
    tol = {np.float16: 1e-1, np.float32: 1e-4, np.float64: 1e-12}[dtype]
    np.testing.assert_allclose(g.numpy().astype(np.float64), want, rtol=tol, atol=tol)


def test_bias_add_grad_large_channels_first_and_views():
    rng = np.random.default_rng(1)
    dy = rng.standard_normal((4, 5, 30, 40))
    kernel = _bias_add_grad.kernel
    np.testing.assert_allclose(kernel(np, dy, data_format="NCHW"), dy.sum(axis=(0, 2, 3)),
                               rtol=1e-12)
    t = np.swapaxes(dy, 1, 3)  # not contiguous: the reduction route
    np.testing.assert_allclose(kernel(np, t), t.sum(axis=(0, 1, 2)), rtol=1e-12)
    c = np.ascontiguousarray(t)  # contiguous: the GEMV route
    np.testing.assert_allclose(kernel(np, c), t.sum(axis=(0, 1, 2)), rtol=1e-12)
