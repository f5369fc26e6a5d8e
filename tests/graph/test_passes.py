"""Each optimization pass alone: the graph before and after, and the same values either way."""

import numpy as np
import pytest

import tensorweave as tf
from tensorweave.graph import passes
from tensorweave.graph.executor import Executor
from tensorweave.graph.verify import GraphError, verify
from tensorweave.framework.context import CPU0


def trace(fn, *specs):
    return tf.function(fn, autograph=False).get_concrete_function(*specs).graph


def types(graph):
    return [n.type for n in graph.nodes]


def run(graph, *arrays):
    return Executor(graph, CPU0).run(*[np.asarray(a, np.float32) for a in arrays])


SPEC = tf.TensorSpec([3], tf.float32)
X = np.array([1.0, -2.0, 3.0], np.float32)
Y = np.array([0.5, 0.25, -1.0], np.float32)


def check_same(before, after, *args):
    verify(before)
    verify(after)
    for a, b in zip(run(before, *args), run(after, *args)):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_constant_folding():
    g = trace(lambda x: x * (tf.constant(2.0) + 3.0), SPEC)
    after = passes.dce(passes.constant_folding(g))
    assert types(g) == ["Placeholder", "Const", "Const", "AddV2", "Mul"]
    assert types(after) == ["Placeholder", "Const", "Mul"]
    assert "value=5." in after.as_text()
    check_same(g, after, X)


def test_cse():
    g = trace(lambda x: tf.exp(x) + tf.exp(x), SPEC)
    after = passes.cse(g)
    assert types(g).count("Exp") == 2 and types(after).count("Exp") == 1
    add = after.nodes[-1]
    assert add.inputs[0] is add.inputs[1]
    check_same(g, after, X)


def test_cse_keeps_stateful_ops():
    g = trace(lambda x: tf.random.uniform([3]) + tf.random.uniform([3]) + x, SPEC)
    assert types(passes.cse(g)).count(types(g)[1]) == types(g).count(types(g)[1])


def test_dce_drops_unused_keeps_stateful():
    v = tf.Variable(0.0)

    def f(x):
        tf.exp(x)  # unused
        v.assign_add(1.0)  # unused result, but an effect
        return x + 1.0

    g = trace(f, SPEC)
    after = passes.dce(g)
    assert "Exp" in types(g) and "Exp" not in types(after)
    assert "AssignAddVariableOp" in types(after)
    check_same(g, after, X)


def test_arithmetic_simplification():
    g = trace(lambda x: -(-(x * 1.0 + 0.0)) / 1.0, SPEC)
    after = passes.dce(passes.arithmetic(g))
    assert types(after) == ["Placeholder"]
    assert after.outputs[0] is after.inputs[0]
    check_same(g, after, X)
    # broadcasting makes x * 1 bigger than x: kept
    g2 = trace(lambda x: x * tf.ones([2, 3]), SPEC)
    assert "Mul" in types(passes.arithmetic(g2))


def test_elementwise_fusion_and_one_buffer():
    g = trace(lambda x, y: tf.abs(x * y - y) * 2.0 + x, SPEC, SPEC)
    after = passes.fusion(g)
    assert types(after).count("FusedElementwise") == 1
    assert not {"Mul", "Sub", "Abs", "AddV2"} & set(types(after))
    fused = next(n for n in after.nodes if n.type == "FusedElementwise")
    assert repr(fused.attrs["steps"]) == "[Mul, Sub, Abs, Mul, AddV2]"
    check_same(g, after, X, Y)


def test_fusion_keeps_shared_values_out():
    g = trace(lambda x: tf.exp(x * 2.0) + x * 2.0, SPEC)
    after = passes.fusion(passes.cse(g))
    # x * 2 is used twice: it stays a separate node feeding the fused rest
    assert "Mul" in types(after)
    check_same(g, after, X)


def test_buffer_reuse_writes_into_dead_buffers_only():
    g = trace(lambda x, y: tf.exp(tf.matmul(x, y) + 1.0),
              tf.TensorSpec([2, 2]), tf.TensorSpec([2, 2]))
    after = passes.buffer_reuse(g)
    # the add writes into the matmul's result, then exp into the add's
    assert types(after) == ["Placeholder", "Placeholder", "BatchMatMulV2", "Const",
                            "InplaceUfunc", "InplaceUfunc"]
    a = np.arange(4, dtype=np.float32).reshape(2, 2)
    before_a = a.copy()
    check_same(g, after, a, a)
    np.testing.assert_array_equal(a, before_a)  # inputs are never written
    # an input buffer is never reused
    g2 = trace(lambda x: tf.exp(x), SPEC)
    assert "InplaceUfunc" not in types(passes.buffer_reuse(g2))


def test_optimize_levels_and_config_switches():
    fn = tf.function(lambda x: tf.exp(x) * 1.0 + tf.exp(x), autograph=False)
    g = fn.get_concrete_function(SPEC).graph
    assert types(g.optimize(0)) == types(g)
    assert types(g.optimize(1)).count("Exp") == 1
    tf.config.optimizer.set_experimental_options({"common_subexpression_elimination": False})
    try:
        assert tf.config.optimizer.get_experimental_options() == {
            "common_subexpression_elimination": False}
        np.testing.assert_allclose(fn(tf.constant(X)).numpy(), 2 * np.exp(X), rtol=1e-6)
        cf = fn.get_concrete_function(SPEC)
        assert sum(t.count("Exp") for t in [repr(n.attrs.get("steps", n.type))
                                             for n in cf.run_graph.nodes]) == 2
    finally:
        tf.config.optimizer.set_experimental_options({"common_subexpression_elimination": True})
    with pytest.raises(ValueError):
        tf.config.optimizer.set_experimental_options({"no_such_pass": True})


def test_passes_preserve_results_on_a_mixed_program():
    v = tf.Variable([1.0, 2.0, 3.0])

    def f(x, y):
        a = tf.matmul(tf.reshape(x, [1, 3]), tf.reshape(y, [3, 1]))
        b = tf.reduce_sum(x * y) + a[0, 0] * 0.0
        v.assign(v * 2.0)
        c = tf.nn.relu(x - y) * b + v
        return tf.cond(b > 0, lambda: c * 2.0, lambda: c - 1.0), tf.reduce_mean(c)

    traced = tf.function(f)
    for _ in range(2):
        v.assign([1.0, 2.0, 3.0])
        want = [t.numpy() for t in f(tf.constant(X), tf.constant(Y))]
        v.assign([1.0, 2.0, 3.0])
        got = [t.numpy() for t in traced(tf.constant(X), tf.constant(Y))]
        for w, g in zip(want, got):
            np.testing.assert_allclose(g, w, rtol=1e-6)


def test_verify_catches_broken_graphs():
    g = trace(lambda x: tf.exp(x) + 1.0, SPEC)
    verify(g)
    g.nodes[-1], g.nodes[-2] = g.nodes[-2], g.nodes[-1]  # a node before its input
    with pytest.raises(GraphError, match="not defined before"):
        verify(g)


def test_every_level_verifies_on_a_mixed_program():
    def f(x, y):
        a = tf.exp(x * 1.0) + tf.exp(x * 1.0)
        b = tf.cond(tf.reduce_sum(a) > 0, lambda: a * y, lambda: a - y)
        return tf.nn.relu(b * 2.0 - 1.0) + (tf.constant(2.0) * 3.0)

    g = trace(f, SPEC, SPEC)
    for name, fn, _ in passes.PASSES:
        g = verify(fn(g))
    verify(passes.optimize(trace(f, SPEC, SPEC), 2))


def test_buffer_reuse_bias_add_relu_and_relu_grad_run_in_place():
    def f(x, w, b):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.nn.relu(tf.nn.bias_add(tf.matmul(x, w), b))
            loss = tf.reduce_sum(tf.matmul(y, w, transpose_b=True))
        return y, tape.gradient(loss, x)

    g = trace(f, tf.TensorSpec([4, 3]), tf.TensorSpec([3, 5]), tf.TensorSpec([5]))
    after = passes.buffer_reuse(passes.fusion(g))
    kinds = sorted(n.attrs["kind"] for n in after.nodes if n.type == "InplaceLayerOp")
    # the GEMM's result takes the bias, then the Relu; dy (a GEMM's result) takes the mask
    assert kinds == ["BiasAdd", "Relu", "ReluGrad"]
    rng = np.random.default_rng(0)
    args = [rng.standard_normal(s).astype(np.float32) for s in ((4, 3), (3, 5), (5,))]
    copies = [a.copy() for a in args]
    check_same(g, after, *args)
    for a, c in zip(args, copies):
        np.testing.assert_array_equal(a, c)  # inputs are never written
    x, w, b = (a.astype(np.float64) for a in args)
    y = np.maximum(x @ w + b, 0)
    got_y, got_dx = run(after, *args)
    np.testing.assert_allclose(got_y, y, rtol=1e-5, atol=1e-6)
    dy = np.ones((4, 3)) @ w
    np.testing.assert_allclose(got_dx, (dy * (y > 0)) @ w.T, rtol=1e-4, atol=1e-5)


def test_fused_relu_grad_writes_into_the_chain_buffer():
    def f(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.nn.relu(x * 2.0)
            loss = tf.reduce_sum(y * y)
        return tape.gradient(loss, x)

    g = trace(f, tf.TensorSpec([6]))
    after = passes.buffer_reuse(passes.fusion(g))
    fused = [n.attrs["steps"] for n in after.nodes if n.type == "FusedElementwise"]
    assert any("ReluGrad" in s.names for s in fused)
    x = np.array([-2.0, -0.5, 0.0, 0.25, 1.0, 3.0], np.float32)
    (got,) = run(after, x)
    np.testing.assert_allclose(got, 8 * x * (x > 0), rtol=1e-6)


def test_buffer_reuse_never_writes_a_shared_or_input_buffer():
    # the BiasAdd's input is an input; the Relu's input is used twice: both stay out of place
    g = trace(lambda x, b: tf.nn.relu(tf.nn.bias_add(x, b)) + tf.nn.bias_add(x, b) * 0.0,
              tf.TensorSpec([2, 3]), tf.TensorSpec([3]))
    after = passes.buffer_reuse(passes.cse(g))
    assert "InplaceLayerOp" not in types(after)


def test_executor_per_node_profile():
    g = trace(lambda x: tf.exp(x) * 2.0, SPEC)
    ex = Executor(g, CPU0, profile=True)
    ex.run(X)
    ex.run(X)
    timed = {n.type: calls for n, (seconds, calls) in ex.node_times.items()}
    assert timed == {"Exp": 2, "Mul": 2}
    assert "Exp" in ex.profile_report()
    assert Executor(g, CPU0).node_times == {}


def _relu_pool_loss(x, w):
    with tf.GradientTape() as tape:
        tape.watch(x)
        r = tf.nn.relu(tf.nn.conv2d(x, w, 1, "SAME"))
        p = tf.nn.max_pool2d(r, 2, 2, "VALID")
        loss = tf.reduce_sum(p * p * 0.5 - p)
    return tape.gradient(loss, x)


def test_relu_pool_grad_masks_the_pooled_gradient_exactly():
    g = trace(_relu_pool_loss, tf.TensorSpec([2, 6, 6, 3]), tf.TensorSpec([3, 3, 3, 4]))
    after = passes.relu_pool_grad(g)
    verify(after)
    # the mask now runs on the pooled gradient, before the pooling's gradient
    relu_grads = [n for n in after.nodes if n.type == "ReluGrad"]
    assert len(relu_grads) == 1 and relu_grads[0].outputs[0].shape.as_list() == [2, 3, 3, 4]
    pool_grad = next(n for n in after.nodes if n.type == "MaxPoolGrad")
    assert pool_grad.inputs[2] is relu_grads[0].outputs[0]
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 6, 6, 3)).astype(np.float32)
    w = rng.standard_normal((3, 3, 3, 4)).astype(np.float32)
    x[0, :2] = -5.0  # whole windows of zeros after the Relu: ties, and a zero mask
    for a, b in zip(run(g, x, w), run(after, x, w)):
        np.testing.assert_array_equal(a, b)


def test_relu_pool_grad_leaves_other_patterns_alone():
    def f(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            r = tf.nn.relu(x)
            p = tf.nn.max_pool2d(r * 2.0, 2, 2, "VALID")  # pools something other than r
            loss = tf.reduce_sum(p)
        return tape.gradient(loss, x)

    g = trace(f, tf.TensorSpec([1, 4, 4, 2]))
    assert types(passes.relu_pool_grad(g)) == types(g)


@pytest.mark.parametrize("c,strides,padding,dilations,relu", [
    (1, 1, "VALID", 1, True), (3, 1, "SAME", 1, True), (4, 2, "SAME", 1, False),
    (2, 1, "VALID", 2, True)])
def test_remapper_fuses_conv_bias_relu(c, strides, padding, dilations, relu, monkeypatch):
    import importlib

    remap_module = importlib.import_module("tensorweave.graph.passes.remapper")
    monkeypatch.setattr(remap_module, "BLOCK_BYTES", 512)  # several blocks, a ragged last one

    def f(x, w, b):
        y = tf.nn.bias_add(tf.nn.conv2d(x, w, strides, padding, dilations=dilations), b)
        return tf.nn.relu(y) if relu else y

    g = trace(f, tf.TensorSpec([5, 9, 8, c]), tf.TensorSpec([3, 3, c, 4]), tf.TensorSpec([4]))
    after = passes.remapper(g)
    verify(after)
    assert [n.attrs["relu"] for n in after.nodes if n.type == "_FusedConv2D"] == [relu]
    assert not {"Conv2D", "BiasAdd", "Relu"} & set(types(after))
    rng = np.random.default_rng(2)
    args = [rng.standard_normal(s).astype(np.float32) for s in ((5, 9, 8, c), (3, 3, c, 4), (4,))]
    (want,), (got,) = run(g, *args), run(after, *args)
    assert want.shape == got.shape
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    if relu:
        assert (got == 0).any() and (got > 0).any()


def test_remapper_keeps_values_used_elsewhere():
    def f(x, w, b):
        y = tf.nn.bias_add(tf.nn.conv2d(x, w, 1, "VALID"), b)
        return tf.nn.relu(y), y  # the pre-activation is an output: the Relu stays apart

    g = trace(f, tf.TensorSpec([1, 4, 4, 2]), tf.TensorSpec([3, 3, 2, 3]), tf.TensorSpec([3]))
    after = passes.remapper(g)
    assert "Relu" in types(after)
    assert [n.attrs["relu"] for n in after.nodes if n.type == "_FusedConv2D"] == [False]
    g2 = trace(lambda x, w, b: tf.nn.bias_add(tf.nn.conv2d(x, w, 1, "VALID"), b)
               + tf.nn.conv2d(x, w, 1, "VALID") * 0.0,
               tf.TensorSpec([1, 4, 4, 2]), tf.TensorSpec([3, 3, 2, 3]), tf.TensorSpec([3]))
    assert "_FusedConv2D" not in types(passes.remapper(passes.cse(g2)))


def test_remapper_pools_in_the_fused_conv():
    import importlib

    remap_module = importlib.import_module("tensorweave.graph.passes.remapper")

    def f(x, w, b):
        r = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(x, w, 1, "VALID"), b))
        early = r * 2.0  # read between the Relu and the pool
        return tf.nn.max_pool2d(r, 2, 2, "VALID"), early

    g = trace(f, tf.TensorSpec([6, 9, 9, 3]), tf.TensorSpec([3, 3, 3, 4]), tf.TensorSpec([4]))
    after = passes.remapper(g)
    verify(after)
    fused = [n for n in after.nodes if n.type == "_FusedConv2D"]
    assert len(fused) == 1 and len(fused[0].outputs) == 2
    assert "MaxPool" not in types(after)
    rng = np.random.default_rng(4)
    args = [rng.standard_normal(s).astype(np.float32) for s in ((6, 9, 9, 3), (3, 3, 3, 4), (4,))]
    want = run(g, *args)
    for block in (1 << 20, 3000):  # one block; several blocks of samples
        remap_module.BLOCK_BYTES, saved = block, remap_module.BLOCK_BYTES
        try:
            got = run(after, *args)
        finally:
            remap_module.BLOCK_BYTES = saved
        for a, b in zip(want, got):
            assert a.shape == b.shape
            np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-5)
