"""The on-disk format of checkpoints: `<prefix>.index` (JSON) and `<prefix>.data-00000-of-00001`.

The index maps each key to its dtype, shape, byte range in the data file and CRC-32 of those
bytes, so a truncated or corrupted checkpoint is detected and named instead of restoring garbage.
Nothing is pickled: the data file is raw little-endian array bytes, string tensors live in the
index as JSON. Both files are written to temporary names and renamed, the index last, so a crash
while saving never leaves an index pointing at missing data.
"""

from __future__ import annotations

import json
import os
import zlib

import numpy as np

from tensorweave.framework import dtypes
from tensorweave.util.atomic import atomic_write

FORMAT = "tensorweave-checkpoint"
VERSION = 1
_ALIGN = 64


def data_path(prefix: str) -> str:
    return f"{prefix}.data-00000-of-00001"


def index_path(prefix: str) -> str:
    return f"{prefix}.index"


def exists(prefix: str) -> bool:
    return os.path.exists(index_path(prefix))


def write(prefix: str, tensors: dict) -> None:
    """Writes {key: numpy array} under `prefix`."""
    entries = {}
    offset = 0
    with atomic_write(data_path(prefix)) as f:
        for key, array in tensors.items():
            array = np.asarray(array)
            if array.dtype.kind in "OUS":
                entries[key] = {"dtype": "string", "shape": list(array.shape),
                                "strings": [_text(s) for s in array.reshape(-1).tolist()]}
                continue
            raw = np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<"),
                                                     copy=False).tobytes()
            pad = (-offset) % _ALIGN
            f.write(b"\0" * pad)
            offset += pad
            f.write(raw)
            entries[key] = {"dtype": dtypes.from_numpy(array.dtype).name,
                            "shape": list(array.shape), "offset": offset, "nbytes": len(raw),
                            "crc32": zlib.crc32(raw)}
            offset += len(raw)
    index = {"format": FORMAT, "version": VERSION, "tensors": entries}
    with atomic_write(index_path(prefix), "w") as f:
        json.dump(index, f)


def _text(s):
    return s.decode("utf-8", "surrogateescape") if isinstance(s, bytes) else str(s)


class BundleReader:
    """Reads the tensors of one checkpoint, verifying each against its checksum."""

    def __init__(self, prefix: str):
        self.prefix = prefix
        path = index_path(prefix)
        if not os.path.exists(path):
            raise _not_found(prefix)
        try:
            with open(path, encoding="utf-8") as f:
                index = json.load(f)
        except (ValueError, UnicodeDecodeError) as e:
            raise _data_loss(path, f"the index is not valid JSON ({e})") from None
        if index.get("format") != FORMAT:
            raise _data_loss(path, "it is not a tensorweave checkpoint index")
        if index.get("version", 0) > VERSION:
            raise _data_loss(path, f"it has format version {index['version']}, newer than "
                                   f"this tensorweave reads ({VERSION})")
        self._entries = index["tensors"]
        self._data = None

    def keys(self) -> list:
        return list(self._entries)

    def __contains__(self, key) -> bool:
        return key in self._entries

    def shape_and_dtype(self, key):
        e = self._entries[key]
        return tuple(e["shape"]), dtypes.as_dtype(e["dtype"])

    def get(self, key) -> np.ndarray:
        e = self._entries[key]
        if e["dtype"] == "string":
            return np.array([s.encode("utf-8", "surrogateescape") for s in e["strings"]],
                            dtype=object).reshape(e["shape"])
        if self._data is None:
            with open(data_path(self.prefix), "rb") as f:
                self._data = f.read()
        raw = self._data[e["offset"]:e["offset"] + e["nbytes"]]
        if len(raw) != e["nbytes"] or zlib.crc32(raw) != e["crc32"]:
            raise _data_loss(data_path(self.prefix),
                             f"the bytes of {key!r} at offset {e['offset']} are truncated or "
                             "corrupted (checksum mismatch)")
        dtype = dtypes.as_dtype(e["dtype"]).as_numpy_dtype
        return np.frombuffer(raw, dtype=np.dtype(dtype).newbyteorder("<")).astype(
            dtype, copy=True).reshape(e["shape"])


def _not_found(prefix):
    from tensorweave.framework.errors import NotFoundError

    return NotFoundError(None, None, f"Unsuccessful TensorSliceReader constructor: Failed to find "
                                     f"any matching files for {prefix} (no {index_path(prefix)})")


def _data_loss(path, why):
    from tensorweave.framework.errors import DataLossError

    return DataLossError(None, None, f"Unable to read checkpoint file {path}: {why}")
