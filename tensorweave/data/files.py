"""File sources: list_files, text lines, TFRecord records, CSV rows."""

from __future__ import annotations

import glob
import gzip
import io
import os
import zlib
from collections.abc import Iterator

import numpy as np

from tensorweave.data import structure
from tensorweave.data.node import UNKNOWN, Node
from tensorweave.data.tfrecord import read_records
from tensorweave.framework import dtypes
from tensorweave.framework.errors import InvalidArgumentError, NotFoundError
from tensorweave.framework.tensor_spec import TensorSpec


def _names(value) -> list[str]:
    """File names from a string, a list of them or a string tensor."""
    if hasattr(value, "_node"):  # a dataset of file names
        return [bytes(f[0][()]).decode() for f in value._node.iterate()]
    a = structure.leaf_array(value if not isinstance(value, os.PathLike) else os.fspath(value))
    if a.dtype != object:
        raise TypeError(f"`filenames` must be strings, got {a.dtype}")
    return [x.decode() if isinstance(x, bytes) else str(x) for x in a.reshape(-1).tolist()]


def _scalar_string(s: bytes) -> np.ndarray:
    a = np.empty((), dtype=object)
    a[()] = s
    return a


class ListFilesNode(Node):
    """The sorted matches of the patterns; the glob runs when the dataset is created."""

    def __init__(self, patterns):
        pats = _names(patterns)
        found = sorted({m for p in pats for m in glob.glob(p)})
        if not found:
            raise InvalidArgumentError(None, None, f"Expected 'tf.Tensor(False, shape=(), "
                                       f"dtype=bool)' to be true. Summarized data: b'No files "
                                       f"matched pattern: {', '.join(pats)}'")
        self.files = found
        self._spec = TensorSpec((), dtypes.string)

    def iterate(self) -> Iterator[tuple]:
        for f in self.files:
            yield (_scalar_string(f.encode()),)

    def cardinality(self) -> int:
        return len(self.files)


def open_text(path: str, compression: str, buffer_size: int):
    if not os.path.exists(path):
        raise NotFoundError(None, None, f"{path}; No such file or directory")
    raw = open(path, "rb", buffering=buffer_size)
    if compression == "GZIP":
        return gzip.GzipFile(fileobj=raw, mode="rb")
    if compression == "ZLIB":
        return io.BytesIO(zlib.decompress(raw.read()))
    return raw


def _compression(value) -> str:
    value = "" if value is None else value
    if isinstance(value, bytes):
        value = value.decode()
    value = str(value).upper()
    if value not in ("", "GZIP", "ZLIB"):
        raise InvalidArgumentError(None, None, f"Unsupported compression_type: {value!r}; "
                                   "expected '', 'ZLIB' or 'GZIP'")
    return value


class _FileRecordsNode(Node):
    """Records of several files, read one file after the other (or interleaved: parallel)."""

    def __init__(self, filenames, compression_type=None, buffer_size=None):
        self.files = _names(filenames)
        self.compression = _compression(compression_type)
        self.buffer_size = int(buffer_size) if buffer_size else 256 * 1024
        self._spec = TensorSpec((), dtypes.string)

    def records(self, path: str) -> Iterator[bytes]:
        raise NotImplementedError

    def iterate(self) -> Iterator[tuple]:
        for path in self.files:
            for rec in self.records(path):
                yield (_scalar_string(rec),)

    def cardinality(self) -> int:
        return UNKNOWN


class TextLineNode(_FileRecordsNode):
    def records(self, path: str) -> Iterator[bytes]:
        with open_text(path, self.compression, self.buffer_size) as f:
            for line in f:
                yield line.rstrip(b"\n").rstrip(b"\r")


class TFRecordNode(_FileRecordsNode):
    def records(self, path: str) -> Iterator[bytes]:
        if not os.path.exists(path):
            raise NotFoundError(None, None, f"{path}; No such file or directory")
        return read_records(path, self.compression, self.buffer_size)
