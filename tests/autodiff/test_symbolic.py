"""tf.gradients / tf.hessians inside tf.function, and tf.grad_pass_through (hand-derived)."""

import numpy as np
import pytest

import tensorweave as tf


def test_gradients_and_hessians_in_tf_function():
    @tf.function
    def derivatives(x, w):
        y = tf.reduce_sum(tf.sin(x) * w) + tf.reduce_sum(x ** 3)
        gx, gw = tf.gradients(y, [x, w])
        (h,) = tf.hessians(y, x)
        return gx, gw, h

    x0, w0 = np.array([0.5, -1.0]), np.array([2.0, 3.0])
    gx, gw, h = derivatives(tf.constant(x0), tf.constant(w0))
    np.testing.assert_allclose(gx.numpy(), np.cos(x0) * w0 + 3 * x0 ** 2, rtol=1e-12)
    np.testing.assert_allclose(gw.numpy(), np.sin(x0), rtol=1e-12)
    np.testing.assert_allclose(h.numpy(), np.diag(-np.sin(x0) * w0 + 6 * x0), rtol=1e-12)


def test_gradients_grad_ys_stop_gradients_and_unconnected():
    @tf.function
    def run(x):
        z = x * x
        (g,) = tf.gradients(z * x, x, stop_gradients=[z])  # z held constant: d/dx = z
        (s,) = tf.gradients(z, x, grad_ys=tf.constant([10.0, 100.0]))
        other = tf.ones([2])
        none = tf.gradients(z, [other])[0]
        zero = tf.gradients(z, [other], unconnected_gradients="zero")[0]
        return g, s, none is None, zero

    g, s, was_none, zero = run(tf.constant([2.0, 3.0]))
    np.testing.assert_array_equal(g.numpy(), [4.0, 9.0])
    np.testing.assert_array_equal(s.numpy(), [40.0, 600.0])
    assert bool(was_none) and zero.numpy().tolist() == [0.0, 0.0]


def test_gradients_is_graph_only():
    with pytest.raises(RuntimeError, match="eager execution"):
        tf.gradients(tf.constant(1.0), tf.constant(1.0))


def test_grad_pass_through():
    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.grad_pass_through(lambda a: tf.round(a * 2.3))(x) * 4.0
    assert float(y) == 28.0 and float(tape.gradient(y, x)) == 4.0
