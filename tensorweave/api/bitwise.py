"""tf.bitwise: re-exports of the public functions of that namespace."""

from tensorweave.ops.binary_ops import (bitwise_and, bitwise_or, bitwise_xor,  # noqa: F401
                                        left_shift, right_shift)
from tensorweave.ops.unary_ops import invert  # noqa: F401
