"""Reductions and scans against NumPy: axes, keepdims, dtypes, empty inputs, integer means,
ties in max/min gradients, zeros in prod gradients, exclusive/reverse scans."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tensorweave as tf
from tensorweave.framework.errors import InvalidArgumentError

X = np.random.default_rng(0).standard_normal((2, 3, 4))

PAIRS = [(tf.reduce_sum, np.sum), (tf.reduce_mean, np.mean), (tf.reduce_max, np.max),
         (tf.reduce_min, np.min), (tf.reduce_prod, np.prod),
         (tf.math.reduce_variance, np.var), (tf.math.reduce_std, np.std),
         (tf.reduce_logsumexp, lambda a, axis, keepdims: np.log(np.sum(
             np.exp(a), axis=axis, keepdims=keepdims))),
         (tf.math.reduce_euclidean_norm, lambda a, axis, keepdims: np.sqrt(np.sum(
             a * a, axis=axis, keepdims=keepdims)))]


@settings(max_examples=25, deadline=None)
@given(axes=st.one_of(st.none(), st.lists(st.integers(-3, 2), min_size=1, max_size=3,
                                          unique_by=lambda a: a % 3)),
       keepdims=st.booleans(), pair=st.sampled_from(PAIRS))
def test_reductions_match_numpy_on_any_axes(axes, keepdims, pair):
    ours, ref = pair
    axis = None if axes is None else tuple(axes)
    out = ours(X, axis=axes, keepdims=keepdims)
    expected = ref(X, axis=axis, keepdims=keepdims)
    assert out.shape == np.shape(expected)
    assert out.dtype is tf.float64
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-10)


def test_reduce_mean_of_integers_truncates_toward_zero():
    assert tf.reduce_mean(tf.constant([1, 2])).numpy() == 1
    assert tf.reduce_mean(tf.constant([-1, -2])).numpy() == -1
    out = tf.reduce_mean(tf.constant([[1, 2], [7, 8]], tf.int8), axis=1)
    assert out.dtype is tf.int8 and out.numpy().tolist() == [1, 7]
    with pytest.raises(InvalidArgumentError):
        tf.reduce_mean(tf.constant([True]))


def test_reduce_mean_keeps_float16_and_sums_it_accurately():
    h = tf.constant(np.full(4096, 0.1, np.float16))
    out = tf.reduce_mean(h)
    assert out.dtype is tf.float16
    assert abs(float(out) - 0.1) < 1e-3


def test_empty_reductions_give_identities():
    e = tf.zeros([0, 3])
    np.testing.assert_array_equal(tf.reduce_max(e, axis=0).numpy(), [-np.inf] * 3)
    np.testing.assert_array_equal(tf.reduce_min(e, axis=0).numpy(), [np.inf] * 3)
    assert tf.reduce_min(tf.constant([], tf.int32)).numpy() == np.iinfo(np.int32).max
    np.testing.assert_array_equal(tf.reduce_prod(e, axis=0).numpy(), [1.0] * 3)
    assert tf.reduce_max(e, axis=1).shape == (0,)
    assert np.isnan(tf.reduce_mean(tf.constant([], tf.float32)).numpy())
    assert tf.reduce_logsumexp(e, axis=0).numpy().tolist() == [-np.inf] * 3


def test_reduce_any_all_need_bools():
    b = tf.constant([[True, False], [True, True]])
    assert tf.reduce_any(b, axis=1).numpy().tolist() == [True, True]
    assert tf.reduce_all(b, axis=1).numpy().tolist() == [False, True]
    with pytest.raises(InvalidArgumentError, match="bool"):
        tf.reduce_any(tf.constant([1]))


def test_argmax_argmin():
    m = tf.constant([[1, 3, 3], [4, 2, 0]])
    out = tf.argmax(m)
    assert out.dtype is tf.int64 and out.numpy().tolist() == [1, 0, 0]
    assert tf.argmax(m, axis=1).numpy().tolist() == [1, 0]  # ties: the first
    assert tf.math.argmin(m, axis=-1, output_type=tf.int32).dtype is tf.int32
    with pytest.raises(InvalidArgumentError):
        tf.argmax(tf.constant(3))
    with pytest.raises(ValueError):
        tf.argmax(m, axis=[0, 1])


def test_max_gradient_is_shared_among_ties():
    x = tf.constant([[1.0, 3.0, 3.0], [2.0, 0.0, 1.0]], tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(tf.reduce_max(x, axis=1))
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [[0, 0.5, 0.5], [1, 0, 0]])


def test_prod_gradient_with_zeros_is_exact():
    x = tf.constant([[0.0, 2.0, 3.0], [0.0, 0.0, 4.0], [1.0, 2.0, 3.0]], tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(tf.reduce_prod(x, axis=1))
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(),
                                  [[6, 0, 0], [0, 0, 0], [6, 3, 2]])
    with tf.GradientTape() as tape:  # over every axis at once (the chain of single axes)
        tape.watch(x)
        y = tf.reduce_prod(x + 1.0)
    np.testing.assert_allclose(tape.gradient(y, x).numpy(),
                               np.prod(x.numpy() + 1) / (x.numpy() + 1), rtol=1e-12)


def test_second_derivative_of_logsumexp():
    x = tf.constant([0.5, -1.0, 2.0], tf.float64)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = tf.reduce_logsumexp(x)
        g = inner.gradient(y, x)
        s = tf.reduce_sum(g * tf.constant([1.0, 0.0, 0.0], tf.float64))
    h = outer.gradient(s, x).numpy()
    p = np.exp(x.numpy()) / np.exp(x.numpy()).sum()
    np.testing.assert_allclose(h, p[0] * (np.eye(3)[0] - p), rtol=1e-10)


def test_variance_of_complex_is_real():
    z = tf.constant([1 + 1j, -1 - 1j], tf.complex64)
    v = tf.math.reduce_variance(z)
    assert v.dtype is tf.float32 and np.isclose(v.numpy(), 2.0)
    with pytest.raises(TypeError):
        tf.math.reduce_variance(tf.constant([1, 2]))


def test_count_nonzero():
    x = tf.constant([[0, 1, 2], [0, 0, 3]])
    out = tf.math.count_nonzero(x)
    assert out.dtype is tf.int64 and out.numpy() == 3
    assert tf.math.count_nonzero(x, axis=1, dtype=tf.int32).numpy().tolist() == [2, 1]
    assert tf.math.count_nonzero(tf.constant(["", "a"])).numpy() == 1


@settings(max_examples=25, deadline=None)
@given(x=hnp.arrays(np.float64, (3, 4), elements=st.floats(-3, 3)),
       axis=st.sampled_from([0, 1, -1]), exclusive=st.booleans(), reverse=st.booleans())
def test_cumsum_and_cumprod_match_numpy(x, axis, exclusive, reverse):
    def ref(fn, identity):
        a = np.flip(x, axis) if reverse else x
        out = fn(a, axis=axis)
        if exclusive:
            out = np.roll(out, 1, axis=axis)
            idx = [slice(None)] * 2
            idx[axis] = 0
            out[tuple(idx)] = identity
        return np.flip(out, axis) if reverse else out

    np.testing.assert_allclose(tf.math.cumsum(x, axis, exclusive, reverse).numpy(),
                               ref(np.cumsum, 0), atol=1e-12)
    np.testing.assert_allclose(tf.math.cumprod(x, axis, exclusive, reverse).numpy(),
                               ref(np.cumprod, 1), atol=1e-12)
    lse = tf.math.cumulative_logsumexp(x, axis, exclusive, reverse).numpy()
    with np.errstate(divide="ignore"):
        np.testing.assert_allclose(lse, np.log(_cum_exp(x, axis, exclusive, reverse)),
                                   atol=1e-12)


def _cum_exp(x, axis, exclusive, reverse):
    e = np.exp(x)
    a = np.flip(e, axis) if reverse else e
    out = np.cumsum(a, axis=axis)
    if exclusive:
        out = np.roll(out, 1, axis=axis)
        idx = [slice(None)] * 2
        idx[axis] = 0
        out[tuple(idx)] = 0
    return np.flip(out, axis) if reverse else out


def test_cumulative_logsumexp_is_stable_for_large_values():
    out = tf.math.cumulative_logsumexp(tf.constant([1000.0, 1000.0]))
    np.testing.assert_allclose(out.numpy(), [1000.0, 1000.0 + np.log(2)])


def test_scans_refuse_scalars_and_bad_axes():
    with pytest.raises(InvalidArgumentError):
        tf.math.cumsum(tf.constant(1.0))
    with pytest.raises(ValueError):
        tf.math.cumsum(tf.constant([1.0]), axis=[0, 1])


def test_bool_tensors_are_refused_by_arithmetic_and_sums():
    b = tf.constant([True, False])
    for fn in (lambda: tf.reduce_sum(b), lambda: b + b, lambda: tf.multiply(b, b), lambda: b - b,
               lambda: tf.reduce_mean(b), lambda: tf.reduce_prod(b), lambda: tf.reduce_max(b)):
        with pytest.raises(InvalidArgumentError):
            fn()
