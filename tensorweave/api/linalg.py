"""tf.linalg: re-exports of the public functions of that namespace."""

from tensorweave.ops.linalg_ops import (adjoint, band_part, cholesky, det, diag, diag_part,  # noqa: F401
                                        eigh, eigvalsh, inv, logdet, lstsq, matmul,
                                        matrix_transpose, matvec, norm, pinv, qr, set_diag,
                                        slogdet, solve, svd, trace, triangular_solve)
from tensorweave.ops.math_ops import matmul  # noqa: F401,F811
from tensorweave.ops.fill_ops import eye  # noqa: F401
from tensorweave.ops.clip_ops import global_norm  # noqa: F401
from tensorweave.ops.math_ops import einsum, tensordot  # noqa: F401
