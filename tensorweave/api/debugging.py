"""tf.debugging: re-exports of the public functions of that namespace."""

from tensorweave.ops.logging_ops import assert_ as Assert  # noqa: F401
