"""Stateful random ops and TensorFlow's seed rules (`tf.random.set_seed`, op seeds).

Each random op carries its generator state as an attribute (`rng`, an `RngState`), so a traced
function's node keeps drawing fresh numbers call after call, as TensorFlow's stateful kernels do.

Seed rules (TensorFlow's `get_seed`):
- no global seed, no op seed: fresh entropy each time;
- global seed, no op seed: the op seed comes from a counter that `set_seed` resets, so the same
  program draws the same numbers;
- op seed without a global seed: the global seed defaults to 87654321;
- eagerly, an op with the same seeds, shape and dtype continues one sequence (TensorFlow caches
  its kernel), and `set_seed` restarts every sequence.

Numbers are drawn with NumPy's Philox generator (CuPy's on GPUs); they are reproducible within
tensorweave but are not bit-identical to TensorFlow's.
"""

from __future__ import annotations

import numpy as np

from tensorweave.framework import dtypes
from tensorweave.framework.context import ctx
from tensorweave.framework.op_def import execute, op
from tensorweave.framework.tensor import SymbolicTensor, Tensor
from tensorweave.ops import _infer
from tensorweave.ops._convert import tensor
from tensorweave.ops.math_ops import add, cast, divide, multiply

__all__ = ["set_seed", "get_seed", "uniform", "normal", "truncated_normal", "categorical",
           "shuffle", "gamma", "poisson", "random_uniform", "random_normal"]

DEFAULT_GRAPH_SEED = 87654321
_MAXINT32 = 2**31 - 1


class _SeedState:
    global_seed = None
    counter = 0
    kernels: dict = {}  # eager (op, attrs, seeds) -> RngState: TensorFlow's kernel cache


_SEEDS = _SeedState()


def set_seed(seed) -> None:
    """Sets the global random seed and restarts every seeded sequence (`tf.random.set_seed`).

    >>> tf.random.set_seed(1); a = tf.random.uniform([2])
    >>> tf.random.set_seed(1); bool((a == tf.random.uniform([2])).numpy().all())
    True
    """
    _SEEDS.global_seed = None if seed is None else int(seed)
    _SEEDS.counter = 0
    _SEEDS.kernels = {}


def get_seed(op_seed):
    """(global_seed, op_seed) as TensorFlow derives them; (None, None) means unseeded."""
    global_seed = _SEEDS.global_seed
    if global_seed is not None:
        if op_seed is None:
            op_seed = _SEEDS.counter
            _SEEDS.counter += 1
        seeds = (global_seed, int(op_seed))
    elif op_seed is not None:
        seeds = (DEFAULT_GRAPH_SEED, int(op_seed))
    else:
        return None, None
    if seeds == (0, 0):  # (0, 0) means nondeterministic in TensorFlow's kernels
        seeds = (0, _MAXINT32)
    return seeds


class RngState:
    """The generator state of one random op (an attribute: hashed by identity, never copied).

    It holds a NumPy Philox generator and, on first use on a GPU, a CuPy one seeded from it.
    """

    __slots__ = ("seed", "_np", "_cp", "__weakref__")

    def __init__(self, seed=None):
        self.seed = seed
        entropy = None if seed is None else [int(s) & 0xFFFFFFFFFFFFFFFF for s in seed]
        self._np = np.random.Generator(np.random.Philox(np.random.SeedSequence(entropy)))
        self._cp = None

    def generator(self, xp):
        """NumPy's Generator, or a CuPy generator derived from it for GPU kernels."""
        if xp is np:
            return self._np
        if self._cp is None:
            self._cp = xp.random.RandomState(int(self._np.integers(0, 2**63 - 1)))
        return self._cp

    def __repr__(self) -> str:
        return f"RngState(seed={self.seed})"


def _rng_for(op_def, attrs: dict, seed) -> RngState:
    """The state an op call draws from: cached eagerly for seeded ops, one per node when traced."""
    seeds = get_seed(seed)
    if seeds[0] is None:
        return RngState()
    if ctx.graph is not None:
        return RngState(seeds)
    key = (op_def.name, tuple(sorted(attrs.items())), seeds)
    state = _SEEDS.kernels.get(key)
    if state is None:
        state = _SEEDS.kernels[key] = RngState(seeds)
    return state


# --- shapes --------------------------------------------------------------------------------------
def shape_args(shape):
    """(inputs, attr) for a shape argument: a static tuple as attribute, a traced tensor as input."""
    if isinstance(shape, SymbolicTensor):
        return (cast(shape, dtypes.int64),), None
    if isinstance(shape, Tensor):
        shape = shape.numpy().tolist()
    elif hasattr(shape, "as_list"):
        shape = shape.as_list()
    if isinstance(shape, (int, np.integer)):
        shape = [shape]
    try:
        dims = tuple(int(d) for d in shape)
    except TypeError as e:
        raise ValueError(f"random ops need a fully known shape, got {shape!r}") from e
    if any(d < 0 for d in dims):
        raise ValueError(f"random ops: shape must be non-negative, got {list(dims)}")
    return (), dims


def infer_shape(shape_inputs, shape):
    if shape is not None:
        return shape
    s = shape_inputs[0].shape
    if s is None or s[0] is None:
        return None
    return (None,) * s[0]


def out_shape(xp, shape_inputs, shape):
    if shape is not None:
        return shape
    return tuple(int(d) for d in shape_inputs[0].tolist())


def _draw_float(xp, gen, kind, shape, dtype):
    """Floats of `kind` ('uniform' | 'normal') in dtype (NumPy or CuPy generator)."""
    np_dtype = dtype.np_dtype
    work = np_dtype if np_dtype in (np.float32, np.float64) else np.float32
    if xp is np:
        out = gen.random(shape, dtype=work) if kind == "uniform" else \
            gen.standard_normal(shape, dtype=work)
    else:
        out = gen.random_sample(shape, dtype=work) if kind == "uniform" else \
            gen.standard_normal(shape, dtype=work)
    return out.astype(np_dtype, copy=False)


def _truncated(xp, gen, shape, dtype):
    """Standard normals resampled until all lie within two standard deviations."""
    out = _draw_float(xp, gen, "normal", shape, dtypes.float64)
    bad = xp.abs(out) > 2
    while bool(bad.any()):
        n = int(bad.sum())
        out[bad] = _draw_float(xp, gen, "normal", (n,), dtypes.float64)
        bad = xp.abs(out) > 2
    return out.astype(dtype.np_dtype, copy=False)


def _infer_random(*shape_inputs, shape, dtype, rng):
    return _infer.Spec(infer_shape(shape_inputs, shape), dtype)


@op("RandomUniform", infer=_infer_random, stateful=True, differentiable=False)
def _random_uniform(xp, *shape_inputs, shape, dtype, rng):
    """Uniform in [0, 1)."""
    return _draw_float(xp, rng.generator(xp), "uniform", out_shape(xp, shape_inputs, shape), dtype)


@op("RandomStandardNormal", infer=_infer_random, stateful=True, differentiable=False)
def _random_normal(xp, *shape_inputs, shape, dtype, rng):
    return _draw_float(xp, rng.generator(xp), "normal", out_shape(xp, shape_inputs, shape), dtype)


@op("TruncatedNormal", infer=_infer_random, stateful=True, differentiable=False)
def _truncated_normal(xp, *shape_inputs, shape, dtype, rng):
    return _truncated(xp, rng.generator(xp), out_shape(xp, shape_inputs, shape), dtype)


def _infer_uniform_int(*inputs, shape, dtype, rng):
    return _infer.Spec(infer_shape(inputs[:-2], shape), dtype)


@op("RandomUniformInt", infer=_infer_uniform_int, stateful=True, differentiable=False)
def _random_uniform_int(xp, *inputs, shape, dtype, rng):
    """Integers in [minval, maxval) (the last two inputs, scalars)."""
    *shape_inputs, lo, hi = inputs
    lo, hi = int(lo), int(hi)
    if lo >= hi:
        raise ValueError(f"Need minval < maxval: {lo} >= {hi}")
    gen = rng.generator(xp)
    size = out_shape(xp, shape_inputs, shape)
    if xp is np:
        return gen.integers(lo, hi, size=size, dtype=dtype.np_dtype)
    return gen.randint(lo, hi, size=size, dtype=dtype.np_dtype)


def _float_dtype(dtype, op_name: str):
    dtype = dtypes.as_dtype(dtype)
    if not dtype.is_floating:
        raise ValueError(f"{op_name}: dtype must be a floating-point type, got {dtype.name}")
    return dtype


def _scale_shift(x, scale, shift, dtype):
    """x * scale + shift, skipping the identity steps (the common case costs no extra op)."""
    if not (isinstance(scale, (int, float)) and scale == 1):
        x = multiply(x, tensor(scale, dtype))
    if not (isinstance(shift, (int, float)) and shift == 0):
        x = add(x, tensor(shift, dtype))
    return x


def uniform(shape, minval=0, maxval=None, dtype=dtypes.float32, seed=None, name=None):
    """Uniform numbers in [minval, maxval) (`tf.random.uniform`). Integer dtypes need maxval.

    >>> tf.random.uniform([2, 3], seed=1).shape
    TensorShape([2, 3])
    """
    dtype = dtypes.as_dtype(dtype)
    inputs, static = shape_args(shape)
    if dtype.is_integer:
        if maxval is None:
            raise ValueError(f"Must specify maxval for integer dtype {dtype.name!r}")
        attrs = {"shape": static, "dtype": dtype}
        attrs["rng"] = _rng_for(_random_uniform_int, attrs, seed)
        bounds = (tensor(minval, dtype), tensor(maxval, dtype))
        return execute(_random_uniform_int, inputs + bounds, attrs)
    if not dtype.is_floating:
        raise ValueError(f"Invalid dtype {dtype.name} for tf.random.uniform: expected a "
                         f"floating-point or integer type")
    maxval = 1 if maxval is None else maxval
    attrs = {"shape": static, "dtype": dtype}
    attrs["rng"] = _rng_for(_random_uniform, attrs, seed)
    u = execute(_random_uniform, inputs, attrs)
    if isinstance(minval, (int, float)) and isinstance(maxval, (int, float)):
        return _scale_shift(u, maxval - minval, minval, dtype)
    lo, hi = tensor(minval, dtype), tensor(maxval, dtype)
    return add(multiply(u, hi - lo), lo)


def normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
    """Normal numbers with `mean` and `stddev` (`tf.random.normal`)."""
    dtype = _float_dtype(dtype, "tf.random.normal")
    inputs, static = shape_args(shape)
    attrs = {"shape": static, "dtype": dtype}
    attrs["rng"] = _rng_for(_random_normal, attrs, seed)
    z = execute(_random_normal, inputs, attrs)
    return _scale_shift(z, stddev, mean, dtype)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
    """Normal numbers redrawn until within two standard deviations (`tf.random.truncated_normal`)."""
    dtype = _float_dtype(dtype, "tf.random.truncated_normal")
    inputs, static = shape_args(shape)
    attrs = {"shape": static, "dtype": dtype}
    attrs["rng"] = _rng_for(_truncated_normal, attrs, seed)
    z = execute(_truncated_normal, inputs, attrs)
    return _scale_shift(z, stddev, mean, dtype)


# --- categorical, shuffle, gamma, poisson ------------------------------------------------------
def _infer_multinomial(logits, *, num_samples, output_dtype, rng):
    if logits.shape is not None and len(logits.shape) != 2:
        raise ValueError(f"Multinomial: logits must be 2-D [batch, classes], got shape "
                         f"{list(logits.shape)}")
    batch = None if logits.shape is None else logits.shape[0]
    return _infer.Spec((batch, num_samples), output_dtype)


def sample_categorical(xp, logits, num_samples, dtype, uniform01):
    """Inverse-CDF sampling per row; `uniform01(shape)` gives the uniforms (stateful or not)."""
    logits = logits.astype(np.float64)
    p = xp.exp(logits - logits.max(axis=1, keepdims=True))
    cdf = xp.cumsum(p, axis=1)
    cdf /= cdf[:, -1:]
    u = uniform01((logits.shape[0], num_samples))
    out = xp.empty((logits.shape[0], num_samples), dtype=dtype.np_dtype)
    for row in range(logits.shape[0]):
        out[row] = xp.minimum(xp.searchsorted(cdf[row], u[row], side="right"),
                              logits.shape[1] - 1)
    return out


@op("Multinomial", infer=_infer_multinomial, stateful=True, differentiable=False)
def _multinomial(xp, logits, *, num_samples, output_dtype, rng):
    gen = rng.generator(xp)
    return sample_categorical(xp, logits, num_samples, output_dtype,
                              lambda s: _draw_float(xp, gen, "uniform", s, dtypes.float64))


def categorical(logits, num_samples, dtype=None, seed=None, name=None):
    """Samples class indices from unnormalized log-probabilities [batch, classes]
    (`tf.random.categorical`); the result is [batch, num_samples] int64 by default."""
    logits = tensor(logits)
    out_dtype = dtypes.int64 if dtype is None else dtypes.as_dtype(dtype)
    if out_dtype not in (dtypes.int32, dtypes.int64):
        raise ValueError(f"tf.random.categorical: dtype must be int32 or int64, got "
                         f"{out_dtype.name}")
    attrs = {"num_samples": int(num_samples), "output_dtype": out_dtype}
    attrs["rng"] = _rng_for(_multinomial, attrs, seed)
    return execute(_multinomial, (logits,), attrs)


@op("RandomShuffle", infer=lambda x, *, rng: x, stateful=True, differentiable=False)
def _random_shuffle(xp, x, *, rng):
    if x.ndim == 0:
        return x.copy()
    gen = rng.generator(xp)
    perm = gen.permutation(x.shape[0])
    return x[xp.asarray(perm)]


def shuffle(value, seed=None, name=None):
    """Shuffles `value` along its first dimension (`tf.random.shuffle`)."""
    attrs = {}
    attrs["rng"] = _rng_for(_random_shuffle, attrs, seed)
    return execute(_random_shuffle, (tensor(value),), attrs)


def _infer_param_random(*inputs, shape, dtype, rng):
    param = inputs[-1]
    lead = infer_shape(inputs[:-1], shape)
    if lead is None or param.shape is None:
        return _infer.Spec(None, dtype)
    return _infer.Spec(tuple(lead) + tuple(param.shape), dtype)


@op("RandomGamma", infer=_infer_param_random, stateful=True, differentiable=False)
def _random_gamma(xp, *inputs, shape, dtype, rng):
    """Gamma(alpha, 1) samples of shape `shape + alpha.shape`."""
    *shape_inputs, alpha = inputs
    size = out_shape(xp, shape_inputs, shape) + alpha.shape
    gen = rng.generator(xp)
    return gen.standard_gamma(xp.broadcast_to(alpha.astype(np.float64), size),
                              size=size).astype(dtype.np_dtype)


@op("RandomPoissonV2", infer=_infer_param_random, stateful=True, differentiable=False)
def _random_poisson(xp, *inputs, shape, dtype, rng):
    *shape_inputs, lam = inputs
    size = out_shape(xp, shape_inputs, shape) + lam.shape
    gen = rng.generator(xp)
    return gen.poisson(xp.broadcast_to(lam.astype(np.float64), size), size=size).astype(
        dtype.np_dtype)


def gamma(shape, alpha, beta=None, dtype=dtypes.float32, seed=None, name=None):
    """Gamma(alpha, beta) samples of shape `shape + broadcast(alpha, beta).shape`
    (`tf.random.gamma`; beta is the inverse scale)."""
    dtype = _float_dtype(dtype, "tf.random.gamma")
    inputs, static = shape_args(shape)
    alpha = tensor(alpha, dtype)
    if beta is not None:
        alpha = add(alpha, multiply(tensor(beta, dtype), tensor(0, dtype)))
    attrs = {"shape": static, "dtype": dtype}
    attrs["rng"] = _rng_for(_random_gamma, attrs, seed)
    out = execute(_random_gamma, inputs + (alpha,), attrs)
    if beta is not None:
        out = divide(out, tensor(beta, dtype))
    return out


def poisson(shape, lam, dtype=dtypes.float32, seed=None, name=None):
    """Poisson(lam) samples of shape `shape + lam.shape` (`tf.random.poisson`)."""
    dtype = dtypes.as_dtype(dtype)
    inputs, static = shape_args(shape)
    lam = tensor(lam)
    if not lam.dtype.is_floating and not lam.dtype.is_integer:
        raise ValueError(f"tf.random.poisson: lam must be numeric, got {lam.dtype.name}")
    attrs = {"shape": static, "dtype": dtype}
    attrs["rng"] = _rng_for(_random_poisson, attrs, seed)
    return execute(_random_poisson, inputs + (lam,), attrs)


random_uniform = uniform
random_normal = normal
