"""StringLookup and IntegerLookup: tokens to indices (or one/multi-hot, counts) by a vocabulary
given or learned with `adapt`, and back with invert=True.

Indices follow Keras: the mask token (if any) is 0, then the out-of-vocabulary index, then the
vocabulary, which `adapt` orders by frequency (ties: the larger token first, as TensorFlow).
"""

from __future__ import annotations

import collections

import numpy as np

import tensorweave as tf
from tensorweave.keras.engine.layer import Layer
from tensorweave.keras.layers import _utils as u

_MODES = ("int", "one_hot", "multi_hot", "count")


class _Lookup(Layer):
    def __init__(self, max_tokens=None, num_oov_indices: int = 1, mask_token=None,
                 oov_token=None, vocabulary=None, idf_weights=None, invert: bool = False,
                 output_mode: str = "int", sparse: bool = False,
                 pad_to_max_tokens: bool = False, **kwargs):
        for key in ("vocabulary_size", "oov_method", "salt", "encoding", "vocabulary_dtype"):
            kwargs.pop(key, None)  # informational entries of Keras's config
        super().__init__(**kwargs)
        if num_oov_indices not in (0, 1):
            raise NotImplementedError(f"{type(self).__name__}: num_oov_indices > 1 (hashed "
                                      "out-of-vocabulary buckets) is not supported")
        if output_mode not in _MODES:
            raise NotImplementedError(f"{type(self).__name__}: output_mode must be one of "
                                      f"{_MODES}; got {output_mode!r}")
        if sparse or idf_weights is not None or pad_to_max_tokens:
            raise NotImplementedError(f"{type(self).__name__}: sparse outputs, idf_weights and "
                                      "pad_to_max_tokens are not supported")
        if invert and output_mode != "int":
            raise ValueError("`output_mode` must be 'int' when `invert` is true. Received: "
                             f"output_mode={output_mode}")
        self.max_tokens = max_tokens
        self.num_oov_indices = num_oov_indices
        self.mask_token = mask_token
        self.oov_token = oov_token
        self.invert = invert
        self.output_mode = output_mode
        self.sparse, self.pad_to_max_tokens, self.idf_weights = sparse, pad_to_max_tokens, None
        self._vocab: list = []
        if vocabulary is not None:
            self.set_vocabulary(vocabulary)
        self.built = True

    # --- vocabulary ----------------------------------------------------------------------------
    def _token(self, value):
        return value

    def set_vocabulary(self, vocabulary, idf_weights=None) -> None:
        """Sets the vocabulary (a list or array of tokens, without the mask and OOV tokens)."""
        if idf_weights is not None:
            raise NotImplementedError("idf_weights (tf_idf output) is not supported")
        tokens = [self._token(t) for t in np.asarray(vocabulary).ravel().tolist()]
        if len(set(tokens)) != len(tokens):
            repeated = [t for t, n in collections.Counter(tokens).items() if n > 1]
            raise ValueError(f"The passed vocabulary has at least one repeated term. Please "
                             f"uniquify your dataset. The repeated terms are {repeated}")
        for special in (self.mask_token, self.oov_token if self.num_oov_indices else None):
            if special is not None and self._token(special) in tokens:
                raise ValueError(f"Found reserved token {special!r} in the passed vocabulary.")
        self._vocab = tokens

    def get_vocabulary(self, include_special_tokens: bool = True) -> list:
        """[mask token (int mode)] + [OOV token] + the vocabulary, in index order."""
        if not include_special_tokens:
            return list(self._vocab)
        head = [self.mask_token] if self.mask_token is not None and \
            self.output_mode == "int" else []
        return head + [self.oov_token] * self.num_oov_indices + list(self._vocab)

    def vocabulary_size(self) -> int:
        return len(self._vocab) + self.num_oov_indices + (self.mask_token is not None)

    def adapt(self, data, steps=None) -> None:
        """Learns the vocabulary: the most frequent tokens of `data` (an array, a tensor or an
        iterable of batches), at most `max_tokens` entries counting the reserved ones."""
        counts: collections.Counter = collections.Counter()
        batches = [data] if hasattr(data, "shape") or isinstance(data, (list, tuple)) else data
        for i, batch in enumerate(batches):
            if steps is not None and i >= steps:
                break
            values = np.asarray(batch.numpy() if hasattr(batch, "numpy") else batch).ravel()
            counts.update(self._token(v) for v in values.tolist())
        for special in (self.mask_token, self.oov_token):
            if special is not None:
                counts.pop(self._token(special), None)
        ordered = sorted(counts.items(), key=lambda kv: (kv[1], kv[0]), reverse=True)
        tokens = [t for t, _ in ordered]
        if self.max_tokens is not None:
            tokens = tokens[:max(self.max_tokens - self.num_oov_indices -
                                 (self.mask_token is not None), 0)]
        self._vocab = tokens

    # --- calling -------------------------------------------------------------------------------
    def call(self, inputs):
        if self.invert:
            return self._invert(inputs)
        x = self._prepare(inputs)
        vocab = self._vocab_tensor()
        offset = self.num_oov_indices + (self.mask_token is not None)
        if vocab is None:
            index = tf.zeros_like(x, dtype="int64")
            found = tf.zeros_like(x, dtype="bool")
        else:
            hits = tf.equal(tf.expand_dims(x, -1), vocab)
            found = tf.reduce_any(hits, axis=-1)
            index = tf.argmax(tf.cast(hits, "int32"), axis=-1, output_type="int64")
        oov = tf.constant(0 if self.mask_token is None else 1, "int64")
        if self.num_oov_indices == 0:
            if not u.is_symbolic(found) and not bool(tf.reduce_all(
                    tf.logical_or(found, self._is_mask(x))).numpy()):
                raise ValueError(f"{type(self).__name__} with num_oov_indices=0 met a token "
                                 "that is not in the vocabulary")
        ids = tf.where(found, index + offset, oov + tf.zeros_like(index))
        if self.mask_token is not None:
            ids = tf.where(self._is_mask(x), tf.zeros_like(ids), ids)
        if self.output_mode == "int":
            return ids
        return self._encode(ids)

    def _is_mask(self, x):
        if self.mask_token is None:
            return tf.zeros_like(x, dtype="bool")
        return tf.equal(x, tf.constant(self._token(self.mask_token), x.dtype))

    def _encode(self, ids):
        depth = len(self._vocab) + self.num_oov_indices
        shift = 1 if self.mask_token is not None else 0
        # The mask token encodes to no position: its id becomes -1, which one_hot leaves zero.
        hot = tf.one_hot(ids - shift, depth, dtype="int64")
        if self.output_mode == "one_hot":
            return hot
        single = ids.shape.rank == 1
        if single:
            hot = tf.expand_dims(hot, 0)
        out = tf.reduce_max(hot, axis=-2) if self.output_mode == "multi_hot" else \
            tf.reduce_sum(hot, axis=-2)
        return tf.squeeze(out, 0) if single else out

    def _invert(self, inputs):
        ids = tf.cast(inputs, "int64")
        table = self.get_vocabulary()
        if self.output_mode != "int" and self.mask_token is not None:
            table = [self.mask_token] + table
        # Ids outside the table read the OOV token, kept one past its end.
        values = tf.constant(self._table_values(table + [self.oov_token]))
        inside = tf.logical_and(ids >= 0, ids < len(table))
        return tf.gather(values, tf.where(inside, ids, tf.zeros_like(ids) + len(table)))

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        if self.output_mode == "int":
            return shape
        depth = len(self._vocab) + self.num_oov_indices
        if self.output_mode == "one_hot":
            return shape + (depth,)
        return (depth,) if len(shape) == 1 else shape[:-1] + (depth,)

    def get_config(self) -> dict:
        # The vocabulary (given or adapted) travels in the config: Keras reads it back from
        # there too, and tensorweave's .keras files carry no asset files.
        vocab = self.get_vocabulary(include_special_tokens=False) if self._vocab else None
        return {**u.base_config(self), "invert": self.invert, "max_tokens": self.max_tokens,
                "num_oov_indices": self.num_oov_indices, "oov_token": self.oov_token,
                "mask_token": self.mask_token, "output_mode": self.output_mode,
                "sparse": self.sparse, "pad_to_max_tokens": self.pad_to_max_tokens,
                "idf_weights": None, "vocabulary": vocab,
                "vocabulary_size": self.vocabulary_size(), "oov_method": "floormod",
                "salt": None}


class StringLookup(_Lookup):
    """Strings to integer indices (StringLookup(vocabulary=["a", "b"])(["b", "z"]) -> [2, 0])."""

    def __init__(self, max_tokens=None, num_oov_indices: int = 1, mask_token=None,
                 oov_token: str = "[UNK]", vocabulary=None, idf_weights=None,
                 invert: bool = False, output_mode: str = "int", pad_to_max_tokens=False,
                 sparse: bool = False, encoding: str = "utf-8", **kwargs):
        self.encoding = encoding
        super().__init__(max_tokens, num_oov_indices, mask_token, oov_token, vocabulary,
                         idf_weights, invert, output_mode, sparse, pad_to_max_tokens, **kwargs)

    def _token(self, value):
        return value.encode(self.encoding) if isinstance(value, str) else bytes(value)

    def _vocab_tensor(self):
        return tf.constant(np.array(self._vocab, dtype=object)) if self._vocab else None

    def _prepare(self, inputs):
        if isinstance(inputs, (list, np.ndarray)):
            inputs = tf.constant(np.asarray(inputs, dtype=object))
        if inputs.dtype != tf.string:
            raise ValueError(f"StringLookup expects string inputs, got {inputs.dtype.name}")
        return inputs

    def _table_values(self, tokens):
        return np.array([self._token(t) if t is not None else b"" for t in tokens],
                        dtype=object)

    def get_vocabulary(self, include_special_tokens: bool = True) -> list:
        return [t.decode(self.encoding) if isinstance(t, bytes) else t
                for t in super().get_vocabulary(include_special_tokens)]

    def get_config(self) -> dict:
        return {**super().get_config(), "encoding": self.encoding}


class IntegerLookup(_Lookup):
    """Integer tokens to contiguous indices (IntegerLookup(vocabulary=[12, 36])([36, 5]) ->
    [2, 0]); OOV token -1."""

    def __init__(self, max_tokens=None, num_oov_indices: int = 1, mask_token=None,
                 oov_token: int = -1, output_mode: str = "int", pad_to_max_tokens=False,
                 vocabulary=None, vocabulary_dtype: str = "int64", idf_weights=None,
                 invert: bool = False, sparse: bool = False, **kwargs):
        self.vocabulary_dtype = vocabulary_dtype
        super().__init__(max_tokens, num_oov_indices, mask_token, oov_token, vocabulary,
                         idf_weights, invert, output_mode, sparse, pad_to_max_tokens, **kwargs)

    def _token(self, value):
        return int(value)

    def _vocab_tensor(self):
        return tf.constant(np.array(self._vocab, dtype=np.int64)) if self._vocab else None

    def _prepare(self, inputs):
        if not inputs.dtype.is_integer:
            raise ValueError(f"IntegerLookup expects integer inputs, got {inputs.dtype.name}")
        return tf.cast(inputs, "int64")

    def _table_values(self, tokens):
        return np.array([t if t is not None else 0 for t in tokens], dtype=np.int64)

    def get_config(self) -> dict:
        return {**super().get_config(), "vocabulary_dtype": self.vocabulary_dtype}
