"""tf.math: re-exports of the public functions of that namespace."""

from tensorweave.ops.math_ops import (  # noqa: F401
    abs, accumulate_n, acos, acosh, add, add_n, angle, argmax, argmin, asin, asinh, atan,
    atan2, atanh, ceil, conj, cos, cosh, count_nonzero, cumprod, cumsum, cumulative_logsumexp,
    digamma, divide, divide_no_nan, equal, erf, erfc, erfinv, exp, expm1, floor, floordiv,
    floormod, greater, greater_equal, imag, is_finite, is_inf, is_nan, less, less_equal,
    lgamma, log, log1p, log_sigmoid, logical_and, logical_not, logical_or, logical_xor,
    maximum, minimum, mod, multiply, multiply_no_nan, negative, not_equal, polygamma, polyval,
    pow, real, reciprocal, reduce_all, reduce_any, reduce_euclidean_norm, reduce_logsumexp,
    reduce_max, reduce_mean, reduce_min, reduce_prod, reduce_std, reduce_sum, reduce_variance,
    rint, round, rsqrt, scalar_mul, sigmoid, sign, sin, sinh, softplus, softsign, sqrt, square,
    squared_difference, subtract, tan, tanh, truediv, xdivy, xlog1py, xlogy)
from tensorweave.ops.nn_impl import in_top_k, l2_normalize  # noqa: F401
from tensorweave.ops.nn_ops import log_softmax, softmax  # noqa: F401
from tensorweave.ops.math_ops import bincount, confusion_matrix, top_k  # noqa: F401
from tensorweave.ops.segment_ops import (segment_max, segment_mean, segment_min,  # noqa: F401
                                         segment_prod, segment_sum, unsorted_segment_max,
                                         unsorted_segment_mean, unsorted_segment_min,
                                         unsorted_segment_prod, unsorted_segment_sqrt_n,
                                         unsorted_segment_sum)
from tensorweave.ops.math_ops import (approx_max_k, approx_min_k, bessel_i0,  # noqa: F401
                                      bessel_i0e, bessel_i1, bessel_i1e, erfcinv,
                                      invert_permutation, is_non_decreasing,
                                      is_strictly_increasing, lbeta, ndtri, nextafter,
                                      reciprocal_no_nan, zero_fraction, zeta, igamma, igammac,
                                      betainc, sobol_sample)
from tensorweave.api import math_special as special  # noqa: F401,E402
