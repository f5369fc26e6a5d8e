"""tf.train.Example and family: construction, wire format, protobuf semantics, TF byte identity."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tensorweave.data import example_proto as P


@pytest.fixture(scope="module")
def tf():
    return pytest.importorskip("tensorflow")


def build(m, spec: dict):
    """An Example built with module `m` (ours or tf.train) from {name: (kind, values)}."""
    feats = {}
    for name, (kind, values) in spec.items():
        if kind is None:
            feats[name] = m.Feature()
        else:
            cls = {"bytes_list": m.BytesList, "float_list": m.FloatList,
                   "int64_list": m.Int64List}[kind]
            feats[name] = m.Feature(**{kind: cls(value=values)})
    return m.Example(features=m.Features(feature=feats))


SAMPLE = {
    "label": ("int64_list", [1, -1, 300, 2**63 - 1, -(2**63)]),
    "image": ("bytes_list", [b"\x00\xff" * 10, b"", b'q"\\']),
    "score": ("float_list", [0.1, 1.0, -0.0, 1e30, float("inf")]),
    "empty": (None, None),
    "nolist": ("int64_list", []),
    "many": ("int64_list", list(range(-100, 3000, 7))),
    "manyf": ("float_list", list(np.linspace(-3, 3, 50))),
}

_int64 = st.integers(-(2**63), 2**63 - 1)
_float = st.floats(width=32, allow_nan=False)
_feature = st.one_of(
    st.tuples(st.just("int64_list"), st.lists(_int64, max_size=40)),
    st.tuples(st.just("float_list"), st.lists(_float, max_size=40)),
    st.tuples(st.just("bytes_list"), st.lists(st.binary(max_size=20), max_size=5)),
    st.tuples(st.none(), st.none()),
)
_spec = st.dictionaries(st.text(max_size=6), _feature, max_size=6)


class TestWire:
    @given(_int64)
    def test_varint_round_trip(self, v):
        enc = P.encode_varint(v)
        assert len(enc) <= 10 and (v >= 0 or len(enc) == 10)
        got, pos = P.read_varint(enc, 0, len(enc))
        assert pos == len(enc) and got == v % 2**64

    @given(st.lists(_int64, max_size=100))
    def test_packed_int64s_vectorized_equals_loop(self, values):
        packed = P.pack_int64s(values)
        assert packed == b"".join(P.encode_varint(v) for v in values)
        assert P.unpack_varints(packed, 0, len(packed)).tolist() == values

    def test_bad_varints(self):
        with pytest.raises(P.DecodeError):
            P.read_varint(b"\x80\x80", 0, 2)
        with pytest.raises(P.DecodeError):
            P.unpack_varints(b"\x01\x80", 0, 2)
        with pytest.raises(P.DecodeError):
            P.unpack_varints(b"\xff" * 11 + b"\x01", 0, 12)


class TestMessages:
    def test_round_trip(self):
        ex = build(P, SAMPLE)
        again = P.Example.FromString(ex.SerializeToString())
        assert again == ex
        assert again.features.feature["label"].int64_list.value == SAMPLE["label"][1]
        assert again.features.feature["empty"].WhichOneof("kind") is None
        assert again.features.feature["nolist"].WhichOneof("kind") == "int64_list"

    @settings(max_examples=60, deadline=None)
    @given(_spec)
    def test_property_round_trip(self, spec):
        ex = build(P, spec)
        data = ex.SerializeToString()
        assert P.Example.FromString(data) == ex
        assert P.Example.FromString(data).SerializeToString() == data
        decoded = P.decode_example(data)
        for name, (kind, values) in spec.items():
            got_kind, got = decoded[name]
            assert got_kind == (0 if kind is None else getattr(P, kind[:-5].upper()))
            if kind is not None:
                assert list(got) == list(getattr(ex.features.feature[name], kind).value)

    def test_float_values_are_float32(self):
        assert P.FloatList(value=[0.1]).value == [float(np.float32(0.1))]
        assert P.FloatList(value=np.arange(20, dtype=np.float64)).value == list(range(20))
        assert P.FloatList(value=[1e39]).value == [float("inf")]

    def test_value_checks(self):
        with pytest.raises(TypeError):
            P.BytesList(value=["str"])
        with pytest.raises(TypeError):
            P.Int64List(value=[1.0])
        with pytest.raises(TypeError):
            P.Int64List(value=[True])
        with pytest.raises(ValueError, match="out of range"):
            P.Int64List(value=[2**63])
        with pytest.raises(ValueError, match="out of range"):
            P.Int64List(value=np.array([2**63] * 20, dtype=np.uint64))
        with pytest.raises(TypeError):
            P.FloatList(value=["1"])
        with pytest.raises(TypeError):
            P.FloatList(value=["1"] * 20)
        assert P.Int64List(value=np.arange(30, dtype=np.int32)).value == list(range(30))
        with pytest.raises(ValueError, match='no "feature" field'):
            P.Example(feature=1)

    def test_presence_and_lazy_submessages(self):
        ex = P.Example()
        _ = ex.features.feature  # reading does not set anything
        assert ex.SerializeToString() == b"" and not ex.HasField("features")
        ex.features.feature["x"].int64_list.value.append(5)
        assert ex.HasField("features")
        assert ex == build(P, {"x": ("int64_list", [5])})
        assert P.Example(features=P.Features()).SerializeToString() == b"\n\x00"

    def test_oneof_switches(self):
        f = P.Feature(int64_list=P.Int64List(value=[1]))
        f.float_list.value.append(2.0)
        assert f.WhichOneof("kind") == "float_list"
        assert f.int64_list.value == []

    def test_assignment_refused_like_protobuf(self):
        f = P.Feature()
        with pytest.raises(AttributeError):
            f.int64_list = P.Int64List()
        with pytest.raises(ValueError):
            P.Features().feature["a"] = P.Feature()

    def test_constructor_copies(self):
        inner = P.Int64List(value=[1])
        f = P.Feature(int64_list=inner)
        inner.value.append(2)
        assert f.int64_list.value == [1]

    def test_dict_arguments(self):
        ex = P.Example(features={"feature": {"a": {"int64_list": {"value": [1]}}}})
        assert ex == build(P, {"a": ("int64_list", [1])})

    def test_merge_semantics(self):
        # a repeated list merges, map entries replace, unknown fields survive
        f = P.Feature.FromString(b"\x1a\x02\x08\x05\x1a\x02\x08\x06")
        assert f.int64_list.value == [5, 6]
        assert P.Int64List.FromString(b"\x08\x01\x0a\x02\x02\x03").value == [1, 2, 3]
        assert P.FloatList.FromString(b"\x0d\x00\x00\x80\x3f").value == [1.0]
        assert P.Example.FromString(b"\x08\x96\x01").SerializeToString() == b"\x08\x96\x01"
        a = build(P, {"k": ("int64_list", [1])})
        a.MergeFrom(build(P, {"k": ("int64_list", [2]), "j": (None, None)}))
        assert a.features.feature["k"].int64_list.value == [2]
        assert sorted(a.features.feature) == ["j", "k"]

    @pytest.mark.parametrize("bad", [b"\x0a\x05\x0a", b"\x08", b"\x0f", b"\x0b"])
    def test_decode_errors(self, bad):
        with pytest.raises(P.DecodeError):
            P.Example.FromString(bad)

    def test_copy_pickle_equality(self):
        ex = build(P, SAMPLE)
        assert pickle.loads(pickle.dumps(ex)) == ex
        assert copy.deepcopy(ex) == ex
        assert ex != P.Example() and ex != "x"
        with pytest.raises(TypeError):
            hash(ex)

    def test_text_format(self):
        text = str(build(P, {"a": ("float_list", [0.1, 1 / 3, 1.0]), "b": ("bytes_list", [b"\n"])}))
        assert text == (
            'features {\n  feature {\n    key: "a"\n    value {\n      float_list {\n'
            "        value: 0.1\n        value: 0.333333343\n        value: 1\n      }\n    }\n"
            '  }\n  feature {\n    key: "b"\n    value {\n      bytes_list {\n'
            '        value: "\\n"\n      }\n    }\n  }\n}\n')
        assert repr(P.Example()) == ""

    def test_sequence_example(self):
        se = P.SequenceExample(
            context=P.Features(feature={"id": P.Feature(bytes_list=P.BytesList(value=[b"7"]))}),
            feature_lists=P.FeatureLists(feature_list={"t": P.FeatureList(feature=[
                P.Feature(int64_list=P.Int64List(value=[1])), P.Feature()])}))
        again = P.SequenceExample.FromString(se.SerializeToString())
        assert again == se and len(again.feature_lists.feature_list["t"].feature) == 2
        again.feature_lists.feature_list["t"].feature.add().float_list.value.append(1)
        assert len(P.SequenceExample.FromString(again.SerializeToString())
                   .feature_lists.feature_list["t"].feature) == 3


class TestTensorFlowConformance:
    def test_sample_bytes_identical(self, tf):
        ours = build(P, SAMPLE).SerializeToString()
        assert ours == build(tf.train, SAMPLE).SerializeToString(deterministic=True)
        assert tf.train.Example.FromString(ours) == build(tf.train, SAMPLE)

    def test_map_key_order(self, tf):
        keys = ["ab", "a", "b", "abc", "aa", "", "é", "z"]
        spec = {k: (None, None) for k in keys}
        assert (build(P, spec).SerializeToString()
                == build(tf.train, spec).SerializeToString(deterministic=True))

    @settings(max_examples=60, deadline=None)
    @given(_spec)
    def test_property_bytes_identical(self, tf, spec):
        ours = build(P, spec).SerializeToString()
        assert ours == build(tf.train, spec).SerializeToString(deterministic=True)
        theirs = build(tf.train, spec).SerializeToString()  # hash-ordered, still parses equal
        assert P.Example.FromString(theirs) == build(P, spec)

    def test_sequence_example_bytes_identical(self, tf):
        def make(m):
            return m.SequenceExample(
                context=m.Features(feature={"a": m.Feature(int64_list=m.Int64List(value=[1]))}),
                feature_lists=m.FeatureLists(feature_list={
                    "f": m.FeatureList(feature=[m.Feature(float_list=m.FloatList(value=[2])),
                                                m.Feature()]),
                    "g": m.FeatureList()}))
        assert make(P).SerializeToString() == make(tf.train).SerializeToString(deterministic=True)

    def test_text_matches_tensorflow_for_one_feature(self, tf):
        spec = {"x": ("float_list", [0.1, 2.5e-5, 123456789.0, -0.0, float("nan")]),
                }
        assert str(build(P, spec)) == str(build(tf.train, spec))
        spec = {"y": ("bytes_list", [bytes(range(256))])}
        assert str(build(P, spec)) == str(build(tf.train, spec))
