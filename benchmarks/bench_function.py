"""tf.function benchmarks: the call overhead of a small traced function, and graph over eager on
an MLP training step (forward, GradientTape, SGD update) written with TensorFlow's core API.

    python benchmarks/bench_function.py

Each case is written once against TensorFlow's API and run under tensorweave and TensorFlow
(where installed). Prints Markdown tables; ratio > 1 means tensorweave is faster.
"""

from __future__ import annotations

import os
import sys

# One BLAS thread: on a small shared machine OpenBLAS's thread pool spins against other work
# and a 64x784x128 matmul takes 100 ms instead of 1.5; TensorFlow gets one thread too.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _harness import frameworks, median_time, table  # noqa: E402


def ten_small_ops(tf):
    """A tf.function of 10 small elementwise ops on a [4] vector: the per-call overhead."""
    @tf.function
    def f(x, y):
        a = x + y
        b = a * x
        c = b - y
        d = c * 0.5
        e = tf.abs(d)
        g = e + 1.0
        h = g * g
        i = h - x
        j = i / 3.0
        return tf.negative(j)

    x, y = tf.constant([1.0, 2.0, 3.0, 4.0]), tf.constant([0.5, 0.5, 0.5, 0.5])
    return lambda: f(x, y)


def ten_small_ops_eager(tf):
    x, y = tf.constant([1.0, 2.0, 3.0, 4.0]), tf.constant([0.5, 0.5, 0.5, 0.5])

    def f():
        a = x + y
        b = a * x
        c = b - y
        d = c * 0.5
        e = tf.abs(d)
        g = e + 1.0
        h = g * g
        i = h - x
        j = i / 3.0
        return tf.negative(j)
    return f


def mlp_step(traced: bool, batch: int = 64):
    """One SGD step of a 784-128-10 MLP with softmax cross-entropy, eager or as a tf.function."""
    rng = np.random.default_rng(0)
    x_np = rng.random((batch, 784), dtype=np.float32)
    y_np = np.eye(10, dtype=np.float32)[rng.integers(0, 10, batch)]

    def case(tf):
        w1 = tf.Variable(rng.normal(0, 0.05, (784, 128)).astype(np.float32))
        b1 = tf.Variable(np.zeros(128, np.float32))
        w2 = tf.Variable(rng.normal(0, 0.05, (128, 10)).astype(np.float32))
        b2 = tf.Variable(np.zeros(10, np.float32))
        params = [w1, b1, w2, b2]
        x, y = tf.constant(x_np), tf.constant(y_np)

        def step(x, y):
            with tf.GradientTape() as tape:
                h = tf.nn.relu(tf.matmul(x, w1) + b1)
                logits = tf.matmul(h, w2) + b2
                loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(y, logits))
            grads = tape.gradient(loss, params)
            for p, g in zip(params, grads):
                p.assign_sub(0.1 * g)
            return loss

        fn = tf.function(step) if traced else step
        return lambda: fn(x, y)
    return case


def cnn_step(traced: bool, batch: int = 32):
    """One Adam step of seed 09's Keras CNN on MNIST-shaped data, eager or as a tf.function."""
    rng = np.random.default_rng(0)
    x_np = rng.random((batch, 28, 28, 1), dtype=np.float32)
    y_np = rng.integers(0, 10, batch)

    def case(tf):
        keras = tf.keras
        layers = keras.layers
        model = keras.Sequential([
            keras.Input((28, 28, 1)),
            layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Flatten(),
            layers.Dense(128, activation="relu"),
            layers.Dropout(0.2),
            layers.Dense(10, activation="softmax")])
        loss_fn = keras.losses.SparseCategoricalCrossentropy()
        optimizer = keras.optimizers.Adam()
        x, y = tf.constant(x_np), tf.constant(y_np)

        def step(x, y):
            with tf.GradientTape() as tape:
                loss = loss_fn(y, model(x, training=True))
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
            return loss

        fn = tf.function(step) if traced else step
        return lambda: fn(x, y)
    return case


def main() -> None:
    fws = frameworks(include_torch=False)
    if "tensorflow" in fws:
        fws["tensorflow"].config.threading.set_intra_op_parallelism_threads(1)
        fws["tensorflow"].config.threading.set_inter_op_parallelism_threads(1)
    columns = list(fws)
    cases = [("10 small ops, tf.function", ten_small_ops),
             ("10 small ops, eager", ten_small_ops_eager),
             ("MLP train step (b=64), eager", mlp_step(False)),
             ("MLP train step (b=64), tf.function", mlp_step(True)),
             ("seed CNN train step (b=32), eager", cnn_step(False)),
             ("seed CNN train step (b=32), tf.function", cnn_step(True))]
    rows = []
    for name, case in cases:
        times = {}
        for fw_name, fw in fws.items():
            try:
                times[fw_name] = median_time(case(fw))
            except Exception as e:  # noqa: BLE001 - a missing op shows as n/a, not a crash
                print(f"{name} on {fw_name}: {type(e).__name__}: {e}", file=sys.stderr)
                times[fw_name] = None
        rows.append((name, times))
    print(table("tf.function call overhead and graph vs eager (CPU)", rows, columns))


if __name__ == "__main__":
    main()
