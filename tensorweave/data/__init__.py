"""tf.data: input pipelines."""
