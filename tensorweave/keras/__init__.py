"""tensorweave.keras: Keras's public API on tensorweave."""

from tensorweave.keras import (activations, constraints, initializers, losses, metrics,
                               regularizers, utils)
