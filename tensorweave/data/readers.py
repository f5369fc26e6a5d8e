"""File datasets: TFRecordDataset, TextLineDataset, FixedLengthRecordDataset, CsvDataset and
make_csv_dataset."""

from __future__ import annotations

import collections
import csv as _pycsv
import io
from collections.abc import Iterator

import numpy as np

from tensorweave.data import csv, files
from tensorweave.data.dataset_ops import DatasetV2
from tensorweave.data.node import UNKNOWN, Node
from tensorweave.framework import dtypes
from tensorweave.framework.errors import InvalidArgumentError
from tensorweave.framework.tensor_spec import TensorSpec


def _parallel(node_factory, filenames, num_parallel_reads) -> Node:
    """One node reading the files in turn, or interleaving `num_parallel_reads` of them."""
    names = files._names(filenames)
    if num_parallel_reads is None or int(num_parallel_reads) in (0, 1) or len(names) < 2:
        return node_factory(names)
    n = int(num_parallel_reads)
    if n == -1:
        n = min(len(names), 8)
    ds = DatasetV2.from_tensor_slices(np.array([s.encode() for s in names], dtype=object))
    ds = ds.interleave(lambda f: DatasetV2._wrap(node_factory(f)), cycle_length=n,
                       block_length=1, num_parallel_calls=n)
    return ds._node


class TFRecordDataset(DatasetV2):
    """The records of TFRecord files, as scalar tf.string elements.

    >>> ds = TFRecordDataset(["a.tfrecord", "b.tfrecord"], compression_type="GZIP")
    """

    def __init__(self, filenames, compression_type=None, buffer_size=None,
                 num_parallel_reads=None, name=None):
        super().__init__(_parallel(lambda f: files.TFRecordNode(f, compression_type, buffer_size),
                                   filenames, num_parallel_reads))


class TextLineDataset(DatasetV2):
    """The lines of text files (without their line ends), as scalar tf.string elements."""

    def __init__(self, filenames, compression_type=None, buffer_size=None,
                 num_parallel_reads=None, name=None):
        super().__init__(_parallel(lambda f: files.TextLineNode(f, compression_type, buffer_size),
                                   filenames, num_parallel_reads))


class _FixedLengthNode(files._FileRecordsNode):
    def __init__(self, filenames, record_bytes, header_bytes, footer_bytes, compression_type,
                 buffer_size):
        super().__init__(filenames, compression_type, buffer_size)
        self.record, self.header, self.footer = record_bytes, header_bytes, footer_bytes
        if record_bytes < 1:
            raise InvalidArgumentError(None, None, f"record_bytes must be positive, got "
                                       f"{record_bytes}")

    def records(self, path: str) -> Iterator[bytes]:
        with files.open_text(path, self.compression, self.buffer_size) as f:
            data = f.read()
        body = data[self.header:len(data) - self.footer]
        if len(body) % self.record:
            raise InvalidArgumentError(None, None, (
                f"Excluding the header ({self.header} bytes) and footer ({self.footer} bytes), "
                f"input file \"{path}\" has body length {len(body)} bytes, which is not an exact "
                f"multiple of the record length ({self.record} bytes)."))
        for i in range(0, len(body), self.record):
            yield body[i:i + self.record]


class FixedLengthRecordDataset(DatasetV2):
    """Records of `record_bytes` bytes from binary files (after a header, before a footer)."""

    def __init__(self, filenames, record_bytes, header_bytes=None, footer_bytes=None,
                 buffer_size=None, compression_type=None, num_parallel_reads=None, name=None):
        def make(f):
            return _FixedLengthNode(f, int(record_bytes), int(header_bytes or 0),
                                    int(footer_bytes or 0), compression_type, buffer_size)
        super().__init__(_parallel(make, filenames, num_parallel_reads))


class _CsvNode(Node):
    def __init__(self, filenames, cols, compression_type, buffer_size, header, field_delim,
                 use_quote_delim, na_value, select_cols):
        self.lines = files.TextLineNode(filenames, compression_type, buffer_size)
        self.cols = cols
        self.header = bool(header)
        self.options = (field_delim, use_quote_delim, na_value, select_cols)
        self._spec = tuple(TensorSpec((), c.dtype) for c in cols)

    def iterate(self) -> Iterator[tuple]:
        for path in self.lines.files:
            lines = self.lines.records(path)
            if self.header:
                next(lines, None)
            for line in lines:
                if not line:
                    continue  # TensorFlow's CSV reader skips empty lines
                values = csv.parse_records([line], self.cols, *self.options)
                yield tuple(v.reshape(()) for v in values)

    def cardinality(self) -> int:
        return UNKNOWN


class CsvDataset(DatasetV2):
    """The rows of CSV files: each element a tuple of scalars, one per (selected) column.

    >>> ds = CsvDataset("data.csv", [tf.float32, [0], [""]], header=True)
    """

    def __init__(self, filenames, record_defaults, compression_type=None, buffer_size=None,
                 header=False, field_delim=",", use_quote_delim=True, na_value="",
                 select_cols=None, exclude_cols=None, name=None):
        cols = csv.columns(record_defaults)
        if select_cols is not None and exclude_cols is not None:
            raise ValueError("Either select_cols or exclude_cols should be empty")
        if exclude_cols is not None:
            raise NotImplementedError("CsvDataset(exclude_cols=...): use select_cols.")
        if select_cols is not None and list(select_cols) != sorted(set(select_cols)):
            raise InvalidArgumentError(None, None, "select_cols is not strictly increasing.")
        super().__init__(_CsvNode(filenames, cols, compression_type, buffer_size, header,
                                  field_delim, use_quote_delim, na_value, select_cols))


def _header_and_rows(path: str, delim: str, compression, n: int | None):
    with files.open_text(path, files._compression(compression), 1 << 16) as f:
        text = io.TextIOWrapper(f, encoding="utf-8", newline="")
        reader = _pycsv.reader(text, delimiter=delim)
        rows = []
        for row in reader:
            if row:
                rows.append(row)
            if n is not None and len(rows) > n:
                break
    return rows


def make_csv_dataset(file_pattern, batch_size, column_names=None, column_defaults=None,
                     label_name=None, select_columns=None, field_delim=",",
                     use_quote_delim=True, na_value="", header=True, num_epochs=None,
                     shuffle=True, shuffle_buffer_size=10000, shuffle_seed=None,
                     prefetch_buffer_size=None, num_parallel_reads=None, sloppy=False,
                     num_rows_for_inference=100, compression_type=None, ignore_errors=False,
                     encoding="utf-8") -> DatasetV2:
    """Batches of CSV rows as (features dict, label) or a features dict, types inferred.

    >>> ds = make_csv_dataset("train.csv", batch_size=32, label_name="y", num_epochs=1)
    """
    names = files.ListFilesNode(file_pattern).files
    first = _header_and_rows(names[0], field_delim, compression_type, num_rows_for_inference)
    if column_names is None:
        if not header:
            raise ValueError("Cannot infer column names without a header line or column_names.")
        if not first:
            raise ValueError(f"Cannot infer column names: {names[0]} is empty.")
        column_names = first[0]
    column_names = list(column_names)
    if len(set(column_names)) != len(column_names):
        raise ValueError(f"Cannot have duplicate column names: {column_names}")
    picks = list(range(len(column_names)))
    if select_columns is not None:
        sel = list(select_columns)
        picks = sorted(column_names.index(s) if isinstance(s, str) else int(s) for s in sel)
    if label_name is not None and label_name not in [column_names[p] for p in picks]:
        raise ValueError(f"`label_name` provided must be one of the columns: {column_names}")
    if column_defaults is None:
        kinds: list = [None] * len(picks)
        for row in first[1 if header else 0:]:
            for j, p in enumerate(picks):
                if p < len(row):
                    kinds[j] = csv.infer_type(row[p], na_value, kinds[j])
        kinds = [k or dtypes.string for k in kinds]
        column_defaults = [np.array([b"" if k is dtypes.string else 0], k.np_dtype)
                           if k is not dtypes.string else np.array([b""], object)
                           for k in kinds]
    ds = CsvDataset(names, column_defaults, compression_type=compression_type, header=header,
                    field_delim=field_delim, use_quote_delim=use_quote_delim, na_value=na_value,
                    select_cols=picks if select_columns is not None else None)
    if ignore_errors:
        ds = ds.ignore_errors()
    keys = [column_names[p] for p in picks]

    def to_dict(*row):
        features = collections.OrderedDict(zip(keys, row))
        if label_name is None:
            return features
        label = features.pop(label_name)
        return features, label

    if num_epochs != 1:
        ds = ds.repeat(num_epochs)
    if shuffle:
        ds = ds.shuffle(shuffle_buffer_size, seed=shuffle_seed)
    ds = ds.batch(batch_size, drop_remainder=num_epochs is None)
    ds = ds.map(to_dict)
    return ds.prefetch(-1 if prefetch_buffer_size is None else prefetch_buffer_size)
