"""keras.datasets.fashion_mnist: 70,000 28x28 grayscale images of 10 kinds of clothing."""

from __future__ import annotations

import gzip
import os

import numpy as np

from tensorweave.keras.utils.file_utils import get_file

BASE = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
FILES = ("train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz",
         "t10k-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz")


def _idx(path: str, offset: int) -> np.ndarray:
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=offset)


def load_data():
    """((x_train, y_train), (x_test, y_test)): uint8 images (N, 28, 28), uint8 labels 0-9.

    Cached in `$KERAS_HOME/datasets/fashion-mnist/`, downloaded when missing.
    """
    dirname = os.path.join("datasets", "fashion-mnist")
    paths = [get_file(fname, origin=BASE + fname, cache_subdir=dirname) for fname in FILES]
    y_train = _idx(paths[0], 8)
    x_train = _idx(paths[1], 16).reshape(len(y_train), 28, 28)
    y_test = _idx(paths[2], 8)
    x_test = _idx(paths[3], 16).reshape(len(y_test), 28, 28)
    return (x_train, y_train), (x_test, y_test)
