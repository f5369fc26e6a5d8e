"""tf.dtypes."""

from tensorweave.framework.dtypes import *  # noqa: F401,F403
from tensorweave.framework.dtypes import DType, as_dtype  # noqa: F401
