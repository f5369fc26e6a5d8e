"""Array backends: NumPy on the CPU (always there), CuPy on NVIDIA GPUs (optional).

A backend is the array namespace `xp` that kernels are written against, plus the few shims where
NumPy and CuPy differ (moving arrays between devices, scatter-add). Kernels never ask which one
they got.
"""

from tensorweave.backend import gpu
from tensorweave.backend.base import Backend
from tensorweave.backend.numpy_backend import NUMPY

__all__ = ["Backend", "NUMPY", "cupy_backend"]


def cupy_backend():
    """The CuPy backend, or None where CuPy or a CUDA GPU is missing."""
    return gpu.load()
