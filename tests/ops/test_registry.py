"""Registry-wide checks: every registered op's `infer` agrees with its kernel, and every
differentiable op's gradient agrees with central finite differences (float64).

Samples come from tests/ops/samples_<family>.py: `SAMPLES = {"OpName": [fn(rng) -> (inputs,
attrs)]}`. A new op gets these checks by being registered and given a sample.
"""

import importlib
import pkgutil

import numpy as np
import pytest

import tensorweave as tf  # noqa: F401 - registers every op
import tests.ops as samples_pkg
from tensorweave.framework.op_def import REGISTRY, execute
from tensorweave.framework.tensor import Tensor
from tensorweave.ops._infer import Spec


def _load_samples():
    """SAMPLES from every samples_*.py, and their SKIP_GRADIENT ({op: why its gradient is
    checked by a dedicated test instead, e.g. it reads only one triangle of its input})."""
    samples, skip = {}, {}
    for info in pkgutil.iter_modules(samples_pkg.__path__):
        if info.name.startswith("samples_"):
            module = importlib.import_module(f"tests.ops.{info.name}")
            for name, fns in module.SAMPLES.items():
                samples.setdefault(name, []).extend(fns)
            skip.update(getattr(module, "SKIP_GRADIENT", {}))
    return samples, skip


SAMPLES, SKIP_GRADIENT = _load_samples()
CASES = [(name, i) for name in sorted(SAMPLES) for i in range(len(SAMPLES[name]))]
# Ops only reachable through other machinery (variables, internal plumbing) are checked there.
UNSAMPLED_OK = {"ReadVariableOp", "AssignVariableOp", "AssignAddVariableOp",
                "AssignSubVariableOp"}


def _make(name, i, seed=0):
    rng = np.random.default_rng(seed)
    inputs, attrs = SAMPLES[name][i](rng)
    return [Tensor(np.asarray(a)) for a in inputs], attrs


def _as_list(result):
    if result is None:
        return []
    return list(result) if isinstance(result, tuple) else [result]


def test_samples_name_registered_ops():
    unknown = sorted(set(SAMPLES) - set(REGISTRY))
    assert not unknown, f"samples for ops that are not registered: {unknown}"


@pytest.mark.parametrize("name,i", CASES)
def test_infer_matches_kernel(name, i):
    op = REGISTRY[name]
    inputs, attrs = _make(name, i)
    outputs = _as_list(execute(op, tuple(inputs), attrs))
    specs = [Spec(tuple(t.shape.as_tuple()), t.dtype) for t in inputs]
    inferred = op.infer(*specs, **attrs)
    inferred = [inferred] if isinstance(inferred, Spec) else list(inferred)
    assert len(inferred) == len(outputs)
    for spec, out in zip(inferred, outputs):
        assert spec.dtype is out.dtype, f"{name}: infer says {spec.dtype}, kernel gave {out.dtype}"
        if spec.shape is not None:
            assert len(spec.shape) == out.ndim
            for d, real in zip(spec.shape, out.shape):
                assert d is None or d == real, f"{name}: infer {spec.shape} vs real {out.shape}"
    # With every dim unknown, inference must still succeed and stay compatible.
    partial = [Spec(None if s.shape is None else (None,) * len(s.shape), s.dtype) for s in specs]
    try:
        loose = op.infer(*partial, **attrs)
    except (ValueError, TypeError, NotImplementedError):
        return  # some ops need static dims (e.g. a reshape target); they say so by raising
    loose = [loose] if isinstance(loose, Spec) else list(loose)
    for spec, out in zip(loose, outputs):
        assert spec.shape is None or len(spec.shape) == out.ndim


def _differentiable_inputs(inputs):
    return [k for k, t in enumerate(inputs) if t.dtype.is_floating]


@pytest.mark.parametrize("name,i", [c for c in CASES if REGISTRY[c[0]].differentiable
                                    and REGISTRY[c[0]].grad is not None])
def test_gradient_matches_finite_differences(name, i):
    op = REGISTRY[name]
    inputs, attrs = _make(name, i)
    wrt = _differentiable_inputs(inputs)
    if not wrt or op.stateful:
        pytest.skip("no float inputs / stateful")
    if name in SKIP_GRADIENT:
        pytest.skip(SKIP_GRADIENT[name])
    inputs = [tf.cast(t, tf.float64) if k in wrt else t for k, t in enumerate(inputs)]
    rng = np.random.default_rng(1)
    outputs = _as_list(execute(op, tuple(inputs), attrs))
    weights = [rng.standard_normal(o.shape) if o.dtype.is_floating else None for o in outputs]

    def objective(values):
        outs = _as_list(execute(op, tuple(values), attrs))
        return sum(float(np.sum(np.asarray(o.numpy()) * w)) for o, w in zip(outs, weights)
                   if w is not None)

    with tf.GradientTape() as tape:
        for k in wrt:
            tape.watch(inputs[k])
        outs = _as_list(execute(op, tuple(inputs), attrs))
        total = sum(tf.reduce_sum(o * tf.constant(w, dtype=o.dtype))
                    for o, w in zip(outs, weights) if w is not None)
    grads = tape.gradient(total, [inputs[k] for k in wrt])
    eps = 1e-6
    for k, g in zip(wrt, grads):
        base = np.array(inputs[k].numpy(), dtype=np.float64)
        numeric = np.zeros_like(base)
        for idx in np.ndindex(base.shape):
            plus, minus = base.copy(), base.copy()
            plus[idx] += eps
            minus[idx] -= eps
            vp = [Tensor(plus) if j == k else t for j, t in enumerate(inputs)]
            vm = [Tensor(minus) if j == k else t for j, t in enumerate(inputs)]
            numeric[idx] = (objective(vp) - objective(vm)) / (2 * eps)
        analytic = np.zeros_like(base) if g is None else np.asarray(tf.convert_to_tensor(g))
        np.testing.assert_allclose(analytic, numeric, rtol=1e-4, atol=1e-5,
                                   err_msg=f"gradient of {name} wrt input {k}")


def test_every_op_has_a_sample():
    # Resource* ops update variables named in their attrs (optimizer steps): they are checked
    # against Keras's update formulas in tests/keras/test_optimizers.py instead.
    missing = sorted(n for n in REGISTRY if n not in SAMPLES and n not in UNSAMPLED_OK
                     and not n.startswith("Resource"))
    assert not missing, f"ops without a sample in tests/ops/samples_*.py: {missing}"
