"""`bucket_by_sequence_length`: group_by_window keyed by which length bucket an element falls in."""

from __future__ import annotations

import bisect

import numpy as np

from tensorweave.data import structure
from tensorweave.data.batching import _flat_up_to, _shape_value
from tensorweave.framework.errors import InvalidArgumentError
from tensorweave.framework.tensor_shape import TensorShape
from tensorweave.util import nest


def bucket_by_sequence_length(dataset, element_length_func, bucket_boundaries,
                              bucket_batch_sizes, padded_shapes=None, padding_values=None,
                              pad_to_bucket_boundary=False, no_padding=False,
                              drop_remainder=False):
    """Batches of elements whose lengths fall in the same [boundary_i, boundary_i+1) bucket."""
    boundaries = [int(b) for b in bucket_boundaries]
    sizes = [int(s) for s in bucket_batch_sizes]
    if len(sizes) != len(boundaries) + 1:
        raise ValueError("len(bucket_batch_sizes) must equal len(bucket_boundaries) + 1")
    if boundaries != sorted(boundaries) or len(set(boundaries)) != len(boundaries):
        raise ValueError(f"bucket_boundaries must be strictly increasing, got {boundaries}")

    def key(*element):
        length = int(structure.leaf_array(element_length_func(*element)))
        # Bucket i holds lengths in [boundaries[i-1], boundaries[i]).
        return np.asarray(bisect.bisect_right(boundaries, length), np.int64)

    def window_size(bucket):
        return np.asarray(sizes[int(structure.leaf_array(bucket))], np.int64)

    def reduce(bucket, window):
        b = int(structure.leaf_array(bucket))
        size = sizes[b]
        if no_padding:
            return window.batch(size, drop_remainder=drop_remainder)
        spec = window.element_spec
        if padded_shapes is None:
            flat = [s.shape for s in structure.flat_specs(spec)]
        else:
            flat = [TensorShape(_shape_value(s))
                    for s in _flat_up_to(spec, padded_shapes, "padded_shapes")]
        if pad_to_bucket_boundary:
            if b >= len(boundaries):
                raise InvalidArgumentError(None, None, "When pad_to_bucket_boundary=True, "
                                           "elements must have length < max(bucket_boundaries).")
            fill = boundaries[b] - 1
            flat = [TensorShape([fill if d is None else d for d in s.as_tuple()]) for s in flat]
        shapes = nest.pack_sequence_as(spec, flat)
        return window.padded_batch(size, shapes, padding_values, drop_remainder=drop_remainder)

    return dataset.group_by_window(key, reduce, window_size_func=window_size)
