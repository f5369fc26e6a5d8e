"""Samples for the ops declared with the core (math_ops' first ops, Transpose)."""

import numpy as np

import tensorweave as tf


def _n(rng, *shape):
    return rng.standard_normal(shape)


def _pos(rng, *shape):
    return rng.uniform(0.5, 2.0, shape)


SAMPLES = {
    "AddV2": [lambda r: ([_n(r, 2, 3), _n(r, 3)], {}), lambda r: ([_n(r, 1, 3), _n(r, 2, 1)], {})],
    "Sub": [lambda r: ([_n(r, 2, 3), _n(r, 2, 1)], {})],
    "Mul": [lambda r: ([_n(r, 2, 3), _n(r, 3)], {}), lambda r: ([_n(r), _n(r, 4)], {})],
    "RealDiv": [lambda r: ([_n(r, 2, 3), _pos(r, 3)], {})],
    "Neg": [lambda r: ([_n(r, 3)], {})],
    "Square": [lambda r: ([_n(r, 2, 2)], {})],
    "Identity": [lambda r: ([_n(r, 3)], {})],
    "Conj": [lambda r: ([_n(r, 3)], {})],
    "Cast": [lambda r: ([_n(r, 3).astype(np.float32)], {"DstT": tf.float64})],
    "ZerosLike": [lambda r: ([_n(r, 2)], {})],
    "OnesLike": [lambda r: ([_n(r, 2)], {})],
    "BatchMatMulV2": [
        lambda r: ([_n(r, 2, 3), _n(r, 3, 4)], {"transpose_a": False, "transpose_b": False}),
        lambda r: ([_n(r, 3, 2), _n(r, 4, 3)], {"transpose_a": True, "transpose_b": True}),
        lambda r: ([_n(r, 2, 2, 3), _n(r, 3, 2)], {"transpose_a": False, "transpose_b": False}),
        lambda r: ([_n(r, 2, 3), _n(r, 2, 4, 3)], {"transpose_a": False, "transpose_b": True}),
    ],
    "Sum": [lambda r: ([_n(r, 2, 3)], {"axis": (1,), "keepdims": False}),
            lambda r: ([_n(r, 2, 3)], {"axis": None, "keepdims": True}),
            lambda r: ([_n(r, 2, 3, 2)], {"axis": (0, -1), "keepdims": False})],
    "SumToShapeOf": [lambda r: ([_n(r, 2, 3), _n(r, 1, 3)], {}),
                     lambda r: ([_n(r, 4, 2, 3), _n(r, 3)], {})],
    "BroadcastToShapeOf": [lambda r: ([_n(r, 1, 3), _n(r, 2, 3)], {})],
    "ExpandReduced": [lambda r: ([_n(r, 2), _n(r, 2, 3)], {"axis": (1,)})],
    "ReshapeLike": [lambda r: ([_n(r, 6), _n(r, 2, 3)], {})],
    "Pow": [lambda r: ([_pos(r, 2, 3), _n(r, 3)], {})],
    "LogOrZero": [lambda r: ([_n(r, 4)], {})],
    "ReciprocalOrZero": [lambda r: ([_pos(r, 3)], {})],
    "Transpose": [lambda r: ([_n(r, 2, 3, 4)], {"perm": (2, 0, 1)}),
                  lambda r: ([_n(r, 2, 3)], {"perm": None})],
}
