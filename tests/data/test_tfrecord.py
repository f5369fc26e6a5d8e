"""TFRecord framing, CRC32C, compression, crash safety and corruption reports."""

from __future__ import annotations

import gzip
import os
import struct
import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tensorweave.data import tfrecord as T
from tensorweave.framework.errors import DataLossError


def _crc_bytewise(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for b in data:
        crc = T._T0[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


@pytest.fixture(scope="module")
def tf():
    return pytest.importorskip("tensorflow")


class TestCRC32C:
    def test_known_vectors(self):
        assert T.crc32c(b"123456789") == 0xE3069283  # the CRC-32C check value
        assert T.crc32c(b"") == 0
        assert T.crc32c(b"\x00" * 32) == 0x8A9136AA  # RFC 3720 B.4
        assert T.crc32c(b"\xff" * 32) == 0x62A8AB43

    def test_masked(self):
        crc = T.crc32c(b"abc")
        assert T.masked_crc32c(b"abc") == ((((crc >> 15) | (crc << 17)) + 0xA282EAD8)
                                           & 0xFFFFFFFF)

    @given(st.binary(max_size=600))
    def test_python_path_matches_bytewise(self, data):
        assert T._crc32c_py(data) == _crc_bytewise(data)

    @settings(max_examples=60)
    @given(st.binary(min_size=4, max_size=300), st.sampled_from([16, 64, 256]))
    def test_numpy_path_matches_bytewise(self, data, block):
        # small blocks exercise the multi-block tree merge on short inputs
        assert T._NumpyCRC(block)(data) == _crc_bytewise(data)

    @pytest.mark.parametrize("n", [4095, 4096, 4097, 3 * 4096 + 5, 70000])
    def test_numpy_long_inputs(self, n):
        data = np.random.default_rng(n).integers(0, 256, n, dtype=np.uint8).tobytes()
        assert T.crc32c(data) == T._crc32c_py(data)

    def test_accepts_buffers(self):
        assert T.crc32c(memoryview(b"x" * 100)) == T.crc32c(bytearray(b"x" * 100))


RECORDS = [b"", b"a", bytes(range(256)) * 20, b"xyz" * 1000]


def _write(path, records, options=None):
    with T.TFRecordWriter(path, options) as w:
        for r in records:
            w.write(r)


class TestRoundTrip:
    @pytest.mark.parametrize("compression", [None, "", "ZLIB", "GZIP"])
    def test_round_trip(self, tmp_path, compression):
        path = tmp_path / "r.tfrecord"
        _write(path, RECORDS, compression)
        assert list(T.read_records(path, compression)) == RECORDS

    @pytest.mark.parametrize("compression", ["ZLIB", "GZIP"])
    def test_options_object_and_small_buffer(self, tmp_path, compression):
        path = str(tmp_path / "r")
        _write(path, RECORDS, T.TFRecordOptions(compression, compression_level=9))
        got = list(T.read_records(path, T.TFRecordOptions(compression), buffer_size=7))
        assert got == RECORDS

    def test_framing_bytes(self, tmp_path):
        path = tmp_path / "one"
        _write(path, [b"hi"])
        raw = path.read_bytes()
        header = struct.pack("<Q", 2)
        assert raw == (header + struct.pack("<I", T.masked_crc32c(header)) + b"hi"
                       + struct.pack("<I", T.masked_crc32c(b"hi")))

    def test_compressed_streams_are_standard(self, tmp_path):
        _write(tmp_path / "z", [b"q"], "ZLIB")
        _write(tmp_path / "g", [b"q"], "GZIP")
        plain = zlib.decompress((tmp_path / "z").read_bytes())
        assert gzip.decompress((tmp_path / "g").read_bytes()) == plain
        assert plain.endswith(b"q" + struct.pack("<I", T.masked_crc32c(b"q")))

    def test_concatenated_zlib_streams(self, tmp_path):
        one = zlib.decompress(_bytes_of(tmp_path, [b"a"], "ZLIB"))
        (tmp_path / "cat").write_bytes(zlib.compress(one) + zlib.compress(one))
        assert list(T.read_records(tmp_path / "cat", "ZLIB")) == [b"a", b"a"]

    def test_write_accepts_str_and_buffers(self, tmp_path):
        path = tmp_path / "s"
        _write(path, ["é", bytearray(b"b"), memoryview(b"c"), np.frombuffer(b"dd", np.uint8)])
        assert list(T.read_records(path)) == ["é".encode(), b"b", b"c", b"dd"]

    def test_bad_compression_type(self, tmp_path):
        with pytest.raises(ValueError, match="compression_type"):
            T.TFRecordWriter(tmp_path / "x", "LZ4")

    @settings(max_examples=25, deadline=None)
    @given(st.lists(st.binary(max_size=300), max_size=8),
           st.sampled_from(["", "ZLIB", "GZIP"]))
    def test_property_round_trip(self, tmp_path_factory, records, compression):
        path = tmp_path_factory.mktemp("p") / "f"
        _write(path, records, compression)
        assert list(T.read_records(path, compression)) == records


def _bytes_of(tmp_path, records, options=None) -> bytes:
    path = tmp_path / "tmp_bytes"
    _write(path, records, options)
    return path.read_bytes()


class TestCrashSafety:
    def test_nothing_under_real_name_until_close(self, tmp_path):
        path = tmp_path / "out.tfrecord"
        w = T.TFRecordWriter(path)
        w.write(b"x")
        w.flush()
        assert not path.exists()
        w.close()
        w.close()  # idempotent
        assert list(T.read_records(path)) == [b"x"]
        assert os.listdir(tmp_path) == ["out.tfrecord"]

    def test_exception_in_with_discards(self, tmp_path):
        path = tmp_path / "out"
        with pytest.raises(RuntimeError):
            with T.TFRecordWriter(path) as w:
                w.write(b"x")
                raise RuntimeError("boom")
        assert os.listdir(tmp_path) == []

    def test_overwrite_is_atomic(self, tmp_path):
        path = tmp_path / "out"
        _write(path, [b"old"])
        w = T.TFRecordWriter(path)
        w.write(b"new")
        assert list(T.read_records(path)) == [b"old"]
        w.close()
        assert list(T.read_records(path)) == [b"new"]

    def test_write_after_close(self, tmp_path):
        w = T.TFRecordWriter(tmp_path / "c")
        w.close()
        with pytest.raises(ValueError):
            w.write(b"x")


class TestCorruption:
    def _file(self, tmp_path, data: bytes):
        path = tmp_path / "bad.tfrecord"
        path.write_bytes(data)
        return str(path)

    @pytest.mark.parametrize("cut, offset, what", [
        (5, 0, "truncated record at 0"),         # inside the first header
        (16 + 7, 16, "truncated record at 16"),  # inside the second header
        (16 + 12 + 1, 16, "truncated record at 16"),  # inside the second record's data
    ])
    def test_truncated(self, tmp_path, cut, offset, what):
        data = _bytes_of(tmp_path, [b"", b"a", b"b"])
        path = self._file(tmp_path, data[:cut])
        with pytest.raises(DataLossError, match=what) as info:
            list(T.read_records(path))
        assert path in str(info.value)

    def test_records_before_the_damage_are_yielded(self, tmp_path):
        data = _bytes_of(tmp_path, [b"a", b"b"])
        it = T.read_records(self._file(tmp_path, data[:-2]))
        assert next(it) == b"a"
        with pytest.raises(DataLossError):
            next(it)

    def test_length_crc(self, tmp_path):
        data = bytearray(_bytes_of(tmp_path, [b"abc", b"def"]))
        data[19 + 2] ^= 0x01  # the second record's length
        with pytest.raises(DataLossError, match="corrupted record at 19.*length CRC"):
            list(T.read_records(self._file(tmp_path, bytes(data))))

    def test_data_crc(self, tmp_path):
        data = bytearray(_bytes_of(tmp_path, [b"abc", b"x" * 500]))
        data[19 + 12 + 100] ^= 0x80
        with pytest.raises(DataLossError, match="corrupted record at 19.*data CRC"):
            list(T.read_records(self._file(tmp_path, bytes(data))))

    @pytest.mark.parametrize("compression", ["ZLIB", "GZIP"])
    def test_truncated_compressed(self, tmp_path, compression):
        data = _bytes_of(tmp_path, [os.urandom(2000)], compression)
        path = self._file(tmp_path, data[: len(data) // 2])
        with pytest.raises(DataLossError, match="bad.tfrecord"):
            list(T.read_records(path, compression))

    def test_garbage_compressed(self, tmp_path):
        with pytest.raises(DataLossError, match="corrupted"):
            list(T.read_records(self._file(tmp_path, b"not zlib at all"), "ZLIB"))


class TestTensorFlowConformance:
    @pytest.mark.parametrize("compression", ["", "ZLIB", "GZIP"])
    def test_ours_read_by_tensorflow(self, tf, tmp_path, compression):
        path = str(tmp_path / "ours")
        _write(path, RECORDS, compression)
        got = [r.numpy() for r in tf.data.TFRecordDataset(path, compression_type=compression)]
        assert got == RECORDS

    @pytest.mark.parametrize("compression", ["", "ZLIB", "GZIP"])
    def test_tensorflow_read_by_us(self, tf, tmp_path, compression):
        path = str(tmp_path / "theirs")
        with tf.io.TFRecordWriter(path, compression) as w:
            for r in RECORDS:
                w.write(r)
        assert list(T.read_records(path, compression)) == RECORDS

    def test_uncompressed_bytes_identical(self, tf, tmp_path):
        ours, theirs = str(tmp_path / "a"), str(tmp_path / "b")
        _write(ours, RECORDS)
        with tf.io.TFRecordWriter(theirs) as w:
            for r in RECORDS:
                w.write(r)
        assert open(ours, "rb").read() == open(theirs, "rb").read()

    def test_tensorflow_also_rejects_our_corruption(self, tf, tmp_path):
        data = bytearray(_bytes_of(tmp_path, [b"x" * 100]))
        data[50] ^= 1
        path = tmp_path / "bad"
        path.write_bytes(bytes(data))
        with pytest.raises(tf.errors.DataLossError):
            list(tf.data.TFRecordDataset(str(path)))
        with pytest.raises(DataLossError):
            list(T.read_records(path))
