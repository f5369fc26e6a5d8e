"""Hand-derived second/third derivatives, jacobians, custom gradients; tape memory and cost."""

import gc
import weakref

import numpy as np
import pytest

import tensorweave as tf


def _f64(*values):
    return [tf.constant(np.asarray(v, np.float64)) for v in values]


def test_third_derivative_of_sin_times_x():
    # f = x sin x: f' = sin x + x cos x, f'' = 2 cos x - x sin x, f''' = -3 sin x - x cos x
    (x,) = _f64(0.7)
    with tf.GradientTape() as t3:
        t3.watch(x)
        with tf.GradientTape() as t2:
            t2.watch(x)
            with tf.GradientTape() as t1:
                t1.watch(x)
                y = x * tf.sin(x)
            d1 = t1.gradient(y, x)
        d2 = t2.gradient(d1, x)
    d3 = t3.gradient(d2, x)
    v = 0.7
    np.testing.assert_allclose(float(d1), np.sin(v) + v * np.cos(v), rtol=1e-12)
    np.testing.assert_allclose(float(d2), 2 * np.cos(v) - v * np.sin(v), rtol=1e-12)
    np.testing.assert_allclose(float(d3), -3 * np.sin(v) - v * np.cos(v), rtol=1e-12)


def test_hessian_by_jacobian_of_gradient():
    # f = x0^2 x1 + exp(x1): H = [[2 x1, 2 x0], [2 x0, exp(x1)]]
    (x,) = _f64([1.5, -0.5])
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = x[0] * x[0] * x[1] + tf.exp(x[1])
        g = inner.gradient(y, x)
    h = outer.jacobian(g, x)
    np.testing.assert_allclose(h.numpy(), [[-1.0, 3.0], [3.0, np.exp(-0.5)]], rtol=1e-12)


def test_jacobian_and_batch_jacobian_hand_derived():
    x, w = _f64([[1.0, 2.0], [3.0, -1.0]], [[1.0, 0.5, -2.0], [0.0, 3.0, 1.0]])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([x, w])
        y = tf.tanh(tf.matmul(x, w))  # [2, 3]
    z = np.tanh(x.numpy() @ w.numpy())
    bj = tape.batch_jacobian(y, x, experimental_use_pfor=False)  # dy[b,i]/dx[b,k]
    expect = (1 - z ** 2)[:, :, None] * w.numpy().T[None]
    np.testing.assert_allclose(bj.numpy(), expect, rtol=1e-12)
    full = tape.jacobian(y, x)  # [2, 3, 2, 2], zero across examples
    assert full.shape == (2, 3, 2, 2)
    np.testing.assert_allclose(full.numpy()[0, :, 0], expect[0], rtol=1e-12)
    np.testing.assert_allclose(full.numpy()[0, :, 1], 0.0)
    jw = tape.jacobian(y, w)  # dy[b,i]/dw[k,j] = (1 - z^2)[b,i] x[b,k] [i == j]
    expect_w = np.einsum("bi,bk,ij->bikj", 1 - z ** 2, x.numpy(), np.eye(3))
    np.testing.assert_allclose(jw.numpy(), expect_w, rtol=1e-12)


def test_custom_gradient_with_variables_hand_derived():
    v = tf.Variable(np.float64(2.0))

    @tf.custom_gradient
    def scaled_square(x):
        def grad(dy, variables=None):
            assert variables is not None and len(variables) == 1 and variables[0] is v
            return dy * 2.0 * x * v, [dy * x * x]
        return x * x * v, grad

    (x,) = _f64(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = scaled_square(x) * 10.0
    gx, gv = tape.gradient(y, [x, v])
    assert float(gx) == 120.0 and float(gv) == 90.0


def test_custom_gradient_without_variables_kwarg_raises():
    v = tf.Variable(1.0)

    @tf.custom_gradient
    def f(x):
        return x * v, lambda dy: dy

    with tf.GradientTape() as tape:
        x = tf.constant(1.0)
        tape.watch(x)
        with pytest.raises(TypeError, match="variables"):
            f(x)


def test_custom_gradient_second_order():
    # the custom gradient is itself differentiable when written with tensorweave ops
    @tf.custom_gradient
    def cube(x):
        return x * x * x, lambda dy: dy * 3.0 * x * x

    (x,) = _f64(2.0)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = cube(x)
        g = inner.gradient(y, x)
    assert float(g) == 12.0 and float(outer.gradient(g, x)) == 12.0


def test_integer_sources_warn_and_give_none():
    x = tf.constant(3)
    with tf.GradientTape() as tape:
        with pytest.warns(UserWarning, match="floating"):
            tape.watch(x)
        y = x * x
    assert tape.gradient(y, x) is None


def test_recompute_grad_reruns_forward_and_keeps_no_activations():
    v = tf.Variable(np.ones((4, 4)) * 0.1)
    calls, hidden = [], []

    def block(x):
        calls.append(1)
        h = tf.tanh(tf.matmul(x, v))
        hidden.append(weakref.ref(h))
        return tf.reduce_sum(h * h, axis=1)

    x = tf.constant(np.arange(8.0).reshape(2, 4) / 8)
    expected = None
    for wrap in (lambda f: f, tf.recompute_grad):
        calls.clear(), hidden.clear()
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.reduce_sum(wrap(block)(x))
        gc.collect()
        kept = hidden[0]() is not None
        gx, gv = tape.gradient(y, [x, v])
        if expected is None:
            assert kept and len(calls) == 1  # the plain tape holds the activation
            expected = (gx.numpy(), gv.numpy())
        else:
            assert not kept, "recompute_grad must not keep activations for the backward pass"
            assert len(calls) == 2, "the forward pass must run again in the backward pass"
            np.testing.assert_allclose(gx.numpy(), expected[0], rtol=1e-12)
            np.testing.assert_allclose(gv.numpy(), expected[1], rtol=1e-12)


def test_tape_frees_activations_while_walking_back():
    # A custom gradient on the first op runs last in the walk: by then the activations of
    # later ops (no longer referenced by the user) must already be released.
    seen = {}
    refs = []

    @tf.custom_gradient
    def first(x):
        def grad(dy):
            gc.collect()
            seen["alive"] = [r() is not None for r in refs]
            return dy
        return tf.identity(x), grad

    x = tf.constant(np.ones((64, 64)))
    with tf.GradientTape() as tape:
        tape.watch(x)
        h = first(x)
        for _ in range(3):
            h = tf.tanh(h) * 1.5
            refs.append(weakref.ref(h))
        y = tf.reduce_sum(h)
        del h
    tape.gradient(y, x)
    assert seen["alive"] == [False, False, False]


def test_persistent_tape_keeps_its_record():
    (x,) = _f64(2.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = tf.exp(x)
        z = y * y
    assert float(tape.gradient(z, x)) == pytest.approx(2 * np.exp(4.0))
    assert float(tape.gradient(z, x)) == pytest.approx(2 * np.exp(4.0))
    assert float(tape.gradient(y, x)) == pytest.approx(np.exp(2.0))


def test_unrelated_tape_records_nothing():
    # ops on values no tape watches are not recorded (their cost is in bench_autodiff.py; speed
    # is never asserted in a test)
    a = tf.constant(np.ones((2, 2), np.float32))
    with tf.GradientTape() as tape:
        tape.watch(tf.constant(1.0))
        for _ in range(10):
            b = a + a
            b = b * a
        assert not tape._tape.records


def test_truncatemod_has_no_gradient_as_in_tensorflow():
    x, y = _f64([5.5, -5.5, 7.0], [2.0, 2.0, -3.0])
    with tf.GradientTape() as tape:
        tape.watch([x, y])
        z = tf.truncatemod(x, y)
    with pytest.raises(LookupError):
        tape.gradient(z, [x, y])


def test_dynamic_stitch_second_derivative():
    idx = [tf.constant([0, 2]), tf.constant([1, 2])]
    (a, b) = _f64([1.0, 2.0], [3.0, 4.0])
    with tf.GradientTape() as outer:
        outer.watch([a, b])
        with tf.GradientTape() as inner:
            inner.watch([a, b])
            m = tf.dynamic_stitch(idx, [a * a, b * b])  # [a0^2, b0^2, b1^2]
            y = tf.reduce_sum(m * m)  # a0^4 + b0^4 + b1^4 (a1 is overwritten)
        ga, gb = inner.gradient(y, [a, b])
        s = tf.reduce_sum(ga) + tf.reduce_sum(gb)
    ha, hb = outer.gradient(s, [a, b])
    np.testing.assert_allclose(ha.numpy(), [12.0, 0.0])
    np.testing.assert_allclose(hb.numpy(), [108.0, 192.0])
