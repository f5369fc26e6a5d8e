"""tf.strings: re-exports of the public functions of that namespace."""

from tensorweave.ops.string_ops import (as_string, format, join, length, lower,  # noqa: F401
                                        reduce_join, regex_full_match, regex_replace, strip,
                                        substr, to_hash_bucket_fast, to_number, upper)
