import numpy as np
import pytest

import tensorweave as tf

RNG = np.random.default_rng(0)


def _spd(n=3, batch=()):
    m = RNG.standard_normal(batch + (n, n))
    return m @ np.swapaxes(m, -1, -2) + n * np.eye(n)


def test_forward_against_numpy():
    a = RNG.standard_normal((2, 3, 3)) + 4 * np.eye(3)
    b = RNG.standard_normal((2, 3, 2))
    np.testing.assert_allclose(tf.linalg.inv(a).numpy(), np.linalg.inv(a))
    np.testing.assert_allclose(tf.linalg.det(a).numpy(), np.linalg.det(a))
    sign, logabs = tf.linalg.slogdet(a)
    np.testing.assert_allclose(logabs.numpy(), np.linalg.slogdet(a)[1])
    np.testing.assert_allclose(tf.linalg.solve(a, b).numpy(), np.linalg.solve(a, b))
    s = _spd()
    np.testing.assert_allclose(tf.linalg.cholesky(s).numpy(), np.linalg.cholesky(s))
    np.testing.assert_allclose(tf.linalg.trace(a).numpy(), np.trace(a, axis1=1, axis2=2))
    np.testing.assert_allclose(tf.linalg.band_part(a, 0, 0).numpy(),
                               a * np.eye(3))
    np.testing.assert_allclose(tf.linalg.diag(np.arange(3.0)).numpy(), np.diag(np.arange(3.0)))


def test_triangular_solve_uses_only_its_triangle():
    a = RNG.standard_normal((3, 3)) + 4 * np.eye(3)
    b = RNG.standard_normal((3, 2))
    x = tf.linalg.triangular_solve(a, b, lower=True).numpy()
    np.testing.assert_allclose(np.tril(a) @ x, b, atol=1e-12)
    x = tf.linalg.triangular_solve(a, b, lower=False, adjoint=True).numpy()
    np.testing.assert_allclose(np.triu(a).T @ x, b, atol=1e-12)


def test_decompositions_reconstruct():
    a = RNG.standard_normal((4, 3))
    q, r = tf.linalg.qr(a)
    np.testing.assert_allclose((q @ r).numpy(), a, atol=1e-12)
    s, u, v = tf.linalg.svd(a)
    np.testing.assert_allclose((u.numpy() * s.numpy()) @ v.numpy().T, a, atol=1e-12)
    e, vecs = tf.linalg.eigh(_spd())
    assert np.all(np.diff(e.numpy()) > 0)
    np.testing.assert_allclose(tf.linalg.norm(a).numpy(), np.linalg.norm(a))
    np.testing.assert_allclose(tf.linalg.norm(a, ord=1, axis=[0, 1]).numpy(),
                               np.linalg.norm(a, 1))
    np.testing.assert_allclose(tf.linalg.pinv(a).numpy(), np.linalg.pinv(a), atol=1e-10)


def _numeric_grad(f, x, eps=1e-6):
    g = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        p, m = x.copy(), x.copy()
        p[idx] += eps
        m[idx] -= eps
        g[idx] = (f(p) - f(m)) / (2 * eps)
    return g


@pytest.mark.parametrize("fn", [
    lambda x: tf.reduce_sum(tf.linalg.cholesky(x) * np.arange(9.0).reshape(3, 3)),
    lambda x: tf.reduce_sum(tf.linalg.eigh(x)[0] * np.array([1.0, 2.0, 3.0])),
    lambda x: tf.reduce_sum(tf.abs(tf.linalg.eigh(x)[1][:, 0])),
])
def test_symmetric_input_gradients(fn):
    x0 = _spd()

    def sym(x):
        return (x + tf.transpose(x)) / 2.0

    def value(x):
        return float(fn(sym(tf.constant(x))))

    x = tf.constant(x0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = fn(sym(x))
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), _numeric_grad(value, x0),
                               rtol=1e-4, atol=1e-6)
