"""tf.function: tracing, the cache and its retracing rules, variables, tapes, errors."""

import warnings

import numpy as np
import pytest

import tensorweave as tf


def test_traced_matches_eager():
    def f(x, y):
        return tf.reduce_sum(x * y + 1.0) - tf.matmul(x, y)[0, 0]

    x = np.arange(4.0).reshape(2, 2).astype(np.float32)
    y = np.ones((2, 2), np.float32)
    eager = f(tf.constant(x), tf.constant(y)).numpy()
    traced = tf.function(f)(tf.constant(x), tf.constant(y)).numpy()
    np.testing.assert_allclose(traced, eager)
    np.testing.assert_allclose(traced, (x * y + 1).sum() - (x @ y)[0, 0])


def test_retracing_on_shape_dtype_and_python_values():
    f = tf.function(lambda x, n: x * n)
    f(tf.constant([1.0]), 2)
    f(tf.constant([3.0]), 2)
    assert f.experimental_get_tracing_count() == 1
    f(tf.constant([1.0, 2.0]), 2)  # new shape
    assert f.experimental_get_tracing_count() == 2
    f(tf.constant([1, 2]), 2)  # new dtype
    assert f.experimental_get_tracing_count() == 3
    f(tf.constant([1, 2]), 3)  # new Python value
    assert f.experimental_get_tracing_count() == 4
    f(tf.constant([5, 6]), 3)
    assert f.experimental_get_tracing_count() == 4


def test_python_side_effects_only_while_tracing():
    calls = []

    @tf.function
    def f(x):
        calls.append(1)
        return x + 1

    for _ in range(3):
        f(tf.constant(1))
    assert len(calls) == 1


def test_input_signature_and_none_dims():
    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
    def f(x):
        return x * 2.0

    np.testing.assert_allclose(f(tf.constant([1.0, 2.0])).numpy(), [2, 4])
    np.testing.assert_allclose(f(tf.constant([1.0, 2.0, 3.0])).numpy(), [2, 4, 6])
    np.testing.assert_allclose(f([1.0]).numpy(), [2])  # Python values are converted
    assert f.experimental_get_tracing_count() == 1
    with pytest.raises(TypeError):
        f(tf.constant([[1.0]]))
    with pytest.raises(TypeError):
        f(tf.constant([1, 2]))
    cf = f.get_concrete_function()
    assert cf.inputs[0].shape.as_list() == [None]
    assert cf.outputs[0].shape.as_list() == [None]


def test_reduce_retracing_relaxes_dims():
    f = tf.function(lambda x: x + 1, reduce_retracing=True)
    for n in range(1, 6):
        f(tf.zeros([n]))
    assert f.experimental_get_tracing_count() == 2
    f(tf.zeros([2, 2]))
    assert f.experimental_get_tracing_count() == 3


def test_concrete_function():
    @tf.function
    def f(x):
        return {"double": x * 2, "label": "fixed"}

    cf = f.get_concrete_function(tf.TensorSpec([None, 2], tf.float32))
    out = cf(tf.ones([3, 2]))
    assert out["label"] == "fixed"
    assert out["double"].shape == (3, 2)
    assert [op.type for op in cf.graph.get_operations()] == ["Placeholder", "Const", "Mul"]
    assert cf.structured_outputs["double"].shape.as_list() == [None, 2]
    # a call the concrete trace covers reuses it
    f(tf.ones([5, 2]))
    assert f.experimental_get_tracing_count() == 1
    scaled = tf.function(lambda x, k: x * k).get_concrete_function(tf.TensorSpec([]), 3.0)
    assert float(scaled(tf.constant(2.0), 3.0)) == 6.0
    with pytest.raises(TypeError, match="Python value"):
        scaled(tf.constant(2.0), 4.0)


def test_method_binding_caches_per_instance():
    class M(tf.Module):
        def __init__(self, k):
            super().__init__()
            self.v = tf.Variable(k)

        @tf.function
        def __call__(self, x):
            return x * self.v

    a, b = M(2.0), M(3.0)
    assert float(a(tf.constant(1.0))) == 2.0
    assert float(b(tf.constant(1.0))) == 3.0
    assert a.__call__ is a.__call__
    assert a.__call__.experimental_get_tracing_count() == 1


def test_variables_assignments_in_program_order():
    v = tf.Variable(1.0)

    @tf.function
    def f():
        v.assign(v * 2.0)
        a = v.read_value()
        v.assign_add(1.0)
        return a, v.read_value()

    a, b = f()
    assert (float(a), float(b)) == (2.0, 3.0)
    a, b = f()
    assert (float(a), float(b)) == (6.0, 7.0)


def test_variable_created_on_first_trace_only():
    class Lazy:
        v = None

        @tf.function
        def __call__(self, x):
            if self.v is None:
                self.v = tf.Variable(tf.ones([2]) * 0 + 1.0)
            return self.v + x

    lazy = Lazy()
    np.testing.assert_allclose(lazy(tf.constant(1.0)).numpy(), [2, 2])
    np.testing.assert_allclose(lazy(tf.constant(2.0)).numpy(), [3, 3])

    @tf.function
    def always(x):
        return tf.Variable(1.0) + x

    with pytest.raises(ValueError, match="singleton tf.Variables"):
        always(tf.constant(1.0))


def test_gradient_tape_inside_and_around():
    v = tf.Variable(3.0)

    @tf.function
    def inside(x):
        with tf.GradientTape() as t:
            t.watch(x)
            y = x * x * v
        return t.gradient(y, [x, v])

    gx, gv = inside(tf.constant(2.0))
    assert (float(gx), float(gv)) == (12.0, 4.0)

    f = tf.function(lambda x: x * x * v)
    x = tf.constant(2.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = f(x)
    gx, gv = t.gradient(y, [x, v])
    assert (float(gx), float(gv)) == (12.0, 4.0)


def test_nested_functions_inline():
    inner = tf.function(lambda x: x + 1)
    outer = tf.function(lambda x: inner(x) * 2)
    assert float(outer(tf.constant(1.0))) == 4.0
    assert "AddV2" in [op.type for op in outer.get_concrete_function(
        tf.constant(1.0)).graph.get_operations()]


def test_run_functions_eagerly():
    seen = []

    @tf.function
    def f(x):
        seen.append(x.numpy())
        return x

    tf.config.run_functions_eagerly(True)
    try:
        assert tf.config.functions_run_eagerly()
        f(tf.constant(1))
        f(tf.constant(2))
    finally:
        tf.config.run_functions_eagerly(False)
    assert seen == [1, 2]
    with pytest.raises(NotImplementedError):
        f(tf.constant(3))  # traced: no value while tracing


def test_frequent_retracing_warning_names_argument():
    f = tf.function(lambda x: x)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        for n in range(6):
            f(tf.zeros([n]))
    messages = [str(m.message) for m in w if "retracing" in str(m.message)]
    assert len(messages) == 1
    assert "'x'" in messages[0] and "shape=(4,)" in messages[0]


def test_runtime_error_names_op_and_line():
    @tf.function
    def f(x, i):
        return tf.matmul(x, i)  # line that the error must name

    f.get_concrete_function(tf.TensorSpec([None, None]), tf.TensorSpec([None, None]))
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        f(tf.ones([2, 3]), tf.ones([2, 3]))
    message = str(info.value)
    assert "MatMul" in message and "test_function.py" in message
    assert "[2, 3] float32" in message  # the shapes it got at run time


def test_returns_nested_and_python_values():
    @tf.function
    def f(x):
        return (x, [x + 1, None], 3)

    a, (b, c), d = f(tf.constant(1))
    assert int(a) == 1 and int(b) == 2 and c is None and d == 3


def test_warning_for_tf_function_created_in_a_loop():
    def body(x):
        return x + 1

    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        for _ in range(6):
            tf.function(body)(tf.constant(1))
    assert sum("repeatedly" in str(m.message) for m in w) == 1


def test_variable_arguments_share_a_trace_and_get_gradients():
    @tf.function
    def update(var, grad):
        var.assign_sub(0.5 * grad)
        return var.read_value()

    a, b = tf.Variable([1.0, 2.0]), tf.Variable([3.0, 4.0])
    update(a, tf.constant([2.0, 2.0]))
    update(b, tf.constant([2.0, 2.0]))
    assert a.numpy().tolist() == [0.0, 1.0] and b.numpy().tolist() == [2.0, 3.0]
    assert update.experimental_get_tracing_count() == 1
    square = tf.function(lambda v: tf.reduce_sum(v * v))
    for v in (a, b):
        with tf.GradientTape() as t:
            y = square(v)
        np.testing.assert_allclose(t.gradient(y, v).numpy(), 2 * v.numpy())
