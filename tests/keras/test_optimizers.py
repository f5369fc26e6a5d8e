"""keras.optimizers: each update rule against a NumPy reference over several steps, slots,
clipping, weight decay, schedules, sparse gradients, snapshots, configs."""

import numpy as np
import pytest

import tensorweave as tf
from tensorweave.keras import optimizers
from tensorweave.keras.optimizers import schedules


RNG = np.random.default_rng(1)
W0 = RNG.normal(size=(3, 4))
GRADS = [RNG.normal(size=(3, 4)) for _ in range(5)]


def _run(opt, dtype="float64", grads=GRADS):
    v = tf.Variable(W0.astype(dtype))
    for g in grads:
        opt.apply_gradients([(tf.constant(g.astype(dtype)), v)])
    return v.numpy()


def _sgd(lr=0.01, momentum=0.0, nesterov=False):
    w, m = W0.copy(), np.zeros_like(W0)
    for g in GRADS:
        if momentum:
            m = m * momentum - lr * g
            w = w + (m * momentum - lr * g if nesterov else m)
        else:
            w = w - lr * g
    return w


def _adam(lr=0.001, b1=0.9, b2=0.999, eps=1e-7, amsgrad=False, wd=0.0):
    w, m, v, vh = W0.copy(), np.zeros_like(W0), np.zeros_like(W0), np.zeros_like(W0)
    for t, g in enumerate(GRADS, 1):
        w = w - w * wd * lr
        m = m + (g - m) * (1 - b1)
        v = v + (g * g - v) * (1 - b2)
        vv = v
        if amsgrad:
            vh = np.maximum(vh, v)
            vv = vh
        w = w - m * (lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)) / (np.sqrt(vv) + eps)
    return w


def _adamax(lr=0.001, b1=0.9, b2=0.999, eps=1e-7):
    w, m, u = W0.copy(), np.zeros_like(W0), np.zeros_like(W0)
    for t, g in enumerate(GRADS, 1):
        m = m + (g - m) * (1 - b1)
        u = np.maximum(b2 * u, np.abs(g))
        w = w - lr * m / ((1 - b1 ** t) * (u + eps))
    return w


def _nadam(lr=0.001, b1=0.9, b2=0.999, eps=1e-7):
    w, m, v, prod = W0.copy(), np.zeros_like(W0), np.zeros_like(W0), 1.0
    for t, g in enumerate(GRADS, 1):
        u_t = b1 * (1 - 0.5 * 0.96 ** t)
        u_t1 = b1 * (1 - 0.5 * 0.96 ** (t + 1))
        prod = prod * u_t
        m = m + (g - m) * (1 - b1)
        v = v + (g * g - v) * (1 - b2)
        m_hat = u_t1 * m / (1 - prod * u_t1) + (1 - u_t) * g / (1 - prod)
        w = w - m_hat * lr / (np.sqrt(v / (1 - b2 ** t)) + eps)
    return w


def _rmsprop(lr=0.001, rho=0.9, momentum=0.0, eps=1e-7, centered=False):
    w, s, mo, mg = W0.copy(), np.zeros_like(W0), np.zeros_like(W0), np.zeros_like(W0)
    for g in GRADS:
        s = rho * s + (1 - rho) * g * g
        if centered:
            mg = rho * mg + (1 - rho) * g
            inc = lr * g / np.sqrt(s - mg * mg + eps)
        else:
            inc = lr * g / np.sqrt(s + eps)
        if momentum:
            mo = momentum * mo + inc
            w = w - mo
        else:
            w = w - inc
    return w


def _adagrad(lr=0.001, init=0.1, eps=1e-7):
    w, a = W0.copy(), np.full_like(W0, init)
    for g in GRADS:
        a = a + g * g
        w = w - lr * g / np.sqrt(a + eps)
    return w


def _adadelta(lr=0.001, rho=0.95, eps=1e-7):
    w, a, d = W0.copy(), np.zeros_like(W0), np.zeros_like(W0)
    for g in GRADS:
        a = rho * a + (1 - rho) * g * g
        delta = -np.sqrt(d + eps) * g / np.sqrt(a + eps)
        d = rho * d + (1 - rho) * delta * delta
        w = w + lr * delta
    return w


CASES = {
    "sgd": (lambda: optimizers.SGD(), _sgd()),
    "sgd_momentum": (lambda: optimizers.SGD(0.05, momentum=0.9), _sgd(0.05, 0.9)),
    "sgd_nesterov": (lambda: optimizers.SGD(0.05, momentum=0.9, nesterov=True),
                     _sgd(0.05, 0.9, True)),
    "adam": (lambda: optimizers.Adam(0.01), _adam(0.01)),
    "adam_amsgrad": (lambda: optimizers.Adam(0.01, amsgrad=True), _adam(0.01, amsgrad=True)),
    "adamw": (lambda: optimizers.AdamW(0.01, weight_decay=0.1), _adam(0.01, wd=0.1)),
    "adamax": (lambda: optimizers.Adamax(0.01), _adamax(0.01)),
    "nadam": (lambda: optimizers.Nadam(0.01), _nadam(0.01)),
    "rmsprop": (lambda: optimizers.RMSprop(0.01), _rmsprop(0.01)),
    "rmsprop_momentum_centered": (lambda: optimizers.RMSprop(0.01, momentum=0.5, centered=True),
                                  _rmsprop(0.01, momentum=0.5, centered=True)),
    "adagrad": (lambda: optimizers.Adagrad(0.1), _adagrad(0.1)),
    "adadelta": (lambda: optimizers.Adadelta(1.0), _adadelta(1.0)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_update_rule_matches_numpy(name):
    make, want = CASES[name]
    np.testing.assert_allclose(_run(make()), want, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", ["adam", "sgd_momentum", "rmsprop"])
def test_float32_stays_float32(name):
    opt = CASES[name][0]()
    v = tf.Variable(W0.astype("float32"))
    opt.apply_gradients([(tf.constant(GRADS[0].astype("float32")), v)])
    assert v.dtype == tf.float32 and v.numpy().dtype == np.float32
    assert all(s.dtype == tf.float32 for s in opt.variables[2:])


def test_slots_lazily_created_in_keras_order():
    opt = optimizers.Adam()
    assert [v.name for v in opt.variables] == ["iteration:0", "learning_rate:0"]
    a = tf.Variable(np.zeros((2,)), name="dense/kernel")
    b = tf.Variable(np.zeros((3,)), name="dense/bias")
    opt.apply_gradients([(tf.constant(np.ones(2)), a), (tf.constant(np.ones(3)), b)])
    assert [v.name for v in opt.variables] == [
        "iteration:0", "learning_rate:0", "dense_kernel_momentum:0", "dense_kernel_velocity:0",
        "dense_bias_momentum:0", "dense_bias_velocity:0"]
    assert int(opt.iterations.numpy()) == 1
    opt.apply_gradients([(tf.constant(np.ones(2)), a)])
    assert len(opt.variables) == 6 and int(opt.iterations.numpy()) == 2


def test_none_gradients_skipped_and_errors():
    opt = optimizers.SGD(0.1)
    a = tf.Variable([1.0])
    b = tf.Variable([1.0])
    with pytest.warns(UserWarning, match="Gradients do not exist"):
        opt.apply_gradients([(tf.constant([1.0]), a), (None, b)])
    assert a.numpy()[0] == pytest.approx(0.9) and b.numpy()[0] == 1.0
    with pytest.raises(ValueError, match="No gradients"):
        opt.apply_gradients([(None, a)])
    with pytest.raises(tf.errors.InvalidArgumentError, match="same shape"):
        opt.apply_gradients([(tf.constant([1.0, 2.0]), a)])
    with pytest.raises(ValueError, match="lr"):
        optimizers.Adam(lr=0.1)
    with pytest.raises(ValueError, match="momentum"):
        optimizers.SGD(momentum=2.0)
    with pytest.raises(ValueError, match="weight_decay"):
        optimizers.AdamW(weight_decay=None)


def test_read_snapshot_survives_in_place_update():
    v = tf.Variable(np.array([1.0, 2.0]))
    before = v.value()
    optimizers.SGD(1.0).apply_gradients([(tf.constant([1.0, 1.0]), v)])
    np.testing.assert_array_equal(before.numpy(), [1.0, 2.0])
    np.testing.assert_array_equal(v.numpy(), [0.0, 1.0])


def test_clipping():
    g = np.array([3.0, 4.0])
    v = tf.Variable(np.zeros(2))
    optimizers.SGD(1.0, clipnorm=1.0).apply_gradients([(tf.constant(g), v)])
    np.testing.assert_allclose(v.numpy(), -g / 5)
    v = tf.Variable(np.zeros(2))
    optimizers.SGD(1.0, clipvalue=3.5).apply_gradients([(tf.constant(g), v)])
    np.testing.assert_allclose(v.numpy(), [-3.0, -3.5])
    a, b = tf.Variable(np.zeros(2)), tf.Variable(np.zeros(1))
    optimizers.SGD(1.0, global_clipnorm=6.5).apply_gradients(
        [(tf.constant(g), a), (tf.constant([12.0]), b)])
    np.testing.assert_allclose(np.concatenate([a.numpy(), b.numpy()]), -np.array(
        [3.0, 4.0, 12.0]) * 0.5)
    with pytest.raises(ValueError, match="clipnorm"):
        optimizers.SGD(clipnorm=1.0, global_clipnorm=1.0)


def test_weight_decay_and_exclusion():
    a = tf.Variable(np.ones(2), name="kernel")
    b = tf.Variable(np.ones(2), name="bias")
    opt = optimizers.SGD(0.5, weight_decay=0.1)
    opt.exclude_from_weight_decay(var_names=["bias"])
    zero = tf.constant(np.zeros(2))
    opt.apply_gradients([(zero, a), (zero, b)])
    np.testing.assert_allclose(a.numpy(), [0.95, 0.95])
    np.testing.assert_allclose(b.numpy(), [1.0, 1.0])
    with pytest.raises(ValueError, match="before"):
        opt.exclude_from_weight_decay(var_names=["x"])


def test_sparse_gradient_sgd_and_adam():
    v = tf.Variable(np.zeros((4, 2)))
    grad = tf.IndexedSlices(tf.constant(np.ones((3, 2))), tf.constant([0, 2, 0]),
                            tf.constant([4, 2]))
    optimizers.SGD(0.5).apply_gradients([(grad, v)])
    np.testing.assert_allclose(v.numpy(), [[-1, -1], [0, 0], [-0.5, -0.5], [0, 0]])
    w = tf.Variable(np.zeros((4, 2)))
    optimizers.Adam(0.1).apply_gradients([(grad, w)])
    # Densified: rows without gradient do not move, the others move by lr (Adam's first step).
    np.testing.assert_allclose(w.numpy()[[1, 3]], 0.0)
    np.testing.assert_allclose(w.numpy()[[0, 2]], -0.1, rtol=1e-5)


def test_learning_rate_variable_schedule_and_callable():
    opt = optimizers.SGD(0.1)
    opt.learning_rate = 0.5
    assert float(opt.learning_rate.numpy()) == 0.5
    v = tf.Variable([0.0])
    sched = schedules.PiecewiseConstantDecay([1], [1.0, 0.1])
    opt = optimizers.SGD(sched)
    for _ in range(3):
        opt.apply_gradients([(tf.constant([1.0]), v)])
    np.testing.assert_allclose(v.numpy(), [-2.1], rtol=1e-6)  # steps 0, 1 at 1.0; step 2 at 0.1
    opt = optimizers.SGD(lambda: 0.25)
    w = tf.Variable([0.0])
    opt.apply_gradients([(tf.constant([1.0]), w)])
    np.testing.assert_allclose(w.numpy(), [-0.25])


def test_schedules_formulas():
    steps = np.arange(0, 30, 7)
    e = schedules.ExponentialDecay(0.1, 10, 0.5)
    np.testing.assert_allclose([float(np.asarray(e(s))) for s in steps],
                               0.1 * 0.5 ** (steps / 10), rtol=1e-6)
    e = schedules.ExponentialDecay(0.1, 10, 0.5, staircase=True)
    np.testing.assert_allclose([float(np.asarray(e(s))) for s in steps],
                               0.1 * 0.5 ** np.floor(steps / 10), rtol=1e-6)
    i = schedules.InverseTimeDecay(0.1, 10, 0.5)
    np.testing.assert_allclose([float(np.asarray(i(s))) for s in steps],
                               0.1 / (1 + 0.5 * steps / 10), rtol=1e-6)
    c = schedules.CosineDecay(0.1, 20, alpha=0.1)
    s = np.minimum(steps, 20)
    np.testing.assert_allclose([float(np.asarray(c(k))) for k in steps],
                               0.1 * (0.9 * 0.5 * (1 + np.cos(np.pi * s / 20)) + 0.1), rtol=1e-5)
    p = schedules.PolynomialDecay(0.1, 20, end_learning_rate=0.01, power=2.0)
    np.testing.assert_allclose([float(np.asarray(p(k))) for k in steps],
                               0.09 * (1 - s / 20) ** 2 + 0.01, rtol=1e-5)
    pw = schedules.PiecewiseConstantDecay([5, 10], [1.0, 0.5, 0.1])
    assert [float(np.asarray(pw(k))) for k in (0, 5, 6, 10, 11)] == [1.0, 1.0, 0.5, 0.5,
                                                                      pytest.approx(0.1)]
    with pytest.raises(ValueError, match="length"):
        schedules.PiecewiseConstantDecay([1, 2], [1.0])
    cfg = schedules.serialize(c)
    assert schedules.deserialize(cfg).get_config() == c.get_config()


def test_minimize_and_ema():
    v = tf.Variable(np.array([2.0]))
    opt = optimizers.SGD(0.25)
    opt.minimize(lambda: v * v, [v])  # d/dv v^2 = 4
    np.testing.assert_allclose(v.numpy(), [1.0])
    with pytest.raises(ValueError, match="tape"):
        opt.minimize(tf.constant(1.0), [v])
    w = tf.Variable(np.array([0.0]))
    ema = optimizers.SGD(1.0, use_ema=True, ema_momentum=0.5)
    for _ in range(3):
        ema.apply_gradients([(tf.constant([-1.0]), w)])
    # Average: first step takes the value (1), then 0.5 * avg + 0.5 * w: 1.5, then 2.25.
    ema.finalize_variable_values([w])
    np.testing.assert_allclose(w.numpy(), [2.25])


def test_config_round_trip_and_get():
    opt = optimizers.Adam(learning_rate=0.01, amsgrad=True, clipnorm=1.0, name="my_adam")
    cfg = opt.get_config()
    assert cfg["learning_rate"] == pytest.approx(0.01) and cfg["amsgrad"] is True
    again = optimizers.deserialize(optimizers.serialize(opt))
    assert isinstance(again, optimizers.Adam) and again.get_config() == cfg
    sched = optimizers.SGD(schedules.ExponentialDecay(0.1, 10, 0.9))
    again = optimizers.SGD.from_config(sched.get_config())
    assert isinstance(again._learning_rate, schedules.ExponentialDecay)
    for name, cls in [("adam", optimizers.Adam), ("sgd", optimizers.SGD),
                      ("rmsprop", optimizers.RMSprop), ("adamw", optimizers.AdamW),
                      ("nadam", optimizers.Nadam), ("Adagrad", optimizers.Adagrad)]:
        assert isinstance(optimizers.get(name), cls)
    assert optimizers.get("adam").get_config()["epsilon"] == 1e-7
    with pytest.raises(ValueError, match="Could not interpret optimizer"):
        optimizers.get("adamm")


def test_save_and_load_own_variables():
    v = tf.Variable(np.ones(3))
    opt = optimizers.Adam(0.1)
    opt.apply_gradients([(tf.constant(np.ones(3)), v)])
    store = {}
    opt.save_own_variables(store)
    other = optimizers.Adam(0.1)
    other.build([v])
    other.load_own_variables(store)
    for a, b in zip(opt.variables, other.variables):
        np.testing.assert_array_equal(np.asarray(a.numpy()), np.asarray(b.numpy()))


def test_traced_train_step_creates_slots_on_first_trace():
    v = tf.Variable(np.array([1.0, 2.0], dtype="float32"))
    opt = optimizers.Adam(0.1)

    @tf.function
    def step(g):
        opt.apply_gradients([(g, v)])

    g = tf.constant(np.array([1.0, -1.0], dtype="float32"))
    step(g)
    step(g)
    ref = tf.Variable(np.array([1.0, 2.0], dtype="float32"))
    eager = optimizers.Adam(0.1)
    eager.apply_gradients([(g, ref)])
    eager.apply_gradients([(g, ref)])
    np.testing.assert_allclose(v.numpy(), ref.numpy(), rtol=1e-6)
    assert int(opt.iterations.numpy()) == 2 and len(opt.variables) == 4


def test_apply_without_variables_after_build():
    a, b = tf.Variable(np.zeros(2)), tf.Variable(np.zeros(1))
    opt = optimizers.SGD(1.0)
    with pytest.raises(ValueError, match="built"):
        opt.apply([tf.constant(np.ones(2)), tf.constant(np.ones(1))])
    opt.build([a, b])
    opt.apply([tf.constant(np.ones(2)), tf.constant(np.ones(1))])
    np.testing.assert_allclose(a.numpy(), [-1.0, -1.0])
    np.testing.assert_allclose(b.numpy(), [-1.0])


def test_checkpoint_restore_before_slots_exist(tmp_path):
    v = tf.Variable(np.ones(3, dtype="float32"))
    opt = optimizers.Adam(0.1)
    g = tf.constant(np.array([1.0, -2.0, 0.5], dtype="float32"))
    opt.apply_gradients([(g, v)])
    path = tf.train.Checkpoint(optimizer=opt, v=v).save(str(tmp_path / "ck"))
    v2 = tf.Variable(np.zeros(3, dtype="float32"))
    opt2 = optimizers.Adam(0.1)
    tf.train.Checkpoint(optimizer=opt2, v=v2).restore(path)
    # The slots are created by the next step, and take the saved values then.
    opt2.apply_gradients([(g, v2)])
    opt.apply_gradients([(g, v)])
    np.testing.assert_allclose(v2.numpy(), v.numpy(), rtol=1e-6)
    assert int(opt2.iterations.numpy()) == 2


def test_keras3_style_custom_optimizer():
    class SignSGD(optimizers.Optimizer):
        def __init__(self, learning_rate=0.1, **kwargs):
            super().__init__(learning_rate=learning_rate, **kwargs)

        def build(self, var_list):
            if self.built:
                return
            super().build(var_list)
            self.steps_taken = [self.add_variable_from_reference(v, "count") for v in var_list]

        def update_step(self, gradient, variable, learning_rate):
            lr = tf.cast(learning_rate, variable.dtype)
            self.assign_sub(variable, tf.sign(gradient) * lr)
            count = self.steps_taken[self._get_variable_index(variable)]
            self.assign_add(count, tf.ones_like(count))

    v = tf.Variable(np.array([1.0, -1.0, 0.0]))
    opt = SignSGD(0.5, weight_decay=0.1)
    opt.apply_gradients([(tf.constant(np.array([3.0, -0.1, 0.0])), v)])
    # Weight decay (w -= w * 0.1 * 0.5) first, then the sign step.
    np.testing.assert_allclose(v.numpy(), [0.95 - 0.5, -0.95 + 0.5, 0.0])
    np.testing.assert_allclose(opt.steps_taken[0].numpy(), [1.0, 1.0, 1.0])
    assert int(opt.iterations.numpy()) == 1
    with pytest.raises(NotImplementedError, match="update_step"):
        optimizers.Optimizer(0.1).apply_gradients([(tf.constant([1.0]), tf.Variable([1.0]))])


@pytest.mark.parametrize("traced", [False, True])
def test_gradient_accumulation(traced):
    v = tf.Variable(np.array([1.0, 2.0], dtype="float32"))
    ref = tf.Variable(np.array([1.0, 2.0], dtype="float32"))
    opt = optimizers.SGD(0.1, momentum=0.5, gradient_accumulation_steps=3)
    plain = optimizers.SGD(0.1, momentum=0.5)
    steps = [np.array(g, dtype="float32") for g in ([1, 0], [2, 1], [3, -4], [1, 1], [0, 2],
                                                    [5, 0])]

    def step(g):
        opt.apply_gradients([(g, v)])

    run = tf.function(step) if traced else step
    for i, g in enumerate(steps):
        run(tf.constant(g))
        if i % 3 == 2:  # every third step: one update with the mean of the three
            plain.apply_gradients([(tf.constant(np.mean(steps[i - 2:i + 1], axis=0)), ref)])
        np.testing.assert_allclose(v.numpy(), ref.numpy(), rtol=1e-6)
    assert int(opt.iterations.numpy()) == 2  # updates, as Keras counts them with accumulation
    with pytest.raises(ValueError, match="gradient_accumulation_steps"):
        optimizers.Adam(gradient_accumulation_steps=1)


def test_lion_and_lamb_against_numpy():
    w, m = W0.copy(), np.zeros_like(W0)
    for g in GRADS:
        w = w - 0.01 * np.sign(0.9 * m + 0.1 * g)
        m = 0.99 * m + 0.01 * g
    np.testing.assert_allclose(_run(optimizers.Lion(0.01)), w, rtol=1e-6, atol=1e-7)
    w, m, v = W0.copy(), np.zeros_like(W0), np.zeros_like(W0)
    for t, g in enumerate(GRADS, 1):
        m = m + (g - m) * 0.1
        v = v + (g * g - v) * 0.001
        update = (m / (1 - 0.9 ** t)) / (np.sqrt(v / (1 - 0.999 ** t)) + 1e-7)
        w = w - np.linalg.norm(w) / np.linalg.norm(update) * 0.01 * update
    np.testing.assert_allclose(_run(optimizers.Lamb(0.01)), w, rtol=1e-6, atol=1e-7)
    with pytest.raises(ValueError, match="beta_1"):
        optimizers.Lion(beta_1=0.0)
