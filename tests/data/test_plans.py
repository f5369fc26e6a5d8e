"""The index-plan fast path (one gather per batch over from_tensor_slices, row-wise maps fused
into it, the NumPy shuffle buffer) must give exactly the elements of the element-by-element path.

The element path is forced by reading the same arrays through from_generator, which has no plan.
"""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import tensorweave as tf
from tensorweave.data.ordering import shuffle_index_chunks, shuffle_stream

N = 23
X = np.arange(N * 2, dtype=np.float32).reshape(N, 2)
Y = np.arange(N, dtype=np.int64) * 10

STEPS = st.lists(st.one_of(
    st.tuples(st.just("shuffle"), st.integers(1, 30), st.integers(0, 3)),
    st.tuples(st.just("take"), st.integers(-1, 30)),
    st.tuples(st.just("skip"), st.integers(0, 30)),
    st.tuples(st.just("repeat"), st.integers(0, 3)),
    st.tuples(st.just("shard"), st.integers(1, 4), st.integers(0, 3)),
    st.tuples(st.just("map"), st.sampled_from(["rowwise", "scale", "per_element"])),
), max_size=5)

MAPS = {
    "rowwise": lambda a, b: (a * 2.0 + 1.0, b - 1),
    "scale": lambda a, b: (a / 3.0, b),
    "per_element": lambda a, b: (tf.reverse(a, [0]), b),
}


def _apply(ds, steps):
    for step in steps:
        kind = step[0]
        if kind == "shuffle":
            ds = ds.shuffle(step[1], seed=step[2])
        elif kind == "take":
            ds = ds.take(step[1])
        elif kind == "skip":
            ds = ds.skip(step[1])
        elif kind == "repeat":
            ds = ds.repeat(step[1])
        elif kind == "shard":
            ds = ds.shard(step[1], step[2] % step[1])
        else:
            ds = ds.map(MAPS[step[1]])
    return ds


def _elements(ds):
    return [(a.tolist(), b.tolist()) for a, b in ds.as_numpy_iterator()]


@settings(max_examples=60, deadline=None)
@given(STEPS, st.integers(1, 7), st.booleans())
def test_plan_path_equals_element_path(steps, batch, drop):
    fast = _apply(tf.data.Dataset.from_tensor_slices((X, Y)), steps).batch(batch, drop)
    slow_source = tf.data.Dataset.from_generator(
        lambda: zip(X, Y), output_signature=(tf.TensorSpec((2,), tf.float32),
                                             tf.TensorSpec((), tf.int64)))
    slow = _apply(slow_source, steps).batch(batch, drop)
    assert _elements(fast) == _elements(slow)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 9000), st.integers(1, 5000), st.integers(1, 3000), st.integers(0, 5))
def test_numpy_shuffle_buffer_is_the_stream_algorithm(n, size, chunk, seed):
    expected = list(shuffle_stream(iter(range(n)), size, np.random.default_rng(seed)))
    chunks = [np.arange(i, min(n, i + chunk), dtype=np.int64) for i in range(0, n, chunk)]
    got = np.concatenate(list(shuffle_index_chunks(chunks, size, np.random.default_rng(seed))))
    assert got.tolist() == expected


def test_rowwise_map_is_fused_into_the_gather():
    ds = tf.data.Dataset.from_tensor_slices((X, Y)).map(MAPS["rowwise"])
    assert ds._node.fn.rowwise and ds._node.plan() is not None
    per_element = tf.data.Dataset.from_tensor_slices((X, Y)).map(MAPS["per_element"])
    assert not per_element._node.fn.rowwise
    reduce = tf.data.Dataset.from_tensor_slices((X, Y)).map(lambda a, b: tf.reduce_sum(a))
    assert not reduce._node.fn.rowwise
    mixed = tf.data.Dataset.from_tensor_slices((X, Y)).map(
        lambda a, b: a + tf.cast(b, tf.float32))  # a [2] row with a scalar: not row-wise
    assert not mixed._node.fn.rowwise
    assert _elements(mixed.map(lambda a: (a, tf.constant(0, tf.int64))).batch(4))[0][0][1] == \
        [X[1, 0] + Y[1], X[1, 1] + Y[1]]
