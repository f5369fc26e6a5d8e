"""Merging layers: Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot (and their
functional forms add, subtract, ...)."""

from __future__ import annotations

import tensorweave as tf
from tensorweave.keras.engine.layer import Layer
from tensorweave.keras.layers import _utils as u


def _broadcast(shapes: list) -> tuple:
    """The broadcast of several static shapes (None for unknown dims)."""
    rank = max(len(s) for s in shapes)
    out = []
    for i in range(rank):
        dims = [s[len(s) - rank + i] for s in shapes if len(s) - rank + i >= 0]
        known = {d for d in dims if d is not None and d != 1}
        if len(known) > 1:
            raise ValueError(f"Inputs have incompatible shapes. Received shapes {shapes}")
        if known:
            out.append(known.pop())
        elif any(d is None for d in dims):
            out.append(None)
        else:
            out.append(1)
    return tuple(out)


class _Merge(Layer):
    """Elementwise merges of a list of same-shaped (or broadcastable) tensors."""

    min_inputs = 2

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def _check(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f"A merge layer ({type(self).__name__}) should be called on a list "
                             f"of inputs. Received: inputs={inputs} (not a list of tensors)")
        if len(inputs) < self.min_inputs:
            raise ValueError(f"A merge layer ({type(self).__name__}) should be called on a list "
                             f"of at least {self.min_inputs} inputs. Got {len(inputs)} inputs.")

    def build(self, input_shape) -> None:
        if not isinstance(input_shape, (list, tuple)) or not input_shape or \
                not isinstance(input_shape[0], (list, tuple)):
            raise ValueError(f"A merge layer ({type(self).__name__}) should be called on a list "
                             f"of inputs. Received: input_shape={input_shape}")
        if len(input_shape) < self.min_inputs:
            raise ValueError(f"A merge layer ({type(self).__name__}) should be called on a list "
                             f"of at least {self.min_inputs} inputs. Got {len(input_shape)} "
                             "inputs.")
        batches = {s[0] for s in input_shape if s and s[0] is not None}
        if len(batches) > 1:
            raise ValueError("Cannot merge tensors with different batch sizes. Received tensors "
                             f"with shapes {list(input_shape)}")
        _broadcast([tuple(s)[1:] for s in input_shape])
        self.built = True

    def call(self, inputs):
        self._check(inputs)
        return self._merge(list(inputs))

    def compute_output_shape(self, input_shape):
        shapes = [tuple(s) for s in input_shape]
        batch = next((s[0] for s in shapes if s[0] is not None), None)
        return (batch,) + _broadcast([s[1:] for s in shapes])

    def compute_mask(self, inputs, previous_mask=None):
        if previous_mask is None or not isinstance(previous_mask, (list, tuple)):
            return None
        masks = [m for m in previous_mask if m is not None]
        if not masks:
            return None
        out = masks[0]
        for m in masks[1:]:
            out = tf.logical_and(out, m)
        return out

    def get_config(self) -> dict:
        return u.base_config(self)


class Add(_Merge):
    """The elementwise sum of its inputs."""

    def _merge(self, xs):
        return tf.add_n(xs) if len({tuple(x.shape.as_tuple()) for x in xs}) == 1 and all(
            d is not None for x in xs for d in x.shape.as_tuple()) else _fold(tf.add, xs)


class Subtract(_Merge):
    """inputs[0] - inputs[1] (exactly two inputs)."""

    def _merge(self, xs):
        if len(xs) != 2:
            raise ValueError("A `Subtract` layer should be called on exactly 2 inputs. "
                             f"Received: inputs={xs}")
        return xs[0] - xs[1]

    def build(self, input_shape) -> None:
        super().build(input_shape)
        if len(input_shape) != 2:
            raise ValueError("A `Subtract` layer should be called on exactly 2 inputs. "
                             f"Received: input_shape={input_shape}")


class Multiply(_Merge):
    """The elementwise product of its inputs."""

    def _merge(self, xs):
        return _fold(tf.multiply, xs)


class Average(_Merge):
    """The elementwise mean of its inputs."""

    def _merge(self, xs):
        return _fold(tf.add, xs) / tf.constant(float(len(xs)), xs[0].dtype)


class Maximum(_Merge):
    """The elementwise maximum of its inputs."""

    def _merge(self, xs):
        return _fold(tf.maximum, xs)


class Minimum(_Merge):
    """The elementwise minimum of its inputs."""

    def _merge(self, xs):
        return _fold(tf.minimum, xs)


def _fold(fn, xs):
    out = xs[0]
    for x in xs[1:]:
        out = fn(out, x)
    return out


class Concatenate(_Merge):
    """Concatenates its inputs along `axis` (the other axes must match)."""

    min_inputs = 1

    def __init__(self, axis: int = -1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def build(self, input_shape) -> None:
        if not isinstance(input_shape, (list, tuple)) or not input_shape or \
                not isinstance(input_shape[0], (list, tuple)):
            raise ValueError("A `Concatenate` layer should be called on a list of at least 1 "
                             f"input. Received: input_shape={input_shape}")
        shapes = [tuple(s) for s in input_shape]
        if len({len(s) for s in shapes}) != 1:
            raise ValueError("A `Concatenate` layer requires inputs with matching shapes except "
                             f"for the concatenation axis. Received: input_shape={shapes}")
        rank = len(shapes[0])
        axis = self.axis % rank
        for i in range(rank):
            if i == axis:
                continue
            dims = {s[i] for s in shapes if s[i] is not None}
            if len(dims) > 1:
                raise ValueError("A `Concatenate` layer requires inputs with matching shapes "
                                 "except for the concatenation axis. Received: "
                                 f"input_shape={shapes}")
        self.built = True

    def _merge(self, xs):
        return tf.concat(xs, axis=self.axis)

    def compute_output_shape(self, input_shape):
        shapes = [tuple(s) for s in input_shape]
        rank = len(shapes[0])
        axis = self.axis % rank
        out = []
        for i in range(rank):
            dims = [s[i] for s in shapes]
            if i == axis:
                out.append(None if any(d is None for d in dims) else sum(dims))
            else:
                out.append(next((d for d in dims if d is not None), None))
        return tuple(out)

    def compute_mask(self, inputs, previous_mask=None):
        if previous_mask is None or not isinstance(previous_mask, (list, tuple)) or all(
                m is None for m in previous_mask):
            return None
        masks = []
        for x, m in zip(inputs, previous_mask):
            if m is None:
                m = tf.ones_like(x, dtype=tf.bool)
            elif m.shape.rank < x.shape.rank:
                m = tf.broadcast_to(tf.expand_dims(m, -1), tf.shape(x))
            masks.append(m)
        return tf.reduce_all(tf.concat(masks, axis=self.axis), axis=-1)

    def get_config(self) -> dict:
        return {**u.base_config(self), "axis": self.axis}


class Dot(_Merge):
    """Dot products of samples of two tensors along `axes` (cosine similarity if `normalize`)."""

    def __init__(self, axes, normalize: bool = False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axes, int):
            axes = list(axes)
            if len(axes) != 2:
                raise ValueError("Invalid format for argument `axes`: list should contain only "
                                 f"2 elements. Received: axes={axes}")
        self.axes = axes
        self.normalize = normalize
        self.supports_masking = False

    def _axes_for(self, rank_a: int, rank_b: int) -> list:
        if isinstance(self.axes, int):
            axes = [self.axes % rank_a, self.axes % rank_b] if self.axes < 0 else \
                [self.axes, self.axes]
        else:
            axes = [self.axes[0] % rank_a, self.axes[1] % rank_b]
        return axes

    def build(self, input_shape) -> None:
        if not isinstance(input_shape, (list, tuple)) or len(input_shape) != 2:
            raise ValueError("A `Dot` layer should be called on a list of 2 inputs. Received: "
                             f"input_shape={input_shape}")
        a, b = (tuple(s) for s in input_shape)
        axes = self._axes_for(len(a), len(b))
        if a[axes[0]] is not None and b[axes[1]] is not None and a[axes[0]] != b[axes[1]]:
            raise ValueError(f"Incompatible input shapes: axis values {a[axes[0]]} (at axis "
                             f"{axes[0]}) != {b[axes[1]]} (at axis {axes[1]}). Full input shapes: "
                             f"{a}, {b}")
        self.built = True

    def _merge(self, xs):
        if len(xs) != 2:
            raise ValueError(f"A `Dot` layer should be called on exactly 2 inputs. Received: "
                             f"inputs={xs}")
        a, b = xs
        ra, rb = a.shape.rank, b.shape.rank
        axes = self._axes_for(ra, rb)
        if self.normalize:
            a = tf.math.l2_normalize(a, axis=axes[0])
            b = tf.math.l2_normalize(b, axis=axes[1])
        return _batch_dot(a, b, axes)

    def compute_output_shape(self, input_shape):
        a, b = (list(s) for s in input_shape)
        axes = self._axes_for(len(a), len(b))
        a.pop(axes[0])
        b.pop(axes[1])
        b.pop(0)
        out = tuple(a + b)
        return out + (1,) if len(out) == 1 else out

    def compute_mask(self, inputs, previous_mask=None):
        return None

    def get_config(self) -> dict:
        return {**u.base_config(self), "axes": self.axes, "normalize": self.normalize}


def _batch_dot(a, b, axes):
    """Keras's batch_dot: per sample, contract a's axes[0] with b's axes[1]."""
    ra, rb = a.shape.rank, b.shape.rank
    # Move the contracted axis of a to the end and of b to position 1; then a batched matmul.
    perm_a = [i for i in range(ra) if i != axes[0]] + [axes[0]]
    perm_b = [0, axes[1]] + [i for i in range(1, rb) if i != axes[1]]
    a = tf.transpose(a, perm_a)
    b = tf.transpose(b, perm_b)
    sa = a.shape.as_tuple()
    sb = b.shape.as_tuple()
    da = tf.shape(a)
    db = tf.shape(b)
    a3 = tf.reshape(a, tf.stack([da[0], -1, da[ra - 1]]))
    b3 = tf.reshape(b, tf.stack([db[0], db[1], -1]))
    out = tf.matmul(a3, b3)  # (batch, prod(a rest), prod(b rest))
    rest = list(sa[1:-1]) + list(sb[2:])
    dyn_rest = [da[i] for i in range(1, ra - 1)] + [db[i] for i in range(2, rb)]
    if not rest:
        return tf.reshape(out, tf.stack([da[0], tf.constant(1, "int32")]))
    dims = [da[0]] + [tf.constant(d, "int32") if d is not None else dd
                      for d, dd in zip(rest, dyn_rest)]
    return tf.reshape(out, tf.stack(dims))


def add(inputs, **kwargs):
    """Functional form of the Add layer."""
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    """Functional form of the Subtract layer."""
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    """Functional form of the Multiply layer."""
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    """Functional form of the Average layer."""
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    """Functional form of the Maximum layer."""
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    """Functional form of the Minimum layer."""
    return Minimum(**kwargs)(inputs)


def concatenate(inputs, axis: int = -1, **kwargs):
    """Functional form of the Concatenate layer."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes=-1, normalize: bool = False, **kwargs):
    """Functional form of the Dot layer."""
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
