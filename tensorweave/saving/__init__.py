"""Formats on disk: checkpoints (tf.train) and SavedModel directories (tf.saved_model)."""
