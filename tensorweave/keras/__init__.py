"""tensorweave.keras: Keras's public API on tensorweave."""
