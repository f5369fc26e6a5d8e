"""tf.data.Dataset: sources, element structure, batching, shuffle, map, prefetch, iteration."""

import collections
import threading
import time

import numpy as np
import pytest

import tensorweave as tf
from tensorweave.framework import errors


def _np(ds):
    return list(ds.as_numpy_iterator())


class TestSources:
    def test_from_tensor_slices_nested(self):
        x = np.arange(12, dtype=np.float32).reshape(4, 3)
        y = np.arange(4)
        ds = tf.data.Dataset.from_tensor_slices({"x": x, "y": y})
        assert ds.element_spec == {"x": tf.TensorSpec((3,), tf.float32),
                                   "y": tf.TensorSpec((), tf.int64)}
        out = _np(ds)
        assert len(out) == 4
        np.testing.assert_array_equal(out[2]["x"], x[2])
        assert out[3]["y"] == 3 and out[3]["y"].dtype == np.int64

    def test_from_tensor_slices_copies_its_input(self):
        x = np.arange(4.0)
        ds = tf.data.Dataset.from_tensor_slices(x)
        x[0] = 100.0
        assert _np(ds)[0] == 0.0
        assert _np(tf.data.Dataset.from_tensor_slices(x).batch(2))[0].tolist() == [100.0, 1.0]

    def test_from_tensor_slices_lists_are_tensors(self):
        ds = tf.data.Dataset.from_tensor_slices([[1, 2], [3, 4]])
        assert ds.element_spec == tf.TensorSpec((2,), tf.int32)
        assert [a.tolist() for a in _np(ds)] == [[1, 2], [3, 4]]

    def test_from_tensor_slices_tuple_of_tensors(self):
        ds = tf.data.Dataset.from_tensor_slices((tf.constant([1.0, 2.0]),
                                                 tf.constant([b"a", b"b"])))
        assert _np(ds) == [(np.float32(1.0), b"a"), (np.float32(2.0), b"b")]

    def test_from_tensor_slices_mismatched_first_dims(self):
        with pytest.raises(ValueError, match="Dimensions 3 and 4"):
            tf.data.Dataset.from_tensor_slices((np.zeros(3), np.zeros(4)))

    def test_from_tensor_slices_scalar(self):
        with pytest.raises(ValueError, match="rank >= 1"):
            tf.data.Dataset.from_tensor_slices(np.float32(1))

    def test_from_tensors(self):
        ds = tf.data.Dataset.from_tensors((np.arange(3), "s"))
        assert ds.cardinality().numpy() == 1
        (a, s), = _np(ds)
        np.testing.assert_array_equal(a, [0, 1, 2])
        assert s == b"s"

    def test_range(self):
        assert _np(tf.data.Dataset.range(5)) == [0, 1, 2, 3, 4]
        assert _np(tf.data.Dataset.range(2, 10, 3)) == [2, 5, 8]
        assert _np(tf.data.Dataset.range(5, 0, -2)) == [5, 3, 1]
        ds = tf.data.Dataset.range(3, output_type=tf.int32)
        assert ds.element_spec.dtype is tf.int32

    def test_from_generator(self):
        def gen():
            for i in range(3):
                yield i, [float(i)] * i

        ds = tf.data.Dataset.from_generator(gen, output_signature=(
            tf.TensorSpec((), tf.int32), tf.TensorSpec((None,), tf.float32)))
        out = _np(ds)
        assert [o[0] for o in out] == [0, 1, 2]
        assert out[2][1].tolist() == [2.0, 2.0] and out[2][1].dtype == np.float32
        # A generator can be iterated again: each pass calls it anew.
        assert len(_np(ds)) == 3

    def test_from_generator_wrong_structure(self):
        ds = tf.data.Dataset.from_generator(lambda: iter([1]), output_signature=(
            tf.TensorSpec((), tf.int32), tf.TensorSpec((), tf.int32)))
        with pytest.raises(errors.InvalidArgumentError, match="did not match the expected"):
            _np(ds)

    def test_from_generator_wrong_shape(self):
        ds = tf.data.Dataset.from_generator(lambda: iter([[1, 2]]),
                                            output_signature=tf.TensorSpec((3,), tf.int32))
        with pytest.raises(errors.InvalidArgumentError, match="shape"):
            _np(ds)

    def test_from_generator_args_and_types(self):
        ds = tf.data.Dataset.from_generator(lambda n: range(n), output_types=tf.int64,
                                            args=(3,))
        assert _np(ds) == [0, 1, 2]

    def test_zip_and_concatenate(self):
        a = tf.data.Dataset.range(3)
        b = tf.data.Dataset.range(10, 15)
        assert _np(tf.data.Dataset.zip((a, b))) == [(0, 10), (1, 11), (2, 12)]
        assert _np(tf.data.Dataset.zip(a, b)) == [(0, 10), (1, 11), (2, 12)]
        z = tf.data.Dataset.zip({"p": a, "q": b})
        assert _np(z)[1] == {"p": 1, "q": 11}
        assert tf.data.Dataset.zip((a, b)).cardinality().numpy() == 3
        assert _np(a.concatenate(b)) == [0, 1, 2, 10, 11, 12, 13, 14]
        with pytest.raises(TypeError):
            a.concatenate(tf.data.Dataset.range(2).map(lambda x: tf.cast(x, tf.float32)))

    def test_from_list_and_get_single_element(self):
        ds = tf.data.experimental.from_list([(1, "a"), (2, "b")])
        assert _np(ds) == [(1, b"a"), (2, b"b")]
        assert tf.data.Dataset.from_tensors(7).get_single_element().numpy() == 7
        with pytest.raises(errors.InvalidArgumentError):
            tf.data.Dataset.range(2).get_single_element()


class TestBatching:
    def test_batch_order_and_remainder(self):
        out = _np(tf.data.Dataset.range(7).batch(3))
        assert [o.tolist() for o in out] == [[0, 1, 2], [3, 4, 5], [6]]
        out = _np(tf.data.Dataset.range(7).batch(3, drop_remainder=True))
        assert [o.tolist() for o in out] == [[0, 1, 2], [3, 4, 5]]

    def test_batch_spec_and_cardinality(self):
        ds = tf.data.Dataset.range(64).batch(32)
        assert ds.element_spec.shape.as_list() == [None]
        assert ds.cardinality().numpy() == 2
        ds = tf.data.Dataset.range(65).batch(32, drop_remainder=True)
        assert ds.element_spec.shape.as_list() == [32]
        assert ds.cardinality().numpy() == 2

    def test_batch_over_slices_gathers(self):
        x = np.random.default_rng(0).random((10, 2, 2)).astype(np.float32)
        y = np.arange(10)
        out = _np(tf.data.Dataset.from_tensor_slices((x, y)).skip(1).take(8).batch(3))
        assert [b[1].tolist() for b in out] == [[1, 2, 3], [4, 5, 6], [7, 8]]
        np.testing.assert_array_equal(out[0][0], x[1:4])

    def test_batch_after_map_stacks(self):
        out = _np(tf.data.Dataset.range(5).map(lambda v: (v, tf.fill([2], v))).batch(2))
        assert out[0][1].tolist() == [[0, 0], [1, 1]]

    def test_batch_ragged_raises(self):
        ds = tf.data.Dataset.range(1, 4).map(lambda n: tf.range(n)).batch(3)
        with pytest.raises(errors.InvalidArgumentError, match="Cannot batch tensors"):
            _np(ds)

    def test_batch_size_must_be_positive(self):
        with pytest.raises(errors.InvalidArgumentError):
            tf.data.Dataset.range(3).batch(0)

    def test_padded_batch(self):
        ds = tf.data.Dataset.range(1, 5).map(lambda n: tf.fill([n], n))
        out = _np(ds.padded_batch(2))
        assert out[0].tolist() == [[1, 0], [2, 2]]
        assert out[1].tolist() == [[3, 3, 3, 0], [4, 4, 4, 4]]
        out = _np(ds.padded_batch(2, padded_shapes=[5], padding_values=tf.constant(-1, tf.int64)))
        assert out[0].tolist() == [[1, -1, -1, -1, -1], [2, 2, -1, -1, -1]]
        with pytest.raises(errors.InvalidArgumentError, match="smaller"):
            _np(ds.padded_batch(2, padded_shapes=[2]))

    def test_unbatch_rebatch(self):
        ds = tf.data.Dataset.range(7).batch(3)
        assert _np(ds.unbatch()) == list(range(7))
        out = _np(ds.rebatch(2))
        assert [o.tolist() for o in out] == [[0, 1], [2, 3], [4, 5], [6]]
        out = _np(ds.rebatch([1, 3], drop_remainder=True))
        assert [o.tolist() for o in out] == [[0], [1, 2, 3], [4], [5, 6]] or \
            [o.tolist() for o in out] == [[0], [1, 2, 3], [4]]

    def test_unbatch_scalar_raises(self):
        with pytest.raises(ValueError):
            tf.data.Dataset.range(3).unbatch()

    def test_window(self):
        ds = tf.data.Dataset.range(7).window(3, shift=2, drop_remainder=True)
        out = [list(w.as_numpy_iterator()) for w in ds]
        assert out == [[0, 1, 2], [2, 3, 4], [4, 5, 6]]
        ds = tf.data.Dataset.range(7).window(3, shift=2, stride=2)
        out = [list(w.as_numpy_iterator()) for w in ds]
        assert out == [[0, 2, 4], [2, 4, 6], [4, 6], [6]]
        flat = tf.data.Dataset.range(6).window(2).flat_map(lambda w: w.batch(2))
        assert [o.tolist() for o in _np(flat)] == [[0, 1], [2, 3], [4, 5]]

    def test_group_by_window(self):
        ds = tf.data.Dataset.range(10).group_by_window(
            key_func=lambda x: x % 2, reduce_func=lambda k, w: w.batch(3), window_size=3)
        out = [o.tolist() for o in _np(ds)]
        assert out == [[0, 2, 4], [1, 3, 5], [6, 8], [7, 9]]

    def test_bucket_by_sequence_length(self):
        lengths = [1, 5, 2, 6, 3, 7, 1]
        ds = tf.data.Dataset.from_generator(
            lambda: ([1] * n for n in lengths), output_signature=tf.TensorSpec([None], tf.int32))
        ds = ds.bucket_by_sequence_length(lambda e: tf.shape(e)[0], [4], [2, 2])
        out = [o.shape for o in _np(ds)]
        assert out == [(2, 2), (2, 6), (2, 3), (1, 7)]


class TestOrder:
    def test_repeat_take_skip(self):
        ds = tf.data.Dataset.range(3)
        assert _np(ds.repeat(2)) == [0, 1, 2, 0, 1, 2]
        assert _np(ds.repeat().take(7)) == [0, 1, 2, 0, 1, 2, 0]
        assert _np(ds.skip(1)) == [1, 2]
        assert _np(ds.skip(-1)) == []
        assert _np(ds.take(-1)) == [0, 1, 2]
        assert ds.repeat().cardinality().numpy() == tf.data.INFINITE_CARDINALITY
        assert ds.repeat().take(5).cardinality().numpy() == 5
        assert ds.filter(lambda x: x > 0).cardinality().numpy() == tf.data.UNKNOWN_CARDINALITY
        assert _np(tf.data.Dataset.range(0).repeat()) == []

    def test_shard(self):
        assert _np(tf.data.Dataset.range(10).shard(3, 1)) == [1, 4, 7]
        assert tf.data.Dataset.range(10).shard(3, 1).cardinality().numpy() == 3
        x = np.arange(10)
        assert _np(tf.data.Dataset.from_tensor_slices(x).shard(4, 3)) == [3, 7]
        with pytest.raises(errors.InvalidArgumentError):
            tf.data.Dataset.range(10).shard(2, 2)

    def test_shuffle_is_permutation_and_seeded(self):
        ds = tf.data.Dataset.range(100).shuffle(30, seed=4)
        a, b = _np(ds), _np(ds)
        assert sorted(a) == list(range(100))
        assert a != list(range(100))
        assert a != b  # reshuffled each iteration by default
        c = _np(tf.data.Dataset.range(100).shuffle(30, seed=4))
        assert a == c  # the same seed gives the same first epoch
        d = tf.data.Dataset.range(100).shuffle(30, seed=4, reshuffle_each_iteration=False)
        assert _np(d) == _np(d)

    def test_shuffle_follows_the_global_seed(self):
        try:
            tf.random.set_seed(3)
            a = _np(tf.data.Dataset.range(40).shuffle(8))
            tf.random.set_seed(3)
            b = _np(tf.data.Dataset.range(40).shuffle(8))
        finally:
            tf.random.set_seed(None)
        assert a == b and a != list(range(40))

    def test_shuffle_buffer_bounds_displacement(self):
        # Output position k can only hold an element among the first k + buffer_size.
        for ds in (tf.data.Dataset.range(200),
                   tf.data.Dataset.from_tensor_slices(np.arange(200))):
            out = _np(ds.shuffle(10, seed=1))
            assert all(v < k + 10 for k, v in enumerate(out))
        assert _np(tf.data.Dataset.range(20).shuffle(1)) == list(range(20))

    def test_shuffle_batch_over_slices(self):
        x = np.arange(1000, dtype=np.float32)
        ds = tf.data.Dataset.from_tensor_slices((x, x.astype(np.int64))).shuffle(
            1000, seed=3).batch(32)
        batches = _np(ds)
        assert len(batches) == 32
        seen = np.concatenate([b[0] for b in batches])
        np.testing.assert_array_equal(np.sort(seen), x)
        for b in batches:
            np.testing.assert_array_equal(b[0], b[1])  # components stay paired

    def test_shuffle_bad_buffer(self):
        with pytest.raises(errors.InvalidArgumentError):
            tf.data.Dataset.range(3).shuffle(0)

    def test_enumerate_and_scan(self):
        assert _np(tf.data.Dataset.range(10, 12).enumerate(5)) == [(5, 10), (6, 11)]
        ds = tf.data.Dataset.range(5).scan(tf.constant(0, tf.int64),
                                           lambda s, x: (s + x, s + x))
        assert _np(ds) == [0, 1, 3, 6, 10]

    def test_unique_and_filter(self):
        ds = tf.data.Dataset.from_tensor_slices([1, 3, 1, 2, 3, 4])
        assert _np(ds.unique()) == [1, 3, 2, 4]
        assert _np(ds.filter(lambda x: x > 2)) == [3, 3, 4]
        assert _np(ds.take_while(lambda x: x < 3)) == [1]
        with pytest.raises(ValueError, match="predicate"):
            ds.filter(lambda x: x)

    def test_flat_map_interleave(self):
        ds = tf.data.Dataset.range(1, 4)
        assert _np(ds.flat_map(lambda n: tf.data.Dataset.range(n))) == [0, 0, 1, 0, 1, 2]
        inter = ds.interleave(lambda n: tf.data.Dataset.from_tensors(n).repeat(n),
                              cycle_length=2, block_length=1)
        assert _np(inter) == [1, 2, 2, 3, 3, 3]
        inter = tf.data.Dataset.range(1, 6).interleave(
            lambda x: tf.data.Dataset.from_tensors(x).repeat(4), cycle_length=2, block_length=2)
        assert _np(inter) == [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4, 5, 5, 5, 5]
        par = tf.data.Dataset.range(1, 6).interleave(
            lambda x: tf.data.Dataset.from_tensors(x).repeat(4), cycle_length=2, block_length=2,
            num_parallel_calls=2)
        assert _np(par) == _np(inter)

    def test_reduce_and_apply(self):
        assert tf.data.Dataset.range(5).reduce(np.int64(0), lambda s, x: s + x).numpy() == 10
        ds = tf.data.Dataset.range(4).apply(lambda d: d.map(lambda x: x + 1))
        assert _np(ds) == [1, 2, 3, 4]

    def test_ignore_errors(self):
        ds = tf.data.Dataset.from_tensor_slices([0, 5, 1]).map(
            lambda i: tf.gather(tf.constant([10, 20]), i))
        with pytest.raises(errors.InvalidArgumentError):
            _np(ds)
        assert _np(ds.ignore_errors()) == [10, 20]

    def test_sample_and_choose(self):
        a = tf.data.Dataset.from_tensors(np.int64(0)).repeat(50)
        b = tf.data.Dataset.from_tensors(np.int64(1)).repeat(50)
        out = _np(tf.data.Dataset.sample_from_datasets([a, b], seed=1))
        assert sorted(out) == [0] * 50 + [1] * 50
        choice = tf.data.Dataset.from_tensor_slices(np.array([0, 1, 1, 0], np.int64))
        out = _np(tf.data.Dataset.choose_from_datasets(
            [tf.data.Dataset.range(10), tf.data.Dataset.range(100, 110)], choice))
        assert out == [0, 100, 101, 1]


class TestMap:
    def test_map_traced_once(self):
        calls = []

        def f(x):
            calls.append(1)
            return x * 2

        ds = tf.data.Dataset.range(5).map(f)
        assert _np(ds) == [0, 2, 4, 6, 8]
        assert _np(ds) == [0, 2, 4, 6, 8]
        assert len(calls) == 1
        assert ds._node.fn.traced

    def test_map_tuple_unpacking_and_dict(self):
        ds = tf.data.Dataset.from_tensor_slices((np.arange(3), np.arange(3.0)))
        out = _np(ds.map(lambda a, b: {"s": tf.cast(a, tf.float64) + b}))
        assert [o["s"] for o in out] == [0.0, 2.0, 4.0]
        single = tf.data.Dataset.from_tensor_slices({"a": np.arange(2)}).map(lambda d: d["a"])
        assert _np(single) == [0, 1]

    def test_map_output_spec_from_trace(self):
        ds = tf.data.Dataset.from_tensor_slices(np.zeros((4, 3), np.float32)).map(
            lambda x: (tf.reduce_sum(x), tf.reshape(x, [3, 1])))
        assert ds.element_spec == (tf.TensorSpec((), tf.float32), tf.TensorSpec((3, 1),
                                                                               tf.float32))

    def test_map_untraceable_runs_eagerly(self):
        ds = tf.data.Dataset.range(3).map(lambda x: np.int64(x.numpy() * 10))
        assert not ds._node.fn.traced
        assert _np(ds) == [0, 10, 20]
        assert ds.element_spec == tf.TensorSpec((), tf.int64)

    def test_map_python_constants(self):
        ds = tf.data.Dataset.range(2).map(lambda x: (x, 1, "s"))
        assert _np(ds) == [(0, 1, b"s"), (1, 1, b"s")]

    @pytest.mark.parametrize("deterministic", [None, True])
    def test_map_parallel_keeps_order(self, deterministic):
        ds = tf.data.Dataset.range(50).map(lambda x: x + 1, num_parallel_calls=tf.data.AUTOTUNE,
                                           deterministic=deterministic)
        assert _np(ds) == list(range(1, 51))

    def test_map_parallel_nondeterministic_same_multiset(self):
        ds = tf.data.Dataset.range(50).map(lambda x: x + 1, num_parallel_calls=4,
                                           deterministic=False)
        assert sorted(_np(ds)) == list(range(1, 51))

    def test_map_errors_surface(self):
        ds = tf.data.Dataset.range(3).map(lambda x: tf.reshape(x, [2]))
        with pytest.raises(Exception):
            _np(ds)


class TestIteration:
    def test_python_iteration_yields_tensors(self):
        ds = tf.data.Dataset.from_tensor_slices((np.arange(2), np.ones((2, 2), np.float32)))
        for a, b in ds:
            assert isinstance(a, tf.Tensor) and isinstance(b, tf.Tensor)
            assert b.shape == (2,)

    def test_iterator_get_next(self):
        it = iter(tf.data.Dataset.range(2))
        assert it.get_next().numpy() == 0
        assert next(it).numpy() == 1
        with pytest.raises(errors.OutOfRangeError):
            it.get_next()

    def test_get_next_as_optional(self):
        it = iter(tf.data.Dataset.from_tensor_slices(([1], [2.0])))
        opt = it.get_next_as_optional()
        assert bool(opt.has_value()) and opt.get_value()[1].numpy() == 2.0
        end = it.get_next_as_optional()
        assert not bool(end.has_value())
        assert end.element_spec == (tf.TensorSpec((), tf.int32), tf.TensorSpec((), tf.float32))
        with pytest.raises(errors.InvalidArgumentError):
            end.get_value()
        assert tf.experimental.Optional.from_value(3).get_value().numpy() == 3

    def test_len(self):
        assert len(tf.data.Dataset.range(5).batch(2)) == 3
        with pytest.raises(TypeError):
            len(tf.data.Dataset.range(5).repeat())

    def test_as_numpy_iterator_strings(self):
        ds = tf.data.Dataset.from_tensor_slices(["ab", "c"])
        assert _np(ds) == [b"ab", b"c"]

    def test_prefetch_same_elements_and_background(self):
        produced = []

        def gen():
            for i in range(6):
                produced.append(i)
                yield i

        ds = tf.data.Dataset.from_generator(gen, output_signature=tf.TensorSpec((), tf.int64))
        it = iter(ds.prefetch(3))
        assert next(it).numpy() == 0
        deadline = time.time() + 10  # generous: CI machines may be busy
        while len(produced) < 4 and time.time() < deadline:
            time.sleep(0.01)
        assert len(produced) >= 4  # produced ahead while the consumer was idle
        assert [t.numpy() for t in it] == [1, 2, 3, 4, 5]

    def test_prefetch_propagates_errors(self):
        def gen():
            yield 1
            raise RuntimeError("boom")

        ds = tf.data.Dataset.from_generator(gen, output_types=tf.int32).prefetch(2)
        with pytest.raises(RuntimeError, match="boom"):
            _np(ds)

    def test_prefetch_thread_stops_when_abandoned(self):
        before = threading.active_count()
        it = iter(tf.data.Dataset.range(10**9).prefetch(2))
        next(it)
        del it
        deadline = time.time() + 10  # generous: CI machines may be busy
        while threading.active_count() > before and time.time() < deadline:
            time.sleep(0.02)
        assert threading.active_count() <= before

    def test_options(self):
        opts = tf.data.Options()
        opts.deterministic = False
        ds = tf.data.Dataset.range(3).with_options(opts)
        assert ds.options().deterministic is False
        with pytest.raises(AttributeError):
            opts.no_such_option = 1

    def test_iteration_in_tf_function(self):
        ds = tf.data.Dataset.range(4)

        @tf.function
        def total():
            s = tf.constant(0, tf.int64)
            for x in ds:
                s += x
            return s

        assert total().numpy() == 6

    def test_cache_memory(self):
        calls = collections.Counter()

        def gen():
            calls["n"] += 1
            yield from range(3)

        ds = tf.data.Dataset.from_generator(gen, output_types=tf.int64).cache()
        assert _np(ds) == [0, 1, 2]
        assert _np(ds) == [0, 1, 2]
        assert calls["n"] == 1


class TestExperimental:
    def test_apply_forms(self):
        ex = tf.data.experimental
        ds = tf.data.Dataset.range(6)
        assert _np(ds.apply(ex.enumerate_dataset(1)))[0] == (1, 0)
        assert _np(ds.batch(2).apply(ex.unbatch())) == list(range(6))
        assert _np(ds.apply(ex.take_while(lambda x: x < 2))) == [0, 1]
        assert sorted(_np(ds.apply(ex.shuffle_and_repeat(3, count=2, seed=1)))) == \
            sorted(list(range(6)) * 2)
        assert int(ex.cardinality(ds)) == 6
        with pytest.raises(errors.FailedPreconditionError):
            _np(ds.apply(ex.assert_cardinality(5)))
        assert ex.get_single_element(tf.data.Dataset.from_tensors(3)).numpy() == 3

    def test_deprecated_forms(self):
        ex = tf.data.experimental
        ds = tf.data.Dataset.range(5).apply(ex.map_and_batch(lambda x: x * 2, 2))
        assert [b.tolist() for b in _np(ds)] == [[0, 2], [4, 6], [8]]
        ds = tf.data.Dataset.range(1, 3).apply(ex.parallel_interleave(
            lambda x: tf.data.Dataset.from_tensors(x).repeat(2), cycle_length=2))
        assert _np(ds) == [1, 2, 1, 2]
        assert _np(tf.data.Dataset.range(3).apply(ex.prefetch_to_device("/gpu:0"))) == [0, 1, 2]

    def test_counter(self):
        ds = tf.data.Dataset.counter(5, -2)
        assert ds.cardinality().numpy() == tf.data.INFINITE_CARDINALITY
        assert _np(ds.take(3)) == [5, 3, 1]
