"""Special functions (erf, erfc, lgamma, digamma, ...) for kernels, on NumPy or CuPy.

NumPy has no erf or gamma functions. SciPy's (CPU) and CuPy's `cupyx.scipy.special` (GPU) are used
where installed; without SciPy, the CPU falls back on Python's `math` module elementwise (slower
but exact to double precision) and an asymptotic series for digamma.
"""

from __future__ import annotations

import math

import numpy as np

_CACHE: dict = {}


def special(xp):
    """The special-function namespace for the array module `xp` (numpy or cupy)."""
    mod = _CACHE.get(xp.__name__)
    if mod is None:
        mod = _CACHE[xp.__name__] = _load(xp)
    return mod


def _load(xp):
    if xp.__name__ == "numpy":
        try:
            import scipy.special as sp  # optional: faster than the fallback below
            return sp
        except ImportError:
            return _NumpyFallback()
    import cupyx.scipy.special as sp  # CuPy always ships it
    return sp


def _elementwise(fn):
    vec = np.vectorize(fn, otypes=[np.float64])

    def apply(x):
        x = np.asarray(x)
        return vec(x.astype(np.float64)).astype(x.dtype if x.dtype.kind == "f" else np.float64)
    return apply


class _NumpyFallback:
    """erf, erfc, gammaln, digamma, i0 from Python's math module and NumPy, for NumPy without
    SciPy; the rarer functions (erfinv, polygamma, zeta, i0e, i1, i1e) say that they need it."""

    i0 = staticmethod(np.i0)

    def __getattr__(self, name):
        raise NotImplementedError(f"the special function {name} needs SciPy on the CPU "
                                  f"(pip install scipy)")

    erf = staticmethod(_elementwise(math.erf))
    erfc = staticmethod(_elementwise(math.erfc))
    gammaln = staticmethod(_elementwise(
        lambda v: math.inf if v <= 0 and v == math.floor(v) else math.lgamma(v)))

    @staticmethod
    def digamma(x):
        x = np.asarray(x, dtype=np.float64)
        out = np.zeros_like(x)
        # reflection for x < 0.5: psi(1 - x) - psi(x) = pi cot(pi x)
        neg = x < 0.5
        refl = np.where(neg, 1.0 - x, x)
        acc = np.zeros_like(x)
        v = refl.copy()
        for _ in range(6):  # recurrence psi(v) = psi(v + 1) - 1/v until v is large
            small = v < 6
            acc = acc - np.where(small, 1.0 / np.where(small, v, 1.0), 0.0)
            v = np.where(small, v + 1, v)
        inv = 1.0 / v
        inv2 = inv * inv
        series = (np.log(v) - 0.5 * inv - inv2 * (1 / 12 - inv2 * (1 / 120 - inv2 * (
            1 / 252 - inv2 * (1 / 240 - inv2 / 132)))))
        out = acc + series
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.where(neg, out - np.pi / np.tan(np.pi * x), out)
        return np.where((x <= 0) & (x == np.floor(x)), np.nan, out)
