"""tensorweave: TensorFlow 2's programming model and API, lighter and faster.

    import tensorweave as tf
    tf.constant([1, 2]) + 1

This module only re-exports. `tf.keras` is imported on first use, so `import tensorweave` stays
light (TensorFlow's own import takes seconds; ours, a tenth of one).
"""

import sys as _sys

from tensorweave.framework.constant_op import constant, convert_to_tensor
from tensorweave.framework.context import device_scope as device
from tensorweave.framework.context import executing_eagerly
from tensorweave.framework.dtypes import (DType, as_dtype, bfloat16, bool, complex64, complex128,
                                          double, float16, float32, float64, half, int8, int16,
                                          int32, int64, resource, string, uint8, uint16, uint32,
                                          uint64, variant)
from tensorweave.framework.module import Module
from tensorweave.framework.name_scope import name_scope
from tensorweave.framework.tensor import Tensor, is_tensor
from tensorweave.framework.tensor_shape import TensorShape
from tensorweave.framework.variables import (Variable, VariableAggregation,
                                             VariableSynchronization)
from tensorweave.ops.math_ops import *  # noqa: F401,F403
from tensorweave.ops.array_ops import *  # noqa: F401,F403
from tensorweave.ops.linalg_ops import norm  # noqa: F401 - tf.norm is tf.linalg.norm
from tensorweave.autodiff.gradient_tape import GradientTape, UnconnectedGradients
from tensorweave.autodiff.custom_gradient import custom_gradient
from tensorweave.autodiff.recompute import recompute_grad
from tensorweave.autodiff.symbolic import grad_pass_through, gradients, hessians
from tensorweave.util import nest
from tensorweave.framework.tensor_spec import TensorSpec
from tensorweave.framework.context import init_scope
from tensorweave.graph.function import function
from tensorweave.ops.control_flow_ops import (case, cond, control_dependencies, get_static_value,
                                              group, no_op, switch_case, while_loop)
from tensorweave.ops.control_flow_ops import tuple_ as tuple  # noqa: A001 - TensorFlow's name
from tensorweave.ops.logging_ops import assert_ as Assert
from tensorweave.ops.script_ops import numpy_function, py_function
from tensorweave.ops.functional_ops import foldl, foldr, map_fn, scan
from tensorweave.ops.tensor_array import TensorArray
from tensorweave.ops.logging_ops import print_v2 as print  # noqa: A001 - TensorFlow's name
from tensorweave.graph import autograph
from tensorweave.api import (autodiff, bitwise, debugging, dtypes, errors, experimental, image,
                             io, linalg, math, nn, random, saved_model, signal, sparse, strings,
                             train)
from tensorweave.api import config
from tensorweave import data

newaxis = None
__version__ = "0.1.0"

# `import tensorweave.math` and friends work as in TensorFlow.
for _name in ("autodiff", "bitwise", "config", "data", "debugging", "dtypes", "errors",
              "experimental", "image", "io", "linalg", "math", "nn", "random", "saved_model",
              "signal", "sparse", "strings", "train"):
    _sys.modules[f"{__name__}.{_name}"] = globals()[_name]


def __getattr__(name):
    if name == "keras":
        import tensorweave.keras as keras

        return keras
    raise AttributeError(f"module 'tensorweave' has no attribute {name!r}")
