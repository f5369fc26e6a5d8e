"""Registry samples for the math family (unary_ops, binary_ops, reduction_ops, segment ops, ...).

Inputs stay away from the kinks and poles of each function so that central finite differences
are accurate (e.g. |x| away from 0, acos inside (-1, 1), maximum without ties).
"""

import numpy as np

import tensorweave as tf


def _n(rng, *shape):
    return rng.standard_normal(shape)


def _pos(rng, *shape):
    return rng.uniform(0.5, 2.0, shape)


def _unit(rng, *shape):
    return rng.uniform(-0.8, 0.8, shape)


def _away(rng, *shape):
    """Values at least 0.3 from 0 (and from integers' halves for rounding)."""
    return rng.choice([-1.0, 1.0], shape) * rng.uniform(0.3, 2.0, shape)


def _ints(rng, *shape, low=-9, high=10):
    return rng.integers(low, high, shape).astype(np.int32)


def _nonzero_ints(rng, *shape):
    v = rng.integers(1, 9, shape) * rng.choice([-1, 1], shape)
    return v.astype(np.int32)


def _u(fn):
    """A unary sample: inputs (2, 3) made by `fn`."""
    return [lambda r: ([fn(r, 2, 3)], {})]


def _b(fx, fy):
    """A binary sample, once with equal shapes and once broadcasting."""
    return [lambda r: ([fx(r, 2, 3), fy(r, 2, 3)], {}),
            lambda r: ([fx(r, 2, 1), fy(r, 3)], {})]


def _red(fn=_n):
    return [lambda r: ([fn(r, 2, 3)], {"axis": (1,), "keepdims": False}),
            lambda r: ([fn(r, 2, 3)], {"axis": None, "keepdims": True}),
            lambda r: ([fn(r, 2, 3, 2)], {"axis": (0, -1), "keepdims": False})]


def _scan(fn=_n):
    return [lambda r: ([fn(r, 2, 3)], {"axis": 1, "exclusive": False, "reverse": False}),
            lambda r: ([fn(r, 3, 2)], {"axis": 0, "exclusive": True, "reverse": False}),
            lambda r: ([fn(r, 2, 4)], {"axis": -1, "exclusive": True, "reverse": True})]


def _complex(rng, *shape):
    return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(np.complex128)


SAMPLES = {
    # unary
    "Abs": _u(_away) + [lambda r: ([_ints(r, 4)], {})],
    "ComplexAbs": [lambda r: ([_complex(r, 3)], {})],
    "Sign": _u(_away),
    "Sqrt": _u(_pos), "Rsqrt": _u(_pos), "Exp": _u(_n), "Expm1": _u(_n), "Log": _u(_pos),
    "Log1p": _u(_pos), "Reciprocal": _u(_pos), "Sigmoid": _u(_n), "Tanh": _u(_n),
    "Softplus": _u(_n), "Softsign": _u(_away),
    "Floor": _u(_n), "Ceil": _u(_n), "Round": _u(_n) + [lambda r: ([_ints(r, 3)], {})],
    "Rint": _u(_n),
    "Sin": _u(_n), "Cos": _u(_n), "Tan": _u(_unit), "Asin": _u(_unit), "Acos": _u(_unit),
    "Atan": _u(_n), "Sinh": _u(_n), "Cosh": _u(_n), "Asinh": _u(_n),
    "Acosh": [lambda r: ([r.uniform(1.5, 3.0, (2, 3))], {})], "Atanh": _u(_unit),
    "Erf": _u(_n), "Erfc": _u(_n), "Erfinv": _u(_unit), "Lgamma": _u(_pos), "Digamma": _u(_pos),
    "Polygamma": [lambda r: ([np.ones((2, 3)), _pos(r, 2, 3)], {})],
    "IsNan": [lambda r: ([np.array([1.0, np.nan, np.inf])], {})],
    "IsInf": [lambda r: ([np.array([1.0, np.nan, -np.inf])], {})],
    "IsFinite": [lambda r: ([np.array([1.0, np.nan, np.inf])], {})],
    "LogicalNot": [lambda r: ([np.array([True, False])], {})],
    "Invert": [lambda r: ([_ints(r, 4)], {})],
    "Real": [lambda r: ([_complex(r, 3)], {})],
    "Imag": [lambda r: ([_complex(r, 3)], {})],
    "Angle": [lambda r: ([_complex(r, 3)], {})],
    "Complex": [lambda r: ([_n(r, 2, 3), _n(r, 3)], {"Tout": tf.complex128})],
    # binary
    "Maximum": _b(_n, _n), "Minimum": _b(_n, _n),
    "FloorDiv": [lambda r: ([_ints(r, 2, 3), _nonzero_ints(r, 3)], {}),
                 lambda r: ([_n(r, 2, 3), _away(r, 3)], {})],
    "FloorMod": [lambda r: ([_ints(r, 2, 3), _nonzero_ints(r, 3)], {}),
                 lambda r: ([r.uniform(0.1, 0.9, (2, 3)) + 2 * r.integers(-2, 3, (2, 3)),
                             np.full((3,), 2.0)], {})],
    "TruncateDiv": [lambda r: ([_ints(r, 2, 3), _nonzero_ints(r, 3)], {})],
    "TruncateMod": [lambda r: ([_ints(r, 2, 3), _nonzero_ints(r, 3)], {}),
                    lambda r: ([r.uniform(0.1, 0.9, (2, 3)) + 2 * r.integers(-2, 3, (2, 3)),
                                np.full((3,), 2.0)], {})],
    "SquaredDifference": _b(_n, _n),
    "DivNoNan": _b(_n, _away), "MulNoNan": _b(_n, _away),
    "Xlogy": _b(_n, _pos), "Xlog1py": _b(_n, _pos), "Xdivy": _b(_n, _away),
    "Atan2": _b(_n, _away),
    "Equal": [lambda r: ([_ints(r, 2, 3, low=0, high=3), _ints(r, 3, low=0, high=3)], {})],
    "NotEqual": [lambda r: ([_ints(r, 2, 3, low=0, high=3), _ints(r, 3, low=0, high=3)], {})],
    "Less": _b(_n, _n), "LessEqual": _b(_n, _n), "Greater": _b(_n, _n),
    "GreaterEqual": _b(_n, _n),
    "LogicalAnd": [lambda r: ([r.random((2, 3)) > 0.5, r.random(3) > 0.5], {})],
    "LogicalOr": [lambda r: ([r.random((2, 3)) > 0.5, r.random(3) > 0.5], {})],
    "BitwiseAnd": [lambda r: ([_ints(r, 2, 3), _ints(r, 3)], {})],
    "BitwiseOr": [lambda r: ([_ints(r, 2, 3), _ints(r, 3)], {})],
    "BitwiseXor": [lambda r: ([_ints(r, 2, 3), _ints(r, 3)], {})],
    "LeftShift": [lambda r: ([_ints(r, 2, 3), _ints(r, 3, low=0, high=4)], {})],
    "RightShift": [lambda r: ([_ints(r, 2, 3), _ints(r, 3, low=0, high=4)], {})],
    "AddN": [lambda r: ([_n(r, 2, 3), _n(r, 2, 3), _n(r, 2, 3)], {})],
    # reductions
    "Mean": _red() + [lambda r: ([_ints(r, 2, 3)], {"axis": (1,), "keepdims": False})],
    "Max": _red(), "Min": _red(), "Prod": _red(_away) + [
        lambda r: ([np.array([[0.0, 2.0, 3.0], [0.0, 0.0, 1.5]])], {"axis": (1,),
                                                                   "keepdims": False})],
    "Any": [lambda r: ([r.random((2, 3)) > 0.7], {"axis": (1,), "keepdims": False})],
    "All": [lambda r: ([r.random((2, 3)) > 0.3], {"axis": None, "keepdims": True})],
    "ArgMax": [lambda r: ([_n(r, 2, 3)], {"axis": 1, "output_type": tf.int64})],
    "ArgMin": [lambda r: ([_n(r, 2, 3)], {"axis": 0, "output_type": tf.int32})],
    "ReduceLogSumExp": _red(),
    "EuclideanNorm": _red(_away),
    "ReducedCount": [lambda r: ([_n(r, 2, 3), _n(r, 2)], {})],
    "Cumsum": _scan(), "Cumprod": _scan(_away),
    # an exclusive scan starts at log(0) = -inf: tested in test_reduction_ops instead
    "CumulativeLogsumexp": [
        lambda r: ([_n(r, 2, 3)], {"axis": 1, "exclusive": False, "reverse": False}),
        lambda r: ([_n(r, 3, 2)], {"axis": 0, "exclusive": False, "reverse": True})],
}


def _seg_ids(rng):
    return np.array([0, 0, 2, 2, 3], np.int32)


def _useg_ids(rng):
    return np.array([2, -1, 0, 2, 2], np.int32)


def _seg(kind, fn=_n):
    return [lambda r: ([fn(r, 5, 2), _seg_ids(r)], {})]


def _useg(kind, fn=_n):
    return [lambda r: ([fn(r, 5, 2), _useg_ids(r)], {"num_segments": 4}),
            lambda r: ([fn(r, 2, 3, 2), np.array([[1, 0, 1], [-1, 1, 0]], np.int32)],
                       {"num_segments": 2})]


def _zeros_sometimes(rng, *shape):
    v = _away(rng, *shape)
    v.flat[::3] = 0.0
    return v


SAMPLES.update({
    "SegmentSum": _seg("sum"), "SegmentMean": _seg("mean"), "SegmentMax": _seg("max"),
    "SegmentMin": _seg("min"), "SegmentProd": _seg("prod", _away) + _seg("prod", _zeros_sometimes),
    "UnsortedSegmentSum": _useg("sum"), "UnsortedSegmentMean": _useg("mean"),
    # every segment non-empty: an empty one holds -inf (+inf), which finite differences cannot
    "UnsortedSegmentMax": [lambda r: ([_n(r, 5, 2), np.array([2, -1, 0, 1, 2], np.int32)],
                                      {"num_segments": 3})],
    "UnsortedSegmentMin": [lambda r: ([_n(r, 5, 2), np.array([2, -1, 0, 1, 2], np.int32)],
                                      {"num_segments": 3})],
    "UnsortedSegmentProd": _useg("prod", _away) + _useg("prod", _zeros_sometimes),
    "TopKV2": [lambda r: ([_n(r, 2, 5)], {"k": 3, "index_type": tf.int32}),
               lambda r: ([_n(r, 4)], {"k": 4, "index_type": tf.int64})],
    "TopKGrad": [lambda r: ([_n(r, 2, 2), np.array([[3, 1], [0, 2]], np.int32), _n(r, 2, 4)],
                            {})],
    "GatherLastAxis": [lambda r: ([_n(r, 2, 4), np.array([[3, 1], [0, 2]], np.int32)], {})],
    "Bincount": [lambda r: ([np.array([1, 1, 4, 0], np.int32)],
                            {"minlength": None, "maxlength": None, "dtype": tf.int32,
                             "binary_output": False, "axis": None}),
                 lambda r: ([np.array([[1, 2], [0, 0]], np.int32), _n(r, 2, 2)],
                            {"minlength": 4, "maxlength": None, "dtype": tf.int32,
                             "binary_output": False, "axis": -1})],
    "ConfusionMatrix": [lambda r: ([np.array([0, 1, 2], np.int32), np.array([0, 2, 2], np.int32)],
                                   {"num_classes": 3, "dtype": tf.int32})],
    "Einsum": [lambda r: ([_n(r, 2, 3), _n(r, 3, 4)], {"equation": "ij,jk->ik"}),
               lambda r: ([_n(r, 1, 2, 3), _n(r, 2, 3, 2)], {"equation": "...ij,...jk->...ik"}),
               lambda r: ([_n(r, 2, 3), _n(r, 3), _n(r, 4)], {"equation": "ij,j,k->ik"}),
               lambda r: ([_n(r, 2, 3)], {"equation": "ij->j"}),
               lambda r: ([_n(r, 2, 3), _n(r, 2, 3)], {"equation": "ij,ij"}),
               lambda r: ([_n(r, 2, 3, 3), _n(r, 3)], {"equation": "bii,i->b"})],
    "BesselI0": _u(_n), "BesselI0e": _u(_away), "BesselI1": _u(_n), "BesselI1e": _u(_away),
    "BesselJ0": _u(_n), "BesselJ1": _u(_n), "BesselY0": _u(_pos), "BesselY1": _u(_pos),
    "BesselK0": _u(_pos), "BesselK0e": _u(_pos), "BesselK1": _u(_pos), "BesselK1e": _u(_pos),
    "Dawsn": _u(_n), "Expint": _u(_pos), "Spence": _u(_pos), "FresnelCos": _u(_n),
    "FresnelSin": _u(_n),
    "Igamma": [lambda r: ([_pos(r, 2, 3), _pos(r, 3)], {})],
    "Igammac": [lambda r: ([_pos(r, 2, 3), _pos(r, 3)], {})],
    "IgammaGradA": [lambda r: ([_pos(r, 3), _pos(r, 3)], {})],
    "Betainc": [lambda r: ([_pos(r, 3), _pos(r, 3), r.uniform(0.2, 0.8, (2, 3))], {})],
    "SobolSample": [lambda r: ([], {"dim": 3, "num_results": 4, "skip": 2,
                                    "dtype": tf.float64})],
    "HistogramFixedWidthBins": [lambda r: ([_n(r, 2, 5), np.array([-1.0, 1.0])],
                                           {"nbins": 4, "dtype": tf.int32})],
    "Zeta": [lambda r: ([r.uniform(1.5, 3.0, (2, 3)), _pos(r, 3)], {})],
    "NextAfter": [lambda r: ([_n(r, 2, 3), _n(r, 3)], {})],
    "InvertPermutation": [lambda r: ([r.permutation(5).astype(np.int32)], {})],
    "IsNonDecreasing": [lambda r: ([np.sort(_n(r, 6)).reshape(2, 3)], {})],
    "IsStrictlyIncreasing": [lambda r: ([_n(r, 4)], {})],
})

SKIP_GRADIENT = {
    "Betainc": "TensorFlow defines only the x gradient (none in a, b); test_math_ops checks x",
    "Zeta": "TensorFlow defines only the q gradient (none in x); test_math_ops checks q",
    "Polygamma": "defined only at integer orders, so finite differences in n are NaN; the x "
                 "gradient is checked in test_unary_ops",
}
