"""Convolutions and pooling against naive NumPy references (loops over output positions), for
every padding, stride, dilation and layout; transposes by the adjoint identity; second
derivatives and max-pool gradient routing; argument errors."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tensorweave as tf


# --- references ----------------------------------------------------------------------------------
def same_pads(sizes, ksizes, strides, dilations):
    pads = []
    for n, k, s, d in zip(sizes, ksizes, strides, dilations):
        eff = (k - 1) * d + 1
        out = -(-n // s)
        total = max((out - 1) * s + eff - n, 0)
        pads.append((total // 2, total - total // 2))
    return pads


def resolve_pads(padding, sizes, ksizes, strides, dilations):
    if padding == "SAME":
        return same_pads(sizes, ksizes, strides, dilations)
    if padding == "VALID":
        return [(0, 0)] * len(sizes)
    return [tuple(p) for p in padding]


def ref_conv(x, w, strides, dilations, pads):
    """Channels-last N-d cross-correlation, one output position and tap at a time."""
    xpad = np.pad(x, [(0, 0)] + list(pads) + [(0, 0)])
    ks = w.shape[:-2]
    outs = [(xpad.shape[1 + i] - ((k - 1) * d + 1)) // s + 1
            for i, (k, s, d) in enumerate(zip(ks, strides, dilations))]
    out = np.zeros([x.shape[0]] + outs + [w.shape[-1]])
    for o in np.ndindex(*outs):
        for t in np.ndindex(*ks):
            pos = tuple(oi * s + ti * d for oi, ti, s, d in zip(o, t, strides, dilations))
            out[(slice(None),) + o] += xpad[(slice(None),) + pos] @ w[t]
    return out


def ref_depthwise(x, w, strides, dilations, pads):
    c, m = w.shape[-2:]
    outs = [ref_conv(x[..., i:i + 1], w[..., i:i + 1, :], strides, dilations, pads)
            for i in range(c)]
    return np.concatenate(outs, axis=-1)


def ref_pool(x, ksizes, strides, pads, kind):
    """Max (padding never wins) or mean over in-bounds elements, per window."""
    sizes = x.shape[1:-1]
    outs = [(n + b + a - k) // s + 1 for n, k, s, (b, a) in zip(sizes, ksizes, strides, pads)]
    out = np.zeros([x.shape[0]] + outs + [x.shape[-1]])
    for o in np.ndindex(*outs):
        sl = []
        for oi, k, s, (b, _), n in zip(o, ksizes, strides, pads, sizes):
            start = oi * s - b
            sl.append(slice(max(start, 0), min(start + k, n)))
        win = x[(slice(None),) + tuple(sl)]
        axes = tuple(range(1, 1 + len(sizes)))
        out[(slice(None),) + o] = win.max(axis=axes) if kind == "max" else win.mean(axis=axes)
    return out


def to_first(a):
    return np.moveaxis(a, -1, 1)


def to_last(a):
    return np.moveaxis(a, 1, -1)


RNG = np.random.default_rng(0)


def normal(*shape):
    return RNG.standard_normal(shape)


# --- conv2d ---------------------------------------------------------------------------------------
CONV2D_CASES = list(itertools.product(
    ["SAME", "VALID", [(1, 0), (2, 1)]],  # padding (explicit: spatial pairs)
    [(1, 1), (2, 2), (1, 3)],            # strides
    [(1, 1), (2, 1)],                    # dilations
    ["NHWC", "NCHW"]))


@pytest.mark.parametrize("padding,strides,dilations,fmt", CONV2D_CASES)
def test_conv2d_matches_reference(padding, strides, dilations, fmt):
    x, w = normal(2, 7, 6, 3), normal(3, 2, 3, 4)
    pads = resolve_pads(padding, x.shape[1:3], w.shape[:2], strides, dilations)
    want = ref_conv(x, w, strides, dilations, pads)
    arg_pad = padding if isinstance(padding, str) else [[0, 0]] + [list(p) for p in padding] \
        + [[0, 0]]
    if fmt == "NCHW" and not isinstance(padding, str):
        arg_pad = [[0, 0], [0, 0]] + [list(p) for p in padding]
    xin = to_first(x) if fmt == "NCHW" else x
    got = tf.nn.conv2d(xin, w, strides=list(strides), padding=arg_pad, data_format=fmt,
                       dilations=list(dilations)).numpy()
    if fmt == "NCHW":
        got = to_last(got)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)


def test_conv2d_float32_and_shape():
    x = tf.constant(RNG.random((1, 28, 28, 1)), tf.float32)
    w = tf.constant(RNG.random((3, 3, 1, 32)), tf.float32)
    y = tf.nn.conv2d(x, w, 1, "VALID")
    assert y.dtype == tf.float32 and y.shape == (1, 26, 26, 32)
    want = ref_conv(x.numpy().astype(np.float64), w.numpy().astype(np.float64), (1, 1), (1, 1),
                    [(0, 0)] * 2)
    np.testing.assert_allclose(y.numpy(), want, rtol=1e-5, atol=1e-5)


def test_conv2d_float16_keeps_dtype():
    x = tf.constant(RNG.random((1, 5, 5, 2)), tf.float16)
    w = tf.constant(RNG.random((3, 3, 2, 2)), tf.float16)
    y = tf.nn.conv2d(x, w, 1, "SAME")
    assert y.dtype == tf.float16
    want = ref_conv(x.numpy().astype(np.float64), w.numpy().astype(np.float64), (1, 1), (1, 1),
                    [(1, 1)] * 2)
    np.testing.assert_allclose(y.numpy().astype(np.float64), want, rtol=1e-2, atol=1e-2)


# --- conv1d, conv3d, convolution -----------------------------------------------------------------
@pytest.mark.parametrize("padding,stride,dilation", [("SAME", 1, 1), ("VALID", 2, 1),
                                                     ("SAME", 1, 2), ("VALID", 3, 1)])
@pytest.mark.parametrize("fmt", ["NWC", "NCW"])
def test_conv1d(padding, stride, dilation, fmt):
    x, w = normal(2, 9, 3), normal(3, 3, 2)
    pads = resolve_pads(padding, (9,), (3,), (stride,), (dilation,))
    want = ref_conv(x, w, (stride,), (dilation,), pads)
    xin = to_first(x) if fmt == "NCW" else x
    got = tf.nn.conv1d(xin, w, stride, padding, data_format=fmt, dilations=dilation).numpy()
    np.testing.assert_allclose(to_last(got) if fmt == "NCW" else got, want, atol=1e-10)


@pytest.mark.parametrize("padding,strides", [("SAME", (1, 2, 1)), ("VALID", (2, 1, 1)),
                                             ([(1, 1), (0, 2), (1, 0)], (1, 1, 2))])
@pytest.mark.parametrize("fmt", ["NDHWC", "NCDHW"])
def test_conv3d(padding, strides, fmt):
    x, w = normal(1, 4, 5, 4, 2), normal(2, 3, 2, 2, 3)
    pads = resolve_pads(padding, x.shape[1:4], w.shape[:3], strides, (1, 1, 1))
    want = ref_conv(x, w, strides, (1, 1, 1), pads)
    xin = to_first(x) if fmt == "NCDHW" else x
    if isinstance(padding, str):
        arg = padding
    elif fmt == "NDHWC":
        arg = [[0, 0]] + [list(p) for p in padding] + [[0, 0]]
    else:
        arg = [[0, 0], [0, 0]] + [list(p) for p in padding]
    got = tf.nn.conv3d(xin, w, [1, *strides, 1] if fmt == "NDHWC" else [1, 1, *strides], arg,
                       data_format=fmt).numpy()
    np.testing.assert_allclose(to_last(got) if fmt == "NCDHW" else got, want, atol=1e-10)


def test_convolution_dispatches_on_rank():
    for x, w in [(normal(2, 8, 3), normal(3, 3, 2)), (normal(1, 6, 5, 2), normal(2, 3, 2, 3)),
                 (normal(1, 3, 4, 4, 2), normal(2, 2, 2, 2, 1))]:
        n = x.ndim - 2
        want = ref_conv(x, w, (1,) * n, (1,) * n, [(0, 0)] * n)
        np.testing.assert_allclose(tf.nn.convolution(x, w).numpy(), want, atol=1e-10)
    x, w = normal(1, 7, 7, 2), normal(3, 3, 2, 2)
    want = ref_conv(x, w, (2, 2), (1, 1), same_pads((7, 7), (3, 3), (2, 2), (1, 1)))
    got = tf.nn.convolution(x, w, strides=2, padding="SAME")
    np.testing.assert_allclose(got.numpy(), want, atol=1e-10)


# --- transposes: the adjoint identity <conv(x, w), y> == <x, conv_transpose(y, w)> ----------------
@pytest.mark.parametrize("padding,strides,size", [("SAME", 2, (8, 7)), ("VALID", 2, (9, 7)),
                                                  ("SAME", 1, (5, 6)), ("VALID", 3, (8, 8))])
def test_conv2d_transpose_is_the_adjoint(padding, strides, size):
    x, w = normal(2, *size, 3), normal(3, 3, 3, 4)
    y = tf.nn.conv2d(x, w, strides, padding)
    v = normal(*y.shape)
    xt = tf.nn.conv2d_transpose(v, w, list(x.shape), strides, padding)
    assert xt.shape == x.shape
    np.testing.assert_allclose(np.sum(y.numpy() * v), np.sum(x * xt.numpy()), rtol=1e-10)


def test_conv1d_and_conv3d_transpose_are_adjoints():
    x, w = normal(2, 9, 3), normal(3, 3, 2)
    y = tf.nn.conv1d(x, w, 2, "SAME")
    v = normal(*y.shape)
    xt = tf.nn.conv1d_transpose(v, w, [2, 9, 3], 2, "SAME")
    np.testing.assert_allclose(np.sum(y.numpy() * v), np.sum(x * xt.numpy()), rtol=1e-10)
    x, w = normal(1, 4, 5, 4, 2), normal(2, 2, 2, 2, 3)
    y = tf.nn.conv3d(x, w, [1, 2, 2, 2, 1], "SAME")
    v = normal(*y.shape)
    xt = tf.nn.conv3d_transpose(v, w, [1, 4, 5, 4, 2], [1, 2, 2, 2, 1], "SAME")
    np.testing.assert_allclose(np.sum(y.numpy() * v), np.sum(x * xt.numpy()), rtol=1e-10)


def test_conv2d_backprop_filter_is_the_filter_adjoint():
    x, w = normal(2, 6, 6, 2), normal(3, 3, 2, 3)
    y = tf.nn.conv2d(x, w, 1, "SAME")
    v = normal(*y.shape)
    dw = tf.nn.conv2d_backprop_filter(x, [3, 3, 2, 3], v, [1, 1, 1, 1], "SAME")
    np.testing.assert_allclose(np.sum(y.numpy() * v), np.sum(w * dw.numpy()), rtol=1e-10)


# --- depthwise and separable ---------------------------------------------------------------------
@pytest.mark.parametrize("padding,strides,rate", [("SAME", 1, 1), ("VALID", 2, 1),
                                                  ("SAME", 1, 2)])
def test_depthwise_conv2d(padding, strides, rate):
    x, w = normal(2, 7, 6, 3), normal(3, 2, 3, 2)
    pads = resolve_pads(padding, (7, 6), (3, 2), (strides,) * 2, (rate,) * 2)
    want = ref_depthwise(x, w, (strides,) * 2, (rate,) * 2, pads)
    got = tf.nn.depthwise_conv2d(x, w, [1, strides, strides, 1], padding, dilations=[rate, rate])
    np.testing.assert_allclose(got.numpy(), want, atol=1e-10)
    got = tf.nn.depthwise_conv2d(to_first(x), w, [1, 1, strides, strides], padding,
                                 data_format="NCHW", dilations=[rate, rate])
    np.testing.assert_allclose(to_last(got.numpy()), want, atol=1e-10)


def test_depthwise_backprops_are_adjoints():
    x, w = normal(2, 6, 5, 3), normal(3, 3, 3, 2)
    y = tf.nn.depthwise_conv2d(x, w, [1, 2, 2, 1], "SAME")
    v = normal(*y.shape)
    dx = tf.nn.depthwise_conv2d_backprop_input([2, 6, 5, 3], w, v, [1, 2, 2, 1], "SAME")
    dw = tf.nn.depthwise_conv2d_backprop_filter(x, [3, 3, 3, 2], v, [1, 2, 2, 1], "SAME")
    total = np.sum(y.numpy() * v)
    np.testing.assert_allclose(total, np.sum(x * dx.numpy()), rtol=1e-10)
    np.testing.assert_allclose(total, np.sum(w * dw.numpy()), rtol=1e-10)


def test_separable_conv2d():
    x, dw, pw = normal(1, 6, 6, 2), normal(3, 3, 2, 2), normal(1, 1, 4, 5)
    want = ref_conv(ref_depthwise(x, dw, (1, 1), (1, 1), [(1, 1)] * 2), pw, (1, 1), (1, 1),
                    [(0, 0)] * 2)
    got = tf.nn.separable_conv2d(x, dw, pw, [1, 1, 1, 1], "SAME")
    np.testing.assert_allclose(got.numpy(), want, atol=1e-10)


# --- pooling ---------------------------------------------------------------------------------------
POOL_CASES = list(itertools.product(["SAME", "VALID"], [(2, 2), (3, 3), (2, 3)],
                                    [(2, 2), (1, 1), (1, 2)], ["max", "avg"]))


@pytest.mark.parametrize("padding,ksize,strides,kind", POOL_CASES)
def test_pool2d_matches_reference(padding, ksize, strides, kind):
    x = normal(2, 7, 6, 3)
    pads = resolve_pads(padding, (7, 6), ksize, strides, (1, 1))
    want = ref_pool(x, ksize, strides, pads, kind)
    fn = tf.nn.max_pool2d if kind == "max" else tf.nn.avg_pool2d
    np.testing.assert_allclose(fn(x, list(ksize), list(strides), padding).numpy(), want,
                               atol=1e-12)
    got = fn(to_first(x), [1, 1, *ksize], [1, 1, *strides], padding, data_format="NCHW")
    np.testing.assert_allclose(to_last(got.numpy()), want, atol=1e-12)


@pytest.mark.parametrize("kind", ["max", "avg"])
def test_pool1d_pool3d_and_generic_pool(kind):
    x = normal(2, 9, 3)
    want = ref_pool(x, (3,), (2,), same_pads((9,), (3,), (2,), (1,)), kind)
    fn1 = tf.nn.max_pool1d if kind == "max" else tf.nn.avg_pool1d
    np.testing.assert_allclose(fn1(x, 3, 2, "SAME").numpy(), want, atol=1e-12)
    x3 = normal(1, 4, 5, 6, 2)
    want3 = ref_pool(x3, (2, 2, 3), (2, 1, 3), [(0, 0)] * 3, kind)
    fn3 = tf.nn.max_pool3d if kind == "max" else tf.nn.avg_pool3d
    np.testing.assert_allclose(fn3(x3, [2, 2, 3], [2, 1, 3], "VALID").numpy(), want3,
                               atol=1e-12)
    generic = tf.nn.pool(x3, [2, 2, 3], kind.upper(), strides=[2, 1, 3], padding="VALID")
    np.testing.assert_allclose(generic.numpy(), want3, atol=1e-12)
    fn = tf.nn.max_pool if kind == "max" else tf.nn.avg_pool
    np.testing.assert_allclose(fn(x3, [2, 2, 3], [2, 1, 3], "VALID").numpy(), want3, atol=1e-12)


def test_max_pool_explicit_padding_and_integers():
    x = normal(1, 5, 5, 2)
    want = ref_pool(x, (2, 2), (2, 2), [(1, 0), (0, 1)], "max")
    got = tf.nn.max_pool2d(x, 2, 2, [[0, 0], [1, 0], [0, 1], [0, 0]])
    np.testing.assert_allclose(got.numpy(), want)
    xi = np.arange(16, dtype=np.int32).reshape(1, 4, 4, 1)
    got = tf.nn.max_pool2d(xi, 2, 2, "VALID")
    assert got.dtype == tf.int32
    np.testing.assert_array_equal(got.numpy()[0, ..., 0], [[5, 7], [13, 15]])


def test_max_pool_gradient_goes_to_the_first_maximum():
    x = tf.zeros((1, 4, 4, 1))
    for ksize, strides, padding in [(2, 2, "VALID"), (3, 1, "SAME"), (3, 2, "SAME")]:
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.nn.max_pool2d(x, ksize, strides, padding)
        g = tape.gradient(y, x).numpy()[0, ..., 0]
        # every window is all zeros: its gradient lands on its first in-bounds element
        want = np.zeros((4, 4))
        pads = resolve_pads(padding, (4, 4), (ksize,) * 2, (strides,) * 2, (1, 1))
        n_out = [(4 + b + a - ksize) // strides + 1 for b, a in pads]
        for i, j in np.ndindex(*n_out):
            want[max(i * strides - pads[0][0], 0), max(j * strides - pads[1][0], 0)] += 1
        np.testing.assert_array_equal(g, want)


def test_avg_pool_gradient_spreads_over_in_bounds_elements():
    x = tf.constant(normal(1, 5, 5, 2))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(tf.nn.avg_pool2d(x, 3, 2, "SAME"))
    g = tape.gradient(y, x).numpy()
    # each element receives 1/count from every window it sits in
    counts = np.zeros((5, 5))
    for oi, oj in np.ndindex(3, 3):
        rows = range(max(oi * 2 - 1, 0), min(oi * 2 + 2, 5))
        cols = range(max(oj * 2 - 1, 0), min(oj * 2 + 2, 5))
        for r in rows:
            for c in cols:
                counts[r, c] += 1.0 / (len(rows) * len(cols))
    np.testing.assert_allclose(g[0, ..., 0], counts)
    np.testing.assert_allclose(g[0, ..., 1], counts)


# --- higher derivatives ----------------------------------------------------------------------------
def _numeric_grad(f, x, eps=1e-6):
    g = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        p, m = x.copy(), x.copy()
        p[idx] += eps
        m[idx] -= eps
        g[idx] = (f(p) - f(m)) / (2 * eps)
    return g


@pytest.mark.parametrize("padding,strides", [("SAME", 2), ("VALID", 1)])
def test_conv2d_second_derivative(padding, strides):
    x0, w0, v = normal(1, 5, 5, 2), normal(3, 3, 2, 2), normal(3, 3, 2, 2)

    def grad_w_dot_v(xv):
        x, w = tf.convert_to_tensor(xv), tf.constant(w0)
        with tf.GradientTape() as tape:
            tape.watch(w)
            y = tf.nn.conv2d(x, w, strides, padding)
            loss = tf.reduce_sum(y * y)
        return tape.gradient(loss, w)

    x = tf.constant(x0)
    with tf.GradientTape() as outer:
        outer.watch(x)
        s = tf.reduce_sum(grad_w_dot_v(x) * v)
    got = outer.gradient(s, x).numpy()
    want = _numeric_grad(lambda xv: float(np.sum(grad_w_dot_v(xv).numpy() * v)), x0)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_max_pool_second_derivative_is_a_gather():
    x = tf.constant(RNG.permutation(50).reshape(1, 5, 5, 2).astype(np.float64))
    u = tf.constant(normal(1, 3, 3, 2))
    v = normal(1, 5, 5, 2)
    with tf.GradientTape() as outer:
        outer.watch(u)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = tf.reduce_sum(tf.nn.max_pool2d(x, 3, 2, "SAME") * u)
        g = inner.gradient(y, x)
        s = tf.reduce_sum(g * v)
    got = outer.gradient(s, u).numpy()
    # d/du <MaxPoolGrad(x, y, u), v> = v at each window's maximum
    xv = x.numpy()
    want = np.zeros((1, 3, 3, 2))
    for oi, oj, c in np.ndindex(3, 3, 2):
        rows = slice(max(oi * 2 - 1, 0), min(oi * 2 + 2, 5))
        cols = slice(max(oj * 2 - 1, 0), min(oj * 2 + 2, 5))
        win = xv[0, rows, cols, c]
        r, cc = np.unravel_index(np.argmax(win), win.shape)
        want[0, oi, oj, c] = v[0, rows.start + r, cols.start + cc, c]
    np.testing.assert_allclose(got, want)


# --- shapes in traced functions ------------------------------------------------------------------
def test_shapes_are_inferred_with_unknown_batch():
    @tf.function(input_signature=[tf.TensorSpec([None, 28, 28, 1], tf.float32)])
    def f(x):
        y = tf.nn.conv2d(x, tf.ones((3, 3, 1, 32)), 1, "VALID")
        assert y.shape.as_list() == [None, 26, 26, 32]
        y = tf.nn.max_pool2d(y, 2, 2, "VALID")
        assert y.shape.as_list() == [None, 13, 13, 32]
        y = tf.nn.conv2d(y, tf.ones((3, 3, 32, 4)), 2, "SAME")
        assert y.shape.as_list() == [None, 7, 7, 4]
        return tf.nn.avg_pool2d(y, 3, 2, "SAME")

    out = f(tf.ones((2, 28, 28, 1)))
    assert out.shape == (2, 4, 4, 4)


# --- errors ----------------------------------------------------------------------------------------
def test_bad_arguments():
    x, w = tf.ones((1, 5, 5, 2)), tf.ones((3, 3, 2, 4))
    with pytest.raises(ValueError, match="padding"):
        tf.nn.conv2d(x, w, 1, "FULL")
    with pytest.raises(ValueError, match="strides"):
        tf.nn.conv2d(x, w, [1, 1, 1], "SAME")
    with pytest.raises(ValueError, match="batch and channel"):
        tf.nn.conv2d(x, w, [2, 1, 1, 1], "SAME")
    with pytest.raises(ValueError, match="data_format"):
        tf.nn.conv2d(x, w, 1, "SAME", data_format="NWHC")
    with pytest.raises((ValueError, tf.errors.InvalidArgumentError), match="in_channels|depth"):
        tf.nn.conv2d(x, tf.ones((3, 3, 3, 4)), 1, "SAME")
    with pytest.raises(ValueError, match="rank 4"):
        tf.nn.conv2d(tf.ones((5, 5, 2)), w, 1, "SAME")
    with pytest.raises(TypeError, match="floating"):
        tf.nn.conv2d(tf.ones((1, 5, 5, 2), tf.int32), tf.ones((3, 3, 2, 4), tf.int32), 1, "SAME")
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.nn.conv2d(x, tf.ones((3, 3, 2, 4), tf.float64), 1, "SAME")
    with pytest.raises((ValueError, tf.errors.InvalidArgumentError), match="does not fit"):
        tf.nn.conv2d(tf.ones((1, 2, 2, 2)), w, 1, "VALID")
    with pytest.raises(ValueError, match="pooling_type"):
        tf.nn.pool(x, [2, 2], "MIN")
    with pytest.raises(ValueError, match="explicit padding"):
        tf.nn.avg_pool2d(x, 2, 2, [[0, 0], [1, 1], [1, 1], [0, 0]])


# --- property: random geometries against the reference --------------------------------------------
@settings(max_examples=25, deadline=None)
@given(h=st.integers(1, 7), w_=st.integers(1, 7), kh=st.integers(1, 3), kw=st.integers(1, 3),
       s=st.integers(1, 3), d=st.integers(1, 2), padding=st.sampled_from(["SAME", "VALID"]))
def test_conv2d_property(h, w_, kh, kw, s, d, padding):
    if s > 1 and d > 1:
        d = 1
    if padding == "VALID" and ((kh - 1) * d + 1 > h or (kw - 1) * d + 1 > w_):
        return
    rng = np.random.default_rng(h * 100 + w_)
    x, w = rng.standard_normal((2, h, w_, 2)), rng.standard_normal((kh, kw, 2, 3))
    pads = resolve_pads(padding, (h, w_), (kh, kw), (s, s), (d, d))
    want = ref_conv(x, w, (s, s), (d, d), pads)
    got = tf.nn.conv2d(x, w, s, padding, dilations=d).numpy()
    np.testing.assert_allclose(got, want, atol=1e-10)


def test_leading_batch_dims():
    x, w = normal(2, 3, 6, 5, 2), normal(3, 3, 2, 4)
    want = ref_conv(x.reshape(6, 6, 5, 2), w, (1, 1), (1, 1), [(1, 1)] * 2).reshape(2, 3, 6, 5, 4)
    np.testing.assert_allclose(tf.nn.conv2d(x, w, 1, "SAME").numpy(), want, atol=1e-10)
    x1, w1 = normal(2, 2, 7, 3), normal(2, 3, 2)
    want1 = ref_conv(x1.reshape(4, 7, 3), w1, (1,), (1,), [(0, 0)]).reshape(2, 2, 6, 2)
    np.testing.assert_allclose(tf.nn.conv1d(x1, w1, 1, "VALID").numpy(), want1, atol=1e-10)


def test_transpose_shapes_are_known_in_traces():
    @tf.function(input_signature=[tf.TensorSpec([None, 7, 7, 4], tf.float32)])
    def f(x):
        y = tf.nn.conv2d_transpose(x, tf.ones((3, 3, 2, 4)), [3, 14, 14, 2], 2, "SAME")
        assert y.shape.as_list() == [3, 14, 14, 2]
        return y

    assert f(tf.ones((3, 7, 7, 4))).shape == (3, 14, 14, 2)

    @tf.function(input_signature=[tf.TensorSpec([2, 9, 9, 3], tf.float32)])
    def grad(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.reduce_sum(tf.nn.conv2d(x, tf.ones((3, 3, 3, 2)), 2, "SAME"))
        g = tape.gradient(y, x)
        assert g.shape.as_list() == [2, 9, 9, 3]
        return g

    np.testing.assert_allclose(grad(tf.ones((2, 9, 9, 3))).shape, (2, 9, 9, 3))


def test_large_inputs_are_convolved_in_batch_chunks(monkeypatch):
    from tensorweave.ops import conv_kernels

    x, w = normal(5, 6, 6, 3), normal(3, 3, 3, 2)
    y = tf.nn.conv2d(x, w, 1, "SAME")
    v = normal(*y.shape)
    with tf.GradientTape() as tape:
        xt, wt = tf.constant(x), tf.constant(w)
        tape.watch(wt)
        whole = tape.gradient(tf.reduce_sum(tf.nn.conv2d(xt, wt, 1, "SAME") * v), wt)
    monkeypatch.setattr(conv_kernels, "COLS_BUDGET", 2 * 36 * 27 * 8)  # two samples a chunk
    np.testing.assert_allclose(tf.nn.conv2d(x, w, 1, "SAME").numpy(), y.numpy(), atol=1e-12)
    with tf.GradientTape() as tape:
        tape.watch(wt)
        chunked = tape.gradient(tf.reduce_sum(tf.nn.conv2d(xt, wt, 1, "SAME") * v), wt)
    np.testing.assert_allclose(chunked.numpy(), whole.numpy(), atol=1e-12)


def test_bfloat16_convolution_and_pooling():
    x = tf.cast(tf.constant(RNG.random((1, 5, 5, 2))), tf.bfloat16)
    w = tf.cast(tf.constant(RNG.random((3, 3, 2, 2))), tf.bfloat16)
    y = tf.nn.conv2d(x, w, 1, "SAME")
    assert y.dtype == tf.bfloat16
    xf, wf = (np.asarray(tf.cast(t, tf.float64)) for t in (x, w))
    want = ref_conv(xf, wf, (1, 1), (1, 1), [(1, 1)] * 2)
    np.testing.assert_allclose(np.asarray(tf.cast(y, tf.float64)), want, rtol=2e-2, atol=2e-2)
    p = tf.nn.max_pool2d(x, 3, 2, "SAME")
    assert p.dtype == tf.bfloat16
    want_p = ref_pool(xf, (3, 3), (2, 2), [(1, 1)] * 2, "max")
    np.testing.assert_array_equal(np.asarray(tf.cast(p, tf.float64)), want_p)
