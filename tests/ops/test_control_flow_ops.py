"""Control flow (cond, case, switch_case, while_loop, map_fn, scan, folds, TensorArray) and
tf.print: eager and traced agree with NumPy, gradients agree with finite differences."""

import sys

import numpy as np
import pytest

import tensorweave as tf

MODES = ["eager", "traced"]


def run(mode, fn, *args):
    f = tf.function(fn) if mode == "traced" else fn
    return f(*args)


def numeric_grad(f, x, eps=1e-6):
    x = np.array(x, dtype=np.float64)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        d = np.zeros_like(x)
        d[i] = eps
        g[i] = (f(x + d) - f(x - d)) / (2 * eps)
    return g


def tape_grad(mode, fn, x):
    def g(x):
        with tf.GradientTape() as t:
            t.watch(x)
            y = tf.reduce_sum(fn(x))
        return t.gradient(y, x)
    return run(mode, g, tf.constant(x)).numpy()


@pytest.mark.parametrize("mode", MODES)
def test_cond_values_and_gradient(mode):
    def f(x):
        return tf.cond(tf.reduce_sum(x) > 0, lambda: x * x, lambda: -3.0 * x)

    for x in ([1.0, 2.0], [-1.0, -2.0]):
        x = np.array(x)
        want = x * x if x.sum() > 0 else -3 * x
        np.testing.assert_allclose(run(mode, f, tf.constant(x)).numpy(), want)
        np.testing.assert_allclose(
            tape_grad(mode, f, x),
            numeric_grad(lambda v: (v * v if v.sum() > 0 else -3 * v).sum(), x), rtol=1e-6)


def test_cond_is_one_node_and_checks_branches():
    @tf.function
    def f(x):
        return tf.cond(x > 0, lambda: x + 1.0, lambda: x - 1.0)

    types = [op.type for op in f.get_concrete_function(tf.constant(1.0)).graph.get_operations()]
    assert types.count("StatelessIf") == 1 and "AddV2" not in types
    with pytest.raises(TypeError):
        tf.function(lambda x: tf.cond(x > 0, lambda: x, lambda: tf.constant(1)))(tf.constant(1.0))


def test_cond_second_derivative_traced():
    @tf.function
    def f(x):
        with tf.GradientTape() as t2:
            t2.watch(x)
            with tf.GradientTape() as t1:
                t1.watch(x)
                y = tf.cond(x > 0, lambda: x * x * x, lambda: x)
            dy = t1.gradient(y, x)
        return dy, t2.gradient(dy, x)

    dy, d2y = f(tf.constant(2.0, tf.float64))
    assert float(dy) == 12.0 and float(d2y) == 12.0


def test_cond_gradient_reaches_variables_and_keeps_assign_order():
    v = tf.Variable(2.0)

    @tf.function
    def f(x):
        with tf.GradientTape() as t:
            y = tf.cond(x > 0, lambda: v * x, lambda: v * v)
        return t.gradient(y, v)

    assert float(f(tf.constant(3.0))) == 3.0
    assert float(f(tf.constant(-1.0))) == 4.0

    @tf.function
    def g(x):
        tf.cond(x > 0, lambda: v.assign_add(x), lambda: v.assign_sub(x))
        return v.read_value()

    assert float(g(tf.constant(1.0))) == 3.0
    assert float(g(tf.constant(-1.0))) == 4.0


@pytest.mark.parametrize("mode", MODES)
def test_case_and_switch_case(mode):
    def f(i):
        return tf.switch_case(i, [lambda: tf.constant(10), lambda: tf.constant(20)],
                              default=lambda: tf.constant(-1))

    assert [int(run(mode, f, tf.constant(i))) for i in (0, 1, 5)] == [10, 20, -1]

    def g(x):
        return tf.case([(x < 0, lambda: tf.constant(-1)), (x > 0, lambda: tf.constant(1))],
                       default=lambda: tf.constant(0))

    assert [int(run(mode, g, tf.constant(v))) for v in (-2.0, 0.0, 3.0)] == [-1, 0, 1]


@pytest.mark.parametrize("mode", MODES)
def test_while_loop_values_and_gradient(mode):
    def f(x):
        _, y = tf.while_loop(lambda i, y: i < 3, lambda i, y: (i + 1, y * x + 1.0),
                             [tf.constant(0), tf.ones_like(x)])
        return y

    def ref(x):
        y = np.ones_like(x)
        for _ in range(3):
            y = y * x + 1
        return y

    x = np.array([0.5, -1.5, 2.0])
    np.testing.assert_allclose(run(mode, f, tf.constant(x)).numpy(), ref(x))
    np.testing.assert_allclose(tape_grad(mode, f, x), numeric_grad(lambda v: ref(v).sum(), x),
                               rtol=1e-6)


def test_while_loop_shape_invariants_and_maximum_iterations():
    @tf.function
    def grow(n):
        return tf.while_loop(lambda x: tf.size(x) < n, lambda x: tf.concat([x, x], 0),
                             [tf.ones([1])], shape_invariants=[tf.TensorShape([None])])[0]

    assert grow(tf.constant(5)).shape == (8,)
    with pytest.raises(ValueError, match="shape_invariants"):
        tf.function(lambda: tf.while_loop(lambda x: tf.size(x) < 4,
                                          lambda x: tf.concat([x, x], 0), [tf.ones([1])]))()

    @tf.function
    def capped():
        return tf.while_loop(lambda i: True, lambda i: i + 1, tf.constant(0),
                             maximum_iterations=7)

    assert int(capped()) == 7
    assert int(tf.while_loop(lambda i: True, lambda i: i + 1, tf.constant(0),
                             maximum_iterations=4)) == 4


def test_while_loop_with_stateful_body_keeps_order():
    v = tf.Variable(0)

    @tf.function
    def f(n):
        tf.while_loop(lambda i: i < n, lambda i: (v.assign_add(i), i + 1)[1], [tf.constant(0)])
        return v.read_value()

    assert int(f(tf.constant(4))) == 6


@pytest.mark.parametrize("mode", MODES)
def test_map_fn_scan_folds(mode):
    x = np.array([1.0, 2.0, 3.0, 4.0])
    t = tf.constant(x)
    np.testing.assert_allclose(run(mode, lambda v: tf.map_fn(lambda r: r * r, v), t).numpy(),
                               x * x)
    np.testing.assert_allclose(run(mode, lambda v: tf.scan(lambda a, r: a + r, v), t).numpy(),
                               np.cumsum(x))
    np.testing.assert_allclose(
        run(mode, lambda v: tf.scan(lambda a, r: a + r, v, reverse=True), t).numpy(),
        np.cumsum(x[::-1])[::-1])
    assert float(run(mode, lambda v: tf.foldl(lambda a, r: a - r, v), t)) == 1 - 2 - 3 - 4
    assert float(run(mode, lambda v: tf.foldr(lambda a, r: a - r, v,
                                              initializer=tf.constant(0.0, tf.float64)), t)) \
        == -10
    pair = run(mode, lambda v: tf.map_fn(lambda r: (r[0] * 2, r[1]), (v, v > 2),
                                         fn_output_signature=(tf.float64, tf.bool)), t)
    np.testing.assert_allclose(pair[0].numpy(), 2 * x)
    assert pair[1].numpy().tolist() == [False, False, True, True]
    np.testing.assert_allclose(
        tape_grad(mode, lambda v: tf.scan(lambda a, r: a * r, v), x),
        numeric_grad(lambda v: np.cumprod(v).sum(), x), rtol=1e-6)


@pytest.mark.parametrize("mode", MODES)
def test_tensor_array(mode):
    def f(n):
        ta = tf.TensorArray(tf.float32, size=0, dynamic_size=True)
        _, ta = tf.while_loop(lambda i, ta: i < n,
                              lambda i, ta: (i + 1, ta.write(i, tf.cast(i, tf.float32) ** 2)),
                              [tf.constant(0), ta])
        return ta.stack(), ta.read(1), ta.size()

    stacked, one, size = run(mode, f, tf.constant(4))
    assert stacked.numpy().tolist() == [0, 1, 4, 9]
    assert float(one) == 1 and int(size) == 4
    ta = tf.TensorArray(tf.int32, size=2)
    with pytest.raises(Exception):
        ta.write(2, 1).stack()
    assert tf.TensorArray(tf.int32, size=3).unstack([4, 5, 6]).read(2).numpy() == 6


def test_print_runs_at_every_call(capsys):
    @tf.function
    def f(x):
        print("tracing")
        tf.print("x:", x, [x, 2], output_stream=sys.stdout)
        return x

    f(tf.constant([1.5, 2.0]))
    f(tf.constant([3.0, 4.0]))
    out = capsys.readouterr().out
    assert out == "tracing\nx: [1.5 2] [[1.5 2], 2]\nx: [3 4] [[3 4], 2]\n"
    tf.print(tf.reshape(tf.range(100), [10, 10]), summarize=1, output_stream=sys.stdout)
    assert capsys.readouterr().out == "[[0 ... 9]\n ...\n [90 ... 99]]\n"


def test_tensor_array_in_place_writes_leave_constants_alone():
    @tf.function
    def f(x):
        ta = tf.TensorArray(tf.float32, size=3, element_shape=[2])  # a constant zero buffer
        _, ta = tf.while_loop(lambda i, ta: i < 3,
                              lambda i, ta: (i + 1, ta.write(i, x * tf.cast(i, tf.float32))),
                              [tf.constant(0), ta])
        return ta.stack()

    x = tf.constant([1.0, 2.0])
    first = f(x).numpy()
    second = f(x * 10.0).numpy()
    np.testing.assert_allclose(first, [[0, 0], [1, 2], [2, 4]])
    np.testing.assert_allclose(second, 10 * first)
    cf = f.get_concrete_function(x)
    loop = next(n for n in cf.graph.nodes if "While" in n.type)
    assert loop.attrs["body"].owned == (1,)


@pytest.mark.parametrize("mode", MODES)
def test_back_prop_false_stops_gradients(mode):
    def g(x):
        with tf.GradientTape() as t:
            t.watch(x)
            y = tf.while_loop(lambda i, y: i < 2, lambda i, y: (i + 1, y * x),
                              [tf.constant(0), x], back_prop=False)[1]
            z = tf.reduce_sum(tf.map_fn(lambda r: r * r, x, back_prop=False) + y)
        return t.gradient(z, x)

    assert run(mode, g, tf.constant([2.0, 3.0])) is None


def test_case_exclusive_checks_at_run_time():
    @tf.function
    def f(x):
        return tf.case([(x > 0, lambda: tf.constant(1)), (x > 1, lambda: tf.constant(2))],
                       default=lambda: tf.constant(0), exclusive=True)

    assert int(f(tf.constant(0.5))) == 1
    with pytest.raises(tf.errors.InvalidArgumentError, match="exclusive"):
        f(tf.constant(5.0))
