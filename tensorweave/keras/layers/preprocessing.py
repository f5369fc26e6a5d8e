"""Preprocessing layers: Rescaling and Normalization (with `adapt`)."""

from __future__ import annotations

import numpy as np

import tensorweave as tf
from tensorweave.keras.engine.layer import Layer
from tensorweave.keras.layers import _utils as u


class Rescaling(Layer):
    """`inputs * scale + offset`, in the layer's compute dtype (e.g. Rescaling(1 / 255))."""

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale
        self.offset = offset
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        dtype = tf.as_dtype(self.compute_dtype)
        x = tf.cast(inputs, dtype) if inputs.dtype != dtype else inputs
        scale = tf.constant(np.asarray(self.scale), dtype)
        offset = tf.constant(np.asarray(self.offset), dtype)
        return x * scale + offset

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        def plain(v):
            return np.asarray(v).tolist() if isinstance(v, np.ndarray) else v

        return {**u.base_config(self), "scale": plain(self.scale), "offset": plain(self.offset)}


class Normalization(Layer):
    """Feature-wise (x - mean) / sqrt(variance), the statistics given or learned by `adapt`.

    `axis` names the feature axes kept (default the last); the others are reduced over.
    `invert=True` maps normalized values back. Weights (after build): mean, variance, count.

    >>> layer = Normalization(); layer.adapt(np.array([[0.0], [2.0]]))
    >>> layer(np.array([[2.0]])).numpy()
    array([[1.]], dtype=float32)
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert: bool = False, **kwargs):
        super().__init__(**kwargs)
        if axis is None:
            axis = ()
        elif isinstance(axis, int):
            axis = (axis,)
        self.axis = tuple(axis)
        if (mean is None) != (variance is None):
            raise ValueError("When setting values directly, both `mean` and `variance` must be "
                             f"set. Received: mean={mean} and variance={variance}")
        self.input_mean = mean
        self.input_variance = variance
        self.invert = invert
        self.supports_masking = True

    def build(self, input_shape) -> None:
        if input_shape is None:
            return
        input_shape = tuple(input_shape)
        ndim = len(input_shape)
        self._keep = sorted(a % ndim for a in self.axis)
        if any(input_shape[a] is None for a in self._keep):
            raise ValueError(f"Normalization: all `axis` values to be kept must have a known "
                             f"shape. Received axis={self.axis}, input_shape={input_shape}")
        self._reduce = [i for i in range(ndim) if i not in self._keep]
        self._bshape = [input_shape[i] if i in self._keep else 1 for i in range(ndim)]
        shape = tuple(input_shape[a] for a in self._keep)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(name="mean", shape=shape, initializer="zeros",
                                              trainable=False)
            self.adapt_variance = self.add_weight(name="variance", shape=shape,
                                                  initializer="ones", trainable=False)
            self.count = self.add_weight(name="count", shape=(), initializer="zeros",
                                         dtype="int64", trainable=False)
        self.built = True
        object.__setattr__(self, "_build_input_shape", input_shape)

    def _stats(self, dtype):
        if self.input_mean is not None:
            mean = tf.constant(np.broadcast_to(np.asarray(self.input_mean, np.float64),
                                               self._bshape), dtype)
            var = tf.constant(np.broadcast_to(np.asarray(self.input_variance, np.float64),
                                              self._bshape), dtype)
            return mean, var
        return (tf.reshape(u.read(self.adapt_mean, dtype), self._bshape),
                tf.reshape(u.read(self.adapt_variance, dtype), self._bshape))

    def adapt(self, data, batch_size=None, steps=None) -> None:
        """Computes mean and variance from `data`: an array, a tensor or a Dataset of batches."""
        batches = []
        if hasattr(data, "__iter__") and not isinstance(data, np.ndarray) and \
                not hasattr(data, "numpy") and not isinstance(data, (list, tuple)):
            for i, batch in enumerate(data):
                if steps is not None and i >= steps:
                    break
                batches.append(np.asarray(batch.numpy() if hasattr(batch, "numpy") else batch))
        else:
            array = np.asarray(data.numpy() if hasattr(data, "numpy") else data)
            batches = [array]
        if not batches:
            raise ValueError("Normalization.adapt: `data` holds no samples")
        first = batches[0]
        if not self.built:
            self.build((None,) + first.shape[1:])
        if self.input_mean is not None:
            raise ValueError("Normalization.adapt: the layer was created with fixed `mean` and "
                             "`variance`; it cannot adapt")
        total, mean, m2 = 0, 0.0, 0.0
        for batch in batches:
            batch = batch.astype(np.float64)
            n = int(np.prod([batch.shape[i] for i in self._reduce]))
            b_mean = batch.mean(axis=tuple(self._reduce))
            b_var = batch.var(axis=tuple(self._reduce))
            new_total = total + n
            delta = b_mean - mean
            mean = mean + delta * n / new_total
            m2 = m2 + b_var * n + delta ** 2 * total * n / new_total
            total = new_total
        dtype = self.adapt_mean.dtype.np_dtype
        self.adapt_mean.assign(np.asarray(mean, dtype).reshape(self.adapt_mean.shape.as_tuple()))
        self.adapt_variance.assign(np.asarray(m2 / total, dtype).reshape(
            self.adapt_variance.shape.as_tuple()))
        self.count.assign(np.int64(total))

    def finalize_state(self) -> None:
        """Nothing to do: `adapt` writes the final statistics (kept for Keras's API)."""

    def call(self, inputs):
        dtype = tf.as_dtype(self.compute_dtype)
        x = tf.cast(inputs, dtype) if inputs.dtype != dtype else inputs
        mean, var = self._stats(dtype)
        std = tf.maximum(tf.sqrt(var), tf.constant(1e-7, dtype))
        if self.invert:
            return mean + x * std
        return (x - mean) / std

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        def plain(v):
            return np.asarray(v).tolist() if isinstance(v, np.ndarray) else v

        return {**u.base_config(self), "axis": self.axis, "invert": self.invert,
                "mean": plain(self.input_mean), "variance": plain(self.input_variance)}


class CategoryEncoding(Layer):
    """Integer ids to one-hot, multi-hot or count vectors of `num_tokens` entries.

    'one_hot' encodes each id (inputs (batch,) or (batch, 1)); 'multi_hot' and 'count' encode
    each sample's ids (inputs (batch, ids) or one sample (ids,)). `count_weights` weights counts.
    """

    def __init__(self, num_tokens: int | None = None, output_mode: str = "multi_hot",
                 sparse: bool = False, **kwargs):
        super().__init__(**kwargs)
        if output_mode not in ("one_hot", "multi_hot", "count"):
            raise ValueError("Unknown arg for output_mode: expected one of ('count', "
                             f"'one_hot', 'multi_hot'). Received: output_mode={output_mode}")
        if num_tokens is None or num_tokens < 1:
            raise ValueError("`num_tokens` for CategoryEncoding must be a positive integer. "
                             f"Received: num_tokens={num_tokens}")
        if sparse:
            raise NotImplementedError("CategoryEncoding(sparse=True) is not supported")
        self.num_tokens = int(num_tokens)
        self.output_mode = output_mode
        self.sparse = sparse
        self.built = True

    def call(self, inputs, count_weights=None):
        ids = inputs if inputs.dtype.is_integer else tf.cast(inputs, "int32")
        if not u.is_symbolic(ids):
            values = ids.numpy()
            if values.size and (values.min() < 0 or values.max() >= self.num_tokens):
                raise ValueError(f"Input values must be in the range 0 <= values < num_tokens "
                                 f"with num_tokens={self.num_tokens}")
        dtype = tf.as_dtype(self.compute_dtype)
        if self.output_mode == "one_hot":
            if ids.shape.rank >= 2 and ids.shape[-1] == 1:
                ids = tf.squeeze(ids, -1)
            return tf.one_hot(ids, self.num_tokens, dtype=dtype)
        single = ids.shape.rank == 1
        if single:
            ids = tf.expand_dims(ids, 0)
        hot = tf.one_hot(ids, self.num_tokens, dtype=dtype)
        if self.output_mode == "multi_hot":
            out = tf.reduce_max(hot, axis=-2)
        else:
            if count_weights is not None:
                weights = tf.cast(count_weights, dtype)
                hot = hot * tf.expand_dims(weights if not single else tf.expand_dims(
                    weights, 0), -1)
            out = tf.reduce_sum(hot, axis=-2)
        return tf.squeeze(out, 0) if single else out

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        if self.output_mode == "one_hot":
            if len(shape) >= 2 and shape[-1] == 1:
                shape = shape[:-1]
            return shape + (self.num_tokens,)
        return (self.num_tokens,) if len(shape) == 1 else shape[:-1] + (self.num_tokens,)

    def get_config(self) -> dict:
        return {**u.base_config(self), "num_tokens": self.num_tokens,
                "output_mode": self.output_mode, "sparse": self.sparse}


def _quantile_summary(values, epsilon: float):
    """(2, n) [values; weights]: every `step`-th sorted value standing for `step` samples."""
    values = np.sort(np.ravel(values))
    step = max(values.size * epsilon, 1)
    picked = values[int(step - 1)::int(step)]
    return np.stack([picked, np.full(picked.shape, float(step), picked.dtype)])


def _compress(summary, epsilon: float):
    """Re-samples a summary at cumulative-weight fractions epsilon, 2 epsilon, ..., 1."""
    if summary.shape[1] * epsilon < 1:
        return summary
    targets = epsilon + np.arange(0.0, 1.0, epsilon)
    cumulative = np.cumsum(summary[1])
    fractions = cumulative / cumulative[-1]
    points = np.interp(targets, fractions, summary[0])
    weights = np.diff(np.interp(targets, fractions, cumulative), prepend=0.0)
    return np.stack([points, weights]).astype("float32")


class Discretization(Layer):
    """Buckets values by `bin_boundaries` (x in [b[i-1], b[i]) -> i), or by quantile boundaries
    of `num_bins` bins learned with `adapt` (Keras's approximate quantiles, tolerance
    `epsilon`). output_mode 'int' (int32), or 'one_hot'/'multi_hot'/'count' (float32)."""

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon: float = 0.01,
                 output_mode: str = "int", sparse: bool = False, **kwargs):
        super().__init__(**kwargs)
        if sparse:
            raise NotImplementedError("Discretization(sparse=True) is not supported")
        if output_mode not in ("int", "one_hot", "multi_hot", "count"):
            raise ValueError(f"Discretization: unknown output_mode {output_mode!r}")
        if num_bins is not None and num_bins < 0:
            raise ValueError(f"`num_bins` must be greater than or equal to 0. Received: "
                             f"`num_bins={num_bins}`")
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError("Both `num_bins` and `bin_boundaries` should not be set. Received: "
                             f"`num_bins={num_bins}` and `bin_boundaries={bin_boundaries}`")
        self.bin_boundaries = list(bin_boundaries) if bin_boundaries is not None else None
        self.num_bins = num_bins
        self.epsilon = float(epsilon)
        self.output_mode = output_mode
        self.sparse = sparse
        self.reset_state()
        self.built = True

    def reset_state(self) -> None:
        """Forgets what `adapt` has seen."""
        self._summary = np.zeros((2, 0), "float32")

    def update_state(self, data) -> None:
        """Adds a batch to the quantile summary (call finalize_state afterwards)."""
        batch = _quantile_summary(np.asarray(data, "float32"), self.epsilon)
        merged = np.concatenate([batch, self._summary], axis=1)
        merged = merged[:, np.argsort(merged[0], kind="stable")]
        self._summary = _compress(merged, self.epsilon)

    def finalize_state(self) -> None:
        if self.num_bins is not None:
            self.bin_boundaries = _compress(self._summary, 1.0 / self.num_bins)[0, :-1].tolist()

    def adapt(self, data, steps=None) -> None:
        """Learns `num_bins` quantile boundaries from an array, a tensor or batches."""
        if self.num_bins is None:
            raise ValueError("Cannot adapt a Discretization layer that has been initialized "
                             "with `bin_boundaries`, use `num_bins` instead.")
        self.reset_state()
        if hasattr(data, "numpy") or isinstance(data, np.ndarray):
            self.update_state(data.numpy() if hasattr(data, "numpy") else data)
        else:
            for i, batch in enumerate(data):
                if steps is not None and i >= steps:
                    break
                self.update_state(batch.numpy() if hasattr(batch, "numpy") else batch)
        self.finalize_state()

    def call(self, inputs):
        if self.bin_boundaries is None:
            raise ValueError("You need to either pass the `bin_boundaries` argument at "
                             "construction time or call `adapt(dataset)` before you can start "
                             "using the `Discretization` layer.")
        x = inputs if inputs.dtype.is_floating else tf.cast(inputs, "float32")
        bounds = tf.constant(np.asarray(self.bin_boundaries, np.float64), x.dtype)
        ids = tf.reduce_sum(tf.cast(tf.expand_dims(x, -1) >= bounds, "int32"), axis=-1)
        if self.output_mode == "int":
            return ids
        encoder = CategoryEncoding(len(self.bin_boundaries) + 1, output_mode=self.output_mode)
        return encoder(ids)

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return tuple(input_shape)
        depth = None if self.bin_boundaries is None else len(self.bin_boundaries) + 1
        return CategoryEncoding(depth or 1, output_mode=self.output_mode).compute_output_shape(
            input_shape)[:-1] + (depth,)

    def get_config(self) -> dict:
        return {**u.base_config(self), "bin_boundaries": self.bin_boundaries,
                "num_bins": self.num_bins, "epsilon": self.epsilon,
                "output_mode": self.output_mode, "sparse": self.sparse}
