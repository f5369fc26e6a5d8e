"""Finite-difference gradient checks for layers (float64 layers, central differences)."""

import numpy as np

import tensorweave as tf


def check_layer_gradients(layer, x, rtol=1e-5, atol=1e-7, eps=1e-6, training=False):
    """Compares d sum(layer(x) * c) / d w for every trainable weight with central differences."""
    x = tf.constant(np.asarray(x, np.float64))
    out = layer(x, training=training)
    cot = tf.constant(np.cos(np.arange(np.prod(out.shape.as_tuple()))).reshape(
        out.shape.as_tuple()))

    def loss():
        return float(tf.reduce_sum(layer(x, training=training) * cot).numpy())

    with tf.GradientTape() as tape:
        value = tf.reduce_sum(layer(x, training=training) * cot)
    grads = tape.gradient(value, layer.trainable_weights)
    assert layer.trainable_weights, "the layer has no trainable weights to check"
    for var, grad in zip(layer.trainable_weights, grads):
        assert grad is not None, f"no gradient for {var.name}"
        base = var.numpy().copy()
        numeric = np.zeros_like(base)
        flat = numeric.reshape(-1)
        for i in range(base.size):
            bumped = base.copy().reshape(-1)
            bumped[i] += eps
            var.assign(bumped.reshape(base.shape))
            up = loss()
            bumped[i] -= 2 * eps
            var.assign(bumped.reshape(base.shape))
            down = loss()
            flat[i] = (up - down) / (2 * eps)
        var.assign(base)
        np.testing.assert_allclose(tf.convert_to_tensor(grad).numpy(), numeric, rtol=rtol,
                                   atol=atol, err_msg=var.name)
