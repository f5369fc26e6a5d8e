"""tf.custom_gradient and tf.stop_gradient's tape-level machinery."""

from __future__ import annotations

import functools
import inspect

from tensorweave.autodiff.tape import Tape
from tensorweave.framework.context import ctx
from tensorweave.graph.autograph import do_not_convert
from tensorweave.ops._convert import tensor
from tensorweave.util import nest


class _CustomGradientOp:
    """A pseudo-op recorded on the tape: its gradient is the user's `grad_fn`."""

    differentiable = True

    def __init__(self, grad_fn, n_inputs: int, variables):
        self.name = "CustomGradient"
        self.grad_fn = grad_fn
        self.n_inputs = n_inputs
        self.variables = variables

    def grad(self, op, *dys):
        if self.variables:
            input_grads, var_grads = self.grad_fn(*dys, variables=list(self.variables))
        else:
            input_grads, var_grads = self.grad_fn(*dys), []
        input_grads = nest.flatten(input_grads) if isinstance(input_grads, (list, tuple)) \
            else [input_grads]
        if len(input_grads) != self.n_inputs:
            raise ValueError(f"custom_gradient function returned {len(input_grads)} gradients "
                             f"but the function took {self.n_inputs} tensor inputs")
        return tuple(input_grads) + tuple(var_grads)


def custom_gradient(f=None):
    """Decorates `f(*x) -> (y, grad_fn)` so that the tape uses `grad_fn(dy)` for its gradient.

    `grad_fn` may take `variables=` and then returns `(input_grads, variable_grads)` for the
    variables that `f` read.
    """
    if f is None:
        return custom_gradient

    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        tapes = ctx.tapes
        inputs = [tensor(a) if not hasattr(a, "_uid") else a for a in args]
        spy = Tape(watch_accessed_variables=True)
        ctx.tapes = [spy]
        try:
            y, grad_fn = f(*inputs, **kwargs)
        finally:
            ctx.tapes = tapes
        variables = [v for v in spy.variables.values()]
        if not tapes:
            return y
        flat_y = [tensor(t) for t in nest.flatten(y)]
        takes_variables = "variables" in _params(grad_fn)
        if variables and not takes_variables:
            raise TypeError("The custom_gradient function uses variables, so its grad_fn must "
                            "accept a `variables` keyword argument.")
        pseudo = _CustomGradientOp(grad_fn, len(inputs), variables if takes_variables else [])
        outs = tuple(flat_y)
        record_inputs = tuple(inputs) + tuple(pseudo.variables)
        for tape in tapes:
            for v in pseudo.variables:
                if id(v) in tape.watched or (tape.watch_accessed_variables and v.trainable):
                    tape.watch(v)
            tape.record(pseudo, record_inputs, {}, outs if len(outs) > 1 else outs[0])
        return nest.pack_sequence_as(y, list(outs))

    # AutoGraph must not convert the wrapper: its source lookup follows __wrapped__ to `f` (and
    # every wrapper shares one code object). `f` runs as written, as in TensorFlow.
    return do_not_convert(wrapper)


def _params(fn):
    try:
        return inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return {}
