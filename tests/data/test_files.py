"""File datasets (TFRecord, text, fixed-length, CSV), list_files, cache files, tf.io and gfile."""

import gzip
import os

import numpy as np
import pytest

import tensorweave as tf
from tensorweave.framework import errors


def _np(ds):
    return list(ds.as_numpy_iterator())


def _write_records(path, records, compression=None):
    with tf.io.TFRecordWriter(path, tf.io.TFRecordOptions(compression_type=compression)) as w:
        for r in records:
            w.write(r)


class TestTFRecordDataset:
    @pytest.mark.parametrize("compression", [None, "GZIP", "ZLIB"])
    def test_round_trip(self, tmp_path, compression):
        path = str(tmp_path / "a.tfrecord")
        recs = [b"x" * i for i in range(6)]
        _write_records(path, recs, compression)
        ds = tf.data.TFRecordDataset(path, compression_type=compression or "")
        assert ds.element_spec == tf.TensorSpec((), tf.string)
        assert _np(ds) == recs

    def test_several_files_in_order_and_interleaved(self, tmp_path):
        a, b = str(tmp_path / "a"), str(tmp_path / "b")
        _write_records(a, [b"a0", b"a1", b"a2"])
        _write_records(b, [b"b0", b"b1"])
        assert _np(tf.data.TFRecordDataset([a, b])) == [b"a0", b"a1", b"a2", b"b0", b"b1"]
        out = _np(tf.data.TFRecordDataset([a, b], num_parallel_reads=2))
        assert out == [b"a0", b"b0", b"a1", b"b1", b"a2"]

    def test_corrupt_record_raises_data_loss(self, tmp_path):
        path = str(tmp_path / "bad.tfrecord")
        _write_records(path, [b"hello", b"world"])
        data = bytearray(open(path, "rb").read())
        data[-6] ^= 0xFF  # flip a byte of the second record's payload
        open(path, "wb").write(bytes(data))
        ds = tf.data.TFRecordDataset(path)
        with pytest.raises(errors.DataLossError, match="bad.tfrecord"):
            _np(ds)

    def test_truncated_file_raises_data_loss(self, tmp_path):
        path = str(tmp_path / "cut.tfrecord")
        _write_records(path, [b"hello", b"world"])
        data = open(path, "rb").read()
        open(path, "wb").write(data[:-3])
        with pytest.raises(errors.DataLossError, match="offset|truncated"):
            _np(tf.data.TFRecordDataset(path))

    def test_experimental_writer(self, tmp_path):
        path = str(tmp_path / "w.tfrecord")
        ds = tf.data.Dataset.from_tensor_slices([b"a", b"", b"ccc"])
        tf.data.experimental.TFRecordWriter(path, "ZLIB").write(ds)
        assert _np(tf.data.TFRecordDataset(path, "ZLIB")) == [b"a", b"", b"ccc"]
        with pytest.raises(TypeError, match="scalar tf.string"):
            tf.data.experimental.TFRecordWriter(path).write(tf.data.Dataset.range(2))

    def test_missing_file(self, tmp_path):
        with pytest.raises(errors.NotFoundError):
            _np(tf.data.TFRecordDataset(str(tmp_path / "none")))

    def test_parse_examples_in_map(self, tmp_path):
        path = str(tmp_path / "ex.tfrecord")
        recs = []
        for i in range(4):
            ex = tf.train.Example(features=tf.train.Features(feature={
                "x": tf.train.Feature(float_list=tf.train.FloatList(value=[i, i + 0.5])),
                "y": tf.train.Feature(int64_list=tf.train.Int64List(value=[i]))}))
            recs.append(ex.SerializeToString())
        _write_records(path, recs)
        spec = {"x": tf.io.FixedLenFeature([2], tf.float32),
                "y": tf.io.FixedLenFeature([], tf.int64)}
        ds = tf.data.TFRecordDataset(path).map(lambda s: tf.io.parse_single_example(s, spec))
        out = _np(ds.batch(4))
        np.testing.assert_allclose(out[0]["x"][:, 1], [0.5, 1.5, 2.5, 3.5])
        assert out[0]["y"].tolist() == [0, 1, 2, 3]
        batched = tf.data.TFRecordDataset(path).batch(2).map(
            lambda s: tf.io.parse_example(s, spec))
        assert [b["y"].tolist() for b in _np(batched)] == [[0, 1], [2, 3]]


class TestTextAndFixedLength:
    def test_text_lines(self, tmp_path):
        p = tmp_path / "t.txt"
        p.write_bytes(b"one\ntwo\r\n\nthree")
        assert _np(tf.data.TextLineDataset(str(p))) == [b"one", b"two", b"", b"three"]
        g = tmp_path / "t.txt.gz"
        g.write_bytes(gzip.compress(b"a\nb\n"))
        assert _np(tf.data.TextLineDataset(str(g), compression_type="GZIP")) == [b"a", b"b"]

    def test_fixed_length(self, tmp_path):
        p = tmp_path / "f.bin"
        p.write_bytes(b"HH" + b"abcdef" + b"F")
        ds = tf.data.FixedLengthRecordDataset(str(p), 3, header_bytes=2, footer_bytes=1)
        assert _np(ds) == [b"abc", b"def"]
        bad = tf.data.FixedLengthRecordDataset(str(p), 4, header_bytes=2, footer_bytes=1)
        with pytest.raises(errors.InvalidArgumentError, match="multiple"):
            _np(bad)

    def test_list_files(self, tmp_path):
        for n in ("b.txt", "a.txt", "c.dat"):
            (tmp_path / n).write_text("x")
        ds = tf.data.Dataset.list_files(str(tmp_path / "*.txt"), shuffle=False)
        assert _np(ds) == [str(tmp_path / "a.txt").encode(), str(tmp_path / "b.txt").encode()]
        shuffled = tf.data.Dataset.list_files(str(tmp_path / "*"), seed=3)
        assert sorted(_np(shuffled)) == sorted(str(tmp_path / n).encode()
                                               for n in ("a.txt", "b.txt", "c.dat"))
        with pytest.raises(errors.InvalidArgumentError, match="No files matched"):
            tf.data.Dataset.list_files(str(tmp_path / "*.none"))


class TestCsv:
    def _file(self, tmp_path):
        p = tmp_path / "d.csv"
        p.write_text('a,b,name\n1,2.5,x\n3,,"y,""z"""\n\n4,1e3,w\n')
        return str(p)

    def test_csv_dataset(self, tmp_path):
        ds = tf.data.experimental.CsvDataset(self._file(tmp_path), [tf.int32, [0.0], [""]],
                                             header=True)
        assert ds.element_spec == (tf.TensorSpec((), tf.int32), tf.TensorSpec((), tf.float32),
                                   tf.TensorSpec((), tf.string))
        assert _np(ds) == [(1, 2.5, b"x"), (3, 0.0, b'y,"z"'), (4, 1000.0, b"w")]

    def test_select_cols(self, tmp_path):
        ds = tf.data.experimental.CsvDataset(self._file(tmp_path), [[0], [""]], header=True,
                                             select_cols=[0, 2])
        assert _np(ds)[1] == (3, b'y,"z"')

    def test_required_column_missing(self, tmp_path):
        ds = tf.data.experimental.CsvDataset(self._file(tmp_path),
                                             [tf.int32, tf.float32, tf.string], header=True)
        with pytest.raises(errors.InvalidArgumentError, match="required"):
            _np(ds)

    def test_make_csv_dataset(self, tmp_path):
        ds = tf.data.experimental.make_csv_dataset(self._file(tmp_path), batch_size=2,
                                                   label_name="a", num_epochs=1, shuffle=False)
        features, label = ds.element_spec
        assert list(features) == ["b", "name"]
        assert features["b"].dtype is tf.float32 and label.dtype is tf.int32
        out = _np(ds)
        assert out[0][1].tolist() == [1, 3] and out[1][1].tolist() == [4]
        assert out[0][0]["name"].tolist() == [b"x", b'y,"z"']

    def test_decode_csv(self):
        out = tf.io.decode_csv(tf.constant([["1,a", "2,"]]), [[0], ["z"]])
        assert out[0].shape == (1, 2) and out[0].dtype is tf.int32
        assert out[1].numpy().tolist() == [[b"a", b"z"]]
        with pytest.raises(errors.InvalidArgumentError, match="Expect 2 fields"):
            tf.io.decode_csv(["1,2,3"], [[0], [0]])
        with pytest.raises(errors.InvalidArgumentError, match="valid"):
            tf.io.decode_csv(["x,1"], [[0], [0]])
        a, b = tf.io.decode_csv(["1;NA"], [[0.0], [7.0]], field_delim=";", na_value="NA")
        assert b.numpy().tolist() == [7.0]


class TestCacheFile:
    def test_file_cache_reused_and_atomic(self, tmp_path):
        calls = []

        def gen():
            calls.append(1)
            yield from (np.arange(i, dtype=np.float32) for i in range(4))

        path = str(tmp_path / "c" / "cache")
        base = tf.data.Dataset.from_generator(gen, output_signature=tf.TensorSpec([None],
                                                                                  tf.float32))
        ds = base.cache(path)
        it = iter(ds)
        next(it)
        del it  # an abandoned first pass leaves no cache file
        assert not os.path.exists(path)
        out = [a.tolist() for a in _np(ds)]
        assert os.path.exists(path)
        n = len(calls)
        again = [a.tolist() for a in _np(base.cache(path))]
        assert again == out == [[], [0.0], [0.0, 1.0], [0.0, 1.0, 2.0]]
        assert len(calls) == n  # read from the file, not the generator
        assert not [f for f in os.listdir(tmp_path / "c") if f.endswith(".tmp")]

    def test_file_cache_strings(self, tmp_path):
        ds = tf.data.Dataset.from_tensor_slices(["a", "bc"]).cache(str(tmp_path / "s"))
        assert _np(ds) == [b"a", b"bc"]
        assert _np(ds) == [b"a", b"bc"]

    def test_corrupt_cache_file(self, tmp_path):
        path = tmp_path / "bad"
        path.write_bytes(b"garbage")
        with pytest.raises(errors.DataLossError):
            _np(tf.data.Dataset.range(3).cache(str(path)))


class TestIo:
    def test_read_write_file(self, tmp_path):
        p = str(tmp_path / "f.bin")
        tf.io.write_file(p, tf.constant(b"\x00\x01abc"))
        assert tf.io.read_file(p).numpy() == b"\x00\x01abc"
        assert os.listdir(tmp_path) == ["f.bin"]
        with pytest.raises(errors.NotFoundError):
            tf.io.read_file(str(tmp_path / "none"))

    def test_serialize_parse_tensor(self):
        t = tf.constant([[1.5, 2.0]])
        s = tf.io.serialize_tensor(t)
        assert s.dtype is tf.string
        back = tf.io.parse_tensor(s, tf.float32)
        np.testing.assert_array_equal(back.numpy(), t.numpy())
        with pytest.raises(errors.InvalidArgumentError, match="Type mismatch"):
            tf.io.parse_tensor(s, tf.int32)

    def test_parse_example_var_len(self):
        ex = tf.train.Example(features=tf.train.Features(feature={
            "v": tf.train.Feature(float_list=tf.train.FloatList(value=[1.0, 2.0]))}))
        out = tf.io.parse_example([ex.SerializeToString(), b""],
                                  {"v": tf.io.VarLenFeature(tf.float32)})
        sp = out["v"]
        assert sp.dense_shape.numpy().tolist() == [2, 2]
        assert sp.to_dense().numpy().tolist() == [[1.0, 2.0], [0.0, 0.0]]

    def test_parse_single_example_requires_scalar(self):
        with pytest.raises(ValueError, match="scalar"):
            tf.io.parse_single_example([b""], {"x": tf.io.FixedLenFeature([], tf.int64, 0)})

    def test_decode_raw(self):
        t = tf.io.decode_raw(tf.constant([b"\x01\x00\x02\x00"]), tf.int16)
        assert t.numpy().tolist() == [[1, 2]]

    def test_gfile(self, tmp_path):
        d = str(tmp_path / "x" / "y")
        tf.io.gfile.makedirs(d)
        assert tf.io.gfile.exists(d) and tf.io.gfile.isdir(d)
        f = os.path.join(d, "a.txt")
        with tf.io.gfile.GFile(f, "w") as fh:
            fh.write("hello")
        with tf.io.gfile.GFile(f) as fh:
            assert fh.read() == "hello"
        assert tf.io.gfile.glob(os.path.join(d, "*.txt")) == [f]
        assert tf.io.gfile.listdir(d) == ["a.txt"]
        with pytest.raises(RuntimeError):
            with tf.io.gfile.GFile(f, "w") as fh:
                fh.write("partial")
                raise RuntimeError("crash")
        with tf.io.gfile.GFile(f, "rb") as fh:
            assert fh.read() == b"hello"  # the failed write left the old file
        with pytest.raises(errors.NotFoundError):
            tf.io.gfile.GFile(str(tmp_path / "none"))
