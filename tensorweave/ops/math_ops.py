"""The math family, whole: `from tensorweave.ops.math_ops import *` gives the math names TensorFlow
has at its root (tensorweave/__init__.py does so), `PUBLIC` lists every public math name, and
this module installs the Python operators on Tensor and Variable.

The ops themselves live in math_core (+ - * /, cast, matmul, pow, reduce_sum), binary_ops,
unary_ops, reduction_ops, clip_ops, counting_ops (top_k, bincount, confusion_matrix), einsum_ops
(einsum, tensordot) and special_math (Bessel, zeta, ndtri, approx_max_k, ...). segment_ops builds
on the array ops, so api/math.py exports it rather than this module.
"""

from __future__ import annotations

from tensorweave.ops import (binary_ops, clip_ops, counting_ops, einsum_ops, math_core,
                             reduction_ops, special_math, unary_ops)
from tensorweave.ops.binary_ops import *  # noqa: F401,F403
from tensorweave.ops.clip_ops import *  # noqa: F401,F403
from tensorweave.ops.counting_ops import *  # noqa: F401,F403
from tensorweave.ops.einsum_ops import *  # noqa: F401,F403
from tensorweave.ops.math_core import *  # noqa: F401,F403
from tensorweave.ops.math_core import (_conj, _expand_reduced, _reshape_like,  # noqa: F401
                                       _sum_to_shape_of)
from tensorweave.ops.overloads import install_operators
from tensorweave.ops.reduction_ops import *  # noqa: F401,F403
from tensorweave.ops.special_math import *  # noqa: F401,F403
from tensorweave.ops.unary_ops import *  # noqa: F401,F403

# Every public name of the family (tf.math takes most of them: see api/math.py) ...
PUBLIC = (math_core.__all__ + binary_ops.__all__ + unary_ops.__all__ + reduction_ops.__all__
          + clip_ops.__all__ + counting_ops.__all__ + einsum_ops.__all__ + special_math.__all__)
# ... and the ones TensorFlow also puts at the root (`tf.exp` exists, `tf.log` does not).
__all__ = ["abs", "acos", "acosh", "add", "add_n", "argmax", "argmin", "asin", "asinh", "atan",
           "atan2", "atanh", "cast", "clip_by_global_norm", "clip_by_norm", "clip_by_value",
           "complex", "cos", "cosh", "cumsum", "divide", "einsum", "equal", "exp", "floor",
           "greater", "greater_equal", "histogram_fixed_width", "histogram_fixed_width_bins",
           "identity", "less", "less_equal", "logical_and", "logical_not", "logical_or", "matmul",
           "maximum", "minimum", "multiply", "negative", "not_equal", "ones_like", "pow",
           "realdiv", "reduce_all", "reduce_any", "reduce_logsumexp", "reduce_max", "reduce_mean",
           "reduce_min", "reduce_prod", "reduce_sum", "round", "saturate_cast", "scalar_mul",
           "sigmoid", "sign", "sin", "sinh", "sqrt", "square", "subtract", "tan", "tanh",
           "tensordot", "truediv", "truncatediv", "truncatemod", "zeros_like"]

install_operators()
