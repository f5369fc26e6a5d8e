"""Across the op library: every sampled stateless op gives the same values eagerly and as a
node of a traced graph run by the executor (after the optimization passes)."""

import numpy as np
import pytest

import tensorweave as tf  # noqa: F401 - registers every op
from tensorweave.framework.context import CPU0
from tensorweave.framework.op_def import REGISTRY, execute
from tensorweave.framework.tensor import Tensor
from tensorweave.graph.executor import Executor
from tensorweave.graph.graph import Graph
from tensorweave.graph.verify import verify
from tests.ops.test_registry import SAMPLES

CASES = [(name, i) for name in sorted(SAMPLES) for i in range(len(SAMPLES[name]))
         if name in REGISTRY and not REGISTRY[name].stateful]


def _as_list(result):
    if result is None:
        return []
    return list(result) if isinstance(result, tuple) else [result]


@pytest.mark.parametrize("name,i", CASES)
@pytest.mark.parametrize("level", [0, 2])
def test_eager_and_traced_agree(name, i, level):
    op = REGISTRY[name]
    inputs, attrs = SAMPLES[name][i](np.random.default_rng(0))
    inputs = [Tensor(np.asarray(a)) for a in inputs]
    eager = _as_list(execute(op, tuple(inputs), attrs))
    graph = Graph("registry")
    placeholders = [graph.add_placeholder(t.shape, t.dtype, f"in{k}")
                    for k, t in enumerate(inputs)]
    graph.outputs = _as_list(graph.add_op(op, placeholders, attrs))
    for out, want in zip(graph.outputs, eager):  # static specs agree with the real values
        assert out.dtype is want.dtype
        assert out.shape.is_compatible_with(want.shape)
    run_graph = verify(graph.optimize(level))
    got = Executor(run_graph, CPU0).run(*[t._array for t in inputs])
    assert len(got) == len(eager)
    for g, want in zip(got, eager):
        w = np.asarray(want._array)
        g = np.asarray(g)
        assert g.shape == w.shape and g.dtype == w.dtype
        if w.dtype == object:
            assert g.tolist() == w.tolist()
        else:
            np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-12, equal_nan=True)
