"""keras.datasets: MNIST, Fashion-MNIST, CIFAR-10/100 and Boston housing in Keras's cache layout.

    >>> from tensorweave import keras
    >>> (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()  # doctest: +SKIP

(IMDB and Reuters are not provided: Keras ships them as pickled object arrays, which tensorweave
does not load.)
"""

from tensorweave.keras.datasets import boston_housing, cifar10, cifar100, fashion_mnist, mnist

__all__ = ["mnist", "fashion_mnist", "cifar10", "cifar100", "boston_housing"]
