"""tf.io: re-exports of the public functions of that namespace."""

import types as _types

from tensorweave.data import gfile as _gfile
from tensorweave.data.io_ops import (decode_csv, decode_raw, parse_example,  # noqa: F401
                                     parse_single_example, parse_single_sequence_example,
                                     parse_tensor, read_file, serialize_tensor, write_file)
from tensorweave.data.parsing import (FixedLenFeature, FixedLenSequenceFeature,  # noqa: F401
                                      VarLenFeature)
from tensorweave.data.tfrecord import (TFRecordCompressionType, TFRecordOptions,  # noqa: F401
                                       TFRecordWriter, tf_record_iterator)

gfile = _types.SimpleNamespace(**{n: getattr(_gfile, n) for n in _gfile.__all__})
gfile.__doc__ = _gfile.__doc__
