"""Example parsing to NumPy and TensorProto serialization, against TensorFlow where installed."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tensorweave.data import example_proto as P
from tensorweave.data import parsing as Q
from tensorweave.framework.errors import InvalidArgumentError


@pytest.fixture(scope="module")
def tf():
    return pytest.importorskip("tensorflow")


def ex(**features) -> bytes:
    feats = {}
    for name, value in features.items():
        if value is None:
            feats[name] = P.Feature()
        elif isinstance(value, list) and value and isinstance(value[0], bytes):
            feats[name] = P.Feature(bytes_list=P.BytesList(value=value))
        elif isinstance(value, list) and value and isinstance(value[0], float):
            feats[name] = P.Feature(float_list=P.FloatList(value=value))
        else:
            feats[name] = P.Feature(int64_list=P.Int64List(value=value))
    return P.Example(features=P.Features(feature=feats)).SerializeToString()


class TestParseSingle:
    def test_dense_and_sparse(self):
        out = Q.parse_single_example(ex(a=[1, 2, 3], s=[b"x"], f=[0.5, 1.5]), {
            "a": Q.FixedLenFeature([3], "int64"),
            "s": Q.FixedLenFeature([], np.bytes_),
            "f": Q.VarLenFeature("float32"),
            "d": Q.FixedLenFeature([2, 1], "float32", default_value=[[7.0], [8.0]]),
        })
        np.testing.assert_array_equal(out["a"], [1, 2, 3])
        assert out["a"].dtype == np.int64
        assert out["s"].dtype == object and out["s"].shape == () and out["s"].item() == b"x"
        assert out["d"].shape == (2, 1) and out["d"].dtype == np.float32
        idx, vals, shape = out["f"]
        np.testing.assert_array_equal(idx, [[0], [1]])
        np.testing.assert_array_equal(vals, [0.5, 1.5])
        np.testing.assert_array_equal(shape, [2])

    def test_accepts_dtype_objects(self):
        from tensorweave.framework import dtypes
        out = Q.parse_single_example(ex(a=[4]), {"a": Q.FixedLenFeature([], dtypes.int64)})
        assert out["a"] == 4

    def test_missing_required(self):
        with pytest.raises(InvalidArgumentError, match="b .data type: int64. is required"):
            Q.parse_single_example(ex(a=[1]), {"b": Q.FixedLenFeature([], "int64")})

    def test_empty_feature_counts_as_missing(self):
        out = Q.parse_single_example(ex(a=None), {
            "a": Q.FixedLenFeature([], "float32", default_value=5),
        })
        assert out["a"] == 5.0
        sp = Q.parse_single_example(ex(a=None), {"a": Q.VarLenFeature("string")})["a"]
        assert sp.values.shape == (0,) and sp.indices.shape == (0, 1)

    def test_wrong_count_and_type(self):
        with pytest.raises(InvalidArgumentError, match="Key: a"):
            Q.parse_single_example(ex(a=[1, 2, 3]), {"a": Q.FixedLenFeature([2], "int64")})
        with pytest.raises(InvalidArgumentError, match="Data types don't match"):
            Q.parse_single_example(ex(a=[1]), {"a": Q.FixedLenFeature([], "float32")})

    def test_bad_specs(self):
        with pytest.raises(ValueError, match="need to be known"):
            Q.parse_single_example(b"", {"a": Q.FixedLenFeature([None], "int64")})
        with pytest.raises(ValueError, match="float32, int64, string"):
            Q.parse_single_example(b"", {"a": Q.FixedLenFeature([], "int32")})
        with pytest.raises(ValueError, match="allow_missing"):
            Q.parse_single_example(b"", {"a": Q.FixedLenSequenceFeature([], "int64")})
        with pytest.raises(ValueError, match="default_value"):
            Q.parse_single_example(b"", {"a": Q.FixedLenFeature([3], "int64", default_value=0)})

    def test_garbage(self):
        with pytest.raises(InvalidArgumentError, match="Could not parse"):
            Q.parse_single_example(b"\xff\xff", {"a": Q.VarLenFeature("int64")})

    def test_sequence_feature(self):
        spec = {"a": Q.FixedLenSequenceFeature([2], "int64", allow_missing=True)}
        assert Q.parse_single_example(ex(a=[1, 2, 3, 4]), spec)["a"].shape == (2, 2)
        assert Q.parse_single_example(ex(b=[1]), spec)["a"].shape == (0, 2)
        with pytest.raises(InvalidArgumentError, match="divisible by 2"):
            Q.parse_single_example(ex(a=[1, 2, 3]), spec)


class TestParseBatch:
    def test_batch(self):
        batch = [ex(a=[1, 2], c=[1.0]), ex(a=[3, 4, 5, 6], b=[9]), ex(c=[2.0])]
        out = Q.parse_example(batch, {
            "a": Q.FixedLenSequenceFeature([2], "int64", allow_missing=True, default_value=-1),
            "b": Q.VarLenFeature("int64"),
            "c": Q.FixedLenFeature([], "float32", default_value=7),
        })
        np.testing.assert_array_equal(out["a"], [[[1, 2], [-1, -1]], [[3, 4], [5, 6]],
                                                 [[-1, -1], [-1, -1]]])
        np.testing.assert_array_equal(out["b"].indices, [[1, 0]])
        np.testing.assert_array_equal(out["b"].dense_shape, [3, 1])
        np.testing.assert_array_equal(out["c"], [1, 7, 2])

    def test_empty_batch(self):
        out = Q.parse_example([], {"v": Q.VarLenFeature("int64"),
                                   "d": Q.FixedLenFeature([2], "string")})
        assert out["v"].indices.shape == (0, 2) and list(out["v"].dense_shape) == [0, 0]
        assert out["d"].shape == (0, 2) and out["d"].dtype == object

    def test_error_names_index(self):
        with pytest.raises(InvalidArgumentError, match="Index: 1"):
            Q.parse_example([ex(a=[1]), ex(b=[1])], {"a": Q.FixedLenFeature([], "int64")})


class TestSequenceExample:
    def test_parse(self):
        se = P.SequenceExample(
            context=P.Features(feature={"id": P.Feature(int64_list=P.Int64List(value=[9]))}),
            feature_lists=P.FeatureLists(feature_list={"t": P.FeatureList(feature=[
                P.Feature(int64_list=P.Int64List(value=[1, 2])),
                P.Feature(int64_list=P.Int64List(value=[3]))])}))
        ctx, seq = Q.parse_single_sequence_example(
            se.SerializeToString(), {"id": Q.FixedLenFeature([], "int64")},
            {"t": Q.VarLenFeature("int64"),
             "m": Q.FixedLenSequenceFeature([], "float32", allow_missing=True)})
        assert ctx["id"] == 9
        np.testing.assert_array_equal(seq["t"].indices, [[0, 0], [0, 1], [1, 0]])
        np.testing.assert_array_equal(seq["t"].dense_shape, [2, 2])
        assert seq["m"].shape == (0,)


DTYPES = ["float32", "float64", "int32", "uint8", "int16", "int8", "complex64", "int64", "bool",
          "uint16", "complex128", "float16", "uint32", "uint64"]


class TestTensorProto:
    @pytest.mark.parametrize("name", DTYPES)
    @settings(max_examples=15, deadline=None)
    @given(data=st.data())
    def test_round_trip(self, name, data):
        arr = data.draw(hnp.arrays(np.dtype(name), hnp.array_shapes(min_dims=0, max_dims=3,
                                                                    min_side=0, max_side=4)))
        back = Q.parse_tensor(Q.serialize_tensor(arr), name)
        assert back.dtype == arr.dtype and back.shape == arr.shape
        assert back.tobytes() == arr.tobytes()  # bitwise: NaN payloads and -0.0 too

    def test_strings(self):
        arr = np.array([[b"a", b""], [b"\xff", "é".encode()]], dtype=object)
        back = Q.parse_tensor(Q.serialize_tensor(arr), "string")
        assert back.dtype == object and back.tolist() == arr.tolist()
        assert Q.parse_tensor(Q.serialize_tensor(np.array(["é"])), "string").tolist() == [
            "é".encode()]

    def test_enums(self):
        assert Q.dtype_enum("float32") == 1 and Q.dtype_enum(np.uint64) == 23
        assert Q.dtype_enum("bfloat16") == 14 and Q.dtype_enum(np.dtype(object)) == 7

    def test_dtype_mismatch(self):
        with pytest.raises(InvalidArgumentError, match=r"parsed tensor \(float32\).*float64"):
            Q.parse_tensor(Q.serialize_tensor(np.float32(1)), "float64")

    def test_typed_value_fields(self):
        # float_val with one value fills the shape, as TensorFlow's constants do
        data = b"\x08\x01\x12\x04\x12\x02\x08\x03\x2a\x04\x00\x00\x80\x3f"
        np.testing.assert_array_equal(Q.parse_tensor(data, "float32"), [1, 1, 1])
        data = b"\x08\x03\x12\x04\x12\x02\x08\x02\x3a\x0b\x05" + b"\xff" * 9 + b"\x01"
        np.testing.assert_array_equal(Q.parse_tensor(data, "int32"), [5, -1])

    def test_bfloat16(self):
        ml = pytest.importorskip("ml_dtypes")
        arr = np.array([1.5, -2.0], dtype=ml.bfloat16)
        back = Q.parse_tensor(Q.serialize_tensor(arr), "bfloat16")
        assert back.dtype == arr.dtype and back.tolist() == arr.tolist()


class TestTensorFlowConformance:
    def _examples(self, tf):
        t = tf.train
        return [
            t.Example(features=t.Features(feature={
                "a": t.Feature(int64_list=t.Int64List(value=[1, 2, 3])),
                "s": t.Feature(bytes_list=t.BytesList(value=[b"img", b"x"])),
                "f": t.Feature(float_list=t.FloatList(value=[0.5, -1.0, 2.0, 3.0])),
            })).SerializeToString(),
            t.Example(features=t.Features(feature={
                "a": t.Feature(int64_list=t.Int64List(value=[7, 8, 9])),
                "f": t.Feature(float_list=t.FloatList(value=[1.0, 2.0])),
            })).SerializeToString(),
        ]

    def _specs(self, io, dt):
        return {
            "a": io.FixedLenFeature([3], dt.int64),
            "s": io.VarLenFeature(dt.string),
            "f": io.FixedLenSequenceFeature([2], dt.float32, allow_missing=True),
            "z": io.FixedLenFeature([2], dt.float32, default_value=[1.0, 2.0]),
        }

    def test_parse_single_matches(self, tf):
        for data in self._examples(tf):
            theirs = tf.io.parse_single_example(data, self._specs(tf.io, tf))
            ours = Q.parse_single_example(data, self._specs(Q, tf))
            _assert_same(theirs, ours)

    def test_parse_batch_matches(self, tf):
        data = self._examples(tf)
        _assert_same(tf.io.parse_example(data, self._specs(tf.io, tf)),
                     Q.parse_example(data, self._specs(Q, tf)))

    @pytest.mark.parametrize("value", [
        np.float32(1.5), np.zeros((2, 0, 3), np.float32), np.arange(6, dtype=np.int64)
        .reshape(2, 3), np.array([True, False]), np.array([1 + 2j], np.complex64),
        np.array([[b"ab", b""]], dtype=object), np.array(b"scalar", dtype=object),
        np.array([-1, 2], np.int8), np.array([65535], np.uint16), np.float16([0.5, 3]),
        np.array([2**64 - 1], np.uint64), np.array([1.0, 2.0]),
    ])
    def test_serialize_tensor_bytes_identical(self, tf, value):
        theirs = tf.io.serialize_tensor(tf.constant(value)).numpy()
        assert Q.serialize_tensor(value) == theirs
        dtype = tf.constant(value).dtype
        back = Q.parse_tensor(theirs, dtype)
        np.testing.assert_array_equal(back, tf.io.parse_tensor(theirs, dtype).numpy())

    def test_parse_tensor_of_make_tensor_proto(self, tf):
        proto = tf.make_tensor_proto([3.0, 3.0, 3.0, 3.0], shape=[2, 2])  # may use float_val
        np.testing.assert_array_equal(Q.parse_tensor(proto.SerializeToString(), "float32"),
                                      np.full((2, 2), 3.0, np.float32))


def _assert_same(theirs: dict, ours: dict) -> None:
    assert set(theirs) == set(ours)
    for key, t in theirs.items():
        o = ours[key]
        if isinstance(o, Q.SparseValue):
            np.testing.assert_array_equal(o.indices, t.indices.numpy())
            np.testing.assert_array_equal(o.values, t.values.numpy())
            np.testing.assert_array_equal(o.dense_shape, t.dense_shape.numpy())
            assert o.values.dtype == t.values.numpy().dtype
        else:
            np.testing.assert_array_equal(o, t.numpy())
            assert o.dtype == t.numpy().dtype and o.shape == tuple(t.shape)
