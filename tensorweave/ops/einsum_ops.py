"""tf.einsum and tf.tensordot.

Einsum is one op (TensorFlow's `Einsum`, the equation an attribute) whose kernel is the backend's
einsum. Its gradient for each operand is another einsum: the output gradient contracted with the
other operands back to that operand's subscripts, then broadcast over the labels only it had and
summed over the dims it broadcast; a repeated label (a diagonal, a trace) is put back on the
diagonal by identity matrices. tensordot is an einsum with generated subscripts.
"""

from __future__ import annotations

import string

import numpy as np

from tensorweave.framework.op_def import execute, op
from tensorweave.framework.tensor_shape import broadcast_dims
from tensorweave.framework.tensor import Tensor
from tensorweave.ops import _infer
from tensorweave.ops._array_util import static_int
from tensorweave.ops._convert import tensor
from tensorweave.ops.math_core import (_conj, _expand_reduced, broadcast_to_shape_of, ones_like,
                                       sum_to_shape_of)

__all__ = ["einsum", "tensordot"]


# --- parsing -------------------------------------------------------------------------------------
def _split(equation: str):
    """(input subscripts, output subscripts or None when implicit), spaces removed."""
    eq = equation.replace(" ", "")
    if "->" in eq:
        lhs, out = eq.split("->")
    else:
        lhs, out = eq, None
    return lhs.split(","), out


def _check_labels(subs: str, equation: str):
    body = subs.replace("...", "")
    if "." in body or any(c not in string.ascii_letters for c in body):
        raise ValueError(f"einsum: invalid subscripts {subs!r} in equation {equation!r}")


def _implicit_output(ins):
    """NumPy's and TensorFlow's rule: the labels seen once, sorted, after any ellipsis."""
    counts = {}
    for s in ins:
        for c in s.replace("...", ""):
            counts[c] = counts.get(c, 0) + 1
    ell = "..." if any("..." in s for s in ins) else ""
    return ell + "".join(sorted(c for c, n in counts.items() if n == 1))


def _explicit(ins, out, ranks):
    """The subscripts with every ellipsis replaced by letters (right-aligned, shared pool)."""
    used = set("".join(ins) + (out or ""))
    pool = [c for c in string.ascii_letters if c not in used]
    n_ell = 0
    for s, r in zip(ins, ranks):
        if "..." in s:
            n_ell = max(n_ell, r - (len(s) - 3))
    if n_ell > len(pool):
        raise ValueError("einsum: too many broadcast dimensions")
    ell_letters = "".join(pool[:n_ell])
    new_ins = []
    for s, r in zip(ins, ranks):
        if "..." in s:
            k = r - (len(s) - 3)
            s = s.replace("...", ell_letters[n_ell - k:] if k else "")
        new_ins.append(s)
    new_out = out.replace("...", ell_letters) if out is not None else None
    return new_ins, new_out


# --- shape inference -----------------------------------------------------------------------------
def _infer_einsum(*specs, equation):
    ins, out = _split(equation)
    if len(ins) != len(specs):
        raise ValueError(f"einsum: equation {equation!r} has {len(ins)} operands, got "
                         f"{len(specs)} tensors")
    for s in ins:
        _check_labels(s, equation)
    if out is None:
        out = _implicit_output(ins)
    dtype = specs[0].dtype
    if any(sp.shape is None for sp in specs):
        if "..." in out:
            return _infer.Spec(None, dtype)
        return _infer.Spec((None,) * len(out), dtype)
    dims, ell = {}, ()
    for s, sp in zip(ins, specs):
        shape = tuple(sp.shape)
        named = len(s.replace("...", ""))
        if ("..." in s and len(shape) < named) or ("..." not in s and len(shape) != named):
            raise ValueError(f"einsum: operand with subscripts {s!r} has rank {len(shape)} in "
                             f"{equation!r}")
        if "..." in s:
            head, tail = s.split("...")
            k = len(shape) - named
            ell = broadcast_dims(ell, shape[len(head):len(head) + k])
            labels = list(zip(head, shape[:len(head)])) + list(zip(tail, shape[len(head) + k:]))
        else:
            labels = list(zip(s, shape))
        for c, d in labels:
            old = dims.get(c)
            if old is not None and d is not None and old != d and 1 not in (old, d):
                raise ValueError(f"einsum: label {c!r} has sizes {old} and {d} in {equation!r}")
            dims[c] = d if old in (None, 1) else old
    head, _, tail = out.partition("...")
    shape = [dims[c] for c in head] + (list(ell) if "..." in out else []) + [dims[c] for c in tail]
    return _infer.Spec(tuple(shape), dtype)


@op("Einsum", infer=_infer_einsum)
def _einsum(xp, *xs, equation):
    return xp.einsum(equation, *xs, optimize=len(xs) > 2)


@_einsum.def_grad
def _einsum_grad(op, dy):
    xs = op.inputs
    ranks = [x.shape.rank for x in xs]
    if any(r is None for r in ranks):
        raise NotImplementedError("The gradient of einsum needs the operands' ranks")
    ins, out = _split(op.attrs["equation"])
    if out is None:
        out = _implicit_output(ins)
    ins, out = _explicit(ins, out, ranks)
    grads = []
    for i, (x, subs) in enumerate(zip(xs, ins)):
        others = [(s, _conj(t)) for j, (s, t) in enumerate(zip(ins, xs)) if j != i]
        if len(set(subs)) != len(subs):  # a diagonal or a trace of this operand
            grads.append(_repeated_label_grad(dy, x, subs, out, others))
            continue
        seen = set(out).union(*[set(s) for s, _ in others])
        kept = "".join(c for c in subs if c in seen)
        equation = ",".join([out] + [s for s, _ in others]) + "->" + kept
        g = execute(_einsum, (dy,) + tuple(t for _, t in others), {"equation": equation})
        if kept != subs:  # labels only this operand had: summed out, so broadcast back
            lonely = tuple(k for k, c in enumerate(subs) if c not in seen)
            g = broadcast_to_shape_of(execute(_expand_reduced, (g, x), {"axis": lonely}), x)
        grads.append(sum_to_shape_of(g, x))
    return tuple(grads)


def _repeated_label_grad(dy, x, subs, out, others):
    """The gradient for an operand with a repeated label ('ii->i', 'ii->'): computed over its
    distinct labels, then put back on the diagonals by identity matrices."""
    unique = "".join(dict.fromkeys(subs))
    # ones_like(x) under the operand's own subscripts supplies every label's size, times 1
    equation = ",".join([out] + [s for s, _ in others] + [subs]) + "->" + unique
    operands = (dy,) + tuple(t for _, t in others) + (ones_like(x),)
    g = execute(_einsum, operands, {"equation": equation})
    used = set(subs) | set(out) | set("".join(s for s, _ in others))
    pool = (c for c in string.ascii_letters if c not in used)
    full, eyes, first = [], [], set()
    for k, c in enumerate(subs):
        if c not in first:
            first.add(c)
            full.append(c)
            continue
        n = x.shape[k]
        if n is None:
            raise NotImplementedError("The gradient of einsum on a diagonal needs its size")
        new = next(pool)
        eyes.append((c + new, tensor(np.eye(n, dtype=x.dtype.np_dtype))))
        full.append(new)
    equation = ",".join([unique] + [s for s, _ in eyes]) + "->" + "".join(full)
    return execute(_einsum, (g,) + tuple(e for _, e in eyes), {"equation": equation})


def einsum(equation, *inputs, **kwargs) -> Tensor:
    """The tensor contraction written in Einstein notation, e.g. 'ij,jk->ik' (`tf.einsum`,
    `tf.linalg.einsum`). Ellipses broadcast; a missing '->' takes NumPy's implicit output."""
    kwargs.pop("name", None)
    if kwargs:
        raise TypeError(f"einsum: unexpected keyword arguments {sorted(kwargs)}")
    if not isinstance(equation, str):
        raise TypeError(f"einsum: equation must be a string, got {type(equation).__name__}")
    if len(inputs) == 1 and isinstance(inputs[0], (list, tuple)):
        inputs = tuple(inputs[0])
    xs = tuple(tensor(x) for x in inputs)
    if not xs:
        raise ValueError("einsum: at least one operand is required")
    for x in xs[1:]:
        if x.dtype is not xs[0].dtype:
            raise TypeError(f"einsum: all operands must have one dtype, got {xs[0].dtype.name} "
                            f"and {x.dtype.name}")
    return execute(_einsum, xs, {"equation": equation.replace(" ", "")})


# --- tensordot -----------------------------------------------------------------------------------
def _axes_lists(axes, rank_a, rank_b):
    if hasattr(axes, "numpy"):
        axes = axes.numpy().tolist()
    if isinstance(axes, (list, tuple)):
        if len(axes) != 2:
            raise ValueError(f"tensordot: axes must be an int or a pair of axis lists, got "
                             f"{axes!r}")
        a_axes, b_axes = axes
        a_axes = [a_axes] if isinstance(a_axes, int) else list(a_axes)
        b_axes = [b_axes] if isinstance(b_axes, int) else list(b_axes)
    else:
        n = static_int(axes, "axes", "Tensordot")
        if n < 0 or n > rank_a or n > rank_b:
            raise ValueError(f"tensordot: axes={n} must be in [0, min(rank a, rank b)] = "
                             f"[0, {min(rank_a, rank_b)}]")
        a_axes, b_axes = list(range(rank_a - n, rank_a)), list(range(n))
    if len(a_axes) != len(b_axes):
        raise ValueError(f"tensordot: {len(a_axes)} axes of a but {len(b_axes)} of b")
    a_axes = [static_int(a, "axes", "Tensordot") % max(rank_a, 1) for a in a_axes]
    b_axes = [static_int(b, "axes", "Tensordot") % max(rank_b, 1) for b in b_axes]
    return a_axes, b_axes


def tensordot(a, b, axes, name=None) -> Tensor:
    """Sums the products of `a` and `b` over `axes`: an int N (the last N of a with the first N
    of b) or a pair of axis lists (`tf.tensordot`, `tf.linalg.tensordot`)."""
    a, b = tensor(a), tensor(b)
    ra, rb = a.shape.rank, b.shape.rank
    if ra is None or rb is None:
        raise NotImplementedError("tensordot needs operands of known rank")
    a_axes, b_axes = _axes_lists(axes, ra, rb)
    letters = iter(string.ascii_letters)
    sa = [next(letters) for _ in range(ra)]
    sb = [next(letters) for _ in range(rb)]
    for i, j in zip(a_axes, b_axes):
        da, db = a.shape[i], b.shape[j]
        if da is not None and db is not None and da != db:
            raise ValueError(f"tensordot: axis {i} of a has size {da} but axis {j} of b has "
                             f"size {db}")
        sb[j] = sa[i]
    out = [c for k, c in enumerate(sa) if k not in a_axes] + \
          [c for k, c in enumerate(sb) if k not in b_axes]
    return einsum(f"{''.join(sa)},{''.join(sb)}->{''.join(out)}", a, b)
