"""keras.datasets: MNIST, Fashion-MNIST and CIFAR-10 in Keras's cache layout.

    >>> from tensorweave import keras
    >>> (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()  # doctest: +SKIP
"""

from tensorweave.keras.datasets import cifar10, fashion_mnist, mnist

__all__ = ["mnist", "fashion_mnist", "cifar10"]
