"""The graph layer: tracing (tf.function), the graph IR, passes and the executor."""
