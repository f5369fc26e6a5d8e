import numpy as np
import pytest

import tensorweave as tf


def test_seed_custom_gradient():
    @tf.custom_gradient
    def cube(x):
        def grad(dy):
            return 3 * tf.square(x) * dy
        return tf.pow(x, 3), grad

    x = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = cube(x)
    assert float(y) == 8.0 and float(tape.gradient(y, x)) == 12.0


def test_non_persistent_tape_used_twice_raises():
    x = tf.constant(1.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    tape.gradient(y, x)
    with pytest.raises(RuntimeError, match="non-persistent"):
        tape.gradient(y, x)


def test_persistent_tape_and_nested_structures():
    x, v = tf.constant([1.0, 2.0]), tf.Variable(3.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = tf.reduce_sum(x * x) * v
    grads = tape.gradient(y, {"x": x, "v": [v]})
    assert grads["x"].numpy().tolist() == [6.0, 12.0] and float(grads["v"][0]) == 5.0
    assert float(tape.gradient(y, v)) == 5.0


def test_second_derivative_with_nested_tapes():
    x = tf.constant(3.0)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = x * x * x
        dy = inner.gradient(y, x)
    assert float(dy) == 27.0 and float(outer.gradient(dy, x)) == 18.0


def test_unconnected_gradients():
    x, z = tf.constant(1.0), tf.constant(2.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([x, z])
        y = x * 2.0
    assert tape.gradient(y, z) is None
    assert float(tape.gradient(y, z, unconnected_gradients=tf.UnconnectedGradients.ZERO)) == 0.0


def test_output_gradients_and_broadcasting():
    a, b = tf.constant(np.ones((2, 3))), tf.constant(np.arange(3.0))
    with tf.GradientTape() as tape:
        tape.watch([a, b])
        y = a * b
    ga, gb = tape.gradient(y, [a, b], output_gradients=tf.constant(np.full((2, 3), 2.0)))
    assert ga.numpy().tolist() == [[0.0, 2.0, 4.0]] * 2 and gb.numpy().tolist() == [4.0] * 3


def test_variables_are_watched_on_read_unless_disabled():
    v, frozen = tf.Variable(2.0), tf.Variable(5.0, trainable=False)
    with tf.GradientTape() as tape:
        y = v * frozen
    assert [w is v for w in tape.watched_variables()] == [True]
    assert tape.gradient(y, frozen) is None
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        y = v * v
    assert tape.gradient(y, v) is None


def test_integer_sources_are_not_differentiable():
    x = tf.constant(2)
    with tf.GradientTape() as tape:
        with pytest.warns(UserWarning, match="floating"):
            tape.watch(x)
        y = x * x
    assert tape.gradient(y, x) is None


def test_stop_recording_and_reset():
    x = tf.constant(2.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        with tape.stop_recording():
            y = x * x
        z = x * 3.0
    assert tape.gradient(y, x) is None and float(tape.gradient(z, x)) == 3.0
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
        tape.reset()
        tape.watch(x)
        z = x * 5.0
    assert float(tape.gradient(z, x)) == 5.0


def test_custom_gradient_with_variables():
    v = tf.Variable(2.0)

    @tf.custom_gradient
    def scaled(x):
        def grad(dy, variables=None):
            return dy * v, [dy * x * 10.0]
        return x * v, grad

    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = scaled(x)
    gx, gv = tape.gradient(y, [x, v])
    assert float(gx) == 2.0 and float(gv) == 30.0


def test_forward_accumulator_matches_reverse_mode():
    x = tf.constant([1.0, 2.0])
    tangent = tf.constant([1.0, 0.5])
    with tf.autodiff.ForwardAccumulator(x, tangent) as acc:
        y = x * x * x
    np.testing.assert_allclose(acc.jvp(y).numpy(), 3 * np.array([1.0, 4.0]) * [1.0, 0.5])


def test_recompute_grad_gives_the_same_gradients():
    v = tf.Variable(1.5)

    def block(x):
        return x * x * v

    x = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.recompute_grad(block)(x)
    gx, gv = tape.gradient(y, [x, v])
    assert float(y) == 6.0 and float(gx) == 6.0 and float(gv) == 4.0
