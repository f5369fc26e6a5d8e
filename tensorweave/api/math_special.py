"""tf.math.special: special functions (SciPy's on the CPU, cupyx's on the GPU)."""

from tensorweave.ops.special_math import (bessel_i0, bessel_i0e, bessel_i1,  # noqa: F401
                                          bessel_i1e, bessel_j0, bessel_j1, bessel_k0,
                                          bessel_k0e, bessel_k1, bessel_k1e, bessel_y0,
                                          bessel_y1, dawsn, expint, fresnel_cos, fresnel_sin,
                                          spence)
