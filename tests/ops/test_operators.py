"""Python operators on Tensor and Variable: TensorFlow 2 semantics, checked against NumPy, with
property tests of broadcasting arithmetic."""

import operator

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tensorweave as tf
from tensorweave.framework.errors import InvalidArgumentError


def _shapes_that_broadcast():
    return hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3)


_FLOATS = st.floats(-100, 100, allow_nan=False, width=32)


@settings(max_examples=40, deadline=None)
@given(shapes=_shapes_that_broadcast(), data=st.data(),
       op=st.sampled_from([operator.add, operator.sub, operator.mul]))
def test_broadcasting_arithmetic_matches_numpy(shapes, data, op):
    sx, sy = shapes.input_shapes
    x = data.draw(hnp.arrays(np.float32, sx, elements=_FLOATS))
    y = data.draw(hnp.arrays(np.float32, sy, elements=_FLOATS))
    out = op(tf.constant(x), tf.constant(y))
    expected = op(x, y)
    assert out.shape.as_list() == list(expected.shape)
    assert out.dtype is tf.float32
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6)


@settings(max_examples=30, deadline=None)
@given(shapes=_shapes_that_broadcast(), data=st.data())
def test_broadcasting_gradients_have_the_input_shapes(shapes, data):
    sx, sy = shapes.input_shapes
    x = tf.constant(data.draw(hnp.arrays(np.float64, sx, elements=_FLOATS)))
    y = tf.constant(data.draw(hnp.arrays(np.float64, sy, elements=_FLOATS)))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([x, y])
        z = tf.reduce_sum(x * y + x - y)
    gx, gy = tape.gradient(z, [x, y])
    assert gx.shape == x.shape and gy.shape == y.shape
    # d/dx sum(x*y + x - y) = sum of (y + 1) over the broadcast axes of x
    full = np.broadcast_shapes(sx, sy)
    ex = np.broadcast_to(y.numpy() + 1, full)
    np.testing.assert_allclose(gx.numpy(), _sum_to(ex, sx), rtol=1e-9)


def _sum_to(a, shape):
    lead = a.ndim - len(shape)
    a = a.sum(axis=tuple(range(lead))) if lead else a
    axes = tuple(i for i, d in enumerate(shape) if d == 1 and a.shape[i] != 1)
    return a.sum(axis=axes, keepdims=True) if axes else a


@settings(max_examples=40, deadline=None)
@given(x=hnp.arrays(np.int32, 5, elements=st.integers(-50, 50)),
       y=hnp.arrays(np.int32, 5, elements=st.integers(-7, 7).filter(bool)))
def test_integer_floordiv_and_mod_round_toward_minus_infinity(x, y):
    q, r = tf.constant(x) // tf.constant(y), tf.constant(x) % tf.constant(y)
    np.testing.assert_array_equal(q.numpy(), np.floor_divide(x, y))
    np.testing.assert_array_equal(r.numpy(), np.mod(x, y))
    np.testing.assert_array_equal(q.numpy() * y + r.numpy(), x)
    t = tf.truncatediv(x, y).numpy()
    np.testing.assert_array_equal(t, np.trunc(x / y).astype(np.int32))
    np.testing.assert_array_equal(tf.truncatemod(x, y).numpy(), np.fmod(x, y))


def test_every_arithmetic_operator_and_its_reflection():
    a = tf.constant([4.0, -6.0])
    cases = {
        "a + 1": (a + 1, [5, -5]), "1 + a": (1 + a, [5, -5]),
        "a - 1": (a - 1, [3, -7]), "1 - a": (1 - a, [-3, 7]),
        "a * 2": (a * 2, [8, -12]), "2 * a": (2 * a, [8, -12]),
        "a / 2": (a / 2, [2, -3]), "12 / a": (12 / a, [3, -2]),
        "a // 4": (a // 4, [1, -2]), "9 // a": (9 // a, [2, -2]),
        "a % 4": (a % 4, [0, 2]), "9 % a": (9 % a, [1, -3]),
        "a ** 2": (a ** 2, [16, 36]), "2 ** a": (2 ** a, [16, 2 ** -6]),
        "-a": (-a, [-4, 6]), "abs(a)": (abs(a), [4, 6]),
    }
    for text, (got, want) in cases.items():
        assert isinstance(got, tf.Tensor), text
        assert got.dtype is tf.float32, text
        np.testing.assert_allclose(got.numpy(), want, err_msg=text)


def test_no_unary_plus_and_bool_multiplication_is_and():
    with pytest.raises(TypeError):  # TensorFlow's Tensor has no unary +
        +tf.constant([1.0])
    t, f = tf.constant([True, True]), tf.constant([True, False])
    np.testing.assert_array_equal((t * f).numpy(), [True, False])
    with pytest.raises(InvalidArgumentError):
        tf.multiply(t, f)


def test_matmul_operator_both_ways():
    m = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal((m @ m).numpy(), [[7, 10], [15, 22]])
    np.testing.assert_array_equal((np.eye(2, dtype=np.float32) @ m).numpy(), m.numpy())


def test_truediv_of_integers_follows_tensorflow():
    assert (tf.constant([1, 2]) / tf.constant([2, 2])).dtype is tf.float64
    assert (tf.constant([1, 2], tf.int16) / 2).dtype is tf.float32
    assert (tf.constant([1, 2], tf.uint8) / 2).dtype is tf.float32
    assert (tf.constant([1, 2], tf.int64) / 2).dtype is tf.float64
    np.testing.assert_array_equal((tf.constant([1, 2]) / 0).numpy(), [np.inf, np.inf])


def test_integer_division_by_zero_raises():
    with pytest.raises(InvalidArgumentError, match="Integer division by zero"):
        tf.constant([1, 2]) // 0
    with pytest.raises(InvalidArgumentError, match="Integer division by zero"):
        tf.constant([1, 2]) % tf.constant([1, 0])
    f = tf.constant([1.0, -1.0]) // 0.0
    np.testing.assert_array_equal(f.numpy(), [np.inf, -np.inf])


def test_float_floordiv_is_the_floor_of_the_true_quotient():
    # NumPy's floor_divide gives 9 here; TensorFlow floors 1.0 / 0.1 = 10.000000000000002
    assert float(tf.constant(1.0, tf.float64) // 0.1) == 10.0
    np.testing.assert_array_equal((tf.constant([-7.0, 7.0]) % -3.0).numpy(), [-1.0, -2.0])


def test_integer_power_rules():
    a = tf.constant([1, 2])
    np.testing.assert_array_equal((a ** 2).numpy(), [1, 4])
    assert (a ** 2).dtype is tf.int32
    with pytest.raises(InvalidArgumentError):
        a ** -1


def test_comparisons_are_elementwise():
    a = tf.constant([1, 2, 3])
    np.testing.assert_array_equal((a < 2).numpy(), [True, False, False])
    np.testing.assert_array_equal((a <= 2).numpy(), [True, True, False])
    np.testing.assert_array_equal((a > 2).numpy(), [False, False, True])
    np.testing.assert_array_equal((a >= 2).numpy(), [False, True, True])
    np.testing.assert_array_equal((2 < a).numpy(), [False, False, True])  # reflected by Python
    eq = a == 2
    assert eq.dtype is tf.bool
    np.testing.assert_array_equal(eq.numpy(), [False, True, False])
    np.testing.assert_array_equal((a != 2).numpy(), [True, False, True])
    np.testing.assert_array_equal((a == [1, 0, 3]).numpy(), [True, False, True])


def test_equality_edge_cases_follow_tensorflow_2():
    a = tf.constant([1, 2])
    assert (a == None) is False  # noqa: E711 - the operator itself is under test
    assert (a != None) is True  # noqa: E711
    clash = a == tf.constant([1, 2, 3])
    assert clash.shape.rank == 0 and not bool(clash)
    assert bool(a != tf.constant([1, 2, 3]))
    with pytest.raises(InvalidArgumentError):
        a == tf.constant([1.0, 2.0])
    with pytest.raises(TypeError):
        a == 1.5
    with pytest.raises(TypeError):
        a < "x"


def test_tensors_are_unhashable_but_have_refs():
    a = tf.constant([1])
    with pytest.raises(TypeError, match="unhashable"):
        hash(a)
    with pytest.raises(TypeError, match="unhashable"):
        {a}
    assert {a.ref(): 1}[a.ref()] == 1


def test_bitwise_and_logical_operators():
    a, b = tf.constant([12, 10]), tf.constant([10, 6])
    np.testing.assert_array_equal((a & b).numpy(), [8, 2])
    np.testing.assert_array_equal((a | b).numpy(), [14, 14])
    np.testing.assert_array_equal((a ^ b).numpy(), [6, 12])
    np.testing.assert_array_equal((1 | a).numpy(), [13, 11])
    np.testing.assert_array_equal((~a).numpy(), [-13, -11])
    t, f = tf.constant([True, True]), tf.constant([True, False])
    np.testing.assert_array_equal((t & f).numpy(), [True, False])
    np.testing.assert_array_equal((t | f).numpy(), [True, True])
    np.testing.assert_array_equal((t ^ f).numpy(), [False, True])
    np.testing.assert_array_equal((~f).numpy(), [False, True])
    assert (tf.constant(True) & True).dtype is tf.bool
    x = tf.constant([1.0])
    for bad in (lambda: x & x, lambda: x | x, lambda: ~x):
        with pytest.raises(InvalidArgumentError, match="not in the list of allowed values"):
            bad()
    with pytest.raises(InvalidArgumentError):
        -tf.constant([True])


def test_variables_take_part_in_every_operator():
    v = tf.Variable([1.0, 2.0])
    w = tf.constant([3.0, 4.0])
    np.testing.assert_array_equal((v + 1).numpy(), [2, 3])
    np.testing.assert_array_equal((1 + v).numpy(), [2, 3])
    np.testing.assert_array_equal((w - v).numpy(), [2, 2])
    np.testing.assert_array_equal((v * v).numpy(), [1, 4])
    np.testing.assert_array_equal((v / 2).numpy(), [0.5, 1])
    np.testing.assert_array_equal((v ** 2).numpy(), [1, 4])
    np.testing.assert_array_equal((-v).numpy(), [-1, -2])
    np.testing.assert_array_equal((v == w - 2).numpy(), [True, True])
    np.testing.assert_array_equal((v > 1).numpy(), [False, True])
    np.testing.assert_array_equal(abs(-v).numpy(), [1, 2])
    assert isinstance(v + 1, tf.Tensor)


def test_variable_operators_are_differentiated():
    v = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(v * v + 3 * v)
    np.testing.assert_array_equal(tape.gradient(y, v).numpy(), [5, 7])


def test_numpy_operands_take_the_tensor_dtype():
    a = tf.constant([1.0, 2.0])
    out = a * np.float64(2.0)
    assert out.dtype is tf.float32
    out = np.float64(2.0) * a
    assert isinstance(out, tf.Tensor) and out.dtype is tf.float32
    assert (a + np.array([1, 2])).dtype is tf.float32


def test_scalar_conversions_bool_index_len_iter():
    assert bool(tf.constant([1])) is True
    with pytest.raises(ValueError):
        bool(tf.constant([1, 2]))
    assert [10, 20, 30][tf.constant(1)] == 20
    with pytest.raises(TypeError):
        [10, 20][tf.constant(1.0)]
    assert int(tf.constant(2.7)) == 2 and float(tf.constant(2)) == 2.0
    assert len(tf.constant([[1, 2], [3, 4], [5, 6]])) == 3
    with pytest.raises(TypeError):
        len(tf.constant(3))
    rows = list(tf.constant([[1, 2], [3, 4]]))
    assert len(rows) == 2 and rows[1].numpy().tolist() == [3, 4]
    with pytest.raises(TypeError):
        iter(tf.constant(1))


def test_mixed_dtypes_are_refused():
    with pytest.raises(InvalidArgumentError, match="AddV2"):
        tf.constant([1]) + tf.constant([1.0])
    with pytest.raises(TypeError):
        tf.constant([1]) + 1.5


def test_python_operands_follow_tensorflow_conversion():
    np.testing.assert_array_equal((tf.constant([1.0]) + [1]).numpy(), [2.0])  # int -> float
    np.testing.assert_array_equal((tf.constant([1]) + [True]).numpy(), [2])
    with pytest.raises(InvalidArgumentError, match="AddV2"):
        tf.constant([1]) + [1.0]  # a float list never becomes int
    with pytest.raises(InvalidArgumentError, match="AddV2"):
        tf.add(1, 2.0)
    np.testing.assert_array_equal(tf.add([1.5], 2).numpy(), [3.5])
    assert tf.add(1, 2).dtype is tf.int32
