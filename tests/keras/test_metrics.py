"""keras.metrics: state, reset, weighting, each metric against NumPy, and use in tf.function."""

import numpy as np
import pytest

import tensorweave as tf
from tensorweave.keras import metrics


def _f(x):
    return float(np.asarray(x))


def test_mean_and_sum_accumulate_and_reset():
    m = metrics.Mean()
    m.update_state([1.0, 2.0, 3.0])
    m.update_state(5.0)
    assert _f(m.result()) == pytest.approx(11 / 4)
    assert [v.name for v in m.variables] == ["mean/total:0", "mean/count:0"]
    assert all(not v.trainable for v in m.variables)
    m.reset_states()  # the Keras 2 name the seed uses
    assert _f(m.result()) == 0.0
    s = metrics.Sum()
    assert _f(s([1.0, 2.0], sample_weight=[1.0, 3.0])) == 7.0


def test_mean_sample_weight_and_rank_reduction():
    m = metrics.Mean()
    m.update_state([[1.0, 3.0], [5.0, 7.0]], sample_weight=[1.0, 0.5])
    # Per-sample means 2 and 6, weighted 1 and 0.5.
    assert _f(m.result()) == pytest.approx((2 + 3) / 1.5)


def test_accuracies():
    y_pred = np.array([[0.1, 0.6, 0.3], [0.5, 0.2, 0.3], [0.2, 0.3, 0.5], [0.2, 0.45, 0.35]])
    labels = np.array([1, 2, 2, 0])
    assert _f(metrics.SparseCategoricalAccuracy()(labels, y_pred)) == 0.5
    assert _f(metrics.SparseCategoricalAccuracy()(labels[:, None].astype("uint8"),
                                                  y_pred)) == 0.5
    assert _f(metrics.CategoricalAccuracy()(np.eye(3)[labels], y_pred)) == 0.5
    assert _f(metrics.Accuracy()([1, 2, 3, 4], [1, 2, 0, 4])) == 0.75
    assert _f(metrics.BinaryAccuracy()([1, 0, 1, 0], [0.9, 0.6, 0.4, 0.1])) == 0.5
    assert _f(metrics.BinaryAccuracy(threshold=0.3)([1, 0, 1, 0], [0.9, 0.6, 0.4, 0.1])) == 0.75
    assert _f(metrics.TopKCategoricalAccuracy(k=2)(np.eye(3)[labels], y_pred)) == 0.75
    assert _f(metrics.SparseTopKCategoricalAccuracy(k=2)(labels, y_pred)) == 0.75
    weighted = metrics.SparseCategoricalAccuracy()
    weighted.update_state(labels, y_pred, sample_weight=[1.0, 0.0, 1.0, 0.0])
    assert _f(weighted.result()) == 1.0


def test_regression_metrics():
    t = np.array([[1.0, 2.0], [3.0, 4.0]])
    p = np.array([[1.5, 2.0], [2.0, 6.0]])
    err = p - t
    assert _f(metrics.MeanSquaredError()(t, p)) == pytest.approx((err ** 2).mean())
    assert _f(metrics.MeanAbsoluteError()(t, p)) == pytest.approx(np.abs(err).mean())
    assert _f(metrics.RootMeanSquaredError()(t, p)) == pytest.approx(
        np.sqrt((err ** 2).mean()))
    assert _f(metrics.MeanAbsolutePercentageError()(t, p)) == pytest.approx(
        100 * np.abs(err / t).mean(), rel=1e-6)
    cos = (t * p).sum(-1) / np.linalg.norm(t, axis=-1) / np.linalg.norm(p, axis=-1)
    assert _f(metrics.CosineSimilarity()(t, p)) == pytest.approx(cos.mean(), rel=1e-6)
    assert _f(metrics.LogCoshError()(t, p)) == pytest.approx(np.log(np.cosh(err)).mean(),
                                                            rel=1e-6)


def test_loss_metrics():
    probs = np.array([[0.2, 0.8], [0.6, 0.4]], dtype="float32")
    assert _f(metrics.SparseCategoricalCrossentropy()([1, 1], probs)) == pytest.approx(
        -(np.log(0.8) + np.log(0.4)) / 2, rel=1e-5)
    assert _f(metrics.BinaryCrossentropy()([[1.0], [0.0]], [[0.8], [0.4]])) == pytest.approx(
        -(np.log(0.8) + np.log(0.6)) / 2, rel=1e-5)
    assert metrics.Hinge().name == "hinge" and metrics.LogCoshError().name == "logcosh"


Y_TRUE = np.array([0, 1, 1, 1, 0, 0, 1, 0], dtype="float32")
Y_PRED = np.array([0.1, 0.9, 0.4, 0.7, 0.6, 0.2, 0.8, 0.3], dtype="float32")


def test_precision_recall_counts():
    pos = Y_PRED > 0.5
    tp = np.sum(pos & (Y_TRUE == 1))
    fp = np.sum(pos & (Y_TRUE == 0))
    fn = np.sum(~pos & (Y_TRUE == 1))
    assert _f(metrics.Precision()(Y_TRUE, Y_PRED)) == pytest.approx(tp / (tp + fp))
    assert _f(metrics.Recall()(Y_TRUE, Y_PRED)) == pytest.approx(tp / (tp + fn))
    assert _f(metrics.TruePositives()(Y_TRUE, Y_PRED)) == tp
    assert _f(metrics.FalsePositives()(Y_TRUE, Y_PRED)) == fp
    assert _f(metrics.FalseNegatives()(Y_TRUE, Y_PRED)) == fn
    assert _f(metrics.TrueNegatives()(Y_TRUE, Y_PRED)) == 8 - tp - fp - fn
    several = metrics.Precision(thresholds=[0.25, 0.75])(Y_TRUE, Y_PRED)
    np.testing.assert_allclose(np.asarray(several), [4 / 6, 2 / 2])
    weighted = metrics.Recall()(Y_TRUE, Y_PRED, sample_weight=[1, 1, 3, 1, 1, 1, 1, 1])
    assert _f(weighted) == pytest.approx(3 / 6)


def test_precision_class_id_and_top_k():
    y_true = np.array([[0, 1, 0], [1, 0, 0], [0, 0, 1]], dtype="float32")
    y_pred = np.array([[0.2, 0.7, 0.6], [0.6, 0.3, 0.1], [0.3, 0.6, 0.55]], dtype="float32")
    # Class 1: predicted positive in rows 0 and 2, right in row 0.
    assert _f(metrics.Precision(class_id=1)(y_true, y_pred)) == pytest.approx(0.5)
    # Top-1 keeps one prediction per row: (0,1) right, (1,0) right, (2,1) wrong.
    assert _f(metrics.Precision(top_k=1)(y_true, y_pred)) == pytest.approx(2 / 3)


def _roc_auc_exact(t, p):
    pos, neg = p[t == 1], p[t == 0]
    return np.mean([(a > b) + 0.5 * (a == b) for a in pos for b in neg])


def test_auc_roc_close_to_exact():
    rng = np.random.default_rng(0)
    t = (rng.uniform(size=400) < 0.4).astype("float32")
    p = np.clip(t * 0.3 + rng.uniform(size=400) * 0.7, 0, 1).astype("float32")
    auc = metrics.AUC(num_thresholds=1000)
    auc.update_state(t[:200], p[:200])
    auc.update_state(t[200:], p[200:])
    assert _f(auc.result()) == pytest.approx(_roc_auc_exact(t, p), abs=2e-3)
    auc.reset_state()
    assert _f(auc.result()) == 0.0


def test_auc_pr_and_summation_methods():
    t, p = Y_TRUE, Y_PRED
    # A perfect ranking gives AUC 1 for both curves.
    perfect = np.where(t == 1, 0.9, 0.1).astype("float32")
    assert _f(metrics.AUC()(t, perfect)) == pytest.approx(1.0, abs=1e-6)
    assert _f(metrics.AUC(curve="PR")(t, perfect)) == pytest.approx(1.0, abs=1e-3)
    lo = _f(metrics.AUC(summation_method="minoring")(t, p))
    hi = _f(metrics.AUC(summation_method="majoring")(t, p))
    mid = _f(metrics.AUC()(t, p))
    assert lo <= mid <= hi
    with pytest.raises(ValueError, match="curve"):
        metrics.AUC(curve="XY")
    multi = metrics.AUC(multi_label=True)
    both = np.stack([t, 1 - t], -1)
    multi.update_state(both, np.stack([perfect, 1 - perfect], -1))
    assert _f(multi.result()) == pytest.approx(1.0, abs=1e-6)
    assert np.asarray(multi.true_positives).shape == (200, 2)


def test_metric_inside_tf_function_updates_variables():
    acc = metrics.SparseCategoricalAccuracy()
    mean = metrics.Mean()

    @tf.function
    def step(labels, preds):
        acc(labels, preds)
        mean(tf.reduce_sum(preds))

    preds = np.array([[0.1, 0.9], [0.8, 0.2]], dtype="float32")
    step(np.array([1, 1]), preds)
    step(np.array([1, 0]), preds)
    assert _f(acc.result()) == 0.75
    assert _f(mean.result()) == pytest.approx(2.0)


def test_config_get_and_resolve_accuracy():
    assert metrics.AUC(name="auc").get_config() == {
        "name": "auc", "dtype": "float32", "num_thresholds": 200, "curve": "ROC",
        "summation_method": "interpolation", "multi_label": False, "num_labels": None,
        "label_weights": None, "from_logits": False}
    m = metrics.deserialize(metrics.serialize(metrics.BinaryAccuracy(threshold=0.7)))
    assert isinstance(m, metrics.BinaryAccuracy) and m.threshold == 0.7
    assert isinstance(metrics.get("accuracy"), metrics.Accuracy)
    assert isinstance(metrics.get("mse"), metrics.MeanSquaredError)
    assert metrics.get("mse").name == "mean_squared_error"
    with pytest.raises(ValueError, match="Could not interpret metric identifier"):
        metrics.get("nope")
    w = metrics.MeanMetricWrapper(metrics.mean_absolute_error)
    again = metrics.MeanMetricWrapper.from_config(w.get_config())
    assert again._fn is metrics.mean_absolute_error
    spec = lambda *s: np.zeros(s)  # noqa: E731
    assert isinstance(metrics.resolve_accuracy("accuracy", spec(4), spec(4, 10)),
                      metrics.SparseCategoricalAccuracy)
    assert isinstance(metrics.resolve_accuracy("acc", spec(4, 1), spec(4, 1)),
                      metrics.BinaryAccuracy)
    assert isinstance(metrics.resolve_accuracy("acc", spec(4, 10), spec(4, 10)),
                      metrics.CategoricalAccuracy)


def test_subclass_without_super_init_fails_clearly():
    class Bad(metrics.Metric):
        def __init__(self):
            self.add_variable((), "zeros", name="x")

    with pytest.raises(RuntimeError, match="super"):
        Bad()


def test_directions_for_monitoring():
    up = [metrics.Accuracy(), metrics.SparseCategoricalAccuracy(), metrics.AUC(),
          metrics.Precision(), metrics.Recall(), metrics.CosineSimilarity(),
          metrics.TruePositives()]
    down = [metrics.Mean(), metrics.MeanSquaredError(), metrics.FalsePositives(),
            metrics.SparseCategoricalCrossentropy()]
    assert all(m._direction == "up" for m in up)
    assert all(m._direction == "down" for m in down)


def test_resolve_accuracy_by_loss():
    from tensorweave.keras import losses

    spec = lambda *s: np.zeros(s)  # noqa: E731
    t, p = spec(4), spec(4)  # shapes alone would say categorical
    for loss, cls in [("binary_crossentropy", metrics.BinaryAccuracy),
                      ("BinaryCrossentropy", metrics.BinaryAccuracy),
                      (losses.BinaryCrossentropy(from_logits=True), metrics.BinaryAccuracy),
                      (losses.sparse_categorical_crossentropy,
                       metrics.SparseCategoricalAccuracy),
                      (losses.CategoricalCrossentropy(), metrics.CategoricalAccuracy)]:
        got = metrics.resolve_accuracy("accuracy", t, p, loss=loss)
        assert isinstance(got, cls) and got.name == "accuracy", loss
    assert isinstance(metrics.resolve_accuracy("acc", spec(4), spec(4, 3), loss="mse"),
                      metrics.SparseCategoricalAccuracy)


def test_f1_and_r2_against_numpy():
    y_true = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 1, 0]], dtype="float32")
    y_pred = np.array([[0.7, 0.2, 0.1], [0.3, 0.4, 0.3], [0.6, 0.1, 0.3], [0.1, 0.8, 0.1]],
                      dtype="float32")
    pred = (y_pred == y_pred.max(-1, keepdims=True)).astype("float32")
    tp = (pred * y_true).sum(0)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = tp / pred.sum(0)
        r = tp / y_true.sum(0)
        f1 = np.nan_to_num(2 * p * r / (p + r))
    np.testing.assert_allclose(np.asarray(metrics.F1Score()(y_true, y_pred)), f1, atol=1e-5)
    assert _f(metrics.F1Score(average="macro")(y_true, y_pred)) == pytest.approx(f1.mean(),
                                                                                 abs=1e-5)
    t = np.array([[1.0], [2.0], [3.0], [4.0]])
    q = np.array([[1.5], [1.5], [3.5], [3.5]])
    want = 1 - ((t - q) ** 2).sum() / ((t - t.mean()) ** 2).sum()
    assert _f(metrics.R2Score()(t, q)) == pytest.approx(want, rel=1e-6)
    with pytest.raises(ValueError, match="2D"):
        metrics.R2Score()(np.zeros(3), np.zeros(3))
