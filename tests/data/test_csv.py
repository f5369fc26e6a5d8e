"""CSV record splitting and typing (data/csv.py): quoting round trips, defaults, errors."""

import csv as pycsv
import io

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tensorweave.data import csv
from tensorweave.framework import dtypes
from tensorweave.framework.errors import InvalidArgumentError

FIELD = st.text(alphabet=st.characters(blacklist_characters="\r\n\x00",
                                       blacklist_categories=("Cs",)), max_size=8)


@settings(max_examples=200, deadline=None)
@given(st.lists(FIELD, min_size=1, max_size=6))
def test_split_reads_what_a_csv_writer_writes(fields):
    buf = io.StringIO()
    pycsv.writer(buf, lineterminator="").writerow(fields)
    record = buf.getvalue().encode()
    if fields == [""]:
        return  # an empty line: one empty field, which csv writes as nothing at all
    assert csv.split(record, b",", True) == [f.encode() for f in fields]


def test_split_without_quotes_keeps_them():
    assert csv.split(b'a,"b",c', b",", False) == [b"a", b'"b"', b"c"]
    assert csv.split(b"a,,", b",", True) == [b"a", b"", b""]


def test_bad_quotes():
    with pytest.raises(InvalidArgumentError, match="Quoted field"):
        csv.split(b'"ab"c,d', b",", True)
    with pytest.raises(InvalidArgumentError, match="Unquoted fields"):
        csv.split(b'ab"c,d', b",", True)


def test_columns_and_parse():
    cols = csv.columns([[0], dtypes.float64, [""], np.array([7], np.int64)])
    assert [c.dtype for c in cols] == [dtypes.int32, dtypes.float64, dtypes.string, dtypes.int64]
    out = csv.parse_records([b"1,2.5,x,", b",1e-3,,9"], cols)
    assert out[0].tolist() == [1, 0] and out[0].dtype == np.int32
    assert out[1].tolist() == [2.5, 0.001]
    assert out[2].tolist() == [b"x", b""]
    assert out[3].tolist() == [7, 9]
    with pytest.raises(InvalidArgumentError, match="Field 1 is required"):
        csv.parse_records([b"1,,x,2"], cols)
    with pytest.raises(InvalidArgumentError, match="not a valid int32"):
        csv.parse_records([b"3000000000,1,x,2"], cols)
    with pytest.raises(TypeError, match="CSV columns"):
        csv.columns([np.array([True])])
    with pytest.raises(ValueError, match="at most one"):
        csv.columns([[1, 2]])


def test_infer_type_widens():
    t = None
    for text, want in [("1", dtypes.int32), ("", dtypes.int32), ("3000000000", dtypes.int64),
                       ("1.5", dtypes.float32), ("1e300", dtypes.float64), ("a", dtypes.string),
                       ("2", dtypes.string)]:
        t = csv.infer_type(text, "", t)
        assert t is want, (text, t)
