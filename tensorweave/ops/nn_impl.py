"""tf.nn functions built from other ops: gelu, silu, sigmoid cross entropies, moments,
normalization, dropout, l2 loss and friends. Gradients come from the ops they are made of, except
for the fused primitives declared here (L2Loss, DropoutMask, LRN).
"""

from __future__ import annotations

import math

import numpy as np

from tensorweave.framework import dtypes
from tensorweave.framework.op_def import execute, op
from tensorweave.ops import _infer, array_ops, math_ops
from tensorweave.ops._convert import axis_attr, tensor
from tensorweave.ops.nn_ops import relu
from tensorweave.ops.random_ops import _rng_for

__all__ = ["gelu", "silu", "swish", "sigmoid_cross_entropy_with_logits",
           "weighted_cross_entropy_with_logits", "log_poisson_loss", "l2_loss", "moments",
           "batch_normalization", "fused_batch_norm", "l2_normalize", "dropout",
           "compute_average_loss", "scale_regularization_loss", "in_top_k",
           "local_response_normalization", "lrn", "normalize_moments"]


def _floating(x, name: str):
    x = tensor(x)
    if not x.dtype.is_floating:
        raise TypeError(f"{name}: expected a floating-point tensor, got dtype {x.dtype.name}")
    return x


def _c(value, like):
    return tensor(value, like.dtype)


# --- activations ---------------------------------------------------------------------------------
def gelu(features, approximate=False, name=None):
    """Gaussian error linear unit: x * Phi(x) (`tf.nn.gelu`); with approximate=True the tanh form
    0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))."""
    x = _floating(features, "gelu")
    half = _c(0.5, x)
    if approximate:
        inner = math_ops.multiply(_c(math.sqrt(2 / math.pi), x),
                                  x + math_ops.multiply(_c(0.044715, x), x * x * x))
        return half * x * (_c(1, x) + math_ops.tanh(inner))
    return half * x * (_c(1, x) + math_ops.erf(x * _c(1 / math.sqrt(2), x)))


def silu(features, beta=1.0, name=None):
    """x * sigmoid(beta * x) (`tf.nn.silu`, `tf.nn.swish`)."""
    x = _floating(features, "silu")
    if beta == 1.0:
        return x * math_ops.sigmoid(x)
    return x * math_ops.sigmoid(x * _c(beta, x))


swish = silu


# --- losses --------------------------------------------------------------------------------------
def _same_shape(labels, logits, name: str):
    logits = _floating(logits, name)
    labels = tensor(labels, logits.dtype) if not hasattr(labels, "dtype") else tensor(labels)
    if labels.dtype is not logits.dtype:
        labels = math_ops.cast(labels, logits.dtype)
    if not labels.shape.is_compatible_with(logits.shape):
        raise ValueError(f"{name}: logits and labels must have the same shape, got "
                         f"{logits.shape} and {labels.shape}")
    return labels, logits


def sigmoid_cross_entropy_with_logits(labels=None, logits=None, name=None):
    """Elementwise logistic loss of `logits` against `labels` in [0, 1], computed stably as
    max(x, 0) - x z + log(1 + exp(-|x|)) (`tf.nn.sigmoid_cross_entropy_with_logits`)."""
    z, x = _same_shape(labels, logits, "sigmoid_cross_entropy_with_logits")
    return relu(x) - x * z + math_ops.log1p(math_ops.exp(math_ops.negative(math_ops.abs(x))))


def weighted_cross_entropy_with_logits(labels, logits, pos_weight, name=None):
    """Sigmoid cross entropy whose positive term is weighted by `pos_weight`
    (`tf.nn.weighted_cross_entropy_with_logits`)."""
    z, x = _same_shape(labels, logits, "weighted_cross_entropy_with_logits")
    q = _c(pos_weight, x) if not hasattr(pos_weight, "dtype") else tensor(pos_weight)
    one = _c(1, x)
    log_weight = one + (q - one) * z
    softplus_neg = math_ops.log1p(math_ops.exp(math_ops.negative(math_ops.abs(x)))) + \
        relu(math_ops.negative(x))
    return (one - z) * x + log_weight * softplus_neg


def log_poisson_loss(targets, log_input, compute_full_loss=False, name=None):
    """exp(log_input) - targets * log_input, plus Stirling's term for targets > 1 when
    `compute_full_loss` (`tf.nn.log_poisson_loss`)."""
    c = _floating(log_input, "log_poisson_loss")
    t = tensor(targets, c.dtype) if not hasattr(targets, "dtype") else tensor(targets)
    loss = math_ops.exp(c) - c * t
    if compute_full_loss:
        point_five = _c(0.5, t)
        stirling = t * math_ops.log(t) - t + point_five * math_ops.log(_c(2 * math.pi, t) * t)
        mask = math_ops.cast(math_ops.greater(t, _c(1, t)), t.dtype)
        loss = loss + stirling * mask
    return loss


@op("L2Loss", infer=lambda x: _infer.Spec((), x.dtype))
def _l2_loss(xp, x):
    return xp.asarray((x * x).sum(dtype=x.dtype) / 2, dtype=x.dtype)


@_l2_loss.def_grad
def _l2_loss_backward(op, dy):
    return (math_ops.multiply(op.inputs[0], dy),)


def l2_loss(t, name=None):
    """sum(t ** 2) / 2 (`tf.nn.l2_loss`)."""
    return execute(_l2_loss, (_floating(t, "L2Loss"),), {})


def compute_average_loss(per_example_loss, sample_weight=None, global_batch_size=None,
                         name=None):
    """The sum of per-example losses divided by the global batch size
    (`tf.nn.compute_average_loss`; one replica here, so the global batch is the local one)."""
    loss = _floating(per_example_loss, "compute_average_loss")
    if sample_weight is not None:
        loss = loss * tensor(sample_weight, loss.dtype)
    total = math_ops.reduce_sum(loss)
    if global_batch_size is None:
        if loss.shape.rank == 0:
            raise ValueError("compute_average_loss: per_example_loss must have rank >= 1 when "
                             "global_batch_size is not given")
        batch = array_ops.shape(loss)[0] if loss.shape[0] is None else loss.shape[0]
        return math_ops.divide(total, math_ops.cast(batch, loss.dtype))
    if int(global_batch_size) <= 0:
        raise ValueError(f"global_batch_size must be positive. Got {global_batch_size}")
    return math_ops.divide(total, _c(int(global_batch_size), loss))


def scale_regularization_loss(regularization_loss, name=None):
    """The regularization loss divided by the number of replicas (one here)
    (`tf.nn.scale_regularization_loss`)."""
    return math_ops.add_n(regularization_loss) if isinstance(regularization_loss, (list, tuple)) \
        else tensor(regularization_loss)


# --- moments and normalization -------------------------------------------------------------------
def moments(x, axes, shift=None, keepdims=False, name=None):
    """(mean, variance) of `x` over `axes` (`tf.nn.moments`).

    >>> m, v = tf.nn.moments(tf.constant([1.0, 3.0]), axes=[0])
    >>> float(m), float(v)
    (2.0, 1.0)
    """
    x = tensor(x)
    axes = axis_attr(axes)
    compute = x if x.dtype not in (dtypes.float16, dtypes.bfloat16) else \
        math_ops.cast(x, dtypes.float32)
    mean = math_ops.reduce_mean(compute, axes, keepdims=True)
    variance = math_ops.reduce_mean(
        math_ops.squared_difference(compute, array_ops.stop_gradient(mean)), axes, keepdims=True)
    if not keepdims:
        mean = array_ops.squeeze(mean, axes)
        variance = array_ops.squeeze(variance, axes)
    if compute is not x:
        mean, variance = math_ops.cast(mean, x.dtype), math_ops.cast(variance, x.dtype)
    return mean, variance


def normalize_moments(counts, mean_ss, variance_ss, shift, name=None):
    """Mean and variance from sufficient statistics (`tf.nn.normalize_moments`)."""
    divisor = math_ops.reciprocal(tensor(counts))
    shifted_mean = mean_ss * divisor
    mean = shifted_mean if shift is None else shifted_mean + tensor(shift)
    variance = variance_ss * divisor - math_ops.square(shifted_mean)
    return mean, variance


def batch_normalization(x, mean, variance, offset, scale, variance_epsilon, name=None):
    """(x - mean) * scale / sqrt(variance + eps) + offset (`tf.nn.batch_normalization`)."""
    x = tensor(x)
    inv = math_ops.rsqrt(tensor(variance, x.dtype) + _c(variance_epsilon, x))
    if scale is not None:
        inv = inv * tensor(scale, x.dtype)
    shift = tensor(offset, x.dtype) - tensor(mean, x.dtype) * inv if offset is not None else \
        math_ops.negative(tensor(mean, x.dtype) * inv)
    return x * inv + shift


def fused_batch_norm(x, scale, offset, mean=None, variance=None, epsilon=0.001,
                     data_format="NHWC", is_training=True, name=None,
                     exponential_avg_factor=1.0):
    """Batch normalization over all but the channel axis (`tf.compat.v1.nn.fused_batch_norm`):
    returns (y, batch_mean, batch_variance) when training, else uses `mean` and `variance`."""
    x = tensor(x)
    if data_format not in ("NHWC", "NDHWC"):
        raise NotImplementedError(f"fused_batch_norm: data_format {data_format!r} is not "
                                  f"supported; use NHWC (channels last)")
    axes = list(range(x.shape.rank - 1))
    if is_training:
        batch_mean, batch_var = moments(x, axes)
        y = batch_normalization(x, batch_mean, batch_var, offset, scale, epsilon)
        n = int(np.prod([x.shape[a] for a in axes]))
        unbiased = batch_var * _c(n / max(n - 1, 1), batch_var)
        if exponential_avg_factor != 1.0 and mean is not None:
            f = _c(exponential_avg_factor, batch_mean)
            batch_mean = (_c(1, f) - f) * tensor(mean, x.dtype) + f * batch_mean
            unbiased = (_c(1, f) - f) * tensor(variance, x.dtype) + f * unbiased
        return y, batch_mean, unbiased
    if mean is None or variance is None:
        raise ValueError("fused_batch_norm: mean and variance are required when not training")
    return batch_normalization(x, mean, variance, offset, scale, epsilon), tensor(mean), \
        tensor(variance)


def l2_normalize(x, axis=None, epsilon=1e-12, name=None, dim=None):
    """x / sqrt(max(sum(x ** 2, axis), epsilon)) (`tf.math.l2_normalize`, `tf.nn.l2_normalize`)."""
    x = _floating(x, "l2_normalize")
    axis = dim if axis is None else axis
    square_sum = math_ops.reduce_sum(x * x, axis_attr(axis), keepdims=True)
    return x * math_ops.rsqrt(math_ops.maximum(square_sum, _c(epsilon, x)))


# --- dropout -------------------------------------------------------------------------------------
def _infer_dropout_mask(x, *, rate, noise_shape, rng):
    if noise_shape is None:
        return x
    return _infer.Spec(tuple(noise_shape), x.dtype)


@op("DropoutMask", infer=_infer_dropout_mask, stateful=True, differentiable=False)
def _dropout_mask(xp, x, *, rate, noise_shape, rng):
    """(u >= rate) / (1 - rate) with u uniform in [0, 1): the scaled keep mask of dropout."""
    shape = x.shape if noise_shape is None else tuple(
        x.shape[i] if d is None else d for i, d in enumerate(noise_shape))
    gen = rng.generator(xp)
    u = gen.random(shape, dtype=np.float32) if xp is np else gen.random_sample(shape, np.float32)
    keep = (u >= rate).astype(x.dtype)
    return keep * xp.asarray(1 / (1 - rate), x.dtype)


def dropout(x, rate, noise_shape=None, seed=None, name=None):
    """Zeroes each element with probability `rate` and scales the rest by 1 / (1 - rate)
    (`tf.nn.dropout`). `noise_shape` broadcasts one decision over some dims (None keeps x's dim).
    """
    x = _floating(x, "dropout")
    if not isinstance(rate, (int, float)):
        rate = float(tensor(rate).numpy())
    if not 0 <= rate < 1:
        raise ValueError(f"rate must be a scalar tensor or a float in the range [0, 1), got {rate}")
    if rate == 0:
        return x
    if noise_shape is not None:
        noise_shape = tuple(None if d is None else int(d) for d in
                            (noise_shape.numpy().tolist() if hasattr(noise_shape, "numpy")
                             else noise_shape))
        if x.shape.rank is not None and len(noise_shape) != x.shape.rank:
            raise ValueError(f"dropout: noise_shape {list(noise_shape)} must have the rank of x "
                             f"({x.shape})")
    attrs = {"rate": float(rate), "noise_shape": noise_shape}
    attrs["rng"] = _rng_for(_dropout_mask, attrs, seed)
    return x * execute(_dropout_mask, (x,), attrs)


# --- in_top_k, LRN -------------------------------------------------------------------------------
@op("InTopKV2", infer=lambda p, t, *, k: _infer.Spec(t.shape, dtypes.bool), differentiable=False)
def _in_top_k(xp, predictions, targets, *, k):
    """Whether each target's prediction is among the k largest of its row (ties count as in)."""
    rows = xp.arange(predictions.shape[0])
    target_score = predictions[rows, targets.astype(xp.int64)][:, None]
    larger = (predictions > target_score).sum(axis=1)
    finite = xp.isfinite(target_score[:, 0])
    return (larger < k) & finite


def in_top_k(targets, predictions, k, name=None):
    """True where `targets[i]` is among the top `k` `predictions[i]` (`tf.math.in_top_k`)."""
    predictions, targets = tensor(predictions), tensor(targets)
    if predictions.shape.rank is not None and predictions.shape.rank != 2:
        raise ValueError(f"in_top_k: predictions must be 2-D, got shape {predictions.shape}")
    return execute(_in_top_k, (predictions, targets), {"k": int(k)})


def _lrn_window_sum(xp, sq, depth_radius):
    """Sum of sq over the channel window [c - r, c + r] (last axis), by cumulative sums."""
    c = sq.shape[-1]
    pad = [(0, 0)] * (sq.ndim - 1) + [(1, 0)]
    csum = xp.pad(xp.cumsum(sq, axis=-1), pad)
    hi = xp.minimum(xp.arange(c) + depth_radius + 1, c)
    lo = xp.maximum(xp.arange(c) - depth_radius, 0)
    return csum[..., hi] - csum[..., lo]


@op("LRN", infer=_infer.same)
def _lrn(xp, x, *, depth_radius, bias, alpha, beta):
    norm = bias + alpha * _lrn_window_sum(xp, x * x, depth_radius)
    return (x * norm ** -beta).astype(x.dtype, copy=False)


@op("LRNGrad", infer=_infer.like(0), differentiable=False)
def _lrn_grad(xp, dy, x, *, depth_radius, bias, alpha, beta):
    """d/dx of LRN applied to dy (its own second derivative is not provided, as in TensorFlow)."""
    norm = bias + alpha * _lrn_window_sum(xp, x * x, depth_radius)
    scaled = dy * x * norm ** (-beta - 1)
    dx = dy * norm ** -beta - 2 * alpha * beta * x * _lrn_window_sum(xp, scaled, depth_radius)
    return dx.astype(x.dtype, copy=False)


@_lrn.def_grad
def _lrn_backward(op, dy):
    return (execute(_lrn_grad, (dy, op.inputs[0]), op.attrs),)


def local_response_normalization(input, depth_radius=5, bias=1.0, alpha=1.0, beta=0.5,
                                 name=None):
    """x / (bias + alpha * sum of x^2 over nearby channels) ** beta, on 4-D NHWC input
    (`tf.nn.local_response_normalization`, `tf.nn.lrn`)."""
    x = _floating(input, "LRN")
    if x.shape.rank is not None and x.shape.rank != 4:
        raise ValueError(f"LRN: input must be 4-D (NHWC), got shape {x.shape}")
    return execute(_lrn, (x,), {"depth_radius": int(depth_radius), "bias": float(bias),
                                "alpha": float(alpha), "beta": float(beta)})


lrn = local_response_normalization
