"""tf.saved_model: re-exports of the public functions of that namespace."""
