"""Samples for the tf.nn and tf.random ops (the registry-wide infer and gradient checks)."""

import numpy as np

import tensorweave as tf
from tensorweave.ops.random_ops import RngState


def _n(rng, *shape):
    return rng.standard_normal(shape)


def _away(rng, *shape, gap=0.1):
    """Normals kept `gap` away from 0 (kinks of relu-like ops break finite differences)."""
    x = rng.standard_normal(shape)
    return np.where(np.abs(x) < gap, np.sign(x + 1e-12) * (gap + np.abs(x)), x)


def _dist(rng, *shape):
    p = rng.uniform(0.1, 1.0, shape)
    return p / p.sum(axis=-1, keepdims=True)


def _seed():
    return RngState((1, 2))


def _stateless_seed():
    return np.array([3, 4], np.int64)


def _relu6_in(rng, *shape):
    x = rng.uniform(-2, 8, shape)
    return np.where(np.abs(x - 6) < 0.1, 5.5, np.where(np.abs(x) < 0.1, 0.5, x))


SAMPLES = {
    "Relu": [lambda r: ([_away(r, 2, 3)], {})],
    "ReluGrad": [lambda r: ([_n(r, 2, 3), _away(r, 2, 3)], {})],
    "Relu6": [lambda r: ([_relu6_in(r, 3, 4)], {})],
    "Relu6Grad": [lambda r: ([_n(r, 3, 4), _relu6_in(r, 3, 4)], {})],
    "Elu": [lambda r: ([_away(r, 2, 3)], {})],
    "EluGrad": [lambda r: ([_n(r, 2, 3), _away(r, 2, 3)], {})],
    "Selu": [lambda r: ([_away(r, 2, 3)], {})],
    "SeluGrad": [lambda r: ([_n(r, 2, 3), _away(r, 2, 3)], {})],
    "LeakyRelu": [lambda r: ([_away(r, 2, 3)], {"alpha": 0.2})],
    "LeakyReluGrad": [lambda r: ([_n(r, 2, 3), _away(r, 2, 3)], {"alpha": 0.3})],
    "Softmax": [lambda r: ([_n(r, 2, 4)], {"axis": -1}), lambda r: ([_n(r, 3, 2, 2)], {"axis": 0})],
    "LogSoftmax": [lambda r: ([_n(r, 2, 4)], {"axis": -1}),
                   lambda r: ([_n(r, 3, 2)], {"axis": -2})],
    "BiasAdd": [lambda r: ([_n(r, 2, 3, 4), _n(r, 4)], {"data_format": "NHWC"}),
                lambda r: ([_n(r, 2, 3, 2), _n(r, 3)], {"data_format": "NCHW"})],
    "BiasAddGrad": [lambda r: ([_n(r, 2, 3, 4)], {"data_format": "NHWC"}),
                    lambda r: ([_n(r, 2, 3, 2)], {"data_format": "NCHW"})],
    "BiasAddBroadcast": [lambda r: ([_n(r, 4), _n(r, 2, 3, 4)], {"data_format": "NHWC"})],
    "SoftmaxCrossEntropyWithLogits": [lambda r: ([_n(r, 3, 4), _dist(r, 3, 4)], {}),
                                      lambda r: ([_n(r, 2, 2, 3), _dist(r, 2, 2, 3)], {})],
    "SparseSoftmaxCrossEntropyWithLogits": [
        lambda r: ([_n(r, 3, 4), np.array([0, 3, 1], np.int32)], {}),
        lambda r: ([_n(r, 2, 2, 3), np.array([[0, 2], [1, 1]], np.int64)], {})],
    # random ops: infer vs kernel only (stateful ops skip the gradient check)
    "RandomUniform": [lambda r: ([], {"shape": (2, 3), "dtype": tf.float32, "rng": _seed()}),
                      lambda r: ([np.array([2, 5], np.int64)],
                                 {"shape": None, "dtype": tf.float64, "rng": _seed()})],
    "RandomStandardNormal": [lambda r: ([], {"shape": (4,), "dtype": tf.float16, "rng": _seed()})],
    "TruncatedNormal": [lambda r: ([], {"shape": (3, 3), "dtype": tf.float32, "rng": _seed()})],
    "RandomUniformInt": [lambda r: ([np.array(-2, np.int32), np.array(5, np.int32)],
                                    {"shape": (6,), "dtype": tf.int32, "rng": _seed()})],
    "Multinomial": [lambda r: ([_n(r, 2, 3)], {"num_samples": 4, "output_dtype": tf.int64,
                                               "rng": _seed()})],
    "RandomShuffle": [lambda r: ([_n(r, 5, 2)], {"rng": _seed()})],
    "RandomGamma": [lambda r: ([np.array([1.0, 2.5])],
                               {"shape": (3,), "dtype": tf.float32, "rng": _seed()})],
    "RandomPoissonV2": [lambda r: ([np.array([1.0, 4.0])],
                                   {"shape": (2,), "dtype": tf.int64, "rng": _seed()})],
    "StatelessRandomUniform": [
        lambda r: ([_stateless_seed()], {"shape": (2, 3), "dtype": tf.float32}),
        lambda r: ([_stateless_seed(), np.array([3, 1], np.int32)],
                   {"shape": None, "dtype": tf.float64})],
    "StatelessRandomNormal": [lambda r: ([_stateless_seed()], {"shape": (4,), "dtype": tf.float32})],
    "StatelessTruncatedNormal": [
        lambda r: ([_stateless_seed()], {"shape": (2, 2), "dtype": tf.float64})],
    "StatelessRandomUniformInt": [
        lambda r: ([_stateless_seed(), np.array(0, np.int64), np.array(9, np.int64)],
                   {"shape": (5,), "dtype": tf.int64, "endpoint": False})],
    "StatelessMultinomial": [lambda r: ([_n(r, 3, 4), _stateless_seed()],
                                        {"num_samples": 2, "output_dtype": tf.int32})],
    "L2Loss": [lambda r: ([_n(r, 3, 2)], {})],
    "DropoutMask": [lambda r: ([_n(r, 3, 4)], {"rate": 0.3, "noise_shape": None, "rng": _seed()}),
                    lambda r: ([_n(r, 3, 4)], {"rate": 0.5, "noise_shape": (None, 1),
                                               "rng": _seed()})],
    "InTopKV2": [lambda r: ([_n(r, 3, 5), np.array([0, 4, 2], np.int32)], {"k": 2})],
    "LRN": [lambda r: ([_n(r, 1, 2, 2, 5)], {"depth_radius": 2, "bias": 1.0, "alpha": 0.5,
                                             "beta": 0.75})],
    "LRNGrad": [lambda r: ([_n(r, 1, 2, 2, 5), _n(r, 1, 2, 2, 5)],
                           {"depth_radius": 1, "bias": 2.0, "alpha": 0.3, "beta": 0.5})],
}
