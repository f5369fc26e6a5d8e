"""`cache`: elements kept after the first complete pass, in memory or in a file.

The file format is tensorweave's own (TensorFlow's cache files are an internal format): a magic
line, then per element and component a small header (dtype, shape) and the raw bytes; strings are
stored as lengths and bytes, so loading never unpickles. The file is written under a temporary
name and renamed when the pass completes, so an interrupted pass leaves no cache behind.
"""

from __future__ import annotations

import os
import struct
import tempfile
from collections.abc import Iterator

import numpy as np

from tensorweave.data.node import Node
from tensorweave.framework.errors import DataLossError

_MAGIC = b"TWCACHE1\n"
_U32 = struct.Struct("<I")
_U64 = struct.Struct("<Q")


class CacheNode(Node):
    def __init__(self, node: Node, filename=""):
        self.inputs = (node,)
        self._spec = node.spec
        self.filename = os.fsdecode(os.fspath(filename)) if filename else ""
        self.memory = None  # the elements, once a pass has completed

    def iterate(self) -> Iterator[tuple]:
        if self.filename:
            return self._file()
        if self.memory is not None:
            return iter(self.memory)
        return self._record()

    def _record(self):
        kept = []
        for flat in self.inputs[0].iterate():
            kept.append(flat)
            yield flat
        self.memory = kept

    def _file(self):
        path = self.filename
        if os.path.exists(path):
            yield from read_cache(path)
            return
        directory = os.path.dirname(os.path.abspath(path))
        os.makedirs(directory, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=os.path.basename(path) + ".", suffix=".tmp",
                                   dir=directory)
        done = False
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(_MAGIC)
                for flat in self.inputs[0].iterate():
                    _write_element(f, flat)
                    yield flat
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
            done = True
        finally:
            if not done and os.path.exists(tmp):
                os.unlink(tmp)

    def cardinality(self) -> int:
        return self.inputs[0].cardinality()


def _write_element(f, flat: tuple) -> None:
    f.write(_U32.pack(len(flat)))
    for a in flat:
        kind = b"|O" if a.dtype == object else a.dtype.str.encode()
        f.write(_U32.pack(len(kind)) + kind + _U32.pack(a.ndim))
        f.write(b"".join(_U64.pack(d) for d in a.shape))
        if a.dtype == object:
            items = [bytes(x) for x in a.reshape(-1)]
            f.write(b"".join(_U64.pack(len(x)) for x in items))
            f.write(b"".join(items))
        else:
            f.write(np.ascontiguousarray(a).tobytes())


def read_cache(path: str) -> Iterator[tuple]:
    with open(path, "rb") as f:
        data = f.read()
    if not data.startswith(_MAGIC):
        raise DataLossError(None, None, f"{path} is not a tensorweave cache file")
    pos = len(_MAGIC)
    try:
        while pos < len(data):
            (n,) = _U32.unpack_from(data, pos)
            pos += 4
            flat = []
            for _ in range(n):
                (klen,) = _U32.unpack_from(data, pos)
                kind = data[pos + 4:pos + 4 + klen].decode()
                pos += 4 + klen
                (ndim,) = _U32.unpack_from(data, pos)
                pos += 4
                shape = tuple(_U64.unpack_from(data, pos + 8 * i)[0] for i in range(ndim))
                pos += 8 * ndim
                size = int(np.prod(shape, dtype=np.int64))
                if kind == "|O":
                    lengths = np.frombuffer(data, np.uint64, size, pos).tolist()
                    pos += 8 * size
                    items = np.empty(size, dtype=object)
                    for i, ln in enumerate(lengths):
                        items[i] = data[pos:pos + ln]
                        pos += ln
                    flat.append(items.reshape(shape))
                else:
                    dt = np.dtype(kind)
                    nbytes = size * dt.itemsize
                    flat.append(np.frombuffer(data, dt, size, pos).reshape(shape))
                    pos += nbytes
            yield tuple(flat)
    except (struct.error, ValueError) as e:
        raise DataLossError(None, None, f"truncated or corrupt cache file {path} at byte "
                            f"{pos}: {e}") from e
