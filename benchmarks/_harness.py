"""Shared benchmark plumbing: timing by median, the frameworks present, one Markdown table.

A benchmark is a function `case(tf)` returning a zero-argument callable to time, written once
against TensorFlow's API and run with `tf` bound to tensorweave and, where installed, TensorFlow.
PyTorch equivalents are separate functions `case(torch)`, since its API differs.
"""

from __future__ import annotations

import importlib
import statistics
import subprocess
import sys
import time


def median_time(fn, repeat: int = 7, number: int | None = None, budget_s: float = 0.3) -> float:
    """Median seconds per call of `fn` over `repeat` rounds (each round ~budget_s long)."""
    fn()  # warm up (traces, caches, allocator)
    if number is None:
        start = time.perf_counter()
        fn()
        once = max(time.perf_counter() - start, 1e-7)
        number = max(1, int(budget_s / once))
    rounds = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        rounds.append((time.perf_counter() - start) / number)
    return statistics.median(rounds)


def frameworks(include_torch: bool = True) -> dict:
    """{'tensorweave': module, 'tensorflow': module, 'torch': module} for those importable."""
    found = {"tensorweave": importlib.import_module("tensorweave")}
    for name in ("tensorflow",) + (("torch",) if include_torch else ()):
        try:
            found[name] = importlib.import_module(name)
        except ImportError:
            pass
    if "tensorflow" in found:
        found["tensorflow"].get_logger().setLevel("ERROR")
    if "torch" in found:
        found["torch"].set_num_threads(2)
    return found


def import_seconds(module: str) -> float:
    """Median wall time of `import module` in a fresh interpreter (3 runs)."""
    code = f"import time; t=time.perf_counter(); import {module}; print(time.perf_counter()-t)"
    times = []
    for _ in range(3):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             env={"TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin"})
        if out.returncode != 0:
            return float("nan")
        times.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(times)


def fmt(seconds: float) -> str:
    if seconds != seconds:
        return "n/a"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} us"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def table(title: str, rows: list, columns: list) -> str:
    """A Markdown table: one row per case, a time per framework, and ratios to tensorweave.

    rows: [(case name, {framework: seconds or None})]; ratio > 1 means tensorweave is faster.
    """
    others = [c for c in columns if c != "tensorweave"]
    head = ["case"] + columns + [f"{c} / tensorweave" for c in others]
    lines = [f"### {title}", "", "| " + " | ".join(head) + " |",
             "|" + "---|" * len(head)]
    for name, times in rows:
        tw = times.get("tensorweave")
        cells = [name] + [fmt(times[c]) if times.get(c) is not None else "n/a" for c in columns]
        for c in others:
            t = times.get(c)
            cells.append(f"{t / tw:.2f}x" if t is not None and tw else "n/a")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
