"""Samples for the convolution and pooling ops (the registry-wide infer and gradient checks)."""

import numpy as np

import tensorweave as tf
from tensorweave.ops import conv_kernels as K


def _n(rng, *shape):
    return rng.standard_normal(shape)


def _distinct(rng, *shape):
    """Values at least 0.1 apart, so no max-pool window has a near tie."""
    size = int(np.prod(shape))
    return (rng.permutation(size) * 0.1 + rng.uniform(0, 0.01, size)).reshape(shape)


def _conv_attrs(strides=(1, 1, 1, 1), padding="VALID", explicit=(), fmt="NHWC",
                dilations=(1, 1, 1, 1)):
    return {"strides": tuple(strides), "padding": padding, "explicit_paddings": tuple(explicit),
            "data_format": fmt, "dilations": tuple(dilations)}


def _sizes(shape):
    return np.array(shape, np.int32)


def _conv(x_shape, w_shape, **kw):
    return lambda r: ([_n(r, *x_shape), _n(r, *w_shape)], _conv_attrs(**kw))


def _bpi(x_shape, w_shape, dy_shape, **kw):
    return lambda r: ([_sizes(x_shape), _n(r, *w_shape), _n(r, *dy_shape)], _conv_attrs(**kw))


def _bpf(x_shape, w_shape, dy_shape, **kw):
    return lambda r: ([_n(r, *x_shape), _sizes(w_shape), _n(r, *dy_shape)], _conv_attrs(**kw))


def _pool_attrs(ksize, strides, padding="VALID", fmt="NHWC"):
    return {"ksize": tuple(ksize), "strides": tuple(strides), "padding": padding,
            "explicit_paddings": (), "data_format": fmt}


def _max_grad_sample(shape, ksize, strides, padding, fmt="NHWC", grad_grad=False):
    def sample(r):
        x = _distinct(r, *shape)
        last = np.moveaxis(x, 1, -1) if fmt.startswith("NC") else x
        sp = (lambda v: v[2:]) if fmt.startswith("NC") else (lambda v: v[1:-1])
        y = K.max_pool(np, last, sp(ksize), sp(strides), padding)
        y = np.moveaxis(y, -1, 1) if fmt.startswith("NC") else y
        g = _n(r, *(x.shape if grad_grad else y.shape))
        return [x, y, g], _pool_attrs(ksize, strides, padding, fmt)
    return sample


def _argmax_attrs(ksize, strides, padding, with_batch, grad=False):
    attrs = {"ksize": tuple(ksize), "strides": tuple(strides), "padding": padding,
             "include_batch_in_index": with_batch}
    if not grad:
        attrs["Targmax"] = tf.int64
    return attrs


def _argmax_grad_sample(shape, k, s, padding, with_batch, grad_grad=False):
    def sample(r):
        x = _distinct(r, *shape)
        y, idx = K.max_pool_argmax(np, x, k, s, padding, with_batch, np.int64)
        g = _n(r, *(x.shape if grad_grad else y.shape))
        return [x, g, idx], _argmax_attrs((1, *k, 1), (1, *s, 1), padding, with_batch, True)
    return sample


_S2 = (1, 2, 2, 1)
_C2 = (1, 1, 2, 2)

SAMPLES = {
    "Conv2D": [
        _conv((2, 5, 5, 2), (3, 3, 2, 3)),
        _conv((1, 5, 6, 2), (3, 2, 2, 2), strides=_S2, padding="SAME"),
        _conv((1, 6, 6, 1), (2, 2, 1, 2), dilations=(1, 2, 2, 1), padding="SAME"),
        _conv((1, 2, 4, 4), (3, 3, 2, 2), fmt="NCHW", padding="EXPLICIT",
              explicit=(0, 0, 0, 0, 1, 2, 0, 1), strides=(1, 1, 1, 2)),
    ],
    "Conv2DBackpropInput": [
        _bpi((2, 5, 5, 2), (3, 3, 2, 3), (2, 3, 3, 3)),
        _bpi((1, 5, 6, 2), (3, 2, 2, 2), (1, 3, 3, 2), strides=_S2, padding="SAME"),
        _bpi((1, 2, 5, 4), (2, 2, 2, 3), (1, 3, 4, 3), fmt="NCHW", dilations=(1, 1, 1, 1)),
    ],
    "Conv2DBackpropFilter": [
        _bpf((2, 5, 5, 2), (3, 3, 2, 3), (2, 3, 3, 3)),
        _bpf((1, 5, 6, 2), (3, 2, 2, 2), (1, 3, 3, 2), strides=_S2, padding="SAME"),
        _bpf((1, 6, 6, 1), (2, 2, 1, 2), (1, 6, 6, 2), dilations=(1, 2, 2, 1), padding="SAME"),
    ],
    "Conv3D": [
        _conv((1, 3, 4, 4, 2), (2, 2, 2, 2, 2), strides=(1, 1, 1, 1, 1),
              dilations=(1, 1, 1, 1, 1)),
        _conv((1, 2, 4, 3, 3), (2, 3, 2, 2, 2), fmt="NCDHW", strides=(1, 1, 1, 2, 2),
              padding="SAME", dilations=(1, 1, 1, 1, 1)),
    ],
    "Conv3DBackpropInputV2": [
        _bpi((1, 3, 4, 4, 2), (2, 2, 2, 2, 2), (1, 2, 3, 3, 2), strides=(1, 1, 1, 1, 1),
             dilations=(1, 1, 1, 1, 1)),
    ],
    "Conv3DBackpropFilterV2": [
        _bpf((1, 3, 4, 4, 2), (2, 2, 2, 2, 2), (1, 2, 2, 2, 2), strides=(1, 1, 2, 2, 1),
             dilations=(1, 1, 1, 1, 1)),
    ],
    "DepthwiseConv2dNative": [
        _conv((2, 5, 5, 2), (3, 3, 2, 2)),
        _conv((1, 5, 4, 3), (2, 2, 3, 1), strides=_S2, padding="SAME"),
        _conv((1, 2, 5, 5), (3, 3, 2, 2), fmt="NCHW", padding="SAME", dilations=(1, 1, 2, 1)),
    ],
    "DepthwiseConv2dNativeBackpropInput": [
        _bpi((2, 5, 5, 2), (3, 3, 2, 2), (2, 3, 3, 4)),
        _bpi((1, 5, 4, 3), (2, 2, 3, 1), (1, 3, 2, 3), strides=_S2, padding="SAME"),
    ],
    "DepthwiseConv2dNativeBackpropFilter": [
        _bpf((2, 5, 5, 2), (3, 3, 2, 2), (2, 3, 3, 4)),
        _bpf((1, 5, 4, 3), (2, 2, 3, 1), (1, 3, 2, 3), strides=_S2, padding="SAME"),
    ],
    "MaxPool": [
        lambda r: ([_distinct(r, 2, 4, 4, 2)], _pool_attrs(_S2, _S2)),
        lambda r: ([_distinct(r, 1, 5, 5, 2)], _pool_attrs((1, 3, 3, 1), _S2, "SAME")),
        lambda r: ([_distinct(r, 1, 2, 5, 4)], _pool_attrs((1, 1, 2, 3), (1, 1, 1, 1), "SAME",
                                                           "NCHW")),
    ],
    "MaxPoolGrad": [
        _max_grad_sample((2, 4, 4, 2), _S2, _S2, "VALID"),
        _max_grad_sample((1, 5, 5, 2), (1, 3, 3, 1), _S2, "SAME"),
    ],
    "MaxPoolGradGrad": [
        _max_grad_sample((2, 4, 4, 2), _S2, _S2, "VALID", grad_grad=True),
        _max_grad_sample((1, 2, 5, 5), _C2[:2] + (3, 3), _C2, "SAME", "NCHW", grad_grad=True),
    ],
    "MaxPoolWithArgmax": [
        lambda r: ([_distinct(r, 2, 4, 4, 2)], _argmax_attrs(_S2, _S2, "VALID", False)),
        lambda r: ([_distinct(r, 2, 5, 5, 2)], _argmax_attrs((1, 3, 3, 1), _S2, "SAME", True)),
    ],
    "MaxPoolGradWithArgmax": [
        _argmax_grad_sample((2, 4, 4, 2), (2, 2), (2, 2), "VALID", False),
        _argmax_grad_sample((2, 5, 5, 2), (3, 3), (1, 1), "SAME", True),
    ],
    "MaxPoolGradGradWithArgmax": [
        _argmax_grad_sample((2, 5, 5, 2), (3, 3), (2, 2), "SAME", False, grad_grad=True),
    ],
    "AvgPool": [
        lambda r: ([_n(r, 2, 4, 4, 2)], _pool_attrs(_S2, _S2)),
        lambda r: ([_n(r, 1, 5, 5, 2)], _pool_attrs((1, 3, 3, 1), _S2, "SAME")),
        lambda r: ([_n(r, 1, 2, 5, 4)], _pool_attrs(_C2, (1, 1, 1, 1), "SAME", "NCHW")),
    ],
    "AvgPoolGrad": [
        lambda r: ([_sizes((2, 4, 4, 2)), _n(r, 2, 2, 2, 2)], _pool_attrs(_S2, _S2)),
        lambda r: ([_sizes((1, 5, 5, 2)), _n(r, 1, 3, 3, 2)],
                   _pool_attrs((1, 3, 3, 1), _S2, "SAME")),
    ],
    "MaxPool3D": [
        lambda r: ([_distinct(r, 1, 4, 4, 4, 2)], _pool_attrs((1, 2, 2, 2, 1), (1, 2, 2, 2, 1))),
        lambda r: ([_distinct(r, 1, 3, 5, 4, 1)], _pool_attrs((1, 2, 3, 2, 1), (1, 1, 2, 2, 1),
                                                              "SAME")),
    ],
    "MaxPool3DGrad": [
        _max_grad_sample((1, 4, 4, 4, 2), (1, 2, 2, 2, 1), (1, 2, 2, 2, 1), "VALID"),
    ],
    "MaxPool3DGradGrad": [
        _max_grad_sample((1, 4, 4, 4, 2), (1, 2, 2, 2, 1), (1, 2, 2, 2, 1), "VALID",
                         grad_grad=True),
    ],
    "AvgPool3D": [
        lambda r: ([_n(r, 1, 4, 4, 4, 2)], _pool_attrs((1, 2, 2, 2, 1), (1, 2, 2, 2, 1))),
        lambda r: ([_n(r, 1, 3, 5, 4, 1)], _pool_attrs((1, 2, 3, 2, 1), (1, 1, 2, 2, 1),
                                                       "SAME")),
    ],
    "AvgPool3DGrad": [
        lambda r: ([_sizes((1, 3, 5, 4, 1)), _n(r, 1, 3, 3, 2, 1)],
                   _pool_attrs((1, 2, 3, 2, 1), (1, 1, 2, 2, 1), "SAME")),
    ],
}

# Perturbing orig_input or orig_output by epsilon breaks the equality that locates each window's
# maximum, so finite differences are meaningless there; test_conv_ops.py checks these gradients.
SKIP_GRADIENT = {
    "MaxPoolGrad": "argmax routing is discontinuous in orig_input/orig_output",
    "MaxPoolGradGrad": "argmax routing is discontinuous in orig_input/orig_output",
    "MaxPool3DGrad": "argmax routing is discontinuous in orig_input/orig_output",
    "MaxPool3DGradGrad": "argmax routing is discontinuous in orig_input/orig_output",
}
