"""tf.data.experimental: the names TensorFlow keeps there, over tensorweave's Dataset."""

from __future__ import annotations

from tensorweave.data.dataset_ops import (AUTOTUNE, INFINITE_CARDINALITY, UNKNOWN_CARDINALITY,
                                          DatasetV2)
from tensorweave.data.options import (AutoShardPolicy, AutotuneOptions, DistributeOptions,
                                      ExternalStatePolicy, OptimizationOptions, ThreadingOptions)
from tensorweave.data.optional import Optional
from tensorweave.data.readers import CsvDataset, make_csv_dataset
from tensorweave.data import tfrecord
from tensorweave.framework import dtypes

__all__ = [
    "AUTOTUNE", "AutoShardPolicy", "AutotuneOptions", "CsvDataset", "DistributeOptions",
    "ExternalStatePolicy", "INFINITE_CARDINALITY", "OptimizationOptions", "Optional",
    "TFRecordWriter", "ThreadingOptions", "UNKNOWN_CARDINALITY", "assert_cardinality",
    "bucket_by_sequence_length", "cardinality", "choose_from_datasets", "enumerate_dataset",
    "copy_to_device", "from_list", "get_next_as_optional", "get_single_element",
    "group_by_window", "ignore_errors", "make_csv_dataset", "map_and_batch",
    "parallel_interleave", "prefetch_to_device", "sample_from_datasets", "scan",
    "shuffle_and_repeat", "take_while", "unbatch", "unique",
]


class TFRecordWriter:
    """Writes a dataset of scalar strings to a TFRecord file (tf.data.experimental's writer).

    >>> TFRecordWriter("out.tfrecord", "GZIP").write(tf.data.Dataset.from_tensor_slices([b"a"]))
    """

    def __init__(self, filename, compression_type=None, name=None):
        self.filename = filename
        self.options = tfrecord.TFRecordOptions(compression_type=compression_type)

    def write(self, dataset: DatasetV2) -> None:
        """Writes every element; the file appears complete or not at all."""
        spec = dataset.element_spec
        if getattr(spec, "dtype", None) is not dtypes.string or spec.shape.rank != 0:
            raise TypeError("tf.data.experimental.TFRecordWriter.write expects a dataset of "
                            f"scalar tf.string elements, got {spec}")
        with tfrecord.TFRecordWriter(self.filename, self.options) as w:
            for value in dataset.as_numpy_iterator():
                w.write(value)


def cardinality(dataset: DatasetV2):
    """`dataset.cardinality()` (INFINITE_CARDINALITY -1, UNKNOWN_CARDINALITY -2)."""
    return dataset.cardinality()


def assert_cardinality(expected_cardinality):
    """A transformation for `Dataset.apply` that checks the element count while iterating."""
    return lambda ds: ds.assert_cardinality(expected_cardinality)


def bucket_by_sequence_length(element_length_func, bucket_boundaries, bucket_batch_sizes,
                              padded_shapes=None, padding_values=None,
                              pad_to_bucket_boundary=False, no_padding=False,
                              drop_remainder=False):
    """The `Dataset.apply` form of `Dataset.bucket_by_sequence_length`."""
    return lambda ds: ds.bucket_by_sequence_length(
        element_length_func, bucket_boundaries, bucket_batch_sizes, padded_shapes,
        padding_values, pad_to_bucket_boundary, no_padding, drop_remainder)


def group_by_window(key_func, reduce_func, window_size=None, window_size_func=None):
    """The `Dataset.apply` form of `Dataset.group_by_window`."""
    return lambda ds: ds.group_by_window(key_func, reduce_func, window_size, window_size_func)


def enumerate_dataset(start=0):
    """The `Dataset.apply` form of `Dataset.enumerate`."""
    return lambda ds: ds.enumerate(start)


def ignore_errors(log_warning=False):
    """The `Dataset.apply` form of `Dataset.ignore_errors`."""
    return lambda ds: ds.ignore_errors(log_warning)


def scan(initial_state, scan_func):
    """The `Dataset.apply` form of `Dataset.scan`."""
    return lambda ds: ds.scan(initial_state, scan_func)


def take_while(predicate):
    """The `Dataset.apply` form of `Dataset.take_while`."""
    return lambda ds: ds.take_while(predicate)


def unbatch():
    """The `Dataset.apply` form of `Dataset.unbatch`."""
    return lambda ds: ds.unbatch()


def unique():
    """The `Dataset.apply` form of `Dataset.unique`."""
    return lambda ds: ds.unique()


def shuffle_and_repeat(buffer_size, count=None, seed=None):
    """Shuffles (reshuffling each epoch) and repeats `count` times."""
    return lambda ds: ds.shuffle(buffer_size, seed=seed).repeat(count)


def map_and_batch(map_func, batch_size, num_parallel_batches=None, drop_remainder=False,
                  num_parallel_calls=None):
    """The `Dataset.apply` form of `.map(map_func).batch(batch_size)` (deprecated in TF)."""
    return lambda ds: ds.map(map_func, num_parallel_calls=num_parallel_calls).batch(
        batch_size, drop_remainder=drop_remainder)


def parallel_interleave(map_func, cycle_length, block_length=1, sloppy=False,
                        buffer_output_elements=None, prefetch_input_elements=None):
    """The `Dataset.apply` form of a parallel `interleave` (deprecated in TF)."""
    return lambda ds: ds.interleave(map_func, cycle_length=cycle_length,
                                    block_length=block_length, num_parallel_calls=cycle_length,
                                    deterministic=not sloppy)


def prefetch_to_device(device, buffer_size=None):
    """A prefetch (tensorweave's pipelines run on the CPU; the step moves each batch)."""
    return lambda ds: ds.prefetch(-1 if buffer_size is None else buffer_size)


def copy_to_device(target_device, source_device="/cpu:0"):
    """The dataset unchanged: its elements are CPU tensors that ops move where they run."""
    return lambda ds: ds


def get_next_as_optional(iterator):
    """`iterator.get_next_as_optional()`."""
    return iterator.get_next_as_optional()


def get_single_element(dataset: DatasetV2):
    """The one element of `dataset`."""
    return dataset.get_single_element()


def from_list(elements, name=None) -> DatasetV2:
    """A dataset of the given list of elements (each a nest of the same structure)."""
    return DatasetV2.from_list(elements)


def sample_from_datasets(datasets, weights=None, seed=None, stop_on_empty_dataset=False):
    """Elements drawn at random from `datasets` by `weights`."""
    return DatasetV2.sample_from_datasets(datasets, weights, seed, stop_on_empty_dataset)


def choose_from_datasets(datasets, choice_dataset, stop_on_empty_dataset=True):
    """Elements from `datasets[i]` for each `i` of `choice_dataset`."""
    return DatasetV2.choose_from_datasets(datasets, choice_dataset, stop_on_empty_dataset)
