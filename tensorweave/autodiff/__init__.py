"""Automatic differentiation: the tape, GradientTape, custom gradients."""
