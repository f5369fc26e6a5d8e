"""set_random_seed: one call seeds Python, NumPy and tensorweave's random ops."""

from __future__ import annotations

import random

import numpy as np


def set_random_seed(seed: int) -> None:
    """Seeds Python's `random`, NumPy's global generator and `tf.random` (`tf.random.set_seed`),
    so that unseeded initializers, dropout and shuffles repeat from run to run."""
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise ValueError(f"Expected `seed` argument to be an integer. Received: seed={seed!r}")
    import tensorweave as tf

    random.seed(seed)
    np.random.seed(seed)
    tf.random.set_seed(seed)
