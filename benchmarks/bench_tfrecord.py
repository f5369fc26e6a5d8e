"""TFRecord write + read throughput: tensorweave beside TensorFlow (when installed).

Writes and reads back 10,000 records of 3 KB (about an MNIST image each), uncompressed and GZIP,
and prints one table of MB/s. Run: `python benchmarks/bench_tfrecord.py [--records N]`.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tensorweave.data import tfrecord  # noqa: E402


def _time(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench_ours(path: str, records: list[bytes], compression: str) -> tuple[float, float]:
    def write():
        with tfrecord.TFRecordWriter(path, compression) as w:
            for r in records:
                w.write(r)

    def read():
        n = sum(1 for _ in tfrecord.read_records(path, compression))
        assert n == len(records)

    return _time(write), _time(read)


def bench_tf(tf, path: str, records: list[bytes], compression: str) -> tuple[float, float]:
    def write():
        with tf.io.TFRecordWriter(path, compression) as w:
            for r in records:
                w.write(r)

    def read():
        n = sum(1 for _ in tf.data.TFRecordDataset(path, compression_type=compression))
        assert n == len(records)

    return _time(write), _time(read)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--size", type=int, default=3 * 1024)
    args = parser.parse_args()
    records = [os.urandom(args.size) for _ in range(args.records)]
    megabytes = args.records * args.size / 1e6
    try:
        import tensorflow as tf
    except ImportError:
        tf = None
    crc = "C accelerator" if tfrecord._accelerated else "NumPy CRC32C"
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "bench.tfrecord")
        for compression in ("", "GZIP"):
            label = compression or "none"
            bench_ours(path, records[:100], compression)  # warm-up: CRC tables, imports
            w, r = min(bench_ours(path, records, compression) for _ in range(3))
            rows.append((f"tensorweave ({crc})", label, megabytes / w, megabytes / r))
            if tf is not None:
                bench_tf(tf, path, records[:100], compression)
                w, r = min(bench_tf(tf, path, records, compression) for _ in range(3))
                rows.append((f"TensorFlow {tf.__version__}", label, megabytes / w, megabytes / r))
    print(f"\n{args.records} records x {args.size} B = {megabytes:.1f} MB\n")
    print(f"| {'implementation':<28} | compression | write MB/s | read MB/s |")
    print(f"|{'-' * 30}|-------------|------------|-----------|")
    for name, comp, w, r in rows:
        print(f"| {name:<28} | {comp:<11} | {w:>10.1f} | {r:>9.1f} |")


if __name__ == "__main__":
    main()
