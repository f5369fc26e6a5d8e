"""Array ops: shapes, slicing, joining, gathering and scattering."""

from __future__ import annotations

from tensorweave.framework.op_def import execute, op
from tensorweave.ops import _infer
from tensorweave.ops._convert import tensor

__all__ = ["transpose"]


def _infer_transpose(x, *, perm):
    if x.shape is None:
        return _infer.Spec(None if perm is None else (None,) * len(perm), x.dtype)
    perm = perm if perm is not None else tuple(reversed(range(len(x.shape))))
    return _infer.Spec(tuple(x.shape[p] for p in perm), x.dtype)


@op("Transpose", infer=_infer_transpose)
def _transpose(xp, x, *, perm):
    return xp.transpose(x, perm)


def transpose(a, perm=None, conjugate=False, name="transpose"):
    """Permutes the dimensions of `a` (reverses them when `perm` is None) (`tf.transpose`)."""
    a = tensor(a)
    if perm is not None:
        perm = tuple(int(p) for p in (perm.numpy() if hasattr(perm, "numpy") else perm))
    out = execute(_transpose, (a,), {"perm": perm})
    if conjugate and a.dtype.is_complex:
        from tensorweave.ops.math_ops import _conj

        out = _conj(out)
    return out


@_transpose.def_grad
def _transpose_grad(op, dy):
    perm = op.attrs["perm"]
    if perm is None:
        return (execute(_transpose, (dy,), {"perm": None}),)
    inverse = [0] * len(perm)
    for i, p in enumerate(perm):
        inverse[p] = i
    return (execute(_transpose, (dy,), {"perm": tuple(inverse)}),)
