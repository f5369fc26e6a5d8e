"""`tf.train.CheckpointManager` and the readers of saved checkpoints."""

from __future__ import annotations

import contextlib
import os
import time

import numpy as np

from tensorweave.saving import checkpoint_state, object_graph, tensor_bundle


class CheckpointManager:
    """Numbers checkpoints in a folder, keeps the newest `max_to_keep` and deletes the rest.

    Checkpoints are also kept once every `keep_checkpoint_every_n_hours`, as in TensorFlow.
    """

    def __init__(self, checkpoint, directory, max_to_keep, keep_checkpoint_every_n_hours=None,
                 checkpoint_name: str = "ckpt", step_counter=None, checkpoint_interval=None,
                 init_fn=None):
        if max_to_keep is not None and max_to_keep <= 0:
            raise ValueError(f"max_to_keep must be a positive integer or None, got {max_to_keep}.")
        if checkpoint_interval is not None and step_counter is None:
            raise ValueError("`step_counter` should be passed if `checkpoint_interval` is not "
                             "None.")
        self._checkpoint = checkpoint
        self._directory = os.fspath(directory)
        self._max_to_keep = max_to_keep
        self._keep_hours = keep_checkpoint_every_n_hours
        self._prefix = os.path.join(self._directory, checkpoint_name)
        self._step_counter = step_counter
        self._interval = checkpoint_interval
        self._init_fn = init_fn
        self._last_saved_step = None
        state = checkpoint_state.read(self._directory)
        kept = [p for p in state["all"] if tensor_bundle.exists(p)]
        stamps = state["timestamps"] if len(state["timestamps"]) == len(state["all"]) else \
            [time.time()] * len(state["all"])
        self._kept = [(p, t) for p, t in zip(state["all"], stamps) if p in kept]
        self._last_preserved = state["last_preserved"] or time.time()

    @property
    def directory(self) -> str:
        return self._directory

    @property
    def checkpoints(self) -> list:
        """The kept checkpoints' prefixes, oldest first."""
        return [p for p, _ in self._kept]

    @property
    def latest_checkpoint(self) -> str | None:
        return self._kept[-1][0] if self._kept else None

    @property
    def checkpoint_interval(self):
        return self._interval

    def save(self, checkpoint_number=None, check_interval: bool = True, options=None):
        """Writes a new numbered checkpoint; returns its prefix (None when skipped by interval)."""
        if self._interval is not None and check_interval:
            step = int(np.asarray(self._step_counter.numpy()
                                  if hasattr(self._step_counter, "numpy") else self._step_counter))
            if self._last_saved_step is not None and step < self._last_saved_step + self._interval:
                return None
            self._last_saved_step = step
        counter = self._checkpoint.save_counter
        counter.assign_add(np.int64(1))
        if checkpoint_number is None:
            checkpoint_number = int(counter.numpy())
        elif hasattr(checkpoint_number, "numpy"):
            checkpoint_number = int(checkpoint_number.numpy())
        path = os.path.abspath(self._checkpoint.write(f"{self._prefix}-{checkpoint_number}"))
        now = time.time()
        self._kept = [(p, t) for p, t in self._kept if p != path] + [(path, now)]
        self._sweep()
        checkpoint_state.write(self._directory, path, self.checkpoints,
                               [t for _, t in self._kept], self._last_preserved)
        return path

    def _sweep(self) -> None:
        if self._max_to_keep is None:
            return
        while len(self._kept) > self._max_to_keep:
            path, stamp = self._kept.pop(0)
            if self._keep_hours is not None and \
                    stamp - self._last_preserved >= self._keep_hours * 3600.0:
                self._last_preserved = stamp
                continue
            for name in (tensor_bundle.index_path(path), tensor_bundle.data_path(path)):
                with contextlib.suppress(FileNotFoundError):
                    os.remove(name)

    def restore_or_initialize(self):
        """Restores the latest checkpoint, or runs `init_fn` when there is none."""
        if self.latest_checkpoint is not None:
            self._checkpoint.restore(self.latest_checkpoint)
            return self.latest_checkpoint
        if self._init_fn is not None:
            self._init_fn()
        return None


class CheckpointReader:
    """Reads saved values by key (`tf.train.load_checkpoint`)."""

    def __init__(self, path):
        self._reader = tensor_bundle.BundleReader(_resolve(path))

    def get_tensor(self, key: str) -> np.ndarray:
        return self._reader.get(_full_key(self._reader, key))

    def has_tensor(self, key: str) -> bool:
        return _full_key(self._reader, key) in self._reader

    def get_variable_to_shape_map(self) -> dict:
        return {k: list(self._reader.shape_and_dtype(k)[0]) for k in self._reader.keys()}

    def get_variable_to_dtype_map(self) -> dict:
        return {k: self._reader.shape_and_dtype(k)[1] for k in self._reader.keys()}


def _resolve(path) -> str:
    path = os.fspath(path)
    if os.path.isdir(path):
        latest = checkpoint_state.latest_checkpoint(path)
        if latest is None:
            raise ValueError(f"Couldn't find 'checkpoint' file or checkpoints in given "
                             f"directory {path}")
        return latest
    return path


def _full_key(reader, key):
    return key if key in reader or key + object_graph.SUFFIX not in reader else \
        key + object_graph.SUFFIX


def load_checkpoint(ckpt_dir_or_file) -> CheckpointReader:
    return CheckpointReader(ckpt_dir_or_file)


def list_variables(ckpt_dir_or_file) -> list:
    """[(key, shape)] of a checkpoint, sorted by key."""
    reader = CheckpointReader(ckpt_dir_or_file)
    return sorted(reader.get_variable_to_shape_map().items())


def load_variable(ckpt_dir_or_file, name: str) -> np.ndarray:
    return CheckpointReader(ckpt_dir_or_file).get_tensor(name)
