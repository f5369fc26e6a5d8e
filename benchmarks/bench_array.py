"""Array op benchmarks: eager overhead of the everyday shape ops and indexing, and the sparse
(IndexedSlices) gradient of an embedding lookup against a dense one.

    python benchmarks/bench_array.py

Each case is written once against TensorFlow's API and run under tensorweave and TensorFlow;
PyTorch runs its equivalent. Prints a Markdown table; ratio > 1 means tensorweave is faster.
"""

from __future__ import annotations

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _harness import frameworks, median_time, table  # noqa: E402

X = np.random.default_rng(0).standard_normal((32, 64)).astype(np.float32)
TABLE = np.random.default_rng(1).standard_normal((50_000, 64)).astype(np.float32)
IDS = np.random.default_rng(2).integers(0, 50_000, (256,)).astype(np.int32)


def reshape(tf):
    x = tf.constant(X)
    return lambda: tf.reshape(x, [64, -1])


def reshape_torch(torch):
    x = torch.tensor(X)
    return lambda: x.reshape(64, -1)


def getitem_row(tf):
    x = tf.constant(X)
    return lambda: x[3]


def getitem_row_torch(torch):
    x = torch.tensor(X)
    return lambda: x[3]


def getitem_slices(tf):
    x = tf.constant(X)
    return lambda: x[1:-1, ::2]


def getitem_slices_torch(torch):
    x = torch.tensor(X)
    return lambda: x[1:-1, ::2]


def concat(tf):
    x = tf.constant(X)
    return lambda: tf.concat([x, x, x], axis=1)


def concat_torch(torch):
    x = torch.tensor(X)
    return lambda: torch.cat([x, x, x], dim=1)


def gather(tf):
    x = tf.constant(X)
    ids = tf.constant(IDS % 32)
    return lambda: tf.gather(x, ids)


def gather_torch(torch):
    x = torch.tensor(X)
    ids = torch.tensor(IDS % 32, dtype=torch.long)
    return lambda: x[ids]


def embedding_grad(tf):
    """Forward and backward of a 50k x 64 embedding looked up at 256 ids."""
    table_ = tf.Variable(TABLE)
    ids = tf.constant(IDS)

    def step():
        with tf.GradientTape() as tape:
            y = tf.reduce_sum(tf.nn.embedding_lookup(table_, ids))
        return tape.gradient(y, table_)
    return step


def embedding_grad_torch(torch):
    emb = torch.nn.Embedding(50_000, 64, sparse=True)
    ids = torch.tensor(IDS, dtype=torch.long)

    def step():
        emb.zero_grad(set_to_none=True)
        emb(ids).sum().backward()
    return step


def pad_reflect(tf):
    x = tf.constant(X)
    return lambda: tf.pad(x, [[2, 2], [3, 3]], "REFLECT")


def pad_reflect_torch(torch):
    x = torch.tensor(X)[None]
    return lambda: torch.nn.functional.pad(x, (3, 3), mode="reflect")


def main() -> None:
    fws = frameworks()
    columns = list(fws)
    cases = [("tf.reshape 32x64", reshape, reshape_torch),
             ("x[3]", getitem_row, getitem_row_torch),
             ("x[1:-1, ::2]", getitem_slices, getitem_slices_torch),
             ("tf.concat 3 x 32x64", concat, concat_torch),
             ("tf.gather 256 rows of 32x64", gather, gather_torch),
             ("tf.pad REFLECT 32x64", pad_reflect, pad_reflect_torch),
             ("embedding 50k x 64, 256 ids, fwd+bwd (sparse grad)", embedding_grad,
              embedding_grad_torch)]
    rows = []
    for label, case, torch_case in cases:
        times = {}
        for name, module in fws.items():
            try:
                fn = torch_case(module) if name == "torch" else case(module)
                times[name] = median_time(fn)
            except (AttributeError, NotImplementedError) as e:
                print(f"<!-- {label} on {name}: {e} -->")
                times[name] = None
        rows.append((label, times))
    print(table("array ops, eager (median time per call)", rows, columns))


if __name__ == "__main__":
    main()
