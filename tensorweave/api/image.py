"""tf.image: re-exports of the public functions of that namespace."""
