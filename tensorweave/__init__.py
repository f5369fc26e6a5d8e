"""tensorweave: TensorFlow 2's programming model and API, lighter and faster.

    import tensorweave as tf
    tf.constant([1, 2]) + 1
"""

from tensorweave.framework import dtypes as _dtypes_module
from tensorweave.framework.constant_op import constant, convert_to_tensor
from tensorweave.framework.context import device_scope as device
from tensorweave.framework.context import executing_eagerly
from tensorweave.framework.dtypes import (DType, as_dtype, bfloat16, bool, complex64, complex128,
                                          double, float16, float32, float64, half, int8, int16,
                                          int32, int64, resource, string, uint8, uint16, uint32,
                                          uint64, variant)
from tensorweave.framework.tensor import Tensor, is_tensor
from tensorweave.framework.tensor_shape import TensorShape
from tensorweave.framework.variables import (Variable, VariableAggregation,
                                             VariableSynchronization)
from tensorweave.ops.math_ops import *  # noqa: F401,F403
from tensorweave.ops.array_ops import *  # noqa: F401,F403
from tensorweave.autodiff.gradient_tape import GradientTape, UnconnectedGradients
from tensorweave.autodiff.custom_gradient import custom_gradient
from tensorweave.util import nest

newaxis = None
__version__ = "0.1.0"
