"""tf.GradientTape, the public face of the tape."""

from __future__ import annotations

import enum

from tensorweave.autodiff.tape import Tape, pop, push
from tensorweave.framework.context import ctx
from tensorweave.ops.math_ops import ones_like, zeros_like
from tensorweave.ops._convert import tensor
from tensorweave.util import nest


class UnconnectedGradients(enum.Enum):
    NONE = "none"
    ZERO = "zero"


class GradientTape:
    """Records operations for automatic differentiation.

    >>> import tensorweave as tf
    >>> x = tf.constant(3.0)
    >>> with tf.GradientTape() as g:
    ...     g.watch(x)
    ...     y = x * x
    >>> float(g.gradient(y, x))
    6.0
    """

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True):
        self._persistent = persistent
        self._watch_accessed_variables = watch_accessed_variables
        self._tape = Tape(watch_accessed_variables)
        self._recording = False
        self._used = False

    def __enter__(self) -> "GradientTape":
        self._push()
        return self

    def __exit__(self, *exc) -> None:
        if self._recording:
            self._pop()

    def _push(self):
        if self._recording:
            raise ValueError("Tape is still recording, This can happen if you try to re-enter "
                             "an already-active tape.")
        push(self._tape)
        self._recording = True

    def _pop(self):
        pop(self._tape)
        self._recording = False

    def watch(self, tensor) -> None:
        """Ensures that `tensor` (or each tensor of a nested structure) is traced."""
        for t in nest.flatten(tensor):
            self._tape.watch(t)

    def watched_variables(self) -> tuple:
        return tuple(self._tape.variables.values())

    class _Stop:
        def __init__(self, tape):
            self.tape = tape

        def __enter__(self):
            if not self.tape._recording:
                raise ValueError("Cannot stop recording because the tape is not recording.")
            self.tape._pop()

        def __exit__(self, *exc):
            self.tape._push()

    def stop_recording(self):
        """A context in which ops are not recorded."""
        return GradientTape._Stop(self)

    def reset(self) -> None:
        """Clears everything recorded so far."""
        recording = self._recording
        if recording:
            self._pop()
        self._tape = Tape(self._watch_accessed_variables)
        if recording:
            self._push()

    def gradient(self, target, sources, output_gradients=None,
                 unconnected_gradients=UnconnectedGradients.NONE):
        """The gradient of `target` (summed over its elements) with respect to each source."""
        if self._used and not self._persistent:
            raise RuntimeError("A non-persistent GradientTape can only be used to compute one "
                               "set of gradients (or jacobians)")
        self._used = True
        unconnected = UnconnectedGradients(unconnected_gradients)
        targets = [tensor(t) if not hasattr(t, "_uid") else t.value()
                   for t in nest.flatten(target)]
        if output_gradients is not None:
            seeds = [tensor(g) for g in nest.flatten(output_gradients)]
        else:
            seeds = [ones_like(t) for t in targets]
        flat_sources = nest.flatten(sources)
        recording = self._recording and not self._persistent
        if recording:
            self._pop()  # gradient ops are recorded only by persistent tapes (and outer ones)
        try:
            grads = self._tape.backward(targets, seeds, {id(s) for s in flat_sources})
        finally:
            if recording:
                self._push()
        result = []
        for s in flat_sources:
            g = grads.get(id(s))
            if g is None and unconnected is UnconnectedGradients.ZERO:
                g = zeros_like(s.value() if hasattr(s, "_uid") else s)
            result.append(g)
        return nest.pack_sequence_as(sources, result)


def executing_tapes():
    return list(ctx.tapes)
