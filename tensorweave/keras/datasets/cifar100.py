"""keras.datasets.cifar100: 60,000 32x32 colour images in 100 classes (or 20 superclasses)."""

from __future__ import annotations

import os

import numpy as np

from tensorweave.keras.datasets.cifar10 import load_batch
from tensorweave.keras.utils.file_utils import get_file

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
SHA256 = "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7"


def load_data(label_mode: str = "fine"):
    """((x_train, y_train), (x_test, y_test)): uint8 images (N, 32, 32, 3), labels (N, 1) of
    the 100 classes ('fine') or the 20 superclasses ('coarse')."""
    if label_mode not in ("fine", "coarse"):
        raise ValueError('`label_mode` must be one of `"fine"`, `"coarse"`. Received: '
                         f"label_mode={label_mode}.")
    path = get_file(fname="cifar-100-python-target", origin=ORIGIN, extract=True,
                    file_hash=SHA256)
    path = os.path.join(path, "cifar-100-python")
    x_train, y_train = load_batch(os.path.join(path, "train"), f"{label_mode}_labels")
    x_test, y_test = load_batch(os.path.join(path, "test"), f"{label_mode}_labels")
    y_train = np.reshape(y_train, (len(y_train), 1))
    y_test = np.reshape(y_test, (len(y_test), 1))
    return (x_train.transpose(0, 2, 3, 1), y_train), (x_test.transpose(0, 2, 3, 1), y_test)
