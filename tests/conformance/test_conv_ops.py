"""Convolutions and pooling against TensorFlow itself: the same call on the same inputs gives the
same values, dtype and shape, and the same gradients (of sum(y * y) for every float input)."""

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

import tensorweave as tw  # noqa: E402

RNG = np.random.default_rng(0)


def _f(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


X = _f(2, 7, 8, 3)
X_CF = np.ascontiguousarray(np.moveaxis(X, -1, 1))
W = _f(3, 2, 3, 4)
X1 = _f(2, 9, 3)
W1 = _f(3, 3, 4)
X3 = _f(2, 5, 6, 4, 3)
W3 = _f(2, 3, 2, 3, 2)
WT = _f(3, 3, 5, 3)
WD = _f(3, 3, 3, 2)
PW = _f(1, 1, 6, 4)
EXPLICIT = [[0, 0], [1, 2], [0, 3], [0, 0]]

# name -> (fn(m, *inputs), inputs): m is tensorflow or tensorweave
CASES = {
    "conv2d_same": (lambda m, x, w: m.nn.conv2d(x, w, 1, "SAME"), (X, W)),
    "conv2d_valid_strided": (lambda m, x, w: m.nn.conv2d(x, w, [2, 3], "VALID"), (X, W)),
    "conv2d_same_stride2": (lambda m, x, w: m.nn.conv2d(x, w, 2, "SAME"), (X, W)),
    "conv2d_explicit": (lambda m, x, w: m.nn.conv2d(x, w, [1, 2, 1, 1], EXPLICIT), (X, W)),
    "conv1d": (lambda m, x, w: m.nn.conv1d(x, w, 2, "SAME"), (X1, W1)),
    "conv1d_valid": (lambda m, x, w: m.nn.conv1d(x, w, 1, "VALID"), (X1, W1)),
    "conv3d": (lambda m, x, w: m.nn.conv3d(x, w, [1, 2, 1, 2, 1], "SAME"), (X3, W3)),
    "convolution_2d": (lambda m, x, w: m.nn.convolution(x, w, strides=2, padding="SAME"),
                       (X, W)),
    "conv2d_transpose_same": (
        lambda m, x, w: m.nn.conv2d_transpose(x, w, [2, 14, 16, 5], 2, "SAME"), (X, WT)),
    "conv2d_transpose_valid": (
        lambda m, x, w: m.nn.conv2d_transpose(x, w, [2, 15, 17, 5], 2, "VALID"), (X, WT)),
    "conv1d_transpose": (
        lambda m, x, w: m.nn.conv1d_transpose(x, w, [2, 18, 5], 2, "SAME"), (X1, WT[0])),
    "conv3d_transpose": (
        lambda m, x, w: m.nn.conv3d_transpose(x, w, [2, 10, 6, 8, 2], [1, 2, 1, 2, 1], "SAME"),
        (X3, np.ascontiguousarray(W3.transpose(0, 1, 2, 4, 3)))),
    "depthwise": (lambda m, x, w: m.nn.depthwise_conv2d(x, w, [1, 2, 2, 1], "SAME"), (X, WD)),
    "depthwise_valid": (lambda m, x, w: m.nn.depthwise_conv2d(x, w, [1, 1, 1, 1], "VALID"),
                        (X, WD)),
    "separable": (lambda m, x, w, p: m.nn.separable_conv2d(x, w, p, [1, 1, 1, 1], "SAME"),
                  (X, WD, PW)),
    "atrous_conv2d": (lambda m, x, w: m.nn.atrous_conv2d(x, w, 2, "SAME"), (X, W)),
    "atrous_conv2d_transpose": (
        lambda m, x, w: m.nn.atrous_conv2d_transpose(x, w, [2, 7, 8, 5], 2, "SAME"), (X, WT)),
    "max_pool_2_2": (lambda m, x: m.nn.max_pool2d(x, 2, 2, "VALID"), (X,)),
    "max_pool_3_2_same": (lambda m, x: m.nn.max_pool2d(x, 3, 2, "SAME"), (X,)),
    "max_pool_3_1_same": (lambda m, x: m.nn.max_pool2d(x, 3, 1, "SAME"), (X,)),
    "max_pool_rect": (lambda m, x: m.nn.max_pool2d(x, [2, 3], [1, 2], "VALID"), (X,)),
    "avg_pool_2_2": (lambda m, x: m.nn.avg_pool2d(x, 2, 2, "VALID"), (X,)),
    "avg_pool_3_2_same": (lambda m, x: m.nn.avg_pool2d(x, 3, 2, "SAME"), (X,)),
    "avg_pool_rect_same": (lambda m, x: m.nn.avg_pool2d(x, [2, 3], [1, 2], "SAME"), (X,)),
    "max_pool1d": (lambda m, x: m.nn.max_pool1d(x, 3, 2, "SAME"), (X1,)),
    "avg_pool1d": (lambda m, x: m.nn.avg_pool1d(x, 2, 2, "VALID"), (X1,)),
    "max_pool3d": (lambda m, x: m.nn.max_pool3d(x, 2, 2, "VALID"), (X3,)),
    "avg_pool3d": (lambda m, x: m.nn.avg_pool3d(x, 2, [1, 2, 1], "SAME"), (X3,)),
    "max_pool_generic": (lambda m, x: m.nn.max_pool(x, [2, 2], [2, 2], "SAME"), (X,)),
    "pool_avg": (lambda m, x: m.nn.pool(x, [2, 2], "AVG", strides=[2, 2], padding="SAME"),
                 (X,)),
}

# TensorFlow's CPU backprop kernels refuse dilations > 1: values only.
FORWARD_ONLY = {
    "conv2d_dilated": (lambda m, x, w: m.nn.conv2d(x, w, 1, "SAME", dilations=2), (X, W)),
    "conv2d_dilated_valid": (lambda m, x, w: m.nn.conv2d(x, w, 1, "VALID", dilations=[1, 2]),
                             (X, W)),
    "depthwise_dilated": (lambda m, x, w: m.nn.depthwise_conv2d(
        x, w, [1, 1, 1, 1], "VALID", dilations=[2, 2]), (X, WD)),
}


def _run(module, fn, inputs):
    ts = [module.constant(a) for a in inputs]
    with module.GradientTape() as tape:
        for t in ts:
            tape.watch(t)
        y = fn(module, *ts)
        loss = module.reduce_sum(y * y)
    return y, tape.gradient(loss, ts)


@pytest.mark.parametrize("name", sorted(CASES))
def test_values_and_gradients_match_tensorflow(name):
    fn, inputs = CASES[name]
    y_tf, g_tf = _run(tf, fn, inputs)
    y_tw, g_tw = _run(tw, fn, inputs)
    assert y_tw.dtype.name == y_tf.dtype.name
    assert tuple(y_tw.shape) == tuple(y_tf.shape)
    np.testing.assert_allclose(y_tw.numpy(), y_tf.numpy(), rtol=1e-4, atol=1e-4)
    for a, b in zip(g_tw, g_tf):
        scale = max(1.0, float(np.abs(b.numpy()).max()))
        np.testing.assert_allclose(a.numpy() / scale, b.numpy() / scale, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("name", sorted(FORWARD_ONLY))
def test_dilated_values_match_tensorflow(name):
    # TensorFlow's CPU backprop kernels refuse dilations > 1, so only values are compared
    fn, inputs = FORWARD_ONLY[name]
    want = fn(tf, *[tf.constant(a) for a in inputs]).numpy()
    got = fn(tw, *[tw.constant(a) for a in inputs]).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


def test_nchw_matches_nhwc():
    # TensorFlow's CPU kernels do not run NCHW convolutions; ours must agree with NHWC
    y = tw.nn.conv2d(X, W, 2, "SAME").numpy()
    y_cf = tw.nn.conv2d(X_CF, W, 2, "SAME", data_format="NCHW").numpy()
    np.testing.assert_allclose(np.moveaxis(y_cf, 1, -1), y, rtol=1e-5, atol=1e-5)
    p = tw.nn.max_pool2d(X, 3, 2, "SAME").numpy()
    p_cf = tw.nn.max_pool2d(X_CF, 3, 2, "SAME", data_format="NCHW").numpy()
    np.testing.assert_allclose(np.moveaxis(p_cf, 1, -1), p)


def test_max_pool_tie_routing_matches_tensorflow():
    x = np.zeros((1, 4, 5, 2), np.float32)
    for args in [(2, 2, "VALID"), (3, 1, "SAME"), (3, 2, "SAME")]:
        grads = []
        for m in (tf, tw):
            t = m.constant(x)
            with m.GradientTape() as tape:
                tape.watch(t)
                y = m.nn.max_pool2d(t, *args)
            grads.append(tape.gradient(y, t).numpy())
        np.testing.assert_array_equal(grads[1], grads[0])


def test_second_derivatives_match_tensorflow():
    def second(m):
        x, w = m.constant(X[:1]), m.constant(W)
        with m.GradientTape() as outer:
            outer.watch(x)
            with m.GradientTape() as inner:
                inner.watch(w)
                y = m.nn.max_pool2d(m.nn.relu(m.nn.conv2d(x, w, 1, "SAME")), 2, 2, "VALID")
                loss = m.reduce_sum(y * y)
            gw = inner.gradient(loss, w)
            s = m.reduce_sum(gw * gw)
        return outer.gradient(s, x).numpy()

    want, got = second(tf), second(tw)
    np.testing.assert_allclose(got / np.abs(want).max(), want / np.abs(want).max(), atol=1e-4)


def test_errors_match_tensorflow_classes():
    x, w = np.ones((1, 5, 5, 2), np.float32), np.ones((3, 3, 3, 4), np.float32)
    for m in (tf, tw):
        with pytest.raises((ValueError, m.errors.InvalidArgumentError)):
            m.nn.conv2d(x, w, 1, "SAME")
        with pytest.raises((ValueError, m.errors.InvalidArgumentError)):
            m.nn.max_pool2d(x, 2, 2, "FULL")


@pytest.mark.parametrize("padding", ["SAME", "VALID"])
@pytest.mark.parametrize("with_batch", [False, True])
@pytest.mark.parametrize("ksize,strides", [(2, 2), (3, 2), (3, 1)])
def test_max_pool_with_argmax_matches_tensorflow(padding, with_batch, ksize, strides):
    x = X[:, :5, :5].copy()
    x[0, :2, :2, 0] = 0.0  # a tie: the first maximum is the one reported
    results = []
    for m in (tf, tw):
        t = m.constant(x)
        with m.GradientTape() as tape:
            tape.watch(t)
            y, idx = m.nn.max_pool_with_argmax(t, ksize, strides, padding,
                                               include_batch_in_index=with_batch)
            loss = m.reduce_sum(y * y)
        results.append((y.numpy(), idx.numpy(), idx.dtype.name, tape.gradient(loss, t).numpy()))
    (y0, i0, d0, g0), (y1, i1, d1, g1) = results
    np.testing.assert_array_equal(y1, y0)
    np.testing.assert_array_equal(i1, i0)
    assert d1 == d0
    np.testing.assert_allclose(g1, g0, rtol=1e-6)
