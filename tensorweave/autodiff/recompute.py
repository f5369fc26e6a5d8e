"""tf.recompute_grad: trade compute for memory by re-running the forward pass in the backward."""

from __future__ import annotations

import functools

from tensorweave.autodiff.custom_gradient import custom_gradient
from tensorweave.autodiff.gradient_tape import GradientTape
from tensorweave.graph.autograph import do_not_convert
from tensorweave.util import nest


def recompute_grad(f):
    """Wraps `f` so its intermediate activations are not kept by the tape: the gradient re-runs
    `f` under a fresh tape instead (the variables it reads get their gradients too)."""

    @functools.wraps(f)
    @custom_gradient
    def wrapped(*args, **kwargs):
        result = f(*args, **kwargs)

        def grad(*dresult, variables=None):
            variables = list(variables or [])
            with GradientTape() as tape:
                tape.watch(list(args))
                tape.watch(variables)
                again = f(*args, **kwargs)
            grads = tape.gradient(nest.flatten(again), list(args) + variables,
                                  output_gradients=list(dresult))
            return grads[:len(args)], grads[len(args):]

        return result, grad

    return do_not_convert(wrapped)  # as custom_gradient: run as written inside tf.function
