"""tf.GradientTape, the public face of the tape."""

from __future__ import annotations

import enum

from tensorweave.autodiff.tape import Tape, pop, push
from tensorweave.framework.constant_op import convert_to_tensor
from tensorweave.ops import array_ops
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
            if not hasattr(t, "dtype") or not hasattr(t, "shape"):
                raise ValueError(f"Passed in object {t!r} of type {type(t).__name__!r}, not "
                                 f"tf.Tensor or tf.Variable or ExtensionType.")
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
            seeds = [tensor(g) if g is not None else ones_like(t)
                     for g, t in zip(nest.flatten(output_gradients), targets)]
            if len(nest.flatten(output_gradients)) != len(targets):
                raise ValueError(f"GradientTape.gradient: got {len(nest.flatten(output_gradients))}"
                                 f" output_gradients for {len(targets)} targets")
            for k, (g, t) in enumerate(zip(seeds, targets)):
                if (g.shape.is_fully_defined() and t.shape.is_fully_defined()
                        and tuple(g.shape) != tuple(t.shape)):
                    raise ValueError(f"GradientTape.gradient: output_gradients[{k}] has shape "
                                     f"{tuple(g.shape)}, expected the target's shape "
                                     f"{tuple(t.shape)}")
        else:
            seeds = [ones_like(t) for t in targets]
        flat_sources = nest.flatten(sources)
        recording = self._recording and not self._persistent
        if recording:
            self._pop()  # gradient ops are recorded only by persistent tapes (and outer ones)
        try:
            grads = self._tape.backward(targets, seeds, {id(s) for s in flat_sources},
                                        consume=not self._persistent)
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

    def _backward_per_seed(self, target, sources, seeds) -> list:
        """For each seed, the gradients of <target, seed> for each source (the tape is walked,
        not consumed, so one recording serves every row of a Jacobian)."""
        if self._used and not self._persistent:
            raise RuntimeError("A non-persistent GradientTape can only be used to compute one "
                               "set of gradients (or jacobians)")
        self._used = True
        recording = self._recording and not self._persistent
        if recording:
            self._pop()
        try:
            ids = {id(s) for s in sources}
            rows = []
            for seed in seeds:
                grads = self._tape.backward([target], [seed], ids)
                rows.append([grads.get(id(s)) for s in sources])
        finally:
            if recording:
                self._push()
        return rows

    def jacobian(self, target, sources, unconnected_gradients=UnconnectedGradients.NONE,
                 parallel_iterations=None, experimental_use_pfor=True):
        """The Jacobian of `target` for each source: shape target.shape + source.shape.

        One reverse pass per element of `target`.
        """
        unconnected = UnconnectedGradients(unconnected_gradients)
        target = tensor(target) if not hasattr(target, "_uid") else target.value()
        n = target.shape.num_elements()
        flat_sources = nest.flatten(sources)
        seeds = [array_ops.reshape(array_ops.one_hot(i, n, dtype=target.dtype), target.shape)
                 for i in range(n)]
        rows = self._backward_per_seed(target, flat_sources, seeds)
        results = []
        for k, source in enumerate(flat_sources):
            src = source.value() if hasattr(source, "_uid") else source
            column = [row[k] for row in rows]
            shape = list(target.shape) + list(src.shape)
            if all(g is None for g in column):
                results.append(None if unconnected is UnconnectedGradients.NONE
                               else array_ops.zeros(shape, dtype=src.dtype))
                continue
            column = [convert_to_tensor(g) if g is not None else zeros_like(src) for g in column]
            results.append(array_ops.reshape(array_ops.stack(column), shape))
        return nest.pack_sequence_as(sources, results)

    def batch_jacobian(self, target, source, unconnected_gradients=UnconnectedGradients.NONE,
                       parallel_iterations=None, experimental_use_pfor=True):
        """Per-example Jacobians: target [b, ...] and source [b, ...] give [b, t..., s...].

        Example i of `target` must depend only on example i of `source` (TensorFlow's contract);
        each reverse pass then seeds one target position across the whole batch at once.
        """
        unconnected = UnconnectedGradients(unconnected_gradients)
        target = tensor(target)
        src = source.value() if hasattr(source, "_uid") else source
        batch = target.shape[0]
        if batch != src.shape[0]:
            raise ValueError(f"Need first dimension of target shape ({tuple(target.shape)}) and "
                             f"source shape ({tuple(src.shape)}) to match.")
        inner = target.shape[1:].num_elements()
        seeds = []
        for j in range(inner):
            row = array_ops.one_hot(j, inner, dtype=target.dtype)
            seeds.append(array_ops.reshape(array_ops.tile(array_ops.expand_dims(row, 0),
                                                          [batch, 1]), target.shape))
        rows = [row[0] for row in self._backward_per_seed(target, [source], seeds)]
        if all(r is None for r in rows):
            if unconnected is UnconnectedGradients.NONE:
                return None
            return array_ops.zeros(list(target.shape) + list(src.shape)[1:], dtype=src.dtype)
        rows = [convert_to_tensor(r) if r is not None else zeros_like(src) for r in rows]
        stacked = array_ops.stack(rows, axis=1)  # [b, inner, source dims...]
        return array_ops.reshape(stacked, list(target.shape) + list(src.shape)[1:])
