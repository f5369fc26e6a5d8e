"""CSV records: the NumPy core of `tf.io.decode_csv`, `CsvDataset` and `make_csv_dataset`.

A record is split on `field_delim`; with `use_quote_delim` a field may be quoted with `"` (a
doubled quote inside stands for one). Empty fields and `na_value` take the column's default; a
column whose default is empty is required, and a record missing it is an error, as in TensorFlow.
"""

from __future__ import annotations

import numpy as np

from tensorweave.data import structure
from tensorweave.framework import dtypes
from tensorweave.framework.errors import InvalidArgumentError

_CSV_DTYPES = (dtypes.float32, dtypes.float64, dtypes.int32, dtypes.int64, dtypes.string)


class Column:
    """One column's dtype and default (None: the column is required)."""

    __slots__ = ("dtype", "default")

    def __init__(self, dtype: dtypes.DType, default):
        self.dtype = dtype
        self.default = default


def columns(record_defaults) -> list[Column]:
    """`record_defaults` (per column: a DType, an empty or one-value list/tensor, or a scalar)."""
    if not isinstance(record_defaults, (list, tuple)) or not record_defaults:
        raise ValueError("record_defaults must be a non-empty list with one entry per column, "
                         f"got {record_defaults!r}")
    out = []
    for i, d in enumerate(record_defaults):
        if isinstance(d, dtypes.DType) or (isinstance(d, type) and d in (int, float, str)):
            dt = dtypes.as_dtype(d) if isinstance(d, dtypes.DType) else \
                {int: dtypes.int32, float: dtypes.float32, str: dtypes.string}[d]
            out.append(Column(dt, None))
            continue
        a = structure.leaf_array([] if isinstance(d, (list, tuple)) and not d else d)
        dt = dtypes.from_numpy(a.dtype)
        if dt not in _CSV_DTYPES:
            raise TypeError(f"record_defaults[{i}] has dtype {dt.name}; CSV columns must be "
                            "float32, float64, int32, int64 or string.")
        if a.size > 1:
            raise ValueError(f"record_defaults[{i}] must have at most one element, got shape "
                             f"{a.shape}")
        out.append(Column(dt, a.reshape(-1)[0] if a.size else None))
    return out


def split(record: bytes, delim: bytes, use_quote: bool) -> list[bytes]:
    """The fields of one record."""
    if not use_quote or b'"' not in record:
        return record.split(delim)
    fields, i, n = [], 0, len(record)
    while True:
        if i < n and record[i:i + 1] == b'"':
            buf = bytearray()
            i += 1
            while True:
                j = record.find(b'"', i)
                if j < 0:
                    raise InvalidArgumentError(None, None, "Quoted field has to end with quote "
                                               f"followed by delim or end: {record!r}")
                buf += record[i:j]
                if record[j + 1:j + 2] == b'"':  # an escaped quote
                    buf += b'"'
                    i = j + 2
                    continue
                i = j + 1
                break
            if i < n and record[i:i + len(delim)] != delim:
                raise InvalidArgumentError(None, None, "Quoted field has to end with quote "
                                           f"followed by delim or end: {record!r}")
            fields.append(bytes(buf))
        else:
            j = record.find(delim, i)
            field = record[i:] if j < 0 else record[i:j]
            if use_quote and b'"' in field:
                raise InvalidArgumentError(None, None, "Unquoted fields cannot have quotes/CRLFs "
                                           f"inside: {record!r}")
            fields.append(field)
            i = n if j < 0 else j
        if i >= n:
            return fields
        i += len(delim)
        if i == n:
            fields.append(b"")
            return fields


def _value(field: bytes, col: Column, index: int, na: bytes, record: bytes):
    if field == b"" or field == na:
        if col.default is None:
            raise InvalidArgumentError(None, None, f"Field {index} is required but missing in "
                                       f"record {record!r}!")
        return col.default
    if col.dtype is dtypes.string:
        return field
    try:
        if col.dtype.is_integer:
            v = int(field)
            info = np.iinfo(col.dtype.np_dtype)
            if not info.min <= v <= info.max:
                raise ValueError("out of range")
            return v
        return float(field)
    except ValueError:
        raise InvalidArgumentError(None, None, f"Field {index} in record {record!r} is not a "
                                   f"valid {col.dtype.name}: {field!r}") from None


def parse_records(records: list[bytes], cols: list[Column], field_delim=",", use_quote_delim=True,
                  na_value="", select_cols=None) -> list[np.ndarray]:
    """Each selected column of `records` as a 1-D array of its dtype."""
    delim = field_delim.encode() if isinstance(field_delim, str) else bytes(field_delim)
    na = na_value.encode() if isinstance(na_value, str) else bytes(na_value)
    if len(delim) != 1:
        raise ValueError(f"field_delim must be one character, got {field_delim!r}")
    want = len(cols) if select_cols is None else None
    picks = None if select_cols is None else list(select_cols)
    if picks is not None and len(picks) != len(cols):
        raise ValueError(f"select_cols has {len(picks)} columns but record_defaults has "
                         f"{len(cols)}")
    values = [[] for _ in cols]
    for rec in records:
        fields = split(rec, delim, use_quote_delim)
        if want is not None and len(fields) != want:
            raise InvalidArgumentError(None, None, f"Expect {want} fields but have "
                                       f"{len(fields)} in record {rec!r}")
        if picks is not None:
            if picks and max(picks) >= len(fields):
                raise InvalidArgumentError(None, None, f"Expect at least {max(picks) + 1} "
                                           f"fields but have {len(fields)} in record {rec!r}")
            fields = [fields[p] for p in picks]
        for k, (f, col) in enumerate(zip(fields, cols)):
            values[k].append(_value(f, col, k if picks is None else picks[k], na, rec))
    out = []
    for col, vals in zip(cols, values):
        if col.dtype is dtypes.string:
            a = np.empty(len(vals), dtype=object)
            a[:] = [bytes(v) for v in vals]
        else:
            a = np.array(vals, dtype=col.dtype.np_dtype).reshape(len(vals))
        out.append(a)
    return out


def infer_type(text: str, na_value: str, prev: dtypes.DType | None) -> dtypes.DType | None:
    """The least permissive CSV dtype `text` fits that keeps `prev` valid (make_csv_dataset)."""
    if text in ("", na_value):
        return prev
    order = [dtypes.int32, dtypes.int64, dtypes.float32, dtypes.float64, dtypes.string]
    start = 0 if prev is None else order.index(prev)
    for dt in order[start:]:
        if _fits(text, dt):
            return dt
    return dtypes.string


def _fits(text: str, dt: dtypes.DType) -> bool:
    if dt is dtypes.string:
        return True
    try:
        if dt.is_integer:
            info = np.iinfo(dt.np_dtype)
            return info.min <= int(text) <= info.max
        v = float(text)
    except ValueError:
        return False
    return dt is dtypes.float64 or not np.isfinite(v) or abs(v) <= np.finfo(np.float32).max
