"""tf.data against TensorFlow: the same deterministic pipelines give the same elements, specs and
cardinalities; TFRecord files, Examples and TensorProtos cross between the two both ways."""

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

import tensorweave as tw  # noqa: E402
from tensorweave.util import nest  # noqa: E402


def _leaves(value):
    if isinstance(value, dict):
        return [x for k in sorted(value) for x in _leaves(value[k])]
    if isinstance(value, (tuple, list)):
        return [x for v in value for x in _leaves(v)]
    return [value]


def _same_elements(build):
    ours, theirs = build(tw), build(tf)
    a, b = list(ours.as_numpy_iterator()), list(theirs.as_numpy_iterator())
    assert len(a) == len(b), (len(a), len(b))
    for x, y in zip(a, b):
        lx, ly = _leaves(x), _leaves(y)
        assert len(lx) == len(ly)
        for p, q in zip(lx, ly):
            p, q = np.asarray(p), np.asarray(q)
            assert p.shape == q.shape and p.dtype == q.dtype, (p, q)
            np.testing.assert_array_equal(p, q)
    return ours, theirs


def _spec_text(flat_specs):
    return [(tuple(s.shape.as_list()) if s.shape.rank is not None else None, s.dtype.name)
            for s in flat_specs]


def _same_spec(ours, theirs):
    assert _spec_text(nest.flatten(ours.element_spec)) == \
        _spec_text(tf.nest.flatten(theirs.element_spec))
    assert int(ours.cardinality().numpy()) == int(theirs.cardinality().numpy())


X = np.arange(24, dtype=np.float32).reshape(8, 3)
Y = np.arange(8, dtype=np.int64)

PIPELINES = {
    "slices_batch": lambda t: t.data.Dataset.from_tensor_slices((X, Y)).batch(3),
    "slices_dict": lambda t: t.data.Dataset.from_tensor_slices({"x": X, "y": Y}).batch(
        4, drop_remainder=True),
    "list_input": lambda t: t.data.Dataset.from_tensor_slices([[1, 2], [3, 4]]),
    "from_tensors": lambda t: t.data.Dataset.from_tensors((X, "s")),
    "range_args": lambda t: t.data.Dataset.range(3, 20, 4),
    "repeat_take_skip": lambda t: t.data.Dataset.range(5).repeat(3).skip(2).take(9),
    "shard": lambda t: t.data.Dataset.range(11).shard(3, 2),
    "map_filter": lambda t: t.data.Dataset.range(20).map(lambda x: x * x).filter(
        lambda x: x % 3 == 1),
    "map_tuple": lambda t: t.data.Dataset.from_tensor_slices((X, Y)).map(
        lambda a, b: (t.reduce_sum(a), t.cast(b, t.float32) / 2.0)),
    "map_rowwise_batch": lambda t: t.data.Dataset.from_tensor_slices((X, Y)).map(
        lambda a, b: (a / 255.0 + 1.0, b * 2)).batch(3),
    "zip_concat": lambda t: t.data.Dataset.zip((t.data.Dataset.range(4),
                                                t.data.Dataset.range(10, 13))).concatenate(
        t.data.Dataset.zip((t.data.Dataset.range(2), t.data.Dataset.range(2)))),
    "enumerate": lambda t: t.data.Dataset.range(3, 6).enumerate(start=2),
    "scan": lambda t: t.data.Dataset.range(6).scan(t.constant(1, t.int64),
                                                   lambda s, x: (s * 2, s + x)),
    "padded_batch": lambda t: t.data.Dataset.range(1, 6).map(lambda n: t.fill([n], n)).padded_batch(
        2, padded_shapes=[6], padding_values=t.constant(-1, t.int64)),
    "padded_batch_auto": lambda t: t.data.Dataset.range(1, 6).map(
        lambda n: t.fill([n], n)).padded_batch(3),
    "unbatch": lambda t: t.data.Dataset.from_tensor_slices(X).batch(3).unbatch(),
    "rebatch": lambda t: t.data.Dataset.range(10).batch(4).rebatch(3),
    "window": lambda t: t.data.Dataset.range(9).window(4, shift=3, stride=2).flat_map(
        lambda w: w.batch(4)),
    "window_drop": lambda t: t.data.Dataset.range(9).window(3, drop_remainder=True).flat_map(
        lambda w: w.batch(3)),
    "flat_map": lambda t: t.data.Dataset.range(1, 4).flat_map(lambda n: t.data.Dataset.range(n)),
    "interleave": lambda t: t.data.Dataset.range(1, 6).interleave(
        lambda x: t.data.Dataset.from_tensors(x).repeat(x), cycle_length=3, block_length=2),
    "unique": lambda t: t.data.Dataset.from_tensor_slices([3, 1, 3, 2, 1, 5]).unique(),
    "take_while": lambda t: t.data.Dataset.range(10).take_while(lambda x: x < 4),
    "group_by_window": lambda t: t.data.Dataset.range(13).group_by_window(
        lambda x: x % 3, lambda k, w: w.batch(2), window_size=2),
    "bucket": lambda t: t.data.Dataset.range(1, 9).map(
        lambda n: t.fill([n], n)).bucket_by_sequence_length(
        lambda e: t.shape(e)[0], [3, 6], [2, 2, 2]),
    "bucket_boundary_pad": lambda t: t.data.Dataset.range(1, 6).map(
        lambda n: t.fill([n], n)).bucket_by_sequence_length(
        lambda e: t.shape(e)[0], [3, 7], [2, 2, 2], pad_to_bucket_boundary=True),
    "strings": lambda t: t.data.Dataset.from_tensor_slices(["a", "bb", "a"]).unique(),
    "shuffle_buffer_1": lambda t: t.data.Dataset.range(7).shuffle(1).batch(3),
    "zip_one": lambda t: t.data.Dataset.zip(t.data.Dataset.range(3)),
    "generator_converts": lambda t: t.data.Dataset.from_generator(
        lambda: iter([np.float64(1.5), 2.7, 3]), output_signature=t.TensorSpec((), t.int32)),
    "padded_dict": lambda t: t.data.Dataset.range(1, 4).map(
        lambda n: {"a": t.fill([n], n), "b": n}).padded_batch(
        2, padding_values={"a": t.constant(9, t.int64), "b": t.constant(0, t.int64)}),
    "concat_relaxed": lambda t: t.data.Dataset.from_tensors([1, 2]).concatenate(
        t.data.Dataset.from_tensors([1, 2, 3])),
    "choose": lambda t: t.data.Dataset.choose_from_datasets(
        [t.data.Dataset.range(5), t.data.Dataset.range(10, 15)],
        t.data.Dataset.from_tensor_slices(np.array([1, 0, 1, 1, 0], np.int64))),
}


@pytest.mark.parametrize("name", sorted(PIPELINES))
def test_same_elements(name):
    _same_elements(PIPELINES[name])


@pytest.mark.parametrize("name", ["slices_batch", "slices_dict", "range_args",
                                  "repeat_take_skip", "shard", "map_tuple", "enumerate",
                                  "padded_batch", "unbatch", "zip_concat", "from_tensors",
                                  "zip_one", "padded_dict", "concat_relaxed"])
def test_same_spec_and_cardinality(name):
    ours, theirs = PIPELINES[name](tw), PIPELINES[name](tf)
    _same_spec(ours, theirs)


def test_infinite_and_unknown_cardinality():
    for t in (tw, tf):
        assert int(t.data.Dataset.range(3).repeat().cardinality()) == t.data.INFINITE_CARDINALITY
        assert int(t.data.Dataset.range(3).filter(lambda x: x > 0).cardinality()) == \
            t.data.UNKNOWN_CARDINALITY
    assert tw.data.INFINITE_CARDINALITY == tf.data.INFINITE_CARDINALITY
    assert tw.data.UNKNOWN_CARDINALITY == tf.data.UNKNOWN_CARDINALITY
    assert tw.data.AUTOTUNE == tf.data.AUTOTUNE


def test_shuffle_is_a_permutation_like_tensorflow():
    for t in (tw, tf):
        out = list(t.data.Dataset.range(50).shuffle(8, seed=3).as_numpy_iterator())
        assert sorted(out) == list(range(50))
        assert all(v < k + 8 for k, v in enumerate(out))


def test_mismatched_slices_both_raise():
    for t in (tw, tf):
        with pytest.raises((ValueError, t.errors.InvalidArgumentError)):
            t.data.Dataset.from_tensor_slices((np.zeros(3), np.zeros(4)))


def test_generator_wrong_structure_both_raise():
    for t in (tw, tf):
        ds = t.data.Dataset.from_generator(lambda: iter([1]), output_signature=(
            t.TensorSpec((), t.int32), t.TensorSpec((), t.int32)))
        with pytest.raises((TypeError, t.errors.InvalidArgumentError)):
            list(ds.as_numpy_iterator())


# --- files --------------------------------------------------------------------------------------

def _examples(n):
    out = []
    for i in range(n):
        ex = tf.train.Example(features=tf.train.Features(feature={
            "x": tf.train.Feature(float_list=tf.train.FloatList(value=[i, i / 2])),
            "name": tf.train.Feature(bytes_list=tf.train.BytesList(value=[b"n%d" % i])),
            "y": tf.train.Feature(int64_list=tf.train.Int64List(value=[i, -i]))}))
        out.append(ex.SerializeToString())
    return out


SPEC = {"x": ("FixedLenFeature", [2], "float32"), "name": ("FixedLenFeature", [], "string"),
        "y": ("VarLenFeature", None, "int64")}


def _features(t):
    out = {}
    for k, (kind, shape, dt) in SPEC.items():
        dtype = getattr(t, dt)
        out[k] = t.io.FixedLenFeature(shape, dtype) if kind == "FixedLenFeature" else \
            t.io.VarLenFeature(dtype)
    return out


@pytest.mark.parametrize("compression", ["", "GZIP", "ZLIB"])
def test_tfrecord_written_by_us_read_by_tensorflow(tmp_path, compression):
    path = str(tmp_path / "ours.tfrecord")
    records = _examples(5)
    with tw.io.TFRecordWriter(path, tw.io.TFRecordOptions(compression_type=compression)) as w:
        for r in records:
            w.write(r)
    got = list(tf.data.TFRecordDataset(path, compression_type=compression).as_numpy_iterator())
    assert got == records
    parsed = tf.io.parse_single_example(got[3], _features(tf))
    assert parsed["y"].values.numpy().tolist() == [3, -3]


@pytest.mark.parametrize("compression", ["", "GZIP", "ZLIB"])
def test_tfrecord_written_by_tensorflow_read_by_us(tmp_path, compression):
    path = str(tmp_path / "theirs.tfrecord")
    records = _examples(5) + [b"", b"\x00" * 1000]
    with tf.io.TFRecordWriter(path, tf.io.TFRecordOptions(compression_type=compression)) as w:
        for r in records:
            w.write(r)
    got = list(tw.data.TFRecordDataset(path, compression_type=compression).as_numpy_iterator())
    assert got == records


def test_examples_parse_the_same(tmp_path):
    records = _examples(4)
    ours = tw.io.parse_example(records, _features(tw))
    theirs = tf.io.parse_example(records, _features(tf))
    np.testing.assert_array_equal(ours["x"].numpy(), theirs["x"].numpy())
    assert ours["name"].numpy().tolist() == theirs["name"].numpy().tolist()
    np.testing.assert_array_equal(ours["y"].indices.numpy(), theirs["y"].indices.numpy())
    np.testing.assert_array_equal(ours["y"].values.numpy(), theirs["y"].values.numpy())
    np.testing.assert_array_equal(ours["y"].dense_shape.numpy(), theirs["y"].dense_shape.numpy())
    # Our Example messages serialize to TensorFlow's bytes.
    ex = tw.train.Example(features=tw.train.Features(feature={
        "a": tw.train.Feature(int64_list=tw.train.Int64List(value=[1, 2]))}))
    ref = tf.train.Example(features=tf.train.Features(feature={
        "a": tf.train.Feature(int64_list=tf.train.Int64List(value=[1, 2]))}))
    assert ex.SerializeToString() == ref.SerializeToString(deterministic=True)


def test_serialized_tensors_cross(tmp_path):
    value = np.arange(6, dtype=np.float32).reshape(2, 3)
    ours = tw.io.serialize_tensor(value).numpy()
    np.testing.assert_array_equal(tf.io.parse_tensor(ours, tf.float32).numpy(), value)
    theirs = tf.io.serialize_tensor(tf.constant([b"a", b"bc"])).numpy()
    assert tw.io.parse_tensor(theirs, tw.string).numpy().tolist() == [b"a", b"bc"]


def test_decode_csv_matches():
    records = ["1,2.5,a", '4,,"b,c"', ",7,"]
    defaults_tw = [[0], [1.5], ["z"]]
    ours = tw.io.decode_csv(records, defaults_tw)
    theirs = tf.io.decode_csv(records, [[0], [1.5], ["z"]])
    for o, t in zip(ours, theirs):
        assert o.dtype.name == t.dtype.name
        assert o.numpy().tolist() == t.numpy().tolist()


def test_csv_dataset_matches(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text('a,b,c\n1,2.5,x\n3,,"y,z"\n4,1e3,w\n')
    ours = tw.data.experimental.CsvDataset(str(p), [tw.int32, [0.0], [""]], header=True)
    theirs = tf.data.experimental.CsvDataset(str(p), [tf.int32, [0.0], [""]], header=True)
    assert list(ours.as_numpy_iterator()) == list(theirs.as_numpy_iterator())


def test_make_csv_dataset_matches(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("a,b,c\n1,2.5,x\n3,4,y\n4,1e3,w\n")
    kw = dict(batch_size=2, label_name="a", num_epochs=1, shuffle=False)
    ours = list(tw.data.experimental.make_csv_dataset(str(p), **kw).as_numpy_iterator())
    theirs = list(tf.data.experimental.make_csv_dataset(str(p), **kw).as_numpy_iterator())
    assert len(ours) == len(theirs)
    for (fo, lo), (ft, lt) in zip(ours, theirs):
        assert list(fo) == list(ft)
        np.testing.assert_array_equal(lo, lt)
        for k in fo:
            assert fo[k].dtype == ft[k].dtype
            np.testing.assert_array_equal(fo[k], ft[k])


def test_text_lines_match(tmp_path):
    p = tmp_path / "t.txt"
    p.write_bytes(b"one\ntwo\r\n\nthree")
    assert list(tw.data.TextLineDataset(str(p)).as_numpy_iterator()) == \
        list(tf.data.TextLineDataset(str(p)).as_numpy_iterator())
