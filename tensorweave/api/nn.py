"""tf.nn: re-exports of the public functions of that namespace."""

from tensorweave.ops.losses_ops import (softmax_cross_entropy_with_logits,  # noqa: F401
                                        sparse_softmax_cross_entropy_with_logits)
from tensorweave.ops.nn_ops import (bias_add, elu, leaky_relu, log_softmax, relu,  # noqa: F401
                                    relu6, selu, softmax)
