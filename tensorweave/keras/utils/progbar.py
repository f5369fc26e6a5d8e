"""keras.utils.Progbar: Keras 3's progress bar (steps, bar, ETA or time, time per step, values).

    3/3 ━━━━━━━━━━━━━━━━━━━━ 1s 77ms/step - accuracy: 0.5000 - loss: 1.3363

On a terminal the line is redrawn in place; elsewhere (a pipe, a log file) verbose=1 prints the
finished line once, so logs get one line per epoch instead of carriage-return noise.
"""

from __future__ import annotations

import math
import os
import sys
import time

import numpy as np

_BAR_WIDTH = 20


def _is_interactive(stream) -> bool:
    if "ipykernel" in sys.modules:
        return True
    return bool(getattr(stream, "isatty", lambda: False)())


def format_time(seconds: float) -> str:
    """'1s', '2:05' or '1:02:03', as Keras shows elapsed time and ETA."""
    if seconds >= 3600:
        return f"{int(seconds // 3600)}:{int(seconds % 3600 // 60):02d}:{int(seconds % 60):02d}"
    if seconds >= 60:
        return f"{int(seconds // 60)}:{int(seconds % 60):02d}"
    return f"{int(seconds)}s"


def format_per_step(seconds: float, unit: str = "step") -> str:
    """'77ms/step', '2s/step' or '350us/step'."""
    if seconds >= 1 or seconds == 0:
        return f"{seconds:.0f}s/{unit}"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/{unit}"
    return f"{seconds * 1e6:.0f}us/{unit}"


def format_value(value) -> str:
    v = float(np.mean(value)) if not isinstance(value, (int, float)) else float(value)
    if not math.isfinite(v) or abs(v) > 1e-3:
        return f"{v:.4f}"
    return f"{v:.4e}"


class Progbar:
    """Displays progress: `update(current, values, finalize)`, `add(n, values)`.

    `values` are (name, value) pairs; names not in `stateful_metrics` are averaged over the steps
    seen (weighted by step size), the others shown as given (fit passes running means already).
    """

    def __init__(self, target, width: int = _BAR_WIDTH, verbose: int = 1, interval: float = 0.05,
                 stateful_metrics=None, unit_name: str = "step", stream=None):
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self.stateful_metrics = set(stateful_metrics or ())
        self.stream = stream if stream is not None else sys.stdout
        self._dynamic = _is_interactive(self.stream)
        self._colors = self._dynamic and "NO_COLOR" not in os.environ
        self._values: dict = {}
        self._order: list = []
        self._seen = 0
        self._start = time.time()
        self._last_update = 0.0
        self._prev_len = 0
        self._first_step_time = None

    def update(self, current: int, values=None, finalize: bool | None = None) -> None:
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        for name, value in values or ():
            if name not in self._order:
                self._order.append(name)
            if name in self.stateful_metrics:
                self._values[name] = [value, 1]
            else:
                step = max(current - self._seen, 1)
                total, count = self._values.get(name, [0.0, 0])
                self._values[name] = [total + float(np.mean(value)) * step, count + step]
        self._seen = current
        now = time.time()
        if self.verbose == 0:
            return
        if self.verbose == 2:
            if finalize:
                elapsed = now - self._start
                per = elapsed / max(current, 1)
                line = (f"{current}/{self.target} - {format_time(elapsed)} - "
                        f"{format_per_step(per, self.unit_name)}{self._values_text()}")
                self.stream.write(line + "\n")
                self.stream.flush()
            return
        if not self._dynamic and not finalize:
            return
        if not finalize and now - self._last_update < self.interval:
            return
        self._last_update = now
        line = self._line(current, now, finalize)
        if self._dynamic:
            pad = " " * max(self._prev_len - len(line), 0)
            self.stream.write("\r" + line + pad + ("\n" if finalize else ""))
            self._prev_len = len(line)
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def add(self, n: int, values=None) -> None:
        self.update(self._seen + n, values)

    def _values_text(self) -> str:
        parts = []
        for name in self._order:
            total, count = self._values[name]
            value = total / max(count, 1) if name not in self.stateful_metrics else total
            parts.append(f" - {name}: {format_value(value)}")
        return "".join(parts)

    def _line(self, current: int, now: float, finalize: bool) -> str:
        elapsed = now - self._start
        per = elapsed / max(current, 1)
        if self.target is not None:
            head = f"{current}/{self.target}"
            filled = int(self.width * min(current / max(self.target, 1), 1.0))
            done, rest = "━" * filled, "━" * (self.width - filled)
            if self._colors:
                bar = f"\x1b[32m{done}\x1b[0m\x1b[37m{rest}\x1b[0m"
                head = f"\x1b[1m{head}\x1b[0m"
            else:
                bar = done + rest
            when = format_time(elapsed if finalize else per * (self.target - current))
            line = f"{head} {bar} {when} {format_per_step(per, self.unit_name)}"
        else:
            line = f"{current} {format_time(elapsed)} {format_per_step(per, self.unit_name)}"
        return line + self._values_text()
