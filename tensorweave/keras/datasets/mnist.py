"""keras.datasets.mnist: 70,000 handwritten digits (28x28 uint8), as Keras ships them."""

from __future__ import annotations

import numpy as np

from tensorweave.keras.utils.file_utils import get_file

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
_KEYS = ("x_train", "y_train", "x_test", "y_test")


def load_data(path: str = "mnist.npz"):
    """((x_train, y_train), (x_test, y_test)): uint8 images (N, 28, 28) and uint8 labels.

    Reads `$KERAS_HOME/datasets/<path>` (default ~/.keras/datasets/mnist.npz), downloading it
    when missing. A cached file that differs from the published one is used with a warning.
    """
    fpath = get_file(fname=path, origin=ORIGIN, file_hash=SHA256)
    with np.load(fpath, allow_pickle=False) as f:
        missing = [k for k in _KEYS if k not in f.files]
        if missing:
            raise ValueError(f"{fpath} is not an MNIST file: it lacks {missing} (it has "
                             f"{sorted(f.files)})")
        x_train, y_train, x_test, y_test = (f[k] for k in _KEYS)
    return (x_train, y_train), (x_test, y_test)
