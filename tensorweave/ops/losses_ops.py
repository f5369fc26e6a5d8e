"""Cross entropies with logits: fused one-pass primitives (TensorFlow's ops) and their gradients."""

from __future__ import annotations

from tensorweave.framework import dtypes
from tensorweave.framework.op_def import execute, op
from tensorweave.ops import _infer
from tensorweave.ops._convert import tensor
from tensorweave.ops.array_ops import transpose
from tensorweave.ops.math_ops import _expand_reduced, cast, multiply, negative, subtract
from tensorweave.ops.nn_ops import _log_softmax, _softmax, _softmax_jvp_t

__all__ = ["softmax_cross_entropy_with_logits", "sparse_softmax_cross_entropy_with_logits"]


def _expand_last(g, like):
    """g (shape like[:-1]) with a trailing 1, so it broadcasts against `like`."""
    return execute(_expand_reduced, (g, like), {"axis": (-1,)})


def _infer_xent(logits, labels):
    shape = logits.shape
    if shape is not None and len(shape) == 0:
        raise ValueError("SoftmaxCrossEntropyWithLogits: logits must have rank >= 1, got a scalar")
    if shape is not None and labels.shape is not None:
        if len(labels.shape) != len(shape) or any(
                a is not None and b is not None and a != b for a, b in zip(shape, labels.shape)):
            raise ValueError(f"SoftmaxCrossEntropyWithLogits: logits and labels must have the same "
                             f"shape, got {list(shape)} and {list(labels.shape)}")
    loss = None if shape is None else tuple(shape[:-1])
    return _infer.Spec(loss, logits.dtype), _infer.Spec(shape, logits.dtype)


@op("SoftmaxCrossEntropyWithLogits", infer=_infer_xent, num_outputs=2)
def _softmax_xent(xp, logits, labels):
    """(loss, backprop) over the last axis: -sum(labels * log_softmax), softmax - labels."""
    shifted = logits - logits.max(axis=-1, keepdims=True)
    e = xp.exp(shifted)
    total = e.sum(axis=-1, keepdims=True)
    log_sm = shifted - xp.log(total)
    loss = -(labels * log_sm).sum(axis=-1)
    return loss.astype(logits.dtype, copy=False), (e / total - labels).astype(logits.dtype)


@_softmax_xent.def_grad
def _softmax_xent_backward(op, dloss, dbackprop):
    logits, labels = op.inputs
    _, backprop = op.outputs
    dl = _expand_last(dloss, logits)
    g_logits = multiply(dl, backprop)
    g_labels = multiply(dl, negative(execute(_log_softmax, (logits,), {"axis": -1})))
    # backprop = softmax(logits) - labels also has a gradient, needed for second derivatives.
    s = execute(_softmax, (logits,), {"axis": -1})
    g_logits = g_logits + _softmax_jvp_t(s, dbackprop, -1)
    g_labels = subtract(g_labels, dbackprop)
    return g_logits, g_labels


def _infer_sparse_xent(logits, labels):
    if logits.shape is not None and labels.shape is not None:
        if len(labels.shape) != len(logits.shape) - 1 or any(
                a is not None and b is not None and a != b
                for a, b in zip(logits.shape[:-1], labels.shape)):
            raise ValueError(f"SparseSoftmaxCrossEntropyWithLogits: labels must have the shape of "
                             f"logits without its last dimension, got logits {list(logits.shape)} "
                             f"and labels {list(labels.shape)}")
    loss = None if logits.shape is None else tuple(logits.shape[:-1])
    return _infer.Spec(loss, logits.dtype), _infer.Spec(logits.shape, logits.dtype)


@op("SparseSoftmaxCrossEntropyWithLogits", infer=_infer_sparse_xent, num_outputs=2)
def _sparse_xent(xp, logits, labels):
    """(loss, backprop) with integer class labels: -log_softmax[label], softmax - one_hot."""
    classes = logits.shape[-1]
    if labels.size and (int(labels.min()) < 0 or int(labels.max()) >= classes):
        bad = int(labels.min()) if int(labels.min()) < 0 else int(labels.max())
        raise ValueError(f"Received a label value of {bad} which is outside the valid range of "
                         f"[0, {classes}).  Label values: {labels.ravel().tolist()[:20]}")
    shifted = logits - logits.max(axis=-1, keepdims=True)
    e = xp.exp(shifted)
    total = e.sum(axis=-1, keepdims=True)
    idx = labels.astype(xp.int64)[..., None]
    picked = xp.take_along_axis(shifted, idx, axis=-1)
    loss = (xp.log(total) - picked)[..., 0]
    backprop = e / total
    xp.put_along_axis(backprop, idx, xp.take_along_axis(backprop, idx, axis=-1) - 1, axis=-1)
    return loss.astype(logits.dtype, copy=False), backprop.astype(logits.dtype, copy=False)


@_sparse_xent.def_grad
def _sparse_xent_backward(op, dloss, dbackprop):
    logits, _ = op.inputs
    _, backprop = op.outputs
    g = multiply(_expand_last(dloss, logits), backprop)
    s = execute(_softmax, (logits,), {"axis": -1})
    return g + _softmax_jvp_t(s, dbackprop, -1), None


def _move_axis_last(x, axis: int):
    rank = x.shape.rank
    if axis in (-1, None) or (rank is not None and axis == rank - 1):
        return x, None
    if rank is None:
        raise ValueError("softmax_cross_entropy_with_logits: axis other than -1 needs a known rank")
    axis %= rank
    perm = tuple(i for i in range(rank) if i != axis) + (axis,)
    return transpose(x, perm), perm


def softmax_cross_entropy_with_logits(labels, logits, axis=-1, name=None):
    """Cross entropy between `labels` (a distribution per row) and softmax(`logits`) along
    `axis` (`tf.nn.softmax_cross_entropy_with_logits`, v2: labels receive gradients too).

    >>> tf.nn.softmax_cross_entropy_with_logits([[0.0, 1.0]], [[0.0, 0.0]]).numpy()
    array([0.6931472], dtype=float32)
    """
    logits = tensor(logits)
    if not logits.dtype.is_floating:
        raise TypeError(f"softmax_cross_entropy_with_logits: logits must be floating, got "
                        f"{logits.dtype.name}")
    labels = tensor(labels, logits.dtype) if not hasattr(labels, "dtype") else tensor(labels)
    if labels.dtype is not logits.dtype:
        labels = cast(labels, logits.dtype)
    logits_t, perm = _move_axis_last(logits, axis)
    labels_t, _ = _move_axis_last(labels, axis)
    if logits.shape.rank == 0:
        raise ValueError("softmax_cross_entropy_with_logits: logits must have rank >= 1")
    loss, _ = execute(_softmax_xent, (logits_t, labels_t), {})
    return loss


def sparse_softmax_cross_entropy_with_logits(labels, logits, name=None):
    """Cross entropy of integer class `labels` (shape logits.shape[:-1]) against softmax(`logits`)
    (`tf.nn.sparse_softmax_cross_entropy_with_logits`). Labels out of [0, classes) raise
    InvalidArgumentError.

    >>> tf.nn.sparse_softmax_cross_entropy_with_logits([1], [[0.0, 0.0]]).numpy()
    array([0.6931472], dtype=float32)
    """
    logits = tensor(logits)
    labels = tensor(labels)
    if not logits.dtype.is_floating:
        raise TypeError(f"sparse_softmax_cross_entropy_with_logits: logits must be floating, got "
                        f"{logits.dtype.name}")
    if labels.dtype not in (dtypes.int32, dtypes.int64):
        raise TypeError(f"sparse_softmax_cross_entropy_with_logits: labels must be int32 or int64, "
                        f"got {labels.dtype.name}")
    lr, gr = labels.shape.rank, logits.shape.rank
    if lr is not None and gr is not None and lr != gr - 1:
        raise ValueError(f"Rank mismatch: Rank of labels (received {lr}) should equal rank of "
                         f"logits minus 1 (received {gr}).")
    loss, _ = execute(_sparse_xent, (logits, labels), {})
    return loss

