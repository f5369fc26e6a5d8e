"""tf.saved_model: re-exports of the public functions of that namespace."""

from tensorweave.saving.saved_model import DEFAULT_SIGNATURE as _DEFAULT  # noqa: E402
from tensorweave.saving.saved_model import load, save  # noqa: F401,E402

DEFAULT_SERVING_SIGNATURE_DEF_KEY = _DEFAULT
SERVING = "serve"
