"""`tf.train.Checkpoint`: save and restore the variables that a set of objects reaches.

Restoring before the variables exist is deferred, as in TensorFlow: the values wait in the load
status and are assigned when the objects create their variables (Keras layers build, optimizers
create slots) and `apply_deferred_restorations()` runs.
"""

from __future__ import annotations

import os
import weakref

import numpy as np

from tensorweave.framework.errors import InvalidArgumentError
from tensorweave.framework.variables import Variable
from tensorweave.saving import checkpoint_state, object_graph, tensor_bundle

# Load statuses with values still waiting for their variables. A status refers to the restored
# objects weakly, so waiting values never keep a user's model alive.
_pending: set = set()


class Checkpoint:
    """Groups trackable objects to save and restore their variables together.

    >>> import tempfile, tensorweave as tf
    >>> v = tf.Variable(1.0)
    >>> ckpt = tf.train.Checkpoint(v=v)
    >>> path = ckpt.save(tempfile.mkdtemp() + "/ckpt")
    >>> _ = v.assign(5.0); _ = ckpt.restore(path); float(v.numpy())
    1.0
    """

    def __init__(self, root=None, **kwargs):
        for name, value in kwargs.items():
            if value is None:
                raise ValueError(f"Checkpoint was expecting a trackable object for {name!r}, "
                                 "got None.")
            if isinstance(value, (int, float, str, bytes, np.ndarray)):
                raise ValueError(f"`Checkpoint` was expecting a trackable object (an object "
                                 f"derived from `Trackable`), got {value!r} for {name!r}.")
        self._root = root
        self._objects = dict(kwargs)
        self._save_counter = None

    # The children saved: the keyword objects, plus those of `root`.
    def _checkpoint_children(self) -> dict:
        children = {}
        if self._root is not None:
            children.update(object_graph.children(self._root))
        children.update(self._objects)
        if self._save_counter is not None:
            children["save_counter"] = self._save_counter
        return children

    def __getattr__(self, name):
        objects = self.__dict__.get("_objects", {})
        if name in objects:
            return objects[name]
        raise AttributeError(f"'Checkpoint' object has no attribute {name!r}")

    @property
    def save_counter(self) -> Variable:
        """How many times `save` ran (a variable, saved with the checkpoint)."""
        if self._save_counter is None:
            from tensorweave.framework.context import init_scope

            with init_scope():
                self._save_counter = Variable(np.int64(0), trainable=False, name="save_counter")
        return self._save_counter

    def _tensors(self) -> dict:
        return {path + object_graph.SUFFIX: var.numpy()
                for path, var in object_graph.variables_by_path(self).items()}

    def write(self, file_prefix, options=None) -> str:
        """Writes exactly at `file_prefix` (no counter, no `checkpoint` state file)."""
        file_prefix = os.fspath(file_prefix)
        tensor_bundle.write(file_prefix, self._tensors())
        return file_prefix

    def save(self, file_prefix, options=None) -> str:
        """Writes `<file_prefix>-<n>` for the n-th save and records it as the latest."""
        counter = self.save_counter
        counter.assign_add(np.int64(1))
        path = self.write(f"{os.fspath(file_prefix)}-{int(counter.numpy())}")
        checkpoint_state.record_latest(os.path.dirname(path) or ".", path)
        return path

    def read(self, save_path, options=None) -> "CheckpointLoadStatus":
        """Restores from `save_path` (as `restore`, without the save counter semantics)."""
        return self.restore(save_path, options)

    def restore(self, save_path, options=None):
        """Assigns the saved values to the variables that exist; defers the others.

        `save_path=None` (no checkpoint yet, as from `latest_checkpoint` of an empty folder)
        returns a status whose assertions fail, as TensorFlow's does.
        """
        if save_path is None:
            return InitializationOnlyStatus()
        reader = tensor_bundle.BundleReader(os.fspath(save_path))
        if "save_counter" + object_graph.SUFFIX in reader:
            self.save_counter  # noqa: B018 - created so that the saved count is restored into it
        status = CheckpointLoadStatus(self, reader)
        status._match()
        if status._unmatched_keys():
            _pending.add(status)
        return status


class CheckpointLoadStatus:
    """What a restore matched: assertions and deferred values (TensorFlow's load status)."""

    def __init__(self, checkpoint, reader):
        self._children = {name: _maybe_weak(child)
                          for name, child in checkpoint._checkpoint_children().items()}
        self._reader = reader
        self._restored_keys: set = set()
        self._expect_partial = False

    def _root(self):
        children = {name: ref() for name, ref in self._children.items()}
        return {name: child for name, child in children.items() if child is not None}

    def _match(self) -> None:
        root = self._root()
        if not root:
            _pending.discard(self)
            return
        for path, var in object_graph.variables_by_path(root).items():
            key = path + object_graph.SUFFIX
            if key in self._reader and key not in self._restored_keys:
                _assign_checked(var, self._reader.get(key), key, self._reader.prefix)
                self._restored_keys.add(key)
        if not self._unmatched_keys():
            _pending.discard(self)

    def _unmatched_keys(self) -> list:
        return [k for k in self._reader.keys() if k not in self._restored_keys]

    def assert_consumed(self) -> "CheckpointLoadStatus":
        """Every saved value was used and every variable of the objects got one."""
        self._match()
        unused = self._unmatched_keys()
        if unused:
            raise AssertionError(f"Unresolved object in checkpoint {self._reader.prefix}: "
                                 f"{unused[:5]}{' ...' if len(unused) > 5 else ''}")
        return self.assert_existing_objects_matched()

    def assert_existing_objects_matched(self) -> "CheckpointLoadStatus":
        """Every variable that exists now was restored."""
        root = self._root()
        missing = [p for p in object_graph.variables_by_path(root)
                   if p + object_graph.SUFFIX not in self._restored_keys]
        if missing:
            raise AssertionError(f"Some objects had attributes which were not restored: "
                                 f"{missing[:5]}")
        return self

    def assert_nontrivial_match(self) -> "CheckpointLoadStatus":
        """At least one value other than the save counter was restored."""
        if not any(not k.startswith("save_counter") for k in self._restored_keys):
            raise AssertionError("Nothing except the root object matched a checkpointed value.")
        return self

    def expect_partial(self) -> "CheckpointLoadStatus":
        """Silences the warning about values never used (they stay deferred)."""
        self._expect_partial = True
        return self

    def run_restore_ops(self, session=None) -> None:
        """Restores run eagerly at `restore`; nothing is left to run."""

    def initialize_or_restore(self, session=None) -> None:
        """Restores run eagerly at `restore`; nothing is left to run."""


class InitializationOnlyStatus:
    """The status of `restore(None)`: nothing restored, so assertions fail."""

    def assert_consumed(self):
        raise AssertionError("No checkpoint specified (save_path=None); nothing is being "
                             "restored.")

    assert_existing_objects_matched = assert_consumed
    assert_nontrivial_match = assert_consumed

    def expect_partial(self):
        return self

    def run_restore_ops(self, session=None):
        pass

    def initialize_or_restore(self, session=None):
        pass


def apply_deferred_restorations() -> None:
    """Assigns waiting checkpoint values to variables created since the restore."""
    for status in list(_pending):
        status._match()


def _maybe_weak(obj):
    try:
        return weakref.ref(obj)
    except TypeError:  # lists, dicts: held strongly (they hold nothing heavier than references)
        return lambda: obj


def _assign_checked(var, value, key, prefix) -> None:
    if tuple(var.shape.as_list() if var.shape.rank is not None else value.shape) != value.shape:
        raise InvalidArgumentError(
            None, None, f"Checkpoint {prefix}: {key!r} has shape {value.shape}, but the variable "
                        f"{var.name!r} has shape {tuple(var.shape.as_list())}. The saved model "
                        "and this one are built differently.")
    var.assign(value.astype(var.dtype.as_numpy_dtype, copy=False))
