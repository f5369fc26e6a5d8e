"""Stateless random ops (`tf.random.stateless_*`) and `tf.random.Generator`.

A stateless op is a pure function of its `seed` (an int tensor of shape [2]): the same seed, shape
and dtype give the same numbers on every call, in eager code and in traced functions alike, on
the CPU and the GPU (numbers are drawn on the host with Philox and copied). They are NOT
bit-identical to TensorFlow's own stateless ops, which use a different counter-based algorithm.

`tf.random.Generator` keeps its state in a `tf.Variable` (a counter and a two-word key): each draw
is a stateless draw from the current state followed by a counter increment, so a Generator works
inside `tf.function` and its state can be checkpointed.
"""

from __future__ import annotations

import numpy as np

from tensorweave.framework import dtypes
from tensorweave.framework.op_def import execute, op
from tensorweave.framework.variables import Variable
from tensorweave.ops import _infer
from tensorweave.ops._convert import tensor
from tensorweave.ops.array_ops import transpose
from tensorweave.ops.math_ops import add, cast, multiply
from tensorweave.ops.random_ops import (_draw_float, _float_dtype, _scale_shift, _truncated,
                                        infer_shape, out_shape, sample_categorical, shape_args)

__all__ = ["stateless_uniform", "stateless_normal", "stateless_truncated_normal",
           "stateless_categorical", "stateless_split", "stateless_fold_in", "Generator",
           "get_global_generator", "set_global_generator"]


def _np_generator(seed) -> np.random.Generator:
    words = [int(s) & 0xFFFFFFFFFFFFFFFF for s in np.asarray(seed).ravel().tolist()]
    return np.random.Generator(np.random.Philox(np.random.SeedSequence(words)))


def _on(xp, array):
    return array if xp is np else xp.asarray(array)


def _infer_stateless(seed, *shape_inputs, shape, dtype):
    if seed.shape is not None and len(seed.shape) != 1:
        raise ValueError(f"stateless random ops: seed must have shape [2], got {list(seed.shape)}")
    return _infer.Spec(infer_shape(shape_inputs, shape), dtype)


@op("StatelessRandomUniform", infer=_infer_stateless, differentiable=False)
def _stateless_uniform(xp, seed, *shape_inputs, shape, dtype):
    size = out_shape(xp, shape_inputs, shape)
    return _on(xp, _draw_float(np, _np_generator(_host(seed)), "uniform", size, dtype))


@op("StatelessRandomNormal", infer=_infer_stateless, differentiable=False)
def _stateless_normal(xp, seed, *shape_inputs, shape, dtype):
    size = out_shape(xp, shape_inputs, shape)
    return _on(xp, _draw_float(np, _np_generator(_host(seed)), "normal", size, dtype))


@op("StatelessTruncatedNormal", infer=_infer_stateless, differentiable=False)
def _stateless_truncated(xp, seed, *shape_inputs, shape, dtype):
    size = out_shape(xp, shape_inputs, shape)
    return _on(xp, _truncated(np, _np_generator(_host(seed)), size, dtype))


def _infer_stateless_int(seed, *inputs, shape, dtype, endpoint=False):
    return _infer.Spec(infer_shape(inputs[:-2], shape), dtype)


@op("StatelessRandomUniformInt", infer=_infer_stateless_int, differentiable=False)
def _stateless_uniform_int(xp, seed, *inputs, shape, dtype, endpoint=False):
    """Integers in [minval, maxval) (endpoint=True: [minval, maxval], for the full range)."""
    *shape_inputs, lo, hi = inputs
    lo, hi = int(lo), int(hi)
    if lo >= hi:
        raise ValueError(f"Need minval < maxval: {lo} >= {hi}")
    size = out_shape(xp, shape_inputs, shape)
    gen = _np_generator(_host(seed))
    return _on(xp, gen.integers(lo, hi, size=size, dtype=dtype.np_dtype, endpoint=endpoint))


def _infer_stateless_multinomial(logits, seed, *, num_samples, output_dtype):
    batch = None if logits.shape is None else logits.shape[0]
    return _infer.Spec((batch, num_samples), output_dtype)


@op("StatelessMultinomial", infer=_infer_stateless_multinomial, differentiable=False)
def _stateless_multinomial(xp, logits, seed, *, num_samples, output_dtype):
    gen = _np_generator(_host(seed))
    host_logits = logits if xp is np else xp.asnumpy(logits)
    out = sample_categorical(np, host_logits, num_samples, output_dtype,
                             lambda s: _draw_float(np, gen, "uniform", s, dtypes.float64))
    return _on(xp, out)


def _host(seed):
    return seed if isinstance(seed, np.ndarray) else seed.get()


def _seed_tensor(seed):
    seed = tensor(seed)
    if not seed.dtype.is_integer:
        raise ValueError(f"stateless random ops: seed must be an integer tensor, got "
                         f"{seed.dtype.name}")
    if seed.shape.rank is not None and (seed.shape.rank != 1 or seed.shape[0] not in (None, 2)):
        raise ValueError(f"stateless random ops: seed must have shape [2], got {seed.shape}")
    return cast(seed, dtypes.int64)


class _StateSeed:
    """A Generator's state read (shape [3]) passed as a seed: exempt from the [2] check."""

    __slots__ = ("tensor",)

    def __init__(self, t):
        self.tensor = t


def _seed_of(seed):
    return seed.tensor if isinstance(seed, _StateSeed) else _seed_tensor(seed)


def stateless_uniform(shape, seed, minval=0, maxval=None, dtype=dtypes.float32, name=None,
                      alg="auto_select"):
    """Uniform numbers in [minval, maxval), a pure function of `seed` (shape [2])
    (`tf.random.stateless_uniform`; deterministic, not bit-identical to TensorFlow's).

    >>> a = tf.random.stateless_uniform([2], seed=[1, 2])
    >>> bool((a == tf.random.stateless_uniform([2], seed=[1, 2])).numpy().all())
    True
    """
    dtype = dtypes.as_dtype(dtype)
    inputs, static = shape_args(shape)
    seed = _seed_of(seed)
    if dtype.is_integer:
        full = minval is None and maxval is None
        if full:  # TensorFlow's full-range integers
            info = np.iinfo(dtype.np_dtype)
            minval, maxval = int(info.min), int(info.max)
        elif maxval is None or minval is None:
            raise ValueError(f"Must specify maxval for integer dtype {dtype.name!r} (or pass "
                             f"minval=None and maxval=None for the full range)")
        bounds = (tensor(minval, dtype), tensor(maxval, dtype))
        return execute(_stateless_uniform_int, (seed,) + inputs + bounds,
                       {"shape": static, "dtype": dtype, "endpoint": full})
    dtype = _float_dtype(dtype, "stateless_uniform")
    maxval = 1 if maxval is None else maxval
    u = execute(_stateless_uniform, (seed,) + inputs, {"shape": static, "dtype": dtype})
    if isinstance(minval, (int, float)) and isinstance(maxval, (int, float)):
        return _scale_shift(u, maxval - minval, minval, dtype)
    lo, hi = tensor(minval, dtype), tensor(maxval, dtype)
    return add(multiply(u, hi - lo), lo)


def stateless_normal(shape, seed, mean=0.0, stddev=1.0, dtype=dtypes.float32, name=None,
                     alg="auto_select"):
    """Normal numbers, a pure function of `seed` (`tf.random.stateless_normal`)."""
    dtype = _float_dtype(dtype, "stateless_normal")
    inputs, static = shape_args(shape)
    z = execute(_stateless_normal, (_seed_of(seed),) + inputs,
                {"shape": static, "dtype": dtype})
    return _scale_shift(z, stddev, mean, dtype)


def stateless_truncated_normal(shape, seed, mean=0.0, stddev=1.0, dtype=dtypes.float32,
                               name=None, alg="auto_select"):
    """Normals within two standard deviations, a pure function of `seed`
    (`tf.random.stateless_truncated_normal`)."""
    dtype = _float_dtype(dtype, "stateless_truncated_normal")
    inputs, static = shape_args(shape)
    z = execute(_stateless_truncated, (_seed_of(seed),) + inputs,
                {"shape": static, "dtype": dtype})
    return _scale_shift(z, stddev, mean, dtype)


def stateless_categorical(logits, num_samples, seed, dtype=dtypes.int64, name=None):
    """Class indices sampled from logits [batch, classes], a pure function of `seed`
    (`tf.random.stateless_categorical`)."""
    logits = tensor(logits)
    if logits.shape.rank is not None and logits.shape.rank != 2:
        raise ValueError(f"stateless_categorical: logits must be 2-D, got shape {logits.shape}")
    return execute(_stateless_multinomial, (logits, _seed_of(seed)),
                   {"num_samples": int(num_samples), "output_dtype": dtypes.as_dtype(dtype)})


def stateless_split(seed, num=2, alg="auto_select"):
    """`num` new seeds [num, 2] derived from `seed` (`tf.random.experimental.stateless_split`)."""
    return stateless_uniform([int(num), 2], seed, minval=None, maxval=None, dtype=dtypes.int64)


def stateless_fold_in(seed, data, alg="auto_select"):
    """A new seed from `seed` and an integer `data` (`tf.random.experimental.stateless_fold_in`)."""
    mixed = add(_seed_tensor(seed), cast(tensor([0, data]), dtypes.int64))
    return stateless_uniform([2], mixed, minval=None, maxval=None, dtype=dtypes.int64)


# --- tf.random.Generator -------------------------------------------------------------------------
class Generator:
    """A random-number generator whose state is a `tf.Variable` (`tf.random.Generator`).

    >>> g = tf.random.Generator.from_seed(1)
    >>> g.normal([2, 3]).shape
    TensorShape([2, 3])
    """

    def __init__(self, copy_from=None, state=None, alg=None):
        if copy_from is not None:
            state = copy_from.state.numpy()
        if state is None:
            raise ValueError("Generator needs a state: use Generator.from_seed(seed) or "
                             "Generator.from_non_deterministic_state()")
        state = np.asarray(state, np.int64).ravel()
        if state.shape != (3,):
            raise ValueError(f"Generator state must have 3 int64 words, got shape {state.shape}")
        self._state = Variable(state, trainable=False, dtype=dtypes.int64, name="StateVar")
        self._alg = alg if alg is not None else "philox"

    @classmethod
    def from_seed(cls, seed, alg=None) -> "Generator":
        """A generator whose sequence is determined by the integer `seed`."""
        key = _np_generator([int(seed), 0x5EED]).integers(0, 2**63 - 1, size=2)
        return cls(state=[0, int(key[0]), int(key[1])], alg=alg)

    @classmethod
    def from_non_deterministic_state(cls, alg=None) -> "Generator":
        """A generator seeded from the operating system's entropy."""
        key = np.random.default_rng().integers(0, 2**63 - 1, size=2)
        return cls(state=[0, int(key[0]), int(key[1])], alg=alg)

    @classmethod
    def from_state(cls, state, alg=None) -> "Generator":
        return cls(state=state, alg=alg)

    @property
    def state(self) -> Variable:
        """The state variable: [counter, key0, key1] (int64)."""
        return self._state

    @property
    def algorithm(self):
        return self._alg

    def reset_from_seed(self, seed) -> None:
        self._state.assign(Generator.from_seed(seed).state.numpy())

    def _next_seed(self):
        """The current state as a stateless seed, then advances the counter."""
        seed = tensor(self._state)
        self._state.assign_add(np.array([1, 0, 0], np.int64))
        return _StateSeed(seed)

    def uniform(self, shape, minval=0, maxval=None, dtype=dtypes.float32, name=None):
        """Uniform numbers in [minval, maxval) (integer dtypes need maxval)."""
        dtype = dtypes.as_dtype(dtype)
        if dtype.is_integer and maxval is None:
            raise ValueError(f"Must specify maxval for integer dtype {dtype.name!r}")
        return stateless_uniform(shape, self._next_seed(), minval, maxval, dtype)

    def uniform_full_int(self, shape, dtype=dtypes.uint64, name=None):
        return stateless_uniform(shape, self._next_seed(), None, None, dtype)

    def normal(self, shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, name=None):
        return stateless_normal(shape, self._next_seed(), mean, stddev, dtype)

    def truncated_normal(self, shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, name=None):
        return stateless_truncated_normal(shape, self._next_seed(), mean, stddev, dtype)

    def categorical(self, logits, num_samples, dtype=dtypes.int64, name=None):
        return stateless_categorical(logits, num_samples, self._next_seed(), dtype)

    def make_seeds(self, count=1):
        """[2, count] int64 seeds for the stateless ops."""
        return transpose(stateless_uniform([count, 2], self._next_seed(), None, None,
                                           dtypes.int64))

    def split(self, count=1) -> list:
        """`count` new, independent generators; this one advances."""
        keys = stateless_uniform([count, 2], self._next_seed(), None, None, dtypes.int64).numpy()
        return [Generator(state=[0, int(k[0]), int(k[1])], alg=self._alg) for k in keys]


_GLOBAL = [None]


def get_global_generator() -> Generator:
    """The process's generator, created from entropy on first use."""
    if _GLOBAL[0] is None:
        _GLOBAL[0] = Generator.from_non_deterministic_state()
    return _GLOBAL[0]


def set_global_generator(generator: Generator) -> None:
    _GLOBAL[0] = generator
