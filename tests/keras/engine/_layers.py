"""Small layers of the tests' own, so the engine tests do not depend on keras.layers."""

import tensorweave as tf
from tensorweave.keras.engine.layer import Layer


class Dense(Layer):
    def __init__(self, units, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.activation = activation

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
        self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")

    def call(self, x):
        y = tf.matmul(x, self.kernel) + self.bias
        if self.activation == "relu":
            return tf.nn.relu(y)
        if self.activation == "softmax":
            return tf.nn.softmax(y)
        return y

    def get_config(self):
        return {**super().get_config(), "units": self.units, "activation": self.activation}


class Scale(Layer):
    """Multiplies by a non-trainable factor; records the training flag it saw."""

    def build(self, input_shape):
        self.factor = self.add_weight(shape=(), initializer="ones", trainable=False,
                                      name="factor")

    def call(self, x, training=None):
        self.seen_training = training
        return x * self.factor
