"""Convert an eager model to tf.function and compare the performance.

    python examples/tf_function_speedup.py

The same training step (a small MLP: forward, GradientTape, SGD update) runs eagerly and as a
tf.function. Traced, the step is one graph: optimized once (constant folding, CSE, fusion ...)
and run by the executor with no per-op Python dispatch.
"""

import time

import numpy as np

import tensorweave as tf

rng = np.random.default_rng(0)
x = tf.constant(rng.random((64, 784), dtype=np.float32))
y = tf.constant(np.eye(10, dtype=np.float32)[rng.integers(0, 10, 64)])
w1 = tf.Variable(rng.normal(0, 0.05, (784, 128)).astype(np.float32))
b1 = tf.Variable(np.zeros(128, np.float32))
w2 = tf.Variable(rng.normal(0, 0.05, (128, 10)).astype(np.float32))
b2 = tf.Variable(np.zeros(10, np.float32))
params = [w1, b1, w2, b2]


def train_step(x, y):
    with tf.GradientTape() as tape:
        hidden = tf.nn.relu(tf.matmul(x, w1) + b1)
        logits = tf.matmul(hidden, w2) + b2
        loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(y, logits))
    for p, g in zip(params, tape.gradient(loss, params)):
        p.assign_sub(0.1 * g)
    return loss


def seconds_per_step(step, n=50):
    step(x, y)  # warm up (the first call of a tf.function traces)
    start = time.perf_counter()
    for _ in range(n):
        loss = step(x, y)
    return (time.perf_counter() - start) / n, float(loss)


traced_step = tf.function(train_step)
eager_t, eager_loss = seconds_per_step(train_step)
graph_t, graph_loss = seconds_per_step(traced_step)
print(f"eager:       {eager_t * 1e3:7.2f} ms/step (loss {eager_loss:.4f})")
print(f"tf.function: {graph_t * 1e3:7.2f} ms/step (loss {graph_loss:.4f})")
print(f"speed-up:    {eager_t / graph_t:.1f}x")
concrete = traced_step.get_concrete_function(x, y)
print(f"graph: {len(concrete.graph.get_operations())} ops traced, "
      f"{len(concrete.run_graph.get_operations())} after optimization")
