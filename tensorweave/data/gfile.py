"""tf.io.gfile: file-system helpers over the local file system (no remote schemes)."""

from __future__ import annotations

import glob as _glob
import os
import shutil
import tempfile

from tensorweave.framework.errors import (AlreadyExistsError, NotFoundError,
                                          PermissionDeniedError)

__all__ = ["GFile", "copy", "exists", "glob", "isdir", "listdir", "makedirs", "mkdir", "remove",
           "rename", "rmtree", "stat", "walk"]


def _p(path) -> str:
    p = os.fsdecode(os.fspath(path)) if not isinstance(path, bytes) else path.decode()
    if "://" in p and not p.startswith("file://"):
        raise NotImplementedError(f"tf.io.gfile: only local paths are supported, got {p!r}")
    return p[len("file://"):] if p.startswith("file://") else p


def exists(path) -> bool:
    """Whether `path` exists."""
    return os.path.exists(_p(path))


def isdir(path) -> bool:
    """Whether `path` is a directory."""
    return os.path.isdir(_p(path))


def glob(pattern) -> list[str]:
    """The paths matching `pattern` (sorted)."""
    return sorted(_glob.glob(_p(pattern)))


def listdir(path) -> list[str]:
    """The entries of directory `path`."""
    p = _p(path)
    if not os.path.isdir(p):
        raise NotFoundError(None, None, f"Could not find directory {p}")
    return os.listdir(p)


def makedirs(path) -> None:
    """Creates `path` and its missing parents; no error if it exists."""
    os.makedirs(_p(path), exist_ok=True)


def mkdir(path) -> None:
    """Creates directory `path`; its parent must exist."""
    try:
        os.mkdir(_p(path))
    except FileExistsError:
        raise AlreadyExistsError(None, None, f"{path}; File exists") from None
    except FileNotFoundError:
        raise NotFoundError(None, None, f"{path}; No such file or directory") from None


def remove(path) -> None:
    """Deletes the file `path`."""
    try:
        os.remove(_p(path))
    except FileNotFoundError:
        raise NotFoundError(None, None, f"{path}; No such file or directory") from None


def rmtree(path) -> None:
    """Deletes directory `path` and everything under it."""
    p = _p(path)
    if not os.path.exists(p):
        raise NotFoundError(None, None, f"{path}; No such file or directory")
    shutil.rmtree(p)


def rename(src, dst, overwrite: bool = False) -> None:
    """Renames `src` to `dst` (AlreadyExistsError if `dst` exists and not `overwrite`)."""
    s, d = _p(src), _p(dst)
    if not overwrite and os.path.exists(d):
        raise AlreadyExistsError(None, None, f"{d}; File exists")
    os.replace(s, d)


def copy(src, dst, overwrite: bool = False) -> None:
    """Copies file `src` to `dst`."""
    s, d = _p(src), _p(dst)
    if not overwrite and os.path.exists(d):
        raise AlreadyExistsError(None, None, f"{d}; File exists")
    shutil.copyfile(s, d)


def stat(path):
    """os.stat of `path` (length is `st_size`)."""
    return os.stat(_p(path))


def walk(top, topdown: bool = True, onerror=None):
    """os.walk over `top`."""
    return os.walk(_p(top), topdown=topdown, onerror=onerror)


class GFile:
    """A file object (`tf.io.gfile.GFile(path, mode)`); text modes read and write str, "b" modes
    bytes. Writing goes to a temporary file renamed into place on close, so a crashed writer
    leaves no half file behind.

    >>> with GFile("/tmp/x.txt", "w") as f:
    ...     f.write("hi")
    """

    def __init__(self, name, mode: str = "r"):
        self.name = _p(name)
        self.mode = mode
        if mode.replace("b", "") not in ("r", "w", "a", "r+", "w+", "a+"):
            raise ValueError(f"GFile: unsupported mode {mode!r}")
        self._tmp = None
        if "r" in mode and not os.path.exists(self.name):
            raise NotFoundError(None, None, f"{self.name}; No such file or directory")
        if mode.startswith("w"):
            folder = os.path.dirname(os.path.abspath(self.name))
            if not os.path.isdir(folder):
                raise NotFoundError(None, None, f"{folder}; No such file or directory")
            fd, self._tmp = tempfile.mkstemp(prefix=os.path.basename(self.name) + ".",
                                             suffix=".tmp", dir=folder)
            self._f = os.fdopen(fd, mode)
        else:
            try:
                self._f = open(self.name, mode)
            except PermissionError as e:
                raise PermissionDeniedError(None, None, str(e)) from None

    def __getattr__(self, attr):
        return getattr(self._f, attr)

    def __iter__(self):
        return iter(self._f)

    def size(self) -> int:
        """The file's length in bytes."""
        self._f.flush()
        return os.path.getsize(self._tmp or self.name)

    def close(self) -> None:
        if self._f.closed:
            return
        self._f.flush()
        if self._tmp is not None:
            os.fsync(self._f.fileno())
        self._f.close()
        if self._tmp is not None:
            os.replace(self._tmp, self.name)
            self._tmp = None

    def __enter__(self) -> "GFile":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None and self._tmp is not None:
            self._f.close()
            os.unlink(self._tmp)  # a failed write leaves the old file (or none) in place
            self._tmp = None
            return
        self.close()
