"""tf.train: re-exports of the public functions of that namespace."""
