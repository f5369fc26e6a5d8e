"""Embedding (integer ids to vectors, optionally masking id 0) and Masking."""

from __future__ import annotations

import tensorweave as tf
from tensorweave.keras import initializers
from tensorweave.keras.engine.layer import Layer
from tensorweave.keras.layers import _utils as u


class Embedding(Layer):
    """Looks up rows of an (input_dim, output_dim) `embeddings` matrix by integer id.

    With `mask_zero=True`, id 0 is padding: the output carries a mask that is False there, which
    RNNs, attention and masked pooling downstream respect.
    """

    def __init__(self, input_dim: int, output_dim: int, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None,
                 mask_zero: bool = False, weights=None, lora_rank=None,
                 quantization_config=None, **kwargs):
        input_length = kwargs.pop("input_length", None)  # Keras 2 argument, ignored by Keras 3
        del input_length
        super().__init__(**kwargs)
        if lora_rank or quantization_config is not None:
            raise NotImplementedError("Embedding: LoRA and quantization are not supported")
        for name, value in (("input_dim", input_dim), ("output_dim", output_dim)):
            if not isinstance(value, int) or value <= 0:
                raise ValueError(f"Embedding: `{name}` must be a positive integer. Received: "
                                 f"{name}={value}")
        self.input_dim = input_dim
        self.output_dim = output_dim
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = u.get_reg(embeddings_regularizer)
        self.embeddings_constraint = u.get_con(embeddings_constraint)
        self.mask_zero = mask_zero
        self.supports_masking = mask_zero
        self.autocast = False
        self._embedding_weights = weights

    def build(self, input_shape=None) -> None:
        self.embeddings = self.add_weight(name="embeddings",
                                          shape=(self.input_dim, self.output_dim),
                                          initializer=self.embeddings_initializer,
                                          regularizer=self.embeddings_regularizer,
                                          constraint=self.embeddings_constraint)
        if self._embedding_weights is not None:
            self.set_weights(self._embedding_weights)
            self._embedding_weights = None
        self.built = True

    def call(self, inputs):
        if not inputs.dtype.is_integer:
            inputs = tf.cast(inputs, "int32")
        out = tf.gather(self.embeddings, inputs)
        compute = tf.as_dtype(self.compute_dtype)
        return tf.cast(out, compute) if out.dtype != compute else out

    def compute_mask(self, inputs, previous_mask=None):
        if not self.mask_zero:
            return None
        return tf.not_equal(inputs, tf.zeros((), inputs.dtype))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def get_config(self) -> dict:
        return {**u.base_config(self), "input_dim": self.input_dim,
                "output_dim": self.output_dim,
                "embeddings_initializer": u.ser_init(self.embeddings_initializer),
                "embeddings_regularizer": u.ser_reg(self.embeddings_regularizer),
                "activity_regularizer": u.activity_reg_config(self),
                "embeddings_constraint": u.ser_con(self.embeddings_constraint),
                "mask_zero": self.mask_zero, "quantization_config": None}


class Masking(Layer):
    """Masks timesteps whose features all equal `mask_value`: they are zeroed and the output's
    mask (seen by RNNs and attention downstream) is False there."""

    def __init__(self, mask_value: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = mask_value
        self.supports_masking = True
        self.built = True

    def _mask(self, inputs):
        return tf.reduce_any(tf.not_equal(inputs, tf.constant(self.mask_value, inputs.dtype)),
                             axis=-1)

    def call(self, inputs):
        keep = tf.cast(tf.expand_dims(self._mask(inputs), -1), inputs.dtype)
        return inputs * keep

    def compute_mask(self, inputs, previous_mask=None):
        return self._mask(inputs)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {**u.base_config(self), "mask_value": self.mask_value}
