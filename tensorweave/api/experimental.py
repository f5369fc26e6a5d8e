"""tf.experimental: re-exports of the public functions of that namespace."""

from tensorweave.data.optional import Optional  # noqa: F401,E402
