"""Math-family benchmarks: small eager ops (overhead) and medium arrays (kernels), forward and
with gradients, under tensorweave, TensorFlow and PyTorch.

    python benchmarks/bench_math.py

Prints Markdown tables; ratio > 1 means tensorweave is faster.
"""

from __future__ import annotations

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _harness import frameworks, median_time, table  # noqa: E402

SMALL = np.array([1.0, -2.0, 3.0, 0.5], np.float32)
MEDIUM = np.random.default_rng(0).standard_normal((512, 512)).astype(np.float32)


def _cases():
    """(label, case(tf), case(torch)) for every benchmark."""
    def small(expr_tf, expr_torch):
        def case(tf):
            a, b = tf.constant(SMALL), tf.constant(SMALL[::-1].copy())
            return lambda: expr_tf(tf, a, b)

        def case_torch(torch):
            a, b = torch.tensor(SMALL), torch.tensor(SMALL[::-1].copy())
            return lambda: expr_torch(torch, a, b)
        return case, case_torch

    def medium(expr_tf, expr_torch):
        def case(tf):
            a = tf.constant(MEDIUM)
            return lambda: expr_tf(tf, a)

        def case_torch(torch):
            a = torch.tensor(MEDIUM)
            return lambda: expr_torch(torch, a)
        return case, case_torch

    def grad(expr_tf, expr_torch):
        def case(tf):
            a = tf.Variable(MEDIUM)

            def step():
                with tf.GradientTape() as tape:
                    y = expr_tf(tf, a)
                return tape.gradient(y, a)
            return step

        def case_torch(torch):
            a = torch.tensor(MEDIUM, requires_grad=True)

            def step():
                a.grad = None
                expr_torch(torch, a).backward()
            return step
        return case, case_torch

    return [
        ("small a * b", *small(lambda tf, a, b: a * b, lambda t, a, b: a * b)),
        ("small a == b", *small(lambda tf, a, b: a == b, lambda t, a, b: a == b)),
        ("small tf.maximum", *small(lambda tf, a, b: tf.maximum(a, b),
                                    lambda t, a, b: t.maximum(a, b))),
        ("small tf.exp", *small(lambda tf, a, b: tf.exp(a), lambda t, a, b: t.exp(a))),
        ("small reduce_mean", *small(lambda tf, a, b: tf.reduce_mean(a),
                                     lambda t, a, b: t.mean(a))),
        ("small argmax", *small(lambda tf, a, b: tf.argmax(a), lambda t, a, b: t.argmax(a))),
        ("512x512 sigmoid", *medium(lambda tf, a: tf.sigmoid(a), lambda t, a: t.sigmoid(a))),
        ("512x512 reduce_sum axis 1", *medium(lambda tf, a: tf.reduce_sum(a, axis=1),
                                              lambda t, a: t.sum(a, dim=1))),
        ("512x512 reduce_max axis 0", *medium(lambda tf, a: tf.reduce_max(a, axis=0),
                                              lambda t, a: t.amax(a, dim=0))),
        ("512x512 logsumexp axis 1", *medium(lambda tf, a: tf.reduce_logsumexp(a, axis=1),
                                             lambda t, a: t.logsumexp(a, dim=1))),
        ("512x512 cumsum axis 1", *medium(lambda tf, a: tf.math.cumsum(a, axis=1),
                                          lambda t, a: t.cumsum(a, dim=1))),
        ("512x512 top_k 8", *medium(lambda tf, a: tf.math.top_k(a, 8),
                                    lambda t, a: t.topk(a, 8))),
        ("512x512 unsorted_segment_sum", *medium(
            lambda tf, a: tf.math.unsorted_segment_sum(a, np.arange(512) % 16, 16),
            lambda t, a: t.zeros(16, 512).index_add_(0, t.arange(512) % 16, a))),
        ("grad sum(softplus(a) * a)", *grad(lambda tf, a: tf.reduce_sum(tf.math.softplus(a) * a),
                                            lambda t, a: (t.nn.functional.softplus(a) * a).sum())),
        ("grad sum(max over axis 1)", *grad(lambda tf, a: tf.reduce_sum(tf.reduce_max(a, axis=1)),
                                            lambda t, a: a.amax(dim=1).sum())),
    ]


def main() -> None:
    fws = frameworks()
    columns = list(fws)
    rows = []
    for label, case, case_torch in _cases():
        times = {}
        for name, module in fws.items():
            try:
                fn = case_torch(module) if name == "torch" else case(module)
                times[name] = median_time(fn, repeat=5, budget_s=0.1)
            except (AttributeError, NotImplementedError, TypeError) as e:
                print(f"<!-- {label} on {name}: {e} -->")
                times[name] = None
        rows.append((label, times))
    print(table("math ops, eager (median time per call)", rows, columns))


if __name__ == "__main__":
    main()
