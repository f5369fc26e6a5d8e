"""Training throughput and peak memory: the seed's MLP and CNN, one tf.function training step.

    python benchmarks/bench_training.py [--quick]

The step is written once against TensorFlow's API (Keras model, GradientTape, Adam) and run with
`tf` bound to tensorweave and to TensorFlow; PyTorch runs the same models its own way. Each
framework runs in a fresh process, so peak memory (max RSS) is its own. Prints samples/s (higher
is better) with ratios to tensorweave, and the CNN's peak memory.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

import numpy as np

CASES = [("MLP 784-256-256-10", "mlp", 128), ("seed CNN", "cnn", 32), ("seed CNN", "cnn", 256),
         ("seed CNN, model.fit", "cnn_fit", 32), ("seed CNN, model.fit", "cnn_fit", 256)]


def _data(kind: str, batch: int):
    rng = np.random.default_rng(0)
    x = rng.random((batch, 784) if kind == "mlp" else (batch, 28, 28, 1), dtype=np.float32)
    y = rng.integers(0, 10, batch).astype(np.int64)
    return x, y


def _tf_model(tf, kind: str):
    keras = tf.keras
    if kind == "mlp":
        return keras.Sequential([keras.Input((784,)), keras.layers.Dense(256, activation="relu"),
                                 keras.layers.Dense(256, activation="relu"),
                                 keras.layers.Dense(10)])
    return keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Conv2D(32, (3, 3), activation="relu"), keras.layers.MaxPooling2D((2, 2)),
        keras.layers.Conv2D(64, (3, 3), activation="relu"), keras.layers.MaxPooling2D((2, 2)),
        keras.layers.Flatten(), keras.layers.Dense(128, activation="relu"),
        keras.layers.Dropout(0.2), keras.layers.Dense(10)])


def _tf_step(tf, kind: str, batch: int):
    model = _tf_model(tf, kind)
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    optimizer = tf.keras.optimizers.Adam()
    x, y = _data(kind, batch)
    x, y = tf.constant(x), tf.constant(y)

    @tf.function
    def step(images, labels):
        with tf.GradientTape() as tape:
            loss = loss_fn(labels, model(images, training=True))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    return lambda: step(x, y).numpy()


def _tf_fit(tf, batch: int):
    """One call: an epoch of `model.fit` over 2,048 samples (the training loop, callbacks and
    progress logic included), after a first epoch that traces."""
    model = _tf_model(tf, "cnn")
    model.compile(optimizer="adam",
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    x, y = _data("cnn", 2048)
    model.fit(x, y, batch_size=batch, epochs=1, verbose=0)
    return lambda: model.fit(x, y, batch_size=batch, epochs=1, verbose=0), 2048


def _torch_step(torch, kind: str, batch: int):
    nn = torch.nn
    torch.set_num_threads(2)
    if kind == "mlp":
        model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(),
                              nn.Linear(256, 10))
    else:
        model = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
                              nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                              nn.Linear(1600, 128), nn.ReLU(), nn.Dropout(0.2), nn.Linear(128, 10))
    optimizer = torch.optim.Adam(model.parameters(), eps=1e-7)
    x, y = _data(kind, batch)
    x = torch.from_numpy(x if kind == "mlp" else np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
    y = torch.from_numpy(y)

    def step():
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


def worker(framework: str, kind: str, batch: int, seconds: float) -> dict:
    per_call = batch
    if framework == "torch":
        import torch

        if kind == "cnn_fit":
            return {}
        step = _torch_step(torch, kind, batch)
    else:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        tf = __import__(framework)
        if kind == "cnn_fit":
            step, per_call = _tf_fit(tf, batch)
        else:
            step = _tf_step(tf, kind, batch)
            for _ in range(3):
                step()  # trace, build, warm caches
    rounds = []
    for _ in range(5):
        n, start = 0, time.perf_counter()
        while n == 0 or time.perf_counter() - start < seconds / 5:
            step()
            n += 1
        rounds.append(n * per_call / (time.perf_counter() - start))
    return {"samples_per_s": statistics.median(rounds),
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _available(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="shorter runs")
    parser.add_argument("--worker", nargs=3, metavar=("FRAMEWORK", "KIND", "BATCH"))
    args = parser.parse_args()
    seconds = 2.0 if args.quick else 6.0
    if args.worker:
        fw, kind, batch = args.worker
        print(json.dumps(worker(fw, kind, int(batch), seconds)))
        return
    names = ["tensorweave"] + [n for n in ("tensorflow", "torch") if _available(n)]
    rows, memory = [], {}
    for title, kind, batch in CASES:
        result = {}
        for fw in names:
            out = subprocess.run([sys.executable, __file__, "--worker", fw, kind, str(batch)]
                                 + (["--quick"] if args.quick else []),
                                 capture_output=True, text=True)
            if out.returncode != 0:
                print(f"{fw} {kind} {batch} failed:\n{out.stderr[-2000:]}", file=sys.stderr)
                continue
            r = json.loads(out.stdout.strip().splitlines()[-1])
            if not r:
                continue  # no such case for this framework (PyTorch has no model.fit)
            result[fw] = r["samples_per_s"]
            if kind == "cnn":
                memory.setdefault(fw, []).append(r["peak_mb"])
        rows.append((f"{title}, batch {batch}", result))
    print("### Training throughput (samples/s, one tf.function step: forward, gradients, Adam)")
    print()
    head = ["case"] + names + [f"tensorweave / {n}" for n in names[1:]]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for name, result in rows:
        tw = result.get("tensorweave")
        cells = [name] + [f"{result[n]:,.0f}" if n in result else "n/a" for n in names]
        cells += [f"{tw / result[n]:.2f}x" if tw and n in result else "n/a" for n in names[1:]]
        print("| " + " | ".join(cells) + " |")
    print()
    print("Peak memory of a CNN training process (max RSS, MB): " + ", ".join(
        f"{n} {max(v):,.0f}" for n, v in memory.items()))


if __name__ == "__main__":
    main()
