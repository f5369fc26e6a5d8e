"""tf.autodiff."""

from tensorweave.autodiff.gradient_tape import GradientTape, UnconnectedGradients  # noqa: F401
from tensorweave.autodiff.forward import ForwardAccumulator  # noqa: F401
