"""Samples for tf.strings ops (not differentiable: checked for infer only)."""

import numpy as np

import tensorweave as tf


def _words(rng):
    return np.array([[b"ab", b"c"], [b"hello", b""]], dtype=object)


SAMPLES = {
    "StringLength": [lambda r: ([_words(r)], {"unit": "BYTE"})],
    "StringUpper": [lambda r: ([_words(r)], {})],
    "StringLower": [lambda r: ([_words(r)], {})],
    "StringStrip": [lambda r: ([_words(r)], {})],
    "AsString": [lambda r: ([r.standard_normal(3)], {"precision": 2, "shortest": False})],
    "StringJoin": [lambda r: ([_words(r), _words(r)], {"separator": "-"})],
    "ReduceJoin": [lambda r: ([_words(r)], {"axis": (1,), "keepdims": False, "separator": ","})],
    "Substr": [lambda r: ([np.array([b"abcd", b"xyz"], dtype=object)],
                          {"pos": 1, "len": 2, "unit": "BYTE"})],
    "RegexReplace": [lambda r: ([_words(r)], {"pattern": "l+", "rewrite": "L",
                                              "replace_global": True})],
    "RegexFullMatch": [lambda r: ([_words(r)], {"pattern": "h.*"})],
    "StringToHashBucketFast": [lambda r: ([_words(r)], {"num_buckets": 7})],
    "StringFormat": [lambda r: ([np.arange(3)], {"template": "v={}"})],
}
for _d in (tf.float32, tf.float64, tf.int32, tf.int64):
    SAMPLES[f"StringToNumber_{_d.name}"] = [
        lambda r: ([np.array([b"1", b"25"], dtype=object)], {})]
