"""GradientTape: records the ops whose inputs it watches, then walks them back (reverse mode).

Recording is free when no tape is active (the executor checks one list), and cheap otherwise: a
tape keeps a set of watched ids and appends (op, inputs, attrs, outputs) only for ops that touch a
watched value. `gradient` sorts nothing: the record is already in execution order, so walking it
backwards visits every op after all of its consumers.
"""

from __future__ import annotations

import warnings

from tensorweave.framework.context import ctx
from tensorweave.framework.errors import InvalidArgumentError
from tensorweave.framework.indexed_slices import IndexedSlices
from tensorweave.ops.array_ops import concat
from tensorweave.ops.math_ops import add, zeros_like


class OpRecord:
    """One recorded op: what gradient rules receive as `op` (like a graph node)."""

    __slots__ = ("op_def", "inputs", "attrs", "outputs")

    def __init__(self, op_def, inputs, attrs, outputs):
        self.op_def = op_def
        self.inputs = inputs
        self.attrs = attrs
        self.outputs = outputs

    @property
    def type(self) -> str:
        return self.op_def.name

    @property
    def name(self) -> str:
        return self.op_def.name

    def get_attr(self, name: str):
        return self.attrs[name]


def differentiable_dtype(dtype) -> bool:
    return dtype.is_floating or dtype.is_complex


class Tape:
    """The recording machinery under GradientTape (also used by jacobians and forward mode)."""

    def __init__(self, watch_accessed_variables: bool = True):
        self.watched = {}  # id -> the watched tensor or variable (kept alive while recorded)
        self.records = []
        self.watch_accessed_variables = watch_accessed_variables
        self.variables = {}  # id -> variables read while watched, in first-read order

    def watch(self, x) -> None:
        if not differentiable_dtype(x.dtype):
            # TensorFlow's rule: integer and bool values are never differentiated through.
            warnings.warn(f"The dtype of the watched tensor must be floating (e.g. tf.float32), "
                          f"got {x.dtype!r}", stacklevel=3)
            return
        self.watched[id(x)] = x
        if getattr(x, "_is_tensor_like", False) and hasattr(x, "_uid"):
            self.variables[id(x)] = x

    def record(self, op, inputs, attrs, result) -> None:
        watched = self.watched
        for t in inputs:
            if id(t) in watched:
                break
        else:
            return
        outputs = result if type(result) is tuple else (result,)
        for o in outputs:
            if differentiable_dtype(o.dtype):
                watched[id(o)] = o
        self.records.append(OpRecord(op, inputs, attrs, outputs))

    def variable_read(self, var, value) -> None:
        key = id(var)
        if key not in self.watched:
            if not (self.watch_accessed_variables and var.trainable):
                return
            self.watched[key] = var
        self.variables.setdefault(key, var)
        if differentiable_dtype(var.dtype):
            self.watched[id(value)] = value
            self.records.append(OpRecord(_READ, (var,), {}, (value,)))

    def backward(self, targets, seeds, sources_ids: set, consume: bool = False):
        """Gradients of `targets` (seeded with `seeds`) for every recorded value: {id: grad}.

        With `consume` (a non-persistent tape's only pass) each record is dropped once walked,
        so the activations it held are freed as the walk goes back rather than at the end.
        """
        grads = {}
        for t, s in zip(targets, seeds):
            if differentiable_dtype(t.dtype):  # an integer target has no gradient (TensorFlow)
                grads[id(t)] = accumulate(grads.get(id(t)), s)
        records, watched = self.records, self.watched
        if consume:
            self.records = []
            self.watched = {k: v for k, v in self.watched.items() if k in sources_ids}
        for rec in _walk_back(records, consume):
            outs = rec.outputs
            if consume:  # no earlier record reads these outputs: stop keeping them alive
                for o in outs:
                    if id(o) not in sources_ids:
                        watched.pop(id(o), None)
            out_grads = [grads.get(id(o)) for o in outs]
            if all(g is None for g in out_grads):
                continue
            rule = rec.op_def.grad
            if rule is None:
                raise LookupError(f"No gradient defined for operation '{rec.op_def.name}' "
                                  f"(op type: {rec.op_def.name})")
            if any(g is None for g in out_grads):
                out_grads = [g if g is not None else zeros_like(o) for g, o in zip(out_grads, outs)]
            if rule is not _READ.grad and any(type(g) is IndexedSlices for g in out_grads):
                # rules take dense tensors; only a variable read passes sparse rows straight on
                out_grads = [_dense(g) for g in out_grads]
            in_grads = rule(rec, *out_grads)
            if not isinstance(in_grads, (tuple, list)):
                in_grads = (in_grads,)
            if len(in_grads) != len(rec.inputs):
                raise InvalidArgumentError(None, rec.op_def, (
                    f"The gradient of {rec.op_def.name} returned {len(in_grads)} values for "
                    f"{len(rec.inputs)} inputs"))
            for x, g in zip(rec.inputs, in_grads):
                if g is None:
                    continue
                key = id(x)
                if key in watched:
                    grads[key] = accumulate(grads.get(key), g)
            if not sources_ids & {id(o) for o in outs}:
                for o in outs:  # drop what no one needs any more, so memory falls as we walk back
                    grads.pop(id(o), None)
        if consume:
            watched.clear()  # the ids of freed values must not match new tensors reusing them
        return grads


def _walk_back(records: list, consume: bool):
    """The records last to first; consuming pops each one so nothing else keeps it alive."""
    if not consume:
        yield from reversed(records)
        return
    while records:
        yield records.pop()


def accumulate(total, g):
    """Sum of gradients reaching one value along several paths. Two IndexedSlices stay sparse
    (their rows are concatenated); sparse plus dense is dense."""
    if total is None:
        return g
    if type(total) is IndexedSlices or type(g) is IndexedSlices:
        if type(total) is IndexedSlices and type(g) is IndexedSlices:
            return IndexedSlices(concat([total.values, g.values], 0),
                                 concat([total.indices, g.indices], 0), total.dense_shape)
        return add(_dense(total), _dense(g))
    return add(total, g)


def _dense(g):
    return g.__tf_tensor__() if type(g) is IndexedSlices else g


class _ReadOp:
    """The pseudo-op for a variable read: its gradient passes straight to the variable."""

    name = "ReadVariableOp"
    differentiable = True

    @staticmethod
    def grad(op, dy):
        return (dy,)


_READ = _ReadOp()


def push(tape: Tape) -> None:
    ctx.tapes.append(tape)


def pop(tape: Tape) -> None:
    tapes = ctx.tapes
    if tape in tapes:
        tapes.remove(tape)
