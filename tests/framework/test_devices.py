import pytest

import tensorweave as tf
from tensorweave.framework.context import parse_device


def test_cpu_listing_as_tensorflow():
    cpus = tf.config.list_physical_devices("CPU")
    assert cpus[0].name == "/physical_device:CPU:0" and cpus[0].device_type == "CPU"
    assert tf.config.list_logical_devices("CPU")[0].name == "/device:CPU:0"


@pytest.mark.parametrize("spec,expected", [
    ("/GPU:0", ("GPU", 0)), ("/device:CPU:1", ("CPU", 1)), ("gpu", ("GPU", None)),
    ("/job:localhost/replica:0/task:0/device:CPU:0", ("CPU", 0)), ("", ("", None)),
])
def test_parse_device(spec, expected):
    assert parse_device(spec) == expected


def test_device_scope_and_soft_placement():
    with tf.device("/CPU:0"):
        t = tf.constant(1.0)
    assert t.device == "/job:localhost/replica:0/task:0/device:CPU:0"
    if not tf.config.list_physical_devices("GPU"):
        with tf.device("/GPU:0"):  # soft placement: falls back to the CPU, as TensorFlow
            assert (tf.constant(1.0) + 1.0).device.endswith("CPU:0")
