import numpy as np
import pytest

import tensorweave as tf


def test_assign_returns_variable_and_reads_are_snapshots():
    v = tf.Variable([1.0, 2.0], name="w")
    before = v.read_value()
    assert v.assign([3.0, 4.0]) is v
    assert before.numpy().tolist() == [1.0, 2.0] and v.numpy().tolist() == [3.0, 4.0]
    v.assign_add([1.0, 1.0])
    v.assign_sub([2.0, 2.0])
    assert v.numpy().tolist() == [2.0, 3.0]
    assert v.name == "w:0" and v.trainable and v.shape == (2,) and v.dtype is tf.float32


def test_variable_operators_and_conversion():
    v = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
    assert (v * 2).numpy().tolist() == [[2.0, 4.0], [6.0, 8.0]]
    assert tf.convert_to_tensor(v).shape == (2, 2)
    assert np.asarray(v).sum() == 10.0


def test_assign_shape_and_dtype_checks():
    v = tf.Variable([1.0, 2.0])
    with pytest.raises(ValueError):
        v.assign([1.0, 2.0, 3.0])
    with pytest.raises((TypeError, ValueError)):
        v.assign(tf.constant([1, 2]))


def test_trainable_and_module_tracking():
    class Net(tf.Module):
        def __init__(self):
            super().__init__()
            self.w = tf.Variable(1.0)
            self.frozen = tf.Variable(2.0, trainable=False)
            self.blocks = [tf.Module(name="inner")]
            self.blocks[0].b = tf.Variable(3.0)

    net = Net()
    assert len(net.variables) == 3 and len(net.trainable_variables) == 2
    assert [m.name for m in net.submodules] == ["inner"]


def test_gradient_flows_to_variable():
    v = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = v * v
    assert float(tape.gradient(y, v)) == 6.0
