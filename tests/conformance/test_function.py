"""tf.function, control flow and tf.print against TensorFlow itself: the same tracing counts
under the same calls, the same values, the same printed text."""

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

import tensorweave as tw  # noqa: E402


def _count(lib, calls, **options):
    f = lib.function(lambda x, n=1: x * n, **options)
    for args in calls:
        f(*[lib.constant(a) if isinstance(a, np.ndarray) else a for a in args])
    return f.experimental_get_tracing_count()


CALL_SEQUENCES = {
    "same shape": [(np.ones(2, np.float32),), (np.zeros(2, np.float32),)],
    "new shapes": [(np.ones(n, np.float32),) for n in (1, 2, 3, 2)],
    "new dtype": [(np.ones(2, np.float32),), (np.ones(2, np.int32),)],
    "python values": [(np.ones(2, np.float32), 1), (np.ones(2, np.float32), 2),
                      (np.ones(2, np.float32), 1), (np.ones(2, np.float32), 2.0)],
    "ranks": [(np.ones(2, np.float32),), (np.ones((2, 2), np.float32),)],
}


@pytest.mark.parametrize("case", sorted(CALL_SEQUENCES))
@pytest.mark.parametrize("reduce_retracing", [False, True])
def test_tracing_counts_match(case, reduce_retracing):
    calls = CALL_SEQUENCES[case]
    assert _count(tw, calls, reduce_retracing=reduce_retracing) == \
        _count(tf, calls, reduce_retracing=reduce_retracing)


def test_input_signature_counts_and_errors_match():
    for lib in (tw, tf):
        f = lib.function(lambda x: x + 1, input_signature=[lib.TensorSpec([None], lib.float32)])
        f(lib.constant([1.0]))
        f(lib.constant([1.0, 2.0]))
        assert f.experimental_get_tracing_count() == 1
        with pytest.raises((TypeError, ValueError)):
            f(lib.constant([[1.0]]))


def _programs(lib):
    def cond_prog(x):
        return lib.cond(lib.reduce_sum(x) > 0, lambda: x * 2.0, lambda: x - 1.0)

    def while_prog(x):
        return lib.while_loop(lambda i, y: i < 4, lambda i, y: (i + 1, y * x + 1.0),
                              [lib.constant(0), x])[1]

    def map_prog(x):
        return lib.map_fn(lambda r: r * r + 1.0, x)

    def scan_prog(x):
        return lib.scan(lambda a, r: a * 0.5 + r, x)

    def autograph_prog(x):
        total = lib.constant(0.0)
        for v in x:
            if v > 0:
                total += v
            else:
                total -= 2.0 * v
        return total

    return {"cond": cond_prog, "while": while_prog, "map_fn": map_prog, "scan": scan_prog,
            "autograph": autograph_prog}


@pytest.mark.parametrize("name", sorted(_programs(tw)))
def test_values_and_gradients_match(name):
    x = np.array([0.5, -1.5, 2.0], np.float32)
    results = []
    for lib in (tw, tf):
        prog = _programs(lib)[name]

        @lib.function
        def step(x):
            with lib.GradientTape() as tape:
                tape.watch(x)
                y = lib.reduce_sum(prog(x))
            return y, tape.gradient(y, x)

        y, g = step(lib.constant(x))
        results.append((np.asarray(y), np.asarray(g)))
    (y1, g1), (y2, g2) = results
    np.testing.assert_allclose(y1, y2, rtol=1e-5)
    np.testing.assert_allclose(g1, g2, rtol=1e-5)


@pytest.mark.parametrize("value", [
    np.array([1.0, 2.5], np.float32), np.array([0.1, 1e-5, 1 / 3], np.float32),
    np.arange(100).reshape(10, 10), np.array([True, False]), np.float64(1 / 3),
    np.arange(24, dtype=np.float32).reshape(2, 3, 4)])
def test_print_format_matches(value):
    from tensorweave.ops.logging_ops import format_array

    want = tf.strings.format("{}", tf.constant(value)).numpy().decode()
    assert format_array(np.asarray(value)) == want


def test_variable_arguments_keyed_by_shape_and_dtype_like_tensorflow():
    counts = []
    for lib in (tw, tf):
        f = lib.function(lambda v, g: v.assign_sub(g))
        a, b, c = lib.Variable([1.0, 2.0]), lib.Variable([3.0, 4.0]), lib.Variable(1.0)
        f(a, lib.constant([1.0, 1.0]))
        f(b, lib.constant([1.0, 1.0]))
        f(c, lib.constant(1.0))
        counts.append((f.experimental_get_tracing_count(), a.numpy().tolist(),
                       b.numpy().tolist(), float(c.numpy())))
    assert counts[0] == counts[1]
