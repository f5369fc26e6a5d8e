"""Elementwise math (unary_ops, binary_ops) against NumPy: values, dtypes, TensorFlow's dtype
refusals and edge cases. Gradients are checked registry-wide (test_registry.py)."""

import math

import numpy as np
import pytest

import tensorweave as tf
from tensorweave.framework.errors import InvalidArgumentError

X = np.array([[-2.5, -0.5, 0.3], [0.5, 1.5, 2.5]], np.float32)
POS = np.array([[0.2, 0.5, 1.0], [1.5, 2.0, 7.0]], np.float32)
UNIT = np.array([[-0.9, -0.3, 0.0], [0.2, 0.5, 0.8]], np.float32)


def _sigmoid(x):
    return 1 / (1 + np.exp(-x.astype(np.float64)))


UNARY = [  # (tensorweave function, NumPy reference, input)
    (tf.abs, np.abs, X), (tf.sign, np.sign, X), (tf.sqrt, np.sqrt, POS),
    (tf.math.rsqrt, lambda v: 1 / np.sqrt(v), POS), (tf.exp, np.exp, X),
    (tf.math.expm1, np.expm1, X), (tf.math.log, np.log, POS), (tf.math.log1p, np.log1p, POS),
    (tf.sigmoid, _sigmoid, X), (tf.tanh, np.tanh, X), (tf.floor, np.floor, X),
    (tf.math.ceil, np.ceil, X), (tf.round, np.round, X), (tf.math.rint, np.rint, X),
    (tf.math.reciprocal, lambda v: 1 / v, POS), (tf.sin, np.sin, X), (tf.cos, np.cos, X),
    (tf.tan, np.tan, UNIT), (tf.asin, np.arcsin, UNIT), (tf.acos, np.arccos, UNIT),
    (tf.atan, np.arctan, X), (tf.sinh, np.sinh, X), (tf.cosh, np.cosh, X),
    (tf.asinh, np.arcsinh, X), (tf.acosh, np.arccosh, POS + 1), (tf.atanh, np.arctanh, UNIT),
    (tf.math.erf, np.vectorize(math.erf), X), (tf.math.erfc, np.vectorize(math.erfc), X),
    (tf.math.lgamma, np.vectorize(math.lgamma), POS),
    (tf.math.softplus, lambda v: np.log1p(np.exp(v.astype(np.float64))), X),
    (tf.math.softsign, lambda v: v / (1 + np.abs(v)), X),
    (tf.math.log_sigmoid, lambda v: np.log(_sigmoid(v)), X),
    (tf.negative, np.negative, X), (tf.square, np.square, X),
]


@pytest.mark.parametrize("fn,ref,x", UNARY, ids=[u[0].__name__ for u in UNARY])
def test_unary_matches_numpy_and_keeps_the_dtype(fn, ref, x):
    for dtype in (np.float32, np.float64):
        out = fn(tf.constant(x.astype(dtype)))
        assert out.dtype is tf.as_dtype(dtype), fn.__name__
        assert out.shape == x.shape
        np.testing.assert_allclose(out.numpy(), ref(x.astype(dtype)), rtol=2e-6, atol=1e-6,
                                   err_msg=fn.__name__)


@pytest.mark.parametrize("fn", [tf.sqrt, tf.exp, tf.math.log, tf.sigmoid, tf.tanh, tf.floor,
                                tf.math.is_nan, tf.math.erf, tf.math.rsqrt, tf.sin,
                                tf.math.reciprocal])
def test_float_only_ops_refuse_integers_like_tensorflow(fn):
    with pytest.raises(InvalidArgumentError, match="not in the list of allowed values"):
        fn(tf.constant([1, 2]))


def test_integer_friendly_unary_ops():
    a = tf.constant([-3, 0, 4], tf.int8)
    assert tf.abs(a).dtype is tf.int8
    np.testing.assert_array_equal(tf.abs(a).numpy(), [3, 0, 4])
    np.testing.assert_array_equal(tf.sign(a).numpy(), [-1, 0, 1])
    np.testing.assert_array_equal(tf.round(a).numpy(), [-3, 0, 4])
    np.testing.assert_array_equal(tf.square(a).numpy(), [9, 0, 16])


def test_round_halves_to_even():
    out = tf.round(tf.constant([0.5, 1.5, 2.5, -0.5, -1.5]))
    np.testing.assert_array_equal(out.numpy(), [0.0, 2.0, 2.0, -0.0, -2.0])


def test_sigmoid_and_softplus_do_not_overflow():
    x = tf.constant([-1000.0, 0.0, 1000.0])
    np.testing.assert_array_equal(tf.sigmoid(x).numpy(), [0.0, 0.5, 1.0])
    np.testing.assert_allclose(tf.math.softplus(x).numpy(), [0.0, math.log(2), 1000.0])
    assert np.isfinite(tf.math.log_sigmoid(x).numpy()).all()


def test_log_and_sqrt_edge_values_are_silent():
    out = tf.math.log(tf.constant([0.0, -1.0]))
    assert out.numpy()[0] == -np.inf and np.isnan(out.numpy()[1])
    assert np.isnan(tf.sqrt(tf.constant(-1.0)).numpy())


def test_complex_abs_sign_real_imag_angle_conj():
    z = tf.constant([3 + 4j, -1 + 0j], tf.complex64)
    a = tf.abs(z)
    assert a.dtype is tf.float32
    np.testing.assert_allclose(a.numpy(), [5.0, 1.0])
    np.testing.assert_allclose(tf.sign(z).numpy(), [0.6 + 0.8j, -1.0])
    assert tf.math.real(z).dtype is tf.float32
    np.testing.assert_allclose(tf.math.imag(z).numpy(), [4.0, 0.0])
    np.testing.assert_allclose(tf.math.angle(z).numpy(), np.angle(z.numpy()), rtol=1e-6)
    np.testing.assert_allclose(tf.math.conj(z).numpy(), [3 - 4j, -1 - 0j])
    c = tf.complex(tf.constant([1.0]), tf.constant([2.0]))
    assert c.dtype is tf.complex64 and c.numpy()[0] == 1 + 2j
    real = tf.constant([-2.0, 3.0])
    np.testing.assert_allclose(tf.math.angle(real).numpy(), [np.pi, 0.0])
    np.testing.assert_array_equal(tf.math.real(real).numpy(), real.numpy())
    np.testing.assert_array_equal(tf.math.imag(real).numpy(), [0.0, 0.0])


def test_complex_abs_gradient():
    z = tf.constant([3 + 4j], tf.complex128)
    with tf.GradientTape() as tape:
        tape.watch(z)
        y = tf.abs(z)
    np.testing.assert_allclose(tape.gradient(y, z).numpy(), [0.6 + 0.8j])


def test_predicates():
    x = tf.constant([1.0, np.nan, np.inf, -np.inf])
    np.testing.assert_array_equal(tf.math.is_nan(x).numpy(), [False, True, False, False])
    np.testing.assert_array_equal(tf.math.is_inf(x).numpy(), [False, False, True, True])
    np.testing.assert_array_equal(tf.math.is_finite(x).numpy(), [True, False, False, False])


def test_special_functions_and_their_gradients():
    x = np.array([0.7, 1.3, 3.0])
    np.testing.assert_allclose(tf.math.digamma(x).numpy(),
                               [-1.2200235537, -0.1691908889, 0.9227843351], rtol=1e-7)
    np.testing.assert_allclose(tf.math.erfinv(tf.math.erf(x * 0.3)).numpy(), x * 0.3, rtol=1e-9)
    np.testing.assert_allclose(tf.math.polygamma(np.array([1.0]), np.array([1.0])).numpy(),
                               [np.pi ** 2 / 6], rtol=1e-9)
    t = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(t)
        y = tf.reduce_sum(tf.math.digamma(t))
    eps = 1e-6
    num = (tf.math.digamma(x + eps).numpy() - tf.math.digamma(x - eps).numpy()) / (2 * eps)
    np.testing.assert_allclose(tape.gradient(y, t).numpy(), num, rtol=1e-5)


BINARY = [
    (tf.maximum, np.maximum), (tf.minimum, np.minimum), (tf.math.squared_difference,
                                                         lambda a, b: (a - b) ** 2),
    (tf.math.atan2, np.arctan2), (tf.math.floordiv, lambda a, b: np.floor(a / b)),
    (tf.math.floormod, np.mod), (tf.truncatemod, np.fmod),
    (tf.truncatediv, lambda a, b: np.trunc(a / b)), (tf.pow, np.power),
    (tf.math.xdivy, lambda a, b: a / b), (tf.math.divide_no_nan, lambda a, b: a / b),
    (tf.math.multiply_no_nan, lambda a, b: a * b), (tf.math.truediv, lambda a, b: a / b),
]


@pytest.mark.parametrize("fn,ref", BINARY, ids=[b[0].__name__ for b in BINARY])
def test_binary_matches_numpy_with_broadcasting(fn, ref):
    a = np.array([[0.5, -1.5, 2.0], [3.0, 1.25, -0.75]], np.float32)
    b = np.array([1.5, 0.75, 1.25], np.float32)
    out = fn(tf.constant(a), tf.constant(b))
    assert out.dtype is tf.float32 and out.shape == (2, 3)
    np.testing.assert_allclose(out.numpy(), ref(a, b), rtol=1e-6, err_msg=fn.__name__)


def test_no_nan_family_zeros():
    x = tf.constant([1.0, np.nan, 0.0])
    zero = tf.constant([0.0, 0.0, 0.0])
    np.testing.assert_array_equal(tf.math.divide_no_nan(x, zero).numpy(), [0, 0, 0])
    np.testing.assert_array_equal(tf.math.multiply_no_nan(tf.constant([np.inf, np.nan, 1.0]),
                                                          zero).numpy(), [0, 0, 0])
    np.testing.assert_array_equal(tf.math.xlogy(zero, zero).numpy(), [0, 0, 0])
    np.testing.assert_array_equal(tf.math.xdivy(zero, zero).numpy(), [0, 0, 0])
    np.testing.assert_allclose(tf.math.xlog1py(tf.constant([2.0]), tf.constant([1.0])).numpy(),
                               [2 * np.log(2)])


def test_maximum_and_minimum_propagate_nan_and_break_ties_to_x():
    nan = tf.constant([np.nan])
    assert np.isnan(tf.maximum(nan, 1.0).numpy()).all()
    assert np.isnan(tf.minimum(1.0, nan).numpy()).all()
    x, y = tf.constant([1.0, 2.0], tf.float64), tf.constant([1.0, 1.0], tf.float64)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([x, y])
        z = tf.maximum(x, y)
    gx, gy = tape.gradient(z, [x, y])
    np.testing.assert_array_equal(gx.numpy(), [1.0, 1.0])
    np.testing.assert_array_equal(gy.numpy(), [0.0, 0.0])


def test_integer_truncation_and_floor_differ_on_negatives():
    x, y = tf.constant([-7, 7, -6]), tf.constant([2, -2, 3])
    np.testing.assert_array_equal(tf.math.floordiv(x, y).numpy(), [-4, -4, -2])
    np.testing.assert_array_equal(tf.truncatediv(x, y).numpy(), [-3, -3, -2])
    np.testing.assert_array_equal(tf.math.floormod(x, y).numpy(), [1, -1, 0])
    np.testing.assert_array_equal(tf.truncatemod(x, y).numpy(), [-1, 1, 0])
    with pytest.raises(InvalidArgumentError, match="division by zero"):
        tf.truncatediv(x, tf.constant([1, 0, 1]))
    with pytest.raises(InvalidArgumentError, match="RealDiv"):  # no integer RealDiv in TF
        tf.realdiv(tf.constant([-7]), tf.constant([2]))


def test_comparisons_and_logical_ops():
    a, b = tf.constant([1.0, 2.0, 3.0]), tf.constant([2.0, 2.0, 2.0])
    for fn, ref in [(tf.equal, np.equal), (tf.not_equal, np.not_equal), (tf.less, np.less),
                    (tf.less_equal, np.less_equal), (tf.greater, np.greater),
                    (tf.greater_equal, np.greater_equal)]:
        out = fn(a, b)
        assert out.dtype is tf.bool
        np.testing.assert_array_equal(out.numpy(), ref(a.numpy(), b.numpy()))
    s = tf.constant(["a", "b"])
    np.testing.assert_array_equal(tf.equal(s, "a").numpy(), [True, False])
    p, q = tf.constant([True, True, False]), tf.constant([True, False, False])
    np.testing.assert_array_equal(tf.logical_and(p, q).numpy(), [True, False, False])
    np.testing.assert_array_equal(tf.logical_or(p, q).numpy(), [True, True, False])
    np.testing.assert_array_equal(tf.math.logical_xor(p, q).numpy(), [False, True, False])
    np.testing.assert_array_equal(tf.logical_not(q).numpy(), [False, True, True])
    with pytest.raises(InvalidArgumentError, match="bool"):
        tf.logical_and(tf.constant([1]), tf.constant([1]))
    with pytest.raises(InvalidArgumentError, match="Incompatible|broadcast|shapes"):
        tf.equal(tf.constant([1, 2]), tf.constant([1, 2, 3]))


def test_bitwise_namespace():
    a, b = tf.constant([12, -8], tf.int32), tf.constant([10, 1], tf.int32)
    np.testing.assert_array_equal(tf.bitwise.bitwise_and(a, b).numpy(), [8, 0])
    np.testing.assert_array_equal(tf.bitwise.bitwise_or(a, b).numpy(), [14, -7])
    np.testing.assert_array_equal(tf.bitwise.bitwise_xor(a, b).numpy(), [6, -7])
    np.testing.assert_array_equal(tf.bitwise.invert(a).numpy(), [-13, 7])
    np.testing.assert_array_equal(tf.bitwise.left_shift(a, b).numpy(), [12 << 10, -16])
    np.testing.assert_array_equal(tf.bitwise.right_shift(a, b).numpy(), [0, -4])
    u = tf.constant([255], tf.uint8)
    assert tf.bitwise.invert(u).numpy()[0] == 0 and tf.bitwise.invert(u).dtype is tf.uint8
    with pytest.raises(InvalidArgumentError):
        tf.bitwise.bitwise_and(tf.constant([1.0]), tf.constant([1.0]))


def test_add_n_accumulate_n_scalar_mul_polyval():
    xs = [tf.constant([1.0, 2.0]), tf.constant([3.0, 4.0]), tf.constant([5.0, 6.0])]
    np.testing.assert_array_equal(tf.add_n(xs).numpy(), [9.0, 12.0])
    np.testing.assert_array_equal(tf.math.accumulate_n(xs).numpy(), [9.0, 12.0])
    assert tf.add_n([xs[0]]) is xs[0]
    with pytest.raises(ValueError):
        tf.add_n([])
    with pytest.raises(TypeError):
        tf.add_n([tf.constant([1]), tf.constant([1.0])])
    np.testing.assert_array_equal(tf.math.scalar_mul(2.0, xs[0]).numpy(), [2.0, 4.0])
    with pytest.raises(ValueError):
        tf.math.scalar_mul(tf.constant([1.0, 2.0]), xs[0])
    x = tf.constant([0.0, 1.0, 2.0])
    np.testing.assert_array_equal(tf.math.polyval([1.0, 2.0, 3.0], x).numpy(),
                                  np.polyval([1, 2, 3], x.numpy()))
    with tf.GradientTape() as tape:
        vs = [tf.Variable([1.0]), tf.Variable([2.0])]
        y = tf.reduce_sum(tf.add_n(vs) * 3.0)
    assert [g.numpy().tolist() for g in tape.gradient(y, vs)] == [[3.0], [3.0]]


def test_float16_keeps_its_dtype():
    h = tf.constant([0.5, 2.0], tf.float16)
    for fn in (tf.exp, tf.sqrt, tf.sigmoid, tf.math.erf, tf.math.softplus, tf.math.lgamma):
        assert fn(h).dtype is tf.float16, fn.__name__
    assert tf.maximum(h, h).dtype is tf.float16


def test_special_function_fallback_without_scipy():
    from tensorweave.ops._special import _NumpyFallback

    fb = _NumpyFallback()
    x = np.array([-2.5, -0.3, 0.2, 0.7, 1.3, 3.0, 12.0])
    np.testing.assert_allclose(fb.digamma(x), [  # SciPy's values
        1.1031566406452433, 2.1133097796353972, -5.289039896592189, -1.2200235536979347,
        -0.16919088886679962, 0.9227843350984671, 2.4426616799758123], rtol=1e-9)
    assert np.isnan(fb.digamma(np.array([-1.0, 0.0]))).all()
    np.testing.assert_allclose(fb.erf(x), [math.erf(v) for v in x])
    np.testing.assert_allclose(fb.gammaln(x[2:]), [math.lgamma(v) for v in x[2:]])


def test_rest_of_tf_math():
    x = np.array([-2.0, -0.5, 0.0, 0.7, 3.0])
    sp = pytest.importorskip("scipy.special")
    for name, ref in [("bessel_i0", sp.i0), ("bessel_i0e", sp.i0e), ("bessel_i1", sp.i1),
                      ("bessel_i1e", sp.i1e)]:
        np.testing.assert_allclose(getattr(tf.math, name)(x).numpy(), ref(x), rtol=1e-12)
    p = np.array([0.1, 0.5, 0.9])
    np.testing.assert_allclose(tf.math.ndtri(p).numpy(), sp.ndtri(p), rtol=1e-10)
    np.testing.assert_allclose(tf.math.erfcinv(p).numpy(), sp.erfcinv(p), rtol=1e-10)
    np.testing.assert_allclose(tf.math.lbeta([[1.0, 2.0, 3.0]]).numpy(),
                               [np.log(sp.beta(1, 5) * sp.beta(2, 3))], rtol=1e-6)
    np.testing.assert_allclose(tf.math.zeta(2.0, [1.0]).numpy(), [np.pi ** 2 / 6], rtol=1e-6)
    assert tf.math.nextafter(1.0, 2.0).numpy() == np.nextafter(np.float32(1), np.float32(2))
    np.testing.assert_array_equal(tf.math.reciprocal_no_nan([0.0, 2.0]).numpy(), [0.0, 0.5])
    assert tf.math.zero_fraction([0, 1, 0, 3]).numpy() == 0.5
    np.testing.assert_array_equal(tf.math.invert_permutation([2, 0, 1]).numpy(), [1, 2, 0])
    with pytest.raises(InvalidArgumentError, match="permutation"):
        tf.math.invert_permutation([0, 0, 1])
    assert bool(tf.math.is_non_decreasing([[1, 1], [2, 3]]))
    assert not bool(tf.math.is_strictly_increasing([1, 1, 2]))
    m = np.random.default_rng(0).standard_normal((3, 5))
    values, indices = tf.math.approx_max_k(m, 2, reduction_dimension=0)
    np.testing.assert_array_equal(values.numpy(), -np.sort(-m, axis=0)[:2])
    np.testing.assert_array_equal(indices.numpy(), np.argsort(-m, axis=0)[:2])
    values, _ = tf.math.approx_min_k(m, 1)
    np.testing.assert_array_equal(values.numpy(), m.min(axis=1, keepdims=True))


def test_bessel_i1_gradient_at_zero_is_one_half():
    # the limit of I1'(x) at 0 (TensorFlow's own rule gives 1 there)
    x = tf.constant([0.0, 0.3], tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(tf.math.bessel_i1(x) + tf.math.bessel_i1e(x))
    sp = pytest.importorskip("scipy.special")
    eps = 1e-6
    x0 = x.numpy()
    num = (sp.i1(x0 + eps) + sp.i1e(x0 + eps) - sp.i1(x0 - eps) - sp.i1e(x0 - eps)) / (2 * eps)
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), num, rtol=1e-6)


def test_zeta_gradient_in_q():
    x, q = tf.constant([2.0, 3.0], tf.float64), tf.constant([1.5, 2.0], tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(q)
        y = tf.reduce_sum(tf.math.zeta(x, q))
    eps = 1e-6
    num = (tf.math.zeta(x, q + eps).numpy() - tf.math.zeta(x, q - eps).numpy()) / (2 * eps)
    np.testing.assert_allclose(tape.gradient(y, q).numpy(), num, rtol=1e-6)


def test_betainc_and_igamma_gradients_by_finite_differences():
    pytest.importorskip("scipy.special")
    a, b = tf.constant([1.5, 2.0], tf.float64), tf.constant([2.5, 0.5], tf.float64)
    x = tf.constant([0.3, 0.6], tf.float64)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([a, x])
        beta = tf.reduce_sum(tf.math.betainc(a, b, x))
        gamma = tf.reduce_sum(tf.math.igamma(a, x))
    eps = 1e-6
    for fn, total, wrt, args in [
            (lambda v: tf.math.betainc(a, b, v), beta, x, None),
            (lambda v: tf.math.igamma(a, v), gamma, x, None),
            (lambda v: tf.math.igamma(v, x), gamma, a, None)]:
        num = (fn(wrt + eps).numpy() - fn(wrt - eps).numpy()) / (2 * eps)
        np.testing.assert_allclose(tape.gradient(total, wrt).numpy(), num, rtol=1e-5)
    assert tape.gradient(beta, a) is None
    np.testing.assert_allclose(tf.math.igammac(a, x).numpy(), 1 - tf.math.igamma(a, x).numpy())


def _program(x, y, ids):
    """A mix of the family's ops, run eagerly and traced."""
    a = tf.maximum(x, y) + tf.sqrt(tf.abs(x)) * tf.sigmoid(y) - x // 2.0 + x % 3.0
    b = tf.reduce_mean(a, axis=1) + tf.reduce_max(a) - tf.math.reduce_std(a)
    c = tf.cast(x > y, tf.float32) * tf.math.cumsum(a, axis=1, exclusive=True)
    s = tf.math.unsorted_segment_sum(a, ids, 3)
    e = tf.einsum("ij,ij->i", a, c)
    v, i = tf.math.top_k(a, 2)
    return [b, c, s, e, v, tf.argmax(a, axis=1), tf.reduce_logsumexp(a, axis=0),
            tf.clip_by_norm(a, 1.0), tf.where(a == tf.reduce_max(a), 1.0, 0.0)]


def test_traced_functions_match_eager_and_infer_partial_shapes():
    rng = np.random.default_rng(3)
    x = tf.constant(rng.standard_normal((3, 4)).astype(np.float32))
    y = tf.constant(rng.standard_normal(4).astype(np.float32))
    ids = tf.constant([0, 2, 0])
    eager = _program(x, y, ids)
    traced = tf.function(_program)(x, y, ids)
    for e, t in zip(eager, traced):
        assert e.dtype is t.dtype and e.shape == t.shape
        np.testing.assert_allclose(t.numpy(), e.numpy(), rtol=1e-6)
    spec = tf.function(_program).get_concrete_function(
        tf.TensorSpec([None, 4], tf.float32), tf.TensorSpec([4], tf.float32),
        tf.TensorSpec([None], tf.int32))
    shapes = [o.shape.as_list() for o in spec.outputs]
    assert shapes[:5] == [[None], [None, 4], [3, 4], [None], [None, 2]]


def test_gradients_inside_a_traced_function():
    def loss(w):
        with tf.GradientTape() as tape:
            tape.watch(w)
            y = tf.reduce_sum(tf.math.softplus(w) * tf.reduce_max(w) + tf.math.xlogy(w, w * w))
        return tape.gradient(y, w)

    w = tf.constant([0.5, 1.5, 2.0], tf.float64)
    np.testing.assert_allclose(tf.function(loss)(w).numpy(), loss(w).numpy(), rtol=1e-12)


def test_dtype_rules_for_unsigned_and_bool_inputs():
    u = tf.constant([1, 2], tf.uint8)
    for fn in (tf.abs, tf.sign, tf.negative, lambda t: -t):
        with pytest.raises(InvalidArgumentError, match="not in the list of allowed values"):
            fn(u)
    assert tf.argmax(tf.constant([False, True])).numpy() == 1
    np.testing.assert_array_equal(tf.math.confusion_matrix([1.0, 2.0], [2.0, 2.0]).numpy(),
                                  [[0, 0, 0], [0, 0, 1], [0, 0, 1]])
