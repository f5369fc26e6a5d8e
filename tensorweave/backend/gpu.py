"""The CuPy backend for NVIDIA GPUs. Imported only when a GPU is asked for: CuPy is heavy."""

from __future__ import annotations

from tensorweave.backend.base import Backend

_LOADED = []


class CupyBackend(Backend):
    name = "cupy"

    def __init__(self, cupy, cupyx):
        self.xp = cupy
        self._cupyx = cupyx

    def asarray(self, value, dtype=None):
        return self.xp.asarray(value, dtype=dtype)

    def to_numpy(self, array):
        return self.xp.asnumpy(array)

    def is_array(self, value) -> bool:
        return isinstance(value, self.xp.ndarray)

    def scatter_add(self, target, indices, updates):
        self._cupyx.scatter_add(target, indices, updates)
        return target

    def device_count(self) -> int:
        return self.xp.cuda.runtime.getDeviceCount()


def load():
    """The CuPy backend if CuPy imports and sees at least one GPU, else None (cached)."""
    if not _LOADED:
        backend = None
        try:
            import cupy
            import cupyx

            if cupy.cuda.runtime.getDeviceCount() > 0:
                backend = CupyBackend(cupy, cupyx)
        except Exception:  # no CuPy, no driver, no device: all mean "no GPU"
            backend = None
        _LOADED.append(backend)
    return _LOADED[0]
