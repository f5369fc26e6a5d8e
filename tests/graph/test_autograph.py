"""AutoGraph: Python control flow on tensors becomes graph control flow; on Python values it
stays Python."""

import numpy as np
import pytest

import tensorweave as tf


def op_types(f, *args):
    return [op.type for op in f.get_concrete_function(*args).graph.get_operations()]


def test_if_on_tensor_becomes_cond():
    @tf.function
    def f(x):
        if tf.reduce_sum(x) > 0:
            y = x * 2
        else:
            y = -x
        return y

    assert f(tf.constant([1, 2])).numpy().tolist() == [2, 4]
    assert f(tf.constant([-1, -2])).numpy().tolist() == [1, 2]
    assert "StatelessIf" in op_types(f, tf.constant([1, 2]))


def test_if_on_python_value_stays_python():
    @tf.function
    def f(x, flag):
        if flag:
            x = x + 1
        return x

    assert int(f(tf.constant(1), True)) == 2
    assert int(f(tf.constant(1), False)) == 1
    assert "StatelessIf" not in op_types(f, tf.constant(1), True)


def test_while_on_tensor_with_python_counter_promoted():
    @tf.function
    def f(n):
        i = 0
        s = tf.constant(0)
        while i < n:
            s += i
            i += 1
        return s

    assert int(f(tf.constant(5))) == 10
    assert int(f(tf.constant(0))) == 0
    assert "StatelessWhile" in op_types(f, tf.constant(5))


def test_for_over_tensor_with_break_and_continue():
    @tf.function
    def f(x):
        total = 0.0
        for v in x:
            if v < 0:
                continue
            if v > 10:
                break
            total += v
        return total

    assert float(f(tf.constant([1.0, -2.0, 3.0, 20.0, 5.0]))) == 4.0
    assert float(f(tf.constant([1.0, 2.0]))) == 3.0


def test_return_inside_loop_and_if():
    @tf.function
    def first_square_above(x):
        for i in tf.range(10):
            if i * i > x:
                return i
        return -1

    assert int(first_square_above(tf.constant(20))) == 5
    assert int(first_square_above(tf.constant(200))) == -1

    @tf.function
    def early(x):
        if x > 0:
            return x * 2
        return x - 1

    assert int(early(tf.constant(3))) == 6 and int(early(tf.constant(-3))) == -4


def test_python_loop_unrolls_and_boolean_operators():
    @tf.function
    def f(x, n):
        for i in range(n):
            x = x + i
        if x > 0 and not x > 100:
            x = x * 10
        return x

    assert int(f(tf.constant(1), 3)) == 40
    assert int(f(tf.constant(200), 1)) == 200


def test_methods_are_converted():
    class M(tf.Module):
        @tf.function
        def __call__(self, x):
            if x > 0:
                return x
            return -x

    m = M()
    assert int(m(tf.constant(3))) == 3 and int(m(tf.constant(-4))) == 4


def test_gradient_through_converted_if():
    @tf.function
    def f(x):
        with tf.GradientTape() as t:
            t.watch(x)
            if x > 0:
                y = x * x
            else:
                y = x * 3.0
        return t.gradient(y, x)

    assert float(f(tf.constant(2.0))) == 4.0
    assert float(f(tf.constant(-2.0))) == 3.0


def test_do_not_convert_and_autograph_false():
    @tf.function(autograph=False)
    def f(x):
        if x > 0:
            return x
        return -x

    with pytest.raises(TypeError, match="Python bool"):
        f(tf.constant(1))

    @tf.function
    @tf.autograph.experimental.do_not_convert
    def g(x):
        if x > 0:
            return x
        return -x

    with pytest.raises(TypeError):
        g(tf.constant(1))


def test_variable_only_set_in_one_branch_is_an_error_when_used():
    @tf.function
    def f(x):
        if x > 0:
            y = x
        return y + 1

    with pytest.raises(NameError):
        f(tf.constant(1))


def test_matches_eager_on_loops():
    def collatz_steps(n):
        steps = tf.constant(0)
        while n != 1:
            if n % 2 == 0:
                n = n // 2
            else:
                n = 3 * n + 1
            steps += 1
        return steps

    traced = tf.function(collatz_steps)
    for n in (1, 6, 27):
        assert int(traced(tf.constant(n))) == int(collatz_steps(tf.constant(n)))
    np.testing.assert_equal(int(traced(tf.constant(27))), 111)


def test_for_over_dataset_runs_at_every_call():
    counter = tf.Variable(0.0)
    data = tf.data.Dataset.from_tensor_slices(np.arange(6, dtype=np.float32)).batch(2)

    @tf.function
    def total():
        s = tf.constant(0.0)
        for batch in data:
            s += tf.reduce_sum(batch)
            counter.assign_add(1.0)
            if s > 4.0:
                break
        return s

    assert float(total()) == 6.0  # 0+1, then 2+3: past 4, break
    assert float(total()) == 6.0
    assert float(counter.numpy()) == 4.0  # two batches per call, at every call
    assert "ForDataset" in op_types(total)


def test_range_and_len_of_tensors():
    @tf.function
    def f(x):
        total = tf.constant(0)
        for i in range(len(x)):
            total += x[i]
        return total

    assert int(f(tf.constant([1, 2, 3]))) == 6
    spec = f.get_concrete_function(tf.TensorSpec([None], tf.int32))
    assert int(spec(tf.constant([4, 5]))) == 9


def test_set_loop_options_shape_invariants_and_maximum_iterations():
    @tf.function
    def grow(n):
        result = tf.zeros([0])
        for i in tf.range(n):
            tf.autograph.experimental.set_loop_options(
                shape_invariants=[(result, tf.TensorShape([None]))])
            result = tf.concat([result, [tf.cast(i, tf.float32)]], 0)
        return result

    assert grow(tf.constant(4)).numpy().tolist() == [0, 1, 2, 3]

    @tf.function
    def capped(n):
        i = tf.constant(0)
        while i < n:
            tf.autograph.experimental.set_loop_options(maximum_iterations=3)
            i += 1
        return i

    assert int(capped(tf.constant(10))) == 3


def test_early_return_with_unknown_dims():
    @tf.function(input_signature=[tf.TensorSpec([None, 3])])
    def f(x):
        if tf.reduce_sum(x) > 0:
            return x * 2.0
        return x - 1.0

    assert f(tf.ones([2, 3])).numpy().tolist() == [[2.0] * 3] * 2
    assert f(-tf.ones([1, 3])).numpy().tolist() == [[-2.0] * 3]
