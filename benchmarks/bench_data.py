"""tf.data benchmarks: an MNIST-sized input pipeline, and prefetch overlapping a training step.

    python benchmarks/bench_data.py [--epochs 3]

The pipeline is from_tensor_slices -> shuffle(10000) -> map -> batch(32) -> prefetch(AUTOTUNE)
over 60000 random 28x28 float32 images and int64 labels, written once against TensorFlow's API
and run under tensorweave and TensorFlow (where installed). The figure is elements per second
over whole epochs (median of `--epochs`), each batch received as tensors by a Python loop.

Cases:
- rowwise map: `x / 255` is elementwise, so tensorweave runs the traced map once per gathered
  batch (the same values as per element); TensorFlow maps per element on its thread pool.
- per-element map: `tf.reshape(x, [784])` is not elementwise: both frameworks call the traced
  function once per element and stack the results.
- no map: shuffle -> batch -> prefetch, one fancy-index gather per batch in tensorweave.

The overlap demo models a training step taking `--step-ms` (a sleep, as when an accelerator
runs it) after a producer doing real work per element, with prefetch(0) (no overlap) and
prefetch(AUTOTUNE). It reports the total time and the time the step loop spent waiting for its
next batch: with prefetch the batch is produced during the step, so the wait falls to about
zero and the total to about max(produce, step) instead of their sum (on an idle machine; on a
busy one the producer thread also competes for the CPU).
"""

from __future__ import annotations

import argparse
import importlib
import os
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

N, BATCH = 60000, 32


def _data():
    rng = np.random.default_rng(0)
    return rng.random((N, 28, 28), dtype=np.float32), rng.integers(0, 10, N).astype(np.int64)


def pipeline(tf, x, y, kind: str):
    ds = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(10000, seed=1)
    if kind == "rowwise map":
        ds = ds.map(lambda a, b: (a / 255.0, b), num_parallel_calls=tf.data.AUTOTUNE)
    elif kind == "per-element map":
        ds = ds.map(lambda a, b: (tf.reshape(a, [784]), b), num_parallel_calls=tf.data.AUTOTUNE)
    return ds.batch(BATCH).prefetch(tf.data.AUTOTUNE)


def epoch_rate(ds, step_s: float = 0.0) -> float:
    """Elements per second over one epoch of `ds`, with an optional step per batch."""
    start = time.perf_counter()
    n = 0
    for _, b in ds:
        n += int(b.shape[0])
        if step_s:
            time.sleep(step_s)
    return n / (time.perf_counter() - start)


def median_rate(ds, epochs: int, step_s: float = 0.0) -> float:
    epoch_rate(ds.take(20), step_s)  # warm up: threads, traces
    return statistics.median(epoch_rate(ds, step_s) for _ in range(epochs))


def _producer(tf):
    def heavy(a, b):
        for _ in range(4):  # per-element work a training step could hide
            a = tf.matmul(a, a) / 28.0
        return tf.reshape(tf.transpose(a), [784]), b
    return heavy


def overlap(tf, x, y, prefetch: int, step_ms: float, batches: int) -> tuple[float, float]:
    """(seconds in all, seconds the step loop waited for input) over `batches` steps of
    `step_ms` each, after a per-element producer."""
    ds = tf.data.Dataset.from_tensor_slices((x, y)).map(_producer(tf)).batch(BATCH)
    ds = ds.take(batches).prefetch(prefetch)
    for _ in ds.take(5):
        pass  # warm up: traces
    start = time.perf_counter()
    waited = 0.0
    it = iter(ds)
    while True:
        t = time.perf_counter()
        try:
            next(it)
        except StopIteration:
            break
        waited += time.perf_counter() - t
        time.sleep(step_ms / 1000)  # the step: an accelerator busy, this CPU thread idle
    return time.perf_counter() - start, waited


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--step-ms", type=float, default=4.0)
    ap.add_argument("--batches", type=int, default=200)
    args = ap.parse_args()
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    fws = {"tensorweave": importlib.import_module("tensorweave")}
    try:
        fws["tensorflow"] = importlib.import_module("tensorflow")
        fws["tensorflow"].get_logger().setLevel("ERROR")
    except ImportError:
        pass
    x, y = _data()
    names = list(fws)

    print(f"### tf.data pipeline, {N} x 28x28 float32, batch {BATCH}: elements/s "
          f"(median of {args.epochs} epochs)\n")
    head = ["case"] + names + (["tensorweave / tensorflow"] if len(names) > 1 else [])
    print("| " + " | ".join(head) + " |\n|" + "---|" * len(head))
    for kind in ("rowwise map", "per-element map", "no map"):
        rates = {n: median_rate(pipeline(tf, x, y, kind), args.epochs) for n, tf in fws.items()}
        row = [kind] + [f"{rates[n]:,.0f}" for n in names]
        if len(names) > 1:
            row.append(f"{rates['tensorweave'] / rates['tensorflow']:.2f}x")
        print("| " + " | ".join(row) + " |")

    print(f"\n### prefetch overlap: {args.batches} steps of {args.step_ms:g} ms after a "
          "per-element map (4 small matmuls); seconds in all / seconds the loop waited for "
          "input\n")
    head = ["framework", "steps alone", "prefetch(0)", "prefetch(AUTOTUNE)"]
    print("| " + " | ".join(head) + " |\n|" + "---|" * len(head))
    for n, tf in fws.items():
        step_only = args.batches * args.step_ms / 1000
        cells = []
        for size in (0, tf.data.AUTOTUNE):
            runs = [overlap(tf, x, y, size, args.step_ms, args.batches)
                    for _ in range(args.epochs)]
            total = statistics.median(r[0] for r in runs)
            waited = statistics.median(r[1] for r in runs)
            cells.append(f"{total:.2f} / {waited:.2f}")
        print(f"| {n} | {step_only:.2f} | {cells[0]} | {cells[1]} |")


if __name__ == "__main__":
    main()
