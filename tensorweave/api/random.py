"""tf.random: re-exports of the public functions of that namespace."""
