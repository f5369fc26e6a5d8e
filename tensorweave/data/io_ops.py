"""tf.io: the public, tensor-speaking layer over parsing.py, tfrecord.py and csv.py.

These functions read concrete values (they run on the CPU with NumPy); called on the symbolic
tensors of a trace they raise TypeError, so a `Dataset.map` using them runs its function eagerly
(see data/functions.py), which gives TensorFlow's values.
"""

from __future__ import annotations

import os
import tempfile

import numpy as np

from tensorweave.data import csv, parsing, structure
from tensorweave.data.sparse import SparseTensor
from tensorweave.framework import dtypes
from tensorweave.framework.context import CPU0
from tensorweave.framework.errors import InvalidArgumentError, NotFoundError
from tensorweave.framework.tensor import Tensor

__all__ = [
    "decode_csv", "decode_raw", "parse_example", "parse_single_example",
    "parse_single_sequence_example", "parse_tensor", "read_file", "serialize_tensor",
    "write_file",
]


def _array(value, dtype=None) -> np.ndarray:
    return structure.leaf_array(value, dtype)


def _tensor(a: np.ndarray) -> Tensor:
    return Tensor(np.asarray(a), CPU0)


def _strings(value, what: str) -> np.ndarray:
    a = _array(value)
    if a.dtype != object:
        raise TypeError(f"{what} must be a tf.string tensor, got {dtypes.from_numpy(a.dtype).name}")
    return a


def _results(out: dict) -> dict:
    return {k: SparseTensor(v.indices, v.values, v.dense_shape)
            if isinstance(v, parsing.SparseValue) else _tensor(v) for k, v in out.items()}


def parse_single_example(serialized, features: dict, example_names=None, name=None) -> dict:
    """Parses one serialized `tf.train.Example` into {key: Tensor or SparseTensor}.

    >>> ex = tf.train.Example(features=tf.train.Features(feature={
    ...     "y": tf.train.Feature(int64_list=tf.train.Int64List(value=[3]))}))
    >>> tf.io.parse_single_example(ex.SerializeToString(),
    ...                            {"y": tf.io.FixedLenFeature([], tf.int64)})["y"].numpy()
    3
    """
    a = _strings(serialized, "serialized")
    if a.ndim != 0:
        raise ValueError(f"parse_single_example: `serialized` must be a scalar, got shape "
                         f"{a.shape}")
    return _results(parsing.parse_single_example(a[()], features))


def parse_example(serialized, features: dict, example_names=None, name=None) -> dict:
    """Parses a 1-D batch of serialized Examples: dense results gain a batch dimension."""
    a = _strings(serialized, "serialized")
    if a.ndim != 1:
        raise ValueError(f"parse_example: `serialized` must be a vector, got shape {a.shape}")
    return _results(parsing.parse_example(a, features))


def parse_single_sequence_example(serialized, context_features=None, sequence_features=None,
                                  example_name=None, name=None) -> tuple[dict, dict]:
    """Parses one serialized `tf.train.SequenceExample`: (context, feature_lists) dicts."""
    a = _strings(serialized, "serialized")
    context, seq = parsing.parse_single_sequence_example(a[()], context_features,
                                                         sequence_features)
    return _results(context), _results(seq)


def serialize_tensor(tensor, name=None) -> Tensor:
    """The tensor as a serialized TensorProto (a scalar tf.string), readable by TensorFlow."""
    return _tensor(_scalar_bytes(parsing.serialize_tensor(_array(tensor))))


def parse_tensor(serialized, out_type, name=None) -> Tensor:
    """The tensor of a serialized TensorProto; `out_type` must be its dtype."""
    a = _strings(serialized, "serialized")
    return _tensor(parsing.parse_tensor(a[()], dtypes.as_dtype(out_type).name))


def _scalar_bytes(b: bytes) -> np.ndarray:
    a = np.empty((), dtype=object)
    a[()] = b
    return a


def _path(filename) -> str:
    if isinstance(filename, (str, os.PathLike)):
        return os.fspath(filename)
    a = _strings(filename, "filename")
    v = a[()]
    return v.decode() if isinstance(v, bytes) else str(v)


def read_file(filename, name=None) -> Tensor:
    """The whole contents of a file as a scalar tf.string."""
    path = _path(filename)
    try:
        with open(path, "rb") as f:
            return _tensor(_scalar_bytes(f.read()))
    except FileNotFoundError:
        raise NotFoundError(None, None, f"{path}; No such file or directory") from None


def write_file(filename, contents, name=None) -> None:
    """Writes `contents` (a scalar string) to `filename`, atomically: a temporary file in the
    same folder is renamed into place, so no reader ever sees half a file."""
    path = _path(filename)
    data = _strings(contents, "contents")
    if data.ndim != 0:
        raise InvalidArgumentError(None, None, f"contents must be scalar, got shape {data.shape}")
    data = data[()]
    data = data.encode() if isinstance(data, str) else bytes(data)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise NotFoundError(None, None, f"{folder}; No such file or directory")
    fd, tmp = tempfile.mkstemp(prefix=os.path.basename(path) + ".", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def decode_csv(records, record_defaults, field_delim=",", use_quote_delim=True, name=None,
               na_value="", select_cols=None) -> list:
    """Each CSV record (a string tensor of any shape) split into columns: one tensor per column,
    of the record tensor's shape, typed by `record_defaults`.

    >>> [t.numpy().tolist() for t in tf.io.decode_csv(["1,a", "2,"], [[0], ["z"]])]
    [[1, 2], [b'a', b'z']]
    """
    a = _strings(records, "records")
    cols = csv.columns(list(record_defaults))
    flat = [bytes(x) if not isinstance(x, str) else x.encode() for x in a.reshape(-1).tolist()]
    if select_cols is not None and list(select_cols) != sorted(set(select_cols)):
        raise ValueError("select_cols is not strictly increasing.")
    out = csv.parse_records(flat, cols, field_delim, use_quote_delim, na_value, select_cols)
    return [_tensor(o.reshape(a.shape)) for o in out]


def decode_raw(input_bytes, out_type, little_endian=True, fixed_length=None, name=None) -> Tensor:
    """The bytes of each string reinterpreted as a vector of `out_type`."""
    a = _strings(input_bytes, "input_bytes")
    dt = np.dtype(dtypes.as_dtype(out_type).np_dtype).newbyteorder("<" if little_endian else ">")
    items = [bytes(x) for x in a.reshape(-1).tolist()]
    if fixed_length is not None:
        items = [x[:int(fixed_length)].ljust(int(fixed_length), b"\0") for x in items]
    lengths = {len(x) for x in items}
    if len(lengths) > 1:
        raise InvalidArgumentError(None, None, "DecodeRaw requires input strings to all be the "
                                   f"same size, but got lengths {sorted(lengths)}")
    size = lengths.pop() if lengths else 0
    if size % dt.itemsize:
        raise InvalidArgumentError(None, None, f"Input to DecodeRaw has length {size} that is "
                                   f"not a multiple of {dt.itemsize}, the size of "
                                   f"{dtypes.as_dtype(out_type).name}")
    vals = np.frombuffer(b"".join(items), dtype=dt).astype(dt.newbyteorder("="))
    return _tensor(vals.reshape(*a.shape, size // dt.itemsize))
