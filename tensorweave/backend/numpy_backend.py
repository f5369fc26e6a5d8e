"""The NumPy backend: every CPU device runs on it."""

from __future__ import annotations

import numpy as np

from tensorweave.backend.base import Backend


class NumpyBackend(Backend):
    name = "numpy"
    xp = np

    def asarray(self, value, dtype=None):
        if hasattr(value, "__cuda_array_interface__"):  # a CuPy array coming back to the host
            value = value.get()
        return np.asarray(value, dtype=dtype)

    def to_numpy(self, array):
        return array

    def is_array(self, value) -> bool:
        return isinstance(value, (np.ndarray, np.generic))

    def scatter_add(self, target, indices, updates):
        np.add.at(target, indices, updates)
        return target


NUMPY = NumpyBackend()
