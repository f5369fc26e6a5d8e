"""im2col's fast paths against the plain sliding-window view (any strides, dilations, padding,
channel counts and memory layouts)."""

import itertools
import math

import numpy as np
import pytest

from tensorweave.ops import conv_kernels as ck


def reference(x, ksizes, strides, dilations, outs, pads):
    xpad = ck.pad_spatial(np, x, pads)
    view = ck.windows(np, xpad, ksizes, strides, dilations, outs)
    return np.array(view).reshape(x.shape[0] * math.prod(outs), -1)


@pytest.mark.parametrize("c,strides,dilations,padding,layout", itertools.product(
    (1, 3, 4), ((1, 1), (2, 1), (1, 2)), ((1, 1), (1, 2), (2, 1)), ("VALID", "SAME"),
    ("nhwc", "nchw_view")))
def test_im2col_matches_windows(c, strides, dilations, padding, layout):
    rng = np.random.default_rng(0)
    if layout == "nhwc":
        x = rng.standard_normal((2, 7, 6, c)).astype(np.float32)
    else:  # channels moved last as a view (a channels-first input): not contiguous
        x = np.moveaxis(rng.standard_normal((2, c, 7, 6)).astype(np.float32), 1, -1)
    ksizes = (3, 2)
    outs, pads = ck.geometry(x.shape[1:-1], ksizes, strides, dilations, padding)
    got = ck.im2col(np, x, ksizes, strides, dilations, outs, pads)
    np.testing.assert_array_equal(got, reference(x, ksizes, strides, dilations, outs, pads))


def test_filter_grad_in_blocks_matches_one_block(monkeypatch):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((7, 6, 5, 3))
    dy = rng.standard_normal((7, 4, 3, 4))
    args = (x, (3, 3, 3, 4), dy, (1, 1), (1, 1), "VALID")
    monkeypatch.setattr(ck, "FILTER_GRAD_BLOCK", 1 << 30)
    whole = ck.conv_backprop_filter(np, *args)
    monkeypatch.setattr(ck, "FILTER_GRAD_BLOCK", 2 * 12 * 27 * 8)  # two samples a block
    np.testing.assert_allclose(ck.conv_backprop_filter(np, *args), whole, rtol=1e-12)
    # and the definition: dw[i, j, c, o] = sum over n, p, q of x[n, p + i, q + j, c] dy[n, p, q, o]
    want = np.einsum("npqc,npqo->co", x[:, 1:5, 2:5], dy)
    np.testing.assert_allclose(whole[1, 2], want, rtol=1e-10)


@pytest.mark.parametrize("c,strides,padding", [(3, (1, 1), "VALID"), (2, (2, 2), "SAME"),
                                               (5, (1, 2), "SAME")])
def test_input_grad_in_blocks_matches_one_block(c, strides, padding, monkeypatch):
    rng = np.random.default_rng(2)
    w = rng.standard_normal((3, 3, c, 4))
    outs, _ = ck.geometry((7, 6), (3, 3), strides, (1, 1), padding)
    dy = rng.standard_normal((5,) + tuple(outs) + (4,))
    args = ((7, 6), w, dy, strides, (1, 1), padding)
    monkeypatch.setattr(ck, "INPUT_GRAD_BLOCK", 1 << 30)
    whole = ck.conv_backprop_input(np, *args)
    monkeypatch.setattr(ck, "INPUT_GRAD_BLOCK", 1)  # one sample a block
    np.testing.assert_allclose(ck.conv_backprop_input(np, *args), whole, rtol=1e-12)
    # and the adjoint identity: <conv(x, w), dy> == <x, input_grad(dy)>
    x = rng.standard_normal((5, 7, 6, c))
    lhs = np.vdot(ck.conv(np, x, w, strides, (1, 1), padding), dy)
    np.testing.assert_allclose(lhs, np.vdot(x, whole), rtol=1e-10)


@pytest.mark.parametrize("ksizes,strides,padding", [((2, 2), (2, 2), "VALID"),
                                                    ((3, 3), (2, 2), "SAME")])
def test_max_pool_grad_in_blocks_matches_one_block(ksizes, strides, padding, monkeypatch):
    rng = np.random.default_rng(3)
    x = np.maximum(rng.standard_normal((7, 6, 5, 3)), 0.0)  # zeros: ties in many windows
    y = ck.max_pool(np, x, ksizes, strides, padding)
    dy = rng.standard_normal(y.shape)
    args = (x, y, dy, ksizes, strides, padding)
    monkeypatch.setattr(ck, "POOL_GRAD_BLOCK", 1 << 30)
    whole = ck.max_pool_grad(np, *args)
    monkeypatch.setattr(ck, "POOL_GRAD_BLOCK", 2 * x[0].nbytes)  # blocks of two samples
    np.testing.assert_array_equal(ck.max_pool_grad(np, *args), whole)
    # each window's dy lands once, on its maximum
    np.testing.assert_allclose(whole.sum(), dy.sum(), rtol=1e-12)
