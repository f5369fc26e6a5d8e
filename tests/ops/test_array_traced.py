"""Array ops while a graph is being traced: shapes are inferred from partial shapes, and shapes
computed in the graph (tf.shape, x[i] with a symbolic i) build dynamic nodes.

A minimal graph stands in for graph/ here: `add_op` runs the op's `infer` and returns symbolic
tensors, which is all the tracing contract asks of the ops."""

import types

import numpy as np
import pytest

import tensorweave as tf
from tensorweave.framework.context import ctx
from tensorweave.framework.tensor import SymbolicTensor
from tensorweave.ops._infer import Spec


class _Graph:
    def __init__(self):
        self.nodes = []

    def add_op(self, op, inputs, attrs):
        specs = [Spec(t.shape.as_tuple(), t.dtype) for t in inputs]
        out = op.infer(*specs, **attrs)
        node = types.SimpleNamespace(name=f"{op.name}_{len(self.nodes)}", op=op, inputs=inputs,
                                     attrs=attrs)
        self.nodes.append(node)
        if isinstance(out, Spec):
            return SymbolicTensor(self, node, 0, out.shape, out.dtype)
        return tuple(SymbolicTensor(self, node, i, s.shape, s.dtype) for i, s in enumerate(out))

    def placeholder(self, shape, dtype=tf.float32):
        node = types.SimpleNamespace(name=f"input_{len(self.nodes)}")
        return SymbolicTensor(self, node, 0, shape, dtype)


@pytest.fixture
def graph():
    g = _Graph()
    ctx.graph = g
    yield g
    ctx.graph = None


def test_shape_is_symbolic_with_known_rank(graph):
    x = graph.placeholder((None, 3, 4))
    s = tf.shape(x)
    assert isinstance(s, SymbolicTensor) and s.shape == (3,) and s.dtype == tf.int32
    assert tf.shape(x)[0].shape == () and tf.size(x).shape == () and tf.rank(x).shape == ()


def test_dynamic_shapes_keep_known_dims(graph):
    x = graph.placeholder((None, 3, 4))
    batch = tf.shape(x)[0]
    assert tf.reshape(x, [batch, -1]).shape.as_list() == [None, None]
    assert tf.reshape(x, [batch, 12]).shape.as_list() == [None, 12]
    assert tf.reshape(x, [-1, tf.shape(x)[2]]).shape.as_list() == [None, 4]
    assert tf.zeros([batch, 5]).shape.as_list() == [None, 5]
    assert tf.fill(tf.shape(x)[1:], 1.0).shape.as_list() == [3, 4]
    assert tf.ones(tf.shape(x)).shape.as_list() == [None, 3, 4]
    assert tf.broadcast_to(x[:1], tf.shape(x)).shape.as_list() == [None, 3, 4]
    target = tf.concat([tf.shape(x)[:-1], [2, 2]], axis=0)
    assert tf.reshape(x, target).shape.as_list() == [None, 3, 2, 2]
    assert tf.reshape(x, tf.stack([batch, 12])).shape.as_list() == [None, 12]
    # the dynamic node carries the shape tensor as its second input
    node = tf.zeros([batch, 5]).node
    assert node.op.name == "Fill" and len(node.inputs) == 2


def test_symbolic_indices(graph):
    x = graph.placeholder((None, 3, 4))
    assert x[tf.shape(x)[0] - 1].shape.as_list() == [3, 4]
    i = graph.placeholder((), tf.int32)
    assert x[:, i].shape.as_list() == [None, 4]
    assert x[i:, 1].shape.as_list() == [None, 4]
    node = x[:, i].node
    assert node.op.name == "StridedSlice" and len(node.inputs) == 4


def test_dynamic_slice(graph):
    x = graph.placeholder((None, 3, 4))
    n = graph.placeholder((), tf.int32)
    out = tf.slice(x, [0, n, 1], [tf.shape(x)[0], 2, -1])
    assert out.shape.as_list() == [None, 2, 3] and out.node.op.name == "Slice"


def test_inference_through_array_ops(graph):
    x = graph.placeholder((None, 3, 4))
    assert tf.transpose(x, [2, 0, 1]).shape.as_list() == [4, None, 3]
    assert tf.concat([x, x], axis=-1).shape.as_list() == [None, 3, 8]
    assert tf.concat([x, x], axis=0).shape.as_list() == [None, 3, 4]
    assert tf.stack([x, x], axis=1).shape.as_list() == [None, 2, 3, 4]
    assert [t.shape.as_list() for t in tf.unstack(x, axis=1)] == [[None, 4]] * 3
    assert [t.shape.as_list() for t in tf.split(x, [1, 3], axis=2)] == [[None, 3, 1],
                                                                         [None, 3, 3]]
    assert tf.expand_dims(x, 1).shape.as_list() == [None, 1, 3, 4]
    assert tf.squeeze(tf.expand_dims(x, 1), 1).shape.as_list() == [None, 3, 4]
    assert tf.pad(x, [[0, 0], [1, 1], [2, 0]]).shape.as_list() == [None, 5, 6]
    assert tf.tile(x, [2, 1, 1]).shape.as_list() == [None, 3, 4]
    assert tf.gather(x, [0, 2], axis=1).shape.as_list() == [None, 2, 4]
    assert tf.where(graph.placeholder((None, 3, 4), tf.bool)).shape.as_list() == [None, 3]
    assert tf.boolean_mask(x, graph.placeholder((None,), tf.bool)).shape.as_list() == \
        [None, 3, 4]
    assert tf.one_hot(graph.placeholder((None,), tf.int32), 10).shape.as_list() == [None, 10]
    assert tf.unique(graph.placeholder((None,), tf.int32)).y.shape.as_list() == [None]
    assert tf.sort(x, axis=1).shape.as_list() == [None, 3, 4]
    assert x[..., 1:3].shape.as_list() == [None, 3, 2]
    assert x[:, tf.newaxis, -1, ::2].shape.as_list() == [None, 1, 2]


def test_static_errors_are_value_errors(graph):
    x = graph.placeholder((None, 3, 4))
    with pytest.raises(ValueError):
        tf.concat([x, graph.placeholder((None, 2, 4))], axis=-1)
    with pytest.raises(ValueError):
        tf.reshape(x, [5, 5])
    with pytest.raises(ValueError):
        tf.squeeze(x, 1)


def test_eager_values_are_unaffected():
    assert ctx.graph is None
    x = tf.constant(np.zeros((2, 3)))
    assert tf.reshape(x, [tf.shape(x)[0], -1]).shape == (2, 3)


# --- through tf.function: the same programs traced and run give the eager values --------------
X = np.random.default_rng(0).standard_normal((2, 3, 4)).astype(np.float32)

TRACED = {
    "reshape_dynamic": lambda x: tf.reshape(x, [tf.shape(x)[0], -1]),
    "zeros_dynamic": lambda x: tf.zeros([tf.shape(x)[0], 5]) + tf.reduce_sum(x),
    "getitem_symbolic": lambda x: x[tf.shape(x)[0] - 1, :, tf.shape(x)[2] - 2:],
    "slice_dynamic": lambda x: tf.slice(x, [0, tf.shape(x)[1] - 2, 1], [-1, 2, 2]),
    "concat_stack": lambda x: tf.stack(tf.unstack(tf.concat([x, x * 2.0], axis=1), axis=2), 0),
    "gather_where": lambda x: tf.gather(x, tf.where(x[:, 0, 0] > 0)[:, 0]),
    "boolean_mask": lambda x: tf.boolean_mask(x, x[..., 0] > 0),
    "pad_tile": lambda x: tf.tile(tf.pad(x, [[0, 0], [1, 1], [2, 0]], "SYMMETRIC"), [1, 2, 1]),
    "scatter_dynamic": lambda x: tf.scatter_nd([[1]], x[:1], tf.shape(x)),
    "sort_split": lambda x: tf.split(tf.sort(x, axis=-1), 2, axis=-1)[1],
    "pad_dynamic": lambda x: tf.pad(x, [[0, 5 - tf.shape(x)[0]], [1, 0], [0, 0]]),
    "pad_reflect_dynamic": lambda x: tf.pad(x, [[0, tf.shape(x)[0] - 1], [1, 0], [0, 0]],
                                            "REFLECT"),
    "tile_dynamic": lambda x: tf.tile(x[:1], [tf.shape(x)[0] * 2, 1, 1]),
    "sequence_mask_dynamic": lambda x: tf.sequence_mask(tf.range(tf.shape(x)[0]),
                                                        tf.shape(x)[0] + 1),
    "sequence_mask_known": lambda x: tf.sequence_mask([1, 3], tf.shape(x)[2]),
    "range_dynamic": lambda x: tf.range(tf.shape(x)[0] * 3, delta=2),
    "range_known": lambda x: tf.cast(tf.range(tf.shape(x)[2]), tf.float32) * x,
}


@pytest.mark.parametrize("name", sorted(TRACED))
def test_traced_matches_eager(name):
    fn = TRACED[name]
    traced = tf.function(fn, input_signature=[tf.TensorSpec([None, 3, 4], tf.float32)])
    want = fn(tf.constant(X))
    got = traced(tf.constant(X))
    assert got.dtype == want.dtype and tuple(got.shape) == tuple(want.shape)
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-6)


def test_traced_gradients():
    @tf.function
    def grads(x, ids):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.reduce_sum(tf.gather(x, ids) * 2.0) + tf.reduce_sum(x[1:, ::2] * 3.0)
        return tape.gradient(y, x)

    x = np.ones((3, 4), np.float32)
    with tf.GradientTape() as tape:
        t = tf.constant(x)
        tape.watch(t)
        y = tf.reduce_sum(tf.gather(t, [0, 2, 2]) * 2.0) + tf.reduce_sum(t[1:, ::2] * 3.0)
    want = tf.convert_to_tensor(tape.gradient(y, t))
    got = tf.convert_to_tensor(grads(tf.constant(x), tf.constant([0, 2, 2])))
    np.testing.assert_array_equal(np.asarray(got), np.asarray(want))


def test_gather_nd_batch_dims_with_unknown_batch(graph):
    params = graph.placeholder((None, 3, 4))
    indices = graph.placeholder((None, 2, 1), tf.int32)
    assert tf.gather_nd(params, indices, batch_dims=1).shape.as_list() == [None, 2, 4]


def test_boolean_mask_over_several_dims_with_unknown_dims(graph):
    x = graph.placeholder((None, None, 4))
    assert tf.boolean_mask(x, graph.placeholder((None, None), tf.bool)).shape.as_list() == \
        [None, 4]
    y = graph.placeholder((2, None, 3, 5))
    out = tf.boolean_mask(y, graph.placeholder((None, 3), tf.bool), axis=1)
    assert out.shape.as_list() == [2, None, 5]


def test_static_arguments_from_known_shape_values(graph):
    x = graph.placeholder((None, 3, 4))
    labels = graph.placeholder((None,), tf.int32)
    assert tf.one_hot(labels, tf.shape(x)[-1]).shape.as_list() == [None, 4]
    assert tf.expand_dims(x, tf.rank(x)).shape.as_list() == [None, 3, 4, 1]
    with pytest.raises(NotImplementedError, match="traced function"):
        tf.one_hot(labels, tf.shape(x)[0])
