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
