"""TensorFlow's public sub-namespaces (tf.math, tf.nn, ...), each a module of re-exports."""
