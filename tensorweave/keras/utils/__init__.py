"""keras.utils: data helpers, seeding, downloads, PyDataset."""

from tensorweave.keras.utils.dataset_utils import split_dataset
from tensorweave.keras.utils.file_utils import get_file, validate_file
from tensorweave.keras.utils.numerical_utils import normalize, pad_sequences, to_categorical
from tensorweave.keras.utils.progbar import Progbar
from tensorweave.keras.utils.py_dataset import PyDataset, Sequence
from tensorweave.keras.utils.rng_utils import set_random_seed
from tensorweave.keras.utils.timeseries import timeseries_dataset_from_array


def plot_model(model, to_file: str = "model.png", **kwargs):
    """Not available: drawing a model needs pydot and Graphviz, which tensorweave does not use.
    `model.summary()` prints the same structure as text."""
    raise NotImplementedError("keras.utils.plot_model is not implemented in tensorweave (it needs "
                              "pydot and Graphviz); use model.summary() for the layer table")


def model_to_dot(model, **kwargs):
    """Not available, as plot_model."""
    raise NotImplementedError("keras.utils.model_to_dot is not implemented in tensorweave (it "
                              "needs pydot and Graphviz)")
