"""The `checkpoint` state file of a folder: which checkpoint is the latest, in TF's text format."""

from __future__ import annotations

import os
import re
import time

from tensorweave.saving import tensor_bundle
from tensorweave.util.atomic import atomic_write

STATE_FILE = "checkpoint"
_LINE = re.compile(r'^(\w+):\s*(?:"((?:[^"\\]|\\.)*)"|([-+0-9.eE]+))\s*$')


def read(directory: str, filename: str = STATE_FILE) -> dict:
    """{'latest': path or None, 'all': [paths], 'timestamps': [...], 'last_preserved': float}."""
    state = {"latest": None, "all": [], "timestamps": [], "last_preserved": None}
    path = os.path.join(directory, filename)
    if not os.path.exists(path):
        return state
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = _LINE.match(line.strip())
            if not m:
                continue
            key, text, number = m.groups()
            if key == "model_checkpoint_path":
                state["latest"] = _absolute(directory, text)
            elif key == "all_model_checkpoint_paths":
                state["all"].append(_absolute(directory, text))
            elif key == "all_model_checkpoint_timestamps":
                state["timestamps"].append(float(number))
            elif key == "last_preserved_timestamp":
                state["last_preserved"] = float(number)
    return state


def write(directory: str, latest: str, all_paths: list, timestamps: list | None = None,
          last_preserved: float | None = None) -> None:
    lines = [f'model_checkpoint_path: "{_relative(directory, latest)}"']
    lines += [f'all_model_checkpoint_paths: "{_relative(directory, p)}"' for p in all_paths]
    lines += [f"all_model_checkpoint_timestamps: {t!r}" for t in (timestamps or [])]
    if last_preserved is not None:
        lines.append(f"last_preserved_timestamp: {last_preserved!r}")
    with atomic_write(os.path.join(directory, STATE_FILE), "w") as f:
        f.write("\n".join(lines) + "\n")


def record_latest(directory: str, path: str) -> None:
    """Appends `path` to the folder's list of checkpoints and makes it the latest."""
    state = read(directory)
    paths = [p for p in state["all"] if p != os.path.abspath(path)] + [os.path.abspath(path)]
    stamps = (state["timestamps"] + [time.time()])[-len(paths):]
    write(directory, path, paths, stamps if len(stamps) == len(paths) else None,
          state["last_preserved"])


def latest_checkpoint(checkpoint_dir, latest_filename=None) -> str | None:
    """The latest checkpoint's prefix in `checkpoint_dir`, or None (`tf.train.latest_checkpoint`)."""
    directory = os.fspath(checkpoint_dir)
    state = read(directory, latest_filename or STATE_FILE)
    latest = state["latest"]
    if latest is not None and tensor_bundle.exists(latest):
        return latest
    return None


def _absolute(directory, path):
    return path if os.path.isabs(path) else os.path.abspath(os.path.join(directory, path))


def _relative(directory, path):
    path = os.path.abspath(path)
    rel = os.path.relpath(path, os.path.abspath(directory))
    return rel if not rel.startswith("..") else path
