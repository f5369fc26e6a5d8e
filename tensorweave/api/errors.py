"""tf.errors."""

from tensorweave.framework.errors import *  # noqa: F401,F403
from tensorweave.framework.errors import OpError  # noqa: F401
