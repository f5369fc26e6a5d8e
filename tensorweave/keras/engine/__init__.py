"""The Keras engine: Layer, symbolic tensors, Functional, Sequential and Model with fit/evaluate."""
