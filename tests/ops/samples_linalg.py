"""Samples for tf.linalg ops."""

import numpy as np


def _n(rng, *shape):
    return rng.standard_normal(shape)


def _well_conditioned(rng, *batch, n=3):
    return rng.standard_normal(batch + (n, n)) + 4 * np.eye(n)


def _spd(rng, *batch, n=3):
    m = rng.standard_normal(batch + (n, n))
    return m @ np.swapaxes(m, -1, -2) + n * np.eye(n)


def _tall_distinct(rng, m=4, n=3):
    u, _ = np.linalg.qr(rng.standard_normal((m, m)))
    v, _ = np.linalg.qr(rng.standard_normal((n, n)))
    s = np.diag([3.0, 2.0, 1.0])[:, :n]
    return u[:, :n] @ s[:n, :n] @ v.T


SAMPLES = {
    "MatrixTranspose": [lambda r: ([_n(r, 2, 3, 4)], {})],
    "MatrixInverse": [lambda r: ([_well_conditioned(r, 2)], {"adjoint": False}),
                      lambda r: ([_well_conditioned(r)], {"adjoint": True})],
    "MatrixDeterminant": [lambda r: ([_well_conditioned(r, 2)], {})],
    "LogMatrixDeterminant": [lambda r: ([_well_conditioned(r)], {})],
    "Cholesky": [lambda r: ([_spd(r, 2)], {})],
    "MatrixSolve": [lambda r: ([_well_conditioned(r), _n(r, 3, 2)], {"adjoint": False}),
                    lambda r: ([_well_conditioned(r, 2), _n(r, 2, 3, 1)], {"adjoint": True})],
    "MatrixTriangularSolve": [
        lambda r: ([np.tril(_well_conditioned(r)), _n(r, 3, 2)], {"lower": True,
                                                                   "adjoint": False}),
        lambda r: ([np.triu(_well_conditioned(r)), _n(r, 3, 2)], {"lower": False,
                                                                   "adjoint": True})],
    "MatrixDiagPart": [lambda r: ([_n(r, 2, 3, 3)], {}), lambda r: ([_n(r, 3, 4)], {})],
    "MatrixDiag": [lambda r: ([_n(r, 2, 3)], {})],
    "MatrixSetDiag": [lambda r: ([_n(r, 3, 3), _n(r, 3)], {})],
    "MatrixBandPart": [lambda r: ([_n(r, 4, 4)], {"num_lower": 1, "num_upper": 0}),
                       lambda r: ([_n(r, 3, 4)], {"num_lower": -1, "num_upper": 2})],
    "Qr": [lambda r: ([_n(r, 4, 3)], {"full_matrices": False})],
    "SelfAdjointEigV2": [lambda r: ([_spd(r)], {})],
    "Svd": [lambda r: ([_tall_distinct(r)], {"full_matrices": False})],
}

SKIP_GRADIENT = {
    "Cholesky": "reads one triangle: checked on symmetrized inputs in test_linalg_ops.py",
    "SelfAdjointEigV2": "reads one triangle: checked on symmetrized inputs in test_linalg_ops.py",
}
