"""keras.utils: data helpers, seeding and file download."""

from tensorweave.keras.utils.numerical_utils import normalize, to_categorical
from tensorweave.keras.utils.rng_utils import set_random_seed


def __getattr__(name):
    # Progbar lives in the engine's progbar.py, which imports the engine's pieces: load on use.
    if name == "Progbar":
        from tensorweave.keras.utils.progbar import Progbar

        return Progbar
    raise AttributeError(f"module 'tensorweave.keras.utils' has no attribute {name!r}")
