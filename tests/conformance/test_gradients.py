"""Gradients against TensorFlow's: the same function of the same float64 inputs differentiated
by both (first derivatives of single ops and composite models, second derivatives, jacobians)."""

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

import tensorweave as tw  # noqa: E402

RNG = np.random.default_rng(0)


def _r(*shape, low=-1.0, high=1.0):
    return RNG.uniform(low, high, shape)


A, B = _r(3, 4), _r(4)  # B broadcasts against A
P = _r(3, 4, low=0.2, high=2.0)  # positive
M, N = _r(3, 5), _r(5, 2)
IMG, FILT = _r(2, 6, 6, 3), _r(3, 3, 3, 4)
LABELS = np.array([1, 0, 3], np.int32)

# name -> (fn(m, *xs) written once against the TensorFlow API, float64 inputs)
CASES = {
    "add_broadcast": (lambda m, a, b: m.add(a, b), [A, B]),
    "sub_broadcast": (lambda m, a, b: a - b, [A, B]),
    "mul_broadcast": (lambda m, a, b: a * b, [A, B]),
    "div_broadcast": (lambda m, a, b: a / b, [A, P[0]]),
    "pow": (lambda m, a, b: m.pow(a, b), [P, A]),
    "maximum": (lambda m, a, b: m.maximum(a, b), [A, B]),
    "minimum": (lambda m, a, b: m.minimum(a, b), [A, B]),
    "squared_difference": (lambda m, a, b: m.math.squared_difference(a, b), [A, B]),
    "atan2": (lambda m, a, b: m.math.atan2(a, b), [A, P]),
    "xlogy": (lambda m, a, b: m.math.xlogy(a, b), [A, P]),
    "exp": (lambda m, a: m.exp(a), [A]),
    "log": (lambda m, a: m.math.log(a), [P]),
    "log1p": (lambda m, a: m.math.log1p(a), [P]),
    "sqrt": (lambda m, a: m.sqrt(a), [P]),
    "rsqrt": (lambda m, a: m.math.rsqrt(a), [P]),
    "tanh": (lambda m, a: m.tanh(a), [A]),
    "sigmoid": (lambda m, a: m.sigmoid(a), [A]),
    "sin_cos": (lambda m, a: m.sin(a) * m.cos(a), [A]),
    "tan": (lambda m, a: m.math.tan(a), [A]),
    "asin_acos_atan": (lambda m, a: m.asin(a * 0.9) + m.acos(a * 0.9) * m.atan(a), [A]),
    "sinh_cosh": (lambda m, a: m.sinh(a) + m.cosh(a), [A]),
    "abs": (lambda m, a: m.abs(a), [A]),
    "square_reciprocal": (lambda m, a: m.square(a) + m.math.reciprocal(a), [P]),
    "erf": (lambda m, a: m.math.erf(a), [A]),
    "lgamma_digamma": (lambda m, a: m.math.lgamma(a) + m.math.digamma(a), [P]),
    "softplus": (lambda m, a: m.nn.softplus(a), [A]),
    "elu_selu": (lambda m, a: m.nn.elu(a) + m.nn.selu(a), [A]),
    "leaky_relu": (lambda m, a: m.nn.leaky_relu(a, 0.3), [A]),
    "relu6": (lambda m, a: m.nn.relu6(a * 8), [A]),
    "gelu": (lambda m, a: m.nn.gelu(a), [A]),
    "softmax": (lambda m, a: m.nn.softmax(a, axis=-1), [A]),
    "log_softmax": (lambda m, a: m.nn.log_softmax(a, axis=0), [A]),
    "matmul": (lambda m, a, b: m.matmul(a, b), [M, N]),
    "matmul_transposed": (lambda m, a, b: m.matmul(a, b, transpose_a=True, transpose_b=True),
                          [M.T.copy(), N.T.copy()]),
    "batch_matmul": (lambda m, a, b: m.matmul(a, b), [_r(2, 3, 4), _r(4, 2)]),
    "einsum": (lambda m, a, b: m.einsum("ij,jk->ik", a, b), [M, N]),
    "reduce_sum_axis": (lambda m, a: m.reduce_sum(a, axis=1, keepdims=True), [A]),
    "reduce_mean": (lambda m, a: m.reduce_mean(a, axis=0), [A]),
    "reduce_max": (lambda m, a: m.reduce_max(a, axis=1), [A]),
    "reduce_prod": (lambda m, a: m.reduce_prod(a, axis=0), [P]),
    "reduce_logsumexp": (lambda m, a: m.reduce_logsumexp(a, axis=1), [A]),
    "reduce_std": (lambda m, a: m.math.reduce_std(a, axis=1), [A]),
    "norm": (lambda m, a: m.linalg.norm(a) + m.math.reduce_euclidean_norm(a, axis=0), [A]),
    "cumsum_cumprod": (lambda m, a: m.cumsum(a, axis=1) + m.math.cumprod(a, axis=0), [P]),
    "reshape_transpose": (lambda m, a: m.transpose(m.reshape(a, [2, 6]) * 2.0), [A]),
    "concat_split": (lambda m, a, b: m.split(m.concat([a, b], 0), [2, 5], 0)[1],
                     [A, _r(4, 4)]),
    "stack_unstack": (lambda m, a: m.stack(m.unstack(a, axis=1)[::-1], axis=0), [A]),
    "slice_strided": (lambda m, a: a[1:, ::2] * a[:2, 1::2], [A]),
    "gather": (lambda m, a: m.gather(a, [2, 0, 2], axis=0), [A]),
    "gather_nd": (lambda m, a: m.gather_nd(a, [[0, 1], [2, 3], [0, 1]]), [A]),
    "tile_pad": (lambda m, a: m.pad(m.tile(a, [2, 1]), [[1, 0], [0, 2]]), [A]),
    "where": (lambda m, a, b: m.where(a > 0, a * b, b), [A, B]),
    "clip_by_value": (lambda m, a: m.clip_by_value(a, -0.5, 0.5), [A]),
    "broadcast_to": (lambda m, b: m.broadcast_to(b, [3, 4]), [B]),
    "segment_sum": (lambda m, a: m.math.unsorted_segment_sum(a, [1, 0, 1], 2), [A]),
    "l2_normalize": (lambda m, a: m.math.l2_normalize(a, axis=1), [A]),
    "conv2d_same": (lambda m, x, w: m.nn.conv2d(x, w, 1, "SAME"), [IMG, FILT]),
    "conv2d_strided_valid": (lambda m, x, w: m.nn.conv2d(x, w, 2, "VALID"), [IMG, FILT]),
    "depthwise_conv2d": (lambda m, x, w: m.nn.depthwise_conv2d(x, w, [1, 1, 1, 1], "SAME"),
                         [IMG, _r(3, 3, 3, 2)]),
    "max_pool": (lambda m, x: m.nn.max_pool2d(x, 2, 2, "VALID"), [IMG]),
    "avg_pool_same": (lambda m, x: m.nn.avg_pool2d(x, 3, 2, "SAME"), [IMG]),
    "bias_add": (lambda m, x, b: m.nn.bias_add(x, b), [IMG, _r(3)]),
    "batch_normalization": (lambda m, x, s: m.nn.batch_normalization(
        x, m.reduce_mean(x, 0), m.math.reduce_variance(x, 0), None, s, 1e-3), [A, _r(4)]),
    "sparse_softmax_xent": (lambda m, logits: m.nn.sparse_softmax_cross_entropy_with_logits(
        labels=LABELS, logits=logits), [A]),
    "softmax_xent": (lambda m, logits, p: m.nn.softmax_cross_entropy_with_logits(
        labels=m.nn.softmax(p), logits=logits), [A, _r(3, 4)]),
    "sigmoid_xent": (lambda m, logits: m.nn.sigmoid_cross_entropy_with_logits(
        labels=np.abs(A), logits=logits), [A]),
    "conv_pool_dense": (lambda m, x, w, d: m.matmul(m.reshape(m.nn.max_pool2d(
        m.nn.relu(m.nn.conv2d(x, w, 1, "VALID")), 2, 2, "VALID"), [2, -1]), d),
        [IMG, FILT, _r(16, 3)]),
    "cond": (lambda m, a: m.cond(m.reduce_sum(a) > -100.0, lambda: m.square(a),
                                 lambda: a), [A]),
    "while_loop": (lambda m, a: m.while_loop(lambda i, x: i < 3,
                                             lambda i, x: (i + 1, m.sin(x) * a),
                                             [m.constant(0), a])[1], [A]),
}


# TensorFlow's float64 gelu gradient uses float32-rounded constants (ours matches the exact
# derivative 0.5 (1 + erf(x / sqrt 2)) + x phi(x) to 1e-15): compare at float32 precision.
# Likewise leaky_relu's alpha is a float32 attribute in TensorFlow (0.3 -> 0.30000001).
RTOL = {"gelu": 1e-6, "leaky_relu": 1e-6}


def _grads(m, fn, xs, weights):
    xs = [m.constant(x) for x in xs]
    with m.GradientTape() as tape:
        tape.watch(xs)
        y = fn(m, *xs)
        loss = m.reduce_sum(y * m.constant(weights(y.shape)))
    return [None if g is None else m.convert_to_tensor(g).numpy()
            for g in tape.gradient(loss, xs)]


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradient_matches_tensorflow(name):
    fn, xs = CASES[name]
    cache = {}

    def weights(shape):  # the same random cotangent for both frameworks
        key = tuple(shape)
        if key not in cache:
            cache[key] = np.random.default_rng(1).standard_normal(key)
        return cache[key]

    expected = _grads(tf, fn, xs, weights)
    got = _grads(tw, fn, xs, weights)
    for k, (g, e) in enumerate(zip(got, expected)):
        assert (g is None) == (e is None), f"{name} input {k}: {g} vs {e}"
        if e is not None:
            np.testing.assert_allclose(g, e, rtol=RTOL.get(name, 1e-9), atol=1e-11,
                                       err_msg=f"{name} input {k}")


SECOND = {
    "tanh_times_x": lambda m, x: m.reduce_sum(m.tanh(x) * x * x),
    "softmax_xent": lambda m, x: m.reduce_sum(m.nn.sparse_softmax_cross_entropy_with_logits(
        labels=LABELS, logits=m.reshape(x, [3, 4]))),
    "logsumexp_sigmoid": lambda m, x: m.reduce_logsumexp(m.sigmoid(x) * 3.0),
    "matmul_quadratic": lambda m, x: m.reduce_sum(m.matmul(m.reshape(x, [3, 4]),
                                                           m.reshape(x, [4, 3])) ** 2),
}


@pytest.mark.parametrize("name", sorted(SECOND))
def test_hessian_matches_tensorflow(name):
    fn = SECOND[name]
    x0 = _r(12)

    def hessian(m):
        x = m.constant(x0)
        with m.GradientTape() as outer:
            outer.watch(x)
            with m.GradientTape() as inner:
                inner.watch(x)
                y = fn(m, x)
            g = inner.gradient(y, x)
        return outer.jacobian(g, x).numpy()

    np.testing.assert_allclose(hessian(tw), hessian(tf), rtol=1e-9, atol=1e-12)


def test_jacobians_match_tensorflow():
    x0, w0 = _r(4, 3), _r(3, 5)

    def run(m):
        x, w = m.constant(x0), m.Variable(w0)
        with m.GradientTape(persistent=True) as tape:
            tape.watch(x)
            y = m.nn.softmax(m.matmul(x, w))
        return (tape.jacobian(y, x).numpy(), tape.jacobian(y, w).numpy(),
                tape.batch_jacobian(y, x).numpy())

    for got, want in zip(run(tw), run(tf)):
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)


def test_forward_accumulator_matches_tensorflow():
    x0, t0 = _r(3, 4), _r(3, 4)

    def run(m):
        x = m.constant(x0)
        with m.autodiff.ForwardAccumulator(x, m.constant(t0)) as acc:
            y = m.reduce_logsumexp(m.tanh(x) * x, axis=1)
        return acc.jvp(y).numpy()

    np.testing.assert_allclose(run(tw), run(tf), rtol=1e-9, atol=1e-12)


def test_clip_by_global_norm_matches_tensorflow():
    ts = [_r(3, 4) * 5, None, _r(2) * 5]

    def run(m):
        clipped, norm = m.clip_by_global_norm([None if t is None else m.constant(t)
                                               for t in ts], 1.5)
        return [None if c is None else c.numpy() for c in clipped], float(norm)

    (got, gn), (want, wn) = run(tw), run(tf)
    assert gn == pytest.approx(wn, rel=1e-12)
    for g, w in zip(got, want):
        assert (g is None) == (w is None)
        if w is not None:
            np.testing.assert_allclose(g, w, rtol=1e-12)
