"""Samples for the array ops (array_ops, fill_ops, pad_ops, slicing, gather_ops, ...)."""

import numpy as np

import tensorweave as tf


def _n(rng, *shape):
    return rng.standard_normal(shape)


def _i(*values):
    return np.array(values, dtype=np.int32)


def _ss(begin, end, strides, bm=0, em=0, elm=0, nm=0, sm=0):
    return {"begin": begin, "end": end, "strides": strides, "begin_mask": bm, "end_mask": em,
            "ellipsis_mask": elm, "new_axis_mask": nm, "shrink_axis_mask": sm}


SAMPLES = {
    "Reshape": [lambda r: ([_n(r, 2, 3)], {"shape": (3, 2)}),
                lambda r: ([_n(r, 2, 3, 2)], {"shape": (-1, 4)}),
                lambda r: ([_n(r, 6), _i(2, 3)], {"shape": (None, 3)})],
    "ExpandDims": [lambda r: ([_n(r, 2, 3)], {"axis": 1}),
                   lambda r: ([_n(r, 2, 3)], {"axis": -1})],
    "Squeeze": [lambda r: ([_n(r, 1, 3, 1)], {"axis": None}),
                lambda r: ([_n(r, 1, 3, 1)], {"axis": (-1,)})],
    "ConcatV2": [lambda r: ([_n(r, 2, 3), _n(r, 1, 3)], {"axis": 0}),
                 lambda r: ([_n(r, 2, 1), _n(r, 2, 2), _n(r, 2, 3)], {"axis": -1})],
    "ConcatGrad": [lambda r: ([_n(r, 2, 5), _n(r, 2, 2), _n(r, 2, 3)], {"axis": 1})],
    "Pack": [lambda r: ([_n(r, 2, 3), _n(r, 2, 3)], {"axis": 0}),
             lambda r: ([_n(r, 2), _n(r, 2), _n(r, 2)], {"axis": -1})],
    "Unpack": [lambda r: ([_n(r, 3, 2)], {"num": 3, "axis": 0}),
               lambda r: ([_n(r, 2, 4)], {"num": 4, "axis": 1})],
    "ReverseV2": [lambda r: ([_n(r, 2, 3)], {"axis": (1,)}),
                  lambda r: ([_n(r, 2, 3, 2)], {"axis": (0, 2)})],
    "Tile": [lambda r: ([_n(r, 2, 3)], {"multiples": (2, 1)}),
             lambda r: ([_n(r, 1, 2)], {"multiples": (3, 2)})],
    "TileGrad": [lambda r: ([_n(r, 4, 6), _n(r, 2, 3)], {"multiples": (2, 2)})],
    "BroadcastTo": [lambda r: ([_n(r, 3)], {"shape": (2, 3)}),
                    lambda r: ([_n(r, 2, 1), _i(3, 2, 4)], {"shape": (3, None, 4)})],
    "Shape": [lambda r: ([_n(r, 2, 3)], {"out_type": tf.int32}),
              lambda r: ([_n(r, 4)], {"out_type": tf.int64})],
    "Size": [lambda r: ([_n(r, 2, 3)], {"out_type": tf.int32})],
    "Rank": [lambda r: ([_n(r, 2, 3)], {})],
    "Fill": [lambda r: ([_n(r)], {"shape": (2, 3)}),
             lambda r: ([_n(r), _i(3, 2)], {"shape": (None, 2)})],
    "OneHot": [lambda r: ([_i(0, 2, -1)], {"depth": 3, "on_value": 1.0, "off_value": 0.0,
                                           "axis": -1, "dtype": tf.float32}),
               lambda r: ([_i(1, 0)], {"depth": 4, "on_value": 5, "off_value": -1, "axis": 0,
                                       "dtype": tf.int32})],
    "Range": [lambda r: ([], {"start": 0, "limit": 5, "delta": 1, "dtype": tf.int32}),
              lambda r: ([], {"start": 1.0, "limit": 2.0, "delta": 0.25, "dtype": tf.float32})],
    "SelectV2": [lambda r: ([_n(r, 2, 3) > 0, _n(r, 2, 3), _n(r, 2, 3)], {}),
                 lambda r: ([_n(r, 3) > 0, _n(r, 2, 3), _n(r, 1)], {})],
    "Where": [lambda r: ([_n(r, 3, 4) > 0], {})],
    "StopGradient": [lambda r: ([_n(r, 3)], {})],
    "IdentityN": [lambda r: ([_n(r, 2), _n(r, 3, 1)], {})],
    "PadV2": [lambda r: ([_n(r, 2, 3)], {"paddings": ((1, 0), (2, 1)), "constant_values": 0}),
              lambda r: ([_n(r, 3)], {"paddings": ((1, 2),), "constant_values": 1.5})],
    "PadGrad": [lambda r: ([_n(r, 3, 6), _n(r, 2, 3)], {"paddings": ((1, 0), (2, 1))})],
    "MirrorPad": [lambda r: ([_n(r, 3, 4)], {"paddings": ((1, 2), (2, 1)), "mode": "REFLECT"}),
                  lambda r: ([_n(r, 3, 4)], {"paddings": ((3, 1), (0, 2)),
                                              "mode": "SYMMETRIC"})],
    "MirrorPadGrad": [lambda r: ([_n(r, 6, 7), _n(r, 3, 4)],
                                 {"paddings": ((1, 2), (2, 1)), "mode": "REFLECT"})],
    "StridedSlice": [
        lambda r: ([_n(r, 4, 5)], _ss((1, 0), (3, 5), (1, 2))),
        lambda r: ([_n(r, 4, 5)], _ss((-1, 0), (0, 0), (1, -1), em=2 | 1, bm=2, sm=1)),
        lambda r: ([_n(r, 2, 3, 4)], _ss((0, 0, 1), (0, 0, 3), (1, 1, 1), elm=1, nm=2)),
        lambda r: ([_n(r, 4, 5), _i(1, 0), _i(3, 5), _i(1, 2)], _ss((None, 0), (3, 5), (1, 2))),
    ],
    "StridedSliceGrad": [lambda r: ([_n(r, 2, 3), _n(r, 4, 5)], _ss((1, 0), (3, 5), (1, 2)))],
    "GatherV2": [lambda r: ([_n(r, 4, 3), _i(3, 0, 3)], {"axis": 0, "batch_dims": 0}),
                 lambda r: ([_n(r, 2, 4, 3), _i(1, 1, 0)], {"axis": 1, "batch_dims": 0}),
                 lambda r: ([_n(r, 2, 4, 3), np.array([[0, 3], [2, 2]], np.int32)],
                            {"axis": 1, "batch_dims": 1}),
                 lambda r: ([_n(r, 2, 3, 4, 2), np.array([[1, 0, 1], [3, 3, 0]], np.int32)],
                            {"axis": 2, "batch_dims": 1})],
    "GatherGrad": [lambda r: ([_n(r, 2, 3, 3, 2), np.array([[1, 0, 1], [3, 3, 0]], np.int32),
                               _n(r, 2, 3, 4, 2)], {"axis": 2, "batch_dims": 1})],
    "FlattenRows": [lambda r: ([_n(r, 2, 3, 4), _n(r, 5, 4)], {})],
    "GatherNd": [lambda r: ([_n(r, 3, 4), np.array([[0, 1], [2, 3], [0, 1]], np.int32)], {}),
                 lambda r: ([_n(r, 3, 4), np.array([[2], [0]], np.int32)], {})],
    "ScatterNd": [lambda r: ([np.array([[1], [3], [1]], np.int32), _n(r, 3, 2)],
                             {"shape": (4, 2)}),
                  lambda r: ([np.array([[0, 1]], np.int32), _n(r, 1), _i(2, 2)],
                             {"shape": (None, 2)})],
    "TensorScatterUpdate": [lambda r: ([_n(r, 4, 2), np.array([[1], [3]], np.int32),
                                        _n(r, 2, 2)], {})],
    "TensorScatterAdd": [lambda r: ([_n(r, 4, 2), np.array([[1, 0], [1, 0]], np.int32),
                                     _n(r, 2)], {})],
    "TensorScatterSub": [lambda r: ([_n(r, 4), np.array([[1], [2]], np.int32), _n(r, 2)], {})],
    "TensorScatterMax": [lambda r: ([_n(r, 5), np.array([[1], [2], [4]], np.int32),
                                     _n(r, 3)], {})],
    "TensorScatterMin": [lambda r: ([_n(r, 5), np.array([[0], [2]], np.int32), _n(r, 2)], {})],
    "TensorScatterMinMaxGrad": [lambda r: ([_n(r, 3), np.array([0.0, 2.0, 1.0]),
                                            np.array([[1]], np.int32), np.array([3.0]),
                                            np.array([0.0, 3.0, 1.0])], {})],
}

SKIP_GRADIENT = {
    "StopGradient": "its gradient is None by definition; checked in tests/ops/test_array_ops.py",
}
