"""tf.random: re-exports of the public functions of that namespace."""

from tensorweave.ops.random_ops import (categorical, gamma, get_seed, normal,  # noqa: F401
                                        poisson, set_seed, shuffle, truncated_normal, uniform)
