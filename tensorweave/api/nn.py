"""tf.nn: re-exports of the public functions of that namespace."""

from tensorweave.ops.losses_ops import (softmax_cross_entropy_with_logits,  # noqa: F401
                                        sparse_softmax_cross_entropy_with_logits)
from tensorweave.ops.nn_impl import (batch_normalization, compute_average_loss,  # noqa: F401
                                     dropout, fused_batch_norm, gelu, in_top_k, l2_loss,
                                     l2_normalize, local_response_normalization, log_poisson_loss,
                                     lrn, moments, normalize_moments, scale_regularization_loss,
                                     sigmoid_cross_entropy_with_logits, silu, swish,
                                     weighted_cross_entropy_with_logits)
from tensorweave.ops.nn_ops import (bias_add, elu, leaky_relu, log_softmax, relu,  # noqa: F401
                                    relu6, selu, softmax)
from tensorweave.ops.gather_ops import embedding_lookup  # noqa: F401
from tensorweave.ops.conv_ops import (atrous_conv2d, atrous_conv2d_transpose,  # noqa: F401
                                      conv1d, conv1d_transpose, conv2d,
                                      conv2d_backprop_filter, conv2d_backprop_input,
                                      conv2d_transpose, conv3d, conv3d_transpose, convolution,
                                      depthwise_conv2d, depthwise_conv2d_backprop_filter,
                                      depthwise_conv2d_backprop_input, separable_conv2d)
from tensorweave.ops.pool_ops import (avg_pool, avg_pool1d, avg_pool2d, avg_pool3d,  # noqa: F401
                                      max_pool, max_pool1d, max_pool2d, max_pool3d,
                                      max_pool_with_argmax, pool)
from tensorweave.ops.math_ops import sigmoid, softplus, softsign, tanh, top_k  # noqa: F401
from tensorweave.ops.math_ops import approx_max_k, approx_min_k, zero_fraction  # noqa: F401
