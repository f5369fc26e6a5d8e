"""Autodiff benchmarks: forward+backward of the seed's MLP and CNN, and the cost of recording.

    python benchmarks/bench_autodiff.py [--quick]

The MLP is 784-256-256-10 (ReLU) on a batch of 128; the CNN is seed_09's model (conv 3x3 32,
max-pool 2, conv 3x3 64, max-pool 2, dense 128, dense 10; dropout left out so every framework
computes the same thing) on a batch of 32. One step is: logits, mean sparse softmax cross
entropy, gradients for every weight. Both run in tensorweave and TensorFlow, eagerly under a
GradientTape and as a tf.function; PyTorch runs its eager equivalent. Ratio > 1 means
tensorweave is faster.
"""

from __future__ import annotations

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _harness import frameworks, median_time, table  # noqa: E402

RNG = np.random.default_rng(0)


def _glorot(*shape):
    fan = shape[-2] * int(np.prod(shape[:-2])) + shape[-1] if len(shape) > 2 else sum(shape)
    return (RNG.standard_normal(shape) * np.sqrt(2.0 / fan)).astype(np.float32)


MLP = [_glorot(784, 256), np.zeros(256, np.float32), _glorot(256, 256),
       np.zeros(256, np.float32), _glorot(256, 10), np.zeros(10, np.float32)]
MLP_X = RNG.random((128, 784), dtype=np.float32)
MLP_Y = RNG.integers(0, 10, 128).astype(np.int32)
CNN = [_glorot(3, 3, 1, 32), np.zeros(32, np.float32), _glorot(3, 3, 32, 64),
       np.zeros(64, np.float32), _glorot(1600, 128), np.zeros(128, np.float32),
       _glorot(128, 10), np.zeros(10, np.float32)]
CNN_X = RNG.random((32, 28, 28, 1), dtype=np.float32)
CNN_Y = RNG.integers(0, 10, 32).astype(np.int32)


def _mlp_logits(tf, w, x):
    h = tf.nn.relu(tf.matmul(x, w[0]) + w[1])
    h = tf.nn.relu(tf.matmul(h, w[2]) + w[3])
    return tf.matmul(h, w[4]) + w[5]


def _cnn_logits(tf, w, x):
    h = tf.nn.relu(tf.nn.conv2d(x, w[0], 1, "VALID") + w[1])
    h = tf.nn.max_pool2d(h, 2, 2, "VALID")
    h = tf.nn.relu(tf.nn.conv2d(h, w[2], 1, "VALID") + w[3])
    h = tf.nn.max_pool2d(h, 2, 2, "VALID")
    h = tf.reshape(h, [tf.shape(h)[0], -1])
    h = tf.nn.relu(tf.matmul(h, w[4]) + w[5])
    return tf.matmul(h, w[6]) + w[7]


def step_case(logits_fn, weights, x_np, y_np, compiled: bool):
    """A `case(tf)`: one forward+backward step, eager or as a tf.function."""

    def case(tf):
        w = [tf.Variable(a) for a in weights]
        x, y = tf.constant(x_np), tf.constant(y_np)

        def step(x, y):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
                    labels=y, logits=logits_fn(tf, w, x)))
            return tape.gradient(loss, w)

        fn = tf.function(step) if compiled else step
        return lambda: fn(x, y)

    return case


def mlp_torch(torch):
    w = [torch.tensor(a, requires_grad=True) for a in MLP]
    x, y = torch.tensor(MLP_X), torch.tensor(MLP_Y).long()
    F = torch.nn.functional

    def step():
        h = F.relu(x @ w[0] + w[1])
        h = F.relu(h @ w[2] + w[3])
        return torch.autograd.grad(F.cross_entropy(h @ w[4] + w[5], y), w)
    return step


def cnn_torch(torch):
    # NCHW with OIHW filters; the dense weight rows are permuted from NHWC flattening order
    w = [torch.tensor(CNN[0]).permute(3, 2, 0, 1).contiguous(), torch.tensor(CNN[1]),
         torch.tensor(CNN[2]).permute(3, 2, 0, 1).contiguous(), torch.tensor(CNN[3]),
         torch.tensor(CNN[4].reshape(5, 5, 64, 128).transpose(2, 0, 1, 3).reshape(1600, 128)),
         torch.tensor(CNN[5]), torch.tensor(CNN[6]), torch.tensor(CNN[7])]
    for t in w:
        t.requires_grad_(True)
    x, y = torch.tensor(CNN_X).permute(0, 3, 1, 2).contiguous(), torch.tensor(CNN_Y).long()
    F = torch.nn.functional

    def step():
        h = F.max_pool2d(F.relu(F.conv2d(x, w[0], w[1])), 2)
        h = F.max_pool2d(F.relu(F.conv2d(h, w[2], w[3])), 2)
        h = F.relu(h.flatten(1) @ w[4] + w[5])
        return torch.autograd.grad(F.cross_entropy(h @ w[6] + w[7], y), w)
    return step


def eager_add(unrelated_tape: bool):
    """A small eager op, bare or while a tape watches some other value (should cost nothing)."""

    def case(tf):
        a, b = tf.constant([1.0, 2.0]), tf.constant([3.0, 4.0])
        if not unrelated_tape:
            return lambda: a + b
        tape = tf.GradientTape()
        tape.__enter__()  # left open for the timing; this process ends right after
        tape.watch(tf.constant(0.0))
        return lambda: a + b

    def case_torch(torch):
        a, b = torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0])
        if unrelated_tape:
            torch.tensor(0.0, requires_grad=True)  # autograd on elsewhere; a, b not tracked
        return lambda: a + b

    return case, case_torch


def main() -> None:
    quick = "--quick" in sys.argv
    repeat, budget = (2, 0.05) if quick else (7, 0.5)
    fws = frameworks()
    columns = list(fws)
    cases = [
        ("MLP 784-256-256-10 b128, eager tape", step_case(_mlp_logits, MLP, MLP_X, MLP_Y, False),
         mlp_torch),
        ("MLP 784-256-256-10 b128, tf.function",
         step_case(_mlp_logits, MLP, MLP_X, MLP_Y, True), None),
        ("seed CNN b32, eager tape", step_case(_cnn_logits, CNN, CNN_X, CNN_Y, False), cnn_torch),
        ("seed CNN b32, tf.function", step_case(_cnn_logits, CNN, CNN_X, CNN_Y, True), None),
    ]
    rows = []
    for label, case, torch_case in cases:
        times = {}
        for name, module in fws.items():
            if name == "torch" and torch_case is None:
                continue
            fn = torch_case(module) if name == "torch" else case(module)
            times[name] = median_time(fn, repeat=repeat, budget_s=budget)
        rows.append((label, times))
    print(table("forward + backward step (median time per step; torch: eager autograd)", rows,
                columns))
    print()
    rows = []
    for unrelated in (False, True):
        case, torch_case = eager_add(unrelated)
        label = "eager add of 2 floats" + (", unrelated tape active" if unrelated else "")
        times = {name: median_time(torch_case(m) if name == "torch" else case(m),
                                   repeat=repeat, budget_s=budget) for name, m in fws.items()}
        rows.append((label, times))
    print(table("recording cost when no tape watches the inputs", rows, columns))


if __name__ == "__main__":
    main()
