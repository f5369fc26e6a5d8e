"""tf.dtypes."""

from tensorweave.framework.dtypes import *  # noqa: F401,F403
from tensorweave.framework.dtypes import DType, as_dtype  # noqa: F401
from tensorweave.ops.clip_ops import saturate_cast  # noqa: F401,E402
