"""tf.autodiff."""

from tensorweave.autodiff.gradient_tape import GradientTape, UnconnectedGradients  # noqa: F401
