"""Array ops against TensorFlow itself: the same call on the same inputs gives the same values,
dtype and shape (and, for differentiable ones, the same gradients)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

tf = pytest.importorskip("tensorflow")

import tensorweave as tw  # noqa: E402

RNG = np.random.default_rng(0)
F = RNG.standard_normal((3, 4, 2)).astype(np.float32)
I = np.arange(24, dtype=np.int32).reshape(2, 3, 4)
B = F[..., 0] > 0
ROWS = np.array([[2, 0], [1, 1]], np.int32)

# name -> fn(m) calling the op through module m (tensorflow or tensorweave) on fixed inputs
CASES = {
    "reshape": lambda m: m.reshape(F, [4, -1]),
    "expand_dims": lambda m: m.expand_dims(I, -2),
    "squeeze": lambda m: m.squeeze(np.zeros((1, 3, 1), np.float32), [0]),
    "concat": lambda m: m.concat([F, F[:, :1]], axis=1),
    "stack": lambda m: m.stack([I, I], axis=-1),
    "unstack": lambda m: m.unstack(F, axis=1)[2],
    "reverse": lambda m: m.reverse(I, [1, -1]),
    "tile": lambda m: m.tile(I, [2, 1, 3]),
    "broadcast_to": lambda m: m.broadcast_to(F[:1], [2, 3, 4, 2]),
    "pad_constant": lambda m: m.pad(I, [[1, 0], [0, 2], [1, 1]], constant_values=-1),
    "pad_reflect": lambda m: m.pad(F, [[1, 2], [3, 0], [0, 1]], "REFLECT"),
    "pad_symmetric": lambda m: m.pad(F, [[3, 2], [0, 4], [1, 0]], "SYMMETRIC"),
    "fill": lambda m: m.fill([2, 3], 7),
    "zeros": lambda m: m.zeros([2, 2], m.int64),
    "ones": lambda m: m.ones(3),
    "one_hot": lambda m: m.one_hot([[0, 3], [-1, 1]], 3, axis=1),
    "one_hot_values": lambda m: m.one_hot([2, 0], 3, on_value=2.5, off_value=-1.0,
                                          dtype=m.float64),
    "range": lambda m: m.range(2, 11, 3),
    "range_float": lambda m: m.range(0.5, 2),
    "range_negative": lambda m: m.range(4, -3, -2),
    "shape": lambda m: m.shape(F),
    "size": lambda m: m.size(F, out_type=m.int64),
    "size_float": lambda m: m.size(F, out_type=m.float32),
    "one_hot_bool": lambda m: m.one_hot([1, 0], 2, on_value=True, off_value=False),
    "one_hot_int64": lambda m: m.one_hot([1, 0], 2, on_value=m.constant(2, m.int64)),
    "one_hot_off_only": lambda m: m.one_hot([1, 0], 2, off_value=-1),
    "rank": lambda m: m.rank(F),
    "where_select": lambda m: m.where(B, F[..., 0], -F[..., 1]),
    "where_indices": lambda m: m.where(B),
    "gather": lambda m: m.gather(F, ROWS),
    "gather_axis": lambda m: m.gather(F, ROWS[0], axis=-2),
    "gather_batch": lambda m: m.gather(I, np.array([[0, 2], [1, 1]], np.int32), axis=2,
                                       batch_dims=1),
    "gather_nd": lambda m: m.gather_nd(F, [[0, 1], [2, 3]]),
    "gather_nd_batch": lambda m: m.gather_nd(I, [[[1, 2]], [[0, 0]]], batch_dims=1),
    "scatter_nd": lambda m: m.scatter_nd([[1], [3], [1]], [1.0, 2.0, 4.0], [5]),
    "tensor_scatter_update": lambda m: m.tensor_scatter_nd_update(I, [[0, 1]], [[9] * 4]),
    "tensor_scatter_add": lambda m: m.tensor_scatter_nd_add(F, [[2, 0, 1]], [5.0]),
    "tensor_scatter_sub": lambda m: m.tensor_scatter_nd_sub(I, [[1]], I[:1] * 2),
    "tensor_scatter_max": lambda m: m.tensor_scatter_nd_max(I, [[0, 0, 0]], [100]),
    "tensor_scatter_min": lambda m: m.tensor_scatter_nd_min(I, [[1, 2, 3]], [-5]),
    "boolean_mask": lambda m: m.boolean_mask(F, B),
    "boolean_mask_axis": lambda m: m.boolean_mask(I, [True, False, True], axis=1),
    "boolean_mask_2d_axis": lambda m: m.boolean_mask(I, I[0] % 3 == 0, axis=1),
    "slice": lambda m: m.slice(I, [1, 0, 1], [-1, 2, 3]),
    "strided_slice": lambda m: m.strided_slice(I, [0, 2, 3], [2, 0, 0], [1, -1, -2],
                                               end_mask=4),
    "strided_slice_masks": lambda m: m.strided_slice(F, [1, 0, 0], [2, 0, 0], [1, 1, 1],
                                                     ellipsis_mask=2, new_axis_mask=4,
                                                     shrink_axis_mask=1),
    "getitem": lambda m: m.constant(I)[1, ::-2, m.newaxis, 1:],
    "getitem_ellipsis": lambda m: m.constant(F)[..., -1],
    "getitem_tensor_index": lambda m: m.constant(F)[m.constant(1), :2],
    "split": lambda m: m.split(I, [1, -1], axis=2)[1],
    "split_count": lambda m: m.split(F, 2, axis=-1)[0],
    "eye": lambda m: m.eye(2, 3, batch_shape=[2]),
    "linspace": lambda m: m.linspace(-1.0, 2.0, 7),
    "linspace_nd": lambda m: m.linspace([0.0, 1.0], [[2.0], [3.0]], 4, axis=-1),
    "meshgrid": lambda m: m.meshgrid([1.0, 2.0, 3.0], [4.0, 5.0])[1],
    "meshgrid_ij": lambda m: m.meshgrid([1, 2], [3, 4, 5], [6], indexing="ij")[0],
    "roll": lambda m: m.roll(I, [1, -5], [0, 2]),
    "sort": lambda m: m.sort(F, axis=1, direction="DESCENDING"),
    "argsort": lambda m: m.argsort(F[:, :, 0]),
    "unique": lambda m: m.unique([4, 1, 4, 0, 1]).idx,
    "unique_values": lambda m: m.unique([4.0, 1.0, 4.0]).y,
    "unique_counts": lambda m: m.unique_with_counts([3, 3, 1], out_idx=m.int64).count,
    "sequence_mask": lambda m: m.sequence_mask([[1, 3], [0, 2]], 4),
    "sequence_mask_float": lambda m: m.sequence_mask([1, 2], dtype=m.float32),
    "repeat": lambda m: m.repeat(I, [1, 0, 2], axis=1),
    "repeat_flat": lambda m: m.repeat(F[0], 2),
    "searchsorted": lambda m: m.searchsorted([[1.0, 2.0, 3.0], [0.0, 0.5, 0.7]],
                                             [[2.0, 0.1], [0.6, 0.9]], side="right"),
    "reverse_sequence": lambda m: m.reverse_sequence(I, [2, 3], seq_axis=2, batch_axis=0),
    "identity_n": lambda m: m.identity_n([F, I])[1],
    "embedding_lookup": lambda m: m.nn.embedding_lookup(F[:, :, 0], ROWS),
    "transpose": lambda m: m.transpose(I, [2, 0, 1]),
    "concat_python_values": lambda m: m.concat([[2.0], m.constant([1.0], m.float64)], 0),
    "stack_python_values": lambda m: m.stack([m.constant(1.0, m.float64), 2.0]),
    "stack_scalars": lambda m: m.stack([1, 2.0]),
    "ensure_shape": lambda m: m.ensure_shape(F, [None, 4, 2]),
    "dynamic_partition": lambda m: m.dynamic_partition(F, [[0, 1, 1, 0]] * 3, 2)[1],
    "dynamic_stitch": lambda m: m.dynamic_stitch([[0, 2], [3, 1]], [F[0, :2], F[1, 2:]]),
    "unravel_index": lambda m: m.unravel_index([3, 11], [3, 4]),
}


def _check_same(got, want):
    assert got.dtype.name == want.dtype.name
    assert tuple(got.shape) == tuple(want.shape)
    np.testing.assert_allclose(np.asarray(got), want.numpy(), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", sorted(CASES))
def test_forward_matches_tensorflow(name):
    _check_same(CASES[name](tw), CASES[name](tf))


# name -> fn(m, x) of a float64 input x, for gradient comparisons
GRAD_CASES = {
    "gather": lambda m, x: m.gather(x, [[2, 0], [2, 2]]),
    "gather_axis1": lambda m, x: m.gather(x, [3, 0, 3], axis=1),
    "getitem": lambda m, x: x[1:, ::-2] * x[0, 1],
    "strided_slice": lambda m, x: m.strided_slice(x, [0, 3], [3, 0], [2, -1]),
    "pad_reflect": lambda m, x: m.pad(x, [[2, 1], [1, 3]], "REFLECT"),
    "pad_symmetric": lambda m, x: m.pad(x, [[3, 0], [0, 4]], "SYMMETRIC"),
    "tile": lambda m, x: m.tile(x, [2, 3]),
    "concat_split": lambda m, x: m.concat(m.split(x, [1, 3], axis=1)[::-1], axis=1),
    "stack_unstack": lambda m, x: m.stack(m.unstack(x)[::-1], axis=1),
    "where": lambda m, x: m.where(x > 0, x * x, -x),
    "sort": lambda m, x: m.sort(x, axis=0),
    "roll": lambda m, x: m.roll(x, 2, 1),
    "repeat": lambda m, x: m.repeat(x, [2, 0, 1], axis=0),
    "boolean_mask": lambda m, x: m.boolean_mask(x, x > 0),
    "boolean_mask_rows": lambda m, x: m.boolean_mask(x, x[:, 0] > 0),
    "gather_nd": lambda m, x: m.gather_nd(x, [[0, 1], [0, 1], [2, 3]]),
    "tensor_scatter_update": lambda m, x: m.tensor_scatter_nd_update(x, [[1]], x[:1] * 3.0),
    "tensor_scatter_max": lambda m, x: m.tensor_scatter_nd_max(x, [[0, 2], [1, 1]],
                                                               m.constant([0.5, -0.5], m.float64)),
    "reverse_sequence": lambda m, x: m.reverse_sequence(x, [2, 4, 1], seq_axis=1,
                                                        batch_axis=0),
    "broadcast_to": lambda m, x: m.broadcast_to(x[:1], [5, 4]),
    "linspace": lambda m, x: m.linspace(x[0, 0], x[1], 3),
}


@pytest.mark.parametrize("name", sorted(GRAD_CASES))
def test_gradient_matches_tensorflow(name):
    x0 = RNG.standard_normal((3, 4))
    weights = None
    grads = []
    for m in (tw, tf):
        x = m.constant(x0)
        with m.GradientTape() as tape:
            tape.watch(x)
            y = GRAD_CASES[name](m, x)
            if weights is None:
                weights = np.random.default_rng(1).standard_normal(tuple(y.shape))
            loss = m.reduce_sum(y * m.constant(weights))
        g = tape.gradient(loss, x)
        grads.append(np.asarray(m.convert_to_tensor(g)))
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-10, atol=1e-12)


def test_gather_gradient_types_match():
    for m in (tw, tf):
        v = m.Variable(np.ones((4, 2)))
        with m.GradientTape() as tape:
            y = m.reduce_sum(m.gather(v, [0, 3, 3]))
        g = tape.gradient(y, v)
        assert type(g).__name__ == "IndexedSlices"
        assert np.asarray(g.indices).tolist() == [0, 3, 3]
        assert tuple(np.asarray(g.dense_shape)) == (4, 2)


_INDEX = st.one_of(st.integers(-3, 2), st.none(), st.just(Ellipsis),
                   st.builds(slice, st.one_of(st.none(), st.integers(-5, 5)),
                             st.one_of(st.none(), st.integers(-5, 5)),
                             st.sampled_from([None, 1, 2, -1, -2])))


@settings(max_examples=40, deadline=None)
@given(st.lists(_INDEX, min_size=1, max_size=4))
def test_getitem_property_matches_tensorflow(key):
    key = tuple(key)
    if sum(k is Ellipsis for k in key) > 1:
        key = tuple(k for k in key if k is not Ellipsis)
    results = []
    for m in (tw, tf):
        try:
            results.append(np.asarray(m.constant(F)[key]))
        except Exception as e:  # noqa: BLE001 - both must refuse the same keys
            results.append(type(e).__name__)
    if isinstance(results[1], str):
        assert results[0] == results[1], f"{key}: TensorFlow raised {results[1]}, got {results[0]}"
    else:
        np.testing.assert_array_equal(results[0], results[1])


@pytest.mark.parametrize("kwargs", [dict(on_value=1, off_value=0.5),
                                    dict(on_value=1.0, dtype="int32")])
def test_one_hot_refuses_mixed_dtypes_like_tensorflow(kwargs):
    for m in (tw, tf):
        with pytest.raises(TypeError, match="does not match"):
            m.one_hot([1, 0], 2, **kwargs)
