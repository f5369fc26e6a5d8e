"""tf.linalg: decompositions, solves and matrix structure ops, batched over leading dims.

Kernels go through `xp.linalg` (NumPy and CuPy share it). Gradients follow the standard matrix
calculus results (Giles 2008; Murray 2016 for Cholesky; Townsend 2016 for SVD) and are written
with tensorweave ops so second derivatives work.
"""

from __future__ import annotations

import numpy as np

from tensorweave.framework.op_def import execute, op
from tensorweave.ops import _infer, array_ops, math_ops
from tensorweave.ops._convert import tensor
from tensorweave.ops.math_ops import matmul

__all__ = []  # tf.linalg names are exported by api/linalg.py, not at the root


def _t(x):
    """Swaps the last two dims (the matrix transpose, conjugated for complex)."""
    return execute(_matrix_transpose, (x,), {})


@op("MatrixTranspose", infer=lambda x: _infer.Spec(
    None if x.shape is None else x.shape[:-2] + (x.shape[-1], x.shape[-2]), x.dtype))
def _matrix_transpose(xp, x):
    return xp.conj(xp.swapaxes(x, -1, -2)) if x.dtype.kind == "c" else xp.swapaxes(x, -1, -2)


@_matrix_transpose.def_grad
def _matrix_transpose_grad(op, dy):
    return (_t(dy),)


def matrix_transpose(a, name="matrix_transpose", conjugate=False):
    a = tensor(a)
    out = execute(_matrix_transpose, (a,), {})
    if a.dtype.is_complex and not conjugate:
        out = math_ops._conj(out)
    return out


def adjoint(matrix, name=None):
    """The conjugate transpose of each matrix (`tf.linalg.adjoint`)."""
    return execute(_matrix_transpose, (tensor(matrix),), {})


def _square_spec(x):
    if x.shape is not None and len(x.shape) < 2:
        raise ValueError(f"Input must have rank >= 2, got shape {x.shape}")
    if x.shape is not None and None not in x.shape[-2:] and x.shape[-1] != x.shape[-2]:
        raise ValueError(f"Input matrices must be square, got shape {x.shape}")
    return x


def _batch_scalar(x):
    _square_spec(x)
    return _infer.Spec(None if x.shape is None else x.shape[:-2], x.dtype)


# --- inverse, determinants --------------------------------------------------------------------
@op("MatrixInverse", infer=lambda x, *, adjoint: _square_spec(x))
def _inv(xp, x, *, adjoint):
    if adjoint:
        x = xp.conj(xp.swapaxes(x, -1, -2))
    return xp.linalg.inv(x)


@_inv.def_grad
def _inv_grad(op, dy):
    (ainv,) = op.outputs
    g = -matmul(matmul(ainv, dy, adjoint_a=True), ainv, adjoint_b=True)
    return (_t(g) if op.attrs["adjoint"] else g,)


def inv(input, adjoint=False, name=None):
    """The inverse of each square matrix (`tf.linalg.inv`)."""
    return execute(_inv, (tensor(input),), {"adjoint": bool(adjoint)})


@op("MatrixDeterminant", infer=_batch_scalar)
def _det(xp, x):
    return xp.asarray(xp.linalg.det(x), dtype=x.dtype)


@_det.def_grad
def _det_grad(op, dy):
    (a,) = op.inputs
    (d,) = op.outputs
    scale = _expand2(dy * d)
    return (scale * _t(inv(a)),)


def det(input, name=None):
    return execute(_det, (tensor(input),), {})


def _slogdet_infer(x):
    spec = _batch_scalar(x)
    return (spec, spec)


@op("LogMatrixDeterminant", infer=_slogdet_infer, num_outputs=2)
def _slogdet(xp, x):
    sign, logabs = xp.linalg.slogdet(x)
    return xp.asarray(sign, dtype=x.dtype), xp.asarray(logabs, dtype=x.dtype)


@_slogdet.def_grad
def _slogdet_grad(op, dsign, dlog):
    (a,) = op.inputs
    return (_expand2(dlog) * _t(inv(a)),)


def slogdet(input, name=None):
    """(sign, log|det|) of each square matrix (`tf.linalg.slogdet`)."""
    return execute(_slogdet, (tensor(input),), {})


def logdet(matrix, name=None):
    """log det of Hermitian positive-definite matrices, through their Cholesky factor."""
    chol = cholesky(matrix)
    return 2.0 * math_ops.reduce_sum(math_ops.log(diag_part(chol)), axis=-1)


def _expand2(x):
    return array_ops.expand_dims(array_ops.expand_dims(x, -1), -1)


# --- Cholesky and solves -----------------------------------------------------------------------
@op("Cholesky", infer=lambda x: _square_spec(x))
def _cholesky(xp, x):
    return xp.linalg.cholesky(x)


@_cholesky.def_grad
def _cholesky_grad(op, dl):
    # Murray (2016): dA = 1/2 L^-H Phi(L^H dL) L^-1 symmetrized, Phi = lower triangle, half diag.
    (l,) = op.outputs
    phi = _phi(matmul(l, dl, adjoint_a=True))
    l_inv = triangular_solve(l, _eye_like(l), lower=True)
    s = matmul(matmul(l_inv, phi, adjoint_a=True), l_inv)
    return (0.5 * (s + _t(s)),)


def _phi(x):
    return band_part(x, -1, 0) - 0.5 * execute(_diag_matrix, (diag_part(x),), {})


def _eye_like(x):
    return execute(_diag_matrix, (math_ops.ones_like(diag_part(x)),), {})


def cholesky(input, name=None):
    return execute(_cholesky, (tensor(input),), {})


def _solve_infer(a, b, **attrs):
    _square_spec(a)
    return _infer.Spec(b.shape, b.dtype)


@op("MatrixSolve", infer=_solve_infer)
def _solve(xp, a, b, *, adjoint):
    if adjoint:
        a = xp.conj(xp.swapaxes(a, -1, -2))
    return xp.linalg.solve(a, b)


@_solve.def_grad
def _solve_grad(op, dx):
    a, _ = op.inputs
    (x,) = op.outputs
    adjoint = op.attrs["adjoint"]
    gb = execute(_solve, (a, dx), {"adjoint": not adjoint})
    ga = -matmul(gb, x, adjoint_b=True)
    return (_t(ga) if adjoint else ga), gb


def solve(matrix, rhs, adjoint=False, name=None):
    """X with matrix @ X = rhs, batched (`tf.linalg.solve`)."""
    return execute(_solve, (tensor(matrix), tensor(rhs)), {"adjoint": bool(adjoint)})


@op("MatrixTriangularSolve", infer=_solve_infer)
def _triangular_solve(xp, a, b, *, lower, adjoint):
    n = a.shape[-1]
    mask = xp.tril(xp.ones((n, n), dtype=bool)) if lower else xp.triu(xp.ones((n, n), dtype=bool))
    a = xp.where(mask, a, xp.zeros((), dtype=a.dtype))
    if adjoint:
        a = xp.conj(xp.swapaxes(a, -1, -2))
    return xp.linalg.solve(a, b)


@_triangular_solve.def_grad
def _triangular_solve_grad(op, dx):
    a, _ = op.inputs
    (x,) = op.outputs
    lower, adjoint = op.attrs["lower"], op.attrs["adjoint"]
    gb = execute(_triangular_solve, (a, dx), {"lower": lower, "adjoint": not adjoint})
    ga = -matmul(x, gb, adjoint_b=True) if adjoint else -matmul(gb, x, adjoint_b=True)
    ga = band_part(ga, -1, 0) if lower else band_part(ga, 0, -1)
    return ga, gb


def triangular_solve(matrix, rhs, lower=True, adjoint=False, name=None):
    """Solves with the lower (or upper) triangle of `matrix` (`tf.linalg.triangular_solve`)."""
    return execute(_triangular_solve, (tensor(matrix), tensor(rhs)),
                   {"lower": bool(lower), "adjoint": bool(adjoint)})


# --- structure: diagonals and bands ------------------------------------------------------------
@op("MatrixDiagPart", infer=lambda x: _infer.Spec(
    None if x.shape is None else x.shape[:-2] + (
        None if None in x.shape[-2:] else min(x.shape[-2:]),), x.dtype))
def _diag_part(xp, x):
    return xp.diagonal(x, axis1=-2, axis2=-1).copy()


@op("MatrixDiag", infer=lambda d: _infer.Spec(
    None if d.shape is None else d.shape + (d.shape[-1],), d.dtype))
def _diag_matrix(xp, d):
    n = d.shape[-1]
    out = xp.zeros(d.shape + (n,), dtype=d.dtype)
    idx = xp.arange(n)
    out[..., idx, idx] = d
    return out


@_diag_part.def_grad
def _diag_part_grad(op, dy):
    (x,) = op.inputs
    return (execute(_set_diag, (_zeros(x), dy), {}),)


@_diag_matrix.def_grad
def _diag_matrix_grad(op, dy):
    return (diag_part(dy),)


@op("MatrixSetDiag", infer=lambda x, d: x)
def _set_diag(xp, x, d):
    out = x.copy()
    k = min(x.shape[-2:])
    idx = xp.arange(k)
    out[..., idx, idx] = d
    return out


@_set_diag.def_grad
def _set_diag_grad(op, dy):
    return execute(_set_diag, (dy, _zeros(diag_part(dy))), {}), diag_part(dy)


def _zeros(x):
    return math_ops.zeros_like(x)


def diag_part(input, name="diag_part", k=0):
    if k != 0:
        raise NotImplementedError("tf.linalg.diag_part with k != 0 (off-diagonals) is not "
                                  "implemented yet")
    return execute(_diag_part, (tensor(input),), {})


def diag(diagonal, name="diag", k=0, num_rows=-1, num_cols=-1, padding_value=0):
    """A batch of square matrices with `diagonal` on their main diagonal (`tf.linalg.diag`)."""
    if k != 0 or num_rows != -1 or num_cols != -1 or padding_value != 0:
        raise NotImplementedError("tf.linalg.diag supports only the main diagonal (k=0, "
                                  "square, zero padding) so far")
    return execute(_diag_matrix, (tensor(diagonal),), {})


def set_diag(input, diagonal, name="set_diag", k=0):
    if k != 0:
        raise NotImplementedError("tf.linalg.set_diag with k != 0 is not implemented yet")
    return execute(_set_diag, (tensor(input), tensor(diagonal)), {})


@op("MatrixBandPart", infer=lambda x, *, num_lower, num_upper: x)
def _band_part(xp, x, *, num_lower, num_upper):
    m, n = x.shape[-2:]
    rows = xp.arange(m)[:, None]
    cols = xp.arange(n)[None, :]
    keep = xp.ones((m, n), dtype=bool)
    if num_lower >= 0:
        keep &= (rows - cols) <= num_lower
    if num_upper >= 0:
        keep &= (cols - rows) <= num_upper
    return xp.where(keep, x, xp.zeros((), dtype=x.dtype))


@_band_part.def_grad
def _band_part_grad(op, dy):
    return (execute(_band_part, (dy,), op.attrs),)


def band_part(input, num_lower, num_upper, name=None):
    """Keeps `num_lower` sub- and `num_upper` super-diagonals (negative: keep all)."""
    return execute(_band_part, (tensor(input),), {"num_lower": int(num_lower),
                                                   "num_upper": int(num_upper)})


def trace(x, name=None):
    return math_ops.reduce_sum(diag_part(x), axis=-1)


def matvec(a, b, transpose_a=False, adjoint_a=False, a_is_sparse=False, b_is_sparse=False,
           name=None):
    """Matrix-vector product, batched (`tf.linalg.matvec`)."""
    out = matmul(a, array_ops.expand_dims(tensor(b), -1), transpose_a=transpose_a,
                 adjoint_a=adjoint_a)
    return array_ops.squeeze(out, -1)


# --- decompositions ----------------------------------------------------------------------------
def _qr_infer(x, *, full_matrices):
    if x.shape is None:
        return (_infer.Spec(None, x.dtype),) * 2
    *batch, m, n = x.shape
    k = None if m is None or n is None else (m if full_matrices else min(m, n))
    return (_infer.Spec(tuple(batch) + (m, k if not full_matrices else m), x.dtype),
            _infer.Spec(tuple(batch) + (k if not full_matrices else m, n), x.dtype))


@op("Qr", infer=_qr_infer, num_outputs=2)
def _qr(xp, x, *, full_matrices):
    q, r = xp.linalg.qr(x, mode="complete" if full_matrices else "reduced")
    return q, r


@_qr.def_grad
def _qr_grad(op, dq, dr):
    # For m >= n, reduced QR (Walter & Lehmann; as TensorFlow): M = R dR^H - dQ^H Q.
    (a,) = op.inputs
    q, r = op.outputs
    if op.attrs["full_matrices"] or a.shape[-2] < a.shape[-1]:
        raise NotImplementedError("The QR gradient is implemented for reduced QR of matrices "
                                  "with rows >= columns (as TensorFlow).")
    m = matmul(r, dr, adjoint_b=True) - matmul(dq, q, adjoint_a=True)
    m_low = band_part(m, -1, 0)
    copyltu = m_low + _t(band_part(m, -1, 0)) - execute(_diag_matrix, (diag_part(m),), {})
    rhs = dq + matmul(q, copyltu)
    ga = _t(triangular_solve(r, _t(rhs), lower=False, adjoint=False))
    return (ga,)


def qr(input, full_matrices=False, name=None):
    """(q, r) with input = q @ r (`tf.linalg.qr`)."""
    return execute(_qr, (tensor(input),), {"full_matrices": bool(full_matrices)})


def _eigh_infer(x):
    _square_spec(x)
    real = x.dtype.real_dtype
    return (_infer.Spec(None if x.shape is None else x.shape[:-1], real), x)


@op("SelfAdjointEigV2", infer=_eigh_infer, num_outputs=2)
def _eigh(xp, x):
    e, v = xp.linalg.eigh(x)
    return e, v


@_eigh.def_grad
def _eigh_grad(op, de, dv):
    (e, v) = op.outputs
    # F_ij = 1 / (e_j - e_i) off the diagonal, 0 on it (distinct eigenvalues assumed).
    diff = array_ops.expand_dims(e, -2) - array_ops.expand_dims(e, -1)
    eye = _eye_like(v)
    f = math_ops.divide_no_nan(math_ops.ones_like(diff), diff + eye) * (1 - eye)
    inner = execute(_diag_matrix, (de,), {}) + f * matmul(v, dv, adjoint_a=True)
    g = matmul(matmul(v, inner), v, adjoint_b=True)
    return (0.5 * (g + _t(g)),)


def eigh(tensor_, name=None):
    """(eigenvalues ascending, eigenvectors) of self-adjoint matrices (`tf.linalg.eigh`)."""
    return execute(_eigh, (tensor(tensor_),), {})


def eigvalsh(tensor_, name=None):
    return eigh(tensor_)[0]


def _svd_infer(x, *, full_matrices):
    if x.shape is None:
        return (_infer.Spec(None, x.dtype.real_dtype), _infer.Spec(None, x.dtype),
                _infer.Spec(None, x.dtype))
    *batch, m, n = x.shape
    k = None if m is None or n is None else min(m, n)
    batch = tuple(batch)
    return (_infer.Spec(batch + (k,), x.dtype.real_dtype),
            _infer.Spec(batch + (m, m if full_matrices else k), x.dtype),
            _infer.Spec(batch + (n, n if full_matrices else k), x.dtype))


@op("Svd", infer=_svd_infer, num_outputs=3)
def _svd(xp, x, *, full_matrices):
    u, s, vh = xp.linalg.svd(x, full_matrices=full_matrices)
    v = xp.conj(xp.swapaxes(vh, -1, -2))
    return s.astype(x.real.dtype if x.dtype.kind == "c" else x.dtype, copy=False), u, v


@_svd.def_grad
def _svd_grad(op, ds, du, dv):
    # Townsend (2016), reduced SVD of a real matrix with distinct singular values.
    (a,) = op.inputs
    s, u, v = op.outputs
    if op.attrs["full_matrices"] and a.shape[-1] != a.shape[-2]:
        raise NotImplementedError("The SVD gradient with full_matrices=True is implemented for "
                                  "square matrices only (as TensorFlow).")
    s2 = s * s
    diff = array_ops.expand_dims(s2, -2) - array_ops.expand_dims(s2, -1)
    eye = _eye_like(u if u.shape[-1] == s.shape[-1] else v)
    f = math_ops.divide_no_nan(math_ops.ones_like(diff), diff + eye) * (1 - eye)
    smat = execute(_diag_matrix, (s,), {})
    sinv = execute(_diag_matrix, (math_ops.divide_no_nan(math_ops.ones_like(s), s),), {})
    ut_du = matmul(u, du, adjoint_a=True)
    vt_dv = matmul(v, dv, adjoint_a=True)
    j = f * (ut_du - _t(ut_du))
    k = f * (vt_dv - _t(vt_dv))
    core = matmul(matmul(j, smat) + execute(_diag_matrix, (ds,), {}) + matmul(smat, k), v,
                  adjoint_b=True)
    g = matmul(u, core)
    m, n = a.shape[-2], a.shape[-1]
    if m > n:  # the part of du outside the span of u
        proj = du - matmul(u, ut_du)
        g = g + matmul(matmul(proj, sinv), v, adjoint_b=True)
    elif n > m:
        proj = dv - matmul(v, vt_dv)
        g = g + matmul(matmul(u, sinv), proj, adjoint_b=True)
    return (g,)


def svd(tensor_, full_matrices=False, compute_uv=True, name=None):
    """Singular values, or (s, u, v) with tensor = u @ diag(s) @ v^H (`tf.linalg.svd`)."""
    s, u, v = execute(_svd, (tensor(tensor_),), {"full_matrices": bool(full_matrices)})
    return (s, u, v) if compute_uv else s


def norm(tensor_, ord="euclidean", axis=None, keepdims=None, name=None):
    """Vector or matrix norms (`tf.norm`, `tf.linalg.norm`): 'euclidean'/2, 1, inf, 'fro'."""
    x = tensor(tensor_)
    keepdims = bool(keepdims)
    if isinstance(axis, (list, tuple)) and len(axis) == 2:
        if ord in ("euclidean", "fro"):
            return math_ops.sqrt(math_ops.reduce_sum(math_ops.square(math_ops.abs(x)),
                                                     axis=axis, keepdims=keepdims))
        if ord == 1:
            inner = math_ops.reduce_sum(math_ops.abs(x), axis=axis[0], keepdims=True)
            return _squeezed(math_ops.reduce_max(inner, axis=axis[1], keepdims=True), axis,
                             keepdims)
        if ord == float("inf"):
            inner = math_ops.reduce_sum(math_ops.abs(x), axis=axis[1], keepdims=True)
            return _squeezed(math_ops.reduce_max(inner, axis=axis[0], keepdims=True), axis,
                             keepdims)
        raise ValueError(f"'ord' must be 'euclidean', 'fro', 1 or np.inf for matrix norms, "
                         f"got {ord!r}")
    if ord in ("euclidean", 2):
        return math_ops.sqrt(math_ops.reduce_sum(math_ops.square(math_ops.abs(x)), axis=axis,
                                                 keepdims=keepdims))
    if ord == 1:
        return math_ops.reduce_sum(math_ops.abs(x), axis=axis, keepdims=keepdims)
    if ord == float("inf"):
        return math_ops.reduce_max(math_ops.abs(x), axis=axis, keepdims=keepdims)
    if isinstance(ord, (int, float)) and ord > 0:
        p = math_ops.cast(ord, x.dtype.real_dtype)
        total = math_ops.reduce_sum(math_ops.pow(math_ops.abs(x), p), axis=axis,
                                    keepdims=keepdims)
        return math_ops.pow(total, 1.0 / p)
    raise ValueError(f"'ord' must be a supported vector norm, got {ord!r}")


def _squeezed(x, axis, keepdims):
    return x if keepdims else array_ops.squeeze(x, axis=sorted(axis))


def pinv(a, rcond=None, validate_args=False, name=None):
    """The Moore-Penrose pseudo-inverse through the SVD."""
    a = tensor(a)
    s, u, v = svd(a)
    if rcond is None:
        rcond = 10.0 * max(a.shape[-2], a.shape[-1]) * float(
            np.finfo(a.dtype.np_dtype).eps)
    cutoff = rcond * math_ops.reduce_max(s, axis=-1, keepdims=True)
    inv_s = array_ops.where(s > cutoff, math_ops.divide_no_nan(math_ops.ones_like(s), s),
                            math_ops.zeros_like(s))
    return matmul(v * _expand_last(inv_s), u, adjoint_b=True)


def _expand_last(x):
    return array_ops.expand_dims(x, -2)


def lstsq(matrix, rhs, l2_regularizer=0.0, fast=True, name=None):
    """Least-squares solutions through the normal equations with an optional L2 term."""
    a, b = tensor(matrix), tensor(rhs)
    gram = matmul(a, a, adjoint_a=True)
    if l2_regularizer:
        gram = gram + l2_regularizer * _eye_like(gram)
    return solve(gram, matmul(a, b, adjoint_a=True))

