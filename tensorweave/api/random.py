"""tf.random: re-exports of the public functions of that namespace."""

import types as _types

from tensorweave.ops.random_ops import (categorical, gamma, get_seed, normal,  # noqa: F401
                                        poisson, set_seed, shuffle, truncated_normal, uniform)
from tensorweave.ops.stateless_random import (Generator, get_global_generator,  # noqa: F401
                                              set_global_generator, stateless_categorical,
                                              stateless_fold_in, stateless_normal, stateless_split,
                                              stateless_truncated_normal, stateless_uniform)

experimental = _types.SimpleNamespace(
    stateless_split=stateless_split, stateless_fold_in=stateless_fold_in, Generator=Generator,
    get_global_generator=get_global_generator, set_global_generator=set_global_generator)
