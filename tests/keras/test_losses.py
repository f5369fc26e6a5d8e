"""keras.losses against NumPy formulas: values, reductions, sample weights, options, lookup."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tensorweave as tf
from tensorweave.keras import activations, losses


RNG = np.random.default_rng(0)
T = RNG.uniform(0.05, 1.0, (4, 3)).astype("float32")
P = RNG.uniform(0.05, 1.0, (4, 3)).astype("float32")
ONE_HOT = np.eye(3, dtype="float32")[[0, 2, 1, 2]]
PROBS = (P / P.sum(-1, keepdims=True)).astype("float32")
BIN = np.array([[0, 1, 1], [1, 0, 0], [1, 1, 0], [0, 0, 1]], dtype="float32")
EPS = 1e-7


def _np(x):
    return np.asarray(x, dtype="float64")


def _xlogy(t, p):
    return t * np.log(p)


FUNCTIONS = {
    "mean_squared_error": (T, P, lambda t, p: ((t - p) ** 2).mean(-1)),
    "mean_absolute_error": (T, P, lambda t, p: np.abs(t - p).mean(-1)),
    "mean_absolute_percentage_error": (T, P, lambda t, p: 100 * np.abs((t - p) / t).mean(-1)),
    "mean_squared_logarithmic_error": (
        T, P, lambda t, p: ((np.log1p(p) - np.log1p(t)) ** 2).mean(-1)),
    "cosine_similarity": (T, P, lambda t, p: -(t * p).sum(-1) / np.linalg.norm(t, axis=-1)
                          / np.linalg.norm(p, axis=-1)),
    "huber": (T * 3, P, lambda t, p: np.where(np.abs(p - t) <= 1, 0.5 * (p - t) ** 2,
                                              np.abs(p - t) - 0.5).mean(-1)),
    "log_cosh": (T, P, lambda t, p: np.log(np.cosh(p - t)).mean(-1)),
    "hinge": (BIN, P - 0.5, lambda t, p: np.maximum(1 - (2 * t - 1) * p, 0).mean(-1)),
    "squared_hinge": (BIN, P - 0.5, lambda t, p: np.maximum(1 - (2 * t - 1) * p, 0).__pow__(2)
                      .mean(-1)),
    "categorical_hinge": (ONE_HOT, P, lambda t, p: np.maximum(
        ((1 - t) * p).max(-1) - (t * p).sum(-1) + 1, 0)),
    "kl_divergence": (PROBS[::-1].copy(), PROBS, lambda t, p: (t * np.log(t / p)).sum(-1)),
    "poisson": (T, P, lambda t, p: (p - t * np.log(p + EPS)).mean(-1)),
    "binary_crossentropy": (BIN, P * 0.9, lambda t, p: -(
        _xlogy(t, p) + _xlogy(1 - t, 1 - p)).mean(-1)),
    "categorical_crossentropy": (ONE_HOT, PROBS, lambda t, p: -(t * np.log(p)).sum(-1)),
}


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_function_matches_numpy(name):
    t, p, ref = FUNCTIONS[name]
    got = losses.get(name)(t, p)
    assert tuple(got.shape) == (4,)
    np.testing.assert_allclose(_np(got), ref(_np(t), _np(p)), rtol=2e-5, atol=1e-6)


def test_hinge_leaves_non_binary_labels():
    t = np.array([[-1.0, 1.0, 1.0]], dtype="float32")
    p = np.array([[0.3, -0.2, 2.0]], dtype="float32")
    np.testing.assert_allclose(_np(losses.hinge(t, p)), [np.maximum(1 - t * p, 0).mean()],
                               rtol=1e-6)


def test_sparse_categorical_crossentropy_probabilities_and_logits():
    labels = np.array([0, 2, 1, 2])
    want = -np.log(PROBS[np.arange(4), labels])
    np.testing.assert_allclose(_np(losses.sparse_categorical_crossentropy(labels, PROBS)), want,
                               rtol=1e-5)
    # A trailing label axis of size 1 is squeezed; integer labels of any int dtype work.
    np.testing.assert_allclose(
        _np(losses.sparse_categorical_crossentropy(labels[:, None].astype("uint8"), PROBS)),
        want, rtol=1e-5)
    logits = np.log(PROBS) + 3.0
    np.testing.assert_allclose(
        _np(losses.sparse_categorical_crossentropy(labels, logits, from_logits=True)), want,
        rtol=1e-5)
    # Probabilities are clipped to [eps, 1 - eps]: a zero probability costs -log(1e-7).
    p0 = np.array([[0.0, 1.0]], dtype="float32")
    assert _np(losses.sparse_categorical_crossentropy([0], p0))[0] == pytest.approx(
        -np.log(1e-7), rel=1e-3)
    with pytest.raises(ValueError, match="rank"):
        losses.sparse_categorical_crossentropy(np.zeros((4, 3, 2)), PROBS)


def test_crossentropy_uses_softmax_logits():
    logits = np.array([[30.0, -30.0, 0.0]], dtype="float32")
    out = activations.softmax(logits)
    # Through the recorded logits the loss is exact, not capped at -log(eps).
    got = float(losses.SparseCategoricalCrossentropy()([1], out))
    assert got == pytest.approx(60.0, rel=1e-4)
    got = float(losses.CategoricalCrossentropy()([[0.0, 1.0, 0.0]], out))
    assert got == pytest.approx(60.0, rel=1e-4)


def test_label_smoothing():
    ls = 0.2
    t = ONE_HOT * (1 - ls) + ls / 3
    want = -(t * np.log(PROBS)).sum(-1).mean()
    got = losses.CategoricalCrossentropy(label_smoothing=ls)(ONE_HOT, PROBS)
    assert float(got) == pytest.approx(want, rel=1e-5)
    tb = BIN * (1 - ls) + 0.5 * ls
    p = P * 0.9
    want = -(tb * np.log(p) + (1 - tb) * np.log(1 - p)).mean()
    assert float(losses.BinaryCrossentropy(label_smoothing=ls)(BIN, p)) == pytest.approx(
        want, rel=1e-5)


def test_binary_crossentropy_from_logits():
    z = (P - 0.5) * 8
    p = 1 / (1 + np.exp(-_np(z)))
    want = -(BIN * np.log(p) + (1 - BIN) * np.log(1 - p)).mean()
    got = losses.BinaryCrossentropy(from_logits=True)(BIN, z)
    assert float(got) == pytest.approx(want, rel=1e-5)


def test_binary_focal_crossentropy():
    p = _np(P * 0.9)
    bce = -(BIN * np.log(p) + (1 - BIN) * np.log(1 - p))
    pt = BIN * p + (1 - BIN) * (1 - p)
    focal = (1 - pt) ** 2 * bce
    got = losses.binary_focal_crossentropy(BIN, P * 0.9)
    np.testing.assert_allclose(_np(got), focal.mean(-1), rtol=1e-5)
    w = BIN * 0.25 + (1 - BIN) * 0.75
    got = losses.BinaryFocalCrossentropy(apply_class_balancing=True, gamma=2.0)(BIN, P * 0.9)
    assert float(got) == pytest.approx((w * focal).mean(), rel=1e-5)


def test_reductions_and_sample_weight():
    per = ((_np(T) - _np(P)) ** 2).mean(-1)
    w = np.array([1.0, 0.0, 2.0, 0.5])
    cases = {"sum_over_batch_size": (per * w).sum() / 4, "mean": (per * w).sum() / 4,
             "sum": (per * w).sum(), "mean_with_sample_weight": (per * w).sum() / w.sum()}
    for reduction, want in cases.items():
        got = losses.MeanSquaredError(reduction=reduction)(T, P, sample_weight=w)
        assert got.dtype == tf.float32 and got.shape.rank == 0
        assert float(got) == pytest.approx(want, rel=1e-5), reduction
    none = losses.MeanSquaredError(reduction=None)(T, P, sample_weight=w[:, None])
    # Keras aligns (batch,) values with (batch, 1) weights by expanding the values.
    np.testing.assert_allclose(_np(none), (per * w)[:, None], rtol=1e-5)
    assert float(losses.MeanSquaredError()(T, P)) == pytest.approx(per.mean(), rel=1e-5)
    with pytest.raises(ValueError, match="reduction"):
        losses.MeanSquaredError(reduction="avg")


def test_rank_alignment_and_dtypes():
    # (batch,) labels against (batch, 1) predictions, as Keras aligns them.
    y = np.array([1.0, 2.0, 3.0])
    p = np.array([[1.5], [2.0], [2.0]])
    got = losses.MeanSquaredError()(y, p)
    assert got.dtype == tf.float32
    assert float(got) == pytest.approx((0.25 + 0 + 1) / 3, rel=1e-6)
    got64 = losses.MeanSquaredError(dtype="float64")(y, p)
    assert got64.dtype == tf.float64


def test_config_and_lookup():
    loss = losses.SparseCategoricalCrossentropy(from_logits=True)
    assert loss.get_config() == {"name": "sparse_categorical_crossentropy",
                                 "reduction": "sum_over_batch_size", "from_logits": True,
                                 "ignore_class": None}
    again = losses.deserialize(losses.serialize(loss))
    assert isinstance(again, losses.SparseCategoricalCrossentropy)
    assert again.get_config() == loss.get_config()
    assert losses.BinaryCrossentropy().get_config() == {
        "name": "binary_crossentropy", "reduction": "sum_over_batch_size", "from_logits": False,
        "label_smoothing": 0.0, "axis": -1}
    assert losses.Huber().name == "huber_loss"
    assert losses.get("mse") is losses.mean_squared_error
    assert isinstance(losses.get("MeanSquaredError"), losses.MeanSquaredError)
    assert losses.deserialize(losses.serialize(losses.mae)) is losses.mean_absolute_error
    assert losses.get(None) is None
    with pytest.raises(ValueError, match="Could not interpret loss identifier"):
        losses.get("nope")
    with pytest.raises(TypeError, match="unexpected"):
        losses.MeanSquaredError(delta=1.0)


def test_custom_loss_subclass():
    class Twice(losses.Loss):
        def call(self, y_true, y_pred):
            return 2.0 * tf.reduce_sum(y_pred - y_true, axis=-1)

    got = Twice(reduction="sum")(np.zeros((2, 2)), np.ones((2, 2)))
    assert float(got) == 8.0
    assert Twice().name == "twice"


def test_gradient_through_loss():
    p = tf.Variable(np.array([[0.2, 0.7, 0.1]], dtype="float64"))
    with tf.GradientTape() as tape:
        loss = losses.CategoricalCrossentropy(dtype="float64")([[0.0, 1.0, 0.0]], p)
    g = tape.gradient(loss, p).numpy()
    # d/dp of -log(p_1 / sum p) = -1/p_1 + 1/sum p
    np.testing.assert_allclose(g, [[1.0, 1.0 - 1 / 0.7, 1.0]], rtol=1e-6)


def _numeric_grad(fn, x, eps=1e-6):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        hi, lo = x.copy(), x.copy()
        hi[i] += eps
        lo[i] -= eps
        g[i] = (fn(hi) - fn(lo)) / (2 * eps)
    return g


GRAD_CASES = {
    "MeanSquaredError": (T, P, {}),
    "MeanAbsoluteError": (T, P + 0.01, {}),
    "Huber": (T * 3, P, {"delta": 0.5}),
    "LogCosh": (T, P, {}),
    "Poisson": (T, P, {}),
    "CosineSimilarity": (T, P, {}),
    "Hinge": (BIN, P - 0.3, {}),
    "SquaredHinge": (BIN, P - 0.3, {}),
    "CategoricalCrossentropy": (ONE_HOT, P, {"from_logits": True}),
    "BinaryCrossentropy": (BIN, P - 0.5, {"from_logits": True}),
    "SparseCategoricalCrossentropy": (np.array([0, 2, 1, 2]), P, {"from_logits": True}),
}


@pytest.mark.parametrize("name", sorted(GRAD_CASES))
def test_loss_gradients_match_finite_differences(name):
    y_true, y_pred, kwargs = GRAD_CASES[name]
    loss = getattr(losses, name)(dtype="float64", **kwargs)
    x = np.asarray(y_pred, dtype="float64")
    w = np.array([1.0, 0.5, 2.0, 0.0])
    v = tf.Variable(x)
    with tf.GradientTape() as tape:
        value = loss(y_true, v, sample_weight=w)
    got = tape.gradient(value, v)
    assert got is not None
    want = _numeric_grad(lambda a: float(np.asarray(loss(y_true, a, sample_weight=w))), x)
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-5, atol=1e-7)


def test_registered_custom_loss_round_trip():
    from tensorweave.keras.saving.object_registry import register_keras_serializable

    @register_keras_serializable(package="tests")
    class Scaled(losses.Loss):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def call(self, y_true, y_pred):
            return self.factor * tf.reduce_mean(tf.abs(y_pred - y_true), axis=-1)

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    config = losses.serialize(Scaled(3.0))
    assert config["registered_name"] == "tests>Scaled"
    again = losses.deserialize(config)
    assert isinstance(again, Scaled) and again.factor == 3.0
    assert isinstance(losses.get("tests>Scaled"), Scaled)


def test_tf_keras_2_reduction_names():
    r = losses.Reduction
    assert losses.MeanSquaredError(reduction=r.AUTO).reduction == "sum_over_batch_size"
    got = losses.MeanSquaredError(reduction=r.NONE)(T, P)
    assert tuple(got.shape) == (4,)
    assert float(losses.MeanAbsoluteError(reduction=r.SUM)(T, P)) == pytest.approx(
        np.abs(_np(T) - _np(P)).mean(-1).sum(), rel=1e-5)
    with pytest.raises(ValueError, match="Invalid Reduction"):
        r.validate("avg")


@settings(max_examples=25, deadline=None)
@given(batch=st.integers(1, 6), width=st.integers(1, 4), seed=st.integers(0, 2**16),
       reduction=st.sampled_from(["sum", "sum_over_batch_size", "mean_with_sample_weight",
                                  "none"]))
def test_weighted_reductions_property(batch, width, seed, reduction):
    rng = np.random.default_rng(seed)
    t = rng.normal(size=(batch, width))
    p = rng.normal(size=(batch, width))
    w = rng.uniform(0.1, 2.0, size=(batch,))
    per = ((t - p) ** 2).mean(-1) * w
    want = {"sum": per.sum(), "sum_over_batch_size": per.sum() / batch,
            "mean_with_sample_weight": per.sum() / w.sum(), "none": per}[reduction]
    got = losses.MeanSquaredError(reduction=reduction, dtype="float64")(t, p, sample_weight=w)
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-10)
