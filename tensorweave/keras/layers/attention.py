"""Attention layers: MultiHeadAttention (Keras's query/key/value/attention_output EinsumDense
weights), Attention (Luong, dot or concat scores) and AdditiveAttention (Bahdanau)."""

from __future__ import annotations

import math

import tensorweave as tf
from tensorweave.keras import initializers
from tensorweave.keras.engine import keras_tensor as kt
from tensorweave.keras.engine.layer import Layer
from tensorweave.keras.layers import _utils as u
from tensorweave.keras.layers.einsum_dense import EinsumDense


def _large_negative(dtype) -> float:
    return -6.5e4 if dtype in (tf.float16, tf.bfloat16) else -1e9


def _and(a, b):
    if a is None:
        return b
    if b is None:
        return a
    return tf.logical_and(a, b)


def _causal(q_len, v_len):
    """(1, T, S) lower-triangular boolean mask: query step i sees value steps <= i."""
    rows = tf.expand_dims(tf.range(q_len), 1)
    cols = tf.expand_dims(tf.range(v_len), 0)
    return tf.expand_dims(tf.greater_equal(rows, cols), 0)


def _dropout(x, rate, seed, training):
    if rate <= 0:
        return x
    return u.smart_cond(training, lambda: tf.nn.dropout(x, rate=rate, seed=seed),
                        lambda: tf.identity(x))


class MultiHeadAttention(Layer):
    """Multi-head attention (Vaswani et al. 2017) with Keras 3's arguments and weights.

    `layer(query, value, key=None, attention_mask=None, return_attention_scores=False,
    training=None, use_causal_mask=False)`; masks on query/value (from Embedding(mask_zero) or
    Masking) are applied automatically. Inputs are (batch, steps, features).
    """

    def __init__(self, num_heads: int, key_dim: int, value_dim: int | None = None,
                 dropout: float = 0.0, use_bias: bool = True, output_shape=None,
                 attention_axes=None, flash_attention=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 seed=None, use_gate: bool = False, sliding_window=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if use_gate or sliding_window is not None:
            raise NotImplementedError("MultiHeadAttention: use_gate and sliding_window are not "
                                      "supported")
        if flash_attention:
            raise NotImplementedError("MultiHeadAttention: flash_attention is not supported")
        self.num_heads = int(num_heads)
        self.key_dim = int(key_dim)
        self.value_dim = int(value_dim) if value_dim is not None else self.key_dim
        self.dropout = float(dropout)
        self.use_bias = use_bias
        self.use_gate = use_gate
        self.sliding_window = sliding_window
        self.flash_attention = flash_attention
        self._output_shape = output_shape if output_shape is None or isinstance(
            output_shape, int) else tuple(output_shape)
        if attention_axes is not None and tuple(
                [attention_axes] if isinstance(attention_axes, int) else attention_axes) not in (
                    (1,), (-2,)):
            raise NotImplementedError("MultiHeadAttention: attention over axes other than the "
                                      f"steps axis is not supported (attention_axes="
                                      f"{attention_axes})")
        self.attention_axes = attention_axes
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = u.get_reg(kernel_regularizer)
        self.bias_regularizer = u.get_reg(bias_regularizer)
        self.kernel_constraint = u.get_con(kernel_constraint)
        self.bias_constraint = u.get_con(bias_constraint)
        self.seed = seed
        self.supports_masking = True

    def _dense(self, equation, output_shape, bias_axes, name):
        return EinsumDense(equation, output_shape=output_shape,
                           bias_axes=bias_axes if self.use_bias else None, name=name,
                           kernel_initializer=self.kernel_initializer.__class__.from_config(
                               self.kernel_initializer.get_config()),
                           bias_initializer=self.bias_initializer.__class__.from_config(
                               self.bias_initializer.get_config()),
                           kernel_regularizer=self.kernel_regularizer,
                           bias_regularizer=self.bias_regularizer,
                           kernel_constraint=self.kernel_constraint,
                           bias_constraint=self.bias_constraint, dtype=self.dtype_policy)

    def build(self, query_shape, value_shape=None, key_shape=None) -> None:
        if isinstance(query_shape, list) and query_shape and isinstance(
                query_shape[0], (list, tuple)):
            shapes = list(query_shape) + [None, None]
            query_shape, value_shape, key_shape = shapes[0], shapes[1], shapes[2]
        query_shape = tuple(query_shape)
        value_shape = tuple(value_shape) if value_shape is not None else query_shape
        key_shape = tuple(key_shape) if key_shape is not None else value_shape
        for shape in (query_shape, value_shape, key_shape):
            if len(shape) != 3:
                raise NotImplementedError("MultiHeadAttention: tensorweave supports inputs of "
                                          f"rank 3 (batch, steps, features); got {shape}")
        # Public attribute names: Keras's weight files store the sublayers under them.
        heads = (None, self.num_heads, self.key_dim)
        self.query_dense = self._dense("abc,cde->abde", heads, "de", "query")
        self.query_dense._build_with_shapes(query_shape)
        self.key_dense = self._dense("abc,cde->abde", heads, "de", "key")
        self.key_dense._build_with_shapes(key_shape)
        self.value_dense = self._dense("abc,cde->abde", (None, self.num_heads, self.value_dim),
                                        "de", "value")
        self.value_dense._build_with_shapes(value_shape)
        out = self._output_shape if self._output_shape is not None else query_shape[-1]
        out = (None, out) if isinstance(out, int) else (None,) + tuple(out)
        if len(out) != 2:
            raise NotImplementedError("MultiHeadAttention: output_shape must be one int")
        self.output_dense = self._dense("abcd,cde->abe", out, "e", "attention_output")
        self.output_dense._build_with_shapes(query_shape[:2] + (self.num_heads,
                                                                 self.value_dim))
        self.built = True

    def _maybe_build(self, inputs) -> None:
        # The engine builds from the first input only; attention needs the value's shape too.
        pass

    def __call__(self, query, value=None, key=None, **kwargs):
        if value is None:
            raise ValueError("MultiHeadAttention needs `query` and `value` (and optionally "
                             "`key`): layer(query, value)")
        if not kt.is_keras_tensor(value):
            value = self._convert_inputs(value)
        if key is not None and not kt.is_keras_tensor(key):
            key = self._convert_inputs(key)
        if not self.built:
            query_shape = tuple(query.shape.as_tuple()) if hasattr(
                query.shape, "as_tuple") else tuple(query.shape)
            self._build_with_shapes([query_shape, tuple(value.shape.as_tuple()),
                                     tuple(key.shape.as_tuple()) if key is not None else None])
        if key is not None:
            kwargs["key"] = key
        return super().__call__(query, value, **kwargs)

    def _build_with_shapes(self, shapes) -> None:
        if isinstance(shapes, list) and len(shapes) == 3:
            shapes = [tuple(s) if s is not None else None for s in shapes]
            self.build(shapes[0], shapes[1], shapes[2])
            object.__setattr__(self, "_build_input_shape", shapes)
            self.built = True
        else:
            super()._build_with_shapes(shapes)

    def get_build_config(self) -> dict | None:
        shapes = getattr(self, "_build_input_shape", None)
        if shapes is None:
            return None
        names = ("query_shape", "value_shape", "key_shape")
        return {"shapes_dict": {n: list(s) for n, s in zip(names, shapes) if s is not None}}

    def build_from_config(self, config: dict) -> None:
        if self.built or not config:
            return
        if "shapes_dict" in config:  # Keras 3's form
            shapes = config["shapes_dict"]
            self._build_with_shapes([shapes["query_shape"], shapes.get("value_shape"),
                                     shapes.get("key_shape")])
        elif config.get("input_shape") is not None:
            shapes = list(config["input_shape"]) + [None, None]
            self._build_with_shapes(shapes[:3])

    def _attention_mask(self, query, value, key, query_mask, value_mask, key_mask,
                        attention_mask, use_causal_mask):
        auto = None
        if query_mask is not None:
            auto = tf.expand_dims(tf.cast(query_mask, tf.bool), -1)  # (B, T, 1)
        if value_mask is not None:
            auto = _and(auto, tf.expand_dims(tf.cast(value_mask, tf.bool), -2))  # (B, 1, S)
        if key_mask is not None:
            auto = _and(auto, tf.expand_dims(tf.cast(key_mask, tf.bool), -2))
        if use_causal_mask:
            auto = _and(auto, _causal(tf.shape(query)[1], tf.shape(value)[1]))
        if attention_mask is not None:
            attention_mask = tf.cast(attention_mask, tf.bool)
        return _and(attention_mask, auto)

    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores: bool = False, training=None,
             use_causal_mask: bool = False):
        if key is None:
            key = value
        query_mask = query_mask if query_mask is not None else kt.get_mask(query)
        value_mask = value_mask if value_mask is not None else kt.get_mask(value)
        if key is not value and key_mask is None:
            key_mask = kt.get_mask(key)
        mask = self._attention_mask(query, value, key, query_mask, value_mask, key_mask,
                                    attention_mask, use_causal_mask)
        q = self.query_dense(query)  # (B, T, H, D)
        k = self.key_dense(key)  # (B, S, H, D)
        v = self.value_dense(value)  # (B, S, H, Dv)
        q = q * tf.constant(1.0 / math.sqrt(self.key_dim), q.dtype)
        scores = tf.einsum("aecd,abcd->acbe", k, q)  # (B, H, T, S)
        if mask is not None:
            # As Keras's Softmax: masked scores to -1e9, and masked weights to exactly 0 (a
            # fully masked row gives zeros, not a uniform distribution).
            keep = tf.broadcast_to(tf.expand_dims(mask, -3), tf.shape(scores))
            scores = tf.where(keep, scores, tf.constant(_large_negative(scores.dtype),
                                                        scores.dtype))
            weights = tf.where(keep, tf.nn.softmax(scores, axis=-1), tf.zeros_like(scores))
        else:
            weights = tf.nn.softmax(scores, axis=-1)
        dropped = _dropout(weights, self.dropout, self.seed, training)
        out = tf.einsum("acbe,aecd->abcd", dropped, v)  # (B, T, H, Dv)
        out = self.output_dense(out)
        if return_attention_scores:
            return out, weights
        return out

    def compute_mask(self, inputs, previous_mask=None):
        if isinstance(previous_mask, (list, tuple)):
            return previous_mask[0]
        return previous_mask

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        query_shape = tuple(query_shape)
        out = self._output_shape if self._output_shape is not None else query_shape[-1]
        return query_shape[:-1] + ((out,) if isinstance(out, int) else tuple(out))

    def get_config(self) -> dict:
        return {**u.base_config(self), "num_heads": self.num_heads, "key_dim": self.key_dim,
                "value_dim": self.value_dim, "dropout": self.dropout, "use_bias": self.use_bias,
                "use_gate": self.use_gate, "output_shape": self._output_shape,
                "attention_axes": self.attention_axes if self.attention_axes is None else
                tuple([self.attention_axes] if isinstance(self.attention_axes, int) else
                      self.attention_axes),
                "sliding_window": self.sliding_window,
                "kernel_initializer": u.ser_init(self.kernel_initializer),
                "bias_initializer": u.ser_init(self.bias_initializer),
                "kernel_regularizer": u.ser_reg(self.kernel_regularizer),
                "bias_regularizer": u.ser_reg(self.bias_regularizer),
                "activity_regularizer": u.activity_reg_config(self),
                "kernel_constraint": u.ser_con(self.kernel_constraint),
                "bias_constraint": u.ser_con(self.bias_constraint), "seed": self.seed}


class _BaseDenseAttention(Layer):
    """[query, value] or [query, value, key] -> attention-weighted values (Keras's Attention)."""

    def __init__(self, dropout: float = 0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.dropout = float(dropout)
        self.seed = seed
        self.supports_masking = True

    def _check(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) not in (2, 3):
            raise ValueError(f"{type(self).__name__} layer must be called on a list of inputs, "
                             f"namely [query, value] or [query, value, key]. Received: {inputs}")

    def call(self, inputs, mask=None, training=None, return_attention_scores: bool = False,
             use_causal_mask: bool = False):
        self._check(inputs)
        q, v = inputs[0], inputs[1]
        k = inputs[2] if len(inputs) > 2 else v
        q_mask = mask[0] if isinstance(mask, (list, tuple)) else None
        v_mask = mask[1] if isinstance(mask, (list, tuple)) and len(mask) > 1 else None
        scores = self._scores(q, k)
        scores_mask = None
        if v_mask is not None:
            scores_mask = tf.expand_dims(tf.cast(v_mask, tf.bool), -2)
        if use_causal_mask:
            scores_mask = _and(scores_mask, _causal(tf.shape(scores)[-2], tf.shape(scores)[-1]))
        if scores_mask is not None:
            big = 65504.0 if scores.dtype == tf.float16 else 1e9
            scores = scores - tf.constant(big, scores.dtype) * tf.cast(
                tf.logical_not(scores_mask), scores.dtype)
        weights = tf.nn.softmax(scores, axis=-1)
        result = tf.matmul(_dropout(weights, self.dropout, self.seed, training), v)
        if q_mask is not None:
            result = result * tf.cast(tf.expand_dims(q_mask, -1), result.dtype)
        if return_attention_scores:
            return result, weights
        return result

    def compute_mask(self, inputs, previous_mask=None):
        if isinstance(previous_mask, (list, tuple)):
            return previous_mask[0]
        return None

    def compute_output_shape(self, input_shape):
        q, v = tuple(input_shape[0]), tuple(input_shape[1])
        return q[:-1] + v[-1:]


class Attention(_BaseDenseAttention):
    """Dot-product (Luong) attention: softmax(query @ key^T [* scale]) @ value;
    score_mode='concat' sums tanh(query + key) instead."""

    def __init__(self, use_scale: bool = False, score_mode: str = "dot", dropout: float = 0.0,
                 seed=None, **kwargs):
        super().__init__(dropout=dropout, seed=seed, **kwargs)
        if score_mode not in ("dot", "concat"):
            raise ValueError("Invalid value for argument score_mode. Expected one of "
                             f"{{'dot', 'concat'}}. Received: score_mode={score_mode}")
        self.use_scale = use_scale
        self.score_mode = score_mode

    def build(self, input_shape) -> None:
        self.scale = self.add_weight(name="scale", shape=(), initializer="ones") \
            if self.use_scale else None
        self.concat_score_weight = self.add_weight(
            name="concat_score_weight", shape=(), initializer="ones") \
            if self.score_mode == "concat" else None
        self.built = True

    def _scores(self, q, k):
        if self.score_mode == "dot":
            scores = tf.matmul(q, k, transpose_b=True)
            if self.scale is not None:
                scores = scores * u.read(self.scale, scores.dtype)
            return scores
        s = tf.expand_dims(q, -2) + tf.expand_dims(k, -3)
        if self.scale is not None:
            s = s * u.read(self.scale, s.dtype)
        return u.read(self.concat_score_weight, s.dtype) * tf.reduce_sum(tf.tanh(s), -1)

    def get_config(self) -> dict:
        return {**u.base_config(self), "use_scale": self.use_scale,
                "score_mode": self.score_mode, "dropout": self.dropout, "seed": self.seed}


class AdditiveAttention(_BaseDenseAttention):
    """Additive (Bahdanau) attention: scores = sum(scale * tanh(query + key), -1)."""

    def __init__(self, use_scale: bool = True, dropout: float = 0.0, seed=None, **kwargs):
        super().__init__(dropout=dropout, seed=seed, **kwargs)
        self.use_scale = use_scale

    def build(self, input_shape) -> None:
        dim = tuple(input_shape[0])[-1]
        self.scale = self.add_weight(name="scale", shape=(dim,), initializer="glorot_uniform") \
            if self.use_scale else None
        self.built = True

    def _scores(self, q, k):
        s = tf.tanh(tf.expand_dims(q, -2) + tf.expand_dims(k, -3))
        if self.scale is not None:
            s = s * u.read(self.scale, s.dtype)
        return tf.reduce_sum(s, -1)

    def get_config(self) -> dict:
        return {**u.base_config(self), "use_scale": self.use_scale, "dropout": self.dropout,
                "seed": self.seed}
