"""Tensor, DType, TensorShape, Variable, devices and the execution context."""
