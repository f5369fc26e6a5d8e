"""Foundation benchmarks: import time, eager op overhead, and the seed CNN's 3x3 convolution.

    python benchmarks/bench_core.py

Each case is written once against TensorFlow's API and run under tensorweave and TensorFlow;
PyTorch runs its equivalent. Prints Markdown tables; ratio > 1 means tensorweave is faster.
"""

from __future__ import annotations

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _harness import frameworks, import_seconds, median_time, table  # noqa: E402


def small_add(tf):
    a, b = tf.constant([1.0, 2.0]), tf.constant([3.0, 4.0])
    return lambda: a + b


def small_add_torch(torch):
    a, b = torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0])
    return lambda: a + b


def matmul_256(tf):
    a = tf.constant(np.random.rand(256, 256).astype(np.float32))
    return lambda: tf.matmul(a, a)


def matmul_256_torch(torch):
    a = torch.rand(256, 256)
    return lambda: a @ a


def conv_case(batch: int, backward: bool):
    """The seed CNN's second convolution: 13x13x32 -> 3x3x64, VALID."""
    x_np = np.random.rand(batch, 13, 13, 32).astype(np.float32)
    w_np = np.random.rand(3, 3, 32, 64).astype(np.float32)

    def case(tf):
        x, w = tf.constant(x_np), tf.Variable(w_np)
        if not backward:
            return lambda: tf.nn.conv2d(x, w, strides=1, padding="VALID")

        def step():
            with tf.GradientTape() as tape:
                y = tf.reduce_sum(tf.nn.conv2d(x, w, strides=1, padding="VALID"))
            return tape.gradient(y, w)
        return step

    def case_torch(torch):
        x = torch.tensor(x_np).permute(0, 3, 1, 2).contiguous()
        w = torch.tensor(w_np).permute(3, 2, 0, 1).contiguous().requires_grad_(backward)
        conv = torch.nn.functional.conv2d
        if not backward:
            return lambda: conv(x, w)

        def step():
            conv(x, w).sum().backward()
        return step

    return case, case_torch


def core_lines() -> int:
    root = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                        "tensorweave")
    total = 0
    for folder, _, files in os.walk(root):
        for f in files:
            if f.endswith(".py"):
                with open(os.path.join(folder, f), encoding="utf-8") as fh:
                    total += sum(1 for _ in fh)
    return total


def main() -> None:
    fws = frameworks()
    columns = list(fws)
    imports = {name: import_seconds(name) for name in columns}
    print(table("import time (fresh interpreter, median of 3)", [("import", imports)], columns))
    print()
    cases = [("small eager add", small_add, small_add_torch),
             ("matmul 256x256", matmul_256, matmul_256_torch)]
    for batch in (32, 256):
        for backward in (False, True):
            tw_case, torch_case = conv_case(batch, backward)
            label = f"conv 3x3 13x13x32->64 batch {batch} {'fwd+bwd' if backward else 'fwd'}"
            cases.append((label, tw_case, torch_case))
    rows = []
    for label, case, torch_case in cases:
        times = {}
        for name, module in fws.items():
            try:
                fn = torch_case(module) if name == "torch" else case(module)
                times[name] = median_time(fn)
            except (AttributeError, NotImplementedError) as e:  # an op not there yet
                print(f"<!-- {label} on {name}: {e} -->")
                times[name] = None
        rows.append((label, times))
    print(table("eager ops (median time per call)", rows, columns))
    print()
    print(f"tensorweave source lines: {core_lines():,}")


if __name__ == "__main__":
    main()
