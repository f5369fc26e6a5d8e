"""Convolution and pooling benchmarks at the seed CNN's shapes (MNIST, 28x28x1).

    python benchmarks/bench_conv.py [--quick]

The seed's convolutional stack is conv 3x3x32 (relu) -> max pool 2 -> conv 3x3x64 (relu) -> max
pool 2. Each layer alone and the whole stack are timed forward, and forward + backward (gradients
for the filters, as training needs), at batch 32 and 256. Cases are written once against
TensorFlow's API (tensorweave and TensorFlow, both eager); PyTorch runs its NCHW equivalent on the
CPU. Prints one Markdown table; a ratio > 1 means tensorweave is faster.
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _harness import frameworks, median_time, table  # noqa: E402

_RNG = np.random.default_rng(0)
_W1 = (_RNG.standard_normal((3, 3, 1, 32)) * 0.3).astype(np.float32)
_W2 = (_RNG.standard_normal((3, 3, 32, 64)) * 0.06).astype(np.float32)


def _input(batch, shape):
    return _RNG.random((batch,) + shape).astype(np.float32)


def _stack_tf(tf, x, w1, w2):
    y = tf.nn.relu(tf.nn.conv2d(x, w1, 1, "VALID"))
    y = tf.nn.max_pool2d(y, 2, 2, "VALID")
    y = tf.nn.relu(tf.nn.conv2d(y, w2, 1, "VALID"))
    return tf.nn.max_pool2d(y, 2, 2, "VALID")


def _stack_torch(torch, x, w1, w2):
    f = torch.nn.functional
    y = f.max_pool2d(f.relu(f.conv2d(x, w1)), 2)
    return f.max_pool2d(f.relu(f.conv2d(y, w2)), 2)


def cases(batch: int):
    """[(name, case(tf), case_torch(torch))] for one batch size."""
    x1 = _input(batch, (28, 28, 1))
    x2 = _input(batch, (13, 13, 32))
    xp = _input(batch, (26, 26, 32))

    def conv(x_np, w_np, backward):
        def case(tf):
            x, w = tf.constant(x_np), tf.Variable(w_np)
            if not backward:
                return lambda: tf.nn.conv2d(x, w, 1, "VALID")

            def step():
                with tf.GradientTape() as tape:
                    y = tf.reduce_sum(tf.nn.conv2d(x, w, 1, "VALID"))
                return tape.gradient(y, w)
            return step

        def case_torch(torch):
            x = torch.tensor(x_np).permute(0, 3, 1, 2).contiguous()
            w = torch.tensor(w_np).permute(3, 2, 0, 1).contiguous().requires_grad_(backward)
            if not backward:
                return lambda: torch.nn.functional.conv2d(x, w)

            def step():
                torch.nn.functional.conv2d(x, w).sum().backward()
            return step
        return case, case_torch

    def pool(backward):
        def case(tf):
            x = tf.constant(xp)
            if not backward:
                return lambda: tf.nn.max_pool2d(x, 2, 2, "VALID")

            def step():
                with tf.GradientTape() as tape:
                    tape.watch(x)
                    y = tf.reduce_sum(tf.nn.max_pool2d(x, 2, 2, "VALID"))
                return tape.gradient(y, x)
            return step

        def case_torch(torch):
            x = torch.tensor(xp).permute(0, 3, 1, 2).contiguous().requires_grad_(backward)
            if not backward:
                return lambda: torch.nn.functional.max_pool2d(x, 2)

            def step():
                torch.nn.functional.max_pool2d(x, 2).sum().backward()
            return step
        return case, case_torch

    def stack(backward):
        def case(tf):
            x, w1, w2 = tf.constant(x1), tf.Variable(_W1), tf.Variable(_W2)
            if not backward:
                return lambda: _stack_tf(tf, x, w1, w2)

            def step():
                with tf.GradientTape() as tape:
                    y = tf.reduce_sum(_stack_tf(tf, x, w1, w2))
                return tape.gradient(y, [w1, w2])
            return step

        def case_torch(torch):
            x = torch.tensor(x1).permute(0, 3, 1, 2).contiguous()
            w1 = torch.tensor(_W1).permute(3, 2, 0, 1).contiguous().requires_grad_(backward)
            w2 = torch.tensor(_W2).permute(3, 2, 0, 1).contiguous().requires_grad_(backward)
            if not backward:
                return lambda: _stack_torch(torch, x, w1, w2)

            def step():
                _stack_torch(torch, x, w1, w2).sum().backward()
            return step
        return case, case_torch

    b = f"b{batch}"
    return [
        (f"conv1 28x28x1 -> 32, fwd, {b}", *conv(x1, _W1, False)),
        (f"conv1 28x28x1 -> 32, fwd+bwd, {b}", *conv(x1, _W1, True)),
        (f"conv2 13x13x32 -> 64, fwd, {b}", *conv(x2, _W2, False)),
        (f"conv2 13x13x32 -> 64, fwd+bwd, {b}", *conv(x2, _W2, True)),
        (f"maxpool 2x2 26x26x32, fwd, {b}", *pool(False)),
        (f"maxpool 2x2 26x26x32, fwd+bwd, {b}", *pool(True)),
        (f"seed conv stack, fwd, {b}", *stack(False)),
        (f"seed conv stack, fwd+bwd, {b}", *stack(True)),
    ]


def cpu_time(fn, rounds: int = 10) -> float:
    """Least CPU seconds (all threads of the process) of one call: the work done, which a
    loaded machine distorts far less than wall time."""
    fn()
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return best


def main() -> None:
    quick = "--quick" in sys.argv
    found = frameworks()
    columns = list(found)
    rows = []
    for batch in (32, 256):
        for name, case, case_torch in cases(batch):
            times = {}
            for fw, module in found.items():
                fn = case_torch(module) if fw == "torch" else case(module)
                times[fw] = median_time(fn, repeat=3 if quick else 7,
                                        budget_s=0.1 if quick else 0.3)
            rows.append((name, times))
    print(table("Convolution and pooling at the seed CNN's shapes (CPU, eager)", rows, columns))
    print()
    for fw in columns:
        for batch in (32, 256):
            t = dict(rows)[f"seed conv stack, fwd+bwd, b{batch}"][fw]
            print(f"- {fw}: seed conv stack fwd+bwd at batch {batch}: "
                  f"{batch / t:,.0f} samples/s")
    work = []
    for batch in (32, 256):
        for name, case, case_torch in cases(batch):
            if name.startswith("seed conv stack"):
                work.append((name, {fw: cpu_time(case_torch(m) if fw == "torch" else case(m))
                                    for fw, m in found.items()}))
    print()
    print(table("CPU time of the seed conv stack (all threads; least of 10 calls)", work,
                columns))


if __name__ == "__main__":
    main()
