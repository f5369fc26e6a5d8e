"""tf.data: input pipelines.

    ds = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(10_000).batch(32)
    ds = ds.prefetch(tf.data.AUTOTUNE)
"""

from tensorweave.data import experimental
from tensorweave.data.dataset_ops import (AUTOTUNE, INFINITE_CARDINALITY, UNKNOWN_CARDINALITY,
                                          Dataset, DatasetV2, OwnedIterator)
from tensorweave.data.options import Options, ThreadingOptions
from tensorweave.data.readers import (FixedLengthRecordDataset, TextLineDataset,
                                      TFRecordDataset)
from tensorweave.data.structure import DatasetSpec

Iterator = OwnedIterator

__all__ = [
    "AUTOTUNE", "Dataset", "DatasetSpec", "FixedLengthRecordDataset", "INFINITE_CARDINALITY",
    "Iterator", "Options", "TFRecordDataset", "TextLineDataset", "ThreadingOptions",
    "UNKNOWN_CARDINALITY", "experimental",
]
