"""timeseries_dataset_from_array: sliding windows over an array, as a tf.data.Dataset."""

from __future__ import annotations

import numpy as np

import tensorweave as tf


def _check(data, start_index, end_index, sampling_rate, sequence_stride) -> None:
    n = len(data)
    if start_index:
        if start_index < 0:
            raise ValueError(f"`start_index` must be 0 or greater. Received: "
                             f"start_index={start_index}")
        if start_index >= n:
            raise ValueError("`start_index` must be lower than the length of the data. "
                             f"Received: start_index={start_index}, for data of length {n}")
    if end_index:
        if start_index and end_index <= start_index:
            raise ValueError("`end_index` must be higher than `start_index`. Received: "
                             f"start_index={start_index}, and end_index={end_index} ")
        if end_index >= n:
            raise ValueError("`end_index` must be lower than the length of the data. Received: "
                             f"end_index={end_index}, for data of length {n}")
        if end_index <= 0:
            raise ValueError(f"`end_index` must be higher than 0. Received: "
                             f"end_index={end_index}")
    if sampling_rate <= 0 or sampling_rate >= n:
        raise ValueError("`sampling_rate` must be higher than 0 and lower than the length of "
                         f"the data. Received: sampling_rate={sampling_rate}, for data of "
                         f"length {n}")
    if sequence_stride <= 0 or sequence_stride >= n:
        raise ValueError("`sequence_stride` must be higher than 0 and lower than the length of "
                         f"the data. Received: sequence_stride={sequence_stride}, for data of "
                         f"length {n}")


def timeseries_dataset_from_array(data, targets, sequence_length: int, sequence_stride: int = 1,
                                  sampling_rate: int = 1, batch_size: int | None = 128,
                                  shuffle: bool = False, seed: int | None = None,
                                  start_index: int | None = None, end_index: int | None = None):
    """Windows of `sequence_length` steps (every `sampling_rate`-th one) starting every
    `sequence_stride` steps of `data[start_index:end_index]`, each paired with
    `targets[start]` when targets are given; batched by `batch_size`.

    >>> ds = timeseries_dataset_from_array(np.arange(10), None, sequence_length=3,
    ...                                    batch_size=None)
    >>> [w.numpy().tolist() for w in ds.take(2)]
    [[0, 1, 2], [1, 2, 3]]
    """
    _check(data, start_index, end_index, sampling_rate, sequence_stride)
    start_index = start_index or 0
    end_index = len(data) if end_index is None else end_index
    num_seqs = end_index - start_index - (sequence_length - 1) * sampling_rate
    if targets is not None:
        num_seqs = min(num_seqs, len(targets))
    starts = np.arange(0, max(num_seqs, 0), sequence_stride, dtype=np.int64)
    if shuffle:
        if seed is None:
            seed = int(np.random.randint(1e6))
        np.random.RandomState(seed).shuffle(starts)
    # The windows are gathered lazily, one per element: only the start positions are stored.
    steps = tf.constant(np.asarray(data)[start_index:end_index])
    offsets = tf.constant(np.arange(0, sequence_length * sampling_rate, sampling_rate,
                                    dtype=np.int64))
    positions = tf.data.Dataset.from_tensor_slices(starts)
    dataset = positions.map(lambda start: tf.gather(steps, start + offsets))
    if targets is not None:
        labels = tf.constant(np.asarray(targets)[start_index:end_index])
        dataset = tf.data.Dataset.zip((dataset, positions.map(
            lambda start: tf.gather(labels, start))))
    if batch_size is not None:
        if shuffle:
            dataset = dataset.shuffle(buffer_size=batch_size * 8, seed=seed)
        dataset = dataset.batch(batch_size)
    elif shuffle:
        dataset = dataset.shuffle(buffer_size=1024, seed=seed)
    return dataset
