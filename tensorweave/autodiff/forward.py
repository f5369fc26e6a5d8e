"""tf.autodiff.ForwardAccumulator: forward-mode (Jacobian-vector) products.

Built on reverse mode by the transpose trick: for a dummy cotangent u, the vector-Jacobian
product g(u) = u^T J is linear in u, so differentiating <g(u), tangent> with respect to u gives
J @ tangent. Every gradient rule is written with tensorweave ops, so this needs no second set of
(forward) rules and works for every differentiable op.
"""

from __future__ import annotations

from tensorweave.autodiff.gradient_tape import GradientTape, UnconnectedGradients
from tensorweave.ops.math_ops import ones_like, zeros_like
from tensorweave.util import nest


class ForwardAccumulator:
    """Computes Jacobian-vector products of what is computed inside it.

    >>> import tensorweave as tf
    >>> x = tf.constant([1.0, 2.0])
    >>> with tf.autodiff.ForwardAccumulator(x, tf.constant([1.0, 0.0])) as acc:
    ...     y = x * x
    >>> acc.jvp(y).numpy().tolist()
    [2.0, 0.0]
    """

    def __init__(self, primals, tangents):
        self._primals = nest.flatten(primals)
        self._tangents = nest.flatten(tangents)
        if len(self._primals) != len(self._tangents):
            raise ValueError(f"ForwardAccumulator got {len(self._primals)} primals but "
                             f"{len(self._tangents)} tangents")
        for p, t in zip(self._primals, self._tangents):
            if t is not None and tuple(p.shape) != tuple(t.shape):
                raise ValueError(f"Tangent shape {t.shape} does not match primal shape "
                                 f"{p.shape}")
        self._tape = GradientTape(persistent=True, watch_accessed_variables=False)

    def __enter__(self) -> "ForwardAccumulator":
        self._tape.__enter__()
        self._tape.watch(self._primals)
        return self

    def __exit__(self, *exc) -> None:
        self._tape.__exit__(*exc)

    def jvp(self, primals, unconnected_gradients=UnconnectedGradients.NONE):
        """J @ tangents for each of `primals` (values computed inside the accumulator)."""
        unconnected = UnconnectedGradients(unconnected_gradients)

        def one(target):
            target = target.value() if hasattr(target, "_uid") else target
            u = ones_like(target)
            recording = self._tape._recording
            if recording:
                self._tape._pop()
            try:
                with GradientTape(persistent=True) as inner:
                    inner.watch(u)
                    grads = self._tape.gradient(target, self._primals, output_gradients=u)
                pairs = [(g, t) for g, t in zip(grads, self._tangents)
                         if g is not None and t is not None]
                result = None
                if pairs:
                    result = inner.gradient([g for g, _ in pairs], u,
                                            output_gradients=[t for _, t in pairs])
            finally:
                if recording:
                    self._tape._push()
            if result is None and unconnected is UnconnectedGradients.ZERO:
                result = zeros_like(target)
            return result

        return nest.map_structure(one, primals)
