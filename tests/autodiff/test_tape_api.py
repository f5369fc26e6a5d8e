"""GradientTape's API edges, each checked against what TensorFlow does."""

import numpy as np
import pytest

import tensorweave as tf


def test_watch_rejects_non_tensors():
    with tf.GradientTape() as tape:
        with pytest.raises(ValueError, match="not tf.Tensor or tf.Variable"):
            tape.watch(1.0)


def test_batch_jacobian_checks_batch_dimensions():
    x = tf.constant([[1.0], [2.0]])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(x) * tf.ones([3, 1])
    with pytest.raises(ValueError, match="first dimension"):
        tape.batch_jacobian(y, x)


def test_integer_target_has_no_gradient():
    x = tf.constant(1.5)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.cast(x, tf.int32)
    assert tape.gradient(y, x) is None


def test_output_gradients_must_match_target_shapes():
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * 2.0
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        tape.gradient(y, x, output_gradients=tf.constant([1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match="output_gradients for 2 targets"):
        tape.gradient([y, y], x, output_gradients=[tf.constant([1.0, 1.0])])
    g = tape.gradient([y, y], x, output_gradients=[tf.constant([1.0, 3.0]), None])
    np.testing.assert_array_equal(g.numpy(), [4.0, 8.0])


def test_custom_gradient_and_recompute_grad_inside_tf_function():
    @tf.custom_gradient
    def f(x):
        return x * x, lambda dy: dy * 100.0

    v = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
    block = tf.recompute_grad(lambda x: tf.tanh(tf.matmul(x, v)))

    @tf.function
    def grads(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.reduce_sum(f(x)) + tf.reduce_sum(block(x))
        return tape.gradient(y, [x, v])

    x = np.array([[1.0, -1.0]], np.float32)
    gx, gv = grads(tf.constant(x))
    z = np.tanh(x @ v.numpy())
    np.testing.assert_allclose(gx.numpy(), 100.0 + (1 - z ** 2) @ v.numpy().T, rtol=1e-5)
    np.testing.assert_allclose(gv.numpy(), x.T @ (1 - z ** 2), rtol=1e-5)


def test_watch_accessed_variables_false_and_stop_recording():
    v, w = tf.Variable(2.0), tf.Variable(5.0, trainable=False)
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        y = v * w
    assert tape.watched_variables() == () and tape.gradient(y, v) is None
    with tf.GradientTape() as tape:
        y = v * w
        with tape.stop_recording():
            z = v * v
        total = y + z
    assert [x is v for x in tape.watched_variables()] == [True]
    assert float(tape.gradient(total, v)) == 5.0


def test_reset_forgets_what_was_recorded():
    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
        tape.reset()
        tape.watch(x)
        z = y + x * 5.0
    assert float(tape.gradient(z, x)) == 5.0


def test_forward_over_reverse_and_reverse_over_forward_hvp():
    # f = sum x^3: H v = 6 x * v
    x, v = tf.constant([1.0, 2.0]), tf.constant([1.0, 0.5])
    with tf.GradientTape() as tape:
        tape.watch(x)
        with tf.autodiff.ForwardAccumulator(x, v) as acc:
            y = tf.reduce_sum(x ** 3)
        jv = acc.jvp(y)
    np.testing.assert_allclose(tape.gradient(jv, x).numpy(), [6.0, 6.0])
    with tf.autodiff.ForwardAccumulator(x, v) as acc:
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.reduce_sum(x ** 3)
        g = tape.gradient(y, x)
    np.testing.assert_allclose(acc.jvp(g).numpy(), [6.0, 6.0])
