"""The seed's MNIST CNN, trained with a tf.function training step on real handwritten digits.

    python examples/mnist_cnn.py [--epochs 5] [--batch-size 32]

Uses full MNIST from the Keras cache ($KERAS_HOME/datasets/mnist.npz, default
~/.keras/datasets) when it is there, and otherwise the 5,000 real digits in examples/data/, so it
runs offline on a fresh machine.
"""

import argparse
import os
import time

import numpy as np

import tensorweave as tf
from tensorweave import keras

HERE = os.path.dirname(os.path.abspath(__file__))


def load_digits():
    cache = os.path.join(os.environ.get("KERAS_HOME", os.path.expanduser("~/.keras")),
                         "datasets", "mnist.npz")
    if os.path.exists(cache):
        print(f"Data: {cache}")
        return keras.datasets.mnist.load_data()
    path = os.path.join(HERE, "data", "mnist_5k.npz")
    print(f"Data: {path} (no Keras MNIST cache at {cache})")
    with np.load(path) as d:
        return (d["x_train"], d["y_train"]), (d["x_test"], d["y_test"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args()

    (x_train, y_train), (x_test, y_test) = load_digits()
    x_train, x_test = x_train / 255.0, x_test / 255.0
    x_train = x_train[..., tf.newaxis].astype("float32")
    x_test = x_test[..., tf.newaxis].astype("float32")
    train_ds = tf.data.Dataset.from_tensor_slices((x_train, y_train)).shuffle(10000).batch(
        args.batch_size)
    test_ds = tf.data.Dataset.from_tensor_slices((x_test, y_test)).batch(args.batch_size)

    model = keras.Sequential([
        keras.layers.Conv2D(32, kernel_size=(3, 3), activation="relu", input_shape=(28, 28, 1)),
        keras.layers.MaxPooling2D(pool_size=(2, 2)),
        keras.layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        keras.layers.MaxPooling2D(pool_size=(2, 2)),
        keras.layers.Flatten(),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dropout(0.2),
        keras.layers.Dense(10, activation="softmax"),
    ])
    loss_fn = keras.losses.SparseCategoricalCrossentropy()
    optimizer = keras.optimizers.Adam()
    train_accuracy = keras.metrics.SparseCategoricalAccuracy()
    test_accuracy = keras.metrics.SparseCategoricalAccuracy()

    @tf.function
    def train_step(images, labels):
        with tf.GradientTape() as tape:
            predictions = model(images, training=True)
            loss = loss_fn(labels, predictions)
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables))
        train_accuracy(labels, predictions)
        return loss

    @tf.function
    def test_step(images, labels):
        test_accuracy(labels, model(images, training=False))

    for epoch in range(args.epochs):
        train_accuracy.reset_states()
        test_accuracy.reset_states()
        start, total_loss, batches = time.perf_counter(), 0.0, 0
        for images, labels in train_ds:
            total_loss += float(train_step(images, labels))
            batches += 1
        seconds = time.perf_counter() - start
        for images, labels in test_ds:
            test_step(images, labels)
        print(f"Epoch {epoch + 1}: loss {total_loss / batches:.4f}, "
              f"accuracy {float(train_accuracy.result()) * 100:.2f} %, "
              f"test accuracy {float(test_accuracy.result()) * 100:.2f} %, "
              f"{len(x_train) / seconds:,.0f} samples/s")


if __name__ == "__main__":
    main()
