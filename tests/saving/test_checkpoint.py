import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import tensorweave as tf
from tensorweave.saving.checkpoint import apply_deferred_restorations


class Net(tf.Module):
    def __init__(self, build=True):
        super().__init__()
        self.layers = []
        if build:
            self.build()

    def build(self):
        self.w = tf.Variable(np.arange(6.0, dtype=np.float32).reshape(2, 3))
        self.layers.append(tf.Variable(np.int64(7)))


def test_save_restore_round_trip(tmp_path):
    net = Net()
    ckpt = tf.train.Checkpoint(model=net)
    path = ckpt.save(str(tmp_path / "ckpt"))
    assert path.endswith("ckpt-1")
    assert os.path.exists(path + ".index") and os.path.exists(path + ".data-00000-of-00001")
    net.w.assign(tf.zeros_like(net.w) if hasattr(tf, "zeros_like") else np.zeros((2, 3), "f"))
    status = ckpt.restore(path)
    status.assert_consumed()
    np.testing.assert_array_equal(net.w.numpy(), np.arange(6.0).reshape(2, 3))
    assert tf.train.latest_checkpoint(str(tmp_path)) == path
    assert int(ckpt.save_counter.numpy()) == 1


def test_deferred_restoration(tmp_path):
    path = tf.train.Checkpoint(model=Net()).save(str(tmp_path / "c"))
    later = Net(build=False)
    status = tf.train.Checkpoint(model=later).restore(path)
    with pytest.raises(AssertionError):
        status.assert_consumed()
    later.build()
    later.w.assign(np.zeros((2, 3), np.float32))
    apply_deferred_restorations()
    np.testing.assert_array_equal(later.w.numpy(), np.arange(6.0).reshape(2, 3))
    status.assert_consumed()


def test_shape_mismatch_is_a_clear_error(tmp_path):
    path = tf.train.Checkpoint(model=Net()).write(str(tmp_path / "c"))
    other = Net()
    other.w = tf.Variable(np.zeros((3, 3), np.float32))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"shape \(2, 3\).*built differently"):
        tf.train.Checkpoint(model=other).restore(path)


def test_corrupt_data_names_the_file(tmp_path):
    path = tf.train.Checkpoint(model=Net()).write(str(tmp_path / "c"))
    data = path + ".data-00000-of-00001"
    raw = bytearray(open(data, "rb").read())
    raw[3] ^= 0xFF
    open(data, "wb").write(bytes(raw))
    with pytest.raises(tf.errors.DataLossError, match="c.data-00000-of-00001"):
        tf.train.Checkpoint(model=Net()).restore(path)


def test_missing_checkpoint(tmp_path):
    with pytest.raises(tf.errors.NotFoundError):
        tf.train.Checkpoint(model=Net()).restore(str(tmp_path / "nothing"))
    assert tf.train.latest_checkpoint(str(tmp_path)) is None
    with pytest.raises(AssertionError):
        tf.train.Checkpoint(model=Net()).restore(None).assert_consumed()


def test_manager_keeps_the_newest(tmp_path):
    net = Net()
    manager = tf.train.CheckpointManager(tf.train.Checkpoint(model=net), str(tmp_path),
                                         max_to_keep=2)
    paths = [manager.save() for _ in range(4)]
    assert manager.checkpoints == paths[2:]
    assert manager.latest_checkpoint == paths[-1]
    assert not os.path.exists(paths[0] + ".index")
    again = tf.train.CheckpointManager(tf.train.Checkpoint(model=Net()), str(tmp_path),
                                       max_to_keep=2)
    assert again.checkpoints == paths[2:]
    assert manager.save(checkpoint_number=100).endswith("ckpt-100")


def test_reader_lists_variables(tmp_path):
    path = tf.train.Checkpoint(model=Net()).write(str(tmp_path / "c"))
    names = dict(tf.train.list_variables(path))
    assert names["model/w/.ATTRIBUTES/VARIABLE_VALUE"] == [2, 3]
    np.testing.assert_array_equal(tf.train.load_variable(path, "model/layers/0"), 7)


def test_killed_writer_leaves_the_previous_checkpoint_loadable(tmp_path):
    script = textwrap.dedent(f"""
        import numpy as np, tensorweave as tf
        v = tf.Variable(np.zeros(2_000_000, np.float32))
        manager = tf.train.CheckpointManager(tf.train.Checkpoint(v=v), {str(tmp_path)!r}, 3)
        i = 0
        while True:
            i += 1
            v.assign(np.full(2_000_000, i, np.float32))
            manager.save()
    """)
    proc = subprocess.Popen([sys.executable, "-c", script])
    try:
        deadline = time.time() + 60
        while time.time() < deadline and len([f for f in os.listdir(tmp_path)
                                               if f.endswith(".index")]) < 2:
            time.sleep(0.05)
        time.sleep(0.03)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    latest = tf.train.latest_checkpoint(str(tmp_path))
    assert latest is not None
    v = tf.Variable(np.zeros(2_000_000, np.float32))
    tf.train.Checkpoint(v=v).restore(latest).assert_consumed()
    values = v.numpy()
    assert values[0] >= 1 and np.all(values == values[0])


def test_keras_model_and_optimizer_restore_before_build(tmp_path):
    from tensorweave import keras

    def make():
        return keras.Sequential([keras.layers.Dense(4, activation="relu"), keras.layers.Dense(2)])

    x = np.ones((3, 5), np.float32)
    model, opt = make(), keras.optimizers.Adam()
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(model(x))
    opt.apply_gradients(zip(tape.gradient(loss, model.trainable_variables),
                            model.trainable_variables))
    path = tf.train.Checkpoint(model=model, optimizer=opt).save(str(tmp_path / "ckpt"))
    names = dict(tf.train.list_variables(path))
    assert "model/layer-0/kernel/.ATTRIBUTES/VARIABLE_VALUE" in names

    fresh, fresh_opt = make(), keras.optimizers.Adam()
    status = tf.train.Checkpoint(model=fresh, optimizer=fresh_opt).restore(path)
    np.testing.assert_allclose(fresh(x).numpy(), model(x).numpy())  # restored when built
    fresh_opt.build(fresh.trainable_variables)  # slots restored when created
    status.assert_consumed()
    assert int(fresh_opt.iterations.numpy()) == 1
