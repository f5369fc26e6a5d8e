"""The backend interface: an array namespace and the shims kernels need beyond it."""

from __future__ import annotations


class Backend:
    """One array library. `xp` is the NumPy-compatible namespace that kernels receive."""

    name: str = ""
    xp = None

    def asarray(self, value, dtype=None):
        """An array on this backend from a NumPy array, a scalar or another backend's array."""
        raise NotImplementedError

    def to_numpy(self, array):
        """A NumPy array with the contents of `array` (a copy when it lives elsewhere)."""
        raise NotImplementedError

    def is_array(self, value) -> bool:
        raise NotImplementedError

    def scatter_add(self, target, indices, updates):
        """target[indices] += updates, accumulating repeated indices (np.add.at)."""
        raise NotImplementedError

    def device_count(self) -> int:
        return 1
