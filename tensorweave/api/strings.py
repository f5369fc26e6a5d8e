"""tf.strings: re-exports of the public functions of that namespace."""
